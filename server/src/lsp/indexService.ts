// Owns the WorkspaceIndex of the language server: which trees (workspace folders, `irqlens.trees`, detected markers),
// building it with progress and status, waiting for it, feeding it document edits and disk changes, rebuilding on demand.
// A build first indexes the priority files (open documents, their headers and neighbours, the model links' files) into
// an early, partial index, so definitions, hovers and lenses answer within seconds of a cold start.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Connection } from 'vscode-languageserver';
import { TreeMembership } from '../engine/index/treeMembership';
import { WorkspaceIndex } from '../engine/index/workspaceIndex';
import { StatusNotification, type StatusParams, type TreeStatus } from '../protocol/customMessages';
import type { IrqLensSettings } from '../protocol/configuration';
import { describeError, type Logger } from './logger';
import { IndexingProgress } from './progress';
import { priorityFiles } from './priorityFiles';
import { treeRootsOf } from './treeRoots';

const MIB = 1024 * 1024;

export interface IndexServiceOptions {
  folders: string[];
  settings: IrqLensSettings;
  /** The extension's storage folder; the cache lives in `<storagePath>/index-cache`. */
  storagePath?: string;
  /** The client accepts server-initiated `window/workDoneProgress/create`. */
  workDoneProgress: boolean;
}

export class IndexService {
  private folders: string[];
  private settings: IrqLensSettings;
  private index: WorkspaceIndex | undefined;
  /** The partial index of the priority files, while the full build runs; dropped once the full index is ready. */
  private early: WorkspaceIndex | undefined;
  /** Settles with the current build's early index (undefined when there is none, or the full index came first). */
  private earlyReady: Promise<WorkspaceIndex | undefined> = new Promise(() => undefined);
  private settleEarly: ((idx: WorkspaceIndex | undefined) => void) | undefined;
  /** True once the current build's full index is in place. */
  private fullReady = false;
  /** The open documents (path and text), for the priority files. */
  private openDocuments: () => { file: string; text: string }[] = () => [];
  private roots: string[] = [];
  /** Which files the current build indexes (the engine's rule, shared with the index itself). */
  private filter = new TreeMembership([]);
  /** The current build; resolves to the index, or undefined when the build failed or was superseded. */
  private building: Promise<WorkspaceIndex | undefined>;
  /** Until the first build starts (on `initialized`), requests wait on this; the first start() settles it. */
  private settleFirst: ((p: Promise<WorkspaceIndex | undefined>) => void) | undefined;
  private abort: AbortController | undefined;
  /** Disk refreshes run one after another; queries wait for the queue to drain. */
  private refreshQueue: Promise<void> = Promise.resolve();
  /** Called when a new index is ready, before the ready status goes out (documents replay open editors' text). */
  private readonly readyListeners: ((idx: WorkspaceIndex) => void)[] = [];
  private generation = 0;
  /** Set by dispose (shutdown): no build starts after it. */
  private disposed = false;
  private lastStatus: StatusParams = { state: 'indexing', trees: [] };

  constructor(
    private readonly connection: Connection,
    private readonly logger: Logger,
    private readonly options: IndexServiceOptions,
  ) {
    this.folders = options.folders;
    this.settings = options.settings;
    this.building = new Promise((resolve) => (this.settleFirst = resolve));
  }

  get status(): StatusParams {
    return this.lastStatus;
  }

  /** The index once built and every queued disk refresh applied; undefined when there is none (build failed). */
  async ready(): Promise<WorkspaceIndex | undefined> {
    // A rebuild that starts while we wait supersedes the build we waited on: wait for the newest one.
    for (;;) {
      const building = this.building;
      const idx = await building;
      await this.refreshQueue;
      if (building === this.building) return idx;
    }
  }

  /**
   * The full index when it is ready; else the early, partial one as soon as it exists (`partial: true`), else whichever
   * comes first. For requests that can answer from what is known (definitions in open and linked files, lenses).
   */
  async readyOrPartial(): Promise<{ idx: WorkspaceIndex | undefined; partial: boolean }> {
    const full = this.ready().then((idx) => ({ idx, partial: false }));
    if (this.fullReady) return full;
    const early = this.earlyReady.then((idx) => (idx && !this.fullReady ? { idx, partial: true } : full));
    return Promise.race([full, early]);
  }

  /** Applies edits of open documents that were held back (large documents are parsed at most every few hundred ms). */
  flushPendingEdits: () => void = () => undefined;

  setPendingEdits(flush: () => void): void {
    this.flushPendingEdits = flush;
  }

  /** Where the open documents come from (the Documents module registers itself). */
  setOpenDocuments(provider: () => { file: string; text: string }[]): void {
    this.openDocuments = provider;
  }

  setFolders(folders: string[]): void {
    this.folders = folders;
    this.rebuild('workspace folders changed');
  }

  /** New settings: the log level applies at once; trees/include/exclude rebuild the index. */
  setSettings(settings: IrqLensSettings): void {
    const before = this.settings;
    this.settings = settings;
    this.logger.setLevel(settings.logLevel);
    const key = (s: IrqLensSettings) => JSON.stringify([s.trees, s.include, s.exclude, s.maxFileSize]);
    if (key(before) !== key(settings)) this.rebuild('settings changed');
  }

  rebuild(reason: string): void {
    if (this.disposed) return;
    if (this.settleFirst) {
      // Before `initialized` no build runs yet: the first one (started by `initialized`) sees the new folders/settings.
      this.logger.info(`${reason}: applied when indexing starts`);
      return;
    }
    this.logger.info(`re-indexing: ${reason}`);
    this.start();
  }

  /** True once the first build was started (by `initialized`). */
  get started(): boolean {
    return this.settleFirst === undefined;
  }

  /** Starts a build, superseding any build in flight (nothing after dispose: the server is shutting down). */
  start(): void {
    if (this.disposed) return;
    this.abort?.abort();
    const abort = new AbortController();
    this.abort = abort;
    const generation = ++this.generation;
    const first = this.settleFirst;
    this.settleFirst = undefined;
    const previous = first ? Promise.resolve(undefined) : this.building;
    this.fullReady = false;
    const oldEarly = this.early;
    this.early = undefined;
    void oldEarly?.dispose();
    this.settleEarly?.(undefined);
    this.earlyReady = new Promise((resolve) => (this.settleEarly = resolve));
    this.building = this.build(generation, abort.signal, previous);
    first?.(this.building);
  }

  private async build(
    generation: number,
    signal: AbortSignal,
    previous: Promise<WorkspaceIndex | undefined>,
  ): Promise<WorkspaceIndex | undefined> {
    const old = await previous.catch(() => undefined);
    if (old) {
      if (this.index === old) this.index = undefined;
      await old.dispose().catch((e: unknown) => this.logger.warn(`disposing the previous index: ${describeError(e)}`));
    }
    if (signal.aborted) return undefined;
    this.sendStatus({ state: 'indexing', trees: [], message: 'finding trees' });
    const roots = await this.findRoots();
    this.roots = roots;
    this.filter = new TreeMembership(roots, this.settings.include, this.settings.exclude);
    this.logger.info(`indexing ${roots.length} tree(s): ${roots.join(', ')}`);
    const progress = new IndexingProgress(this.connection, this.options.workDoneProgress, this.logger, (done, total) => {
      if (generation === this.generation) this.sendStatus({ state: 'indexing', done, total, trees: [], message: `${done}/${total} files` });
    });
    this.logger.debug(
      `build ${generation}: include ${JSON.stringify(this.settings.include)}, exclude ${JSON.stringify(this.settings.exclude)}, ` +
        `cache ${this.options.storagePath ?? '(engine default)'}`,
    );
    await progress.begin(roots.length);
    await this.buildEarly(roots, generation, signal);
    // The requests that waited for the early index are answered before the full build walks the trees (a walk of
    // Linux holds the thread for a few hundred milliseconds).
    await new Promise((resolve) => setImmediate(resolve));
    try {
      const idx = await WorkspaceIndex.build({
        roots,
        cacheDir: this.options.storagePath ? path.join(this.options.storagePath, 'index-cache') : undefined,
        cacheLimitBytes: Math.round(this.settings.cache.maxSizeMB * 1048576),
        include: this.settings.include,
        exclude: this.settings.exclude,
        maxFileSize: this.settings.maxFileSize * MIB,
        log: (level, msg) => this.logger.log(level, msg),
        onProgress: (p) => progress.update(p),
        signal,
      });
      if (signal.aborted || generation !== this.generation) {
        progress.done();
        await idx.dispose();
        return undefined;
      }
      // Build the lookup tables now, while the status still says indexing: the first request should not pay for them.
      const prepStart = performance.now();
      idx.prepareQueries();
      this.logger.debug(`query tables built in ${(performance.now() - prepStart).toFixed(0)} ms`);
      this.index = idx;
      this.fullReady = true;
      this.dropEarly();
      for (const l of this.readyListeners) {
        try {
          l(idx);
        } catch (err) {
          this.logger.error('index ready listener failed', err);
        }
      }
      const trees = this.treeStatus(idx);
      progress.done(trees.reduce((n, t) => n + t.files, 0));
      for (const t of trees) {
        // The engine logs each tree at info already; this line adds what the status item shows.
        this.logger.debug(
          `${t.root}: ${t.codebase}${t.version ? ' ' + t.version : ''}, ${t.files} files, ${t.functions} functions, ${t.calls} calls, ` +
            `${t.skipped} skipped, ${t.seconds.toFixed(2)} s`,
        );
      }
      this.sendStatus({ state: 'ready', trees, message: trees.map((t) => `${t.codebase} ${t.version ?? ''}`.trim()).join(', ') });
      return idx;
    } catch (err) {
      progress.done();
      if (signal.aborted || generation !== this.generation) return undefined;
      this.logger.error('indexing failed', err);
      this.sendStatus({ state: 'error', trees: [], message: err instanceof Error ? err.message : String(err) });
      return undefined;
    }
  }

  /** Indexes the priority files first, so requests can be answered while the whole trees are indexed. */
  private async buildEarly(roots: string[], generation: number, signal: AbortSignal): Promise<void> {
    const settle = this.settleEarly;
    try {
      const open = this.openDocuments();
      const texts = new Map(open.map((d) => [d.file, d.text]));
      const only = priorityFiles(roots, open.map((d) => d.file), (f) => texts.get(f));
      const count = [...only.values()].reduce((n, l) => n + l.length, 0);
      const started = performance.now();
      // No cache: the early index is partial; the full build writes the cache.
      const early = await WorkspaceIndex.build({ roots, only, noCache: true, include: this.settings.include, exclude: this.settings.exclude, maxFileSize: this.settings.maxFileSize * MIB, signal });
      if (signal.aborted || generation !== this.generation) {
        await early.dispose();
        return;
      }
      early.prepareQueries();
      this.early = early;
      for (const l of this.readyListeners) {
        try {
          l(early);
        } catch (err) {
          this.logger.error('index ready listener failed', err);
        }
      }
      const seconds = (performance.now() - started) / 1000;
      this.logger.info(`early index: ${count} priority files (open documents, their headers and neighbours, model links) in ${seconds.toFixed(2)} s`);
      this.sendStatus({ state: 'indexing', trees: [], message: `${count} priority files ready (open documents and interrupt-path files); indexing the rest` });
      settle?.(early);
    } catch (err) {
      this.logger.warn(`early index failed (the full index still builds): ${describeError(err)}`);
      settle?.(undefined);
    }
  }

  private dropEarly(): void {
    const early = this.early;
    this.early = undefined;
    this.settleEarly?.(undefined);
    void early?.dispose();
  }

  private async findRoots(): Promise<string[]> {
    const roots: string[] = [];
    const missing = new Set<string>();
    const found = new Set<string>();
    for (const folder of this.folders) {
      const r = await treeRootsOf(folder, this.settings.trees);
      for (const p of r.roots) {
        if (!found.has(p)) roots.push(p);
        found.add(p);
      }
      for (const m of r.missing) missing.add(m);
    }
    for (const m of missing) if (!found.has(m)) this.logger.warn(`irqlens.trees: ${m} does not exist; skipped`);
    return roots;
  }

  private treeStatus(idx: WorkspaceIndex): TreeStatus[] {
    return idx.stats().map((s) => ({
      root: s.root,
      codebase: s.codebase,
      version: s.version,
      files: s.files,
      functions: s.functions,
      calls: s.calls,
      skipped: s.skipped.length,
      seconds: s.seconds,
      fromCache: s.fromCache,
    }));
  }

  private sendStatus(status: StatusParams): void {
    this.lastStatus = status;
    void this.connection.sendNotification(StatusNotification.type, status);
  }

  /** True for files of a tree being indexed (open documents elsewhere are not fed to the index). */
  covers(file: string): boolean {
    return this.filter.rootOf(file) !== undefined;
  }

  onReady(listener: (idx: WorkspaceIndex) => void): void {
    this.readyListeners.push(listener);
  }

  /** The full index when ready, else the early one (edits before that are replayed by the ready listeners). */
  get current(): WorkspaceIndex | undefined {
    return this.index ?? this.early;
  }

  /**
   * An open document was closed: the index goes back to the disk copy. The re-read is queued like a disk change, so
   * requests after the close see the file as it is on disk.
   */
  closeDocument(file: string): void {
    if (!this.covers(file)) return;
    // The index forgets the editor's text at once; the disk copy is read once, in the refresh queue.
    try {
      this.index?.closeDocument(file);
    } catch (err) {
      this.logger.error(`${file}: closing the document in the index failed`, err);
    }
    this.enqueueRefresh(file);
  }

  /** A file changed, appeared or vanished on disk (workspace/didChangeWatchedFiles). */
  refreshFile(file: string): void {
    // A deletion is always applied (the file may have been indexed under older settings); a new or changed file only
    // when the tree walk would have picked it up.
    if (fs.existsSync(file) && !this.filter.wants(file)) {
      this.logger.debug(`${file}: changed on disk, outside irqlens.include/exclude; not indexed`);
      return;
    }
    this.enqueueRefresh(file);
  }

  private enqueueRefresh(file: string): void {
    this.refreshQueue = this.refreshQueue.then(async () => {
      const idx = await this.building;
      if (!idx || !this.covers(file)) return;
      try {
        await idx.refreshFile(file);
        this.logger.debug(`${file}: refreshed from disk`);
      } catch (err) {
        this.logger.error(`${file}: refresh failed`, err);
      }
    });
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    this.abort?.abort();
    // Shut down before `initialized`: no build ever started; release the requests waiting for one.
    this.settleFirst?.(Promise.resolve(undefined));
    this.settleFirst = undefined;
    const idx = await this.building.catch(() => undefined);
    await idx?.dispose();
  }
}
