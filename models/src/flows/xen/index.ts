// The xen flows, in catalogue order.
import { Flow } from '../../core/types';
import { x1Interdomain } from './x1-interdomain';

export const xenFlows: Flow<any>[] = [x1Interdomain];
