// LAPIC messages and their routing: kvm_lapic_irq from parameters or an IO-APIC RTE, and kvm_irq_delivery_to_apic's
// fast path / slow loop with lowest-priority arbitration (step Q3.1, rule QR15).

import { DM_INIT, DM_LOWPRI, DM_NMI, IoapicMessage } from '../../components/ioapic';
import { ParamValues } from '../../core/types';
import { hex, KvmState, vname } from './kvmState';

export interface LapicIrq {
  vector: number;
  delivery: 'fixed' | 'lowest' | 'nmi' | 'init' | 'startup';
  dest: number;
  logical: boolean;
  shorthand: 'none' | 'self' | 'all-including-self' | 'all-excluding-self';
  level_triggered: boolean;
  /** Assert (true) or de-assert; KVM drops a level-triggered de-assert (QR4). */
  level: boolean;
}

export function irqFromParams(p: ParamValues): LapicIrq {
  return {
    vector: Number(p.vector ?? 0x41),
    delivery: (p.delivery ?? 'fixed') as LapicIrq['delivery'],
    dest: Number(p.dest ?? 0),
    logical: p.dest_mode === 'logical',
    shorthand: (p.shorthand ?? 'none') as LapicIrq['shorthand'],
    level_triggered: p.trigger === 'level',
    level: true,
  };
}

export function irqToParams(irq: LapicIrq): ParamValues {
  return {
    vector: irq.vector, delivery: irq.delivery, dest: irq.dest, dest_mode: irq.logical ? 'logical' : 'physical',
    shorthand: irq.shorthand, trigger: irq.level_triggered ? 'level' : 'edge',
  };
}

export function irqFromIoapic(m: IoapicMessage): LapicIrq {
  const delivery = m.delivery_mode === DM_LOWPRI ? 'lowest' : m.delivery_mode === DM_NMI ? 'nmi' : m.delivery_mode === DM_INIT ? 'init' : 'fixed';
  return { vector: m.vector, delivery, dest: m.dest, logical: m.dest_mode === 1, shorthand: 'none', level_triggered: m.trig_mode === 1, level: true };
}

export interface RouteResult {
  targets: number[];
  path: 'fast-self' | 'fast-physical' | 'fast-logical' | 'slow-broadcast' | 'slow-shorthand';
  why: string;
}

function matchesDest(s: KvmState, i: number, irq: LapicIrq): boolean {
  const id = s.vcpus[i].apic_id;
  if (!irq.logical) return irq.dest === id;
  // Logical flat (Linux's default for ≤ 8 CPUs): LDR = 1 << APIC ID (QR15).
  return id < 8 && (irq.dest & (1 << id)) !== 0;
}

/**
 * Q3.1 `kvm_irq_delivery_to_apic` → `kvm_irq_delivery_to_apic_fast` / the slow loop (QR15). Lowest priority picks
 * one vCPU: the `(vector % n)`-th candidate with vector hashing, else the smallest `apic_arb_prio`.
 */
export function routeIrq(s: KvmState, irq: LapicIrq, src: number): RouteResult {
  const all = s.vcpus.map((_, i) => i);
  const bcast = s.config.x2apic ? 0xffffffff : 0xff;
  if (irq.shorthand === 'self') {
    return { targets: src >= 0 ? [src] : [], path: 'fast-self', why: src >= 0 ? `SELF shorthand: the source ${vname(src)}` : 'SELF shorthand from a host thread: no source vCPU' };
  }
  if (irq.shorthand !== 'none') {
    const t = irq.shorthand === 'all-including-self' ? all : all.filter((i) => i !== src);
    return { targets: t, path: 'slow-shorthand', why: `${irq.shorthand} is not handled by the fast path: kvm_apic_match_dest over every vCPU` };
  }
  if (!irq.logical && irq.dest === bcast) {
    return { targets: all, path: 'slow-broadcast', why: `physical destination ${hex(bcast)} is broadcast: slow loop over every vCPU` };
  }
  let cands = all.filter((i) => matchesDest(s, i, irq));
  let lp = '';
  if (irq.delivery === 'lowest' && cands.length > 1) {
    if (s.config.vector_hashing) {
      const k = irq.vector % cands.length;
      lp = `; lowest priority by vector hashing: ${hex(irq.vector)} mod ${cands.length} = ${k} → ${vname(cands[k])}`;
      cands = [cands[k]];
    } else {
      const best = cands.reduce((a, b) => (s.vcpus[b].vcpu.apic_arb_prio < s.vcpus[a].vcpu.apic_arb_prio ? b : a));
      lp = `; lowest priority by smallest apic_arb_prio → ${vname(best)}`;
      cands = [best];
    }
  }
  const path = irq.logical ? 'fast-logical' : 'fast-physical';
  const map = irq.logical ? `logical mask ${hex(irq.dest)}` : `phys_map[${irq.dest}]`;
  return { targets: cands, path, why: `${map} → ${cands.length ? cands.map(vname).join(', ') : 'no vCPU'}${lp}` };
}

/**
 * What `kvm_irq_delivery_to_apic` returns for an IO-APIC message, without delivering it: −1 when no vCPU matched
 * (slow path), else the number of LAPICs that would accept (a software-disabled APIC drops a fixed message). KVM's
 * `ioapic_service` sets Remote-IRR when this is non-zero (QR9), so −1 counts.
 */
export function expectedAccepts(s: KvmState, irq: LapicIrq): number {
  const r = routeIrq(s, irq, -1);
  if (r.targets.length === 0) return r.path.startsWith('slow') ? -1 : 0;
  if (irq.delivery !== 'fixed' && irq.delivery !== 'lowest') return r.targets.length;
  return r.targets.filter((i) => s.vcpus[i].lapic.svr_enabled).length;
}
