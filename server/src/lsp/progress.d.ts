import type { Connection } from 'vscode-languageserver';
import type { IndexProgress } from '../engine/index/types';
import type { Logger } from './logger';
export declare class IndexingProgress {
    private readonly connection;
    private readonly supported;
    private readonly logger;
    /** Called with the summed counts on every (throttled) report, for the status notification. */
    private readonly onCounts;
    private reporter;
    private readonly perTree;
    private lastReport;
    private finished;
    constructor(connection: Connection, supported: boolean, logger: Logger, 
    /** Called with the summed counts on every (throttled) report, for the status notification. */
    onCounts: (done: number, total: number) => void);
    begin(trees: number): Promise<void>;
    /** Engine callback: counts for one tree. */
    update(p: IndexProgress): void;
    /** Sends the final counts (`files`: what the index holds, when the engine reported no counts) and closes the progress. */
    done(files?: number): void;
    private send;
}
