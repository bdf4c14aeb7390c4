/* SPDX-License-Identifier: MIT */
/*
 * The one switch between the two providers of the KVM API:
 *  - "kvm":  the kernel's /dev/kvm, reached with open(2)/ioctl(2);
 *  - "soft": the in-process implementation (src/vcpu/soft/), whose file
 *            descriptors are memfds so that the vCPU's struct kvm_run is
 *            mmap()ed from the vCPU fd exactly as with KVM.
 * Everything above this (the .c files in src/vcpu/) makes the same calls on either.
 */
#ifndef MINIVMM_PROVIDER_H
#define MINIVMM_PROVIDER_H

#include <stdbool.h>

struct kvm_provider {
	const char *name;
	/* Returns the "system" fd (what open("/dev/kvm") gives), or -1 with errno. */
	int (*open_system)(void);
	/* ioctl(2) semantics: result >= 0, or -1 with errno set. */
	int (*ioctl)(int fd, unsigned long request, void *arg);
	/* Closes a system, VM or vCPU fd. */
	int (*close)(int fd);
	/*
	 * Without KVM_CAP_IRQCHIP/PIT2 the VM runs without interrupt
	 * controllers (HLT exits) instead of refusing to start: the soft
	 * provider's while its irqchip is being built.
	 */
	bool irqchip_optional;
};

extern const struct kvm_provider kvm_provider_kernel;
extern const struct kvm_provider kvm_provider_soft;

/*
 * The --accel switch (provider.c). accel is "kvm" (/dev/kvm, or an error),
 * "soft" (in-process) or "auto"/NULL (/dev/kvm when it opens and speaks
 * API version 12, else the soft provider, said in one line on stderr).
 * Returns 0 with *out set, or -errno after one line on stderr.
 */
int kvm_provider_choose(const char *accel, const struct kvm_provider **out);
/*
 * --soft-engine: the engine ("interp" or "bt", checked by the CLI) of the
 * soft vCPUs created from now on, through the environment variable the
 * soft provider reads (MINIVMM_SOFT_ENGINE); NULL leaves it as it is.
 * Call before any thread starts (setenv).
 */
void kvm_provider_soft_engine(const char *engine);

#endif
