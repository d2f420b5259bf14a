// Public surface of the models: every flow, the simulator, scenarios, equivalents.
import { Flow } from './core/types';
import { xenFlows } from './flows/xen/index';
import { qemuFlows } from './flows/qemu/index';
import { kvmFlows } from './flows/kvm/index';

export * from './core/types';
export * from './core/simulator';
export * from './core/scenario';
export * from './core/statePath';
export * from './rules/index';

/** Every flow, in id order: the Xen flows (Xen + Linux guest), then QEMU and KVM (with the Linux guest). The one list of flow ids. */
export const allFlows: Flow<unknown>[] = [...xenFlows, ...qemuFlows, ...kvmFlows] as Flow<unknown>[];

export function findFlow(id: string): Flow<unknown> | undefined {
  return allFlows.find((f) => f.id.toLowerCase() === id.toLowerCase());
}
export * from './core/traceText';
export * from './core/linkQueries';
export * from './core/stepPosition';
export * from './docs/flowPages';
