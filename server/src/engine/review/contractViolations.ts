// How the code behaves once a contract is broken, as a change to the step that implements it, so the simulator can
// run the broken behaviour next to the kept one. Three shapes cover the contracts:
// - the hand-on is lost: a required call is gone, and that call was what passed the interrupt on (a re-delivery, an
//   EOI broadcast, a kick); the step still changes its own state; or, when the missing call is a step of its own
//   that the chain merely passes, that step does nothing and the chain goes on past it;
// - a test is skipped: the step no longer reads one bit (a mask test removed), so it acts as if the bit were clear;
// - a write comes after the hand-on: the order broke, so what the step hands on runs before the step's write to a
//   field (or to all its state) lands — the consumer looks before the producer wrote.
// Contracts whose broken form is not the default of their check kind are listed by id.

import { Contract, deepClone, diffStates, Flow, getPath, setPath, Step, StepContext, StepResult } from '@irqlens/models';

export type Violation =
  | { kind: 'handOnLost' }
  /** The missing call is a step of its own that the chain passes: it does nothing, the chain goes on past it. */
  | { kind: 'stepSkipped'; step: string }
  | { kind: 'testSkipped'; field: string; param: string }
  | { kind: 'writeAfterHandOn'; field?: string };

/** Contracts whose break is not the default of their kind. */
const BY_CONTRACT: Record<string, Violation> = {
  // The mask test before the selector bit (XR9): a masked port is handled as if unmasked.
  'X1.6-mask-test': { kind: 'testSkipped', field: 'evtchn_mask', param: 'port' },
  // The PIR bit set after the notification (QR19): ON is set and the notification sent before the vector is in PIR.
  'Q4.1-pir-before-on': { kind: 'writeAfterHandOn', field: 'pir' },
  // Without evtchn_check_pollers (XR12) the event still goes on to the upcall; only the pollers are not woken.
  'X1.6-pollers': { kind: 'stepSkipped', step: 'X1.7' },
};

export function violationOf(contract: Contract): Violation | undefined {
  const listed = BY_CONTRACT[contract.id];
  if (listed) return listed;
  switch (contract.check.kind) {
    case 'calls':
    case 'mentions':
      return { kind: 'handOnLost' };
    case 'callOrder':
      return { kind: 'writeAfterHandOn' };
    default:
      // An added call (doesNotCall) does something the model has no step for: no simulation claims a consequence.
      return undefined;
  }
}

/** The broken behaviour in words, for the sentence ("without the call to X", "if X comes after Y"). */
export function violationText(contract: Contract, v: Violation): string {
  const c = contract.check;
  if (v.kind === 'testSkipped') return `without the test of ${v.field}[${v.param}]`;
  if (v.kind === 'stepSkipped' && (c.kind === 'calls' || c.kind === 'mentions')) return `without the call to ${c.anyOf[0]}`;
  if (v.kind === 'writeAfterHandOn' && c.kind === 'callOrder') return `with ${c.first[0]} after ${c.then[0]}`;
  if (v.kind === 'writeAfterHandOn') return `with ${contract.symbol}'s writes landing after the hand-on`;
  if (c.kind === 'calls' || c.kind === 'mentions') return `without ${c.kind === 'calls' ? 'the call to' : 'the use of'} ${c.anyOf[0]}`;
  return `with ${contract.id} broken`;
}

type Json = Parameters<typeof getPath>[0];

/** Marks the branch of a step that behaved as broken code (the run shows where the violation took effect). */
export const BROKEN = ' (as broken)';

/** Dotted paths of every array named `field` in the state. */
function fieldPaths(state: unknown, field: string, prefix = ''): string[] {
  if (state === null || typeof state !== 'object') return [];
  const out: string[] = [];
  for (const [k, v] of Object.entries(state as Record<string, unknown>)) {
    const p = prefix ? `${prefix}.${k}` : k;
    if (k === field && Array.isArray(v)) out.push(p);
    else out.push(...fieldPaths(v, field, p));
  }
  return out;
}

const addSorted = (set: number[], x: number) => {
  if (!set.includes(x)) {
    set.push(x);
    set.sort((a, b) => a - b);
  }
};

/**
 * The flow with `stepId` behaving as `v` says. Late writes land when the chain the step handed on has ended, and with it
 * every piece of work handed to another context on the way (a notification IPI, a kick): the consumer that work runs
 * looks before the producer wrote.
 */
export function breakFlow(flow: Flow<unknown>, stepId: string, v: Violation): Flow<unknown> {
  let late: ((state: unknown) => void) | undefined;
  // Chains still running since the late write was held back: the step's own, plus one per hand-off since.
  let open = 0;
  const land = (state: unknown, r: StepResult) => {
    if (!late) return r;
    open += r.handOff?.length ?? 0;
    if (r.next === null && !r.deferTo && --open <= 0) {
      const apply = late;
      late = undefined;
      apply(state);
    }
    return r;
  };
  const steps = flow.steps.map((s): Step<unknown> => {
    if (v.kind === 'stepSkipped' && s.id === v.step) {
      // Run on a copy for its hand-on only: no state change, no outcome.
      return { ...s, run: (ctx) => land(ctx.state, { ...s.run({ ...ctx, state: deepClone(ctx.state), emit: () => undefined }), branch: `skipped${BROKEN}` }) };
    }
    if (s.id !== stepId || v.kind === 'stepSkipped') return { ...s, run: (ctx) => land(ctx.state, s.run(ctx)) };
    return { ...s, run: (ctx) => land(ctx.state, brokenRun(s, ctx, v as Exclude<Violation, { kind: 'stepSkipped' }>, (f) => {
      late = f;
      open = 1;
    })) };
  });
  return { ...flow, steps };
}

function brokenRun(s: Step<unknown>, ctx: StepContext<unknown>, v: Exclude<Violation, { kind: 'stepSkipped' }>, setLate: (f: (state: unknown) => void) => void): StepResult {
  const state = ctx.state as Json;
  if (v.kind === 'handOnLost') {
    const r = s.run(ctx);
    return r.next === null ? r : { ...r, branch: `${r.branch}${BROKEN}`, next: null, deferTo: undefined };
  }
  if (v.kind === 'testSkipped') {
    const bit = ctx.params[v.param];
    const hidden: number[][] = [];
    if (typeof bit === 'number') {
      for (const p of fieldPaths(state, v.field)) {
        const set = getPath(state, p) as number[];
        const at = set.indexOf(bit);
        if (at >= 0) {
          set.splice(at, 1);
          hidden.push(set);
        }
      }
    }
    const r = s.run(ctx);
    // The bit is still set in memory: only the step did not look at it.
    for (const set of hidden) addSorted(set, bit as number);
    return hidden.length ? { ...r, branch: `${r.branch}${BROKEN}` } : r;
  }
  if (v.field) {
    const paths = fieldPaths(state, v.field);
    const before = paths.map((p) => [...(getPath(state, p) as number[])]);
    const r = s.run(ctx);
    const added = paths.map((p, i) => {
      const set = getPath(state, p) as number[];
      const extra = set.filter((x) => !before[i].includes(x));
      set.splice(0, set.length, ...set.filter((x) => !extra.includes(x)));
      return extra;
    });
    if (!added.some((a) => a.length)) return r;
    setLate((st) => paths.forEach((p, i) => added[i].forEach((x) => addSorted(getPath(st as Json, p) as number[], x))));
    return { ...r, branch: `${r.branch}${BROKEN}` };
  }
  const snapshot = deepClone(state);
  const r = s.run(ctx);
  // Fields the step added or removed cannot be put back by path: those changes stay where they are.
  const changes = diffStates(snapshot, state).filter((c) => c.before !== undefined && c.after !== undefined && c.path !== '(state)');
  for (const c of changes) trySet(state, c.path, c.before);
  if (!changes.length || r.next === null) return r;
  setLate((st) => changes.forEach((c) => trySet(st as Json, c.path, c.after)));
  return { ...r, branch: `${r.branch}${BROKEN}` };
}

function trySet(state: Json, path: string, value: unknown): void {
  try {
    setPath(state, path, deepClone(value) as Json);
  } catch {
    // The chain reshaped that part of the state (a list grew): the late write has nowhere to land.
  }
}
