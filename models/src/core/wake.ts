// The one way a model reports that a vCPU went from blocked (or halted) to runnable. Xen's vcpu_unblock, KVM's
// kvm_vcpu_wake_up / pi_wakeup_handler and QEMU's halt exit all wake a vCPU; a reader filtering the outcome log for
// `woken` must see every one of them, whichever path did it, so every flow reports through this helper.

import { OutcomeEvent } from './types';

export interface WakeReport {
  /** The vCPU woken, as the flow names it in outcomes (`vcpu1`). */
  target: string;
  /** The function that made it runnable (`vcpu_unblock`, `kvm_vcpu_wake_up`, `cpu_handle_halt` …). */
  by: string;
  /** Why, in the terms of the state read. */
  detail: string;
  /** The interrupt or port that caused it, when there is one. */
  what?: string;
}

export function reportWoken(emit: (e: OutcomeEvent) => void, r: WakeReport): void {
  const e: OutcomeEvent = { kind: 'woken', target: r.target, handler: r.by, detail: r.detail };
  if (r.what !== undefined) e.what = r.what;
  emit(e);
}
