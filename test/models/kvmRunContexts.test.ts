// Q3's vCPU runs on their own contexts (issue 9 §1): a guest's EOI traps on the EOI'ing vCPU's thread, the re-sent
// level message is accepted and kicked there for every target, each kicked target runs vcpu_run on its own context,
// and the EOI'ing vCPU goes back to its own vcpu_run loop; the IO-APIC's delayed work only accepts and kicks.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { allFlows, runScenario, Scenario, TraceStep } from '../../models/src/index';

const DIR = path.join(__dirname, '../../models/scenarios');

function builtIn(name: string): Scenario {
  return JSON.parse(fs.readFileSync(path.join(DIR, `${name}.json`), 'utf8')) as Scenario;
}

function passed(r: ReturnType<typeof runScenario>): void {
  assert.ok(r.passed, r.expectations.map((e) => `${e.ok ? 'ok' : 'FAIL'} ${e.text}`).join('\n'));
}

const where = (s: TraceStep): string => s.context ?? 'main';

/** Level pin 10 to vcpu0 and vcpu1 (logical flat destination 0b11); both handlers keep the vector in service. */
function twoTargets(extra: Partial<Scenario> = {}): Scenario {
  return {
    name: 'two-targets', title: 'level EOI re-sent to two vCPUs', flow: 'Q3', profile: 'kvm-inkernel',
    params: { handler_eoi: false, handler_clears_line: false },
    set: { 'ioapic.ioredtbl.10.dest_mode': 1, 'ioapic.ioredtbl.10.dest': 3 },
    actions: [
      { do: 'raise', with: { pin: 10 } },
      { do: 'eoi', with: { vcpu: 0, handler_eoi: false } },
    ],
    ...extra,
  };
}

void test('a level EOI runs on the EOI\'ing vCPU\'s context: trap, re-send, acceptance, kick and its own re-entry', () => {
  const r = runScenario(allFlows, builtIn('kvm-level-eoi-must-reach-ioapic'));
  passed(r);
  const eoi = r.trace.steps.findIndex((s) => s.action === 'eoi');
  const after = r.trace.steps.slice(eoi);
  assert.deepEqual(after.map((s) => s.step), ['Q3.9', 'Q3.10', 'Q3.11', 'Q3.12', 'Q3.1', 'Q3.2', 'Q3.3', 'Q3.4', 'Q3.5', 'Q3.6', 'Q3.7', 'Q3.8', 'Q3.5e']);
  assert.deepEqual([...new Set(after.map(where))], ['vcpu0']);
  // vcpu0 kicks itself from its own thread: its run is the chain's continuation, not a second run handed to it.
  assert.equal(after.find((s) => s.step === 'Q3.4')?.handedOff, undefined);
});

void test('a re-send to two vCPUs: the other target runs on its own context after the EOI\'ing vCPU re-entered on its own', () => {
  const r = runScenario(allFlows, twoTargets());
  const eoi = r.trace.steps.findIndex((s) => s.action === 'eoi');
  const after = r.trace.steps.slice(eoi);
  const kicks = after.filter((s) => s.step === 'Q3.4');
  assert.equal(kicks.length, 2);
  assert.deepEqual(kicks.map(where), ['vcpu0', 'vcpu0'], 'kvm_irq_delivery_to_apic accepts and kicks every target on the EOI\'ing thread');
  assert.deepEqual(kicks[1].handedOff, ['Q3.5 → vcpu1']);
  const runs = after.filter((s) => s.step === 'Q3.5');
  assert.deepEqual(runs.map(where), ['vcpu0', 'vcpu1']);
  // vcpu1 still has the vector in service: the re-sent copy waits in IRR; vcpu0 takes it again.
  assert.equal(r.trace.outcome.filter((o) => o.kind === 'delivered' && o.target === 'vcpu0').length, 2);
  assert.equal(r.trace.outcome.filter((o) => o.kind === 'delivered' && o.target === 'vcpu1').length, 1);
});

void test('an action placed between the EOI\'ing vCPU\'s re-entry and the other target\'s run lands there', () => {
  // vcpu0 has 0x31 in service with the line still high; its EOI re-sends to both vCPUs. The guest on vcpu1 clears IF
  // just before vcpu1 processes its kick (beforeDeferred Q3.4): vcpu0 has re-entered and taken the vector by then.
  const r = runScenario(allFlows, twoTargets({
    set: {
      'ioapic.ioredtbl.10.dest_mode': 1, 'ioapic.ioredtbl.10.dest': 3, 'ioapic.ioredtbl.10.remote_irr': 1, 'ioapic.line': [10], 'ioapic.irr': [10],
      'vcpus.0.lapic.isr': [0x31], 'vcpus.0.lapic.tmr': [0x31],
    },
    actions: [
      { do: 'eoi', with: { vcpu: 0, handler_eoi: false } },
      { do: 'cli', with: { vcpu: 1 }, on: 'vcpu1', at: { beforeDeferred: 'Q3.4' } },
    ],
  }));
  const steps = r.trace.steps;
  const cli = steps.findIndex((s) => s.action === 'cli');
  const vcpu0In = steps.findIndex((s) => s.step === 'Q3.5e' && s.branch === 'delivered-in-service' && where(s) === 'vcpu0');
  const vcpu1Run = steps.findIndex((s) => s.step === 'Q3.5' && where(s) === 'vcpu1');
  assert.ok(vcpu0In >= 0 && cli >= 0 && vcpu1Run >= 0, 'vcpu0 re-entered, the cli fired, vcpu1 ran');
  assert.ok(vcpu0In < cli && cli < vcpu1Run, `vcpu0's re-entry (${vcpu0In}) < cli (${cli}) < vcpu1's run (${vcpu1Run})`);
  assert.equal(where(steps[cli]), 'vcpu1');
  assert.ok(steps.slice(vcpu1Run).some((s) => s.step === 'Q3.6' && s.branch === 'irq-window' && where(s) === 'vcpu1'));
  assert.equal(r.trace.outcome.filter((o) => o.kind === 'delivered' && o.target === 'vcpu1').length, 0, 'vcpu1 holds the vector behind IF=0');
});

void test('an EOI started on another context hands the EOI\'ing vCPU\'s re-entry to that vCPU', () => {
  const sc = builtIn('kvm-level-eoi-must-reach-ioapic');
  sc.actions[2] = { ...sc.actions[2], on: 'main' };
  const r = runScenario(allFlows, sc);
  passed(r);
  const eoi = r.trace.steps.findIndex((s) => s.action === 'eoi');
  const after = r.trace.steps.slice(eoi);
  const last = after.find((s) => s.step === 'Q3.4');
  assert.equal(where(last!), 'main');
  assert.equal(last!.deferredTo, 'vcpu0');
  assert.deepEqual([...new Set(after.filter((s) => ['Q3.5', 'Q3.6', 'Q3.7', 'Q3.8', 'Q3.5e'].includes(s.step)).map(where))], ['vcpu0']);
});

void test('the device lowers its line between apic_set_eoi and the IO-APIC EOI on another thread: nothing is re-sent', () => {
  const r = runScenario(allFlows, builtIn('kvm-line-lowered-during-eoi-exit'));
  passed(r);
  const s = r.trace.steps;
  const lowered = s.findIndex((x) => x.step === 'Q3.0' && x.branch === 'lowered');
  const setEoi = s.findIndex((x) => x.step === 'Q3.10');
  const ioapicEoi = s.findIndex((x) => x.step === 'Q3.12');
  assert.ok(setEoi < lowered && lowered < ioapicEoi);
  assert.equal(where(s[setEoi]), 'vcpu0');
  assert.equal(where(s[lowered]), 'main');
});

void test('the delayed eoi_inject work accepts and kicks on the work queue; it runs no vCPU\'s vcpu_run', () => {
  const r = runScenario(allFlows, builtIn('kvm-ioapic-delayed-reinject-kicks-only-targets'));
  passed(r);
  const s = r.trace.steps;
  const work = s.findIndex((x) => x.step === 'Q3.13');
  assert.ok(work > 0);
  assert.deepEqual(s.slice(work).map(where).filter((c) => c !== 'kvm-wq'), []);
  assert.ok(!s.slice(work).some((x) => x.step === 'Q3.5'));
  // Not preempted, the target's run goes to its own context.
  const free = runScenario(allFlows, builtIn('kvm-ioapic-eoi-storm-delayed-reinject'));
  passed(free);
  const w = free.trace.steps.findIndex((x) => x.step === 'Q3.13');
  const kick = free.trace.steps.slice(w).find((x) => x.step === 'Q3.4');
  assert.deepEqual(kick?.handedOff, ['Q3.5 → vcpu0']);
  assert.ok(free.trace.steps.slice(w).filter((x) => x.step === 'Q3.5').every((x) => where(x) === 'vcpu0'));
});

// Q12 (PV EOI): the target's run is the shared Q3/Q4 run on the target's context; Q12's own steps are the PV EOI
// enable, the acceptance, the guest's EOI (kvm_guest_apic_eoi_write) and the sync at the next exit.

void test('Q12: the target\'s run is handed to its context as the shared steps; PV EOI is armed by Q3.8@Q12', () => {
  const r = runScenario(allFlows, builtIn('kvm-pv-eoi-skips-exit'));
  passed(r);
  const steps = r.trace.steps;
  const accepted = steps.find((s) => s.step === 'Q12.i');
  assert.deepEqual(accepted?.handedOff, ['Q3.5@Q12 → vcpu1']);
  const run = steps.slice(steps.indexOf(accepted!) + 1);
  assert.deepEqual([...new Set(run.map(where))], ['vcpu1']);
  assert.deepEqual(run.slice(0, 7).map((s) => `${s.step} ${s.branch}`), [
    'Q3.5@Q12 event', 'Q3.6@Q12 interrupt', 'Q3.7@Q12 acked', 'Q3.8@Q12 injected-pv-eoi-armed', 'Q3.5e@Q12 delivered', 'Q12.4 no-exit', 'Q12.5 guest-eoi-done',
  ]);
});

void test('Q12: an interrupt for a preempted vCPU waits in IRR (the former chain injected it at once)', () => {
  const r = runScenario(allFlows, builtIn('kvm-pv-eoi-preempted-target-waits'));
  passed(r);
  // The same from a preempted start, without the preempt action the old flow lacked.
  const set = runScenario(allFlows, {
    name: 'x', title: 'x', flow: 'Q12', profile: 'kvm-inkernel', params: { vcpu: 1, vector: 65, dest: 1 },
    set: { 'vcpus.1.vcpu.preempted': true, 'vcpus.1.vcpu.mode': 'OUTSIDE_GUEST_MODE' },
    actions: [{ do: 'send', with: { vector: 65, dest: 1 } }],
    expect: [{ outcome: 'delivered', target: 'vcpu1', count: 0 }, { outcome: 'pending', target: 'vcpu1', count: 1 }, { path: 'vcpus.1.lapic.irr', equals: [65] }],
  });
  passed(set);
});

void test('Q12: scenarios naming the former run steps Q12.e, Q12.3 and Q12.g are checked where those decisions are taken now', () => {
  const sc = builtIn('kvm-pv-eoi-skips-exit');
  const r = runScenario(allFlows, {
    ...sc,
    actions: [...sc.actions, { do: 'set-if', with: { vcpu: 1, if: true }, at: { afterStep: 'Q12.e' } }],
    expect: [
      { step: 'Q12.3', branch: 'armed' }, { step: 'Q12.e', branch: 'injected' }, { step: 'Q12.g', branch: 'delivered' },
      { step: 'Q12.3', branch: 'ioapic-needs-eoi' }, { neverStep: 'Q12.g' },
    ],
  });
  assert.deepEqual(r.expectations.map((e) => e.ok), [true, true, true, false, false], r.expectations.map((e) => e.text).join('\n'));
  assert.match(r.expectations[0].text, /Q3\.8@Q12 took .*injected-pv-eoi-armed/);
  // The placement at the former step fired, after the step that does its work now.
  const placed = r.trace.steps.findIndex((s) => s.action === 'set-if');
  assert.equal(r.trace.steps[placed - 1].step, 'Q3.6@Q12');
  assert.throws(() => runScenario(allFlows, { ...sc, expect: [{ step: 'Q12.3', branch: 'no-such-branch' }] }), /Q12\.3/);
});
