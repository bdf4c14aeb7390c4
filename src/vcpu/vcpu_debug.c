// SPDX-License-Identifier: MIT
/*
 * What a debugger needs from a vCPU, as plain structs: registers
 * (KVM_GET/SET_REGS and _SREGS), the x87/SSE state (KVM_GET/SET_XSAVE),
 * guest debugging (KVM_SET_GUEST_DEBUG)
 * and address translation (KVM_TRANSLATE). The same calls reach /dev/kvm
 * and the soft provider.
 */
#include "vcpu/vcpu.h"

#include <errno.h>
#include <string.h>
#include <linux/kvm.h>

#include "vcpu/provider.h"

static int vcpu_ioctl(struct vcpu *cpu, unsigned long req, void *arg)
{
	return cpu->vm->prov->ioctl(cpu->fd, req, arg) < 0 ? -errno : 0;
}

static struct kvm_segment *sreg_segment(struct kvm_sregs *s, unsigned i)
{
	struct kvm_segment *order[6] = {&s->cs, &s->ss, &s->ds, &s->es, &s->fs, &s->gs};

	return order[i];
}

int vcpu_get_regs(struct vcpu *cpu, struct vcpu_regs *r)
{
	struct kvm_regs k;
	struct kvm_sregs s;
	int rc = vcpu_ioctl(cpu, KVM_GET_REGS, &k);

	if (!rc)
		rc = vcpu_ioctl(cpu, KVM_GET_SREGS, &s);
	if (rc)
		return rc;
	*r = (struct vcpu_regs){
	    .gpr = {k.rax, k.rbx, k.rcx, k.rdx, k.rsi, k.rdi, k.rbp, k.rsp, k.r8, k.r9, k.r10,
		    k.r11, k.r12, k.r13, k.r14, k.r15},
	    .rip = k.rip,
	    .rflags = k.rflags,
	    .fs_base = s.fs.base,
	    .gs_base = s.gs.base,
	    .cr0 = s.cr0,
	    .cr2 = s.cr2,
	    .cr3 = s.cr3,
	    .cr4 = s.cr4,
	    .cr8 = s.cr8,
	    .efer = s.efer,
	};
	for (unsigned i = 0; i < 6; i++)
		r->sel[i] = sreg_segment(&s, i)->selector;
	return 0;
}

int vcpu_set_regs(struct vcpu *cpu, const struct vcpu_regs *r)
{
	struct kvm_regs k = {
	    .rax = r->gpr[0],
	    .rbx = r->gpr[1],
	    .rcx = r->gpr[2],
	    .rdx = r->gpr[3],
	    .rsi = r->gpr[4],
	    .rdi = r->gpr[5],
	    .rbp = r->gpr[6],
	    .rsp = r->gpr[7],
	    .r8 = r->gpr[8],
	    .r9 = r->gpr[9],
	    .r10 = r->gpr[10],
	    .r11 = r->gpr[11],
	    .r12 = r->gpr[12],
	    .r13 = r->gpr[13],
	    .r14 = r->gpr[14],
	    .r15 = r->gpr[15],
	    .rip = r->rip,
	    .rflags = r->rflags,
	};
	struct kvm_sregs s;
	int rc = vcpu_ioctl(cpu, KVM_GET_SREGS, &s);

	if (rc)
		return rc;
	for (unsigned i = 0; i < 6; i++)
		if (sreg_segment(&s, i)->selector != r->sel[i])
			return -EINVAL;
	s.fs.base = r->fs_base;
	s.gs.base = r->gs_base;
	s.cr0 = r->cr0;
	s.cr2 = r->cr2;
	s.cr3 = r->cr3;
	s.cr4 = r->cr4;
	s.cr8 = r->cr8;
	s.efer = r->efer;
	rc = vcpu_ioctl(cpu, KVM_SET_SREGS, &s);
	return rc ? rc : vcpu_ioctl(cpu, KVM_SET_REGS, &k);
}

int vcpu_set_guest_debug(struct vcpu *cpu, const struct vcpu_guest_debug *d)
{
	struct kvm_guest_debug dbg;

	memset(&dbg, 0, sizeof(dbg));
	if (d->single_step || d->sw_bp || d->hw_bp)
		dbg.control = KVM_GUESTDBG_ENABLE;
	if (d->single_step)
		dbg.control |= KVM_GUESTDBG_SINGLESTEP;
	if (d->sw_bp)
		dbg.control |= KVM_GUESTDBG_USE_SW_BP;
	if (d->hw_bp) {
		dbg.control |= KVM_GUESTDBG_USE_HW_BP;
		for (unsigned i = 0; i < 4; i++)
			dbg.arch.debugreg[i] = d->addr[i];
		dbg.arch.debugreg[7] = d->dr7;
	}
	return vcpu_ioctl(cpu, KVM_SET_GUEST_DEBUG, &dbg);
}

int vcpu_translate(struct vcpu *cpu, uint64_t gva, uint64_t *gpa)
{
	struct kvm_translation tr = {.linear_address = gva};
	int rc = vcpu_ioctl(cpu, KVM_TRANSLATE, &tr);

	if (rc)
		return rc;
	if (!tr.valid)
		return -EFAULT;
	*gpa = tr.physical_address;
	return 0;
}

#define XSAVE_HEADER 512    /* XSTATE_BV, the first word of the XSAVE header */
#define XSTATE_X87_SSE 3ULL /* its x87 and SSE bits */

int vcpu_get_fxsave(struct vcpu *cpu, uint8_t fx[VCPU_FXSAVE_SIZE])
{
	struct kvm_xsave xs;
	int rc = vcpu_ioctl(cpu, KVM_GET_XSAVE, &xs);

	if (!rc)
		memcpy(fx, xs.region, VCPU_FXSAVE_SIZE);
	return rc;
}

int vcpu_set_fxsave(struct vcpu *cpu, const uint8_t fx[VCPU_FXSAVE_SIZE])
{
	struct kvm_xsave xs;
	uint64_t bv;
	int rc = vcpu_ioctl(cpu, KVM_GET_XSAVE, &xs);

	if (rc)
		return rc;
	/*
	 * 464..511 are not state (software use; the kernel keeps its own
	 * frame there): keep what the provider gave. A component whose
	 * XSTATE_BV bit is clear would be restored to its init value.
	 */
	memcpy(xs.region, fx, 464);
	memcpy(&bv, (uint8_t *)xs.region + XSAVE_HEADER, sizeof(bv));
	bv |= XSTATE_X87_SSE;
	memcpy((uint8_t *)xs.region + XSAVE_HEADER, &bv, sizeof(bv));
	return vcpu_ioctl(cpu, KVM_SET_XSAVE, &xs);
}
