// Every path that wakes a vCPU reports it the same way: over ALL flows (default runs in every profile, every
// run-from-a-step action from a state where every vCPU sleeps) and every built-in scenario, each step whose state
// changes take a vCPU from blocked/halted to runnable records a `woken` outcome for that vCPU in the same step.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { allFlows, Flow, ModelError, OutcomeEvent, runScenario, simulate, StateChange, Trace } from '@irqlens/models';
import { getPath } from '../../models/src/core/statePath';
import { newKvmState } from '../../models/src/flows/kvm/kvmState';
import { reportWoken } from '../../models/src/core/wake';

const scenarioDir = path.join(__dirname, '..', '..', 'models', 'scenarios');

/**
 * The vCPU a state change wakes, by the flow family's own names for "asleep". KVM's is `blocked` (the thread sleeps in
 * kvm_vcpu_block); its `halted` is mp_state, which the vCPU's own thread clears after it has been woken (or when
 * kvm_vcpu_check_block finds it runnable before it ever slept), so it is not a wake by itself.
 */
export function wokenBy(c: StateChange): string | undefined {
  const wasAsleep = (c.before === true && c.after === false) || (c.before === 'blocked' && c.after !== 'blocked');
  if (!wasAsleep) return undefined;
  let m = /^vcpus\.(\d+)\.vcpu\.blocked$/.exec(c.path); // KVM: asleep in kvm_vcpu_block
  if (m) return `vcpu${m[1]}`;
  m = /^vcpu\.(\d+)\.blocked$/.exec(c.path); // Xen: _VPF_blocked
  if (m) return `vcpu${m[1]}`;
  m = /^cpus\.(\d+)\.halted$/.exec(c.path); // QEMU TCG: cpu->halted
  if (m) return `vcpu${m[1]}`;
  if (c.path === 'vcpu.mode') return 'vcpu0'; // Q7's single vCPU
  return undefined;
}

/** Wrap every step so the outcomes it emits are tagged with the index of its run. */
function instrument(flow: Flow<unknown>, log: { run: number; e: OutcomeEvent }[], counter: { n: number }): Flow<unknown> {
  return {
    ...flow,
    steps: flow.steps.map((s) => ({
      ...s,
      run(ctx) {
        const run = counter.n++;
        return s.run({ ...ctx, emit: (e) => { log.push({ run, e }); ctx.emit(e); } });
      },
    })),
  };
}

/** Problems: steps that woke a vCPU without reporting it. */
function unreported(trace: Trace, log: { run: number; e: OutcomeEvent }[], where: string): string[] {
  const out: string[] = [];
  const runSteps = trace.steps.filter((s) => !s.step.startsWith('action:'));
  runSteps.forEach((s, run) => {
    for (const c of s.changes) {
      const who = wokenBy(c);
      if (!who) continue;
      const ok = log.some((l) => l.run === run && l.e.kind === 'woken' && l.e.target === who);
      if (!ok) out.push(`${where}: step ${s.step} (${s.branch}) woke ${who} (${c.path}) without a woken outcome`);
    }
  });
  for (const s of trace.steps.filter((x) => x.step.startsWith('action:'))) {
    for (const c of s.changes) if (wokenBy(c)) out.push(`${where}: state action ${s.title} woke a vCPU (${c.path}); wakes must run through a step that reports them`);
  }
  return out;
}

function runInstrumented(flow: Flow<unknown>, go: (f: Flow<unknown>) => Trace, where: string): { problems: string[]; woke: number } {
  const log: { run: number; e: OutcomeEvent }[] = [];
  const t = go(instrument(flow, log, { n: 0 }));
  const woke = t.steps.reduce((n, s) => n + s.changes.filter((c) => wokenBy(c)).length, 0);
  return { problems: unreported(t, log, where), woke };
}

/** Put every vCPU of a fresh state to sleep, as each family names it; undefined when the flow has no vCPU to sleep. */
function allAsleep(flow: Flow<unknown>, profile: string): Record<string, string> | undefined {
  const st = flow.initialState(profile, Object.fromEntries(flow.params.map((p) => [p.name, p.default])));
  const set: Record<string, string> = {};
  const at = (p: string): unknown => {
    try {
      return getPath(st, p);
    } catch {
      return undefined;
    }
  };
  for (let i = 0; i < 8; i++) {
    if (at(`vcpus.${i}.vcpu.blocked`) !== undefined) Object.assign(set, { [`vcpus.${i}.vcpu.mode`]: 'OUTSIDE_GUEST_MODE', [`vcpus.${i}.vcpu.halted`]: 'true', [`vcpus.${i}.vcpu.blocked`]: 'true' });
    else if (at(`vcpu.${i}.blocked`) !== undefined) Object.assign(set, { [`vcpu.${i}.blocked`]: 'true', [`vcpu.${i}.is_running`]: 'false' });
    else if (at(`cpus.${i}.halted`) !== undefined) set[`cpus.${i}.halted`] = 'true';
  }
  if (at('vcpu.mode') === 'IN_GUEST_MODE') set['vcpu.mode'] = 'blocked';
  return Object.keys(set).length ? set : undefined;
}

void test('a state change from blocked/halted to runnable is recognised per family (the checker itself)', () => {
  assert.equal(wokenBy({ path: 'vcpus.1.vcpu.blocked', before: true, after: false }), 'vcpu1');
  assert.equal(wokenBy({ path: 'vcpu.0.blocked', before: true, after: false }), 'vcpu0');
  assert.equal(wokenBy({ path: 'cpus.2.halted', before: true, after: false }), 'vcpu2');
  assert.equal(wokenBy({ path: 'vcpu.mode', before: 'blocked', after: 'OUTSIDE_GUEST_MODE' }), 'vcpu0');
  assert.equal(wokenBy({ path: 'vcpus.1.vcpu.blocked', before: false, after: true }), undefined);
  // And the checker catches a step that wakes silently.
  const s = newKvmState('apicv-on');
  s.vcpus[1].vcpu.blocked = true;
  const fake: Trace = {
    flow: 'Q4', profile: 'apicv-on', from: 'Q4.2', params: {}, outcome: [], finalState: s, truncated: false,
    steps: [{ index: 0, step: 'Q4.2', title: '', component: '', branch: 'woken', why: 'x', changes: [{ path: 'vcpus.1.vcpu.blocked', before: true, after: false }], functions: [], next: null }],
  };
  assert.equal(unreported(fake, [], 'fake').length, 1);
  const log: { run: number; e: OutcomeEvent }[] = [];
  reportWoken((e) => log.push({ run: 0, e }), { target: 'vcpu1', by: 'kvm_vcpu_wake_up', detail: 'test' });
  assert.equal(unreported(fake, log, 'fake').length, 0);
  assert.deepEqual(log[0].e, { kind: 'woken', target: 'vcpu1', handler: 'kvm_vcpu_wake_up', detail: 'test' });
});

void test('every built-in scenario reports each vCPU it wakes as a woken outcome, in the step that wakes it', () => {
  const files = fs.readdirSync(scenarioDir).filter((f) => f.endsWith('.json') && f !== 'scenario.schema.json');
  const problems: string[] = [];
  let woke = 0;
  for (const f of files) {
    const raw = JSON.parse(fs.readFileSync(path.join(scenarioDir, f), 'utf8')) as { flow: string };
    const flow = allFlows.find((x) => x.id === raw.flow);
    assert.ok(flow, f);
    const r = runInstrumented(flow, (fl) => runScenario([fl], raw).trace, f);
    problems.push(...r.problems);
    woke += r.woke;
  }
  assert.deepEqual(problems, []);
  assert.ok(woke >= 5, `the scenarios wake vCPUs (${woke} wakes seen), so the check is not vacuous`);
});

void test('every flow, every profile: default runs and every step action from an all-asleep state report their wakes', () => {
  const problems: string[] = [];
  let woke = 0;
  for (const flow of allFlows) {
    for (const p of flow.profiles) {
      const r = runInstrumented(flow, (fl) => simulate(fl, { profile: p.id }), `${flow.id}/${p.id} default`);
      problems.push(...r.problems);
      woke += r.woke;
      const asleep = allAsleep(flow, p.id);
      for (const a of flow.actions.filter((x) => x.from)) {
        for (const set of [undefined, asleep]) {
          const params = Object.fromEntries(a.params.map((x) => [x.name, x.default]));
          try {
            const r2 = runInstrumented(flow, (fl) => simulate(fl, { profile: p.id, from: a.from, set, params: Object.fromEntries(Object.entries(params).filter(([k]) => fl.params.some((q) => q.name === k))), maxSteps: 200 }), `${flow.id}/${p.id} ${a.name}${set ? ' (asleep)' : ''}`);
            problems.push(...r2.problems);
            woke += r2.woke;
          } catch (e) {
            // An action that refuses this state (a preempted vCPU cannot HLT, an HVM-only step on PV …) is bad input, not a silent wake.
            if (!(e instanceof ModelError)) throw e;
          }
        }
      }
    }
  }
  assert.deepEqual(problems, []);
  assert.ok(woke >= 10, `the runs wake vCPUs (${woke} wakes seen)`);
});
