// Checks every model contract (a step's `calls` / `callOrder` / `mentions` / `doesNotCall` rule) on the body of the
// real function it names: kept, broken (with the call that was missing or forbidden, and its line) or unresolved.
// The body comes from the index's definition span; comments and string literals never count (lexer.ts).

import * as fs from 'node:fs';
import * as path from 'node:path';
import { Contract, ContractCheck, Flow, Link, Step } from '../../../../models/src/index';
import { extractFile } from '../index/extract';
import { KINDS, SYM } from '../index/fileRecord';
import { forEachIdentifier, lineOf, lineStarts } from '../index/lexer';
import { IndexQueries, Span, SymbolDef, TreeInfo } from '../index/types';

export type ContractStatus = 'kept' | 'broken' | 'unresolved';

/** One place in a body that decided a contract: a call (`name(`) or a mention of a name. */
export interface EvidenceSite {
  name: string;
  how: 'call' | 'mention';
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
function occurrences(body: string, wanted: ReadonlySet<string>): Occurrence[] {
  const out: Occurrence[] = [];
  forEachIdentifier(body, (name, offset) => {
    if (!wanted.has(name)) return;
    out.push({ name, offset, call: body[skipBlanks(body, offset + name.length)] === '(' });
  });
  return out;
}

function names(list: readonly string[]): string {
  return list.length === 1 ? list[0] : `any of ${list.join(', ')}`;
}

/**
 * Checks one contract rule on a body text (a function body, or the post-patch body in review). Names match as whole
 * identifiers outside comments and string/char literals; a call is a name followed by `(`, so a function-like macro
 * that expands the name counts as calling it, and `ops->name(x)` counts too. `firstLine` is the number given to the
 * text's first line in the evidence (default 0: zero-based lines of `body`).
 */
export function checkContractBody(check: ContractCheck, body: string, firstLine = 0): BodyCheck {
  const wanted = new Set(check.kind === 'callOrder' ? [...check.first, ...check.then] : check.kind === 'doesNotCall' ? check.names : check.anyOf);
  const occ = occurrences(body, wanted);
  let starts: number[] | undefined;
  const site = (o: Occurrence, how: EvidenceSite['how']): EvidenceSite => {
    starts ??= lineStarts(body);
    return { name: o.name, how, line: lineOf(starts, o.offset) + firstLine };
  };
  const at = (s: EvidenceSite): string => `${s.name} (line ${s.line})`;
  const kept = (summary: string, sites: EvidenceSite[]): BodyCheck => ({ status: 'kept', evidence: { summary, sites } });
  const broken = (summary: string, sites: EvidenceSite[]): BodyCheck => ({ status: 'broken', evidence: { summary, sites } });

  switch (check.kind) {
    case 'calls': {
      const hit = occ.find((o) => o.call);
      if (hit) return kept(`calls ${at(site(hit, 'call'))}`, [site(hit, 'call')]);
      return broken(`no call to ${names(check.anyOf)}`, []);
    }
    case 'mentions': {
      const hit = occ[0];
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

type Def = Pick<SymbolDef, 'kind' | 'file' | 'nameSpan' | 'span'>;

const BODY_KINDS: readonly SymbolDef['kind'][] = ['function', 'macro'];

/** The definitions of `name` in one file as the extractor sees it (when the index left the hinted file out). */
function definitionsInFile(root: string, rel: string, name: string): Def[] {
  if (!fs.existsSync(path.join(root, rel))) return [];
  const rec = extractFile(root, rel);
  const strings = rec.strings ?? [];
  const out: Def[] = [];
  for (let i = 0; i < rec.syms.length; i += SYM) {
    if (strings[rec.syms[i]] !== name) continue;
    const s = rec.syms;
    const nameSpan: Span = { line: s[i + 2], col: s[i + 3], endLine: s[i + 2], endCol: s[i + 3] + name.length };
    const span: Span = { line: s[i + 4], col: s[i + 5], endLine: s[i + 6], endCol: s[i + 7] };
    out.push({ kind: KINDS[s[i + 1] & 0xff], file: rel, nameSpan, span });
  }
  return out;
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
  const lines = source.slice(nameSpan.line, span.endLine + 1);
  if (lines.length === 0) return { text: '', line: nameSpan.line };
  lines[lines.length - 1] = lines[lines.length - 1].slice(0, span.endCol);
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
function checkDefinition(tree: TreeInfo, def: Def, contract: Contract, name: string, files: Map<string, string[]>): Checked {
  const base = { tree: tree.root, version: tree.version };
  const file = path.join(tree.root, def.file);
  let source: string[];
  try {
    source = readLines(file, files);
  } catch (e) {
    return { ...base, status: 'unresolved', file, reason: `cannot read ${file}: ${e instanceof Error ? e.message : String(e)}` };
  }
  const body = bodyText(source, def);
  const r = checkContractBody(contract.check, body.text, body.line + 1);
  return { ...base, status: r.status, file, line: def.nameSpan.line + 1, foundAs: name !== contract.symbol ? name : undefined, evidence: r.evidence };
}

function namesOf(contract: Contract, link: Link | undefined): string[] {
  return [contract.symbol, ...(link?.symbol === contract.symbol ? (link.formerly ?? []).map((f) => f.symbol) : [])];
}

function unresolved(tree: TreeInfo, tried: string[], where: string): Checked {
  return { tree: tree.root, version: tree.version, status: 'unresolved', reason: `no function or macro definition of ${tried.join(' / ')}${where} in ${tree.codebase} ${tree.version ?? '(unknown version)'}` };
}

function checkIn(index: IndexQueries, tree: TreeInfo, contract: Contract, link: Link | undefined, files: Map<string, string[]>): Checked {
  const tried = namesOf(contract, link);
  for (const name of tried) {
    const def = pickDefinition(index, tree, name, link);
    if (def) return checkDefinition(tree, def, contract, name, files);
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
  for (const name of tried) {
    const defs = definitionsInFile(tree.root, link.file, name);
    const def = BODY_KINDS.map((k) => defs.find((d) => d.kind === k)).find((d) => d !== undefined);
    if (def) return { ...head, ...checkDefinition(tree, def, contract, name, new Map()) };
  }
  return { ...head, ...unresolved(tree, tried, ` in ${link.file}`) };
}

/** Check every contract of every flow on the indexed trees. Contracts of codebases with no tree are unresolved. */
export function checkContracts(flows: readonly Flow<unknown>[], index: IndexQueries): ContractResult[] {
  const trees = index.trees();
  const files = new Map<string, string[]>();
  // Shared steps (X1.4@X2 …) repeat the same contract on the same function: check each once.
  const done = new Map<string, Checked>();
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
            r = checkIn(index, t, c, link, files);
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
