// Helpers shared by the QEMU-side flows (Q1, Q2, Q7, Q8, Q11): links into the QEMU and Linux trees, typed parameter
// reads, and which LAPIC arithmetic a profile follows.
import { Link, ParamValues } from '../../core/types';

/** A step's link to a QEMU function. */
export const qemuLink = (symbol: string, file: string, extra: Partial<Link> = {}): Link => ({ codebase: 'qemu', symbol, file, ...extra });
/** A step's link to a Linux (guest, KVM or vhost) function. */
export const linuxLink = (symbol: string, file: string, extra: Partial<Link> = {}): Link => ({ codebase: 'linux', symbol, file, ...extra });

/** QEMU's LAPIC and IO-APIC models. */
export const QEMU_APIC_FILE = 'hw/intc/apic.c';
export const QEMU_IOAPIC_FILE = 'hw/intc/ioapic.c';

/** A numeric parameter, or `fallback` when it is absent or not a number. */
export const numParam = (p: ParamValues, name: string, fallback: number): number => (typeof p[name] === 'number' ? (p[name] as number) : fallback);
/** A boolean parameter, or `fallback` when it is absent or not a boolean. */
export const boolParam = (p: ParamValues, name: string, fallback: boolean): boolean => (typeof p[name] === 'boolean' ? (p[name] as boolean) : fallback);

/** Which LAPIC arithmetic a profile follows: the SDM's, or QEMU's (they differ for vectors below 16, QR3). */
export const lapicForm = (profile: string): 'qemu' | 'sdm' => (profile === 'sdm' ? 'sdm' : 'qemu');

export const hex = (v: number): string => `0x${v.toString(16)}`;
