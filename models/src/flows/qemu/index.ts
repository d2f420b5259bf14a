// The qemu flows, in catalogue order.
import { Flow } from '../../core/types';

export const qemuFlows: Flow<any>[] = [];
