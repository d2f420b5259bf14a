// Checks every model contract (a step's `calls` / `callOrder` / `mentions` / `doesNotCall` rule) on the body of the
// real function it names: kept, broken (with the call that was missing or forbidden, and its line) or unresolved.
// The body comes from the index's definition span; comments and string literals never count (lexer.ts).

import * as fs from 'node:fs';
import * as path from 'node:path';
import { Contract, ContractCheck, Flow, Link, Step } from '@irqlens/models';
import { endsWithContinuation } from '../index/cScan';
import { extractFile } from '../index/fileExtract';
import { sourceText } from '../index/sourceText';
import { allDefines } from '../index/defineTable';
import { namedSymbols, toSymbolDef } from '../index/recordViews';
import { forEachIdentifier, lineOf, lineStarts } from '../index/lexer';
import { IndexQueries, SymbolDef, TreeInfo } from '../index/types';

export type ContractStatus = 'kept' | 'broken' | 'unresolved';

/** One place in a body that decided a contract: a call (`name(`) or a mention of a name. */
export interface EvidenceSite {
  name: string;
  how: 'call' | 'mention';
  /** The function-like macro called at this line whose expansion makes the call (`POKE(r)` → `ring_kick`). */
  via?: string;
  /** Line of the site: 1-based in the file for `checkContracts`, `firstLine`-based for `checkContractBody`. */
  line: number;
}

export interface ContractEvidence {
  /** What decided the status, for people: `calls evtchn_port_set_pending (line 130)`. */
  summary: string;
  /** The sites named in the summary: the satisfying call(s) or mention for kept, the forbidden call(s) or the
   *  out-of-order calls for broken; empty when what decided it is an absence. */
  sites: EvidenceSite[];
}

export interface BodyCheck {
  status: 'kept' | 'broken';
  evidence: ContractEvidence;
}

export interface ContractResult {
  flow: string;
  step: string;
  /** The contract's id. */
  contract: string;
  codebase: Contract['codebase'];
  symbol: string;
  text: string;
  kind: ContractCheck['kind'];
  status: ContractStatus;
  /** Absolute path of the definition whose body was read. */
  file?: string;
  /** 1-based line of the definition's name. */
  line?: number;
  /** The tree (root, version) the body was read in. */
  tree?: string;
  version?: string;
  /** Set when the definition was found under one of the link's former names. */
  foundAs?: string;
  /** Why and where, for kept and broken. */
  evidence?: ContractEvidence;
  /** Why it could not be checked, when unresolved. */
  reason?: string;
}

interface Occurrence {
  name: string;
  offset: number;
  /** Followed by `(` (after blanks and comments): a call of a function or a function-like macro expansion. */
  call: boolean;
  via?: string;
}

/** The replacement text of a function-like macro named `name`, or undefined when `name` is not one we can read. */
export type MacroExpander = (name: string) => string | undefined;

/** How deep calls are followed through macros that call macros (`spin_lock_irqsave` → `raw_…` → `_raw_…`). */
const MACRO_DEPTH = 3;

/** The identifiers of a text outside comments and literals, collected first: the lexer's scan is not re-entrant (one
 *  shared regex), and macro expansion scans a macro's text while the body's scan is under way. */
function identifiers(text: string): { name: string; offset: number }[] {
  const out: { name: string; offset: number }[] = [];
  forEachIdentifier(text, (name, offset) => out.push({ name, offset }));
  return out;
}

/** The wanted names a call to `macro` ends up calling, through up to `depth` levels of function-like macros. */
function callsThrough(macro: string, wanted: ReadonlySet<string>, expand: MacroExpander, depth: number, memo: Map<string, string[]>, seen = new Set<string>()): string[] {
  const hit = memo.get(macro);
  if (hit) return hit;
  const text = expand(macro);
  if (text === undefined || depth === 0 || seen.has(macro)) return [];
  seen.add(macro);
  const found = new Set<string>();
  for (const { name, offset } of identifiers(text)) {
    if (text[skipBlanks(text, offset + name.length)] !== '(') continue;
    if (wanted.has(name)) found.add(name);
    else for (const n of callsThrough(name, wanted, expand, depth - 1, memo, seen)) found.add(n);
  }
  seen.delete(macro);
  const out = [...found];
  memo.set(macro, out);
  return out;
}

/** Skips blanks and comments from `i`; returns the index of the next significant character. */
function skipBlanks(text: string, i: number): number {
  for (;;) {
    while (i < text.length && /\s/.test(text[i])) i++;
    if (text.startsWith('/*', i)) {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? text.length : end + 2;
    } else if (text.startsWith('//', i)) {
      const end = text.indexOf('\n', i);
      i = end < 0 ? text.length : end + 1;
    } else if (text.startsWith('\\\n', i)) {
      i += 2; // a continued macro line
    } else {
      return i;
    }
  }
}

/** Every occurrence of the wanted names as whole identifiers outside comments and literals, in text order. */
function occurrences(body: string, wanted: ReadonlySet<string>, expand?: MacroExpander): Occurrence[] {
  const out: Occurrence[] = [];
  const memo = new Map<string, string[]>();
  for (const { name, offset } of identifiers(body)) {
    const call = body[skipBlanks(body, offset + name.length)] === '(';
    if (wanted.has(name)) out.push({ name, offset, call });
    else if (call && expand) for (const n of callsThrough(name, wanted, expand, MACRO_DEPTH, memo)) out.push({ name: n, offset, call: true, via: name });
  }
  return out;
}

function names(list: readonly string[]): string {
  return list.length === 1 ? list[0] : `any of ${list.join(', ')}`;
}

/**
 * Checks one contract rule on a body text (a function body, or the post-patch body in review). Names match as whole
 * identifiers outside comments and string/char literals; a call is a name followed by `(`, so a function-like macro
 * named in the rule counts as a call, and `ops->name(x)` counts too. With `expand`, a call to a function-like macro
 * whose expansion calls a name (up to three macro levels) counts as calling that name, `via` the macro. `firstLine` is
 * the number given to the text's first line in the evidence (default 0: zero-based lines of `body`).
 */
export function checkContractBody(check: ContractCheck, body: string, firstLine = 0, expand?: MacroExpander): BodyCheck {
  const wanted = new Set(check.kind === 'callOrder' ? [...check.first, ...check.then] : check.kind === 'doesNotCall' ? check.names : check.anyOf);
  const occ = occurrences(body, wanted, expand);
  let starts: number[] | undefined;
  const site = (o: Occurrence, how: EvidenceSite['how']): EvidenceSite => {
    starts ??= lineStarts(body);
    return { name: o.name, how, line: lineOf(starts, o.offset) + firstLine, ...(o.via ? { via: o.via } : {}) };
  };
  const at = (s: EvidenceSite): string => `${s.name}${s.via ? ` via ${s.via}` : ''} (line ${s.line})`;
  const kept = (summary: string, sites: EvidenceSite[]): BodyCheck => ({ status: 'kept', evidence: { summary, sites } });
  const broken = (summary: string, sites: EvidenceSite[]): BodyCheck => ({ status: 'broken', evidence: { summary, sites } });

  switch (check.kind) {
    case 'calls': {
      const hit = occ.find((o) => o.call);
      if (hit) return kept(`calls ${at(site(hit, 'call'))}`, [site(hit, 'call')]);
      return broken(`no call to ${names(check.anyOf)}`, []);
    }
    case 'mentions': {
      const hit = occ.find((o) => !o.via);
      if (hit) return kept(`mentions ${at(site(hit, 'mention'))}`, [site(hit, 'mention')]);
      return broken(`no mention of ${names(check.anyOf)}`, []);
    }
    case 'doesNotCall': {
      const bad = occ.filter((o) => o.call).map((o) => site(o, 'call'));
      if (bad.length === 0) return kept(`no call to ${names(check.names)}`, []);
      return broken(`calls ${bad.map(at).join(', ')}`, bad);
    }
    case 'callOrder': {
      const first = new Set(check.first);
      const then = new Set(check.then);
      const firsts = occ.filter((o) => o.call && first.has(o.name));
      const thens = occ.filter((o) => o.call && then.has(o.name));
      if (firsts.length === 0) return broken(`no call to ${names(check.first)}`, []);
      if (thens.length === 0) return broken(`no call to ${names(check.then)}`, []);
      const a = firsts[0];
      const b = thens.find((o) => o.offset > a.offset);
      if (b) return kept(`calls ${at(site(a, 'call'))} before ${at(site(b, 'call'))}`, [site(a, 'call'), site(b, 'call')]);
      const last = thens[thens.length - 1];
      return broken(`${at(site(last, 'call'))} comes before the first call to ${at(site(a, 'call'))}`, [site(last, 'call'), site(a, 'call')]);
    }
  }
}

type Def = Pick<SymbolDef, 'kind' | 'file' | 'nameSpan' | 'span' | 'isFunctionLike'>;

const BODY_KINDS: readonly SymbolDef['kind'][] = ['function', 'macro'];

/** Every definition in one file, by name, as the extractor sees it (when the index left the hinted file out, or no index). */
function fileDefinitions(root: string, rel: string): Map<string, Def[]> {
  const out = new Map<string, Def[]>();
  if (!fs.existsSync(path.join(root, rel))) return out;
  const rec = extractFile(root, rel);
  for (const { name, entry } of namedSymbols(rec)) {
    const { kind, nameSpan, span, isFunctionLike } = toSymbolDef(rec, entry.element, rec.strings ?? []);
    const def: Def = { kind, file: rel, nameSpan, span, ...(kind === 'macro' ? { isFunctionLike } : {}) };
    out.set(name, [...(out.get(name) ?? []), def]);
  }
  // A generated header's macros are kept by name hash; their names are read back from the text.
  if (rec.defines.length) {
    const buf = fs.readFileSync(path.join(root, rel));
    for (const d of allDefines(rec, sourceText(buf))) {
      out.set(d.name, [...(out.get(d.name) ?? []), { kind: d.kind, file: rel, nameSpan: d.nameSpan, span: d.span, isFunctionLike: d.isFunctionLike }]);
    }
  }
  return out;
}

function definitionsInFile(root: string, rel: string, name: string): Def[] {
  return fileDefinitions(root, rel).get(name) ?? [];
}

/** The definition whose body the contract reads: in the link's hinted file first, a function before a macro. */
function pickDefinition(index: IndexQueries, tree: TreeInfo, name: string, link: Link | undefined): Def | undefined {
  const inTree = index.definitions(name).filter((d) => path.resolve(d.root) === path.resolve(tree.root) && BODY_KINDS.includes(d.kind));
  const hinted = link?.file ? inTree.filter((d) => d.file === link.file) : [];
  const pool = hinted.length ? hinted : link?.file ? definitionsInFile(tree.root, link.file, name).filter((d) => BODY_KINDS.includes(d.kind)) : [];
  for (const candidates of [pool, inTree]) {
    for (const k of BODY_KINDS) {
      const d = candidates.find((x) => x.kind === k);
      if (d) return d;
    }
  }
  return undefined;
}

/** The text a contract reads: from the body's `{` for a function (the header's own name and parameters are not the
 *  body), after the name for a macro. Lines are kept: the text's first line is the name's line (zero-based `line`). */
function bodyText(source: string[], def: Def): { text: string; line: number } {
  const { span, nameSpan } = def;
  // A macro's span is its name only: its replacement runs to the first line not continued by a backslash.
  let endLine = span.endLine;
  let endCol = span.endCol;
  if (def.kind === 'macro') {
    endLine = nameSpan.line;
    while (endLine + 1 < source.length && endsWithContinuation(source[endLine])) endLine++;
    endCol = source[endLine]?.length ?? 0;
  }
  const lines = source.slice(nameSpan.line, endLine + 1);
  if (lines.length === 0) return { text: '', line: nameSpan.line };
  lines[lines.length - 1] = lines[lines.length - 1].slice(0, endCol);
  lines[0] = lines[0].slice(nameSpan.endCol);
  let text = lines.join('\n');
  if (def.kind === 'function') {
    const brace = text.indexOf('{');
    // Blank the header (parameters, `)`, attributes) keeping its newlines so lines still count from the name.
    if (brace >= 0) text = text.slice(0, brace).replace(/[^\n]/g, ' ') + text.slice(brace);
  }
  return { text, line: nameSpan.line };
}

function readLines(file: string, cache: Map<string, string[]>): string[] {
  let l = cache.get(file);
  if (!l) {
    l = fs.readFileSync(file, 'latin1').split('\n');
    cache.set(file, l);
  }
  return l;
}

type Checked = Omit<ContractResult, 'flow' | 'step' | 'contract' | 'codebase' | 'symbol' | 'text' | 'kind'>;

/** Reads the definition's body and checks the contract on it. */
function checkDefinition(tree: TreeInfo, def: Def, contract: Contract, name: string, files: Map<string, string[]>, macros: (file: string) => MacroExpander): Checked {
  const base = { tree: tree.root, version: tree.version };
  const file = path.join(tree.root, def.file);
  let source: string[];
  try {
    source = readLines(file, files);
  } catch (e) {
    return { ...base, status: 'unresolved', file, reason: `cannot read ${file}: ${e instanceof Error ? e.message : String(e)}` };
  }
  const body = bodyText(source, def);
  const r = checkContractBody(contract.check, body.text, body.line + 1, macros(def.file));
  return { ...base, status: r.status, file, line: def.nameSpan.line + 1, foundAs: name !== contract.symbol ? name : undefined, evidence: r.evidence };
}

function namesOf(contract: Contract, link: Link | undefined): string[] {
  return [contract.symbol, ...(link?.symbol === contract.symbol ? (link.formerly ?? []).map((f) => f.symbol) : [])];
}

function unresolved(tree: TreeInfo, tried: string[], where: string): Checked {
  return { tree: tree.root, version: tree.version, status: 'unresolved', reason: `no function or macro definition of ${tried.join(' / ')}${where} in ${tree.codebase} ${tree.version ?? '(unknown version)'}` };
}

/** The replacement text of a function-like macro definition. */
function macroText(tree: TreeInfo, def: Def, files: Map<string, string[]>): string | undefined {
  try {
    return bodyText(readLines(path.join(tree.root, def.file), files), def).text;
  } catch {
    return undefined;
  }
}

/** Function-like macros of a tree through the index: the one defined in the body's own file first, else the first. */
function indexMacros(index: IndexQueries, tree: TreeInfo, files: Map<string, string[]>): (file: string) => MacroExpander {
  const cache = new Map<string, string | undefined>();
  return (file) => (name) => {
    const key = `${file}\0${name}`;
    if (cache.has(key)) return cache.get(key);
    const defs = index.definitions(name).filter((d) => d.kind === 'macro' && d.isFunctionLike && path.resolve(d.root) === path.resolve(tree.root));
    const def = defs.find((d) => d.file === file) ?? defs[0];
    const text = def ? macroText(tree, def, files) : undefined;
    cache.set(key, text);
    return text;
  };
}

function checkIn(index: IndexQueries, tree: TreeInfo, contract: Contract, link: Link | undefined, files: Map<string, string[]>, macros: (file: string) => MacroExpander): Checked {
  const tried = namesOf(contract, link);
  for (const name of tried) {
    const def = pickDefinition(index, tree, name, link);
    if (def) return checkDefinition(tree, def, contract, name, files, macros);
  }
  return unresolved(tree, tried, '');
}

/**
 * Checks one contract on the definition in the link's hinted file only, extracting that one file (no index): for
 * quick checks of a few contracts, e.g. the model tests. `tree.codebase` is not checked.
 */
export function checkContractInFile(tree: TreeInfo, contract: Contract, link: Link & { file: string }): Omit<ContractResult, 'flow' | 'step'> {
  const head = { contract: contract.id, codebase: contract.codebase, symbol: contract.symbol, text: contract.text, kind: contract.check.kind };
  const tried = namesOf(contract, link);
  const inFile = fileDefinitions(tree.root, link.file);
  const files = new Map<string, string[]>();
  // Without an index only the file's own function-like macros expand.
  const macros = () => (name: string) => {
    const def = inFile.get(name)?.find((d) => d.kind === 'macro' && d.isFunctionLike);
    return def ? macroText(tree, def, files) : undefined;
  };
  for (const name of tried) {
    const defs = inFile.get(name) ?? [];
    const def = BODY_KINDS.map((k) => defs.find((d) => d.kind === k)).find((d) => d !== undefined);
    if (def) return { ...head, ...checkDefinition(tree, def, contract, name, files, macros) };
  }
  return { ...head, ...unresolved(tree, tried, ` in ${link.file}`) };
}

/** Check every contract of every flow on the indexed trees. Contracts of codebases with no tree are unresolved. */
export function checkContracts(flows: readonly Flow<unknown>[], index: IndexQueries): ContractResult[] {
  const trees = index.trees();
  const files = new Map<string, string[]>();
  // Shared steps (X1.4@X2 …) repeat the same contract on the same function: check each once.
  const done = new Map<string, Checked>();
  const macros = new Map(trees.map((t) => [t.root, indexMacros(index, t, files)]));
  const out: ContractResult[] = [];
  for (const flow of flows) {
    for (const step of flow.steps as Step<unknown>[]) {
      for (const c of step.contracts ?? []) {
        const head = { flow: flow.id, step: step.id, contract: c.id, codebase: c.codebase, symbol: c.symbol, text: c.text, kind: c.check.kind };
        const link = step.links.find((l) => l.codebase === c.codebase && l.symbol === c.symbol);
        const key = JSON.stringify([c.codebase, c.symbol, link?.file, c.check]);
        let r = done.get(key);
        if (!r) {
          const candidates = trees.filter((t) => t.codebase === c.codebase);
          if (candidates.length === 0) r = { status: 'unresolved', reason: `no ${c.codebase} tree given` };
          for (const t of candidates) {
            r = checkIn(index, t, c, link, files, macros.get(t.root)!);
            if (r.status !== 'unresolved') break;
          }
          done.set(key, r as Checked);
        }
        out.push({ ...head, ...(r as Checked) });
      }
    }
  }
  return out;
}

export interface ContractSummary {
  codebase: Contract['codebase'];
  total: number;
  kept: number;
  broken: number;
  unresolved: number;
}

export function summarizeContracts(results: readonly ContractResult[]): ContractSummary[] {
  const out: ContractSummary[] = [];
  for (const cb of ['xen', 'qemu', 'linux'] as const) {
    const mine = results.filter((r) => r.codebase === cb);
    if (mine.length === 0) continue;
    const n = (s: ContractStatus) => mine.filter((r) => r.status === s).length;
    out.push({ codebase: cb, total: mine.length, kept: n('kept'), broken: n('broken'), unresolved: n('unresolved') });
  }
  return out;
}
