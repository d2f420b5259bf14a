// Resolves every model link (flow step → function in a codebase) against indexed trees: found with file and
// line, or not, with the reason. A link never resolves to a different function than the one it names.

import * as path from 'node:path';
import { Flow, Link, allLinks } from '../../../../models/src/index';
import { IndexQueries, SymbolDef, TreeInfo } from '../index/types';
import { findAsmLabel } from './asmLabels';

export interface ResolvedLink {
  flow: string;
  step: string;
  codebase: Link['codebase'];
  symbol: string;
  resolved: boolean;
  /** Absolute path of the definition when resolved. */
  file?: string;
  /** 1-based line of the definition when resolved. */
  line?: number;
  /** 0-based column of the defined name, when known. */
  column?: number;
  /** The tree (root, version) the link was resolved in. */
  tree?: string;
  version?: string;
  /** Why it did not resolve, or a remark on how it did (found under a former name, not in the hinted file). */
  reason?: string;
  /** Set when the definition was found under one of the link's former names. */
  foundAs?: string;
}

const DEF_KINDS: Record<NonNullable<Link['kind']>, SymbolDef['kind'][]> = {
  function: ['function', 'macro'],
  macro: ['macro', 'function'],
  asm: [],
  variable: ['variable'],
  type: ['struct', 'union', 'enum', 'typedef'],
};

function absolute(root: string, file: string): string {
  return path.isAbsolute(file) ? file : path.join(root, file);
}

function pickDefinition(defs: (SymbolDef & { root: string })[], link: Link, root: string): (SymbolDef & { root: string }) | undefined {
  const kinds = DEF_KINDS[link.kind ?? 'function'];
  const inTree = defs.filter((d) => path.resolve(d.root) === path.resolve(root) && kinds.includes(d.kind));
  if (inTree.length === 0) return undefined;
  // Prefer the hinted file, then the kind order (a function over a macro of the same name), then the first.
  const hint = link.file ? path.join(root, link.file) : undefined;
  const byHint = hint ? inTree.find((d) => absolute(d.root, d.file) === hint) : undefined;
  if (byHint) return byHint;
  for (const k of kinds) {
    const d = inTree.find((x) => x.kind === k);
    if (d) return d;
  }
  return inTree[0];
}

function codebaseTrees(trees: TreeInfo[], codebase: Link['codebase']): TreeInfo[] {
  return trees.filter((t) => t.codebase === codebase);
}

function resolveOne(index: IndexQueries, tree: TreeInfo, link: Link): Omit<ResolvedLink, 'flow' | 'step' | 'codebase' | 'symbol'> {
  const base = { tree: tree.root, version: tree.version };
  const names = [link.symbol, ...(link.formerly ?? []).map((f) => f.symbol)];
  for (const name of names) {
    let hit: { file: string; line: number; column?: number } | undefined;
    if (link.kind === 'asm') {
      const a = findAsmLabel(tree.root, name, link.file);
      if (a) hit = { file: a.file, line: a.line + 1 };
    } else {
      const d = pickDefinition(index.definitions(name), link, tree.root);
      if (d) hit = { file: absolute(d.root, d.file), line: d.nameSpan.line + 1, column: d.nameSpan.col };
    }
    if (!hit) continue;
    const remarks: string[] = [];
    if (name !== link.symbol) remarks.push(`not defined under this name here; found under its former name ${name}`);
    if (link.file && hit.file !== path.join(tree.root, link.file)) remarks.push(`defined in ${path.relative(tree.root, hit.file)}, not ${link.file}`);
    return { ...base, resolved: true, file: hit.file, line: hit.line, column: hit.column, foundAs: name !== link.symbol ? name : undefined, reason: remarks.join('; ') || undefined };
  }
  const what = link.kind === 'asm' ? 'assembly label' : `${link.kind ?? 'function'} definition`;
  const versions = link.versions ? ` (the link says: ${link.versions})` : '';
  return { ...base, resolved: false, reason: `no ${what} of ${names.join(' / ')} in ${tree.codebase} ${tree.version ?? '(unknown version)'}${versions}` };
}

/** Resolve one link against the indexed trees of its codebase (the first tree that defines it wins). */
export function resolveLink(index: IndexQueries, link: Link, trees: TreeInfo[] = index.trees()): Omit<ResolvedLink, 'flow' | 'step' | 'codebase' | 'symbol'> {
  const candidates = codebaseTrees(trees, link.codebase);
  if (candidates.length === 0) return { resolved: false, reason: `no ${link.codebase} tree given` };
  let last: ReturnType<typeof resolveOne> | undefined;
  for (const t of candidates) {
    last = resolveOne(index, t, link);
    if (last.resolved) break;
  }
  return last as ReturnType<typeof resolveOne>;
}

/** Resolve every link of every flow against the indexed trees. Links of codebases with no tree are reported as such. */
export function resolveLinks(flows: readonly Flow<unknown>[], index: IndexQueries): ResolvedLink[] {
  const trees = index.trees();
  return allLinks(flows).map(({ flow, step, link }) => ({
    flow: flow.id,
    step: step.id,
    codebase: link.codebase,
    symbol: link.symbol,
    ...resolveLink(index, link, trees),
  }));
}

export interface LinkSummary {
  codebase: Link['codebase'];
  total: number;
  resolved: number;
  ratio: number;
}

export function summarizeLinks(links: ResolvedLink[]): LinkSummary[] {
  const out: LinkSummary[] = [];
  for (const cb of ['xen', 'qemu', 'linux'] as const) {
    const mine = links.filter((l) => l.codebase === cb);
    if (mine.length === 0) continue;
    const resolved = mine.filter((l) => l.resolved).length;
    out.push({ codebase: cb, total: mine.length, resolved, ratio: resolved / mine.length });
  }
  return out;
}
