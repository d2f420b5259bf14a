// What a model rule is: a behaviour the simulator reproduces, stated in our words, with where a reader can check it.

export interface Rule {
  /** Stable id: `XR…` for the Xen event-channel and Linux guest rules, `QR…` for the QEMU, KVM and APIC rules. */
  id: string;
  /** A few words naming the rule. */
  title: string;
  /** The behaviour, precise enough to predict what the model does. */
  text: string;
  /**
   * Where a reader can check it: an Intel SDM (Vol. 3) or VT-d section, a specification, or the function and file it
   * mirrors in Xen 4.17, QEMU 7.2 or Linux 6.1 (KVM is in the Linux tree).
   */
  checkIn: string[];
}
