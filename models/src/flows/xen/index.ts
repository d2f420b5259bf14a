// The xen flows, in id order.
import { Flow } from '../../core/types';
import { x1Interdomain } from './x1Interdomain';
import { x2Virq } from './x2Virq';
import { x3Pirq } from './x3Pirq';
import { x4Ipi } from './x4Ipi';
import { x5Rebind } from './x5Rebind';
import { x6HvmCallback } from './x6HvmCallback';
import { x7Fifo } from './x7Fifo';

export const xenFlows: Flow<any>[] = [x1Interdomain, x2Virq, x3Pirq, x4Ipi, x5Rebind, x6HvmCallback, x7Fifo];
