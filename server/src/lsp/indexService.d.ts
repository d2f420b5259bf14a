import type { Connection } from 'vscode-languageserver';
import { WorkspaceIndex } from '../engine/index/workspaceIndex';
import { type StatusParams } from '../protocol/customMessages';
import type { IrqLensSettings } from '../protocol/configuration';
import { type Logger } from './logger';
export interface IndexServiceOptions {
    folders: string[];
    settings: IrqLensSettings;
    /** The extension's storage folder; the cache lives in `<storagePath>/index-cache`. */
    storagePath?: string;
    /** The client accepts server-initiated `window/workDoneProgress/create`. */
    workDoneProgress: boolean;
}
export declare class IndexService {
    private readonly connection;
    private readonly logger;
    private readonly options;
    private folders;
    private settings;
    private index;
    private roots;
    /** Which files the current build indexes (the engine's rule, shared with the index itself). */
    private filter;
    /** The current build; resolves to the index, or undefined when the build failed or was superseded. */
    private building;
    /** Until the first build starts (on `initialized`), requests wait on this; the first start() settles it. */
    private settleFirst;
    private abort;
    /** Disk refreshes run one after another; queries wait for the queue to drain. */
    private refreshQueue;
    /** Called when a new index is ready, before the ready status goes out (documents replay open editors' text). */
    private readonly readyListeners;
    private generation;
    private lastStatus;
    constructor(connection: Connection, logger: Logger, options: IndexServiceOptions);
    get status(): StatusParams;
    /** The index once built and every queued disk refresh applied; undefined when there is none (build failed). */
    ready(): Promise<WorkspaceIndex | undefined>;
    setFolders(folders: string[]): void;
    /** New settings: the log level applies at once; trees/include/exclude rebuild the index. */
    setSettings(settings: IrqLensSettings): void;
    rebuild(reason: string): void;
    /** Starts a build, superseding any build in flight. */
    start(): void;
    private build;
    private findRoots;
    private treeStatus;
    private sendStatus;
    /** True for files of a tree being indexed (open documents elsewhere are not fed to the index). */
    covers(file: string): boolean;
    onReady(listener: (idx: WorkspaceIndex) => void): void;
    /** The index when one is ready (edits before that are replayed by the ready listeners). */
    get current(): WorkspaceIndex | undefined;
    /**
     * An open document was closed: the index goes back to the disk copy. The re-read is queued like a disk change, so
     * requests after the close see the file as it is on disk.
     */
    closeDocument(file: string): void;
    /** A file changed, appeared or vanished on disk (workspace/didChangeWatchedFiles). */
    refreshFile(file: string): void;
    private enqueueRefresh;
    dispose(): Promise<void>;
}
