/* SPDX-License-Identifier: MIT */
/*
 * The kernel's in-kernel irqchip as the oracle of the soft devices' reset
 * state: a fresh VM with KVM_CREATE_IRQCHIP (and KVM_CREATE_PIT2) on
 * /dev/kvm, where it opens. Callers skip with kt_note_skip() otherwise.
 */
#ifndef TEST_IRQCHIP_KERNEL_H
#define TEST_IRQCHIP_KERNEL_H

#include <stdbool.h>

#include "test_kvm_abi_util.h"

/* A VM fd of the kernel with its irqchip (and PIT if with_pit), or -1 without /dev/kvm. */
static inline int kernel_irqchip_vm(int *sys, bool with_pit)
{
	const struct kvm_provider *k = kt_kernel();
	struct kvm_pit_config pit = {.flags = KVM_PIT_SPEAKER_DUMMY};
	int vm;

	if (!k)
		return -1;
	*sys = k->open_system();
	ck_assert_int_ge(*sys, 0);
	vm = k->ioctl(*sys, KVM_CREATE_VM, NULL);
	ck_assert_int_ge(vm, 0);
	ck_assert_int_eq(k->ioctl(vm, KVM_CREATE_IRQCHIP, NULL), 0);
	if (with_pit)
		ck_assert_int_eq(k->ioctl(vm, KVM_CREATE_PIT2, &pit), 0);
	return vm;
}

static inline void kernel_irqchip_close(int sys, int vm)
{
	kvm_provider_kernel.close(vm);
	kvm_provider_kernel.close(sys);
}

#endif
