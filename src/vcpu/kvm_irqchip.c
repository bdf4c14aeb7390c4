// SPDX-License-Identifier: MIT
/*
 * The interrupt controllers and the timer on the provider's side of the
 * KVM API, set up as kvmtool and Firecracker do: KVM_CREATE_IRQCHIP (the
 * 8259A pair, the IOAPIC, a local APIC per vCPU) and KVM_CREATE_PIT2 with
 * the dummy speaker port, both before the first vCPU; then the vCPU's
 * LINT0 as ExtINT (the PIC's output) and LINT1 as NMI, the wiring of a
 * PC's boot processor (Firecracker's set_lint). Device lines reach the
 * PIC and IOAPIC pins of the same number through KVM_IRQ_LINE.
 */
#include "vcpu/vcpu.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <linux/kvm.h>

#include "vcpu/provider.h"

/* Local APIC register offsets and LVT delivery modes (Intel SDM vol. 3A, 11.5.1). */
#define APIC_LVT_LINT0 0x350
#define APIC_LVT_LINT1 0x360
#define APIC_LVT_DELIVERY_MASK 0x700
#define APIC_LVT_MASKED 0x10000
#define APIC_MODE_NMI 0x4
#define APIC_MODE_EXTINT 0x7

static bool has_cap(struct kvm_vm *vm, long cap)
{
	return vm->prov->ioctl(vm->sys_fd, KVM_CHECK_EXTENSION, (void *)cap) > 0;
}

/* What an irqchip needs, and what the run loop's halt check needs with one. */
static const struct {
	long cap;
	const char *name;
} irqchip_caps[] = {
    {KVM_CAP_IRQCHIP, "KVM_CAP_IRQCHIP"},
    {KVM_CAP_PIT2, "KVM_CAP_PIT2"},
    {KVM_CAP_MP_STATE, "KVM_CAP_MP_STATE"},
};

int kvm_vm_create_irqchip(struct kvm_vm *vm)
{
	struct kvm_pit_config pit = {.flags = KVM_PIT_SPEAKER_DUMMY};

	vm->irqchip = false;
	for (size_t i = 0; i < sizeof(irqchip_caps) / sizeof(irqchip_caps[0]); i++) {
		if (has_cap(vm, irqchip_caps[i].cap))
			continue;
		if (vm->prov->irqchip_optional)
			return 0; /* this provider runs without: HLT exits as before */
		fprintf(stderr, "minivmm: %s: missing capability %s (in-kernel irqchip)\n",
			vm->prov->name, irqchip_caps[i].name);
		return -1;
	}
	if (vm->prov->ioctl(vm->vm_fd, KVM_CREATE_IRQCHIP, NULL) < 0) {
		fprintf(stderr, "minivmm: KVM_CREATE_IRQCHIP: %s\n", strerror(errno));
		return -1;
	}
	if (vm->prov->ioctl(vm->vm_fd, KVM_CREATE_PIT2, &pit) < 0) {
		fprintf(stderr, "minivmm: KVM_CREATE_PIT2: %s\n", strerror(errno));
		return -1;
	}
	vm->irqchip = true;
	vm->vcpu_events = has_cap(vm, KVM_CAP_VCPU_EVENTS);
	return 0;
}

static uint32_t lapic_get(const struct kvm_lapic_state *s, unsigned off)
{
	uint32_t v;

	memcpy(&v, s->regs + off, sizeof(v));
	return v;
}

static void lapic_set_mode(struct kvm_lapic_state *s, unsigned off, uint32_t mode)
{
	uint32_t v = lapic_get(s, off) & ~(APIC_LVT_DELIVERY_MASK | APIC_LVT_MASKED);

	v |= mode << 8;
	memcpy(s->regs + off, &v, sizeof(v));
}

int vcpu_setup_lapic(struct vcpu *cpu)
{
	const struct kvm_provider *p = cpu->vm->prov;
	struct kvm_lapic_state s;

	if (!cpu->vm->irqchip)
		return 0;
	if (p->ioctl(cpu->fd, KVM_GET_LAPIC, &s) < 0) {
		fprintf(stderr, "minivmm: KVM_GET_LAPIC: %s\n", strerror(errno));
		return -1;
	}
	lapic_set_mode(&s, APIC_LVT_LINT0, APIC_MODE_EXTINT);
	lapic_set_mode(&s, APIC_LVT_LINT1, APIC_MODE_NMI);
	if (p->ioctl(cpu->fd, KVM_SET_LAPIC, &s) < 0) {
		fprintf(stderr, "minivmm: KVM_SET_LAPIC: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

int kvm_vm_irq_line(struct kvm_vm *vm, unsigned gsi, int level)
{
	struct kvm_irq_level l = {.irq = gsi, .level = (uint32_t) !!level};

	if (!vm->irqchip)
		return -ENODEV;
	return vm->prov->ioctl(vm->vm_fd, KVM_IRQ_LINE, &l) < 0 ? -errno : 0;
}
