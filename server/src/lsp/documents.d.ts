import { type Connection } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { IndexService } from './indexService';
import type { Logger } from './logger';
export declare class Documents {
    private readonly index;
    private readonly logger;
    private readonly docs;
    /** Files already reported as binary, so the log says it once per file, not once per keystroke. */
    private readonly reportedBinary;
    constructor(index: IndexService, logger: Logger);
    /** Starts listening for textDocument/did* on the connection. */
    listen(connection: Connection): void;
    get(uri: string): TextDocument | undefined;
    /** The open document's text, if the file is open. */
    text(uri: string): string | undefined;
    isOpen(uri: string): boolean;
    private feed;
    private close;
}
