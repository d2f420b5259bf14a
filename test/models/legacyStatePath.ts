// A frozen copy of the state diff and copy the simulator used before they were made faster (statePath.ts): the
// reference the new ones must equal, on every value (statePathEquivalence.test.ts).

import { StateChange } from '../../models/src/index';

type Json = unknown;

function isObject(v: Json): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isLeafArray(v: Json): boolean {
  return Array.isArray(v) && v.every((x) => x === null || typeof x !== 'object');
}

export function legacyDeepClone<T>(v: T): T {
  // A field added or removed by a step diffs against `undefined`, which JSON cannot round-trip.
  if (v === undefined || v === null || typeof v !== 'object') return (typeof v === 'number' && !Number.isFinite(v) ? null : v) as T;
  return JSON.parse(JSON.stringify(v)) as T;
}

/** A copy of a state value taken before a write: lists of plain values are sliced, structures copied through JSON. */
function snapshot<T>(v: T): T {
  if (Array.isArray(v) && isLeafArray(v)) return v.slice() as T;
  return legacyDeepClone(v);
}

/** A plain value as JSON writes it inside a list (undefined and non-finite numbers become null). */
function asJsonItem(x: Json): Json {
  return x === undefined || (typeof x === 'number' && !Number.isFinite(x)) ? null : x;
}

/** Equal as JSON text; lists of plain values (bit sets, the handled log) are compared without building the text. */
function sameValue(a: Json, b: Json): boolean {
  if (a === b && (typeof a !== 'number' || Number.isFinite(a))) return true;
  if (Array.isArray(a) && Array.isArray(b) && isLeafArray(a) && isLeafArray(b)) {
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (asJsonItem(a[i]) !== asJsonItem(b[i])) return false;
    return true;
  }
  return JSON.stringify(a) === JSON.stringify(b);
}

/** A list this long that only grew at its end is a log (the handled ports): name the new slots, not the whole list. */
const LOG_LIST_MIN = 16;

/** Leaf-level differences between two states; bit-set arrays are compared as whole values. */
export function legacyDiffStates(before: Json, after: Json, prefix = ''): StateChange[] {
  if (sameValue(before, after)) return [];
  if (isObject(before) && isObject(after)) {
    const out: StateChange[] = [];
    const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
    for (const k of keys) out.push(...legacyDiffStates(before[k], after[k], prefix ? `${prefix}.${k}` : k));
    return out;
  }
  if (Array.isArray(before) && Array.isArray(after) && !(isLeafArray(before) && isLeafArray(after)) && before.length === after.length) {
    const out: StateChange[] = [];
    for (let i = 0; i < before.length; i++) out.push(...legacyDiffStates(before[i], after[i], prefix ? `${prefix}.${i}` : String(i)));
    return out;
  }
  // A long list that grew by an item or two at its end (a log): the new slots, so a step's record stays small.
  if (Array.isArray(before) && Array.isArray(after) && isLeafArray(before) && isLeafArray(after) && before.length >= LOG_LIST_MIN
    && after.length > before.length && after.length - before.length <= 2 && before.every((x, i) => sameValue(x, after[i]))) {
    return after.slice(before.length).map((x, j) => ({ path: `${prefix}.${before.length + j}`, before: undefined, after: legacyDeepClone(x) }));
  }
  // Per-index counters and tables (irq_eoi[24], irq_count[8]): name the slots that changed, not the whole row.
  if (Array.isArray(before) && Array.isArray(after) && before.length === after.length && before.length > 4) {
    const changed = before.map((_, i) => i).filter((i) => !sameValue(before[i], after[i]));
    if (changed.length <= 2) return changed.map((i) => ({ path: `${prefix}.${i}`, before: legacyDeepClone(before[i]), after: legacyDeepClone(after[i]) }));
  }
  return [{ path: prefix || '(state)', before: snapshot(before), after: snapshot(after) }];
}
