// The simulator machinery on a small flow written here: state paths, parameters, traces, scenario validation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Flow, ModelError, simulate, runScenario, parseScenario, diffStates, traceToText, parseValueFor } from '@irqlens/models';

interface Toy {
  line: { level: number; latched: boolean };
  delivered: number[];
}

// A two-step latch: raise sets the latch unless masked; deliver moves it to `delivered`.
const toy: Flow<Toy> = {
  id: 'T1',
  name: 'toy latch',
  description: 'test flow',
  codebases: ['qemu'],
  profiles: [{ id: 'a', title: 'a', description: '' }, { id: 'b', title: 'b', description: '' }],
  defaultProfile: 'a',
  params: [{ name: 'vector', type: 'int', description: 'vector', default: 48, min: 16, max: 255 }],
  entry: 'T1.1',
  stateDoc: { line: 'the line', delivered: 'vectors delivered' },
  initialState: () => ({ line: { level: 0, latched: false }, delivered: [] }),
  validate: (s) => (s.line.level > 1 ? [`line.level = ${s.line.level} is not 0 or 1`] : []),
  actions: [
    { name: 'raise', description: 'raise', params: [], from: 'T1.1' },
    { name: 'lower', description: 'lower', params: [], apply: (s) => { s.line.level = 0; return 'line lowered'; } },
  ],
  steps: [
    {
      id: 'T1.1', title: 'toy_raise', role: 'latch', component: 'toy', source: 'test',
      links: [{ codebase: 'qemu', symbol: 'toy_raise' }],
      run: ({ state }) => {
        if (state.line.latched) return { branch: 'coalesced', why: 'latch already set', next: null };
        state.line.level = 1;
        state.line.latched = true;
        return { branch: 'latched', why: 'latch was clear', next: 'T1.2' };
      },
    },
    {
      id: 'T1.2', title: 'toy_deliver', role: 'deliver', component: 'toy', source: 'test',
      links: [{ codebase: 'qemu', symbol: 'toy_deliver', formerly: [{ symbol: 'old_deliver', in: 'v1' }] }],
      run: ({ state, params, profile, emit }) => {
        state.line.latched = false;
        state.delivered.push(params.vector as number);
        emit({ kind: 'delivered', target: 'cpu0', what: `vector ${params.vector}`, detail: `profile ${profile}` });
        return { branch: 'deliver', why: 'latched', next: null };
      },
    },
  ],
};

void test('a run records branch, reason and before → after per step', () => {
  const t = simulate(toy, { params: { vector: 50 } });
  assert.deepEqual(t.steps.map((s) => [s.step, s.branch]), [['T1.1', 'latched'], ['T1.2', 'deliver']]);
  assert.deepEqual(t.steps[0].changes, [
    { path: 'line.level', before: 0, after: 1 },
    { path: 'line.latched', before: false, after: true },
  ]);
  assert.deepEqual(t.steps[1].changes.find((c) => c.path === 'delivered'), { path: 'delivered', before: [], after: [50] });
  assert.equal(t.outcome[0].what, 'vector 50');
  assert.match(traceToText(t, toy as Flow<unknown>), /T1\.1\s+toy_raise\s+latched/);
});

void test('from accepts a step id, a linked symbol or a former name', () => {
  assert.equal(simulate(toy, { from: 'T1.2' }).steps[0].step, 'T1.2');
  assert.equal(simulate(toy, { from: 'toy_deliver' }).steps[0].step, 'T1.2');
  assert.equal(simulate(toy, { from: 'old_deliver' }).steps[0].step, 'T1.2');
  assert.throws(() => simulate(toy, { from: 'nope' }), (e: unknown) => e instanceof ModelError && /no step or linked function "nope"/.test(e.message));
});

void test('--set checks the path and the type, and validate rejects impossible state', () => {
  assert.equal(simulate(toy, { set: { 'line.latched': 'true' } }).steps[0].branch, 'coalesced');
  assert.throws(() => simulate(toy, { set: { 'line.nope': '1' } }), /no field "nope" in line/);
  assert.throws(() => simulate(toy, { set: { 'line.level': 'high' } }), /holds a number/);
  assert.throws(() => simulate(toy, { set: { 'line.level': '7' } }), /line.level = 7 is not 0 or 1/);
});

void test('parameters are range-checked and unknown ones named', () => {
  assert.throws(() => simulate(toy, { params: { vector: 3 } }), (e: unknown) => e instanceof ModelError && e.field === 'vector');
  assert.throws(() => simulate(toy, { params: { vectr: 50 } }), /unknown parameter "vectr"/);
  assert.throws(() => simulate(toy, { profile: 'z' }), /no profile "z"/);
});

void test('a scenario chains actions on one state and checks expectations', () => {
  const run = runScenario([toy as Flow<unknown>], {
    name: 'toy', title: 'toy', flow: 'T1',
    actions: [{ do: 'raise' }, { do: 'raise' }, { do: 'lower' }],
    expect: [
      { outcome: 'delivered', count: 2 },
      { step: 'T1.1', branch: 'latched', action: 1 },
      { path: 'line.level', equals: 0 },
      { path: 'delivered', equals: [48, 48] },
    ],
  });
  assert.ok(run.passed, run.expectations.map((e) => e.text).join('\n'));
  const failing = runScenario([toy as Flow<unknown>], { name: 'x', title: 'x', flow: 'T1', actions: [{ do: 'raise' }], expect: [{ path: 'delivered', equals: [] }] });
  assert.equal(failing.passed, false);
  assert.match(failing.expectations[0].text, /expected \[\]/);
});

void test('scenario validation names the bad field', () => {
  assert.throws(() => parseScenario({ name: 'a', title: 'b', flow: 'T1', actions: [] }), /field "actions"/);
  assert.throws(() => parseScenario({ name: 'a', title: 'b', flow: 'T1', actions: [{ do: 'raise', width: 1 }] }), /actions\[0\]\.width/);
  assert.throws(() => parseScenario({ name: 'a', title: 'b', flow: 'T1', actions: [{ do: 'raise' }], bogus: 1 }), /field "bogus"/);
  assert.throws(() => runScenario([toy as Flow<unknown>], { name: 'a', title: 'b', flow: 'T1', actions: [{ do: 'fly' }] }), /actions\[0\]\.do.*no action "fly"/);
  assert.throws(() => runScenario([toy as Flow<unknown>], { name: 'a', title: 'b', flow: 'T9', actions: [{ do: 'raise' }] }), /unknown flow "T9"/);
  assert.throws(() => runScenario([toy as Flow<unknown>], { name: 'a', title: 'b', flow: 'T1', set: { 'line.zz': 1 }, actions: [{ do: 'raise' }] }), /set\.line\.zz/);
});

void test('diffStates treats bit-set arrays as values and recurses into records', () => {
  assert.deepEqual(diffStates({ a: [1], b: [{ x: 1 }] }, { a: [1, 2], b: [{ x: 2 }] }), [
    { path: 'a', before: [1], after: [1, 2] },
    { path: 'b.0.x', before: 1, after: 2 },
  ]);
});

void test('scenario-level params reach actions that declare the same parameter', () => {
  const withAction: Flow<Toy> = { ...toy, actions: [{ name: 'raise', description: 'raise', params: [toy.params[0]], from: 'T1.1' }] };
  const run = runScenario([withAction as Flow<unknown>], { name: 'p', title: 'p', flow: 'T1', params: { vector: 77 }, actions: [{ do: 'raise' }, { do: 'raise', with: { vector: 90 } }], expect: [{ path: 'delivered', equals: [77, 90] }] });
  assert.ok(run.passed, run.expectations.map((e) => e.text).join('\n'));
});

void test('--set on a list of names takes strings; on a bit set, numbers', () => {
  const s = { requests: ['KVM_REQ_EVENT'], irr: [] as number[] };
  assert.deepEqual(parseValueFor(s.requests, 'KVM_REQ_EVENT,KVM_REQ_UNBLOCK', 'requests'), ['KVM_REQ_EVENT', 'KVM_REQ_UNBLOCK']);
  assert.deepEqual(parseValueFor(s.irr, '48, 80', 'irr'), [48, 80]);
  assert.throws(() => parseValueFor([1], '48,x-y', 'irr'), /not a number/);
});
