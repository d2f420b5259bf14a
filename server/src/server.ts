// The language server's entry point: creates the connection (IPC under the VS Code client, `--stdio` for tests and other
// editors) behind the life-cycle gate, and hands it to startServer. Other transports (--pipe, --socket) are left to
// vscode-languageserver, without the gate.
import {
  createConnection,
  IPCMessageReader,
  IPCMessageWriter,
  ProposedFeatures,
  StreamMessageWriter,
  type Connection,
} from 'vscode-languageserver/node';
import { FramedStreamReader, type StreamGarbage } from './lsp/framedReader';
import { LifecycleGate } from './lsp/lifecycleGate';
import { describeError } from './lsp/logger';
import { startServer } from './lsp/startServer';

/** Runs of garbage logged one line each, up to this many; then one line saying the rest are not logged. */
const GARBAGE_LOG_LIMIT = 20;

let log: (msg: string) => void = () => undefined;
let garbageRuns = 0;

function logGarbage(g: StreamGarbage): void {
  garbageRuns++;
  if (garbageRuns > GARBAGE_LOG_LIMIT) return;
  log(
    `ignored bytes that are no LSP message at byte ${g.offset} of the stream (${g.reason}): "${g.preview}"; reading resumes at the next Content-Length header` +
      (garbageRuns === GARBAGE_LOG_LIMIT ? ` (${GARBAGE_LOG_LIMIT} such runs: further ones are not logged)` : ''),
  );
}

function gatedConnection(): { connection: Connection; gate?: LifecycleGate } {
  if (process.argv.includes('--stdio')) {
    const writer = new StreamMessageWriter(process.stdout);
    const gate = new LifecycleGate(new FramedStreamReader(process.stdin, logGarbage), writer);
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
log = (msg) => logger.warn(msg);
gate?.setLog((msg) => logger.warn(msg));

if (gate) {
  // The client went away without `exit` (it crashed, or closed the stream): end now, as vscode-languageserver does for
  // the streams it opens itself, rather than finishing a build (workers, the flow guide's warm-up) for nobody.
  const gone = () => process.exit(gate.shutdownReceived ? 0 : 1);
  gate.onClose(gone);
  gate.onError((err) => logger.error(`a message could not be handled: ${describeError(err)}`));
  if (process.argv.includes('--node-ipc')) process.on('disconnect', gone);
}

// Last resort: a bug outside a request handler is logged, and the server keeps serving what it can.
process.on('uncaughtException', (err) => logger.error(`uncaught exception: ${describeError(err)}`));
process.on('unhandledRejection', (err) => logger.error(`unhandled rejection: ${describeError(err)}`));
