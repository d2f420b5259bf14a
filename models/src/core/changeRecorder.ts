// Records a step's state changes as the step makes them, instead of cloning the whole state before each step and
// diffing it after (that made a run's cost grow with the state, and the state grows with the run: the handled log).
// Steps get a write-tracking view of the state: the first write under a path saves that subtree's old value. Lists
// of plain values (bit sets, counters, the handled log) are handed out as they are, since a view of a list would trap
// every `includes` and `sort`; the first read of one in a step keeps a copy, compared with the list at the end of the
// step. Only what was saved or copied is diffed, in the order a whole-state diff would list it, so the result is
// exactly `diffStates(before, after)` (the machine equivalence test compares the two on every scenario).

import { diffStatesInto, snapshot } from './statePath';
import { StateChange } from './types';

type Obj = Record<string | number, unknown>;

/** What a step that changed nothing records (most steps): one frozen list, not a new one per step. */
const NO_CHANGES = Object.freeze([]) as unknown as StateChange[];

interface Saved {
  path: string;
  parts: string[];
  before: unknown;
  /** The slot or view it was saved for (it caches the path's prefixes). */
  owner: ViewPlace;
}

/** A place in the state: its dotted path and its parts, worked out once. */
interface ViewPlace {
  path: string;
  parts: string[];
  /** The dotted paths of the proper prefixes of `parts`, for the enclosure test (built when first needed). */
  prefixes?: string[];
}

/** One key of one view, and what the last read or write there found. */
interface Slot extends ViewPlace {
  key: string;
  /** The structure last read here and its view (lists of plain values are handed out as they are, never cached). */
  target?: object;
  proxy?: object;
  /** The step in which a write here was last noted: a second write in the same step has nothing to save. */
  notedIn: number;
}

function isIndexKey(k: string): boolean {
  return /^(0|[1-9]\d*)$/.test(k);
}

function isPlainList(v: unknown): v is unknown[] {
  if (!Array.isArray(v)) return false;
  for (const x of v) if (x !== null && typeof x === 'object') return false;
  return true;
}

function prefixesOf(parts: string[]): string[] {
  // A slice of the parts (a list of strings already), not a literal `[]` that starts as a list of small integers: the
  // literal's site changing kind on its first string threw away the optimized code of every caller.
  const out = parts.slice(0, Math.max(0, parts.length - 1));
  let prefix = '';
  for (let i = 0; i < out.length; i++) {
    prefix = i === 0 ? parts[0] : `${prefix}.${parts[i]}`;
    out[i] = prefix;
  }
  return out;
}

/** The real object behind each view of every recorder (views are never stored into a state). */
const viewTargets = new WeakMap<object, object>();

/**
 * The state behind a step's view, for code that only reads it (parameter checks that run on every step): its reads
 * then cost no trap. Never write through it: writes made there are not recorded. Anything else is returned as is.
 */
export function readOnlyState<T>(state: T): T {
  if (typeof state !== 'object' || state === null) return state;
  return (viewTargets.get(state) as T | undefined) ?? state;
}

export class ChangeRecorder<S extends object> {
  /** The state as steps must see it: reads pass through, writes are noted. Never stored into the state. */
  readonly view: S;
  /** Old values of the subtrees written in the current step, by dotted path. */
  private readonly saved = new Map<string, Saved>();
  /** Copies of the plain lists read in the current step, by dotted path: each may be changed in place. */
  private readonly lists = new Map<string, Saved>();
  /** Lists of structures saved whole in this step (a push writes several slots; the first write saves the list). */
  private readonly savedLists = new Set<object>();
  private readonly proxies = new WeakMap<object, { proxy: object; path: string }>();
  private readonly targets = new WeakMap<object, object>();
  /** Where end() collects a step's changes before copying them out at their exact size. */
  private readonly scratch: StateChange[] = [];
  /** Counts begin() calls: a slot noted in this step has `notedIn === step`. */
  private step = 0;

  constructor(private readonly root: S) {
    this.view = this.wrap(root, '', []) as S;
  }

  /** Start a new step: forget what the last one wrote. */
  begin(): void {
    this.step++;
    if (this.saved.size > 0) this.saved.clear();
    if (this.lists.size > 0) this.lists.clear();
    if (this.savedLists.size > 0) this.savedLists.clear();
  }

  /** The changes since `begin`, leaf by leaf, as `diffStates` of the whole state would list them. */
  end(): StateChange[] {
    const saved = this.saved;
    if (saved.size === 0 && this.lists.size === 0) {
      this.begin();
      return NO_CHANGES;
    }
    const entries: Saved[] = saved.size > 0 ? [...saved.values()] : [];
    for (const l of this.lists.values()) {
      if (saved.has(l.path) || (saved.size > 0 && this.enclosed(l.owner.prefixes ??= prefixesOf(l.parts)))) continue;
      const now = this.valueAt(l.parts);
      if (!sameList(l.before as unknown[], now)) entries.push(l);
    }
    this.begin();
    if (entries.length === 0) return NO_CHANGES;
    // Paths never nest (an enclosing save absorbs the inner ones): order them as a whole-state walk meets them.
    if (entries.length > 1) this.order(entries);
    const out = this.scratch;
    for (const e of entries) {
      const now = this.valueAt(e.parts);
      // Most writes replace one plain value: compared here; structures and lists take the full diff.
      if (isPlainValue(e.before) && isPlainValue(now)) {
        if (!samePlain(e.before, now)) out.push({ path: e.path, before: plainCopy(e.before), after: plainCopy(now) });
      } else diffStatesInto(e.before, now, e.path, out);
    }
    if (out.length === 0) return NO_CHANGES;
    // The trace keeps every step's list: an exact-size copy, not the spare room a growing list keeps (16 slots for one).
    const kept = out.slice();
    out.length = 0;
    return kept;
  }

  private valueAt(parts: string[]): unknown {
    let value: unknown = this.root;
    for (const p of parts) value = (value as Obj | undefined)?.[p];
    return value;
  }

  /** True when one of these (proper) prefixes is saved. */
  private enclosed(prefixes: string[]): boolean {
    for (const p of prefixes) if (this.saved.has(p)) return true;
    return false;
  }

  /** Which of two written paths a walk of the state (object keys in their order, list items by index) meets first. */
  private compare(a: string[], b: string[]): number {
    let parent: unknown = this.root;
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      if (a[i] !== b[i]) return keyOrder(parent, a[i], b[i], this.keysOf);
      parent = (parent as Obj | undefined)?.[a[i]];
    }
    return a.length - b.length;
  }

  /** Each structure's keys, read once while one step's entries are ordered (the state does not change meanwhile). */
  private readonly keyLists = new Map<object, string[]>();
  private readonly keysOf = (o: object): string[] => {
    let k = this.keyLists.get(o);
    if (k === undefined) this.keyLists.set(o, (k = Object.keys(o)));
    return k;
  };

  /**
   * Sort entries in walk order, as a stable sort with `compare` does; entries that already come in that order (one
   * ascending run, which the sort would leave as it is) are not sorted at all.
   */
  private order(entries: Saved[]): void {
    let sorted = true;
    for (let i = 1; i < entries.length && sorted; i++) sorted = !(this.compare(entries[i].parts, entries[i - 1].parts) < 0);
    if (!sorted) entries.sort((a, b) => this.compare(a.parts, b.parts));
    this.keyLists.clear();
  }

  // The four methods below are what a view's traps (ViewHandler) call.

  /** Note a write of a key of an object: its old value is saved, unless this step saved it or a structure around it. */
  noteKey(target: object, slot: Slot): void {
    if (slot.notedIn === this.step) return;
    slot.notedIn = this.step;
    const path = slot.path;
    if (this.saved.has(path)) return;
    if (this.saved.size > 0 && this.enclosed(slot.prefixes ??= prefixesOf(slot.parts))) return;
    this.save(slot, (target as Obj)[slot.key]);
  }

  /** Note a write into a list of structures: the list is saved whole, once a step. */
  noteList(target: object, place: ViewPlace): void {
    if (this.savedLists.has(target)) return;
    this.savedLists.add(target);
    if (this.saved.has(place.path)) return;
    if (this.saved.size > 0 && this.enclosed(place.prefixes ??= prefixesOf(place.parts))) return;
    this.save(place, target);
  }

  private save(owner: ViewPlace, current: unknown): void {
    const { path, parts } = owner;
    // A plain list read earlier in the step may have changed in place since: its copy is the old value.
    const before = this.lists.get(path)?.before ?? snapshot(current);
    if (typeof before === 'object' && before !== null) {
      // Parts of this subtree saved or copied earlier in the step hold the true old values: put them back.
      const inner = `${path}.`;
      for (const m of [this.saved, this.lists]) {
        for (const s of m.values()) {
          if (s.path !== path && !s.path.startsWith(inner)) continue;
          restoreInto(before, s.parts.slice(parts.length), s.before);
          m.delete(s.path);
        }
      }
    } else this.lists.delete(path); // a plain value encloses nothing; a copy of the same list is superseded
    this.saved.set(path, { path, parts, before, owner });
  }

  /** The real object behind a view; a new structure built from views gets the real objects in it (views never enter the state). */
  unwrap(v: unknown): unknown {
    if (typeof v !== 'object' || v === null) return v;
    const t = this.targets.get(v);
    if (t) return t;
    for (const k of Object.keys(v)) {
      const x = (v as Obj)[k];
      if (typeof x === 'object' && x !== null) {
        const u = this.unwrap(x);
        if (u !== x) (v as Obj)[k] = u;
      }
    }
    return v;
  }

  /** What a read of structure `v` at `slot` returns: a plain list as is (its copy kept), a structure's view. */
  child(v: object, slot: Slot): object {
    if (Array.isArray(v) && isPlainList(v)) {
      if (!this.lists.has(slot.path)) this.lists.set(slot.path, { path: slot.path, parts: slot.parts, before: v.slice(), owner: slot });
      return v;
    }
    if (slot.target !== v || slot.proxy === undefined) {
      slot.target = v;
      slot.proxy = this.wrap(v, slot.path, slot.parts);
    }
    return slot.proxy;
  }

  private wrap(target: object, path: string, parts: string[]): object {
    const known = this.proxies.get(target);
    // An object moved to another path gets a view that names its new place.
    if (known && known.path === path) return known.proxy;
    const proxy = new Proxy(target, new ViewHandler(this, path, parts, Array.isArray(target)));
    this.proxies.set(target, { proxy, path });
    this.targets.set(proxy, target);
    if (path === '') viewTargets.set(proxy, target);
    return proxy;
  }
}

/**
 * The traps of one view: reads pass through (a structure read gets its own view), writes are noted first. A class, so
 * that the many views a run makes share their methods instead of each making its own closures.
 */
class ViewHandler implements ProxyHandler<object> {
  /** This view's keys: reading or writing the same key again builds no path string. */
  private readonly slots = new Map<string, Slot>();
  /** The view's own place: a write into a list of structures saves the list whole, here. */
  private readonly place: ViewPlace;

  constructor(private readonly rec: ChangeRecorder<object>, path: string, parts: string[], private readonly isList: boolean) {
    this.place = { path, parts, prefixes: undefined };
  }

  private slotOf(key: string): Slot {
    let c = this.slots.get(key);
    if (c === undefined) {
      const { path, parts } = this.place;
      // Every field set from the start: one object shape for all slots (fields added later cost the hot code a recompile).
      this.slots.set(key, (c = { path: path === '' ? key : `${path}.${key}`, parts: [...parts, key], prefixes: undefined, key, target: undefined, proxy: undefined, notedIn: -1 }));
    }
    return c;
  }

  private note(t: object, key: string): void {
    if (this.isList) this.rec.noteList(t, this.place);
    else this.rec.noteKey(t, this.slotOf(key));
  }

  get(t: object, key: string | symbol): unknown {
    const v = (t as Obj)[key as string] as unknown;
    if (typeof v !== 'object' || v === null || typeof key !== 'string') return v;
    const c = this.slotOf(key);
    // A structure read here before (not a list, which may have become a plain one): its view, straight away.
    if (c.target === v && c.proxy !== undefined && !Array.isArray(v)) return c.proxy;
    return this.rec.child(v, c);
  }

  set(t: object, key: string | symbol, value: unknown): boolean {
    if (typeof key === 'string') this.note(t, key);
    // The target is the receiver: no second (defineProperty) trap per write.
    return Reflect.set(t, key, this.rec.unwrap(value));
  }

  deleteProperty(t: object, key: string | symbol): boolean {
    if (typeof key === 'string') this.note(t, key);
    return Reflect.deleteProperty(t, key);
  }

  defineProperty(t: object, key: string | symbol, desc: PropertyDescriptor): boolean {
    if (typeof key === 'string') this.note(t, key);
    if ('value' in desc) desc = { ...desc, value: this.rec.unwrap(desc.value) };
    return Reflect.defineProperty(t, key, desc);
  }
}

/** A number, string, boolean, null or undefined (what diffStates compares as one value). */
function isPlainValue(v: unknown): boolean {
  return v === null || (typeof v !== 'object' && typeof v !== 'function' && typeof v !== 'symbol');
}

/** Two plain values equal as JSON text (non-finite numbers are null; undefined writes nothing). */
function samePlain(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  const ja = typeof a === 'number' && !Number.isFinite(a) ? null : a;
  const jb = typeof b === 'number' && !Number.isFinite(b) ? null : b;
  return ja === jb;
}

/** A plain value as a diff records it (non-finite numbers as null, like deepClone). */
function plainCopy(v: unknown): unknown {
  return typeof v === 'number' && !Number.isFinite(v) ? null : v;
}

/** A plain list compared item by item (JSON-equal items), with whatever is now at its path. */
function sameList(before: unknown[], now: unknown): boolean {
  if (!Array.isArray(now) || now.length !== before.length) return false;
  for (let i = 0; i < before.length; i++) if (before[i] !== now[i]) return false;
  return true;
}

/** The order in which a walk of `parent` meets keys `a` and `b` (either may have been deleted in the step). */
function keyOrder(parent: unknown, a: string, b: string, keysOf: (o: object) => string[]): number {
  const ia = isIndexKey(a);
  const ib = isIndexKey(b);
  // List items by index; an object lists integer keys first, by value, then the others in insertion order.
  if (ia && ib) return Number(a) - Number(b);
  if (ia !== ib) return ia ? -1 : 1;
  const keys = typeof parent === 'object' && parent !== null ? keysOf(parent) : [];
  const pa = keys.indexOf(a);
  const pb = keys.indexOf(b);
  return (pa < 0 ? Infinity : pa) - (pb < 0 ? Infinity : pb);
}

/** Put `value` back at `rel` inside `into` (undefined: the key did not exist). */
function restoreInto(into: unknown, rel: string[], value: unknown): void {
  if (rel.length === 0) return;
  let cur = into as Obj;
  for (let i = 0; i < rel.length - 1; i++) {
    cur = cur?.[rel[i]] as Obj;
    if (typeof cur !== 'object' || cur === null) return;
  }
  const k = rel[rel.length - 1];
  if (value === undefined && !Array.isArray(cur)) delete cur[k];
  else cur[k] = value;
}
