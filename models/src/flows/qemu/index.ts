// The qemu flows, in id order: Q1, Q2 (QEMU TCG), Q7 (vhost), Q8 (QEMU virtio), Q11 (Linux guest IO-APIC setup).
import { Flow } from '../../core/types';
import { q1TcgLineToEoi } from './q1TcgLineToEoi';
import { q2TcgApicTimer } from './q2TcgApicTimer';
import { q7VhostToGuest } from './q7VhostToGuest';
import { q8QemuVirtioToGuest } from './q8QemuVirtioToGuest';
import { q11LinuxIoapicSetup } from './q11LinuxIoapicSetup';

export const qemuFlows: Flow<any>[] = [q1TcgLineToEoi, q2TcgApicTimer, q7VhostToGuest, q8QemuVirtioToGuest, q11LinuxIoapicSetup];
