// Guest-visible writes and host calls as scenario actions (issue 9 §2, §3): each checks what the real code does with
// the write, on every flow where it applies.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allFlows, runScenario } from '@irqlens/models';

type Raw = Record<string, unknown>;
const run = (s: Raw) => runScenario(allFlows, { name: 't', title: 't', ...s });
const delivered = (r: ReturnType<typeof run>, what: string) => r.trace.outcome.filter((o) => o.kind === 'delivered' && o.what === what).length;
const branches = (r: ReturnType<typeof run>, step: string) => r.trace.steps.filter((s) => s.step === step).map((s) => s.branch);

const maskRaiseUnmask = [
  { do: 'write-rte', with: { pin: 10, vector: 0x31, trigger: 'level', dest: 0, mask: true } },
  { do: 'raise', with: { pin: 10, level: true } },
  { do: 'write-rte', with: { pin: 10, vector: 0x31, trigger: 'level', dest: 0, mask: false } },
];

void test('KVM: unmasking a level pin whose request is latched delivers it (ioapic_write_indirect → ioapic_service), without and with APICv', () => {
  for (const profile of ['kvm-inkernel', 'kvm-split', 'apicv-off']) {
    const r = run({ flow: 'Q3', profile, actions: maskRaiseUnmask });
    assert.equal(delivered(r, 'vector 0x31'), 1, `${profile}: ${r.trace.steps.map((s) => `${s.step}:${s.branch}`).join(' ')}`);
    assert.deepEqual(branches(r, 'Q3.io'), ['rte-written', 'rte-service-sent'], profile);
  }
  const assertPin = maskRaiseUnmask.map((a) => (a.do === 'raise' ? { ...a, do: 'assert' } : a));
  const r = run({ flow: 'Q4', profile: 'apicv-on', actions: assertPin, set: { 'vcpus.0.vcpu.ioapic_handled_vectors': [0x31], 'vcpus.0.vcpu.eoi_exit_bitmap': [0x31] } });
  assert.equal(delivered(r, 'vector 0x31'), 1, r.trace.steps.map((s) => `${s.step}:${s.branch}`).join(' '));
  assert.deepEqual(branches(r, 'Q4.0i'), ['latched']);
});

void test('KVM: an unmask with the line low sends nothing, and a masked level request is reported latched', () => {
  const r = run({ flow: 'Q3', profile: 'kvm-inkernel', actions: [maskRaiseUnmask[0], { do: 'raise', with: { pin: 10, level: true } }, { do: 'raise', with: { pin: 10, level: false } }, maskRaiseUnmask[2]] });
  assert.equal(delivered(r, 'vector 0x31'), 0);
  assert.deepEqual(branches(r, 'Q3.0'), ['latched', 'lowered']);
  assert.deepEqual(branches(r, 'Q3.io'), ['rte-written', 'rte-written']);
});

void test('the IO-APIC EOI register: honoured by QEMU\'s version 0x20 IO-APIC (kvm-split), ignored by KVM\'s in-kernel version 0x11', () => {
  const set = { 'ioapic.ioredtbl.10.remote_irr': 1 };
  const split = run({ flow: 'Q3', profile: 'kvm-split', set, actions: [{ do: 'ioapic-eoi', with: { vector: 0x31 } }] });
  assert.deepEqual(branches(split, 'Q3.io'), ['eoi-register']);
  assert.equal((split.trace.finalState as { ioapic: { ioredtbl: { remote_irr: number }[] } }).ioapic.ioredtbl[10].remote_irr, 0);
  const inKernel = run({ flow: 'Q3', profile: 'kvm-inkernel', set, actions: [{ do: 'ioapic-eoi', with: { vector: 0x31 } }] });
  assert.deepEqual(branches(inKernel, 'Q3.io'), ['eoi-register-ignored']);
  assert.equal((inKernel.trace.finalState as { ioapic: { ioredtbl: { remote_irr: number }[] } }).ioapic.ioredtbl[10].remote_irr, 1);
  // With the line still high the split EOI re-sends through the routing step.
  const high = run({ flow: 'Q4', profile: 'kvm-split-apicv', set: { ...set, 'ioapic.irr': [10], 'ioapic.line': [10] }, actions: [{ do: 'ioapic-eoi', with: { vector: 0x31 } }] });
  assert.deepEqual(branches(high, 'Q4.io'), ['eoi-register-resent']);
  assert.ok(branches(high, 'Q4.0').length > 0);
});

void test('KVM_SET_IRQCHIP is refused for QEMU\'s IO-APIC (split irqchip), with the field named', () => {
  assert.throws(() => run({ flow: 'Q3', profile: 'kvm-split', actions: [{ do: 'restore-ioapic' }] }), /in-kernel IO-APIC/);
});
