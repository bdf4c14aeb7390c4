// SPDX-License-Identifier: MIT
/*
 * The KVM ioctls the vCPU makes once the guest runs, as data for the
 * sandbox (the VM adds each to the allowlist on its one fd). With /dev/kvm
 * these are real ioctl(2) calls; the soft provider answers them in this
 * process (no system call), and on its memfds the same ioctls would only
 * fail with ENOTTY, so the list is the same for both providers. A part
 * that needs another KVM ioctl after set-up (an interrupt line, a
 * debugger's register access) adds it here, one request at a time;
 * allowing every request on the KVM fds would be the fallback if the list
 * ever grew as long as the API.
 */
#include "vcpu/vcpu.h"

#include <linux/kvm.h>

unsigned vcpu_runtime_ioctls(const struct vcpu *cpu, struct vcpu_ioctl *out)
{
	unsigned n = 0;

	/* The run loop (vcpu/run_loop.c). */
	out[n++] = (struct vcpu_ioctl){cpu->fd, KVM_RUN};
	/* The register dump when a guest crashes (vcpu_dump_registers), after the run. */
	out[n++] = (struct vcpu_ioctl){cpu->fd, KVM_GET_REGS};
	out[n++] = (struct vcpu_ioctl){cpu->fd, KVM_GET_SREGS};
	out[n++] = (struct vcpu_ioctl){cpu->fd, KVM_GET_FPU};
	out[n++] = (struct vcpu_ioctl){cpu->fd, KVM_GET_XSAVE};
	if (cpu->vm && cpu->vm->irqchip) {
		/* Device lines, from any thread (kvm_vm_irq_line). */
		out[n++] = (struct vcpu_ioctl){cpu->vm->vm_fd, KVM_IRQ_LINE};
		/* The idle tick's halt check (run_loop.c). */
		out[n++] = (struct vcpu_ioctl){cpu->fd, KVM_GET_MP_STATE};
		out[n++] = (struct vcpu_ioctl){cpu->fd, KVM_GET_VCPU_EVENTS};
	}
	return n;
}

unsigned vcpu_debugger_ioctls(const struct vcpu *cpu, struct vcpu_ioctl *out)
{
	unsigned n = 0;

	/* Register reads and writes (g/G/p/P packets), breakpoints and stepping, */
	out[n++] = (struct vcpu_ioctl){cpu->fd, KVM_SET_REGS};
	out[n++] = (struct vcpu_ioctl){cpu->fd, KVM_SET_SREGS};
	out[n++] = (struct vcpu_ioctl){cpu->fd, KVM_SET_XSAVE}; /* x87/SSE (read: KVM_GET_XSAVE) */
	out[n++] = (struct vcpu_ioctl){cpu->fd, KVM_SET_GUEST_DEBUG};
	/* and guest-virtual memory, translated page by page (m/M/X packets). */
	out[n++] = (struct vcpu_ioctl){cpu->fd, KVM_TRANSLATE};
	return n;
}

unsigned vcpu_irq_line_ioctls(const struct vcpu *cpu, struct vcpu_ioctl *out)
{
	unsigned n = 0;

	/* kvm_vm_irq_line, as in vcpu_runtime_ioctls. */
	if (cpu->vm && cpu->vm->irqchip)
		out[n++] = (struct vcpu_ioctl){cpu->vm->vm_fd, KVM_IRQ_LINE};
	return n;
}
