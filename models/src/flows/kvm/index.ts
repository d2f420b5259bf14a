// The kvm flows, in catalogue order.
import { Flow } from '../../core/types';
import { q4ApicvPosted } from './q4-apicvPosted';
import { q5VtdPosting } from './q5-vtdPosting';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const kvmFlows: Flow<any>[] = [q4ApicvPosted, q5VtdPosting];
