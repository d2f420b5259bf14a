// Dotted state paths (`lapic.0.irr`, `evtchn.5.notify_vcpu_id`): read, write, diff.
// Used by `--set path=value`, by scenario expectations and by the trace's before → after records.

import { ModelError, StateChange } from './types';

type Json = unknown;

function isObject(v: Json): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Arrays of primitives are values (bit sets such as IRR are sorted number arrays), not containers. */
function isLeafArray(v: Json): boolean {
  if (!Array.isArray(v)) return false;
  // A loop, not `every` with a callback (a hot path); a hole reads as undefined, a leaf, as `every` skips it.
  for (let i = 0; i < v.length; i++) {
    const x = v[i] as Json;
    if (x !== null && typeof x === 'object') return false;
  }
  return true;
}

export function splitPath(path: string): string[] {
  if (!/^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$/.test(path)) {
    throw new ModelError(`bad state path "${path}": use dotted names and indices, e.g. lapic.0.irr`, path);
  }
  return path.split('.');
}

export function getPath(state: Json, path: string): Json {
  let cur: Json = state;
  const parts = splitPath(path);
  for (let i = 0; i < parts.length; i++) {
    const key = parts[i];
    if (Array.isArray(cur)) {
      const idx = Number(key);
      if (!Number.isInteger(idx) || idx < 0 || idx >= cur.length) {
        throw new ModelError(`state path "${path}": index ${key} is outside ${parts.slice(0, i).join('.') || 'state'} (0..${cur.length - 1})`, path);
      }
      cur = cur[idx];
    } else if (isObject(cur)) {
      if (!(key in cur)) {
        const known = Object.keys(cur).join(', ');
        throw new ModelError(`state path "${path}": no field "${key}" in ${parts.slice(0, i).join('.') || 'state'} (fields: ${known})`, path);
      }
      cur = cur[key];
    } else {
      throw new ModelError(`state path "${path}": ${parts.slice(0, i).join('.')} is a value, not a structure`, path);
    }
  }
  return cur;
}

/** Parse a command-line value for the type of the field it replaces. */
export function parseValueFor(existing: Json, raw: string, path: string): Json {
  if (typeof existing === 'number') {
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(n)) throw new ModelError(`state path "${path}" holds a number; "${raw}" is not one`, path);
    return n;
  }
  if (typeof existing === 'boolean') {
    if (raw === 'true' || raw === '1') return true;
    if (raw === 'false' || raw === '0') return false;
    throw new ModelError(`state path "${path}" holds a boolean; use true or false, not "${raw}"`, path);
  }
  if (typeof existing === 'string') return raw;
  if (Array.isArray(existing) || existing === null) {
    // Bit sets and lists: `48,49` or `[48,49]` or `` (empty).
    const body = raw.trim().replace(/^\[|\]$/g, '').trim();
    if (body === '') return [];
    // Lists of names (KVM requests, CPU interrupt_request flags) take strings; bit sets take numbers.
    const holdsStrings = Array.isArray(existing) && existing.some((x) => typeof x === 'string');
    return body.split(',').map((s) => {
      const item = s.trim();
      const n = Number(item);
      if (Number.isFinite(n) && item !== '' && !holdsStrings) return n;
      if (holdsStrings || (Array.isArray(existing) && existing.length === 0 && /^[A-Za-z_][A-Za-z0-9_]*$/.test(item))) return item;
      throw new ModelError(`state path "${path}" holds a list of numbers; "${item}" is not a number`, path);
    });
  }
  try {
    return JSON.parse(raw) as Json;
  } catch {
    throw new ModelError(`state path "${path}" holds a structure; give it as JSON`, path);
  }
}

/** Set a value on an existing path; the type must match what is there. */
export function setPath(state: Json, path: string, value: Json): void {
  const parts = splitPath(path);
  const parentPath = parts.slice(0, -1).join('.');
  const parent = parentPath ? getPath(state, parentPath) : state;
  const key = parts[parts.length - 1];
  const existing = getPath(state, path);
  const sameKind =
    (Array.isArray(existing) && Array.isArray(value)) ||
    (!Array.isArray(existing) && !Array.isArray(value) && typeof existing === typeof value) ||
    existing === null;
  if (!sameKind) {
    throw new ModelError(`state path "${path}" holds ${describe(existing)}; got ${describe(value)}`, path);
  }
  // A structure replaces a structure only whole and of the same shape: `{}` for a domain, or a vCPU without its
  // fields, would leave the model running on a half-empty state.
  const bad = shapeMismatch(existing, value, path);
  if (bad) throw new ModelError(bad, path);
  if (Array.isArray(parent)) parent[Number(key)] = value;
  else (parent as Record<string, Json>)[key] = value;
}

/** Why `value` cannot replace `existing` (a missing or unknown field, a different type, deep down), or undefined. */
function shapeMismatch(existing: Json, value: Json, path: string): string | undefined {
  // Iterative: a hostile value may nest thousands of levels deep.
  const work: [Json, Json, string][] = [[existing, value, path]];
  while (work.length) {
    const [e, v, p] = work.pop()!;
    if (e === null || e === undefined) continue;
    if (Array.isArray(e)) {
      if (!Array.isArray(v)) return `state path "${p}" holds a list; got ${describe(v)}`;
      const model = e[0];
      if (model !== undefined) v.forEach((x, i) => work.push([e[i] ?? model, x, `${p}.${i}`]));
      continue;
    }
    if (isObject(e)) {
      if (!isObject(v)) return `state path "${p}" holds a structure; got ${describe(v)}`;
      for (const k of Object.keys(e)) if (!(k in v)) return `state path "${p}": the structure lacks field "${k}" (give every field: ${Object.keys(e).join(', ')})`;
      for (const k of Object.keys(v)) if (!(k in e)) return `state path "${p}": no field "${k}" here (fields: ${Object.keys(e).join(', ')})`;
      for (const k of Object.keys(e)) work.push([e[k], v[k], `${p}.${k}`]);
      continue;
    }
    if (v === null || Array.isArray(v) || typeof v !== typeof e) return `state path "${p}" holds ${describe(e)}; got ${describe(v)}`;
  }
  return undefined;
}

function describe(v: Json): string {
  if (Array.isArray(v)) return 'a list';
  if (v === null) return 'null';
  return `a ${typeof v}`;
}

/** Marks a value a direct copy cannot treat as JSON would (a class instance, toJSON, a function, `__proto__` …). */
const NOT_PLAIN = Symbol('not plain data');

/**
 * The copy a JSON round trip makes of plain data (undefined fields dropped, undefined list items and non-finite
 * numbers null, −0 as 0), without writing the text; NOT_PLAIN for anything else.
 */
function jsonCopy(v: Json, inList: boolean, depth: number): Json {
  if (typeof v === 'number') return Number.isFinite(v) ? (v === 0 ? 0 : v) : null;
  if (typeof v === 'string' || typeof v === 'boolean' || v === null) return v;
  if (v === undefined) return inList ? null : undefined;
  if (typeof v !== 'object' || depth > 200) return NOT_PLAIN;
  const proto = Object.getPrototypeOf(v) as unknown;
  if (Array.isArray(v)) {
    if (proto !== Array.prototype) return NOT_PLAIN;
    // A slice, not `new Array(n)`: an array literal or constructor site remembers the kinds of item it saw, and each
    // new kind (numbers, then strings, then structures) threw away the optimized code of every caller.
    const out = v.slice() as Json[];
    for (let i = 0; i < v.length; i++) {
      const x = jsonCopy(v[i], true, depth + 1);
      if (x === NOT_PLAIN) return NOT_PLAIN;
      out[i] = x;
    }
    return out;
  }
  if ((proto !== Object.prototype && proto !== null) || typeof (v as { toJSON?: unknown }).toJSON === 'function') return NOT_PLAIN;
  const out: Record<string, Json> = {};
  for (const k of Object.keys(v)) {
    if (k === '__proto__') return NOT_PLAIN;
    const x = jsonCopy((v as Record<string, Json>)[k], false, depth + 1);
    if (x === NOT_PLAIN) return NOT_PLAIN;
    if (x !== undefined) out[k] = x;
  }
  return out;
}

export function deepClone<T>(v: T): T {
  // A field added or removed by a step diffs against `undefined`, which JSON cannot round-trip.
  if (v === undefined || v === null || typeof v !== 'object') return (typeof v === 'number' && !Number.isFinite(v) ? null : v) as T;
  // Plain data (every model state) is copied directly; anything else takes the JSON round trip.
  const copy = jsonCopy(v, false, 0);
  return (copy !== NOT_PLAIN ? copy : JSON.parse(JSON.stringify(v))) as T;
}

/** A copy of a state value taken before a write: lists of plain values are sliced, structures copied through JSON. */
export function snapshot<T>(v: T): T {
  if (Array.isArray(v) && isLeafArray(v)) return v.slice() as T;
  return deepClone(v);
}

/** A plain value as JSON writes it inside a list (undefined and non-finite numbers become null). */
function asJsonItem(x: Json): Json {
  return x === undefined || (typeof x === 'number' && !Number.isFinite(x)) ? null : x;
}

/** Equal as JSON text; lists of plain values (bit sets, the handled log) are compared without building the text. */
function sameValue(a: Json, b: Json): boolean {
  if (a === b && (typeof a !== 'number' || Number.isFinite(a))) return true;
  if (Array.isArray(a) && Array.isArray(b) && isLeafArray(a) && isLeafArray(b)) return sameLeaves(a, b);
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Two lists of plain values equal as JSON text. */
function sameLeaves(a: Json[], b: Json[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (asJsonItem(a[i]) !== asJsonItem(b[i])) return false;
  return true;
}

/** A list this long that only grew at its end is a log (the handled ports): name the new slots, not the whole list. */
export const LOG_LIST_MIN = 16;

/** Leaf-level differences between two states; bit-set arrays are compared as whole values. */
export function diffStates(before: Json, after: Json, prefix = ''): StateChange[] {
  const out: StateChange[] = [];
  diffStatesInto(before, after, prefix, out);
  return out;
}

/**
 * `diffStates`, appending to `out`. Two structures are walked key by key (their keys in order, then the keys only the
 * second has) without first comparing their JSON texts: equal texts walk to no change anyway, so the result is the same.
 */
/** The same value on both sides, which diffStatesInto skips at once (the test it starts with). */
function unchanged(before: Json, after: Json): boolean {
  return before === after && (typeof before !== 'number' || Number.isFinite(before));
}

/**
 * `prefix.key`, one string per path: a run names the same few state paths in thousands of changes, which the trace
 * keeps. Bounded: emptied when it holds PATHS_MAX paths.
 */
const paths = new Map<string, Map<string, string>>();
let pathCount = 0;
const PATHS_MAX = 1 << 14;

function childPath(prefix: string, key: string): string {
  if (prefix === '') return key;
  let byKey = paths.get(prefix);
  if (byKey === undefined) {
    if (pathCount >= PATHS_MAX) {
      paths.clear();
      pathCount = 0;
    }
    paths.set(prefix, (byKey = new Map()));
  }
  let path = byKey.get(key);
  if (path === undefined) {
    byKey.set(key, (path = `${prefix}.${key}`));
    pathCount++;
  }
  return path;
}

export function diffStatesInto(before: Json, after: Json, prefix: string, out: StateChange[]): void {
  if (unchanged(before, after)) return;
  const bo = typeof before === 'object' && before !== null;
  const ao = typeof after === 'object' && after !== null;
  if (!bo && !ao) {
    // Two plain values: equal when their JSON texts are.
    if (jsonText(before) === jsonText(after)) return;
    out.push({ path: prefix || '(state)', before: snapshot(before), after: snapshot(after) });
    return;
  }
  if (bo && ao && !Array.isArray(before) && !Array.isArray(after)) {
    const b = before as Record<string, Json>;
    const a = after as Record<string, Json>;
    for (const k of Object.keys(b)) if (!unchanged(b[k], a[k])) diffStatesInto(b[k], a[k], childPath(prefix, k), out);
    for (const k of Object.keys(a)) if (!Object.prototype.hasOwnProperty.call(b, k)) diffStatesInto(undefined, a[k], childPath(prefix, k), out);
    return;
  }
  if (Array.isArray(before) && Array.isArray(after) && before.length === after.length && !(isLeafArray(before) && isLeafArray(after))) {
    // A slot undefined in one list and null in the other is equal inside list text only: then the lists' texts decide.
    if (hasNullSlotPair(before, after) && JSON.stringify(before) === JSON.stringify(after)) return;
    for (let i = 0; i < before.length; i++) if (!unchanged(before[i], after[i])) diffStatesInto(before[i], after[i], childPath(prefix, String(i)), out);
    return;
  }
  for (const c of diffLeaves(before, after, prefix)) out.push(c);
}

/** What JSON writes for a plain value, as a comparable value: nothing (undefined) for undefined and functions, null for non-finite numbers. */
function jsonText(x: Json): Json {
  if (typeof x === 'number') return Number.isFinite(x) ? x : null;
  return x === undefined || typeof x === 'function' || typeof x === 'symbol' ? undefined : x;
}

/** Some slot holds, in one list, a value JSON writes as nothing and, in the other, one it writes as null. */
function hasNullSlotPair(a: Json[], b: Json[]): boolean {
  for (let i = 0; i < a.length; i++) {
    const x = jsonText(a[i]);
    const y = jsonText(b[i]);
    if ((x === undefined && y === null) || (x === null && y === undefined)) return true;
  }
  return false;
}

/** The rest of `diffStates`: lists of plain values, lists that changed length, and values of different kinds. */
function diffLeaves(before: Json, after: Json, prefix: string): StateChange[] {
  const leaves = Array.isArray(before) && Array.isArray(after) && isLeafArray(before) && isLeafArray(after);
  // A long list that grew by an item or two at its end (a log): the new slots, so a step's record stays small. Lists
  // of different lengths are never equal, so this comes first; each log is walked once.
  if (leaves && before.length >= LOG_LIST_MIN && after.length > before.length && after.length - before.length <= 2) {
    let grew = true;
    for (let i = 0; i < before.length && grew; i++) grew = !(i in before) || jsonText(before[i]) === jsonText(after[i]); // `every` skips holes
    if (grew) return after.slice(before.length).map((x, j) => ({ path: `${prefix}.${before.length + j}`, before: undefined, after: deepClone(x) }));
  }
  if (leaves ? sameLeaves(before, after) : sameValue(before, after)) return [];
  // Per-index counters and tables (irq_eoi[24], irq_count[8]): name the slots that changed, not the whole row.
  if (Array.isArray(before) && Array.isArray(after) && before.length === after.length && before.length > 4) {
    // The slots that differ (holes are skipped, as map and filter skip them), counted up to three.
    const changed: number[] = [];
    for (let i = 0; i < before.length && changed.length <= 2; i++) if (i in before && !sameValue(before[i], after[i])) changed.push(i);
    if (changed.length <= 2) return changed.map((i) => ({ path: prefix === '' ? `.${i}` : childPath(prefix, String(i)), before: deepClone(before[i]), after: deepClone(after[i]) }));
  }
  return [{ path: prefix || '(state)', before: snapshot(before), after: snapshot(after) }];
}
