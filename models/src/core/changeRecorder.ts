// Records a step's state changes as the step makes them, instead of cloning the whole state before each step and
// diffing it after (that made a run's cost grow with the state, and the state grows with the run: the handled log).
// Steps get a write-tracking view of the state: the first write under a path saves that subtree's old value. Lists
// of plain values (bit sets, counters, the handled log) are handed out as they are, since a view of a list would trap
// every `includes` and `sort`; the first read of one in a step keeps a copy, compared with the list at the end of the
// step. Only what was saved or copied is diffed, in the order a whole-state diff would list it, so the result is
// exactly `diffStates(before, after)` (the machine equivalence test compares the two on every scenario).

import { diffStates, snapshot } from './statePath';
import { StateChange } from './types';

type Obj = Record<string | number, unknown>;

interface Saved {
  parts: string[];
  before: unknown;
}

interface Child {
  target: object;
  path: string;
  /** The view of a structure; undefined for a list of plain values (handed out as is). */
  proxy?: object;
}

function isIndexKey(k: string): boolean {
  return /^(0|[1-9]\d*)$/.test(k);
}

function isPlainList(v: unknown): v is unknown[] {
  if (!Array.isArray(v)) return false;
  for (const x of v) if (x !== null && typeof x === 'object') return false;
  return true;
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

  constructor(private readonly root: S) {
    this.view = this.wrap(root, '') as S;
  }

  /** Start a new step: forget what the last one wrote. */
  begin(): void {
    this.saved.clear();
    this.lists.clear();
    this.savedLists.clear();
  }

  /** The changes since `begin`, leaf by leaf, as `diffStates` of the whole state would list them. */
  end(): StateChange[] {
    const saved = this.saved;
    const entries: Saved[] = saved.size > 0 ? [...saved.values()] : [];
    for (const [path, l] of this.lists) {
      if (saved.has(path) || this.enclosed(saved, l.parts)) continue;
      const now = this.valueAt(l.parts);
      if (!sameList(l.before as unknown[], now)) entries.push(l);
    }
    this.begin();
    if (entries.length === 0) return [];
    // Paths never nest (an enclosing save absorbs the inner ones): order them as a whole-state walk meets them.
    if (entries.length > 1) entries.sort((a, b) => this.compare(a.parts, b.parts));
    const out: StateChange[] = [];
    for (const e of entries) for (const c of diffStates(e.before, this.valueAt(e.parts), e.parts.join('.'))) out.push(c);
    return out;
  }

  private valueAt(parts: string[]): unknown {
    let value: unknown = this.root;
    for (const p of parts) value = (value as Obj | undefined)?.[p];
    return value;
  }

  /** True when a proper prefix of `parts` is saved. */
  private enclosed(saved: Map<string, Saved>, parts: string[]): boolean {
    let prefix = '';
    for (let i = 0; i < parts.length - 1; i++) {
      prefix = i === 0 ? parts[0] : `${prefix}.${parts[i]}`;
      if (saved.has(prefix)) return true;
    }
    return false;
  }

  /** Which of two written paths a walk of the state (object keys in their order, list items by index) meets first. */
  private compare(a: string[], b: string[]): number {
    let parent: unknown = this.root;
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      if (a[i] !== b[i]) return keyOrder(parent, a[i], b[i]);
      parent = (parent as Obj | undefined)?.[a[i]];
    }
    return a.length - b.length;
  }

  /** Note a write of `key` under the object at `parts` (a list of structures is saved whole). */
  private note(target: object, parts: string[], parentPath: string, key: string): void {
    const isArray = Array.isArray(target);
    if (isArray) {
      if (this.savedLists.has(target)) return;
      this.savedLists.add(target);
    }
    const path = isArray ? parentPath : parentPath === '' ? key : `${parentPath}.${key}`;
    if (this.saved.has(path)) return;
    const written = isArray ? parts : [...parts, key];
    if (this.saved.size > 0 && this.enclosed(this.saved, written)) return;
    // A plain list read earlier in the step may have changed in place since: its copy is the old value.
    const before = this.lists.get(path)?.before ?? snapshot(isArray ? target : (target as Obj)[key]);
    // Parts of this subtree saved or copied earlier in the step hold the true old values: put them back.
    const inner = `${path}.`;
    for (const m of [this.saved, this.lists]) {
      for (const [p, s] of m) {
        if (p !== path && !p.startsWith(inner)) continue;
        restoreInto(before, s.parts.slice(written.length), s.before);
        m.delete(p);
      }
    }
    this.saved.set(path, { parts: written, before });
  }

  /** The real object behind a view; a new structure built from views gets the real objects in it (views never enter the state). */
  private unwrap(v: unknown): unknown {
    if (typeof v !== 'object' || v === null) return v;
    const t = this.targets.get(v);
    if (t) return t;
    for (const [k, x] of Object.entries(v)) {
      if (typeof x === 'object' && x !== null) {
        const u = this.unwrap(x);
        if (u !== x) (v as Obj)[k] = u;
      }
    }
    return v;
  }

  /** What a read of `v` at `path` returns: a plain list as is (its copy kept), a structure's view. */
  private child(v: object, path: string): object {
    if (isPlainList(v)) {
      if (!this.lists.has(path)) this.lists.set(path, { parts: path.split('.'), before: v.slice() });
      return v;
    }
    return this.wrap(v, path);
  }

  private wrap(target: object, path: string): object {
    const known = this.proxies.get(target);
    // An object moved to another path gets a view that names its new place.
    if (known && known.path === path) return known.proxy;
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const rec = this;
    const parts = path === '' ? [] : path.split('.');
    // This view's children by key: reading the same object again builds no path string.
    const children = new Map<string, Child>();
    const proxy = new Proxy(target, {
      get(t, key) {
        const v = (t as Obj)[key as string] as unknown;
        if (typeof v !== 'object' || v === null || typeof key !== 'string') return v;
        let c = children.get(key);
        if (!c || c.target !== v) children.set(key, (c = { target: v, path: path === '' ? key : `${path}.${key}` }));
        return rec.child(v, c.path);
      },
      set(t, key, value) {
        if (typeof key === 'string') rec.note(t, parts, path, key);
        // The target is the receiver: no second (defineProperty) trap per write.
        return Reflect.set(t, key, rec.unwrap(value));
      },
      deleteProperty(t, key) {
        if (typeof key === 'string') rec.note(t, parts, path, key);
        return Reflect.deleteProperty(t, key);
      },
      defineProperty(t, key, desc) {
        if (typeof key === 'string') rec.note(t, parts, path, key);
        if ('value' in desc) desc = { ...desc, value: rec.unwrap(desc.value) };
        return Reflect.defineProperty(t, key, desc);
      },
    });
    this.proxies.set(target, { proxy, path });
    this.targets.set(proxy, target);
    return proxy;
  }
}

/** A plain list compared item by item (JSON-equal items), with whatever is now at its path. */
function sameList(before: unknown[], now: unknown): boolean {
  if (!Array.isArray(now) || now.length !== before.length) return false;
  for (let i = 0; i < before.length; i++) if (before[i] !== now[i]) return false;
  return true;
}

/** The order in which a walk of `parent` meets keys `a` and `b` (either may have been deleted in the step). */
function keyOrder(parent: unknown, a: string, b: string): number {
  const ia = isIndexKey(a);
  const ib = isIndexKey(b);
  // List items by index; an object lists integer keys first, by value, then the others in insertion order.
  if (ia && ib) return Number(a) - Number(b);
  if (ia !== ib) return ia ? -1 : 1;
  const keys = typeof parent === 'object' && parent !== null ? Object.keys(parent) : [];
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
