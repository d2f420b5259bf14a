import { ResponseError, type CancellationToken } from 'vscode-languageserver';
import type { WorkspaceIndex } from '../engine/index/workspaceIndex';
import type { IndexService } from './indexService';
import { type Logger } from './logger';
export declare class RequestGuard {
    private readonly index;
    private readonly logger;
    constructor(index: IndexService, logger: Logger);
    /**
     * `empty` answers when there is no index (the build failed) or the handler threw; a handler that threw is logged
     * with the request name and its stack.
     */
    run<T>(method: string, token: CancellationToken, empty: T, handler: (idx: WorkspaceIndex) => T | Promise<T>): Promise<T | ResponseError<void>>;
}
