// The language server's entry point: creates the connection (IPC under the VS Code client, `--stdio` for tests and other
// editors) behind the life-cycle gate, and hands it to startServer. Other transports (--pipe, --socket) are left to
// vscode-languageserver, without the gate.
import {
  createConnection,
  IPCMessageReader,
  IPCMessageWriter,
  ProposedFeatures,
  StreamMessageReader,
  StreamMessageWriter,
  type Connection,
} from 'vscode-languageserver/node';
import { LifecycleGate } from './lsp/lifecycleGate';
import { describeError } from './lsp/logger';
import { startServer } from './lsp/startServer';

function gatedConnection(): { connection: Connection; gate?: LifecycleGate } {
  if (process.argv.includes('--stdio')) {
    let received = 0;
    process.stdin.on('data', (d: Buffer) => (received += d.length));
    const writer = new StreamMessageWriter(process.stdout);
    const gate = new LifecycleGate(new StreamMessageReader(process.stdin), writer, () => received);
    return { connection: createConnection(ProposedFeatures.all, gate, writer), gate };
  }
  if (process.argv.includes('--node-ipc')) {
    const writer = new IPCMessageWriter(process);
    const gate = new LifecycleGate(new IPCMessageReader(process), writer);
    return { connection: createConnection(ProposedFeatures.all, gate, writer), gate };
  }
  return { connection: createConnection(ProposedFeatures.all) };
}

const { connection, gate } = gatedConnection();
const logger = startServer(connection);
gate?.setLog((msg) => logger.warn(msg));

// Last resort: a bug outside a request handler is logged, and the server keeps serving what it can.
process.on('uncaughtException', (err) => logger.error(`uncaught exception: ${describeError(err)}`));
process.on('unhandledRejection', (err) => logger.error(`unhandled rejection: ${describeError(err)}`));
