// The language server's entry point: creates the connection (IPC under the VS Code client, `--stdio` for tests and other
// editors; vscode-languageserver picks it from argv) and hands it to startServer.
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { describeError } from './lsp/logger';
import { startServer } from './lsp/startServer';

const connection = createConnection(ProposedFeatures.all);
const logger = startServer(connection);

// Last resort: a bug outside a request handler is logged, and the server keeps serving what it can.
process.on('uncaughtException', (err) => logger.error(`uncaught exception: ${describeError(err)}`));
process.on('unhandledRejection', (err) => logger.error(`unhandled rejection: ${describeError(err)}`));
