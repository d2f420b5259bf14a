// The model state after a step: every state path the trace touches, with the value it has after step `index`; the
// paths this step changed are highlighted with their before → after.
import type { TraceStepView } from '../../server/src/protocol/flowMessages';

export interface StateRow {
  path: string;
  value: unknown;
  /** Set when step `index` changed this path. */
  before?: unknown;
  changed: boolean;
}

export function stateAfter(steps: TraceStepView[], index: number): StateRow[] {
  const initial = new Map<string, unknown>();
  for (const s of steps) for (const c of s.changes) if (!initial.has(c.path)) initial.set(c.path, c.before);
  const value = new Map(initial);
  for (const s of steps.slice(0, index + 1)) for (const c of s.changes) value.set(c.path, c.after);
  const here = new Map((steps[index]?.changes ?? []).map((c) => [c.path, c.before] as const));
  return [...initial.keys()].map((path) => ({ path, value: value.get(path), before: here.get(path), changed: here.has(path) }));
}

export function show(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}
