// Enforces the LSP life cycle on the incoming message stream, before any handler runs: one `initialize` (a second one
// answers InvalidRequest instead of re-creating the server's state), nothing else before it (ServerNotInitialized),
// nothing after `shutdown` but `exit` (InvalidRequest), and params of the right shape (InvalidParams naming the field).
// Bytes that are no message are reported by the framed reader underneath (framedReader.ts).
import type { Disposable, Message, MessageReader, MessageWriter, DataCallback, NotificationMessage, RequestMessage, ResponseMessage } from 'vscode-languageserver/node';
import { invalidParams } from './paramChecks';

const INVALID_REQUEST = -32600;
const INVALID_PARAMS = -32602;
const SERVER_NOT_INITIALIZED = -32002;

type State = 'new' | 'running' | 'shutdown';

function isRequest(m: Message): m is RequestMessage {
  return typeof (m as RequestMessage).method === 'string' && (m as RequestMessage).id !== undefined && (m as RequestMessage).id !== null;
}

function isNotification(m: Message): m is NotificationMessage {
  return typeof (m as NotificationMessage).method === 'string' && (m as RequestMessage).id === undefined;
}

export class LifecycleGate implements MessageReader {
  private state: State = 'new';
  private log: (msg: string) => void = () => undefined;

  constructor(
    private readonly inner: MessageReader,
    private readonly writer: MessageWriter,
  ) {}

  /** True once `shutdown` was accepted (the exit code when the client goes away: 0 after shutdown, 1 before). */
  get shutdownReceived(): boolean {
    return this.state === 'shutdown';
  }

  readonly onError = (...args: Parameters<MessageReader['onError']>) => this.inner.onError(...args);
  readonly onClose = (...args: Parameters<MessageReader['onClose']>) => this.inner.onClose(...args);
  readonly onPartialMessage = (...args: Parameters<MessageReader['onPartialMessage']>) => this.inner.onPartialMessage(...args);

  /** Where to report what the gate turned away (set once the server's logger exists). */
  setLog(log: (msg: string) => void): void {
    this.log = log;
  }

  listen(callback: DataCallback): Disposable {
    return this.inner.listen((message) => {
      const refused = this.admit(message);
      if (refused) void this.writer.write(refused).catch(() => undefined);
      else if (refused === undefined) callback(message);
    });
  }

  dispose(): void {
    this.inner.dispose();
  }

  /** undefined: pass the message on; null: drop it; a response: answer with it instead. */
  private admit(m: Message): ResponseMessage | null | undefined {
    if (isRequest(m)) {
      const refuse = (code: number, message: string): ResponseMessage => ({ jsonrpc: '2.0', id: m.id, error: { code, message } });
      if (m.method === 'initialize') {
        if (this.state !== 'new') return refuse(INVALID_REQUEST, 'initialize was already received: it may be sent only once');
      } else if (this.state === 'new') return refuse(SERVER_NOT_INITIALIZED, `${m.method}: the server is not initialized yet`);
      else if (this.state === 'shutdown') return refuse(INVALID_REQUEST, `${m.method}: the server is shutting down`);
      const why = invalidParams(m.method, m.params);
      if (why) return refuse(INVALID_PARAMS, `${m.method}: invalid params: ${why}`);
      if (m.method === 'initialize') this.state = 'running';
      else if (m.method === 'shutdown') this.state = 'shutdown';
      return undefined;
    }
    if (isNotification(m)) {
      if (m.method === 'exit') return undefined;
      // Notifications before initialize or after shutdown are dropped (LSP); malformed ones are logged and dropped.
      if (this.state !== 'running') return null;
      const why = invalidParams(m.method, m.params);
      if (why) {
        this.log(`${m.method}: ignored, invalid params: ${why}`);
        return null;
      }
    }
    return undefined;
  }
}
