import { type Connection } from 'vscode-languageserver';
import type { LogLevel } from '../protocol/configuration';
export declare class Logger {
    private readonly connection;
    private level;
    constructor(connection: Pick<Connection, 'sendNotification'>);
    setLevel(level: LogLevel): void;
    error(msg: string, err?: unknown): void;
    warn(msg: string): void;
    info(msg: string): void;
    debug(msg: string): void;
    /** For messages that cost something to build (per-request timings). */
    enabled(level: LogLevel): boolean;
    log(level: LogLevel, msg: string): void;
}
export declare function describeError(err: unknown): string;
