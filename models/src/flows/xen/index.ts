// The xen flows, in id order.
import { Flow } from '../../core/types';
import { x1Interdomain } from './x1-interdomain';
import { x2Virq } from './x2-virq';
import { x3Pirq } from './x3-pirq';
import { x4Ipi } from './x4-ipi';
import { x5Rebind } from './x5-rebind';
import { x6HvmCallback } from './x6-hvm-callback';
import { x7Fifo } from './x7-fifo';

export const xenFlows: Flow<any>[] = [x1Interdomain, x2Virq, x3Pirq, x4Ipi, x5Rebind, x6HvmCallback, x7Fifo];
