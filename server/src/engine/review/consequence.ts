// What a broken contract does to an interrupt, shown by the models' simulator: a built-in scenario that runs through
// the step (or, when none does, a run generated from the step with the flow's defaults) is run as modelled and again
// with the step cut short — it still changes its state but no longer hands the interrupt on, which is what losing the
// removed call or order means to the path — and the difference in outcome is said in one sentence.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { diffStates, Flow, OutcomeEvent, runScenario, simulate, Step, StepResult, Trace } from '@irqlens/models';
import { builtinScenarioDir } from '../packageRoot';
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

/** The flow with one step cut short: its state changes stay, its hand-on does not. */
function cutFlow(flow: Flow<unknown>, stepId: string): Flow<unknown> {
  const steps = flow.steps.map((s): Step<unknown> => {
    if (s.id !== stepId) return s;
    return {
      ...s,
      run(ctx): StepResult {
        const r = s.run(ctx);
        return { ...r, branch: `${r.branch} (cut short)`, next: null };
      },
    };
  });
  return { ...flow, steps };
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

/** One sentence comparing the modelled run with the cut one, or undefined when the outcome is the same. */
function compare(orig: Trace, cut: Trace, stepId: string, where: string): string | undefined {
  const gone = minus(orig.outcome, cut.outcome).filter((e) => e.kind === 'delivered' || e.kind === 'woken');
  const extra = minus(cut.outcome, orig.outcome).filter((e) => e.kind === 'pending' || e.kind === 'lost' || e.kind === 'dropped');
  const state = diffStates(orig.finalState, cut.finalState).slice(0, 2);
  if (gone.length === 0 && extra.length === 0 && state.length === 0) return undefined;
  const parts: string[] = [];
  for (const e of gone.slice(0, 2)) {
    parts.push(`${e.what ?? 'the interrupt'} is never ${e.kind === 'woken' ? 'woken' : 'delivered'}${e.target ? ` to ${e.target}` : ''}${e.handler ? ` (${e.handler} does not run)` : ''}`);
  }
  for (const e of extra.slice(0, 1)) parts.push(`${e.what ?? 'it'} is left ${e.kind === 'pending' ? 'pending' : e.kind}${e.target ? ` on ${e.target}` : ''}`);
  if (state.length) parts.push(`${state.map((c) => `${c.path} ends ${show(c.after)} instead of ${show(c.before)}`).join(', ')}`);
  return `With ${stepId} no longer handing on (${where}), ${[...new Set(parts)].join('; ')}.`;
}

/** Simulates the consequence of breaking a contract of `stepId` in `flow`; undefined when no run shows one. */
export function simulateConsequence(flows: readonly Flow<unknown>[], flowId: string, stepId: string): Consequence | undefined {
  const flow = flows.find((f) => f.id === flowId);
  if (!flow || !flow.steps.some((s) => s.id === stepId)) return undefined;
  const cut = cutFlow(flow, stepId);
  const cutFlows = flows.map((f) => (f.id === flowId ? cut : f));
  // Scenarios written about this step (their expectations name it) first: they show what the rule is for.
  const about = (s: RawScenario) => (s.expect ?? []).some((e) => e.step === stepId || e.neverStep === stepId);
  const candidates = builtinScenarios().filter((s) => s.flow === flowId);
  for (const sc of [...candidates.filter(about), ...candidates.filter((s) => !about(s))]) {
    try {
      const orig = runScenario(flows, sc);
      if (!passes(orig.trace, stepId)) continue;
      const sentence = compare(orig.trace, runScenario(cutFlows, sc).trace, stepId, `scenario ${sc.name}`);
      if (sentence) return { scenario: sc.name, flow: flowId, sentence };
    } catch {
      // A scenario the cut step cannot run through (its checks fail) shows nothing: try the next.
    }
  }
  try {
    const orig = simulate(flow, { from: stepId });
    const sentence = compare(orig, simulate(cut, { from: stepId }), stepId, `a run of ${flowId} from ${stepId} with the defaults`);
    if (sentence) return { scenario: `generated:${flowId}/${stepId}`, flow: flowId, sentence };
  } catch {
    // The step needs parameters its flow cannot default: no generated run.
  }
  return undefined;
}
