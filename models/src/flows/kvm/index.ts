// The kvm flows, in catalogue order.
import { Flow } from '../../core/types';

export const kvmFlows: Flow<any>[] = [];
