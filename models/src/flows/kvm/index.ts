// The kvm flows, in id order.
import { Flow } from '../../core/types';
import { q3LapicNoApicv } from './q3LapicNoApicv';
import { q4ApicvPosted } from './q4ApicvPosted';
import { q5VtdPosting } from './q5VtdPosting';
import { q6VfioRemapped } from './q6VfioRemapped';
import { q9LapicTimer } from './q9LapicTimer';
import { q10Ipi } from './q10Ipi';
import { q12PvEoi } from './q12PvEoi';

export const kvmFlows: Flow<any>[] = [q3LapicNoApicv, q4ApicvPosted, q5VtdPosting, q6VfioRemapped, q9LapicTimer, q10Ipi, q12PvEoi];
