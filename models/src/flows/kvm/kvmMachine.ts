// The KVM host machine the Q3–Q12 flows share, re-exported from its parts: state (kvmState), routing (kvmRouting),
// delivery (kvmDelivery, kvmDispatch), blocking and the PID lifecycle (kvmBlocking), injection and EOI (kvmEntry),
// delivery options and vcpu_run's helpers (kvmRun; the run itself is steps: kvmVcpuSteps, kvmSharedRun).
// Each flow's steps call these pure functions, so the rules live in one place.

export * from './kvmState';
export * from './kvmRouting';
export * from './kvmDelivery';
export * from './kvmDispatch';
export * from './kvmBlocking';
export * from './kvmEntry';
export * from './kvmRun';
