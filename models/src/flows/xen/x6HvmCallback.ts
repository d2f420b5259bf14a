// Flow X6: the HVM/PVHVM callback variants — Linux chooses (per-vCPU vector, global vector, GSI, PCI INTx),
// Xen parses HVM_PARAM_CALLBACK_IRQ and re-asserts every vCPU; delivery through X6.4–X6.15 (docs/flows/X6.md).

import { parseCallbackVia, driveVia } from '../../components/xenHvmCallback';
import { nrVcpus } from '../../components/xenDomain';
import { makeXenFlow, specFrom } from './xenFlowBase';
import { CALLBACK_GSI, CALLBACK_VECTOR, LINUX_EVENTS_BASE, P_ABI, P_CALLBACK, P_VCPU, P_VCPUS, XEN_HVM_IRQ, XStep, call, finish, go, linuxLink, num, str, xenLink, vcpuOf } from './xenFlowKit';

const hex = (b: bigint): string => `0x${b.toString(16)}`;

const own: XStep[] = [
  {
    id: 'X6.0', title: 'xen_init_IRQ → xen_init_setup_upcall_vector', component: 'linux-evtchn',
    role: 'Linux 6.1 picks the callback: per-vCPU upcall vector if Xen offers it (the default on Xen 4.17), else the global callback vector (XENFEAT_hvm_callback_vector), else none — then the platform PCI device\'s GSI/INTx line.',
    links: [linuxLink('xen_init_IRQ', LINUX_EVENTS_BASE), linuxLink('xen_init_setup_upcall_vector', LINUX_EVENTS_BASE), linuxLink('xen_set_upcall_vector', LINUX_EVENTS_BASE), linuxLink('xen_setup_callback_vector', LINUX_EVENTS_BASE, { formerly: [{ symbol: 'xen_callback_vector', in: 'Linux 3.x' }] })],
    branches: [
      { name: 'percpu-upcall', when: 'CPUID leaf 4 has XEN_HVM_CPUID_UPCALL_VECTOR: HVMOP_set_evtchn_upcall_vector for CPU0, then a dummy GSI-1 via for the toolstack', next: 'X6.3' },
      { name: 'callback-vector', when: 'no per-vCPU vector, but XENFEAT_hvm_callback_vector: the global callback vector HVM_CALLBACK_VECTOR (0xf3)', next: 'X6.1' },
      { name: 'no-vector-callback', when: 'no vector callback (or xen_no_vector_callback): the platform PCI driver sets a line callback', next: 'X6.0b' },
    ],
    run(ctx) {
      const cb = str(ctx.params, 'callback', 'percpu-vector');
      if (cb === 'percpu-vector') {
        ctx.state.linux.xen_percpu_upcall = true;
        ctx.state.linux.xen_have_vector_callback = true;
        return call(ctx, 'percpu-upcall', 'CPUID leaf 4 has XEN_HVM_CPUID_UPCALL_VECTOR: HVMOP_set_evtchn_upcall_vector for CPU0, then a dummy GSI-1 via for the toolstack', 'X6.3', { vcpu: 0, vector: CALLBACK_VECTOR }, 'X6.1', { via: '0x1' });
      }
      if (cb === 'vector') {
        ctx.state.linux.xen_have_vector_callback = true;
        return go('callback-vector', 'XENFEAT_hvm_callback_vector → HVM_CALLBACK_VECTOR(0xf3)', 'X6.1', { via: hex((2n << 56n) | BigInt(CALLBACK_VECTOR)) });
      }
      ctx.state.linux.xen_have_vector_callback = false;
      return go('no-vector-callback', 'no vector callback (or xen_no_vector_callback): the platform PCI driver sets a line callback', 'X6.0b');
    },
  },
  {
    id: 'X6.0b', title: 'platform_pci_probe', component: 'linux-evtchn',
    role: 'Without a vector callback: request_irq(pdev->irq, do_hvm_evtchn_intr) with affinity forced to CPU0, then HVM_PARAM_CALLBACK_IRQ = GSI (irq < 16) or PCI INTx (type 1, device/INTx).',
    links: [linuxLink('platform_pci_probe', 'drivers/xen/platform-pci.c'), linuxLink('xen_set_callback_via', 'drivers/xen/xenbus/xenbus_probe.c')],
    branches: [
      { name: 'none', when: 'no callback set: events are never signalled to the guest', next: null },
      { name: 'gsi', when: 'the platform PCI device\'s IRQ is below 16: callback type 0, that GSI', next: 'X6.1' },
      { name: 'pci-intx', when: 'otherwise type 1: the platform device\'s PCI INTx (00:03.0, INTA)', next: 'X6.1' },
    ],
    run(ctx) {
      const cb = str(ctx.params, 'callback', 'gsi');
      if (cb === 'none') return finish(ctx, 'none', 'no callback set: events are never signalled to the guest');
      if (cb === 'gsi') return go('gsi', `type 0: GSI ${CALLBACK_GSI}`, 'X6.1', { via: hex(BigInt(CALLBACK_GSI)) });
      return go('pci-intx', 'type 1: (1<<56) | devfn 00:03.0 << 8 | INTA', 'X6.1', { via: hex((1n << 56n) | (BigInt(3 << 3) << 8n)) });
    },
  },
  {
    id: 'X6.1', title: 'hvm_set_param (HVM_PARAM_CALLBACK_IRQ)', component: 'hvm-callback',
    role: 'HVMOP_set_param from the guest itself: HVM_PARAM_CALLBACK_IRQ goes to hvm_set_callback_via (and latches the shared-info layout).',
    links: [xenLink('hvm_set_param', 'xen/arch/x86/hvm/hvm.c')],
    branches: [
      { name: 'callback-irq', when: 'the guest sets HVM_PARAM_CALLBACK_IRQ: hvm_set_callback_via with its value', next: 'X6.2' },
    ],
    run: (ctx) => go('callback-irq', `HVM_PARAM_CALLBACK_IRQ = ${str(ctx.params, 'via', '0')}`, 'X6.2', { phase: 0 }),
  },
  {
    id: 'X6.2', title: 'hvm_set_callback_via', component: 'hvm-callback',
    role: 'Parses the via (XR18d): type byte 63:56, GSI truncated to 8 bits, INTx device/pin only, vector unchecked; tears down the old line if asserted, sets up the new one, then calls hvm_assert_evtchn_irq on every vCPU (re-delivers anything pending — and raises every per-vCPU vector unconditionally).',
    rules: ['XR18b', 'XR18d', 'XR38'],
    links: [xenLink('hvm_set_callback_via', XEN_HVM_IRQ), xenLink('has_vpic', 'xen/arch/x86/include/asm/domain.h', { kind: 'macro', note: 'with has_vlapic and has_vioapic: the emulation flags a non-vector via needs' })],
    contracts: [{ id: 'X6.2-reassert', text: 're-asserts every vCPU after a via change', source: 'XR18b', codebase: 'xen', symbol: 'hvm_set_callback_via', check: { kind: 'calls', anyOf: ['hvm_assert_evtchn_irq'] } }],
    branches: [
      { name: 'bad-via', when: 'the via value is not a number (scenario input)', next: null },
      { name: 'ignored-no-emulation', when: 'a GSI, PCI INTx or none via on a domain without the emulated LAPIC, IO-APIC and PIC (PVH): hvm_set_callback_via returns at once, nothing changes and nothing is re-asserted (XR38)', next: null },
      { name: 'assert-next', when: 'the next vCPU: hvm_assert_evtchn_irq on it', next: 'X6.4' },
      { name: 'done', when: 'hvm_assert_evtchn_irq has run on every vCPU', next: null },
      { name: 'HVMIRQ_callback_gsi', when: 'type 0 with a GSI in 1..nr_gsis−1 (truncated to 8 bits): the callback is that GSI; then hvm_assert_evtchn_irq on vCPU0', next: 'X6.4' },
      { name: 'HVMIRQ_callback_pci_intx', when: 'type 1: the PCI INTx of the given device and pin (bus, function and PCI domain ignored); then hvm_assert_evtchn_irq on vCPU0', next: 'X6.4' },
      { name: 'HVMIRQ_callback_none', when: 'type 0 with GSI 0 or ≥ nr_gsis, or an unknown type: no callback; hvm_assert_evtchn_irq still runs on vCPU0', next: 'X6.4' },
      { name: 'HVMIRQ_callback_vector', when: 'type 2: the global callback vector (not checked); then hvm_assert_evtchn_irq on vCPU0', next: 'X6.4' },
    ],
    run(ctx) {
      const d = ctx.state;
      const phase = typeof ctx.params.phase === 'number' ? ctx.params.phase : 0;
      const n = nrVcpus(d);
      if (phase === 0) {
        let via: bigint;
        try { via = BigInt(str(ctx.params, 'via', '0')); } catch { return finish(ctx, 'bad-via', `via "${str(ctx.params, 'via')}" is not a number`); }
        const h = d.hvm_irq;
        // The type byte alone decides (via 0 is "none"): only a vector via works without the emulated interrupt controllers.
        const isVector = ((via >> 56n) & 0xffn) === 2n;
        if (!isVector && !(d.emulation.vlapic && d.emulation.vioapic && d.emulation.vpic)) {
          const missing = (['vlapic', 'vioapic', 'vpic'] as const).filter((k) => !d.emulation[k]).join(', ');
          ctx.emit({ kind: 'note', what: `via ${str(ctx.params, 'via')}`, detail: `no emulated ${missing}: a non-vector callback via is ignored (callback_via_type stays ${h.callback_via_type})` });
          return finish(ctx, 'ignored-no-emulation', `via ${str(ctx.params, 'via')} is not a vector via and the domain has no emulated ${missing} (PVH): hvm_set_callback_via returns before touching anything; callback_via_type stays ${h.callback_via_type}, no vCPU re-asserted`);
        }
        if (h.callback_via_asserted) driveVia(h, false); // tear down the old wire; the flag itself is kept
        const pv = parseCallbackVia(via, h.nr_gsis);
        h.callback_via_type = pv.type;
        h.callback_via = { gsi: pv.gsi, dev: pv.dev, intx: pv.intx, vector: pv.vector };
        if (h.callback_via_asserted) driveVia(h, true);
        return call(ctx, pv.type, `${pv.why}; now hvm_assert_evtchn_irq on vCPU 0 of ${n}`, 'X6.4', { vcpu: 0 }, 'X6.2', { phase: 1 });
      }
      if (phase < n) return call(ctx, 'assert-next', `hvm_assert_evtchn_irq on vCPU ${phase}`, 'X6.4', { vcpu: phase }, 'X6.2', { phase: phase + 1 });
      return finish(ctx, 'done', `asserted on all ${n} vCPUs`);
    },
  },
  {
    id: 'X6.3', title: 'hvmop_set_evtchn_upcall_vector', component: 'hvm-callback',
    role: 'Sets UV[v] (vector ≥ 0x10, HVM only), then hvm_assert_evtchn_irq(v) unconditionally — one possibly spurious upcall (XR18b). Exists in 4.17: "used in preference to the domain global callback via".',
    rules: ['XR18b'],
    links: [xenLink('hvmop_set_evtchn_upcall_vector', 'xen/arch/x86/hvm/hvm.c')],
    contracts: [{ id: 'X6.3-assert', text: 'raises the new vector at once (hvm_assert_evtchn_irq)', source: 'XR18b', codebase: 'xen', symbol: 'hvmop_set_evtchn_upcall_vector', check: { kind: 'calls', anyOf: ['hvm_assert_evtchn_irq'] } }],
    branches: [
      { name: 'einval', when: 'not an HVM domain, or a vector below 0x10: -EINVAL', next: null },
      { name: 'set', when: 'UV[v] := the vector, then hvm_assert_evtchn_irq on that vCPU unconditionally (XR18b)', next: 'X6.4' },
    ],
    run(ctx) {
      const v = vcpuOf(ctx, 'vcpu');
      const vec = num(ctx.params, 'vector');
      const d = ctx.state;
      if (d.guest !== 'hvm') return finish(ctx, 'einval', 'not an HVM domain: -EINVAL');
      if (vec < 0x10) return finish(ctx, 'einval', `vector 0x${vec.toString(16)} < 0x10: -EINVAL`);
      d.vcpu[v].evtchn_upcall_vector = vec;
      return go('set', `UV[${v}] := 0x${vec.toString(16)} → hvm_assert_evtchn_irq(v${v})`, 'X6.4', { vcpu: v });
    },
  },
  {
    id: 'X6.7', title: 'vlapic_reg_write (APIC_SPIV)', component: 'vlapic',
    role: 'The guest writes its vLAPIC SPIV. Xen advertises no directed EOI (LVR 0x50014): an MMIO write keeps bits 9:0 only, an x2APIC WRMSR with bit 12 (or another reserved bit) is refused with #GP. Clearing bit 8 software-disables the vLAPIC and masks every LVT entry; software-enabling re-raises the per-vCPU upcall vector if UV[v]≠0 and UP[v]=1 (the vLAPIC-disabled case of X6.4).',
    rules: ['XR18b', 'QR13', 'QR33'],
    links: [xenLink('vlapic_reg_write', 'xen/arch/x86/hvm/vlapic.c'), xenLink('guest_wrmsr_x2apic', 'xen/arch/x86/hvm/vlapic.c')],
    branches: [
      { name: 'reraise', when: 'the guest enables its vLAPIC while UV[v]≠0 and UP[v]=1: the upcall vector is raised again', next: 'X6.6' },
      { name: 'enabled', when: 'the vLAPIC is enabled; no upcall vector is due, nothing to re-raise', next: null },
      { name: 'disabled', when: 'SPIV bit 8 clear: the vLAPIC is software-disabled and every LVT entry masked', next: null },
      { name: 'gp-reserved', when: 'an x2APIC WRMSR 0x80F with bit 12 (directed EOI, not advertised) or another reserved bit: #GP, SPIV unchanged', next: null },
    ],
    run(ctx) {
      const v = vcpuOf(ctx, 'vcpu');
      const d = ctx.state;
      const l = d.vlapic[v];
      // enable-vlapic writes 0x1ff; write-svr writes the value given, through MMIO or the x2APIC MSR.
      const svr = typeof ctx.params.svr === 'number' ? ctx.params.svr : 0x1ff;
      const via = ctx.params.via === 'msr' ? 'msr' : 'mmio';
      if (via === 'msr' && (svr & ~0x3ff) !== 0) {
        ctx.emit({ kind: 'error', target: `vcpu${v}`, what: 'WRMSR 0x80F', detail: `SPIV 0x${svr.toString(16)} has bits Xen does not allow (directed EOI is not advertised): guest_wrmsr_x2apic returns X86EMUL_EXCEPTION, #GP` });
        return finish(ctx, 'gp-reserved', `x2APIC SPIV write 0x${svr.toString(16)}: bits outside 9:0 → #GP; SPIV unchanged`);
      }
      const dropped = (svr & 0x1000) !== 0 ? '; bit 12 dropped (LVR advertises no directed EOI)' : '';
      l.spurious_vector = svr & 0xff;
      l.svr_directed_eoi = false;
      if ((svr & 0x100) === 0) {
        l.svr_enabled = false;
        l.lvt_timer.masked = true;
        l.lvt_lint0.masked = true;
        l.lvt_lint1.masked = true;
        return finish(ctx, 'disabled', `SPIV := 0x${(svr & 0x3ff).toString(16)}${dropped}: vLAPIC of vCPU ${v} software-disabled, every LVT entry masked`);
      }
      l.svr_enabled = true;
      const uv = d.vcpu[v].evtchn_upcall_vector;
      if (uv && d.vcpu_info[v].evtchn_upcall_pending) return go('reraise', `SPIV := 0x${(svr & 0x3ff).toString(16)}${dropped}: enable with UV[${v}]=0x${uv.toString(16)} and UP[${v}]=1`, 'X6.6', { target: v, vector: uv, trig: 0 });
      return finish(ctx, 'enabled', `SPIV := 0x${(svr & 0x3ff).toString(16)}${dropped}: vLAPIC of vCPU ${v} enabled; nothing to re-raise`);
    },
  },
];

const pV = P_VCPU(0, 'The vCPU.', 0);

export const x6HvmCallback = makeXenFlow({
  id: 'X6',
  name: 'HVM callback variants (per-vCPU vector, global vector, GSI, PCI INTx)',
  description: 'How "UP[v] became 1" becomes an x86 interrupt in an HVM guest: set-up by Linux (X6.0) and Xen (X6.1–X6.3), dispatch in hvm_assert_evtchn_irq (X6.4), vLAPIC/vIOAPIC paths, VM-entry injection and the guest entry points.',
  entry: 'X6.0',
  params: [P_CALLBACK, P_VCPUS, { name: 'guest', type: 'enum', description: 'HVM (the X6 flow is about HVM guests); pvh: HVM without the emulated IO-APIC and PIC.', default: 'hvm', values: ['hvm', 'pv', 'pvh'] }, P_ABI('2l')],
  ownSteps: own,
  profiles: ['xen417-linux61'], // no HVM support in the 2007 patch
  spec: (p) => specFrom(p),
  actions: [
    { name: 'set-callback-via', description: 'The guest sets HVM_PARAM_CALLBACK_IRQ (a 64-bit value as a hex string).', params: [{ name: 'via', type: 'string', description: 'e.g. 0x1c (GSI 28), 0x0100000000001800 (PCI 00:03.0 INTA), 0x02000000000000f3 (vector 0xf3).', default: '0x1c' }], from: 'X6.1' },
    { name: 'set-upcall-vector', description: 'HVMOP_set_evtchn_upcall_vector for a vCPU.', params: [pV, { name: 'vector', type: 'int', description: 'The vector.', default: CALLBACK_VECTOR, min: 0, max: 255 }], from: 'X6.3' },
    { name: 'enable-vlapic', description: 'The guest software-enables its vLAPIC (SPIV write).', params: [pV], from: 'X6.7' },
    { name: 'write-svr', description: 'The guest writes its vLAPIC SPIV (via mmio: bits 9:0 kept; via msr: reserved bits, directed EOI included, are #GP).', params: [pV, { name: 'svr', type: 'int', description: 'value written', default: 0x1ff, min: 0, max: 0xffff }, { name: 'via', type: 'enum', description: 'mmio (0xF0) or msr (x2APIC 0x80F)', default: 'mmio', values: ['mmio', 'msr'] }], from: 'X6.7' },
    { name: 'disable-vlapic', description: 'The guest software-disables its vLAPIC.', params: [pV], apply(d, p) { d.vlapic[p.vcpu as number].svr_enabled = false; return `vLAPIC of vCPU ${p.vcpu} disabled`; } },
  ],
  validate(d, p) {
    if (d.guest !== 'hvm') return ['guest = pv: the HVM callback flow needs an HVM guest'];
    // Linux on PVH has no platform PCI device and needs a vector callback (xen_init_IRQ).
    if (p.guest === 'pvh' && (p.callback === 'gsi' || p.callback === 'pci-intx')) return [`callback = ${p.callback}: a PVH guest has no emulated IO-APIC or PIC and Linux needs a vector callback there`];
    return [];
  },
});
