// The event-driven core's default (run until quiet) reproduces the old synchronous traces exactly: every built-in
// scenario and every flow × profile default run, against a frozen copy of the old loop (legacyRunner.ts).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { allFlows, parseScenario, resolveStart, runScenario, simulate, TraceStep } from '../../models/src/index';
import { legacyRunFrom, legacyRunScenario } from './legacyRunner';

const DIR = path.join(__dirname, '../../models/scenarios');
const files = fs.readdirSync(DIR).filter((f) => f.endsWith('.json') && !f.endsWith('.schema.json')).sort();

/**
 * Scenarios whose trace changed on purpose when a step began to hand work to another context as the code does: each
 * must still differ from the synchronous trace (the list cannot go stale) and keep its outcome.
 */
const CHANGED_ON_PURPOSE: Record<string, string> = {
  'xen-event-while-masked-then-unmask.json': 'X1.22 runs under the caller\'s irqsave (UM=1) and hands X1.25 (its local_irq_restore) to the CPU',
  'xen-lateeoi-masks-until-eoi.json': 'the same: xen_irq_lateeoi\'s unmask of a pending port re-raises under the caller\'s irqsave',
  'xen-2l-pv-local-unmask-upcall-at-irq-restore.json': 'the same: enable_irq\'s retrigger now runs before the restore, one handler run instead of two',
};

/** Flows whose runs change on purpose where work is handed over: a trace that differs must show the hand-off. */
const FLOWS_CHANGED_ON_PURPOSE: Record<string, string> = {
  Q2: 'the timer callback runs later on QEMU\'s main loop; apic_timer re-arms or deletes right after delivering, before the vCPU takes the vector',
  Q3: 'a kicked vCPU runs vcpu_run (Q3.5) on its own context after the sender is done, instead of inside the sender\'s chain',
  Q4: 'the posted-interrupt notification IPI is processed by the target later; the sender goes on with its next target first; a kicked vCPU with APICv inhibited runs vcpu_run (Q3.5@Q4), a woken one its load (Q4.8), on its own context',
  ...Object.fromEntries(['Q5', 'Q6', 'Q9', 'Q10', 'Q12'].map((q) => [q, 'the target vCPU\'s entry, delivery, handler and EOI are handed to its context as shared Q3/Q4 steps (Q3.5@' + q + ' …) instead of one compact vcpu_run inside the delivering step'])),
  ...Object.fromEntries(['X1', 'X2', 'X3', 'X4', 'X5', 'X6', 'X7'].map((x) => [x, 'vcpu_mark_events_pending (and its kick, whose entry check is handed to the vCPU) runs before evtchn_check_pollers, as in evtchn_2l_set_pending and evtchn_fifo_set_pending'])),
};

/** A changed trace of a listed flow is accepted only when work was handed to another context in it. */
function changedByHandOff(steps: TraceStep[], old: TraceStep[], what: string): void {
  if (JSON.stringify(withoutContexts(steps)) === JSON.stringify(old)) return;
  assert.ok(steps.some((s) => s.handedOff !== undefined || s.deferredTo !== undefined), `${what}: changed without a hand-off`);
}

/** The new fields say where work ran; the old trace has no such notion. */
function withoutContexts(steps: TraceStep[]): TraceStep[] {
  return steps.map(({ context: _c, deferredTo: _d, handedOff: _h, ...rest }) => rest as TraceStep);
}

void test('every built-in scenario: same steps, outcomes and final state as the synchronous simulator', () => {
  assert.ok(files.length > 50);
  let deferred = 0;
  for (const f of files) {
    const raw = JSON.parse(fs.readFileSync(path.join(DIR, f), 'utf8')) as unknown;
    // Scenarios that place actions or choose run modes have no synchronous equivalent.
    if (parseScenario(raw).actions.some((a) => a.at !== undefined || a.run !== undefined || a.on !== undefined)) continue;
    const now = runScenario(allFlows, raw);
    const old = legacyRunScenario(allFlows, parseScenario(raw));
    deferred += now.trace.steps.filter((s) => s.deferredTo !== undefined || s.handedOff !== undefined).length;
    const why = CHANGED_ON_PURPOSE[f];
    if (why !== undefined) {
      assert.notDeepEqual(withoutContexts(now.trace.steps), old.steps, `${f}: listed as changed (${why}) but unchanged`);
      continue;
    }
    if (now.trace.flow in FLOWS_CHANGED_ON_PURPOSE) {
      changedByHandOff(now.trace.steps, old.steps, f);
      continue;
    }
    assert.deepEqual(withoutContexts(now.trace.steps), old.steps, f);
    assert.deepEqual(now.trace.outcome, old.outcome, f);
    assert.deepEqual(now.trace.finalState, old.finalState, f);
    assert.equal(now.trace.truncated, old.truncated, f);
  }
  // The comparison is meaningful only if some scenarios really hand work to another context.
  assert.ok(deferred > 0, 'no built-in scenario defers work');
});

void test('every flow × profile default run: same trace as the synchronous simulator', () => {
  for (const flow of allFlows) {
    for (const p of flow.profiles) {
      const now = simulate(flow, { profile: p.id });
      const state = flow.initialState(p.id, now.params);
      const old = legacyRunFrom(flow, resolveStart(flow, undefined), state, now.params, p.id, 200);
      if (flow.id in FLOWS_CHANGED_ON_PURPOSE) {
        changedByHandOff(now.steps, old.steps, `${flow.id} ${p.id}`);
        continue;
      }
      assert.deepEqual(withoutContexts(now.steps), old.steps, `${flow.id} ${p.id}`);
      assert.deepEqual(now.outcome, old.outcome, `${flow.id} ${p.id}`);
      assert.deepEqual(now.finalState, old.finalState, `${flow.id} ${p.id}`);
    }
  }
});
