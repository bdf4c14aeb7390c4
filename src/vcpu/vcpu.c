// SPDX-License-Identifier: MIT
/*
 * vCPU set-up: creation and kvm_run mapping, CPUID, the boot state from
 * the loader, and the register dump printed when a guest stops badly.
 */
#include "vcpu/vcpu.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <x86intrin.h>
#include <linux/kvm.h>

#include "loader/loader.h"
#include "vcpu/provider.h"

#define CPUID_HYPERVISOR_BIT (1u << 31) /* leaf 1, ECX: "running under a hypervisor" */
#define CPUID_MAX_ENTRIES 1024

static int vcpu_fail(const char *what)
{
	fprintf(stderr, "minivmm: %s: %s\n", what, strerror(errno));
	return -1;
}

int vcpu_create(struct vcpu *cpu, struct kvm_vm *vm, unsigned id)
{
	void *run;

	cpu->vm = vm;
	cpu->run = NULL;
	cpu->fd = vm->prov->ioctl(vm->vm_fd, KVM_CREATE_VCPU, (void *)(unsigned long)id);
	if (cpu->fd < 0)
		return vcpu_fail("KVM_CREATE_VCPU");
	run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, cpu->fd, 0);
	if (run == MAP_FAILED) {
		vcpu_fail("mmap of the vCPU's kvm_run");
		vm->prov->close(cpu->fd);
		cpu->fd = -1;
		return -1;
	}
	cpu->run = run;
	return 0;
}

int vcpu_set_cpuid(struct vcpu *cpu)
{
	const struct kvm_provider *p = cpu->vm->prov;
	struct kvm_cpuid2 *cpuid = NULL;
	unsigned nent = 64;
	int rc = -1;

	/* Grow the table until GET_SUPPORTED_CPUID stops saying E2BIG. */
	for (;;) {
		free(cpuid);
		cpuid = calloc(1, sizeof(*cpuid) + nent * sizeof(cpuid->entries[0]));
		if (!cpuid)
			return vcpu_fail("KVM_GET_SUPPORTED_CPUID");
		cpuid->nent = nent;
		if (p->ioctl(cpu->vm->sys_fd, KVM_GET_SUPPORTED_CPUID, cpuid) == 0)
			break;
		if (errno != E2BIG || nent >= CPUID_MAX_ENTRIES) {
			vcpu_fail("KVM_GET_SUPPORTED_CPUID");
			goto out;
		}
		nent *= 2;
	}
	for (unsigned i = 0; i < cpuid->nent; i++)
		if (cpuid->entries[i].function == 1)
			cpuid->entries[i].ecx |= CPUID_HYPERVISOR_BIT;
	if (p->ioctl(cpu->fd, KVM_SET_CPUID2, cpuid) < 0) {
		vcpu_fail("KVM_SET_CPUID2");
		goto out;
	}
	rc = 0;
out:
	free(cpuid);
	return rc;
}

static void to_kvm_segment(struct kvm_segment *k, const struct boot_segment *s)
{
	*k = (struct kvm_segment){
	    .base = s->base,
	    .limit = s->limit,
	    .selector = s->selector,
	    .type = s->type,
	    .present = s->present,
	    .dpl = s->dpl,
	    .db = s->db,
	    .s = s->s,
	    .l = s->l,
	    .g = s->g,
	    .unusable = !s->present,
	};
}

int vcpu_apply_boot_state(struct vcpu *cpu, const struct boot_state *b)
{
	const struct kvm_provider *p = cpu->vm->prov;
	struct kvm_sregs sregs;
	struct kvm_regs regs = {
	    .rip = b->rip,
	    .rsp = b->rsp,
	    .rflags = b->rflags,
	    .rax = b->rax,
	    .rbx = b->rbx,
	    .rdi = b->rdi,
	    .rsi = b->rsi,
	};

	/* Start from the provider's reset state: keeps LDT and APIC base as it set them. */
	if (p->ioctl(cpu->fd, KVM_GET_SREGS, &sregs) < 0)
		return vcpu_fail("KVM_GET_SREGS");
	to_kvm_segment(&sregs.cs, &b->cs);
	to_kvm_segment(&sregs.ds, &b->ds);
	sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;
	to_kvm_segment(&sregs.tr, &b->tr);
	sregs.gdt.base = b->gdt_base;
	sregs.gdt.limit = b->gdt_limit;
	sregs.idt.base = b->idt_base;
	sregs.idt.limit = b->idt_limit;
	sregs.cr0 = b->cr0;
	sregs.cr3 = b->cr3;
	sregs.cr4 = b->cr4;
	sregs.efer = b->efer;
	if (p->ioctl(cpu->fd, KVM_SET_SREGS, &sregs) < 0)
		return vcpu_fail("KVM_SET_SREGS");
	if (p->ioctl(cpu->fd, KVM_SET_REGS, &regs) < 0)
		return vcpu_fail("KVM_SET_REGS");
	return 0;
}

static void dump_segment(FILE *out, const char *name, const struct kvm_segment *s)
{
	fprintf(
	    out,
	    "  %-3s sel=0x%04x base=0x%016llx limit=0x%08x type=%u dpl=%u p=%u db=%u l=%u g=%u\n",
	    name, s->selector, (unsigned long long)s->base, s->limit, s->type, s->dpl, s->present,
	    s->db, s->l, s->g);
}

/*
 * x87 and SSE state: KVM_GET_FPU, and MXCSR from the XSAVE image (the
 * kernel's KVM_GET_FPU leaves kvm_fpu.mxcsr 0). Both providers answer both.
 */
static void dump_fpu(struct vcpu *cpu, FILE *out)
{
	const struct kvm_provider *p = cpu->vm->prov;
	struct kvm_xsave xs;
	struct kvm_fpu f;
	uint32_t mxcsr;
	unsigned i;

	if (p->ioctl(cpu->fd, KVM_GET_FPU, &f) < 0) {
		fprintf(out, "  fpu: unavailable: %s\n", strerror(errno));
		return;
	}
	mxcsr = p->ioctl(cpu->fd, KVM_GET_XSAVE, &xs) == 0 ? xs.region[6] : f.mxcsr;
	fprintf(
	    out,
	    "  fcw=0x%04x fsw=0x%04x ftw=0x%02x fop=0x%03x fip=0x%llx fdp=0x%llx mxcsr=0x%08x\n",
	    f.fcw, f.fsw, f.ftwx, f.last_opcode, (unsigned long long)f.last_ip,
	    (unsigned long long)f.last_dp, mxcsr);
	for (i = 0; i < 16; i++) {
		uint64_t lo, hi;

		memcpy(&lo, f.xmm[i], 8);
		memcpy(&hi, f.xmm[i] + 8, 8);
		fprintf(out, "  xmm%-2u=%016llx%016llx%s", i, (unsigned long long)hi,
			(unsigned long long)lo, i % 2 ? "\n" : "");
	}
}

void vcpu_dump_registers(struct vcpu *cpu, FILE *out)
{
	const struct kvm_provider *p = cpu->vm->prov;
	struct kvm_regs r;
	struct kvm_sregs s;

	if (p->ioctl(cpu->fd, KVM_GET_REGS, &r) < 0 || p->ioctl(cpu->fd, KVM_GET_SREGS, &s) < 0) {
		fprintf(out, "minivmm: registers unavailable: %s\n", strerror(errno));
		return;
	}
	fprintf(out, "minivmm: vCPU 0 registers:\n");
	fprintf(out, "  rip=0x%016llx rsp=0x%016llx rflags=0x%08llx\n", r.rip, r.rsp, r.rflags);
	fprintf(out, "  rax=0x%016llx rbx=0x%016llx rcx=0x%016llx rdx=0x%016llx\n", r.rax, r.rbx,
		r.rcx, r.rdx);
	fprintf(out, "  rsi=0x%016llx rdi=0x%016llx rbp=0x%016llx\n", r.rsi, r.rdi, r.rbp);
	fprintf(out, "  r8 =0x%016llx r9 =0x%016llx r10=0x%016llx r11=0x%016llx\n", r.r8, r.r9,
		r.r10, r.r11);
	fprintf(out, "  r12=0x%016llx r13=0x%016llx r14=0x%016llx r15=0x%016llx\n", r.r12, r.r13,
		r.r14, r.r15);
	fprintf(out, "  cr0=0x%08llx cr2=0x%016llx cr3=0x%016llx cr4=0x%08llx efer=0x%llx\n", s.cr0,
		s.cr2, s.cr3, s.cr4, s.efer);
	dump_segment(out, "cs", &s.cs);
	dump_segment(out, "ss", &s.ss);
	dump_segment(out, "ds", &s.ds);
	dump_segment(out, "tr", &s.tr);
	fprintf(out, "  gdt base=0x%llx limit=0x%x  idt base=0x%llx limit=0x%x\n",
		(unsigned long long)s.gdt.base, s.gdt.limit, (unsigned long long)s.idt.base,
		s.idt.limit);
	dump_fpu(cpu, out);
}

void vcpu_destroy(struct vcpu *cpu)
{
	if (cpu->run)
		munmap(cpu->run, cpu->vm->run_size);
	if (cpu->fd >= 0)
		cpu->vm->prov->close(cpu->fd);
	cpu->run = NULL;
	cpu->fd = -1;
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

uint64_t vcpu_tsc_hz(struct vcpu *cpu)
{
	const struct kvm_provider *p = cpu->vm->prov;
	int khz = p->ioctl(cpu->fd, KVM_GET_TSC_KHZ, NULL);
	double t0, t1;
	uint64_t c0, c1;

	if (khz > 0)
		return (uint64_t)khz * 1000;
	t0 = now_ns();
	c0 = __rdtsc();
	do
		t1 = now_ns();
	while (t1 - t0 < 10e6);
	c1 = __rdtsc();
	return (uint64_t)((double)(c1 - c0) * 1e9 / (t1 - t0));
}
