// The functions in other codebases that perform the same component operation as a step (`lapic.accept`: QEMU
// apic_set_irq ≈ KVM __apic_accept_irq ≈ Xen vlapic_set_irq), from the models' `equivalents`, keeping each step's
// main function — the one its title names, else its first link in that codebase — not every helper it links.
import { equivalents, type Codebase, type Flow, type Link } from '../../../../models/src/index';

export interface EquivalentGroup {
  /** `Xen`, `QEMU`, `KVM` (Linux links under arch/x86/kvm or virt/kvm), `Linux`. */
  label: string;
  symbols: string[];
}

const maxPerGroup = 3;

function labelOf(link: Link): string {
  if (link.codebase === 'linux' && link.file && /^(arch\/x86\/kvm|virt\/kvm)\//.test(link.file)) return 'KVM';
  return link.codebase === 'qemu' ? 'QEMU' : link.codebase === 'xen' ? 'Xen' : 'Linux';
}

export function equivalentFunctions(flows: readonly Flow<unknown>[], operation: string): EquivalentGroup[] {
  const byCodebase = equivalents(flows, operation);
  const main = new Map<string, Link>();
  for (const flow of flows) {
    for (const step of flow.steps) {
      if (step.operation !== operation) continue;
      for (const cb of byCodebase.keys()) {
        const mine = step.links.filter((l) => l.codebase === cb);
        const pick = mine.find((l) => step.title.includes(l.symbol)) ?? mine[0];
        if (pick && !main.has(`${cb}:${pick.symbol}`)) main.set(`${cb}:${pick.symbol}`, pick);
      }
    }
  }
  const groups = new Map<string, string[]>();
  const order: Codebase[] = ['xen', 'qemu', 'linux'];
  const links = [...main.values()].sort((a, b) => order.indexOf(a.codebase) - order.indexOf(b.codebase));
  for (const l of links) {
    const label = labelOf(l);
    const list = groups.get(label) ?? [];
    if (list.length < maxPerGroup) list.push(l.symbol);
    groups.set(label, list);
  }
  return [...groups].map(([label, symbols]) => ({ label, symbols }));
}
