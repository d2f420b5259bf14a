// Every contract of a touched function, checked on its body before and after the edit (the contract checker's own
// body check), and what that says about the patch: new (kept before, broken after: a finding blamed on the patch),
// fixed, unchanged (already broken: reported once, as info, never blamed) or absent (the function came or went).
// Each finding names the clause that broke and the post-image line it sits on.

import * as path from 'node:path';
import { Contract, Flow, Step } from '@irqlens/models';
import { BodyCheck, checkContractBody, MacroExpander } from '../contracts/checkContracts';
import type { IndexQueries, TreeInfo } from '../index/types';
import { bodyOf, CFile } from './cFunctions';
import { FileEdit, FunctionSides } from './functionChanges';
import { ContractVerdict, Finding } from './types';

export interface ContractHome {
  contract: Contract;
  flow: Flow<unknown>;
  step: Step<unknown>;
}

/** Every contract by the function it reads, once per contract id (shared steps repeat them), in the flow that owns it. */
export function contractsBySymbol(flows: readonly Flow<unknown>[]): Map<string, ContractHome[]> {
  const out = new Map<string, ContractHome[]>();
  const seen = new Map<string, ContractHome>();
  for (const flow of flows) {
    for (const step of flow.steps) {
      for (const contract of step.contracts ?? []) {
        const prev = seen.get(contract.id);
        // Prefer the step's own flow over a shared copy (`X1.6@X2`).
        if (prev && !prev.step.id.includes('@')) continue;
        const home = { contract, flow, step };
        if (prev) {
          const list = out.get(`${contract.codebase}:${contract.symbol}`)!;
          list[list.indexOf(prev)] = home;
        } else out.set(`${contract.codebase}:${contract.symbol}`, [...(out.get(`${contract.codebase}:${contract.symbol}`) ?? []), home]);
        seen.set(contract.id, home);
      }
    }
  }
  return out;
}

/** Function-like macros for expanding calls in a body: the file's own (this side of the edit), then the index's. */
export function macroExpander(file: CFile, lines: string[], tree: TreeInfo | undefined, index: IndexQueries | undefined, read: (abs: string) => string | undefined, shared = new Map<string, string | undefined>()): MacroExpander {
  const cache = new Map<string, string | undefined>();
  return (name) => {
    if (cache.has(name)) return cache.get(name);
    let text: string | undefined;
    const local = file.functions.find((f) => f.kind === 'macro' && f.name === name);
    const key = `${tree?.root ?? ''}\0${name}`;
    if (local) text = bodyOf(lines, local);
    else if (shared.has(key)) text = shared.get(key);
    else if (index && tree) {
      const def = index.definitions(name).find((d) => d.kind === 'macro' && d.isFunctionLike && path.resolve(d.root) === path.resolve(tree.root));
      const src = def ? read(path.join(def.root, def.file)) : undefined;
      if (def && src !== undefined) {
        const ls = src.split('\n');
        let end = def.nameSpan.line;
        while (end + 1 < ls.length && /\\\s*$/.test(ls[end])) end++;
        text = ls.slice(def.nameSpan.line, end + 1).join('\n').slice(def.nameSpan.col + name.length);
      }
      shared.set(key, text);
    }
    cache.set(name, text);
    return text;
  };
}

/** Whether a contract's link hint names this file (or names none). */
export function hintMatches(hint: string | undefined, rel: string): boolean {
  return !hint || hint === rel || hint.endsWith(`/${rel}`) || rel.endsWith(`/${hint}`);
}

const SUPPRESS = /irqlens:\s*allow\s+([\w.@-]+(?:[\s,]+[\w.@-]+)*)/g;

/** A `/* irqlens: allow <contract-id> *\/` comment in (or just above) the function, post-image. */
function suppression(edit: FileEdit, side: FunctionSides, rule: string): number | undefined {
  const fn = side.after?.fn;
  if (!fn) return undefined;
  for (let l = Math.max(0, fn.startLine - 3); l <= fn.endLine && l < edit.postLines.length; l++) {
    SUPPRESS.lastIndex = 0;
    for (let m = SUPPRESS.exec(edit.postLines[l]); m; m = SUPPRESS.exec(edit.postLines[l])) {
      if (m[1].split(/[\s,]+/).includes(rule)) return l + 1;
    }
  }
  return undefined;
}

function nearest(lines: number[], target: number): number {
  if (lines.length === 0) return target;
  return lines.reduce((best, l) => (Math.abs(l - target) < Math.abs(best - target) ? l : best), lines[0]);
}

/** The clause that broke, in words, and the post-image line to put the finding on. */
function clause(contract: Contract, before: BodyCheck, after: BodyCheck, edit: FileEdit, side: FunctionSides): { text: string; line: number; site?: number } {
  const base = path.basename(edit.rel);
  const changed = side.touched.lines;
  const preSite = before.evidence.sites[0];
  const at = (l: number) => `${base}:${l}`;
  const check = contract.check;
  if (check.kind === 'doesNotCall') {
    const bad = after.evidence.sites.find((s) => changed.includes(s.line)) ?? after.evidence.sites[0];
    const line = bad?.line ?? nearest(changed, side.after ? side.after.fn.nameLine + 1 : 1);
    return { text: `a call to ${bad?.name ?? check.names.join(' / ')}${bad?.via ? ` (via ${bad.via})` : ''} was added at ${at(line)}`, line };
  }
  if (check.kind === 'callOrder' && after.evidence.sites.length === 2) {
    const [lastThen, firstFirst] = after.evidence.sites;
    const moved = changed.includes(firstFirst.line) ? firstFirst : changed.includes(lastThen.line) ? lastThen : firstFirst;
    return {
      text: `${lastThen.name} now comes before ${firstFirst.name}: the call to ${moved.name} was moved to ${at(moved.line)}`,
      line: moved.line,
      site: preSite?.line,
    };
  }
  // A call or a mention that is gone: put the finding on the changed line nearest to where it was.
  const gone = check.kind === 'callOrder' ? (after.evidence.summary.match(/no call to (.*)$/)?.[1] ?? '') : preSite?.name ?? '';
  const was = preSite ? edit.toPost(preSite.line) : side.after ? side.after.fn.nameLine + 1 : 1;
  const line = nearest(changed, was);
  const what = check.kind === 'mentions' ? `the use of ${gone}` : `the call to ${gone}${preSite?.via ? ` (via ${preSite.via})` : ''}`;
  return { text: `${what}${preSite ? ` (${at(preSite.line)} before the patch)` : ''} was removed at ${at(line)}`, line, site: preSite?.line };
}

export interface ContractOutcome {
  verdicts: ContractVerdict[];
  findings: Finding[];
}

/** Checks every contract of one touched function before and after. `expand` gives the macros of each side. */
export function contractOutcome(homes: readonly ContractHome[], edit: FileEdit, side: FunctionSides, expandBefore: MacroExpander, expandAfter: MacroExpander): ContractOutcome {
  const verdicts: ContractVerdict[] = [];
  const findings: Finding[] = [];
  for (const { contract, flow, step } of homes) {
    const link = step.links.find((l) => l.codebase === contract.codebase && l.symbol === contract.symbol);
    if (!hintMatches(link?.file, edit.rel)) continue;
    const before = side.before ? checkContractBody(contract.check, side.before.body, side.before.fn.nameLine + 1, expandBefore) : undefined;
    const after = side.after ? checkContractBody(contract.check, side.after.body, side.after.fn.nameLine + 1, expandAfter) : undefined;
    const b = before?.status ?? 'absent';
    const a = after?.status ?? 'absent';
    const delta = b === 'kept' && a === 'broken' ? 'new' : b === 'broken' && a === 'kept' ? 'fixed' : b === 'absent' || a === 'absent' ? 'absent' : 'unchanged';
    verdicts.push({ contract: contract.id, flow: flow.id, step: step.id, function: side.touched.name, before: b, after: a, delta });
    const head = {
      function: side.touched.name,
      file: edit.rel,
      rule: contract.id,
      codebase: edit.codebase,
      flow: flow.id,
      step: step.id,
      ruleText: contract.text,
      ruleSource: contract.source,
    };
    if (delta === 'new' && before && after && !side.touched.cosmetic) {
      const c = clause(contract, before, after, edit, side);
      const sup = suppression(edit, side, contract.id);
      findings.push({
        ...head,
        severity: contract.check.kind === 'mentions' ? 'warning' : 'error',
        line: c.line,
        message: `${contract.text}: no longer holds — ${c.text}`,
        baseline: 'new',
        ...(c.site ? { site: { file: edit.rel, line: c.site } } : {}),
        ...(sup ? { suppressed: { file: edit.rel, line: sup } } : {}),
      });
    } else if (b === 'broken' && a === 'broken') {
      findings.push({
        ...head,
        severity: 'info',
        line: side.touched.lines[0] ?? (side.after ? side.after.fn.nameLine + 1 : 1),
        message: `${contract.text}: already broken before this patch (${before!.evidence.summary}); not caused by it`,
        baseline: 'unchanged',
      });
    } else if (b === 'kept' && a === 'absent') {
      findings.push({
        ...head,
        severity: 'warning',
        line: edit.toPost(side.before!.fn.nameLine + 1),
        message: `${contract.text}: the patch removes ${side.touched.name}, which kept this contract; step ${step.id} of ${flow.id} loses its implementation here`,
        baseline: 'absent',
        site: { file: edit.rel, line: side.before!.fn.nameLine + 1 },
      });
    }
  }
  return { verdicts, findings };
}
