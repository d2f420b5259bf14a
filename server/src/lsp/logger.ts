// A levelled logger over the LSP connection (window/logMessage); the server never writes to the console.
import { MessageType, type Connection } from 'vscode-languageserver';
import type { LogLevel } from '../protocol/configuration';

const rank: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };

export class Logger {
  private level: LogLevel = 'info';

  constructor(private readonly connection: Pick<Connection, 'sendNotification'>) {}

  setLevel(level: LogLevel): void {
    this.level = level;
  }

  error(msg: string, err?: unknown): void {
    this.log('error', err === undefined ? msg : `${msg}: ${describeError(err)}`);
  }

  warn(msg: string): void {
    this.log('warn', msg);
  }

  info(msg: string): void {
    this.log('info', msg);
  }

  debug(msg: string): void {
    this.log('debug', msg);
  }

  /** For messages that cost something to build (per-request timings). */
  enabled(level: LogLevel): boolean {
    return rank[level] <= rank[this.level];
  }

  log(level: LogLevel, msg: string): void {
    if (rank[level] > rank[this.level]) return;
    // LogOutputChannel on the client shows its own timestamp and level, so the text carries neither.
    const type = { error: MessageType.Error, warn: MessageType.Warning, info: MessageType.Info, debug: MessageType.Debug }[level];
    try {
      void this.connection.sendNotification('window/logMessage', { type, message: msg });
    } catch {
      // The connection is gone (client exited): nothing left to log to.
    }
  }
}

export function describeError(err: unknown): string {
  if (err instanceof Error) return err.stack ?? `${err.name}: ${err.message}`;
  return String(err);
}
