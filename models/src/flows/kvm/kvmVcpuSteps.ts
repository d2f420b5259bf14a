// The target vCPU's run as Q3 models it without APICv — vcpu_run (Q3.5), kvm_check_and_inject_events (Q3.6),
// kvm_get_apic_interrupt (Q3.7), vmx_inject_irq (Q3.8), the entry (Q3.5e), the guest's EOI (Q3.9) and what it does
// in the LAPIC and the IO-APIC (Q3.10–Q3.13) — for the flows that hand a kicked vCPU its run (Q4, Q5, Q6, Q9, Q10,
// Q12). The routing and acceptance steps Q3.1–Q3.4 come along because an EOI's re-sent level message goes through
// them. One change for a vCPU with APICv active (which Q3's own profiles never have): after the block check, timers
// and events, vcpu_run goes on to the PIR sync and the CPU's virtual-interrupt delivery (Q4.4) instead of injecting.

import { Step, StepResult } from '../../core/types';
import { q3Steps } from './q3LapicNoApicv';
import { KvmState } from './kvmState';
import { Ctx } from './kvmFlowKit';

const Q3_RUN = ['Q3.1', 'Q3.2', 'Q3.3', 'Q3.4', 'Q3.5', 'Q3.6', 'Q3.7', 'Q3.8', 'Q3.5e', 'Q3.9', 'Q3.10', 'Q3.11', 'Q3.12', 'Q3.13'];

const APICV_ENTRY = { name: 'apicv-entry', when: 'APICv is active on this vCPU: no injection by KVM; vmx_sync_pir_to_irr and the CPU\'s virtual-interrupt delivery at entry (Q4.4)', next: 'Q4.4' };

/** vcpu_run for a vCPU that may have APICv active: Q3.5, then Q4.4 for LAPIC vectors when APICv is on. */
function vcpuRunStep(q35: Step<KvmState>): Step<KvmState> {
  return {
    ...q35,
    branches: [...(q35.branches ?? []), APICV_ENTRY],
    run(ctx: Ctx): StepResult {
      const r = q35.run(ctx);
      const i = typeof ctx.params.vcpu === 'number' ? ctx.params.vcpu : 0;
      const v = ctx.state.vcpus[i]?.vcpu;
      // kvm_cpu_has_injectable_intr is 0 for LAPIC vectors with APICv; an NMI or a re-injection still goes through Q3.6.
      if (v && v.apicv_active && r.next !== null && v.nmi_pending === 0 && v.intr_info < 0) {
        return { ...r, branch: APICV_ENTRY.name, why: `${r.why}; APICv active: ${APICV_ENTRY.when.split(': ')[1]}`, next: APICV_ENTRY.next };
      }
      return r;
    },
  };
}

/** Q3's run steps with their home ids (localizeKvm gives them the flow's ids). */
export function q3RunSteps(): Step<KvmState>[] {
  return Q3_RUN.map((id) => {
    const s = q3Steps.find((x) => x.id === id);
    if (!s) throw new Error(`model bug: Q3 has no step ${id}`);
    return id === 'Q3.5' ? vcpuRunStep(s) : s;
  });
}
