// Runs a flow deterministically from a step, recording branch, reason and state changes per step.

import { deepClone, parseValueFor, getPath, setPath } from './statePath';
import { Machine, MAIN_CONTEXT } from './machine';
import { Flow, ModelError, ParamSpec, ParamValues, Step, Trace } from './types';

export interface SimulateOptions {
  /** A step id (`X1.6`) or a linked function name (`evtchn_2l_set_pending`). */
  from?: string;
  profile?: string;
  params?: ParamValues;
  /** `path → raw string` overrides applied to the initial state (the CLI's `--set`). */
  set?: Record<string, string>;
  /** A state to start from instead of `initialState` (scenarios chain runs this way). */
  state?: unknown;
  /** Guards against a model bug looping forever; a real path is far shorter. */
  maxSteps?: number;
}

/** Resolve `from` (a step id or a linked symbol) to a step of the flow. */
export function resolveStart<S>(flow: Flow<S>, from: string | undefined): Step<S> {
  const key = from ?? flow.entry;
  const byId = flow.steps.find((s) => s.id === key);
  if (byId) return byId;
  const bySymbol = flow.steps.filter((s) => s.links.some((l) => l.symbol === key || l.formerly?.some((f) => f.symbol === key)));
  if (bySymbol.length > 0) return bySymbol[0];
  const ids = flow.steps.map((s) => s.id).join(', ');
  throw new ModelError(`flow ${flow.id} has no step or linked function "${key}" (steps: ${ids})`, 'from');
}

export function checkProfile(flow: Flow<unknown>, profile: string | undefined): string {
  const p = profile ?? flow.defaultProfile;
  if (!flow.profiles.some((x) => x.id === p)) {
    throw new ModelError(`flow ${flow.id} has no profile "${p}" (profiles: ${flow.profiles.map((x) => x.id).join(', ')})`, 'profile');
  }
  return p;
}

/** Each spec list's parameter names (a long schedule resolves the same few actions' parameters thousands of times). */
const specNames = new WeakMap<ParamSpec[], Set<string>>();

/** Check parameters against their specs; fill defaults. */
export function resolveParams(specs: ParamSpec[], given: ParamValues | undefined, where: string): ParamValues {
  const out: ParamValues = {};
  let known = specNames.get(specs);
  if (known === undefined) specNames.set(specs, (known = new Set(specs.map((s) => s.name))));
  if (given !== undefined) for (const k in given) {
    if (!Object.prototype.hasOwnProperty.call(given, k)) continue;
    if (!known.has(k)) {
      throw new ModelError(`${where}: unknown parameter "${k}" (parameters: ${specs.map((s) => s.name).join(', ') || 'none'})`, k);
    }
  }
  for (const spec of specs) {
    let v = given?.[spec.name] ?? spec.default;
    if (spec.type === 'int') {
      if (typeof v === 'string' && /^(0x[0-9a-f]+|-?\d+)$/i.test(v.trim())) v = Number(v);
      if (typeof v !== 'number' || !Number.isInteger(v)) throw new ModelError(`${where}: parameter "${spec.name}" must be an integer, got ${JSON.stringify(v)}`, spec.name);
      if (spec.min !== undefined && v < spec.min) throw new ModelError(`${where}: parameter "${spec.name}" = ${v} is below ${spec.min}`, spec.name);
      if (spec.max !== undefined && v > spec.max) throw new ModelError(`${where}: parameter "${spec.name}" = ${v} is above ${spec.max}`, spec.name);
    } else if (spec.type === 'bool') {
      if (v === 'true') v = true;
      if (v === 'false') v = false;
      if (typeof v !== 'boolean') throw new ModelError(`${where}: parameter "${spec.name}" must be true or false, got ${JSON.stringify(v)}`, spec.name);
    } else if (spec.type === 'enum') {
      if (typeof v !== 'string' || !spec.values?.includes(v)) {
        throw new ModelError(`${where}: parameter "${spec.name}" must be one of ${spec.values?.join(', ')}, got ${JSON.stringify(v)}`, spec.name);
      }
    } else if (typeof v !== 'string') {
      throw new ModelError(`${where}: parameter "${spec.name}" must be a string, got ${JSON.stringify(v)}`, spec.name);
    }
    out[spec.name] = v;
  }
  return out;
}

/** Run `flow` from a step until it ends. Throws ModelError on bad input; never returns a wrong trace. */
export function simulate<S>(flow: Flow<S>, options: SimulateOptions = {}): Trace {
  const profile = checkProfile(flow as Flow<unknown>, options.profile);
  const params = resolveParams(flow.params, options.params, `flow ${flow.id}`);
  const state = (options.state !== undefined ? deepClone(options.state) : flow.initialState(profile, params)) as S;
  for (const [path, raw] of Object.entries(options.set ?? {})) {
    setPath(state, path, parseValueFor(getPath(state, path), raw, path));
  }
  const problems = flow.validate(state, params, profile);
  if (problems.length > 0) throw new ModelError(`flow ${flow.id}: ${problems.join('; ')}`);
  const start = resolveStart(flow, options.from);
  return runFrom(flow, start, state, params, profile, options.maxSteps ?? 200);
}

/** The stepping core, shared by `simulate` and scenario actions: one chain, run until quiet. `state` is mutated. */
export function runFrom<S>(flow: Flow<S>, start: Step<S>, state: S, params: ParamValues, profile: string, maxSteps: number, indexBase = 0, action?: string): Trace {
  const m = new Machine(flow, state, profile);
  m.post(MAIN_CONTEXT, start, { ...params }, action);
  m.runUntilQuiet(maxSteps);
  const steps = m.steps.map((s) => ({ ...s, index: indexBase + s.index }));
  return { flow: flow.id, profile, from: start.id, params, steps, outcome: m.outcome, finalState: deepClone(state), truncated: m.truncated };
}
