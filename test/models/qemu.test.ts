// Flows Q1, Q2, Q7, Q8, Q11: scenario tests written from the rules (QR…) (each names its rule), every built-in
// qemu/virtio/vhost/linux-ioapic scenario, step coverage, and bad input giving a ModelError that names the field.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { allFlows, findFlow, ModelError, runScenario, simulate, Trace } from '@irqlens/models';

const scenarioDir = path.join(__dirname, '..', '..', 'models', 'scenarios');
const MINE = /^(qemu|virtio|vhost|linux-ioapic)-.*\.json$/;
const flow = (id: string) => {
  const f = findFlow(id);
  assert.ok(f, id);
  return f;
};
const branches = (t: Trace, step: string): string[] => t.steps.filter((s) => s.step === step).map((s) => s.branch);
const run = (raw: object) => runScenario(allFlows, { name: 'inline', title: 'inline', ...raw } as never);

void test('every built-in qemu/virtio/vhost/linux-ioapic scenario is valid, named after its file, and passes', () => {
  const files = fs.readdirSync(scenarioDir).filter((f) => MINE.test(f));
  assert.ok(files.length >= 20, `found ${files.length}`);
  for (const f of files) {
    const raw = JSON.parse(fs.readFileSync(path.join(scenarioDir, f), 'utf8'));
    assert.equal(raw.name, f.replace(/\.json$/, ''));
    assert.ok(raw.question && raw.source, `${f} quotes its question and source`);
    const r = runScenario(allFlows, raw);
    assert.ok(r.passed, `${f}:\n${r.expectations.filter((e) => !e.ok).map((e) => e.text).join('\n')}`);
    assert.ok(r.expectations.length >= 2, `${f} checks something`);
  }
});

void test('every step of Q1, Q2, Q7, Q8, Q11 is reached by a default run or a built-in scenario', () => {
  const seen = new Set<string>();
  for (const id of ['Q1', 'Q2', 'Q7', 'Q8', 'Q11']) {
    const f = flow(id);
    for (const p of f.profiles) simulate(f, { profile: p.id }).steps.forEach((s) => seen.add(s.step));
  }
  for (const f of fs.readdirSync(scenarioDir).filter((x) => MINE.test(x))) {
    runScenario(allFlows, JSON.parse(fs.readFileSync(path.join(scenarioDir, f), 'utf8'))).trace.steps.forEach((s) => seen.add(s.step));
  }
  const missing = ['Q1', 'Q2', 'Q7', 'Q8', 'Q11'].flatMap((id) => flow(id).steps.map((s) => s.id)).filter((id) => !seen.has(id));
  assert.deepEqual(missing, []);
});

void test('QR7/QR10 (Q1, QEMU-TCG): a level INTx goes line → Remote-IRR → LAPIC → handler → EOI broadcast → Remote-IRR cleared', () => {
  const t = simulate(flow('Q1'), {});
  assert.equal(t.profile, 'qemu-tcg');
  assert.deepEqual(branches(t, 'Q1.4'), ['send-level']);
  assert.deepEqual(branches(t, 'Q1.14'), ['broadcast']);
  assert.deepEqual(branches(t, 'Q1.15'), ['released']);
  const fs0 = t.finalState as { ioapic: { ioredtbl: { remote_irr: number }[] }; cpus: { lapic: { isr: number[]; irr: number[] }; eflags_if: boolean }[] };
  assert.equal(fs0.ioapic.ioredtbl[10].remote_irr, 0);
  assert.deepEqual(fs0.cpus[0].lapic.isr, []);
  assert.equal(fs0.cpus[0].eflags_if, true);
  assert.equal(t.outcome.filter((o) => o.kind === 'delivered' && o.handler === 'handle_fasteoi_irq').length, 1);
});

void test('QR16 (Q1): the POLL round trip happens exactly when the raising thread is not the target vCPU’s', () => {
  for (const [thread, poll] of [['main-loop', true], ['iothread', true], ['vcpu0', false], ['vcpu1', true]] as const) {
    const t = simulate(flow('Q1'), { params: { source: 'isa', irq: 4, cpus: 2, from_thread: thread } });
    assert.equal(branches(t, 'Q1.8')[0], poll ? 'poll' : 'hard', thread);
    assert.equal(branches(t, 'Q1.10').includes('poll'), poll, thread);
  }
});

void test('QR6 (Q1): with IF=0 the vCPU leaves CPU_INTERRUPT_HARD set; sti + run-cpu takes it', () => {
  const r = run({ flow: 'Q1', params: { source: 'isa', irq: 4 }, actions: [{ do: 'set-if', with: { if: false } }, { do: 'raise' }, { do: 'set-if', with: { if: true } }, { do: 'run-cpu' }] });
  const steps = r.trace.steps;
  assert.ok(steps.some((s) => s.step === 'Q1.10' && s.branch === 'blocked-if'));
  assert.equal(r.trace.outcome.filter((o) => o.kind === 'delivered').length, 1);
  const last = steps.filter((s) => s.step === 'Q1.13');
  assert.equal(last.length, 1, 'the handler ran once, after sti');
});

void test('QR15 (Q1, QEMU): lowest priority goes to the first APIC in the mask; fixed logical to every APIC in it', () => {
  const lp = run({ flow: 'Q1', params: { cpus: 2 }, actions: [{ do: 'msi', with: { vector: 0x61, dest: 3, dest_mode: 1 } }] });
  assert.ok(lp.trace.steps.some((s) => s.step === 'Q1.6' && s.branch === 'fixed'));
  assert.ok(lp.trace.outcome.some((o) => o.kind === 'pending' && o.target === 'vcpu1'), 'fixed to logical 0x03 also latches on cpu1');
  const state = lp.trace.finalState as { cpus: { lapic: { irr: number[] } }[] };
  assert.deepEqual(state.cpus[1].lapic.irr, [0x61]);
});

void test('QR5 (Q1, QEMU): an interrupt blocked by a TPR raise between HARD and INTA gives the spurious vector; Linux does not EOI it', () => {
  const r = run({
    flow: 'Q1', params: { source: 'isa', irq: 4 },
    set: { 'cpus.0.lapic.irr': [0x34], 'cpus.0.lapic.tpr': 0x50, 'cpus.0.interrupt_request': ['HARD'], thread: 'vcpu0' },
    actions: [{ do: 'run-cpu' }],
  });
  assert.ok(r.trace.steps.some((s) => s.step === 'Q1.11' && s.branch === 'spurious'));
  assert.ok(r.trace.steps.some((s) => s.step === 'Q1.13' && s.branch === 'spurious'));
  assert.ok(!r.trace.steps.some((s) => s.step === 'Q1.14'), 'no EOI for the spurious vector');
  assert.deepEqual((r.trace.finalState as { cpus: { lapic: { irr: number[] } }[] }).cpus[0].lapic.irr, [0x34], 'IRR untouched');
});

void test('QR13 (Q1): the same SVR write sticks bit 12 on the SDM profile and is dropped on QEMU-TCG', () => {
  for (const [profile, bit] of [['qemu-tcg', false], ['sdm', true]] as const) {
    const r = run({ flow: 'Q1', profile, actions: [{ do: 'write-svr', with: { svr: 0x11ff } }] });
    assert.equal((r.trace.finalState as { cpus: { lapic: { svr_directed_eoi: boolean } }[] }).cpus[0].lapic.svr_directed_eoi, bit, profile);
  }
});

void test('QR24/QR26 (Q2): a periodic timer fires at multiples of (IC+1)<<shift; a masked LVTT never arms', () => {
  const t = simulate(flow('Q2'), { params: { lvtt: 0x200ec, tmict: 9, tdcr: 0xb, ticks: 3 } });
  assert.deepEqual(t.steps.filter((s) => s.step === 'Q2.3').map((s) => s.why.match(/reaches (\d+)/)?.[1]), ['10', '20', '30']);
  const m = simulate(flow('Q2'), { params: { lvtt: 0x100ec } });
  assert.deepEqual(branches(m, 'Q2.2'), ['timer-del']);
  assert.ok(!m.steps.some((s) => s.step === 'Q2.3'));
});

void test('QR27 (Q8): a masked MSI-X vector is not lost (PBA), unlike a masked edge IO-APIC pin (QR8)', () => {
  const msix = run({ flow: 'Q8', actions: [{ do: 'mask-vector' }, { do: 'complete' }, { do: 'unmask-vector' }] });
  assert.equal(msix.trace.outcome.filter((o) => o.kind === 'delivered').length, 1);
  const edge = run({ flow: 'Q1', params: { source: 'isa', irq: 4 }, actions: [{ do: 'write-rte', with: { pin: 4, rte_vector: 0x34, trig_mode: 0, mask: 1 } }, { do: 'raise' }, { do: 'write-rte', with: { pin: 4, rte_vector: 0x34, trig_mode: 0, mask: 0 } }] });
  assert.ok(edge.trace.outcome.some((o) => o.kind === 'lost' && o.what === 'pin 4'));
  assert.equal(edge.trace.outcome.filter((o) => o.kind === 'delivered').length, 0);
});

void test('Q7 profiles: with irqfd KVM injects from the call eventfd; without, QEMU’s main loop sends the MSI-X message', () => {
  assert.deepEqual(branches(simulate(flow('Q7'), { profile: 'vhost-irqfd' }), 'Q7.5'), ['irqfd-fast']);
  assert.deepEqual(branches(simulate(flow('Q7'), { profile: 'vhost-qemu-call' }), 'Q7.5'), ['qemu-msix']);
});

void test('QR11/QR12 (Q11): the guest-side IO-APIC EOI uses the EOI register on QEMU (0x20) and the RTE rewrite on KVM (0x11); IR always EOIs the pin', () => {
  const acts = [{ do: 'boot' }, { do: 'raise-line' }, { do: 'lower-line' }, { do: 'ack-level', with: { tmr_set: false } }];
  const q = run({ flow: 'Q11', profile: 'qemu-tcg', params: { source: 'pci-gsi', gsi: 17 }, actions: acts });
  const k = run({ flow: 'Q11', profile: 'kvm-inkernel', params: { source: 'pci-gsi', gsi: 17 }, actions: acts });
  assert.deepEqual(q.trace.steps.filter((s) => s.step === 'Q11.10').map((s) => s.branch), ['eoi-register']);
  assert.deepEqual(k.trace.steps.filter((s) => s.step === 'Q11.10').map((s) => s.branch), ['rte-rewrite']);
  const ir = run({ flow: 'Q11', params: { source: 'pci-gsi', gsi: 17, ir: true }, actions: [{ do: 'boot' }, { do: 'raise-line' }, { do: 'lower-line' }, { do: 'ack-level', with: { tmr_set: true } }] });
  const st = ir.trace.finalState as { ioapic: { ioredtbl: { vector: number; remote_irr: number }[] } };
  assert.equal(st.ioapic.ioredtbl[17].vector, 17, 'under IR the RTE vector is the pin number');
  assert.equal(st.ioapic.ioredtbl[17].remote_irr, 0, 'ioapic_ir_ack_level EOIed the pin explicitly');
});

void test('Q11: PCI GSI attribute mismatch on an already-mapped pin gives -EBUSY (mp_check_pin_attr)', () => {
  const t = simulate(flow('Q11'), { params: { source: 'pci-gsi', gsi: 11, pci_level: false } });
  assert.ok(t.steps.some((s) => s.step === 'Q11.7' && s.branch === 'attr-mismatch-ebusy'));
});

function throwsField(fn: () => unknown, field: RegExp, why: string): void {
  assert.throws(fn, (e: unknown) => e instanceof ModelError && (field.test(e.field ?? '') || field.test(e.message)), why);
}

void test('bad input gives a ModelError naming the field', () => {
  // vector < 16 in programmed sources (an MSI message or IRR bit below 16 is accepted: lowVectors.test.ts)
  throwsField(() => simulate(flow('Q1'), { set: { 'ioapic.ioredtbl.4.vector': '7' } }), /ioapic\.ioredtbl\.4\.vector/, 'RTE vector 7 unmasked');
  throwsField(() => simulate(flow('Q2'), { params: { lvtt: 0x05 } }), /lvtt/, 'LVTT vector 5');
  throwsField(() => simulate(flow('Q7'), { params: { vector: 9 } }), /vector/, 'MSI-X vector 9');
  // pin ≥ 24
  throwsField(() => run({ flow: 'Q1', actions: [{ do: 'write-rte', with: { pin: 24 } }] }), /^pin$/, 'RTE pin 24');
  throwsField(() => simulate(flow('Q1'), { params: { source: 'isa', irq: 24 } }), /^irq$/, 'IRQ 24');
  throwsField(() => simulate(flow('Q11'), { params: { source: 'pci-gsi', gsi: 24 } }), /^gsi$/, 'GSI 24');
  throwsField(() => simulate(flow('Q1'), { set: { 'ioapic.irr': '[25]' } }), /ioapic\.irr/, 'latched pin 25');
  // unknown CPU
  throwsField(() => run({ flow: 'Q1', actions: [{ do: 'eoi', with: { cpu: 2 } }] }), /^cpu$/, 'EOI on cpu2 of a 1-CPU machine');
  throwsField(() => simulate(flow('Q1'), { params: { cpu: 3 } }), /cpu = 3/, 'cpu param 3');
  throwsField(() => simulate(flow('Q1'), { params: { from_thread: 'vcpu3' } }), /from_thread/, 'thread of a missing vCPU');
  throwsField(() => simulate(flow('Q2'), { params: { cpu: 1 } }), /cpu = 1/, 'Q2 on a missing APIC');
  // unknown profile, unknown field
  throwsField(() => simulate(flow('Q1'), { profile: 'kvm-inkernel' }), /^profile$/, 'Q1 has no KVM profile');
  throwsField(() => simulate(flow('Q7'), { set: { 'vq.used_idx': '3' } }), /vq\.used_idx/, 'no such field');
  throwsField(() => simulate(flow('Q7'), { set: { 'vq.used.idx': '70000', 'vq.last_used_idx': '70000' } }), /vq\.used\.idx/, '16-bit index');
});

void test('QR15: lowest priority — QEMU-TCG takes the first APIC in the mask, the SDM profile arbitrates to the lowest PPR', () => {
  const set = { 'cpus.0.lapic.tpr': 0x80, 'cpus.0.lapic.ppr': 0x80 };
  const q = run({ flow: 'Q1', profile: 'qemu-tcg', params: { cpus: 2 }, set, actions: [{ do: 'msi', with: { vector: 0x61, dest: 3, delivery_mode: 1 } }] });
  const s = run({ flow: 'Q1', profile: 'sdm', params: { cpus: 2 }, set, actions: [{ do: 'msi', with: { vector: 0x61, dest: 3, delivery_mode: 1 } }] });
  assert.deepEqual(q.trace.steps.filter((x) => x.step === 'Q1.6').map((x) => x.branch), ['lowpri-first']);
  assert.deepEqual(s.trace.steps.filter((x) => x.step === 'Q1.6').map((x) => x.branch), ['lowpri-arbitrated']);
  const irr = (r: typeof q) => (r.trace.finalState as { cpus: { lapic: { irr: number[] } }[] }).cpus.map((c) => c.lapic.irr);
  assert.deepEqual(irr(q), [[0x61], []], 'QEMU: cpu0 although its TPR blocks class 6');
  assert.deepEqual(irr(s), [[], []], 'SDM: cpu1 (PPR 0) took it and handled it');
  assert.ok(s.trace.outcome.some((o) => o.kind === 'delivered' && o.target === 'vcpu1'));
});

void test('QR24 vs SDM 10.5.4: QEMU fires after (IC+1) ticks, the SDM profile after IC ticks', () => {
  const at = (profile: string) => simulate(flow('Q2'), { profile, params: { tmict: 99, tdcr: 0xb, ticks: 1 } }).steps.find((s) => s.step === 'Q2.3')?.why.match(/reaches (\d+)/)?.[1];
  assert.equal(at('qemu-tcg'), '100');
  assert.equal(at('sdm'), '99');
});

void test('every step of Q1, Q2, Q7, Q8, Q11 can be a starting point in every profile: a finished trace or a ModelError, never a crash', () => {
  let traces = 0;
  for (const id of ['Q1', 'Q2', 'Q7', 'Q8', 'Q11']) {
    const f = flow(id);
    for (const p of f.profiles) {
      for (const s of f.steps) {
        try {
          const t = simulate(f, { profile: p.id, from: s.id });
          assert.equal(t.truncated, false, `${id}/${p.id} from ${s.id} ends`);
          assert.equal(t.steps[0].step, s.id);
          traces++;
        } catch (e) {
          assert.ok(e instanceof ModelError, `${id}/${p.id} from ${s.id}: ${(e as Error).message}`);
          assert.match(e.message, /\S+/);
        }
      }
    }
  }
  assert.ok(traces > 80, `${traces} runs from a middle step`);
  // and from a linked function name, as `irqlens simulate Q1 --from apic_eoi` does
  assert.equal(simulate(flow('Q1'), { from: 'apic_eoi' }).steps[0].step, 'Q1.14');
  assert.equal(simulate(flow('Q2'), { from: 'apic_local_deliver' }).steps[0].step, 'Q2.4');
});

void test('QR16 (Q1): a halted vCPU is woken by the POLL kick, takes the interrupt, and is no longer halted', () => {
  const r = run({ flow: 'Q1', params: { source: 'isa', irq: 4 }, set: { 'cpus.0.halted': true }, actions: [{ do: 'raise' }] });
  const kick = r.trace.steps.find((s) => s.step === 'Q1.9' && s.branch === 'kick');
  assert.ok(kick && /wakes it from hlt/.test(kick.why));
  assert.equal((r.trace.finalState as { cpus: { halted: boolean }[] }).cpus[0].halted, false);
  assert.equal(r.trace.outcome.filter((o) => o.kind === 'delivered').length, 1);
});

void test('Q1.2a: in PIC mode (LINT0 = unmasked ExtINT, IRQ open in the 8259, RTE masked) the IRQ is not reported lost: the 8259 posts HARD', () => {
  const r = run({
    flow: 'Q1', params: { source: 'isa', irq: 4 },
    set: { 'cpus.0.lvt.3': 0x700, 'pic.master.imr': 0, 'ioapic.ioredtbl.4.mask': 1 },
    actions: [{ do: 'raise' }],
  });
  assert.deepEqual(r.trace.steps.filter((s) => s.step === 'Q1.2a').map((s) => s.branch), ['extint']);
  assert.deepEqual(r.trace.steps.filter((s) => s.step === 'Q1.3').map((s) => s.branch), ['masked-edge-pic']);
  assert.ok(!r.trace.outcome.some((o) => o.kind === 'lost'));
  assert.deepEqual((r.trace.finalState as { cpus: { interrupt_request: string[] }[] }).cpus[0].interrupt_request, ['HARD']);
});
