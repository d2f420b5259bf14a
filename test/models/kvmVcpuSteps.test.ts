// The target vCPU's run as steps in every KVM flow (issue "Simulator fidelity"): a kick, a wake-up or a posted-
// interrupt notification hands the target's entry, delivery, guest handler and EOI to its own context, where they run
// as the shared Q3/Q4 steps (`Q3.5@Q10` …) — so a scenario can place an action between them. Before, Q5, Q6, Q9, Q10
// and Q12 ran all of it inside the delivering step (one compact vcpu_run).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { allFlows, findFlow, runScenario, simulate, ScenarioRun } from '../../models/src/index';

const DIR = path.join(__dirname, '../../models/scenarios');

function scenario(name: string): ScenarioRun {
  const r = runScenario(allFlows, JSON.parse(fs.readFileSync(path.join(DIR, `${name}.json`), 'utf8')) as unknown);
  assert.ok(r.passed, `${name}:\n${r.expectations.map((e) => `${e.ok ? 'ok' : 'FAIL'} ${e.text}`).join('\n')}`);
  return r;
}

void test('each KVM flow carries the shared run steps, and no step outside Q3 and Q4 is Q3\'s or Q4\'s own', () => {
  for (const id of ['Q4', 'Q5', 'Q6', 'Q9', 'Q10', 'Q12']) {
    const ids = new Set(findFlow(id)!.steps.map((s) => s.id));
    for (const home of ['Q3.5', 'Q3.6', 'Q3.7', 'Q3.8', 'Q3.5e', 'Q3.9', 'Q3.10', 'Q3.11', 'Q3.12']) assert.ok(ids.has(`${home}@${id}`), `${id} has ${home}@${id}`);
    if (id !== 'Q4') for (const home of ['Q4.3', 'Q4.3a', 'Q4.4', 'Q4.g', 'Q4.6', 'Q4.8']) assert.ok(ids.has(`${home}@${id}`), `${id} has ${home}@${id}`);
  }
});

void test('an IPI hands the target its run: entry, injection, handler and EOI run on vcpu1 as Q3\'s steps', () => {
  const t = simulate(findFlow('Q10')!, { profile: 'kvm-inkernel' });
  const kick = t.steps.find((s) => s.step === 'Q10.5');
  assert.deepEqual(kick?.handedOff, ['Q3.5@Q10 → vcpu1']);
  const run = t.steps.filter((s) => s.context === 'vcpu1').map((s) => s.step);
  for (const id of ['Q3.5@Q10', 'Q3.6@Q10', 'Q3.7@Q10', 'Q3.8@Q10', 'Q3.5e@Q10', 'Q3.9@Q10', 'Q3.10@Q10']) assert.ok(run.includes(id), `${id} on vcpu1 (${run.join(' ')})`);
  assert.equal(t.outcome.filter((o) => o.kind === 'delivered').length, 1);
  // With APICv the notification is processed by the CPU on the target: Q4.3 → Q4.3a → Q4.g → Q4.6 on vcpu1.
  const p = simulate(findFlow('Q10')!, { profile: 'apicv-on' });
  assert.deepEqual(p.steps.filter((s) => s.context === 'vcpu1').map((s) => s.step).slice(0, 4), ['Q4.3@Q10', 'Q4.3a@Q10', 'Q4.g@Q10', 'Q4.6@Q10']);
});

void test('a second IPI placed while the first handler runs is accepted before that handler\'s EOI, and injected at it', () => {
  const s = scenario('kvm-ipi-second-while-handler-runs').trace.steps;
  const delivered = s.findIndex((x) => x.step === 'Q3.5e@Q10' && x.branch === 'delivered');
  const second = s.findIndex((x, k) => k > delivered && x.step === 'Q10.5');
  const eoi = s.findIndex((x) => x.step === 'Q3.10@Q10');
  const again = s.findIndex((x, k) => k > eoi && x.step === 'Q3.6@Q10' && x.branch === 'interrupt');
  assert.ok(delivered < second && second < eoi && eoi < again, `${delivered} < ${second} < ${eoi} < ${again}`);
  assert.deepEqual(s[second].changes.find((c) => c.path === 'vcpus.1.lapic.isr'), undefined);
  assert.ok(s.slice(delivered, second).every((x) => x.step !== 'Q3.10@Q10'), 'the first vector is still in service when the second arrives');
});

void test('interrupt window: IF=0 arms it, the guest\'s STI exits and the vector is injected on the vCPU', () => {
  const s = scenario('kvm-ipi-if-clear-window-exit-at-sti').trace.steps;
  const sti = s.find((x) => x.step === 'Q10.sti');
  assert.equal(sti?.branch, 'window-exit');
  assert.deepEqual(sti?.handedOff, ['Q3.5@Q10 → vcpu1']);
  // APICv: no exit; the recognised virtual interrupt is delivered by the CPU once IF is set.
  const r = runScenario(allFlows, {
    name: 'x', title: 'x', flow: 'Q4', profile: 'apicv-on', set: { 'vcpus.1.vcpu.rflags_if': false },
    actions: [{ do: 'post', with: { vector: 0x61, dest: 1 } }, { do: 'sti', with: { vcpu: 1 } }],
    expect: [{ outcome: 'delivered', target: 'vcpu1', what: 'vector 0x61', count: 1 }],
  });
  assert.ok(r.passed, r.expectations.map((e) => e.text).join('\n'));
  assert.equal(r.trace.steps.find((x) => x.step === 'Q4.sti')?.branch, 'virtual-delivery');
  // CLI then STI with nothing pending: no exit.
  const quiet = runScenario(allFlows, { name: 'x', title: 'x', flow: 'Q10', actions: [{ do: 'cli', with: { vcpu: 1 } }, { do: 'sti', with: { vcpu: 1 } }] });
  assert.deepEqual(quiet.trace.steps.map((x) => x.branch), ['if-cleared', 'if-set']);
});

void test('Q4 without APICv: a TPR write that exits runs on to the injection it allows', () => {
  const s = scenario('kvm-tpr-shadow-drop-runs-on-to-injection').trace.steps;
  const tpr = s.findIndex((x) => x.step === 'Q4.8t');
  assert.equal(s[tpr].next, 'Q3.5@Q4');
  assert.ok(s.slice(tpr).some((x) => x.step === 'Q3.5e@Q4' && x.branch === 'delivered'));
  // A TPR write placed between the acceptance and the target's entry (before the handed-off vcpu_run) holds it back.
  const b = scenario('kvm-tpr-raised-before-entry-holds-vector').trace.steps;
  const raise = b.findIndex((x) => x.step === 'Q4.8t');
  const entry = b.findIndex((x) => x.step === 'Q3.5@Q4');
  assert.ok(raise >= 0 && raise < entry, `${raise} < ${entry}`);
  assert.equal(b[entry + 1].branch, 'nothing');
});

void test('the guest handler\'s EOI is a choice in the VFIO and timer flows too: later by an action, through the EOI steps', () => {
  const s = scenario('kvm-vfio-msi-handler-eoi-later').trace.steps;
  assert.equal(s.find((x) => x.step === 'Q6.5e')?.next, 'Q6.eoi');
  assert.equal(s.find((x) => x.step === 'Q6.eoi')?.next, 'Q3.9@Q6');
  for (const id of ['Q3', 'Q4', 'Q5', 'Q6', 'Q9', 'Q10', 'Q12']) {
    const f = findFlow(id)!;
    assert.ok(f.params.some((p) => p.name === 'handler_eoi'), `${id} has handler_eoi`);
    assert.ok(f.actions.some((a) => a.name === 'eoi'), `${id} has an eoi action`);
  }
  // The timer's kick hands vcpu_run (Q9.5) to the vCPU, whose entry and EOI are Q3's steps there.
  const t = runScenario(allFlows, {
    name: 'x', title: 'x', flow: 'Q9', profile: 'kvm-inkernel',
    actions: [{ do: 'hv-timer', with: { on: false } }, { do: 'program', with: { vcpu: 0, mode: 'oneshot', tmict: 50000, tdcr: 11 } }, { do: 'advance', with: { vcpu: 0, ns: 200000 } }],
  }).trace.steps;
  const kick = t.find((x) => x.step === 'Q9.4');
  assert.equal(kick?.branch, 'pending-kick-ipi', t.map((x) => `${x.step}:${x.branch}`).join(' '));
  assert.equal(kick?.deferredTo, 'vcpu0');
  const eoi = t.find((x) => x.step === 'Q3.10@Q9');
  assert.equal(eoi?.context, 'vcpu0');
});

void test('split irqchip: a masked pin keeps the KVM route QEMU last wrote, so its vector still gets the EOI exit', () => {
  const r = scenario('kvm-split-masked-level-pin-keeps-route-eoi-reaches-qemu');
  assert.equal(r.trace.steps.find((x) => x.step === 'Q3.11' && x.action === undefined && x.branch !== 'not-ioapic')?.branch, 'split-exit');
  // Masked and re-aimed at vCPU 1: QEMU does not rewrite the route, so vCPU 0 keeps 0x31 and vCPU 1 does not get it.
  const moved = runScenario(allFlows, {
    name: 'x', title: 'x', flow: 'Q3', profile: 'kvm-split',
    actions: [{ do: 'write-rte', with: { pin: 10, vector: 49, trigger: 'level', dest: 1, mask: true } }],
    expect: [{ path: 'vcpus.0.vcpu.ioapic_handled_vectors', equals: [0x31] }, { path: 'vcpus.1.vcpu.ioapic_handled_vectors', equals: [] }, { path: 'split_routes.10.dest', equals: 0 }],
  });
  assert.ok(moved.passed, moved.expectations.map((e) => e.text).join('\n'));
  // A pin never unmasked has the zero route: it counts for nobody, even when its masked RTE is level.
  const never = runScenario(allFlows, {
    name: 'x', title: 'x', flow: 'Q3', profile: 'kvm-split',
    actions: [{ do: 'write-rte', with: { pin: 5, vector: 0x55, trigger: 'level', dest: 0, mask: true } }],
    expect: [{ path: 'split_routes.5', equals: null }, { path: 'vcpus.0.vcpu.ioapic_handled_vectors', equals: [0x31] }],
  });
  assert.ok(never.passed, never.expectations.map((e) => e.text).join('\n'));
});

void test('interrupt shadow: IF=1 but MOV SS / STI blocking arms the window; the exit follows the shadow and injects', () => {
  const s = scenario('kvm-ipi-in-interrupt-shadow-window-exit').trace.steps;
  const armed = s.findIndex((x) => x.step === 'Q3.6@Q10' && x.branch === 'irq-window');
  const ends = s.findIndex((x) => x.step === 'Q3.5e@Q10' && x.branch === 'shadow-ends-window-exit');
  const injected = s.findIndex((x) => x.step === 'Q3.5e@Q10' && x.branch === 'delivered');
  assert.ok(armed >= 0 && armed < ends && ends < injected, `${armed} < ${ends} < ${injected}`);
  assert.ok(s.slice(armed, injected).every((x) => x.context === 'vcpu1'), 'all of it on the target vCPU');
});
