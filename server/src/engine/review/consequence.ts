// What a broken contract does to an interrupt, shown by the models' simulator: a built-in scenario that runs through
// the step (or, when none does, a run generated from the step with the flow's defaults) is run as modelled and again
// with the step behaving as the broken code does (contractViolations.ts: its hand-on lost, a test skipped, a write
// landing after the hand-on), and the difference — what is lost, what is delivered that should not be, what stays
// stuck — is said in one sentence.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { Contract, diffStates, Flow, OutcomeEvent, runScenario, simulate, Trace } from '@irqlens/models';
import { builtinScenarioDir } from '../packageRoot';
import { BROKEN, breakFlow, violationOf, violationText } from './contractViolations';
import { Consequence } from './types';

interface RawScenario {
  name: string;
  flow: string;
  expect?: { step?: string; neverStep?: string }[];
}

let scenarioCache: RawScenario[] | undefined;

function builtinScenarios(): RawScenario[] {
  if (scenarioCache) return scenarioCache;
  const out: RawScenario[] = [];
  try {
    const dir = builtinScenarioDir();
    for (const f of fs.readdirSync(dir).sort()) {
      if (!f.endsWith('.json') || f.endsWith('.schema.json')) continue;
      try {
        out.push(JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as RawScenario);
      } catch {
        // A broken scenario file is the scenarios command's to report; review just does without it.
      }
    }
  } catch {
    // No scenario folder next to the package (a stripped install): generated runs only.
  }
  return (scenarioCache = out);
}

const key = (e: OutcomeEvent) => `${e.kind}|${e.target ?? ''}|${e.what ?? ''}|${e.handler ?? ''}`;

function minus(a: OutcomeEvent[], b: OutcomeEvent[]): OutcomeEvent[] {
  const left = new Map<string, number>();
  for (const e of b) left.set(key(e), (left.get(key(e)) ?? 0) + 1);
  return a.filter((e) => {
    const n = left.get(key(e)) ?? 0;
    if (n > 0) {
      left.set(key(e), n - 1);
      return false;
    }
    return true;
  });
}

function passes(trace: Trace, stepId: string): boolean {
  return trace.steps.some((s) => s.step === stepId);
}

const show = (v: unknown) => (Array.isArray(v) ? `[${v.join(',')}]` : JSON.stringify(v));

const titled = (t: Trace, id: string) => `${id} ${t.steps.find((x) => x.step === id)?.title ?? ''}`.trim();

/**
 * What the broken run loses, does too early or leaves stuck against the kept one, as clauses (most telling first), and
 * a score to pick the scenario that shows most; no clause when the runs end alike.
 */
function difference(kept: Trace, broken: Trace, stepId: string): { parts: string[]; score: number } {
  const lost = minus(kept.outcome, broken.outcome).filter((e) => e.kind === 'delivered' || e.kind === 'woken');
  const gained = minus(broken.outcome, kept.outcome).filter((e) => e.kind === 'delivered' || e.kind === 'woken');
  const stuck = minus(broken.outcome, kept.outcome).filter((e) => e.kind === 'pending' || e.kind === 'lost' || e.kind === 'dropped');
  const keptSteps = new Set(kept.steps.map((x) => x.step));
  const brokenSteps = new Set(broken.steps.map((x) => x.step));
  const extra = [...brokenSteps].filter((x) => !keptSteps.has(x));
  const missing = [...keptSteps].filter((x) => !brokenSteps.has(x));
  const parts: string[] = [];
  for (const e of lost.slice(0, 2)) {
    if (e.kind === 'woken') parts.push(`${e.target ?? 'the vCPU'} is never woken${e.what ? ` by ${e.what}` : ''}${e.handler ? ` (${e.handler} does not run)` : ''}`);
    else parts.push(`${e.what ?? 'the interrupt'} is never delivered${e.target ? ` to ${e.target}` : ''}${e.handler ? ` (${e.handler} does not run)` : ''}`);
  }
  for (const e of gained.slice(0, 1)) {
    if (e.kind === 'woken') parts.push(`${e.target ?? 'the vCPU'} is woken ${e.what ? `by ${e.what} ` : ''}only as ${e.detail}`);
    else parts.push(`${e.what ?? 'an interrupt'} is delivered${e.target ? ` to ${e.target}` : ''} where the kept contract holds it back`);
  }
  const keptBranch = kept.steps.find((x) => x.step === stepId)?.branch;
  const brokenBranch = broken.steps.find((x) => x.step === stepId)?.branch.replace(BROKEN, '');
  if (extra.length) {
    const branch = keptBranch && brokenBranch && keptBranch !== brokenBranch ? `${stepId} takes ${brokenBranch} instead of ${keptBranch} and ` : '';
    parts.push(`${branch}the run goes on through ${extra.slice(0, 3).map((x) => titled(broken, x)).join(', ')}, which the kept run never reaches`);
  }
  if (missing.length && !lost.length) parts.push(`${missing.slice(0, 3).map((x) => titled(kept, x)).join(', ')} never run${missing.length === 1 ? 's' : ''}`);
  for (const e of stuck.slice(0, 1)) parts.push(`${e.what ?? 'the interrupt'} is left ${e.kind}${e.target ? ` on ${e.target}` : ''} (${e.detail})`);
  const state = diffStates(kept.finalState, broken.finalState).slice(0, 2);
  if (state.length) parts.push(`${state.map((c) => `${c.path} ends ${show(c.after)} (${show(c.before)} with the contract kept)`).join(', ')}`);
  const score = 3 * Number(lost.length > 0) + 3 * Number(gained.length > 0) + 2 * Number(extra.length > 0 || missing.length > 0) + Number(stuck.length > 0) + Number(state.length > 0);
  return { parts: [...new Set(parts)].slice(0, 3), score };
}

/**
 * Simulates the consequence of breaking `contract` (of `stepId` in `flow`): the first built-in scenario of the flow
 * (those written about the step first) whose run through the step ends differently once the step behaves as the
 * broken code does, else a run generated from the step with the flow's defaults. Undefined when no run shows one.
 */
export function simulateConsequence(flows: readonly Flow<unknown>[], flowId: string, stepId: string, contract: Contract): Consequence | undefined {
  const flow = flows.find((f) => f.id === flowId);
  if (!flow || !flow.steps.some((s) => s.id === stepId)) return undefined;
  const v = violationOf(contract);
  if (!v) return undefined;
  const broken = () => flows.map((f) => (f.id === flowId ? breakFlow(flow, stepId, v) : f));
  const how = violationText(contract, v);
  const sentence = (where: string, parts: string[]) => `${where}, ${how} in ${contract.symbol}: ${parts.join('; ')}.`;
  // Scenarios written about this step (their expectations name it) first: they show what the rule is for.
  const about = (s: RawScenario) => (s.expect ?? []).some((e) => e.step === stepId || e.neverStep === stepId);
  const candidates = builtinScenarios().filter((s) => s.flow === flowId);
  // The run that shows most: a delivery lost or gained over an interrupt left pending over a state that ends apart.
  let best: { score: number; c: Consequence } | undefined;
  for (const sc of [...candidates.filter(about), ...candidates.filter((s) => !about(s))]) {
    try {
      const kept = runScenario(flows, sc);
      if (!passes(kept.trace, stepId)) continue;
      const run = runScenario(broken(), sc).trace;
      if (!run.steps.some((x) => x.branch.endsWith(BROKEN))) continue;
      const d = difference(kept.trace, run, stepId);
      if (d.parts.length && (!best || d.score > best.score)) best = { score: d.score, c: { scenario: sc.name, flow: flowId, sentence: sentence(`In scenario ${sc.name}`, d.parts) } };
      if (best && best.score >= 5) break;
    } catch {
      // A scenario the broken step cannot run through (a model check fails) shows nothing: try the next.
    }
  }
  if (best) return best.c;
  try {
    const kept = simulate(flow, { from: stepId });
    const { parts } = difference(kept, simulate(broken().find((f) => f.id === flowId)!, { from: stepId }), stepId);
    if (parts.length) return { scenario: `generated:${flowId}/${stepId}`, flow: flowId, sentence: sentence(`In a run of ${flowId} from ${stepId} with the defaults`, parts) };
  } catch {
    // The step needs parameters its flow cannot default: no generated run.
  }
  return undefined;
}
