// The build-free index over one or more trees: walks, parses in a worker pool, caches per tree, keeps open documents'
// trees for incremental re-parsing, and answers IndexQueries (definitions, references, call hierarchy with indirect
// edges through function-pointer bindings, symbols). Both the language server and the CLI use it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type Parser from 'tree-sitter';
import { CacheError, cacheFile, loadCache, saveCacheOrWarn } from './cache';
import { reusableRecord } from './cacheFreshness';
import { extractSource } from './extract';
import { B_ASSIGN, BIND, CALL, F_FUNCLIKE, F_GENERATED, F_STATIC, FileRecord, ICALL, KINDS, SYM } from './fileRecord';
import { findIdentifier, identifierAtOffset, lineStarts } from './lexer';
import { ParsePool } from './parsePool';
import { preprocess } from './preprocess';
import { detectTree } from './treeInfo';
import { TreeIndex } from './treeIndex';
import type { CallEdge, Codebase, IndexProgress, IndexQueries, Reference, SymbolDef, SymbolKind, TreeInfo } from './types';
import picomatch from 'picomatch';
import { DEFAULT_INCLUDE, SKIP_DIRS, walkTree } from './walker';

export interface IndexOptions {
  roots: string[];
  cacheDir?: string;
  noCache?: boolean;
  include?: string[];
  exclude?: string[];
  /** Files larger than this many bytes are skipped without being read (default DEFAULT_MAX_FILE_SIZE, 64 MB). */
  maxFileSize?: number;
  workers?: number;
  log?: (level: 'error' | 'warn' | 'info' | 'debug', msg: string) => void;
  onProgress?: (p: IndexProgress) => void;
  signal?: AbortSignal;
}

export interface TreeStats {
  root: string;
  codebase: Codebase;
  version?: string;
  files: number;
  functions: number;
  calls: number;
  skipped: { file: string; reason: string }[];
  seconds: number;
  fromCache: number;
}

interface OpenDoc {
  tree: Parser.Tree;
  pre: ReturnType<typeof preprocess>;
  text: string;
}

const KIND_RANK: Record<SymbolKind, number> = {
  function: 0, prototype: 1, macro: 2, struct: 3, union: 3, enum: 3, typedef: 3, variable: 4, enumerator: 5, field: 6,
};

function decode(buf: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(buf);
  } catch {
    return buf.toString('latin1');
  }
}

export class WorkspaceIndex implements IndexQueries {
  private readonly trees_: TreeIndex[] = [];
  private readonly stats_: TreeStats[] = [];
  private readonly open = new Map<string, OpenDoc>();

  private constructor(private readonly opts: IndexOptions) {}

  static async build(opts: IndexOptions): Promise<WorkspaceIndex> {
    const index = new WorkspaceIndex(opts);
    const pool = new ParsePool(opts.workers, opts.log);
    try {
      for (const root of opts.roots) {
        if (opts.signal?.aborted) break;
        await index.buildTree(path.resolve(root), pool);
      }
    } finally {
      await pool.dispose();
    }
    return index;
  }

  private log(level: 'error' | 'warn' | 'info' | 'debug', msg: string): void {
    this.opts.log?.(level, msg);
  }

  private async buildTree(root: string, pool: ParsePool): Promise<void> {
    const t0 = performance.now();
    const info = detectTree(root);
    const tree = new TreeIndex(info);
    const walked = walkTree(root, this.opts.include, this.opts.exclude, { maxFileSize: this.opts.maxFileSize });
    for (const s of walked.skipped) this.log('warn', `${path.join(root, s.file)}: ${s.reason}`);
    const useCache = !this.opts.noCache && this.opts.cacheDir;
    const cachePath = useCache ? cacheFile(this.opts.cacheDir!, root) : undefined;
    const cached = new Map<string, FileRecord>();
    if (cachePath) {
      try {
        const c = loadCache(cachePath, root);
        if (c) {
          tree.loadStrings(c.strings);
          for (const r of c.files) cached.set(r.file, r);
        }
      } catch (e) {
        this.log('warn', `index cache ${cachePath} is unusable (${e instanceof CacheError ? e.message : String(e)}); rebuilding it`);
        try {
          fs.rmSync(cachePath, { force: true });
        } catch {
          // Rewritten below anyway.
        }
      }
    }
    const toParse: { rel: string; size: number }[] = [];
    let fromCache = 0;
    let restated = false;
    for (const f of walked.files) {
      const c = reusableRecord(cached.get(f.rel), f, root);
      if (c) {
        restated ||= c !== cached.get(f.rel);
        tree.setRecord(c);
        fromCache++;
      } else toParse.push({ rel: f.rel, size: f.size });
    }
    const changed = toParse.length > 0 || cached.size !== fromCache || restated;
    cached.clear();
    // Largest files first: the pool's tail is then made of small files.
    toParse.sort((a, b) => b.size - a.size);
    let done = fromCache;
    const total = walked.files.length;
    this.opts.onProgress?.({ tree: root, done, total });
    await pool.run(
      root,
      toParse.map((f) => f.rel),
      (records) => {
        for (const r of records) tree.setRecord(r);
        done += records.length;
        this.opts.onProgress?.({ tree: root, done, total });
      },
      this.opts.signal,
    );
    const skipped = [...walked.skipped];
    let functions = 0;
    let calls = 0;
    for (const r of tree.liveRecords()) {
      if (r.problem) {
        skipped.push({ file: r.file, reason: r.problem });
        this.log('warn', `${path.join(root, r.file)}: ${r.problem}`);
      }
      for (let i = 1; i < r.syms.length; i += SYM) if ((r.syms[i] & 0xff) === 0) functions++;
      calls += r.calls.length / CALL + r.icalls.length / ICALL;
    }
    if (cachePath && changed && !this.opts.signal?.aborted) {
      saveCacheOrWarn(cachePath, { root, strings: tree.strings, files: tree.liveRecords() }, (msg) => this.log('warn', msg));
    }
    this.trees_.push(tree);
    const seconds = (performance.now() - t0) / 1000;
    this.stats_.push({ root, codebase: info.codebase, version: info.version, files: total, functions, calls, skipped, seconds, fromCache });
    this.log('info', `indexed ${root} (${info.codebase} ${info.version ?? '?'}): ${total} files (${fromCache} from cache), ${functions} functions, ${calls} calls in ${seconds.toFixed(1)} s`);
  }

  /** Builds the query maps now (name maps, sorted names), so the first request does not pay for them. */
  prepareQueries(): void {
    for (const t of this.trees_) t.queryMaps();
  }

  stats(): TreeStats[] {
    return this.stats_.map((s) => ({ ...s }));
  }

  trees(): TreeInfo[] {
    return this.trees_.map((t) => ({ ...t.info }));
  }

  // ---- documents and files ---------------------------------------------------------------------------------------

  private isIndexed?: (rel: string) => boolean;

  private locate(file: string): { tree: TreeIndex; rel: string } | undefined {
    const abs = path.resolve(file);
    if (!this.isIndexed) {
      const inc = picomatch(this.opts.include ?? DEFAULT_INCLUDE);
      const exc = this.opts.exclude?.length ? picomatch(this.opts.exclude, { dot: true }) : () => false;
      this.isIndexed = (rel) => inc(rel) && !exc(rel) && !rel.split('/').some((p) => SKIP_DIRS.has(p));
    }
    let best: TreeIndex | undefined;
    for (const t of this.trees_) {
      if ((abs === t.root || abs.startsWith(t.root + path.sep)) && (!best || t.root.length > best.root.length)) best = t;
    }
    if (!best) return undefined;
    const rel = path.relative(best.root, abs).split(path.sep).join('/');
    // Files the walk would not index (other extensions, excluded globs, build folders) stay out on updates too.
    return this.isIndexed(rel) ? { tree: best, rel } : undefined;
  }

  /** An open, edited document: re-parse incrementally (tree-sitter edit + reparse) and update its FileIndex. */
  updateDocument(file: string, text: string): void {
    const loc = this.locate(file);
    if (!loc) return;
    const abs = path.resolve(file);
    const pre = preprocess(text);
    const old = this.open.get(abs);
    let oldTree: Parser.Tree | undefined;
    if (old) {
      const a = old.pre.text;
      const b = pre.text;
      let start = 0;
      const min = Math.min(a.length, b.length);
      while (start < min && a.charCodeAt(start) === b.charCodeAt(start)) start++;
      let ea = a.length;
      let eb = b.length;
      while (ea > start && eb > start && a.charCodeAt(ea - 1) === b.charCodeAt(eb - 1)) {
        ea--;
        eb--;
      }
      const point = (s: string, at: number) => {
        const before = s.slice(0, at);
        const nl = before.lastIndexOf('\n');
        let row = 0;
        for (let i = before.indexOf('\n'); i >= 0; i = before.indexOf('\n', i + 1)) row++;
        return { row, column: at - (nl + 1) };
      };
      old.tree.edit({
        startIndex: start,
        oldEndIndex: ea,
        newEndIndex: eb,
        startPosition: point(a, start),
        oldEndPosition: point(a, ea),
        newEndPosition: point(b, eb),
      });
      oldTree = old.tree;
    }
    const prev = loc.tree.record(loc.rel);
    const r = extractSource(text, loc.rel, prev?.size ?? text.length, prev?.mtimeMs ?? 0, { keepTree: true, oldTree, preprocessed: pre });
    this.open.set(abs, { tree: r.tree!, pre, text });
    loc.tree.setRecord(r.record);
  }

  closeDocument(file: string): void {
    const abs = path.resolve(file);
    if (!this.open.delete(abs)) return;
    // The editor's text may differ from the disk: go back to what is on disk.
    void this.refreshFile(abs);
  }

  /** A file changed, was created or deleted on disk. */
  async refreshFile(file: string): Promise<void> {
    const loc = this.locate(file);
    if (!loc) return;
    const abs = path.resolve(file);
    if (this.open.has(abs)) return;
    let st: fs.Stats;
    try {
      st = await fs.promises.stat(abs);
    } catch {
      loc.tree.removeFile(loc.rel);
      return;
    }
    const { extractFile } = await import('./extract');
    const r = extractFile(loc.tree.root, loc.rel);
    if (r.problem) this.log('warn', `${abs}: ${r.problem}`);
    r.size = st.size;
    r.mtimeMs = st.mtimeMs;
    loc.tree.setRecord(r);
  }

  async dispose(): Promise<void> {
    this.open.clear();
  }

  /** Writes every tree's cache again (after incremental changes), when caching is on. */
  saveCaches(): void {
    if (this.opts.noCache || !this.opts.cacheDir) return;
    for (const t of this.trees_) saveCacheOrWarn(cacheFile(this.opts.cacheDir, t.root), { root: t.root, strings: t.strings, files: t.liveRecords() }, (msg) => this.log('warn', msg));
  }

  // ---- queries ------------------------------------------------------------------------------------------------------

  private textOf(abs: string): string | undefined {
    const doc = this.open.get(abs);
    if (doc) return doc.text;
    try {
      return decode(fs.readFileSync(abs));
    } catch {
      return undefined;
    }
  }

  private symbol(t: TreeIndex, r: FileRecord, e: number): SymbolDef & { root: string } {
    const s = r.syms;
    const o = e * SYM;
    const flags = s[o + 1];
    const kind = KINDS[flags & 0xff];
    const def: SymbolDef & { root: string } = {
      name: t.strings[s[o]],
      kind,
      file: r.file,
      root: t.root,
      nameSpan: { line: s[o + 2], col: s[o + 3], endLine: s[o + 2], endCol: s[o + 3] + t.strings[s[o]].length },
      span: { line: s[o + 4], col: s[o + 5], endLine: s[o + 6], endCol: s[o + 7] },
    };
    if (flags & F_STATIC) def.isStatic = true;
    if (kind === 'macro') def.isFunctionLike = (flags & F_FUNCLIKE) !== 0;
    if (s[o + 8] >= 0) {
      if (flags & F_GENERATED) def.signature = `${t.strings[s[o + 8]]}(${def.name})`;
      else if (kind === 'variable') def.structType = t.strings[s[o + 8]];
    }
    return def;
  }

  /** The generator macro of a generated function definition (DEFINE_IDTENTRY_SYSVEC for sysvec_*), if any. */
  generatorOf(def: SymbolDef & { root: string }): string | undefined {
    const t = this.trees_.find((x) => x.root === def.root);
    const r = t?.record(def.file);
    if (!t || !r) return undefined;
    for (let o = 0; o < r.syms.length; o += SYM) {
      if (t.strings[r.syms[o]] === def.name && r.syms[o + 2] === def.nameSpan.line && r.syms[o + 1] & F_GENERATED) return t.strings[r.syms[o + 8]];
    }
    return undefined;
  }

  /** Every symbol of one tree, for listing (the CLI's `symbols`). */
  *allSymbols(root: string): Generator<SymbolDef & { root: string }> {
    for (const batch of this.symbolsByFile(root)) yield* batch;
  }

  /** The symbols of one tree file by file (paths sorted, symbols by line): streams a Linux-sized listing. */
  *symbolsByFile(root: string): Generator<(SymbolDef & { root: string })[]> {
    const t = this.trees_.find((x) => x.root === path.resolve(root));
    if (!t) return;
    const records = t.liveRecords().sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
    for (const r of records) {
      const batch: (SymbolDef & { root: string })[] = [];
      for (let e = 0; e < r.syms.length / SYM; e++) batch.push(this.symbol(t, r, e));
      batch.sort((a, b) => a.nameSpan.line - b.nameSpan.line || a.nameSpan.col - b.nameSpan.col);
      if (batch.length) yield batch;
    }
  }

  private addDetails(def: SymbolDef & { root: string }): void {
    if (def.signature && !['function', 'prototype', 'macro'].includes(def.kind)) return;
    const text = this.textOf(path.join(def.root, def.file));
    if (!text) return;
    const starts = lineStarts(text);
    const startOff = (starts[def.span.line] ?? 0) + def.span.col;
    if (def.kind === 'function' || def.kind === 'prototype') {
      const nameOff = (starts[def.nameSpan.line] ?? 0) + def.nameSpan.col;
      const from = def.kind === 'function' ? startOff : (starts[def.nameSpan.line] ?? nameOff);
      let end = text.indexOf(def.kind === 'function' ? '{' : ';', nameOff);
      if (end < 0 || end - from > 2000) end = Math.min(text.length, nameOff + 200);
      def.signature ??= text.slice(from, end).replace(/\s+/g, ' ').trim();
    } else if (def.kind === 'macro') {
      const lineEnd = text.indexOf('\n', startOff);
      def.signature ??= text.slice(starts[def.nameSpan.line], lineEnd < 0 ? text.length : lineEnd).trim();
    }
    // The comment directly above the definition's first line.
    const lineStart = starts[def.span.line] ?? 0;
    const before = text.slice(Math.max(0, lineStart - 4000), lineStart).replace(/\s+$/, '');
    let comment: string | undefined;
    if (before.endsWith('*/')) {
      const open = before.lastIndexOf('/*');
      if (open >= 0) comment = before.slice(open + 2, -2);
    } else {
      const lines = before.split('\n');
      const got: string[] = [];
      while (lines.length && /^\s*\/\//.test(lines[lines.length - 1])) got.unshift(lines.pop()!.replace(/^\s*\/\/+ ?/, ''));
      if (got.length) comment = got.join('\n');
    }
    if (comment !== undefined) {
      def.comment = comment
        .split('\n')
        .map((l) => l.replace(/^\s*\*+ ?/, '').trimEnd())
        .join('\n')
        .trim();
    }
  }

  definitions(name: string, fromFile?: string): (SymbolDef & { root: string })[] {
    const out: (SymbolDef & { root: string })[] = [];
    const from = fromFile ? this.locate(fromFile) : undefined;
    for (const t of this.trees_) {
      const id = t.ids.get(name);
      if (id === undefined) continue;
      for (const [f, e] of t.lookup('symByName', id)) out.push(this.symbol(t, t.files[f]!, e));
    }
    const local = (d: SymbolDef & { root: string }) => (from && d.root === from.tree.root && d.file === from.rel ? 0 : 1);
    out.sort((x, y) => KIND_RANK[x.kind] - KIND_RANK[y.kind] || local(x) - local(y) || Number(!!x.isStatic) - Number(!!y.isStatic) || (x.file < y.file ? -1 : x.file > y.file ? 1 : 0) || x.nameSpan.line - y.nameSpan.line);
    if (out.length <= 20) for (const d of out) this.addDetails(d);
    return out;
  }

  references(name: string): (Reference & { root: string })[] {
    const out: (Reference & { root: string })[] = [];
    for (const t of this.trees_) {
      const id = t.ids.get(name);
      if (id === undefined) continue;
      for (const r of t.liveRecords()) {
        if (!hasSorted(r.idents, id)) continue;
        const abs = path.join(t.root, r.file);
        const text = this.textOf(abs);
        if (!text) continue;
        for (const p of findIdentifier(text, name)) {
          const container = this.containerIn(t, r, p.line);
          out.push({ name, file: abs, line: p.line, col: p.col, root: t.root, ...(container ? { container } : {}) });
        }
      }
    }
    return out;
  }

  private containerIn(t: TreeIndex, r: FileRecord, line: number): string | undefined {
    const s = r.syms;
    for (let o = 0; o < s.length; o += SYM) if ((s[o + 1] & 0xff) === 0 && s[o + 4] <= line && line <= s[o + 6]) return t.strings[s[o]];
    return undefined;
  }

  /** Where a function is defined in a tree, preferring the given file (static functions). */
  private functionDef(t: TreeIndex, nameId: number, preferFile?: number): { file: string; line: number } | undefined {
    // Memoised per name for the common case (no preference decides): call hierarchies of kfree-like functions ask
    // for tens of thousands of callers' definitions at once.
    const memo = t.memo.get(nameId) as { def?: { file: string; line: number }; files: Set<number> } | undefined;
    if (memo && (preferFile === undefined || !memo.files.has(preferFile))) return memo.def;
    let best: { file: string; line: number; rank: number } | undefined;
    for (const [f, e] of t.lookup('symByName', nameId)) {
      const r = t.files[f]!;
      const o = e * SYM;
      const kind = r.syms[o + 1] & 0xff;
      const rank = (kind === 0 ? 0 : kind === 1 ? 2 : kind === 2 ? 4 : 6) + (preferFile === f ? 0 : 1);
      if (!best || rank < best.rank) best = { file: path.join(t.root, r.file), line: r.syms[o + 2], rank };
    }
    const def = best && { file: best.file, line: best.line };
    if (!memo) {
      // Files where a preference could change the answer: those holding a definition of the name.
      const files = new Set<number>(t.lookup('symByName', nameId).map(([f]) => f));
      let neutral: { file: string; line: number; rank: number } | undefined;
      for (const [f, e] of t.lookup('symByName', nameId)) {
        const r = t.files[f]!;
        const kind = r.syms[e * SYM + 1] & 0xff;
        const rank = kind === 0 ? 0 : kind === 1 ? 2 : kind === 2 ? 4 : 6;
        if (!neutral || rank < neutral.rank) neutral = { file: path.join(t.root, r.file), line: r.syms[e * SYM + 2], rank };
      }
      t.memo.set(nameId, { def: neutral && { file: neutral.file, line: neutral.line }, files });
    }
    return def;
  }

  private isFunctionName(t: TreeIndex, nameId: number): boolean {
    for (const [f, e] of t.lookup('symByName', nameId)) {
      const k = t.files[f]!.syms[e * SYM + 1] & 0xff;
      if (k === 0 || k === 1) return true;
    }
    return false;
  }

  private bindingType(t: TreeIndex, r: FileRecord, o: number): number {
    const b = r.binds;
    if (b[o + 6] & B_ASSIGN) return t.receiverType(b[o + 7], b[o + 2]);
    return b[o + 3] >= 0 ? t.normType(b[o + 3]) : -1;
  }

  private via(t: TreeIndex, r: FileRecord, o: number): string {
    const b = r.binds;
    return b[o + 6] & B_ASSIGN ? `${t.strings[b[o + 2]]}->${t.strings[b[o]]}` : `${t.strings[b[o + 2]]}.${t.strings[b[o]]}`;
  }

  incomingCalls(name: string): CallEdge[] {
    const edges = new Map<string, CallEdge>();
    // Per-query caches: absolute paths of file slots, and the caller's definition seen from a call site's file
    // (static functions of the same name in different files are different callers).
    const absPaths = new Map<string, string>();
    const defs = new Map<string, { file: string; line: number } | undefined>();
    const add = (t: TreeIndex, caller: number, fileSlot: number, line: number, col: number, via?: string) => {
      const r = t.files[fileSlot]!;
      const slotKey = `${t.root}\0${fileSlot}`;
      let abs = absPaths.get(slotKey);
      if (abs === undefined) absPaths.set(slotKey, (abs = path.join(t.root, r.file)));
      let def: { file: string; line: number } | undefined;
      if (caller >= 0) {
        const dk = `${slotKey}\0${caller}`;
        if (defs.has(dk)) def = defs.get(dk);
        else defs.set(dk, (def = this.functionDef(t, caller, fileSlot)));
      } else def = { file: abs, line };
      const callerName = caller >= 0 ? t.strings[caller] : '(file scope)';
      const key = `${t.root}\0${callerName}\0${via ?? ''}\0${def ? `${def.file}:${def.line}` : ''}`;
      let e = edges.get(key);
      if (!e) {
        e = { name: callerName, ...(def ? { file: def.file, line: def.line } : {}), sites: [], ...(via ? { via } : {}) };
        edges.set(key, e);
      }
      e.sites.push({ file: abs, line, col });
    };
    for (const t of this.trees_) {
      const id = t.ids.get(name);
      if (id === undefined) continue;
      for (const [f, e] of t.lookup('callByCallee', id)) {
        const o = e * CALL;
        const c = t.files[f]!.calls;
        add(t, c[o + 1], f, c[o + 2], c[o + 3]);
      }
      // Indirect: every binding of this function to a field, then every call through that field.
      for (const [bf, be] of t.lookup('bindByTarget', id)) {
        const br = t.files[bf]!;
        const bo = be * BIND;
        const field = br.binds[bo];
        const btype = this.bindingType(t, br, bo);
        const via = this.via(t, br, bo);
        for (const [f, ie] of t.lookup('icallByField', field)) {
          const ir = t.files[f]!;
          const io = ie * ICALL;
          const ctype = t.receiverType(ir.icalls[io + 5], ir.icalls[io + 4]);
          if (btype >= 0 && ctype >= 0 && btype !== ctype) continue;
          add(t, ir.icalls[io + 1], f, ir.icalls[io + 2], ir.icalls[io + 3], via);
        }
      }
    }
    return [...edges.values()];
  }

  outgoingCalls(name: string): CallEdge[] {
    const edges = new Map<string, CallEdge>();
    for (const t of this.trees_) {
      const id = t.ids.get(name);
      if (id === undefined) continue;
      const add = (callee: number, fileSlot: number, line: number, col: number, via?: string) => {
        const key = `${t.root}\0${callee}\0${via ?? ''}`;
        let e = edges.get(key);
        if (!e) {
          const def = this.functionDef(t, callee, fileSlot);
          e = { name: t.strings[callee], ...(def ? { file: def.file, line: def.line } : {}), sites: [], ...(via ? { via } : {}) };
          edges.set(key, e);
        }
        e.sites.push({ file: path.join(t.root, t.files[fileSlot]!.file), line, col });
      };
      for (const [f, e] of t.lookup('callByCaller', id)) {
        const o = e * CALL;
        const c = t.files[f]!.calls;
        add(c[o], f, c[o + 2], c[o + 3]);
      }
      for (const [f, ie] of t.lookup('icallByCaller', id)) {
        const ir = t.files[f]!;
        const io = ie * ICALL;
        const ctype = t.receiverType(ir.icalls[io + 5], ir.icalls[io + 4]);
        for (const [bf, be] of t.lookup('bindByField', ir.icalls[io])) {
          const br = t.files[bf]!;
          const bo = be * BIND;
          const btype = this.bindingType(t, br, bo);
          if (btype >= 0 && ctype >= 0 && btype !== ctype) continue;
          const target = br.binds[bo + 1];
          if (!this.isFunctionName(t, target)) continue;
          add(target, f, ir.icalls[io + 2], ir.icalls[io + 3], this.via(t, br, bo));
        }
      }
    }
    return [...edges.values()];
  }

  /** Every binding of a function to a struct field (`apic_io_ops.write` for apic_mem_write). */
  bindingsOf(name: string): { table: string; field: string; structType?: string; file: string; line: number; col: number; via: string }[] {
    const out: { table: string; field: string; structType?: string; file: string; line: number; col: number; via: string }[] = [];
    for (const t of this.trees_) {
      const id = t.ids.get(name);
      if (id === undefined) continue;
      for (const [f, e] of t.lookup('bindByTarget', id)) {
        const r = t.files[f]!;
        const o = e * BIND;
        const st = this.bindingType(t, r, o);
        out.push({
          table: t.strings[r.binds[o + 2]],
          field: t.strings[r.binds[o]],
          ...(st >= 0 ? { structType: t.strings[st] } : {}),
          file: path.join(t.root, r.file),
          line: r.binds[o + 4],
          col: r.binds[o + 5],
          via: this.via(t, r, o),
        });
      }
    }
    return out;
  }

  fileSymbols(file: string): SymbolDef[] {
    const loc = this.locate(file);
    const r = loc?.tree.record(loc.rel);
    if (!loc || !r) return [];
    const out: SymbolDef[] = [];
    for (let e = 0; e < r.syms.length / SYM; e++) {
      const { root: _root, ...d } = this.symbol(loc.tree, r, e);
      out.push(d);
    }
    return out.sort((a, b) => a.span.line - b.span.line || a.span.col - b.span.col);
  }

  searchSymbols(query: string, limit: number): (SymbolDef & { root: string })[] {
    const q = query.toLowerCase();
    // A time budget keeps workspace-symbol requests interactive on Linux: prefix matches always come first and are
    // found by binary search; substring and fuzzy matches fill up the rest while the budget lasts.
    const deadline = performance.now() + 8;
    const scored: { score: number; t: TreeIndex; id: number; len: number }[] = [];
    for (const t of this.trees_) {
      const { nameCount, nameIds, joined, joinedStarts } = t.queryMaps();
      const seen = new Set<number>();
      const take = (i: number, score: number, len: number) => {
        if (seen.has(i)) return;
        seen.add(i);
        scored.push({ score, t, id: nameIds[i], len });
      };
      let lo = 0;
      let hi = nameCount;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (t.searchName(mid) < q) lo = mid + 1;
        else hi = mid;
      }
      for (let i = lo; i < nameCount && seen.size < limit * 4; i++) {
        const n = t.searchName(i);
        if (!n.startsWith(q)) break;
        const exact = t.strings[nameIds[i]];
        take(i, exact === query ? 0 : n === q ? 0.5 : exact.startsWith(query) ? 1 : 1.5, n.length);
      }
      const nameAt = (off: number) => {
        let a = 0;
        let b = nameCount - 1;
        while (a < b) {
          const mid = (a + b + 1) >> 1;
          if (joinedStarts[mid] <= off) a = mid;
          else b = mid - 1;
        }
        return a;
      };
      // Substrings: the native string search over all names at once.
      // Scanned in 1 MB chunks (a bounded slice) so the budget is checked even when nothing matches.
      const substringDeadline = performance.now() + 5;
      if (q && !q.includes('\n') && seen.size < limit * 4) {
        const CHUNK = 1 << 20;
        scan: for (let base = 0; base < joined.length && performance.now() < substringDeadline; base += CHUNK) {
          const chunk = joined.slice(base, Math.min(joined.length, base + CHUNK + q.length - 1));
          for (let at = chunk.indexOf(q); at >= 0; at = chunk.indexOf(q, at + 1)) {
            const off = base + at;
            const i = nameAt(off);
            const n = t.searchName(i);
            take(i, off === joinedStarts[i] ? 1 : n[off - joinedStarts[i] - 1] === '_' ? 2 : 3, n.length);
            if (seen.size >= limit * 4) break scan;
          }
        }
      }
      // Fuzzy: the query's characters in order, among the names starting with its first character.
      if (q.length > 1 && seen.size < limit) {
        let a = 0;
        let z = nameCount;
        while (a < z) {
          const mid = (a + z) >> 1;
          if (t.searchName(mid) < q[0]) a = mid + 1;
          else z = mid;
        }
        // The names starting with q[0] are one contiguous block of `joined`; a regex built so that each step
        // consumes up to the first occurrence of the next character (`^h[^\na]*a[^\nn]*n…`) matches exactly the
        // subsequence test, runs in the regex engine, and cannot backtrack more than linearly per line.
        let zEnd = a;
        let hiEnd = nameCount;
        while (zEnd < hiEnd) {
          const mid = (zEnd + hiEnd) >> 1;
          if (joined.charCodeAt(joinedStarts[mid]) <= q.charCodeAt(0)) zEnd = mid + 1;
          else hiEnd = mid;
        }
        const blockEnd = zEnd < nameCount ? joinedStarts[zEnd] : joined.length;
        const re = new RegExp(`^${escapeRe(q[0])}${[...q.slice(1)].map((c) => `[^\\n${escapeClass(c)}]*${escapeRe(c)}`).join('')}[^\\n]*`, 'gm');
        // Its own budget: the substring scan above may have used all of the shared one, and abbreviations
        // (`hanedgirq` → handle_edge_irq) only ever match here.
        const fuzzyDeadline = Math.max(deadline, performance.now() + 6);
        const blockStart = a < nameCount ? joinedStarts[a] : joined.length;
        const block = joined.slice(blockStart, blockEnd);
        let found = 0;
        for (let m = re.exec(block); m && seen.size < limit * 2; m = re.exec(block)) {
          take(nameAt(blockStart + m.index), 4, m[0].length);
          if ((++found & 63) === 0 && performance.now() > fuzzyDeadline) break;
        }
      }
    }
    // Names first defined in files changed after the search list was built (an edited document, a new file on disk).
    for (const t of this.trees_) {
      const listed = new Set(scored.filter((s) => s.t === t).map((s) => s.id));
      for (const id of t.dirtySymbolIds()) {
        if (listed.has(id)) continue;
        const name = t.strings[id];
        const n = name.toLowerCase();
        const score = name === query ? 0 : n === q ? 0.5 : n.startsWith(q) ? 1.5 : n.includes(q) ? 3 : fuzzyMatch(n, q) ? 4 : -1;
        if (score >= 0) scored.push({ score, t, id, len: n.length });
      }
    }
    scored.sort((a, b) => a.score - b.score || a.len - b.len);
    const out: (SymbolDef & { root: string })[] = [];
    for (const s of scored) {
      for (const [f, e] of s.t.lookup('symByName', s.id)) {
        if (out.length >= limit) break;
        const d = this.symbol(s.t, s.t.files[f]!, e);
        if (d.kind !== 'enumerator' || s.score === 0) out.push(d);
      }
      if (out.length >= limit) break;
    }
    return out;
  }

  identifierAt(file: string, line: number, col: number): { name: string; container?: string } | undefined {
    const abs = path.resolve(file);
    const text = this.textOf(abs);
    if (!text) return undefined;
    const starts = lineStarts(text);
    if (line >= starts.length) return undefined;
    const id = identifierAtOffset(text, starts[line] + col);
    if (!id) return undefined;
    const container = this.enclosingFunction(abs, line)?.name;
    return { name: id.name, ...(container ? { container } : {}) };
  }

  enclosingFunction(file: string, line: number): SymbolDef | undefined {
    const loc = this.locate(file);
    const r = loc?.tree.record(loc.rel);
    if (!loc || !r) return undefined;
    for (let e = 0; e < r.syms.length / SYM; e++) {
      const o = e * SYM;
      if ((r.syms[o + 1] & 0xff) === 0 && r.syms[o + 4] <= line && line <= r.syms[o + 6]) {
        const { root: _root, ...d } = this.symbol(loc.tree, r, e);
        return d;
      }
    }
    return undefined;
  }
}

function hasSorted(a: Int32Array, v: number): boolean {
  let lo = 0;
  let hi = a.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid] === v) return true;
    if (a[mid] < v) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

/** The query's characters appear in order in the name (both lower case). */
function fuzzyMatch(name: string, q: string): boolean {
  let k = 0;
  for (let j = 0; j < name.length && k < q.length; j++) if (name.charCodeAt(j) === q.charCodeAt(k)) k++;
  return k === q.length;
}

function escapeRe(c: string): string {
  return c.replace(/[\\^$.*+?()[\]{}|\/-]/g, '\\$&');
}

/** Escapes a character for use inside a regex character class. */
function escapeClass(c: string): string {
  return c.replace(/[\\\]^-]/g, '\\$&');
}
