// The build-free index over one or more trees: a narrow façade over modules with one job each — the builder (walk,
// cache, worker pool), the open documents' parse trees, and the query modules (definitions, call graph, references,
// search). The language server, the CLI, link resolution and the contract checker use it; each LSP feature depends
// only on the query interface it needs (types.ts).
import * as path from 'node:path';
import { cacheFile, saveCacheOrWarn } from './cache';
import { type CacheUsage, DEFAULT_CACHE_LIMIT_BYTES, enforceCacheLimit } from './cacheLimit';
import { cacheSlice } from './cacheSlice';
import { CallGraph } from './callGraph';
import { Definitions, type RootedSymbol } from './definitionQueries';
import { DocumentTrees } from './documentTrees';
import { extractFile } from './fileExtract';
import { buildTreeIndex, type IndexLog, type TreeStats } from './indexBuilder';
import { IndexedTrees } from './indexedTrees';
import { ParsePool } from './parsePool';
import { References } from './referenceQueries';
import { SymbolSearch } from './symbolSearch';
import { TreeMembership } from './treeMembership';
import { admitFile } from './walker';
import type { CallEdge, FunctionBinding, IndexProgress, IndexQueries, Reference, SymbolDef, TreeInfo } from './types';

export type { TreeStats } from './indexBuilder';
export type { RootedSymbol } from './definitionQueries';

export interface IndexOptions {
  roots: string[];
  cacheDir?: string;
  noCache?: boolean;
  /** The cache folder's size limit in bytes (default DEFAULT_CACHE_LIMIT_BYTES); least recently used entries go first. */
  cacheLimitBytes?: number;
  include?: string[];
  exclude?: string[];
  /** Files larger than this many bytes are skipped without being read (default DEFAULT_MAX_FILE_SIZE, 64 MB). */
  maxFileSize?: number;
  workers?: number;
  /** Per tree root: index only these tree-relative files (an early, partial index), not the whole tree. */
  only?: ReadonlyMap<string, readonly string[]>;
  log?: IndexLog;
  onProgress?: (p: IndexProgress) => void;
  signal?: AbortSignal;
}

export class WorkspaceIndex implements IndexQueries {
  private readonly documents = new DocumentTrees();
  private readonly state: IndexedTrees;
  private readonly stats_: TreeStats[] = [];
  /** The query modules, for code that needs one kind of question only. */
  readonly definitionQueries: Definitions;
  readonly callGraph: CallGraph;
  readonly referenceQueries: References;
  readonly search: SymbolSearch;

  private constructor(private readonly opts: IndexOptions) {
    this.state = new IndexedTrees(new TreeMembership(opts.roots, opts.include, opts.exclude), (abs) => this.documents.textOf(abs));
    this.definitionQueries = new Definitions(this.state);
    this.callGraph = new CallGraph(this.state, this.definitionQueries);
    this.referenceQueries = new References(this.state, this.definitionQueries);
    this.search = new SymbolSearch(this.state, this.definitionQueries);
  }

  static async build(opts: IndexOptions): Promise<WorkspaceIndex> {
    const index = new WorkspaceIndex(opts);
    const pool = new ParsePool(opts.workers, opts.log);
    const cacheDir = !opts.noCache && opts.cacheDir ? opts.cacheDir : undefined;
    try {
      for (const root of opts.roots) {
        if (opts.signal?.aborted) break;
        const { tree, stats } = await buildTreeIndex(root, pool, {
          selection: index.state.membership.selection,
          cacheDir,
          maxFileSize: opts.maxFileSize,
          only: opts.only?.get(root) ?? (opts.only ? [] : undefined),
          log: (level, msg) => opts.log?.(level, msg),
          onProgress: opts.onProgress,
          signal: opts.signal,
        });
        index.state.add(tree);
        index.stats_.push(stats);
      }
    } finally {
      await pool.dispose();
    }
    if (cacheDir && !opts.only) index.limitCache(cacheDir);
    return index;
  }

  /** Keeps the cache folder within its limit (the trees just built keep their caches) and notes its usage in the stats. */
  private limitCache(cacheDir: string): void {
    const keep = new Set(this.opts.roots.map((r) => cacheFile(cacheDir, path.resolve(r))));
    const usage: CacheUsage = enforceCacheLimit(cacheDir, this.opts.cacheLimitBytes ?? DEFAULT_CACHE_LIMIT_BYTES, keep);
    if (usage.evicted) this.opts.log?.('info', `index cache ${cacheDir}: ${usage.evicted} least recently used entries (${(usage.evictedBytes / 1048576).toFixed(1)} MB) evicted to stay within ${(usage.limitBytes / 1048576).toFixed(0)} MB`);
    for (const s of this.stats_) s.cache = usage;
  }

  /** Builds the query maps now (name maps, sorted names), so the first request does not pay for them. */
  prepareQueries(): void {
    for (const t of this.state.list) t.queryMaps();
  }

  stats(): TreeStats[] {
    return this.stats_.map((s) => ({ ...s }));
  }

  trees(): TreeInfo[] {
    return this.state.list.map((t) => ({ ...t.info }));
  }

  /** Which tree holds a file and whether the walk indexes it (the one rule the server's file filter also uses). */
  get membership(): TreeMembership {
    return this.state.membership;
  }

  // ---- documents and files ---------------------------------------------------------------------------------------

  /** An open, edited document: re-parse incrementally and update its record. */
  updateDocument(file: string, text: string): void {
    const loc = this.state.locate(file);
    if (!loc) return;
    loc.tree.setRecord(this.documents.update(file, loc.rel, text, loc.tree.record(loc.rel)));
  }

  /** A document was closed: queries read the disk again; the caller refreshes the file from disk (once). */
  closeDocument(file: string): boolean {
    return this.documents.close(file);
  }

  /** A file changed, was created or deleted on disk. An open document's text wins until it is closed. */
  async refreshFile(file: string): Promise<void> {
    const loc = this.state.locate(file);
    if (!loc || this.documents.isOpen(file)) return;
    const abs = path.resolve(file);
    // The walk's rule: a link now leading out of the tree, a FIFO, a file grown over the limit are not read.
    const admitted = admitFile(loc.tree.root, loc.rel, this.opts.maxFileSize);
    if (!admitted || 'reason' in admitted) {
      if (admitted) this.opts.log?.('warn', `${abs}: ${admitted.reason}`);
      loc.tree.removeFile(loc.rel);
      return;
    }
    const r = extractFile(loc.tree.root, loc.rel);
    if (r.problem) this.opts.log?.('warn', `${abs}: ${r.problem}`);
    r.size = admitted.entry.size;
    r.mtimeMs = admitted.entry.mtimeMs;
    loc.tree.setRecord(r);
  }

  async dispose(): Promise<void> {
    this.documents.clear();
  }

  /** Writes every tree's cache again (after incremental changes), when caching is on. */
  saveCaches(): void {
    if (this.opts.noCache || !this.opts.cacheDir) return;
    for (const t of this.state.list) {
      saveCacheOrWarn(cacheFile(this.opts.cacheDir, t.root), { root: t.root, strings: t.strings, files: t.liveRecords() }, (msg) => this.opts.log?.('warn', msg));
    }
  }

  /**
   * Writes a cache of the listed tree-relative files of `root` (those indexed) to `file`, with their own small string
   * table; what `only` builds read from a cache folder holding it. Returns how many files it holds.
   */
  writeCacheSlice(root: string, files: readonly string[], file: string): number {
    const tree = this.state.list.find((t) => t.root === path.resolve(root));
    if (!tree) return 0;
    const records = files.map((f) => tree.record(f)).filter((r): r is NonNullable<typeof r> => r !== undefined);
    saveCacheOrWarn(file, cacheSlice(tree.root, records, tree.strings), (msg) => this.opts.log?.('warn', msg));
    return records.length;
  }

  // ---- queries (delegated; see the query modules) -------------------------------------------------------------------

  definitions(name: string, fromFile?: string): RootedSymbol[] {
    return this.definitionQueries.definitions(name, fromFile);
  }

  generatorOf(def: RootedSymbol): string | undefined {
    return this.definitionQueries.generatorOf(def);
  }

  fileSymbols(file: string): SymbolDef[] {
    return this.definitionQueries.fileSymbols(file);
  }

  enclosingFunction(file: string, line: number): SymbolDef | undefined {
    return this.definitionQueries.enclosingFunction(file, line);
  }

  /** Every symbol of one tree, for listing (the CLI's `symbols`). */
  *allSymbols(root: string): Generator<RootedSymbol> {
    for (const batch of this.definitionQueries.symbolsByFile(root)) yield* batch;
  }

  symbolsByFile(root: string): Generator<RootedSymbol[]> {
    return this.definitionQueries.symbolsByFile(root);
  }

  references(name: string): (Reference & { root: string })[] {
    return this.referenceQueries.references(name);
  }

  identifierAt(file: string, line: number, col: number): { name: string; container?: string } | undefined {
    return this.referenceQueries.identifierAt(file, line, col);
  }

  incomingCalls(name: string): CallEdge[] {
    return this.callGraph.incomingCalls(name);
  }

  outgoingCalls(name: string): CallEdge[] {
    return this.callGraph.outgoingCalls(name);
  }

  bindingsOf(name: string): FunctionBinding[] {
    return this.callGraph.bindingsOf(name);
  }

  searchSymbols(query: string, limit: number): RootedSymbol[] {
    return this.search.searchSymbols(query, limit);
  }
}
