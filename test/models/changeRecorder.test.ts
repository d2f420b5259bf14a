// The trace's state changes are recorded as steps write them (changeRecorder.ts). On seeded random schedules with
// placed actions and hand-offs, every step's recorded changes equal a diff of the whole state before and after it
// (what the simulator did before); a long schedule's trace is bounded and says which limit it hit.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allFlows, deepClone, diffStates, Flow, runScenario, ScenarioAction, StateChange } from '../../models/src/index';
import { seeded } from './seededRandom';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

/** A copy of `flow` whose steps and direct actions also diff the whole state around themselves, the old way. */
function diffingFlow(flow: Flow<unknown>, log: StateChange[][]): Flow<unknown> {
  const copy = Object.create(flow) as Flow<unknown>;
  copy.steps = flow.steps.map((s) => ({ ...s, run: (ctx) => {
    const before = deepClone(ctx.state);
    const r = s.run(ctx);
    log.push(diffStates(before, deepClone(ctx.state)));
    return r;
  } }));
  copy.actions = flow.actions.map((a) => (a.apply ? { ...a, apply: (st, p) => {
    const before = deepClone(st);
    const r = a.apply!(st, p);
    log.push(diffStates(before, deepClone(st)));
    return r;
  } } : a));
  return copy;
}

function randomSchedule(seed: number, n: number, flow: Flow<unknown>): ScenarioAction[] {
  const rng = seeded(seed);
  const acts: ScenarioAction[] = flow.id === 'X1'
    ? [{ do: 'send' }, { do: 'mask', with: { port: 10 } }, { do: 'unmask', with: { port: 10, cpu: rng.int(0, 1) } }, { do: 'disable-events', with: { cpu: 0 } },
      { do: 'enable-events', with: { cpu: 0 } }, { do: 'disable', with: { port: 10 } }, { do: 'enable', with: { port: 10, cpu: 0 } }, { do: 'block', with: { vcpu: 0 } }]
    : [{ do: 'raise', with: { port: 11 } }, { do: 'raise', with: { port: 10 } }, { do: 'unmask', with: { port: 10, cpu: 0 } }, { do: 'mask', with: { port: 10 } }];
  const out: ScenarioAction[] = [];
  for (let i = 0; i < n; i++) {
    const a = { ...rng.pick(acts) };
    if (rng.bool(0.1)) a.at = rng.bool() ? { afterStep: rng.pick(['X1.6', 'X1.9', 'X1.15', 'X1.18h']) } : { beforeDeferred: 'X1.9' };
    out.push(a);
  }
  return out;
}

void test('recorded changes equal a whole-state diff on every step of random schedules', () => {
  let steps = 0;
  for (const flowId of ['X1', 'X7']) {
    const flow = allFlows.find((f) => f.id === flowId)!;
    for (let seed = 1; seed <= 8; seed++) {
      const log: StateChange[][] = [];
      const sc = { name: 'r', title: 'r', flow: flowId, params: flowId === 'X1' ? { guest: seed % 2 ? 'pv' : 'hvm' } : {}, actions: randomSchedule(seed, 30, flow) };
      const r = runScenario([diffingFlow(flow, log)], sc);
      assert.equal(r.trace.steps.length, log.length, `${flowId} seed ${seed}`);
      r.trace.steps.forEach((s, i) => assert.deepEqual(s.changes, log[i], `${flowId} seed ${seed} step ${i} ${s.step}`));
      steps += log.length;
    }
  }
  assert.ok(steps > 800, `only ${steps} steps compared`);
});

void test('a trace stops at its step limit with a message naming it; the scenario fails', () => {
  const actions: ScenarioAction[] = Array.from({ length: 50 }, () => ({ do: 'send' }));
  const own = runScenario(allFlows, { name: 'l', title: 'l', flow: 'X1', actions, maxSteps: 100 });
  assert.equal(own.trace.steps.length, 100);
  assert.equal(own.trace.truncated, true);
  assert.equal(own.passed, false);
  assert.match(own.trace.outcome.at(-1)!.detail, /trace limit of 100 steps \(the scenario's maxSteps\)/);
  const cli = runScenario(allFlows, { name: 'l', title: 'l', flow: 'X1', actions, maxSteps: 100 }, { maxSteps: 60 });
  assert.equal(cli.trace.steps.length, 60);
  assert.match(cli.trace.outcome.at(-1)!.detail, /trace limit of 60 steps \(--max-steps\)/);
  const whole = runScenario(allFlows, { name: 'l', title: 'l', flow: 'X1', actions });
  assert.equal(whole.trace.truncated, false);
});

void test('a long log grows by its new slots in the trace, not by a copy of the whole list', () => {
  const actions: ScenarioAction[] = Array.from({ length: 40 }, () => ({ do: 'send' }));
  const r = runScenario(allFlows, { name: 'g', title: 'g', flow: 'X1', actions });
  const logged = r.trace.steps.flatMap((s) => s.changes).filter((c) => c.path.startsWith('handled.0'));
  assert.equal(logged.length, 40);
  assert.equal(logged[39].path, 'handled.0.39');
  assert.equal(logged[39].after, 10);
  assert.deepEqual(logged[3].after, [10, 10, 10, 10]);
});

void test('irqlens simulate --max-steps bounds the trace and names the limit; a bad value is refused', () => {
  const cli = path.join(__dirname, '..', '..', 'server', 'src', 'cli', 'main.ts');
  const run = (...args: string[]): { out: string; code: number } => {
    try {
      return { out: execFileSync(process.execPath, ['--import', 'tsx', cli, 'simulate', ...args], { encoding: 'utf8', stdio: 'pipe' }), code: 0 };
    } catch (e) {
      const err = e as { stdout: string; stderr: string; status: number };
      return { out: err.stdout + err.stderr, code: err.status };
    }
  };
  const cut = run('--scenario', 'xen-event-while-masked-then-unmask', '--max-steps', '5');
  assert.equal(cut.code, 1);
  assert.match(cut.out, /stopped at the trace limit of 5 steps \(--max-steps\)/);
  assert.match(cut.out, /\(stopped at the step limit\)/);
  const bad = run('--scenario', 'xen-event-while-masked-then-unmask', '--max-steps', 'lots');
  assert.notEqual(bad.code, 0);
  assert.match(bad.out, /--max-steps "lots": a whole number of steps/);
});
