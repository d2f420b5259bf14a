// The kvm flows, in id order.
import { Flow } from '../../core/types';
import { q3LapicNoApicv } from './q3-lapicNoApicv';
import { q4ApicvPosted } from './q4-apicvPosted';
import { q5VtdPosting } from './q5-vtdPosting';
import { q6VfioRemapped } from './q6-vfioRemapped';
import { q9LapicTimer } from './q9-lapicTimer';
import { q10Ipi } from './q10-ipi';
import { q12PvEoi } from './q12-pvEoi';

export const kvmFlows: Flow<any>[] = [q3LapicNoApicv, q4ApicvPosted, q5VtdPosting, q6VfioRemapped, q9LapicTimer, q10Ipi, q12PvEoi];
