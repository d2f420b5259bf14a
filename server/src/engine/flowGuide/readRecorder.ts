// Records which state fields a step reads, by running it on a proxy of the flow state: "what it reads" in the hover
// comes from the model's own code, not from a hand-written list. Paths are the dotted state paths of the trace
// (`vlapic.0.irr`); foldIndices turns per-vCPU/per-port indices into `*` for a summary over runs.
import type { Flow, Step, StepContext } from '../../../../models/src/index';

/** A bit set, a counter row or a name list: read as one value, like the trace's before → after. */
function isLeafValue(v: unknown): boolean {
  return v === null || typeof v !== 'object' || (Array.isArray(v) && v.every((x) => x === null || typeof x !== 'object'));
}

export function foldIndices(path: string): string {
  return path.split('.').map((p) => (/^\d+$/.test(p) ? '*' : p)).join('.');
}

/** A read-recording view of `root`; writes go to the real objects (proxies are never stored into the state). */
function recordingProxy(root: object, onRead: (path: string, value: unknown) => void): object {
  const proxies = new WeakMap<object, object>();
  const targets = new WeakMap<object, object>();
  const unwrap = (v: unknown): unknown => (typeof v === 'object' && v !== null ? (targets.get(v) ?? v) : v);
  const wrap = (target: object, path: string): object => {
    const known = proxies.get(target);
    if (known) return known;
    const proxy = new Proxy(target, {
      get(t, key, receiver) {
        const v = Reflect.get(t, key, receiver) as unknown;
        if (typeof key !== 'string' || typeof v === 'function' || (Array.isArray(t) && key === 'length')) return v;
        const p = path ? `${path}.${key}` : key;
        if (isLeafValue(v)) {
          onRead(p, v);
          return v;
        }
        return wrap(v as object, p);
      },
      set(t, key, value, receiver) {
        return Reflect.set(t, key, unwrap(value), receiver);
      },
    });
    proxies.set(target, proxy);
    targets.set(proxy, target);
    return proxy;
  };
  return wrap(root, '');
}

/**
 * A copy of `flow` whose steps report each state path they read, and the value read, to `onRead`. Everything else (ids, links, next steps)
 * is the flow's own, so traces from it are the flow's traces.
 */
export function recordingFlow<S>(flow: Flow<S>, onRead: (stepId: string, path: string, value: unknown) => void): Flow<S> {
  const steps = flow.steps.map((step): Step<S> => {
    const wrapped = Object.create(step) as Step<S>;
    wrapped.run = (ctx: StepContext<S>) => {
      const state = typeof ctx.state === 'object' && ctx.state !== null ? (recordingProxy(ctx.state, (p, v) => onRead(step.id, p, v)) as S) : ctx.state;
      return step.run({ ...ctx, state });
    };
    return wrapped;
  });
  const copy = Object.create(flow) as Flow<S>;
  copy.steps = steps;
  return copy;
}
