// A run from a step after the flow's entry starts with the state the earlier steps establish: for every linked step
// of every flow, the trace from the step is the default run's own from that point (its steps, branches and
// deliveries), and it names the steps it assumed. The panel, the CLI and the hover show the same run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { allFlows, findFlow, ModelError, simulate, type OutcomeEvent } from '@irqlens/models';
import { FlowGuide } from '../../server/src/engine/flowGuide/flowGuide';
import { simulateFromStep, startedTraceText } from '../../server/src/engine/flowGuide/midFlowStart';
import type { IndexQueries } from '../../server/src/engine/index/types';
import { simulateRequest } from '../../server/src/lsp/flowGuide/simulateRequest';

const repo = path.join(__dirname, '..', '..');
const delivered = (outcome: OutcomeEvent[]) => outcome.filter((o) => o.kind === 'delivered').map((o) => JSON.stringify(o));

/** `all` without one occurrence of each of `gone` (multisets of JSON texts). */
function without(all: string[], gone: string[]): string[] {
  const rest = [...all];
  for (const g of gone) {
    const i = rest.indexOf(g);
    if (i >= 0) rest.splice(i, 1);
  }
  return rest;
}

void test('every linked step of every flow: the run from it is the default run from that point, deliveries included', () => {
  let afterEntry = 0;
  let alone = 0;
  for (const flow of allFlows) {
    const full = simulate(flow);
    for (const step of flow.steps) {
      if (step.links.length === 0) continue;
      const where = `${flow.id} from ${step.id}`;
      const at = full.steps.findIndex((s) => s.step === step.id);
      let run;
      try {
        run = simulateFromStep(flow, { from: step.id });
      } catch (e) {
        // Only a step the default run never reaches may be refused (it needs a guest type or value set upstream).
        assert.ok(e instanceof ModelError && at < 0, `${where}: ${(e as Error).message}`);
        continue;
      }
      const text = startedTraceText(run, flow);
      if (step.id === flow.entry) {
        assert.equal(run.start.kind, 'entry', where);
        continue;
      }
      if (at < 0) {
        alone++;
        assert.equal(run.start.kind, 'alone', where);
        assert.match(text.split('\n')[2], /^assumed: nothing \(the run from the entry \S+ does not reach/, where);
        continue;
      }
      afterEntry++;
      assert.ok(run.start.kind === 'after-entry', where);
      assert.deepEqual(run.start.assumed.map((a) => a.step), full.steps.slice(0, at).map((s) => s.step), `${where}: the assumed steps`);
      assert.deepEqual(run.trace.steps.map((s) => `${s.step}:${s.branch}`), full.steps.slice(at).map((s) => `${s.step}:${s.branch}`), `${where}: the same steps`);
      assert.equal(run.trace.steps[0].index, 0, where);
      // The deliveries the first `at` steps make, from a run stopped there: what is left is what the step's run must make.
      const before = delivered(simulate(flow, { maxSteps: at }).outcome);
      assert.deepEqual(delivered(run.trace.outcome), without(delivered(full.outcome), before), `${where}: no delivery lost`);
      assert.ok(text.split('\n')[2].startsWith(`assumed: the run from the entry up to ${step.id}, not shown (${at} steps): ${full.steps[0].step} ${full.steps[0].branch}`), `${where}: ${text.split('\n')[2]}`);
    }
  }
  assert.ok(afterEntry > 100 && alone > 50, `${afterEntry} steps started after the entry, ${alone} on their own`);
});

void test('a delivery made after the step is kept: X1 on an HVM guest from hvm_assert_evtchn_irq reaches the driver', () => {
  const x1 = findFlow('X1')!;
  const whole = simulate(x1, { params: { guest: 'hvm' } });
  assert.ok(whole.outcome.some((o) => o.kind === 'delivered'), 'the whole run delivers');
  const run = simulateFromStep(x1, { from: 'X6.4@X1', params: { guest: 'hvm' } });
  assert.equal(run.start.kind, 'after-entry');
  assert.deepEqual(delivered(run.trace.outcome), delivered(whole.outcome));
  assert.ok(run.trace.steps.some((s) => s.step === 'X1.14@X1' || s.title === 'xen_evtchn_do_upcall'));
  // On its own the step sees no pending event: the loss the start after the entry avoids.
  assert.deepEqual(delivered(simulateFromStep(x1, { from: 'X6.4@X1', params: { guest: 'hvm' }, alone: true }).trace.outcome), []);
});

void test('hvm_assert_evtchn_irq in X6: the panel, the CLI and the hover show one run down to xen_evtchn_do_upcall', () => {
  const x6 = findFlow('X6')!;
  const direct = simulateFromStep(x6, { from: 'hvm_assert_evtchn_irq' });
  const ids = direct.trace.steps.map((s) => s.step);
  assert.equal(ids[0], 'X6.4');
  assert.ok(ids.includes('X1.14@X6'), ids.join(' '));

  const noTrees = { trees: () => [] } as unknown as IndexQueries; // links then say why they are unresolved
  const guide = new FlowGuide();
  const panel = simulateRequest(noTrees, guide.flows, guide.scenarios(), { flow: 'X6', from: 'hvm_assert_evtchn_irq' });
  assert.ok(panel.ok);
  assert.deepEqual(panel.trace.steps.map((s) => s.step), ids);
  assert.deepEqual(panel.trace.assumed?.map((a) => a.step), ['X6.0', 'X6.3']);
  assert.equal(panel.trace.text, startedTraceText(direct, x6));

  const hover = guide.workedRun(x6, x6.steps.find((s) => s.id === 'X6.4')!);
  assert.deepEqual(hover?.steps.map((s) => s.step), ids);
  assert.deepEqual(hover?.assumed.map((a) => a.step), ['X6.0', 'X6.3']);
  assert.deepEqual(hover?.outcome, direct.trace.outcome);

  const cli = spawnSync(process.execPath, ['--import', 'tsx', path.join(repo, 'server/src/cli/main.ts'), 'simulate', 'X6', '--from', 'hvm_assert_evtchn_irq'], { cwd: repo, encoding: 'utf8' });
  assert.equal(cli.status, 0, cli.stderr);
  assert.equal(cli.stdout, `${panel.trace.text}\n`);
  assert.match(cli.stdout, /^assumed: the run from the entry up to X6\.4, not shown \(2 steps\): X6\.0 percpu-upcall → X6\.3 set$/m);
});

void test('a step the run from the entry does not reach starts on its own and says why; parameters apply to the whole run', () => {
  const x6 = findFlow('X6')!;
  const eoi = simulateFromStep(x6, { from: 'X6.12' });
  assert.equal(eoi.start.kind, 'alone');
  assert.match(startedTraceText(eoi, x6), /assumed: nothing \(the run from the entry X6\.0 does not reach X6\.12 with these parameters/);
  // callback = vector: the run from the entry goes X6.0 → X6.1 → X6.2 → X6.4, so X6.4 sees the global callback set.
  const vector = simulateFromStep(x6, { from: 'X6.4', params: { callback: 'vector' } });
  assert.ok(vector.start.kind === 'after-entry');
  assert.deepEqual(vector.start.assumed.map((a) => a.step), ['X6.0', 'X6.1', 'X6.2']);
  assert.equal(vector.trace.steps[0].branch, 'no-upcall-vector');
  assert.throws(() => simulateFromStep(x6, { from: 'X6.4', params: { callback: 'bogus' } }), /callback/);
});

void test('the panel sees where handed-over work runs: the tasklet scenario queues X6.5 on xen-softirq', () => {
  const noTrees = { trees: () => [] } as unknown as IndexQueries;
  const guide = new FlowGuide();
  const r = simulateRequest(noTrees, guide.flows, guide.scenarios(), { scenario: { name: 'xen-hvm-assert-in-irq-context-tasklet' } });
  assert.ok(r.ok, JSON.stringify(r));
  const at = r.trace.steps.findIndex((s) => s.step === 'X6.4');
  assert.equal(r.trace.steps[at].branch, 'tasklet');
  assert.deepEqual(r.trace.steps[at].handedOff, ['X6.5 → xen-softirq']);
  // The caller (evtchn_2l_set_pending) goes on first; the tasklet runs afterwards on its context.
  assert.equal(r.trace.steps[at + 1].step, 'X1.7@X6');
  const tasklet = r.trace.steps.findIndex((s) => s.step === 'X6.5');
  assert.ok(tasklet > at + 1);
  assert.equal(r.trace.steps[tasklet].context, 'xen-softirq');
  assert.ok(r.trace.expectations?.every((e) => e.ok), JSON.stringify(r.trace.expectations));
});
