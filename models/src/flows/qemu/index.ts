// The qemu flows, in id order: Q1, Q2 (QEMU TCG), Q7 (vhost), Q8 (QEMU virtio), Q11 (Linux guest IO-APIC setup).
import { Flow } from '../../core/types';
import { q1Flow } from './q1TcgLineToEoi';
import { q2Flow } from './q2TcgApicTimer';
import { q7Flow } from './q7VhostToGuest';
import { q8Flow } from './q8QemuVirtioToGuest';
import { q11Flow } from './q11LinuxIoapicSetup';

export const qemuFlows: Flow<any>[] = [q1Flow, q2Flow, q7Flow, q8Flow, q11Flow];
