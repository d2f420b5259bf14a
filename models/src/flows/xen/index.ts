// The xen flows, in catalogue order.
import { Flow } from '../../core/types';

export const xenFlows: Flow<any>[] = [];
