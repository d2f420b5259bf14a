// Helpers the model link tests share: the real tree of a codebase, cached file lines, the definitions our extraction
// finds in one file, a textual definition finder, and the contract check through the engine (checkContractInFile).
import * as fs from 'node:fs';
import { Link, Step } from '@irqlens/models';
import { checkContractInFile } from '../../server/src/engine/contracts/checkContracts';
import { extractFile } from '../../server/src/engine/index/fileExtract';
import { namedSymbols } from '../../server/src/engine/index/recordViews';
import { realTrees } from './realTrees';

/** The real tree a codebase's links point into. */
export function root(codebase: Link['codebase']): string {
  const t = realTrees();
  return codebase === 'qemu' ? t.qemu : codebase === 'linux' ? t.linux : t.xen;
}

const lineCache = new Map<string, string[]>();
/** A file's lines (absolute path), read once. */
export function lines(file: string): string[] {
  let l = lineCache.get(file);
  if (!l) {
    l = fs.readFileSync(file, 'utf8').split('\n');
    lineCache.set(file, l);
  }
  return l;
}

const defCache = new Map<string, Map<string, string[]>>();
/** name → kinds of the definitions in a C file (relative to `rootDir`), as our index extracts them. */
export function extractedDefinitions(rootDir: string, file: string): Map<string, string[]> {
  const key = `${rootDir}\0${file}`;
  let m = defCache.get(key);
  if (m) return m;
  m = new Map();
  const rec = extractFile(rootDir, file);
  for (const { name, entry } of namedSymbols(rec)) m.set(name, [...(m.get(name) ?? []), entry.kind]);
  defCache.set(key, m);
  return m;
}

/**
 * The line index of a definition found textually, or −1: a C function header at column 0 (or a
 * `DEFINE_IDTENTRY*(name)` generator) followed by `{` before any `;` within 8 lines; with `macrosAndVariables`, also a
 * `#define name` or a file-scope variable `… name =`/`… name;` at column 0.
 */
export function textualDefinitionLine(ls: string[], sym: string, opts: { macrosAndVariables?: boolean } = {}): number {
  const head = new RegExp(`^(?:[A-Za-z_][^;=]*[\\s*])?${sym}\\s*\\(`);
  const gen = new RegExp(`^DEFINE_IDTENTRY\\w*\\(${sym}\\)`);
  const other = new RegExp(`^(?:#define\\s+${sym}\\b|[A-Za-z_][^(]*\\b${sym}\\s*(?:=|;))`);
  for (let i = 0; i < ls.length; i++) {
    if (opts.macrosAndVariables && other.test(ls[i])) return i;
    if (!(head.test(ls[i]) || gen.test(ls[i])) || /^(return|if|else|while|for)\b/.test(ls[i])) continue;
    const tail = ls.slice(i, i + 8).join('\n');
    const brace = tail.indexOf('{');
    const semi = tail.indexOf(';');
    if (brace >= 0 && (semi < 0 || brace < semi)) return i;
  }
  return -1;
}

/**
 * Every contract of these steps checked by the engine on its function's definition in the link's hinted file of the
 * real tree. Returns the contracts checked and one line per contract not kept; throws if a contract's function is not
 * one of its step's links with a file hint.
 */
export function contractFailures(steps: readonly Step<unknown>[]): { checked: number; failures: string[] } {
  const failures: string[] = [];
  const done = new Set<string>();
  for (const s of steps) {
    for (const c of s.contracts ?? []) {
      const link = s.links.find((l) => l.symbol === c.symbol && l.codebase === c.codebase);
      if (!link?.file) throw new Error(`${s.id} ${c.id}: the contract's function ${c.symbol} is not one of the step's links with a file`);
      const key = `${c.id}\0${c.codebase}\0${c.symbol}\0${link.file}`;
      if (done.has(key)) continue;
      done.add(key);
      const r = checkContractInFile({ root: root(c.codebase), codebase: c.codebase }, c, { ...link, file: link.file });
      if (r.status !== 'kept') failures.push(`${s.id} ${c.id} (${c.symbol}) ${r.status}: ${r.evidence?.summary ?? r.reason}`);
    }
  }
  return { checked: done.size, failures };
}
