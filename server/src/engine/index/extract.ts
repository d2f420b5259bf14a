// Extracts one C file into a compact FileRecord with a single tree-sitter query (queries/cExtract.scm): definitions,
// call sites with their enclosing function, function-pointer bindings, struct field types and receiver types.
// Node positions are read from the node's transfer slots (start offset) so that only ends cross into native code;
// trees are deleted as soon as extraction is done, except when the caller keeps one (open documents).
import * as fs from 'node:fs';
import * as path from 'node:path';
import Parser from 'tree-sitter';
import C from 'tree-sitter-c';
import {
  ALIAS, B_ASSIGN, B_NESTED, BIND, CALL, F_FUNCLIKE, F_GENERATED, F_RECOVERED, F_STATIC, FIELDT, FileRecord, ICALL, KIND_ID, SYM,
} from './fileRecord';
import { C_KEYWORDS, distinctIdentifiers, lineOf, lineStarts } from './lexer';
import { identEnd, isIdentStart, skipSpaces } from './cScan';
import { scanHeader } from './functionHeader';
import { contentHash } from './cacheFreshness';
import { describeCuts } from './nestingLimit';
import { DEFAULT_MAX_FILE_SIZE } from './walker';
import { type PhaseTimes, PhaseClock } from './extractProfile';
import { preprocess } from './preprocess';
import { type Capture, runQuery } from './queryRunner';
import type { SymbolKind } from './types';

type TSNode = Capture;

let parser: Parser | undefined;
let query: Parser.Query | undefined;

function loadQueryText(): string {
  // .scm files are text: esbuild inlines them (loader '.scm': 'text'); from TypeScript sources (tsx) they are read
  // from disk through a require hook.
  const req = require as NodeJS.Require;
  if (!req.extensions['.scm']) {
    req.extensions['.scm'] = (m, filename) => {
      m.exports = fs.readFileSync(filename, 'utf8');
    };
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require('./queries/cExtract.scm') as string | { default: string };
  return typeof mod === 'string' ? mod : mod.default;
}

export function cParser(): Parser {
  if (!parser) {
    parser = new Parser();
    parser.setLanguage(C as unknown as Parser.Language);
  }
  return parser;
}

function extractQuery(): Parser.Query {
  query ??= new Parser.Query(C as unknown as Parser.Language, loadQueryText());
  return query;
}

function startOf(n: TSNode): number {
  return n.start;
}

const IDENT_RE = /[A-Za-z_][A-Za-z0-9_]*/y;
function wordAt(text: string, at: number): string {
  IDENT_RE.lastIndex = at;
  const m = IDENT_RE.exec(text);
  return m ? m[0] : '';
}

/** The type name a declaration's `type` node names: `struct irq_chip` → `irq_chip`, `MemoryRegionOps` → itself. */
function typeNameAt(text: string, at: number): string {
  const w = wordAt(text, at);
  if (w === 'struct' || w === 'union' || w === 'enum') {
    let i = at + w.length;
    while (i < text.length && /\s/.test(text[i])) i++;
    return wordAt(text, i);
  }
  return w;
}

interface Range {
  start: number;
  end: number;
}
interface Fn extends Range {
  typeAt: number;
  declStart: number;
  bodyStart: number;
  name: number;
  nameAt: number;
}
interface Named extends Range {
  name: string;
  type?: string;
}
interface Local {
  name: string;
  type: string;
  at: number;
}

/** Index of the last range whose start ≤ at (ranges sorted by start), or -1. */
function lastStartingBefore(ranges: Range[], at: number): number {
  let lo = 0;
  let hi = ranges.length - 1;
  let ans = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (ranges[mid].start <= at) {
      ans = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return ans;
}

function containing<T extends Range>(ranges: T[], at: number): T | undefined {
  const i = lastStartingBefore(ranges, at);
  return i >= 0 && at < ranges[i].end ? ranges[i] : undefined;
}

export interface ExtractOptions {
  /** Keep the tree (for open documents) instead of deleting it. */
  keepTree?: boolean;
  oldTree?: Parser.Tree;
  /** Already preprocessed text (when the caller keeps trees and edits them). */
  preprocessed?: ReturnType<typeof preprocess>;
  /** Time the parse and the query together may take, in ms (default EXTRACT_BUDGET_MS). */
  budgetMs?: number;
  /** Where to add the time each phase took. */
  times?: PhaseTimes;
  /** The clock of a caller that already timed this file's reading. */
  clock?: PhaseClock;
}

/** How long one file's parse and query may take before the rest of the file is left out. */
export const EXTRACT_BUDGET_MS = 10_000;

export interface ExtractResult {
  record: FileRecord;
  tree?: Parser.Tree;
  errors: number;
}

class Builder {
  strings: string[] = [];
  ids = new Map<string, number>();
  syms: number[] = [];
  calls: number[] = [];
  icalls: number[] = [];
  binds: number[] = [];
  fieldTypes: number[] = [];
  aliases: number[] = [];
  constructor(
    readonly text: string,
    readonly starts: number[],
  ) {}
  id(s: string): number {
    let i = this.ids.get(s);
    if (i === undefined) {
      i = this.strings.length;
      this.strings.push(s);
      this.ids.set(s, i);
    }
    return i;
  }
  pos(at: number): [number, number] {
    const line = lineOf(this.starts, at);
    return [line, at - this.starts[line]];
  }
  sym(name: string, kind: SymbolKind, nameAt: number, start: number, end: number, flags = 0, aux = -1): void {
    // A declarator the query could not name (`static DEFINE_PER_CPU(int [N], name) = …`) is no symbol: an empty name
    // would reach editors as a nameless outline entry, which they reject.
    if (name.length === 0) return;
    const [nl, nc] = this.pos(nameAt);
    const [sl, sc] = start === nameAt ? [nl, nc] : this.pos(start);
    const [el, ec] = end === nameAt + name.length ? [nl, nc + name.length] : this.pos(end);
    this.syms.push(this.id(name), KIND_ID[kind] | flags, nl, nc, sl, sc, el, ec, aux);
  }
}

/** Parses and extracts one file's text. `file` is the path relative to the tree root. */
export function extractSource(source: string, file: string, size: number, mtimeMs: number, opts: ExtractOptions = {}): ExtractResult {
  const clock = opts.clock ?? new PhaseClock(opts.times);
  const pre = opts.preprocessed ?? preprocess(source);
  const text = pre.text;
  clock.lap('preprocess');
  const budgetMs = opts.budgetMs ?? EXTRACT_BUDGET_MS;
  const started = performance.now();
  const tree = parseWithin(text, opts.oldTree, budgetMs);
  clock.lap('parse');
  if (!tree) {
    const record = extractDefinesOnly(source, file, size, mtimeMs, `parse took longer than ${budgetMs / 1000} s: only #define names indexed`);
    return { record, errors: 0 };
  }
  const b = new Builder(text, lineStarts(text));
  let errors = 0;
  const problems: string[] = [];
  if (pre.cuts?.length) problems.push(describeCuts(text, pre.cuts));
  try {
    const left = Math.max(1, budgetMs - (performance.now() - started));
    errors = collect(b, tree, pre.generated, text, left, clock);
    if (performance.now() - started >= budgetMs) problems.push(`extraction stopped after ${budgetMs / 1000} s: later definitions and calls may be missing`);
  } finally {
    if (!opts.keepTree) (tree as unknown as { delete?: () => void }).delete?.();
    clock.lap('free');
  }
  const idents = distinctIdentifiers(source);
  const identIds = new Int32Array(idents.size);
  let k = 0;
  for (const s of idents) identIds[k++] = b.id(s);
  clock.lap('idents');
  const record: FileRecord = {
    file,
    size,
    mtimeMs,
    strings: b.strings,
    syms: Int32Array.from(b.syms),
    calls: Int32Array.from(b.calls),
    icalls: Int32Array.from(b.icalls),
    binds: Int32Array.from(b.binds),
    fieldTypes: Int32Array.from(b.fieldTypes),
    aliases: Int32Array.from(b.aliases),
    idents: identIds,
  };
  if (problems.length) record.problem = problems.join('; ');
  clock.lap('pack');
  return { record, tree: opts.keepTree ? tree : undefined, errors };
}

/** Parses with a time limit; undefined when the parser gave up (its state is reset for the next file). */
function parseWithin(text: string, oldTree: Parser.Tree | undefined, budgetMs: number): Parser.Tree | undefined {
  const p = cParser();
  p.setTimeoutMicros(budgetMs * 1000);
  try {
    const tree = p.parse(text, oldTree) as Parser.Tree | null;
    if (tree) return tree;
  } catch {
    // A halted parse may throw instead of returning null, depending on the binding.
  } finally {
    p.setTimeoutMicros(0);
  }
  p.reset();
  return undefined;
}

const MAX_RECEIVER_CHARS = 256;

const NOT_FUNCTION_NAMES = new Set(['if', 'for', 'while', 'switch', 'return', 'sizeof', 'do', 'else', 'case', 'typeof', '__typeof__', 'defined']);

function collect(b: Builder, tree: Parser.Tree, generated: { at: number; original: number; macro: string }[], text: string, budgetMs: number, clock: PhaseClock): number {
  const fns: Fn[] = [];
  const fdNames: number[] = [];
  const protos: number[] = [];
  const types: { kind: SymbolKind; name: string; nameAt: number; bodyStart: number; body: TSNode }[] = [];
  const anon: { name: string; nameAt: number; body: TSNode }[] = [];
  const fieldDecls: { type: string; name: string; at: number }[] = [];
  const vars: { name: string; type: string; at: number; init?: TSNode; typeAt: number }[] = [];
  const params: Local[] = [];
  const directCalls: number[] = [];
  const icalls: { recv: TSNode; field: number }[] = [];
  const bindPairs: { field: number; target: number }[] = [];
  const nests: Range[] = [];
  const asgs: { recv: TSNode; field: number; target: number }[] = [];
  const errorRanges: Range[] = [];

  const matches = runQuery(extractQuery(), tree, Math.ceil(budgetMs * 1000));
  clock.lap('query');
  for (const m of matches) {
    const c = m.captures;
    const head = c[0].name;
    switch (head) {
      case 'fn.def': {
        const def = c[0];
        const type = c.find((x) => x.name === 'fn.type');
        const decl = c.find((x) => x.name === 'fn.decl')!;
        const body = c.find((x) => x.name === 'fn.body')!;
        fns.push({ start: startOf(def), end: def.end, declStart: startOf(decl), bodyStart: startOf(body), name: -1, nameAt: -1, typeAt: type ? startOf(type) : -1 });
        break;
      }
      case 'fd.params':
        fdNames.push(startOf(c[0]));
        break;
      case 'proto.name':
        protos.push(startOf(c[0]));
        break;
      case 'macro.obj':
      case 'macro.fn': {
        const at = startOf(c[0]);
        const name = wordAt(text, at);
        b.sym(name, 'macro', at, at, at + name.length, head === 'macro.fn' ? F_FUNCLIKE : 0);
        break;
      }
      case 'struct.name':
      case 'union.name':
      case 'enum.name': {
        const at = startOf(c[0]);
        const body = c[1];
        types.push({ kind: head.slice(0, head.indexOf('.')) as SymbolKind, name: wordAt(text, at), nameAt: at, bodyStart: startOf(body), body });
        break;
      }
      case 'enumerator.name': {
        const at = startOf(c[0]);
        const name = wordAt(text, at);
        b.sym(name, 'enumerator', at, at, at + name.length);
        break;
      }
      case 'anon.body': {
        const nameNode = c.find((x) => x.name === 'anon.name')!;
        const at = startOf(nameNode);
        anon.push({ name: wordAt(text, at), nameAt: at, body: c[0] });
        break;
      }
      case 'alias.tag': {
        const tag = wordAt(text, startOf(c[0]));
        const name = wordAt(text, startOf(c[1]));
        b.aliases.push(b.id(name), b.id(tag));
        break;
      }
      case 'typedef.name': {
        const at = startOf(c[0]);
        const name = wordAt(text, at);
        b.sym(name, 'typedef', at, at, at + name.length);
        break;
      }
      case 'field.type': {
        const type = typeNameAt(text, startOf(c[0]));
        const at = startOf(c[1]);
        fieldDecls.push({ type, name: wordAt(text, at), at });
        break;
      }
      case 'var.type': {
        const typeAt = startOf(c[0]);
        const at = startOf(c[1]);
        const init = c[2];
        vars.push({ name: wordAt(text, at), type: typeNameAt(text, typeAt), at, init, typeAt });
        break;
      }
      case 'param.type': {
        const at = startOf(c[1]);
        params.push({ name: wordAt(text, at), type: typeNameAt(text, startOf(c[0])), at });
        break;
      }
      case 'call.callee':
        directCalls.push(startOf(c[0]));
        break;
      case 'icall.recv':
        icalls.push({ recv: c[0], field: startOf(c[1]) });
        break;
      case 'bind.field':
        bindPairs.push({ field: startOf(c[0]), target: startOf(c[1]) });
        break;
      case 'nest.field': {
        const list = c[1];
        nests.push({ start: startOf(list), end: list.end });
        break;
      }
      case 'asg.recv':
        asgs.push({ recv: c[0], field: startOf(c[1]), target: startOf(c[2]) });
        break;
      case 'error.node': {
        const n = c[0];
        errorRanges.push({ start: startOf(n), end: n.end });
        break;
      }
    }
  }

  // Functions: name = first function_declarator identifier inside the declarator.
  fns.sort((x, y) => x.start - y.start);
  fdNames.sort((x, y) => x - y);
  const genAt = new Map(generated.map((g) => [g.at, g]));
  const fnNames: Fn[] = [];
  for (const f of fns) {
    let lo = 0;
    let hi = fdNames.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (fdNames[mid] < f.declStart) lo = mid + 1;
      else hi = mid;
    }
    let nameAt = -1;
    for (let i = lo; i < fdNames.length && fdNames[i] < f.bodyStart && nameAt < 0; i++) nameAt = identBefore(text, fdNames[i]);
    let generator: string | undefined;
    if (nameAt < 0 && f.typeAt >= 0 && text.charCodeAt(f.declStart) === 40) {
      // `T(x) {` with no function declarator: a generator macro (`DISAS_INSN(undef)`: the function is named after x,
      // the macro recorded) or a function whose return type hid behind an unknown macro (`void VISIBLE16\nwait_irq(void)`).
      const t = wordAt(text, f.typeAt);
      const inner = /^\(\s*([A-Za-z_]\w*)?\s*\)/.exec(text.slice(f.declStart, f.bodyStart));
      if (t && inner) {
        if (/^[A-Z][A-Z0-9_]*$/.test(t) && inner[1] && inner[1] !== 'void') {
          generator = t;
          nameAt = f.declStart + inner[0].indexOf(inner[1]);
        } else nameAt = f.typeAt;
      }
    }
    if (nameAt < 0) nameAt = fallbackName(text, f.declStart, f.bodyStart);
    if (nameAt < 0) continue;
    const name = wordAt(text, nameAt);
    if (!name || NOT_FUNCTION_NAMES.has(name)) continue;
    f.name = b.id(name);
    f.nameAt = nameAt;
    const gen = genAt.get(nameAt) ?? (generator ? { at: nameAt, original: nameAt, macro: generator } : undefined);
    let flags = /\bstatic\b/.test(text.slice(f.start, nameAt)) ? F_STATIC : 0;
    let aux = -1;
    let shownAt = nameAt;
    if (gen) {
      flags |= F_GENERATED;
      aux = b.id(gen.macro);
      shownAt = gen.original;
    }
    b.sym(name, 'function', shownAt, f.start, f.end, flags, aux);
    fnNames.push(f);
  }
  // Functions tree-sitter could not see (inside ERROR regions): a careful line-anchored scan of those regions. They
  // enclose the calls found inside them like any other function.
  if (errorRanges.length) {
    for (const f of recoverFunctions(b, text, errorRanges, fnNames)) fnNames.push(f);
    fnNames.sort((x, y) => x.start - y.start);
  }
  const inFunction = (at: number) => containing(fnNames, at);
  const inAnyFunction = (at: number) => containing(fns, at);

  for (const at of protos) {
    if (inAnyFunction(at)) continue;
    const name = wordAt(text, at);
    if (NOT_FUNCTION_NAMES.has(name)) continue;
    b.sym(name, 'prototype', at, at, at + name.length);
  }

  // Types, with struct bodies as containers for field types.
  const containers: Named[] = [];
  for (const t of types) {
    const end = t.body.end;
    b.sym(t.name, t.kind, t.nameAt, t.nameAt, end);
    if (t.kind !== 'enum') containers.push({ start: t.bodyStart, end, name: t.name });
  }
  for (const a of anon) containers.push({ start: startOf(a.body), end: a.body.end, name: a.name });
  if (fieldDecls.length && containers.length) {
    containers.sort((x, y) => x.start - y.start || y.end - x.end);
    for (const f of fieldDecls) {
      // Innermost named container: scan back from the last one starting before the field.
      for (let i = lastStartingBefore(containers, f.at); i >= 0; i--) {
        if (f.at < containers[i].end) {
          b.fieldTypes.push(b.id(containers[i].name), b.id(f.name), b.id(f.type));
          break;
        }
      }
    }
  }

  // Variables: file-scope ones are symbols; initialised struct objects are tables for bindings; all type receivers.
  const tables: Named[] = [];
  const globalTypes = new Map<string, string>();
  const localsByFn = new Map<Fn, Local[]>();
  for (const v of vars) {
    const fn = inAnyFunction(v.at);
    if (v.init && text.charCodeAt(startOf(v.init)) === 123) tables.push({ start: startOf(v.init), end: v.init.end, name: v.name, type: v.type });
    if (fn) {
      let l = localsByFn.get(fn);
      if (!l) localsByFn.set(fn, (l = []));
      l.push({ name: v.name, type: v.type, at: v.at });
      continue;
    }
    if (C_KEYWORDS.has(v.name)) continue;
    globalTypes.set(v.name, v.type);
    const isStatic = /\bstatic\b/.test(text.slice(Math.max(0, v.typeAt - 40), v.typeAt));
    const structType = /^(struct|union)\b/.test(text.slice(v.typeAt, v.typeAt + 6)) || /^[A-Z]/.test(v.type) || v.type.endsWith('_t') ? b.id(v.type) : -1;
    b.sym(v.name, 'variable', v.at, v.at, v.at + v.name.length, isStatic ? F_STATIC : 0, structType);
  }
  for (const p of params) {
    const fn = inAnyFunction(p.at);
    if (!fn) continue;
    let l = localsByFn.get(fn);
    if (!l) localsByFn.set(fn, (l = []));
    l.push(p);
  }
  const baseType = (recvText: string, at: number): number => {
    const m = /^[\s(*&]*([A-Za-z_]\w*)/.exec(recvText);
    if (!m) return -1;
    const name = m[1];
    const fn = inAnyFunction(at);
    const locals = fn ? localsByFn.get(fn) : undefined;
    if (locals) {
      for (let i = locals.length - 1; i >= 0; i--) if (locals[i].name === name && locals[i].at < at) return b.id(locals[i].type);
    }
    const g = globalTypes.get(name);
    return g ? b.id(g) : -1;
  };
  // Receivers are short expressions; a chained one (`a->f()->f()->…`) is capped so that each call does not copy the
  // whole chain (quadratic in the chain's length); a capped receiver keeps its base name and resolves no deeper.
  const recvText = (n: TSNode) => {
    const start = startOf(n);
    const end = n.end;
    const raw = text.slice(start, Math.min(end, start + MAX_RECEIVER_CHARS)).replace(/\s+/g, '');
    return end - start > MAX_RECEIVER_CHARS ? raw + '…' : raw;
  };

  for (const at of directCalls) {
    const fn = inFunction(at);
    const [l, c] = b.pos(at);
    b.calls.push(b.id(wordAt(text, at)), fn ? fn.name : -1, l, c);
  }
  for (const ic of icalls) {
    const fn = inFunction(ic.field);
    const [l, c] = b.pos(ic.field);
    const recv = recvText(ic.recv);
    b.icalls.push(b.id(wordAt(text, ic.field)), fn ? fn.name : -1, l, c, b.id(recv), baseType(recv, ic.field));
  }
  tables.sort((x, y) => x.start - y.start);
  nests.sort((x, y) => x.start - y.start);
  for (const p of bindPairs) {
    const table = containing(tables, p.field);
    if (!table) continue;
    const nested = containing(nests, p.field) !== undefined && (containing(nests, p.field)!.start > table.start);
    const [l, c] = b.pos(p.field);
    b.binds.push(b.id(wordAt(text, p.field)), b.id(wordAt(text, p.target)), b.id(table.name), nested ? -1 : b.id(table.type ?? ''), l, c, nested ? B_NESTED : 0, -1);
  }
  for (const a of asgs) {
    const [l, c] = b.pos(a.field);
    const recv = recvText(a.recv);
    b.binds.push(b.id(wordAt(text, a.field)), b.id(wordAt(text, a.target)), b.id(recv), -1, l, c, B_ASSIGN, baseType(recv, a.field));
  }
  clock.lap('collect');
  return errorRanges.length;
}

/** The identifier ending right before `at` (whitespace allowed in between), or -1. */
function identBefore(text: string, at: number): number {
  let i = at - 1;
  while (i >= 0 && (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9 || text.charCodeAt(i) === 10 || text.charCodeAt(i) === 13)) i--;
  const end = i + 1;
  while (i >= 0 && /[A-Za-z0-9_]/.test(text[i])) i--;
  const start = i + 1;
  if (start >= end || !/[A-Za-z_]/.test(text[start])) return -1;
  return NOT_FUNCTION_NAMES.has(text.slice(start, end)) ? -1 : start;
}

/** For a declarator tree-sitter could not resolve: the first identifier (not a keyword) followed by `(` before the body. */
function fallbackName(text: string, from: number, to: number): number {
  for (let i = from; i < to; ) {
    const c = text.charCodeAt(i);
    if (!isIdentStart(c)) {
      i++;
      continue;
    }
    const end = identEnd(text, i);
    if (text.charCodeAt(skipSpaces(text, end)) === 40 && !NOT_FUNCTION_NAMES.has(text.slice(i, end))) return i;
    i = end;
  }
  return -1;
}

/** Functions inside ERROR regions, found by a line-anchored header scan (see functionHeader.ts). */
function recoverFunctions(b: Builder, text: string, errors: Range[], known: Fn[]): Fn[] {
  const found: Fn[] = [];
  const have = new Set(known.map((f) => f.nameAt));
  const braces = new BracePairs(text);
  // Line starts below `failedTo` were read as type words by a header scan that failed: they fail the same way.
  let failedTo = 0;
  for (const r of errors) {
    let line = r.start;
    if (line > 0 && text.charCodeAt(line - 1) !== 10) line = text.indexOf('\n', line) + 1 || text.length;
    for (; line < r.end && line < text.length; line = text.indexOf('\n', line) + 1 || text.length) {
      if (line < failedTo) continue;
      const h = scanHeader(text, line);
      if (!h.header) {
        failedTo = Math.max(failedTo, h.wordsTo);
        continue;
      }
      const { nameAt, bodyStart } = h.header;
      const name = wordAt(text, nameAt);
      if (have.has(nameAt) || NOT_FUNCTION_NAMES.has(name) || C_KEYWORDS.has(name)) continue;
      if (containing(known, nameAt)) continue;
      const first = wordAt(text, line);
      if (NOT_FUNCTION_NAMES.has(first) || first === 'else' || first === 'return' || first === 'typedef') continue;
      const end = braces.closeAfter(bodyStart);
      b.sym(name, 'function', nameAt, line, end, F_RECOVERED | (/\bstatic\b/.test(text.slice(line, nameAt)) ? F_STATIC : 0));
      found.push({ start: line, end, typeAt: -1, declStart: nameAt, bodyStart, name: b.id(name), nameAt });
      have.add(nameAt);
      // Go on at the first line starting at or after the body's end.
      line = end - 1;
    }
  }
  return found;
}

/** Each `{` paired with the offset just past its `}` (the text's end when unclosed), computed once for the text. */
class BracePairs {
  private pairs?: Map<number, number>;
  constructor(private readonly text: string) {}
  closeAfter(open: number): number {
    if (!this.pairs) {
      this.pairs = new Map();
      const stack: number[] = [];
      for (let i = 0; i < this.text.length; i++) {
        const c = this.text.charCodeAt(i);
        if (c === 123) stack.push(i);
        else if (c === 125 && stack.length) this.pairs.set(stack.pop()!, i + 1);
      }
    }
    return this.pairs.get(open) ?? this.text.length;
  }
}

/** Cheap indexing for huge (generated) headers: `#define` names by a line scan, nothing parsed. */
export function extractDefinesOnly(source: string, file: string, size: number, mtimeMs: number, problem: string): FileRecord {
  const b = new Builder(source, lineStarts(source));
  const re = /^[ \t]*#[ \t]*define[ \t]+([A-Za-z_]\w*)(\()?/gm;
  let m: RegExpExecArray | null;
  while ((m = re.exec(source))) {
    const at = m.index + m[0].indexOf(m[1], m[0].indexOf('define') + 6);
    b.sym(m[1], 'macro', at, at, at + m[1].length, m[2] ? F_FUNCLIKE : 0);
  }
  return {
    file, size, mtimeMs, strings: b.strings, syms: Int32Array.from(b.syms),
    calls: new Int32Array(0), icalls: new Int32Array(0), binds: new Int32Array(0), fieldTypes: new Int32Array(0),
    // The defined names are the file's identifiers for find-references (their uses inside the header are not scanned).
    aliases: new Int32Array(0), idents: Int32Array.from(b.strings.keys()), problem,
  };
}

export const HUGE_FILE_BYTES = 3 * 1024 * 1024;
export const GENERATED_HEADER_BYTES = 256 * 1024;

/** Reads and extracts one file from disk; every failure becomes a record with a `problem`, never an exception. */
export function extractFile(root: string, rel: string, times?: PhaseTimes): FileRecord {
  const clock = new PhaseClock(times);
  const r = readAndExtract(root, rel, clock);
  clock.done(rel, r.size);
  return r;
}

function readAndExtract(root: string, rel: string, clock: PhaseClock): FileRecord {
  const abs = path.join(root, rel);
  let st: fs.Stats;
  try {
    st = fs.statSync(abs);
  } catch (e) {
    return { ...emptyFile(rel, 0, 0), problem: `unreadable: ${(e as NodeJS.ErrnoException).code ?? String(e)}` };
  }
  // Every record carries the stat and content hash the cache checks freshness with (cacheFreshness.ts).
  const stamp = { ctimeMs: st.ctimeMs, ino: st.ino };
  let hashed: string | undefined;
  const record = extractStatted(abs, rel, st, clock, (buf) => (hashed = contentHash(buf)));
  return Object.assign(record, stamp, hashed ? { hash: hashed } : {});
}

function extractStatted(abs: string, rel: string, st: fs.Stats, clock: PhaseClock, onRead: (buf: Buffer) => void): FileRecord {
  let buf: Buffer;
  try {
    // Checked before reading: a FIFO would block the read, a 1.5 GB file would be read whole.
    if (!st.isFile()) return { ...emptyFile(rel, 0, 0), problem: 'not a regular file, skipped' };
    if (st.size > DEFAULT_MAX_FILE_SIZE) return { ...emptyFile(rel, st.size, st.mtimeMs), problem: `too large (${(st.size / 1048576).toFixed(1)} MB), skipped without reading` };
    buf = fs.readFileSync(abs);
    onRead(buf);
  } catch (e) {
    return { ...emptyFile(rel, 0, 0), problem: `unreadable: ${(e as NodeJS.ErrnoException).code ?? String(e)}` };
  }
  const size = st.size;
  const mtimeMs = st.mtimeMs;
  const probe = buf.subarray(0, 8192);
  if (probe.includes(0)) return { ...emptyFile(rel, size, mtimeMs), problem: 'binary (NUL bytes), skipped' };
  let text: string;
  let problem: string | undefined;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(buf);
  } catch {
    // Not UTF-8 (Latin-1 comments in old drivers): one character per byte keeps identifiers and offsets intact.
    text = buf.toString('latin1');
    problem = 'not UTF-8, decoded as Latin-1';
  }
  clock.lap('read');
  if (size > HUGE_FILE_BYTES) return definesOnly(clock, text, rel, size, mtimeMs, `huge (${(size / 1048576).toFixed(1)} MB): only #define names indexed`);
  if (size > GENERATED_HEADER_BYTES) {
    // Register-definition headers (amdgpu's asic_reg, NIC firmware interfaces) are mostly #define lines: a line scan
    // finds every name they define at a fraction of a parse.
    const lines = text.match(/^[ \t]*\S/gm)?.length ?? 0;
    const defines = text.match(/^[ \t]*#[ \t]*define\b/gm)?.length ?? 0;
    if (lines > 0 && defines / lines >= 0.6) {
      return definesOnly(clock, text, rel, size, mtimeMs, `generated header (${Math.round((100 * defines) / lines)}% #define lines, ${(size / 1048576).toFixed(1)} MB): only #define names indexed`);
    }
  }
  try {
    const r = extractSource(text, rel, size, mtimeMs, { clock });
    if (problem) r.record.problem = r.record.problem ? `${problem}; ${r.record.problem}` : problem;
    return r.record;
  } catch (e) {
    return { ...emptyFile(rel, size, mtimeMs), problem: `parse failed: ${(e as Error).message}` };
  }
}

function definesOnly(clock: PhaseClock, ...args: Parameters<typeof extractDefinesOnly>): FileRecord {
  const r = extractDefinesOnly(...args);
  clock.lap('defines');
  return r;
}

function emptyFile(file: string, size: number, mtimeMs: number): FileRecord {
  const z = new Int32Array(0);
  return { file, size, mtimeMs, strings: [], syms: z, calls: z, icalls: z, binds: z, fieldTypes: z, aliases: z, idents: z };
}

export { SYM, CALL, ICALL, BIND, FIELDT, ALIAS };
