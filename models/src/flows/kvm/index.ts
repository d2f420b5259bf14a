// The kvm flows, in catalogue order.
import { Flow } from '../../core/types';
import { q3LapicNoApicv } from './q3-lapicNoApicv';
import { q4ApicvPosted } from './q4-apicvPosted';
import { q5VtdPosting } from './q5-vtdPosting';

export const kvmFlows: Flow<any>[] = [q3LapicNoApicv, q4ApicvPosted, q5VtdPosting];
