// SPDX-License-Identifier: MIT
/*
 * IRQ Lens sample: KVM's in-kernel local APIC, the accept and EOI paths.
 * Register layout follows the SDM, Vol. 3A, 11.4.1 (APIC register map).
 */

#include <linux/compiler.h>

#define APIC_EOI	0xB0
#define APIC_ISR	0x100
#define APIC_TMR	0x180
#define APIC_IRR	0x200

#define APIC_DM_FIXED	0x000
#define APIC_DM_NMI	0x400
#define APIC_DM_INIT	0x500

struct kvm_vcpu;
struct kvm_io_device;

struct kvm_lapic {
	struct kvm_vcpu *vcpu;
	u32 regs[256];
	int isr_count;
	int highest_isr_cache;
	bool irr_pending;
};

struct kvm_lapic_irq {
	u32 vector;
	u32 delivery_mode;
	u32 dest_mode;
	bool level;
	u32 trig_mode;
};

struct kvm_io_device_ops {
	int (*read)(struct kvm_vcpu *vcpu, struct kvm_io_device *this,
		    unsigned long addr, int len, void *val);
	int (*write)(struct kvm_vcpu *vcpu, struct kvm_io_device *this,
		     unsigned long addr, int len, const void *val);
};

struct kvm_lapic *vcpu_to_lapic(struct kvm_vcpu *vcpu);
void kvm_make_request_event(struct kvm_vcpu *vcpu);
void kvm_vcpu_kick(struct kvm_vcpu *vcpu);

static void kvm_lapic_set_vector(int vec, u32 *bitmap)
{
	bitmap[(vec >> 5) * 4] |= 1U << (vec & 31);
}

static void kvm_lapic_clear_vector(int vec, u32 *bitmap)
{
	bitmap[(vec >> 5) * 4] &= ~(1U << (vec & 31));
}

static int find_highest_vector(const u32 *bitmap)
{
	int vec;

	for (vec = 255; vec >= 16; vec--)
		if (bitmap[(vec >> 5) * 4] & (1U << (vec & 31)))
			return vec;
	return -1;
}

static void kvm_lapic_set_irr(int vec, struct kvm_lapic *apic)
{
	kvm_lapic_set_vector(vec, &apic->regs[APIC_IRR >> 2]);
	apic->irr_pending = true;
}

/*
 * Add a pending IRQ into lapic.
 * Return 1 if successfully added and 0 if discarded.
 */
static int __apic_accept_irq(struct kvm_lapic *apic, int delivery_mode,
			     int vector, int level, int trig_mode)
{
	int result = 0;

	switch (delivery_mode) {
	case APIC_DM_FIXED:
		if (trig_mode)
			kvm_lapic_set_vector(vector, &apic->regs[APIC_TMR >> 2]);
		else
			kvm_lapic_clear_vector(vector, &apic->regs[APIC_TMR >> 2]);
		kvm_lapic_set_irr(vector, apic);
		kvm_make_request_event(apic->vcpu);
		kvm_vcpu_kick(apic->vcpu);
		result = 1;
		break;
	case APIC_DM_NMI:
		kvm_vcpu_kick(apic->vcpu);
		result = 1;
		break;
	default:
		(void)level;
		break;
	}
	return result;
}

int kvm_apic_set_irq(struct kvm_vcpu *vcpu, struct kvm_lapic_irq *irq)
{
	struct kvm_lapic *apic = vcpu_to_lapic(vcpu);

	return __apic_accept_irq(apic, irq->delivery_mode, irq->vector,
				 irq->level, irq->trig_mode);
}

/*
 * EOI: retire the highest in-service vector (SDM 11.8.5). Returns the
 * vector, or -1 if nothing was in service.
 */
static int apic_set_eoi(struct kvm_lapic *apic)
{
	int vector = find_highest_vector(&apic->regs[APIC_ISR >> 2]);

	if (vector == -1)
		return vector;

	kvm_lapic_clear_vector(vector, &apic->regs[APIC_ISR >> 2]);
	apic->isr_count--;
	apic->highest_isr_cache = -1;
	kvm_make_request_event(apic->vcpu);
	return vector;
}

static int kvm_lapic_reg_write(struct kvm_lapic *apic, u32 reg, u32 val)
{
	switch (reg) {
	case APIC_EOI:
		apic_set_eoi(apic);
		break;
	default:
		apic->regs[reg >> 2] = val;
		break;
	}
	return 0;
}

static int apic_mmio_read(struct kvm_vcpu *vcpu, struct kvm_io_device *this,
			  unsigned long address, int len, void *data)
{
	struct kvm_lapic *apic = vcpu_to_lapic(vcpu);

	(void)this;
	(void)len;
	*(u32 *)data = apic->regs[(address & 0xff0) >> 2];
	return 0;
}

static int apic_mmio_write(struct kvm_vcpu *vcpu, struct kvm_io_device *this,
			   unsigned long address, int len, const void *data)
{
	(void)this;
	(void)len;
	return kvm_lapic_reg_write(vcpu_to_lapic(vcpu), address & 0xff0,
				   *(const u32 *)data);
}

static const struct kvm_io_device_ops apic_mmio_ops = {
	.read     = apic_mmio_read,
	.write    = apic_mmio_write,
};

const struct kvm_io_device_ops *kvm_lapic_mmio_ops(void)
{
	return &apic_mmio_ops;
}
