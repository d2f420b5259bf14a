// The shared steps a KVM flow carries to run a target vCPU step by step once its own steps hand it work (a kick, a
// wake-up, a posted-interrupt notification, a timer, a guest EOI): Q3's run without APICv (kvmVcpuSteps) and Q4's with
// it — acceptance and notification (Q4.1, Q4.2), the CPU's notification processing (Q4.3), virtual-interrupt delivery
// (Q4.3a), the PIR sync at entry (Q4.4), the guest handler (Q4.g), EOI virtualization and its exit (Q4.6, Q4.6x) and
// the load after a wake-up (Q4.8). Each runs as `<id>@<flow>`, so a scenario can place an action between them.

import { Step } from '../../core/types';
import { q4Steps } from './q4ApicvPosted';
import { q3RunSteps } from './kvmVcpuSteps';
import { localizeKvm } from './kvmFlowKit';
import { KvmState } from './kvmState';

const Q4_RUN = ['Q4.1', 'Q4.2', 'Q4.3', 'Q4.3a', 'Q4.4', 'Q4.g', 'Q4.6', 'Q4.6x', 'Q4.8'];

/** Flow `flowId`'s own steps followed by its copies of the Q3 and Q4 run steps, all with the flow's ids. */
export function withSharedRun(flowId: string, own: Step<KvmState>[]): Step<KvmState>[] {
  const q4 = Q4_RUN.map((id) => {
    const s = q4Steps.find((x) => x.id === id);
    if (!s) throw new Error(`model bug: Q4 has no step ${id}`);
    return s;
  });
  return localizeKvm(flowId, [...own, ...q3RunSteps(), ...q4]);
}
