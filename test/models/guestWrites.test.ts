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

void test('KVM accepts a restored SPIV bit 12 without LVR[24] (KVM_SET_LAPIC copies SPIV): set, or the set-lapic action', () => {
  // Refused as an impossible state before: the in-kernel irqchip takes it, and then keeps Remote-IRR on level EOIs.
  const r = run({ flow: 'Q3', profile: 'kvm-inkernel', set: { 'vcpus.0.lapic.svr_directed_eoi': true }, actions: [{ do: 'raise', with: { pin: 10 } }] });
  assert.deepEqual(branches(r, 'Q3.12'), ['remote-irr-kept']);
  assert.equal((r.trace.finalState as { ioapic: { ioredtbl: { remote_irr: number }[] } }).ioapic.ioredtbl[10].remote_irr, 1);
  // QEMU's APIC never holds it: only a guest write sets SVR there, and QEMU masks bit 12 (QR13).
  assert.throws(() => run({ flow: 'Q1', set: { 'cpus.0.lapic.svr_directed_eoi': true }, actions: [{ do: 'raise' }] }), /LVR\[24\]/);
});

void test('KVM SPIV guest write: bit 12 only with LVR[24]; clearing bit 8 masks every LVT entry', () => {
  const split = run({ flow: 'Q3', profile: 'kvm-split', set: { 'vcpus.1.lapic.lvr_directed_eoi': true }, actions: [{ do: 'write-svr', with: { svr: 0x11ff } }] });
  assert.deepEqual(branches(split, 'Q3.lw'), ['svr-written']);
  const off = run({ flow: 'Q4', profile: 'apicv-on', actions: [{ do: 'write-svr', with: { svr: 0xff } }, { do: 'write-lvt', with: { lvt: 'lint0', masked: false } }] });
  assert.deepEqual(branches(off, 'Q4.lw'), ['apic-disabled', 'lvt-written']);
  const l = (off.trace.finalState as { vcpus: { lapic: { lvt_timer: { masked: boolean }; lvt_lint0: { masked: boolean } } }[] }).vcpus[1].lapic;
  assert.equal(l.lvt_timer.masked, true);
  assert.equal(l.lvt_lint0.masked, true, 'an LVT write while software-disabled is forced masked');
});

void test('KVM LVTT: a mode change into TSC-deadline cancels the armed timer', () => {
  const r = run({ flow: 'Q9', profile: 'kvm-inkernel', actions: [{ do: 'hv-timer', with: { on: false } }, { do: 'program', with: { mode: 'oneshot', tmict: 100000 } }, { do: 'write-lvt', with: { mode: 'tsc-deadline' } }, { do: 'advance', with: { ns: 500000 } }] });
  assert.deepEqual(branches(r, 'Q9.lw'), ['lvtt-mode-change-stops-timer']);
  assert.equal(delivered(r, 'vector 0xec'), 0);
});

void test('KVM TPR write paths: shadow absorbs, no shadow exits on every write, APICv virtualizes; MMIO needs xAPIC, MSR x2APIC', () => {
  const held = { 'vcpus.1.lapic.tpr': 96 };
  const send = { do: 'send', with: { vector: 0x41, dest: 1 } };
  const noShadow = run({ flow: 'Q3', profile: 'kvm-inkernel', set: held, actions: [send, { do: 'write-tpr', with: { tpr: 0x50, via: 'mmio', tpr_shadow: false } }, { do: 'write-tpr', with: { tpr: 0x20, via: 'mmio', tpr_shadow: false } }] });
  assert.deepEqual(branches(noShadow, 'Q3.8t'), ['exit-write', 'exit-write']);
  assert.equal(delivered(noShadow, 'vector 0x41'), 1);
  assert.throws(() => run({ flow: 'Q3', actions: [{ do: 'write-tpr', with: { via: 'msr' } }] }), /MSR 0x808 exists only in x2APIC mode/);
  const x2 = run({ flow: 'Q3', set: { ...held, 'config.x2apic': true }, actions: [send, { do: 'write-tpr', with: { tpr: 0, via: 'msr' } }] });
  assert.deepEqual(branches(x2, 'Q3.8t'), ['below-threshold']);
  assert.equal(delivered(x2, 'vector 0x41'), 1);
});

void test('QEMU TCG TPR: an MMIO write stores the byte, MOV CR8 stores the class only (apic_set_tpr: CR8 << 4)', () => {
  const tpr = (via: string) => {
    const r = run({ flow: 'Q1', actions: [{ do: 'write-tpr', with: { cpu: 0, write_tpr: 0x5f, via } }] });
    return (r.trace.finalState as { cpus: { lapic: { tpr: number } }[] }).cpus[0].lapic.tpr;
  };
  assert.equal(tpr('mmio'), 0x5f);
  assert.equal(tpr('cr8'), 0x50);
});

void test('QEMU TCG: with handler_eoi false a level vector stays in service until an eoi action', () => {
  const base = { flow: 'Q1', params: { source: 'pci-i440fx', pirq: 0, handler_eoi: false } };
  const never = run({ ...base, actions: [{ do: 'raise' }] });
  assert.deepEqual(branches(never, 'Q1.13'), ['fasteoi-in-service']);
  assert.deepEqual((never.trace.finalState as { cpus: { lapic: { isr: number[] } }[] }).cpus[0].lapic.isr, [0x3a]);
  const later = run({ ...base, actions: [{ do: 'raise' }, { do: 'eoi', with: { cpu: 0 } }] });
  assert.deepEqual(branches(later, 'Q1.14'), ['broadcast']);
  assert.deepEqual((later.trace.finalState as { cpus: { lapic: { isr: number[] } }[] }).cpus[0].lapic.isr, []);
  const now = run({ flow: 'Q1', params: { source: 'pci-i440fx', pirq: 0 }, actions: [{ do: 'raise' }] });
  assert.deepEqual(branches(now, 'Q1.13'), ['fasteoi']);
});

void test('Xen vLAPIC SPIV: no directed EOI — MMIO drops bit 12, the x2APIC MSR write is #GP; bit 8 clear masks the LVTs', () => {
  const mmio = run({ flow: 'X6', actions: [{ do: 'write-svr', with: { vcpu: 0, svr: 0x11ff } }] });
  assert.deepEqual(branches(mmio, 'X6.7'), ['enabled']);
  assert.match(mmio.trace.steps.find((s) => s.step === 'X6.7')!.why, /bit 12 dropped/);
  const msr = run({ flow: 'X6', actions: [{ do: 'write-svr', with: { vcpu: 0, svr: 0x11ff, via: 'msr' } }] });
  assert.deepEqual(branches(msr, 'X6.7'), ['gp-reserved']);
  assert.equal(msr.trace.outcome.filter((o) => o.kind === 'error').length, 1);
  const off = run({ flow: 'X6', actions: [{ do: 'write-svr', with: { vcpu: 0, svr: 0xff } }] });
  assert.deepEqual(branches(off, 'X6.7'), ['disabled']);
  assert.equal((off.trace.finalState as { vlapic: { lvt_timer: { masked: boolean } }[] }).vlapic[0].lvt_timer.masked, true);
});

void test('Xen raw hypercalls in every flow: EVTCHNOP_unmask and EVTCHNOP_bind_vcpu, not only through Linux', () => {
  for (const flow of ['X1', 'X2', 'X3', 'X4', 'X5', 'X6', 'X7']) {
    const f = run({ flow, actions: [{ do: 'evtchnop-unmask', with: { port: 1 } }, { do: 'bind-vcpu', with: { port: 1, vcpu: 1 } }] });
    assert.ok(f.trace.steps.some((s) => s.step.startsWith('X1.23')), `${flow}: evtchn_unmask ran`);
    const bind = f.trace.steps.find((s) => s.step.startsWith('X5.4'));
    assert.ok(bind, `${flow}: evtchn_bind_vcpu ran`);
    // Port 1 is vCPU0's VIRQ_TIMER: a per-vCPU VIRQ cannot move (XR4).
    assert.equal(bind.branch, 'refused', `${flow}: ${bind.why}`);
  }
});

void test('Xen: a second raw EVTCHNOP_bind_virq for the same VIRQ and vCPU returns -EEXIST', () => {
  const r = run({ flow: 'X2', actions: [{ do: 'evtchnop-bind-virq', with: { virq: 1, vcpu: 0 } }, { do: 'evtchnop-bind-virq', with: { virq: 1, vcpu: 0 } }] });
  assert.deepEqual(branches(r, 'X2.3'), ['bound', 'eexist']);
  // The Linux wrapper would have reused its own binding instead (virq_to_irq) — VIRQ_TIMER is bound at boot.
  const wrapped = run({ flow: 'X2', actions: [{ do: 'bind-virq', with: { virq: 0, cpu: 0 } }] });
  assert.deepEqual(branches(wrapped, 'X2.2'), ['already-bound']);
});

void test('Xen PVH: a GSI or PCI INTx callback via is ignored, a vector via is taken; full HVM takes the GSI', () => {
  const pvh = run({ flow: 'X6', params: { guest: 'pvh', callback: 'vector' }, actions: [{ do: 'set-callback-via', with: { via: '0x1c' } }, { do: 'set-callback-via', with: { via: '0x0100000000001800' } }] });
  assert.deepEqual(branches(pvh, 'X6.2'), ['ignored-no-emulation', 'ignored-no-emulation']);
  const hvm = run({ flow: 'X6', params: { guest: 'hvm', callback: 'vector' }, actions: [{ do: 'set-callback-via', with: { via: '0x1c' } }] });
  assert.equal(branches(hvm, 'X6.2')[0], 'HVMIRQ_callback_gsi');
  assert.throws(() => run({ flow: 'X6', params: { guest: 'pvh', callback: 'gsi' }, actions: [{ do: 'vm-entry' }] }), /PVH guest has no emulated IO-APIC/);
});
