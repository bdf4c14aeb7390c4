/* SPDX-License-Identifier: MIT */
/*
 * Harness of the soft CPU system tests: one guest layout (GDT, IDT, TSS,
 * page tables) run either on the soft CPU through its own API
 * (soft_cpu.h) or on the kernel's /dev/kvm through ioctls, so that every
 * expectation the tests derive from the SDM can also be checked against
 * real hardware where it is available.
 *
 * Guest-physical layout (RAM 4 MiB from 0):
 *   0x1000 PML4   0x2000 PDPT   0x3000 PD   0x4000 PT (first 2 MiB, 4 KiB pages)
 *   0x5000 GDT    0x6000 IDT    0x7000 TSS  0x8000 code   0x9000 handlers
 *   0xa000.. data pages, 0x20000..0x2f000 stacks, 0x30000 PD of 3..4 GiB;
 *   0xd0000000.. a 2 MiB page outside RAM: MMIO
 */
#ifndef TEST_SOFT_SYS_HARNESS_H
#define TEST_SOFT_SYS_HARNESS_H

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/kvm.h>

#include "support/run_suite.h"
#include "support/x86_tables.h"
#include "vcpu/soft/soft_cpu.h"

#define MEM_SIZE (4u << 20)
#define PML4 0x1000
#define PDPT 0x2000
#define PD 0x3000
#define PT 0x4000
#define GDT 0x5000
#define IDT 0x6000
#define TSS 0x7000
#define CODE 0x8000
#define HANDLER 0x9000
#define STACK_TOP 0x28000  /* ring-0 stack of the snippets */
#define RSP0_TOP 0x2c000   /* TSS.RSP0 / ESP0 */
#define IST1_TOP 0x2f000   /* TSS.IST1 */
#define USTACK_TOP 0x24000 /* ring-3 stack */
#define PD_HI 0x30000      /* page directory of 3..4 GiB */

/* selectors of the GDT the harness writes */
#define SEL_KCODE64 0x08
#define SEL_KDATA 0x10
#define SEL_KCODE32 0x18
#define SEL_UCODE32 0x23
#define SEL_UDATA 0x2b
#define SEL_UCODE64 0x33
#define SEL_TSS 0x38

struct h {
	bool kvm;
	uint8_t *mem;
	struct kvm_run *run;
	size_t run_size;
	struct soft_vm *vm;
	struct soft_cpu *cpu;
	int kfd, vmfd, cfd;
};

static inline uint64_t rd64(struct h *h, uint64_t gpa)
{
	uint64_t v;

	memcpy(&v, h->mem + gpa, 8);
	return v;
}

static inline void wr64(struct h *h, uint64_t gpa, uint64_t v)
{
	memcpy(h->mem + gpa, &v, 8);
}

static inline uint32_t rd32(struct h *h, uint64_t gpa)
{
	uint32_t v;

	memcpy(&v, h->mem + gpa, 4);
	return v;
}

static inline void wr32(struct h *h, uint64_t gpa, uint32_t v)
{
	memcpy(h->mem + gpa, &v, 4);
}

static inline void put_code(struct h *h, uint64_t gpa, const uint8_t *code, size_t len)
{
	memcpy(h->mem + gpa, code, len);
}

static inline void cpuid_full(struct h *h, struct kvm_cpuid2 *c, unsigned max)
{
	c->nent = max;
	if (h->kvm)
		ck_assert_int_eq(ioctl(h->kfd, KVM_GET_SUPPORTED_CPUID, c), 0);
	else
		ck_assert_int_eq(soft_cpu_supported_cpuid(c, max), 0);
}

static inline void h_set_cpuid(struct h *h, struct kvm_cpuid2 *c)
{
	if (h->kvm)
		ck_assert_int_eq(ioctl(h->cfd, KVM_SET_CPUID2, c), 0);
	else
		ck_assert_int_eq(soft_cpu_set_cpuid(h->cpu, c), 0);
}

/* Open the backend; false (test skipped) when it is /dev/kvm and that is absent. */
static inline bool h_open(struct h *h, bool kvm)
{
	struct {
		struct kvm_cpuid2 c;
		struct kvm_cpuid_entry2 e[128];
	} cpuid;

	memset(h, 0, sizeof(*h));
	h->kvm = kvm;
	h->mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert_ptr_ne(h->mem, MAP_FAILED);
	if (kvm) {
		struct kvm_userspace_memory_region r = {
			.slot = 0, .guest_phys_addr = 0, .memory_size = MEM_SIZE,
			.userspace_addr = (uint64_t)(uintptr_t)h->mem,
		};

		h->kfd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
		if (h->kfd < 0) {
			printf("skipped: no /dev/kvm\n");
			munmap(h->mem, MEM_SIZE);
			return false;
		}
		h->vmfd = ioctl(h->kfd, KVM_CREATE_VM, 0);
		ck_assert_int_ge(h->vmfd, 0);
		ck_assert_int_eq(ioctl(h->vmfd, KVM_SET_TSS_ADDR, 0xfffbd000UL), 0);
		ck_assert_int_eq(ioctl(h->vmfd, KVM_SET_USER_MEMORY_REGION, &r), 0);
		h->cfd = ioctl(h->vmfd, KVM_CREATE_VCPU, 0);
		ck_assert_int_ge(h->cfd, 0);
		h->run_size = (size_t)ioctl(h->kfd, KVM_GET_VCPU_MMAP_SIZE, 0);
		h->run = mmap(NULL, h->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, h->cfd, 0);
		ck_assert_ptr_ne(h->run, MAP_FAILED);
	} else {
		h->run_size = 3 * 4096;
		h->run = mmap(NULL, h->run_size, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		ck_assert_ptr_ne(h->run, MAP_FAILED);
		h->vm = soft_vm_create();
		ck_assert_ptr_nonnull(h->vm);
		ck_assert_int_eq(soft_vm_set_slot(h->vm, 0, 0, MEM_SIZE, h->mem, 0), 0);
		h->cpu = soft_cpu_create(h->vm, 0, h->run);
		ck_assert_ptr_nonnull(h->cpu);
	}
	cpuid_full(h, &cpuid.c, 128);
	h_set_cpuid(h, &cpuid.c);
	return true;
}

static inline void h_close(struct h *h)
{
	if (h->kvm) {
		munmap(h->run, h->run_size);
		close(h->cfd);
		close(h->vmfd);
		close(h->kfd);
	} else {
		soft_cpu_destroy(h->cpu);
		soft_vm_destroy(h->vm);
		munmap(h->run, h->run_size);
	}
	munmap(h->mem, MEM_SIZE);
}

static inline void h_get_regs(struct h *h, struct kvm_regs *r)
{
	if (h->kvm)
		ck_assert_int_eq(ioctl(h->cfd, KVM_GET_REGS, r), 0);
	else
		soft_cpu_get_regs(h->cpu, r);
}

static inline void h_set_regs(struct h *h, const struct kvm_regs *r)
{
	if (h->kvm)
		ck_assert_int_eq(ioctl(h->cfd, KVM_SET_REGS, r), 0);
	else
		soft_cpu_set_regs(h->cpu, r);
}

static inline void h_get_sregs(struct h *h, struct kvm_sregs *s)
{
	if (h->kvm)
		ck_assert_int_eq(ioctl(h->cfd, KVM_GET_SREGS, s), 0);
	else
		soft_cpu_get_sregs(h->cpu, s);
}

static inline void h_set_sregs(struct h *h, const struct kvm_sregs *s)
{
	if (h->kvm)
		ck_assert_int_eq(ioctl(h->cfd, KVM_SET_SREGS, s), 0);
	else
		ck_assert_int_eq(soft_cpu_set_sregs(h->cpu, s), 0);
}

static inline void h_set_msr(struct h *h, uint32_t index, uint64_t v)
{
	if (h->kvm) {
		struct {
			struct kvm_msrs m;
			struct kvm_msr_entry e;
		} m = { .m.nmsrs = 1, .e.index = index, .e.data = v };

		ck_assert_int_eq(ioctl(h->cfd, KVM_SET_MSRS, &m), 1);
	} else {
		ck_assert_int_eq(soft_cpu_set_msr(h->cpu, index, v), 0);
	}
}

/* KVM_INTERRUPT: queue an external interrupt. */
static inline void h_interrupt(struct h *h, unsigned vec)
{
	struct kvm_interrupt irq = { .irq = vec };

	if (h->kvm)
		ck_assert_int_eq(ioctl(h->cfd, KVM_INTERRUPT, &irq), 0);
	else
		ck_assert_int_eq(soft_cpu_interrupt(h->cpu, vec), 0);
}

/* One KVM_RUN; returns the exit reason. */
static inline unsigned h_run(struct h *h)
{
	if (h->kvm)
		ck_assert_int_eq(ioctl(h->cfd, KVM_RUN, 0), 0);
	else
		ck_assert_int_eq(soft_cpu_run(h->cpu), 0);
	return h->run->exit_reason;
}

static inline uint64_t h_rip(struct h *h)
{
	struct kvm_regs r;

	h_get_regs(h, &r);
	return r.rip;
}

/* ---- descriptors ---- */

/* GDT of the layout: flat kernel/user code and data, a TSS (16 bytes in long mode). */
static inline void write_gdt(struct h *h)
{
	wr64(h, GDT + 0x00, 0);
	wr64(h, GDT + 0x08, x86_seg_desc(0, 0xfffff, 0xb, 1, 0, 1, 0, 1));
	wr64(h, GDT + 0x10, x86_seg_desc(0, 0xfffff, 0x3, 1, 0, 0, 1, 1));
	wr64(h, GDT + 0x18, x86_seg_desc(0, 0xfffff, 0xb, 1, 0, 0, 1, 1));
	wr64(h, GDT + 0x20, x86_seg_desc(0, 0xfffff, 0xb, 1, 3, 0, 1, 1));
	wr64(h, GDT + 0x28, x86_seg_desc(0, 0xfffff, 0x3, 1, 3, 0, 1, 1));
	wr64(h, GDT + 0x30, x86_seg_desc(0, 0xfffff, 0xb, 1, 3, 1, 0, 1));
	wr64(h, GDT + 0x38, x86_seg_desc(TSS, 0x67, 0xb, 0, 0, 0, 0, 0));
	wr64(h, GDT + 0x40, 0); /* upper half of the 16-byte TSS descriptor: base 63:32 */
}

/* Gates of the layout's IDT to its kernel code segments (built by support/x86_tables.c). */
static inline void idt64_gate(struct h *h, unsigned vec, uint64_t off, unsigned type, unsigned dpl,
			      unsigned ist)
{
	x86_idt64_gate(h->mem, IDT, vec, SEL_KCODE64, off, type, dpl, ist);
}

static inline void idt32_gate(struct h *h, unsigned vec, uint32_t off, unsigned type, unsigned dpl)
{
	x86_idt32_gate(h->mem, IDT, vec, SEL_KCODE32, off, type, dpl);
}

/* Identity map of the first 2 MiB with 4 KiB pages (A and D preset), and a 2 MiB MMIO page. */
static inline void write_paging64(struct h *h)
{
	memset(h->mem + PML4, 0, 4 * 4096);
	wr64(h, PML4, PDPT | X86_PTE_P | X86_PTE_W | X86_PTE_U | X86_PTE_A);
	wr64(h, PDPT, PD | X86_PTE_P | X86_PTE_W | X86_PTE_U | X86_PTE_A);
	memset(h->mem + PD_HI, 0, 4096);
	wr64(h, PDPT + 3 * 8, PD_HI | X86_PTE_P | X86_PTE_W | X86_PTE_A);
	wr64(h, PD_HI + 0x80 * 8,
	     0xd0000000ULL | X86_PTE_P | X86_PTE_W | X86_PTE_PS | X86_PTE_A | X86_PTE_D);
	wr64(h, PD, PT | X86_PTE_P | X86_PTE_W | X86_PTE_U | X86_PTE_A);
	x86_identity_map_4k(h->mem, PT, 0, 512, X86_PTE_P | X86_PTE_W | X86_PTE_A | X86_PTE_D);
}

/* Data segments, TR, GDTR and IDTR of the layout (CS is the caller's). */
static inline void flat_system_regs(struct kvm_sregs *s, uint16_t idt_limit)
{
	x86_flat_seg(&s->ds, SEL_KDATA, 0x3, 0, 0, 1);
	s->es = s->ss = s->fs = s->gs = s->ds;
	memset(&s->tr, 0, sizeof(s->tr));
	s->tr.base = TSS;
	s->tr.limit = 0x67;
	s->tr.selector = SEL_TSS;
	s->tr.type = 0xb;
	s->tr.present = 1;
	s->gdt.base = GDT;
	s->gdt.limit = 0x4f;
	s->idt.base = IDT;
	s->idt.limit = idt_limit;
}

/* CPL 3 with flat user segments: 64-bit code (long mode) or 32-bit code. */
static inline void user_segs(struct h *h, bool code64)
{
	struct kvm_sregs s;

	h_get_sregs(h, &s);
	if (code64)
		x86_flat_seg(&s.cs, SEL_UCODE64, 0xb, 3, 1, 0);
	else
		x86_flat_seg(&s.cs, SEL_UCODE32, 0xb, 3, 0, 1);
	x86_flat_seg(&s.ss, SEL_UDATA, 0x3, 3, 0, 1);
	s.ds = s.es = s.ss;
	h_set_sregs(h, &s);
}

/* Long mode, CPL 0, paging with the layout above; rip = CODE, rsp = STACK_TOP. */
static inline void setup_long(struct h *h)
{
	struct kvm_sregs s;
	struct kvm_regs r;
	unsigned v;

	write_gdt(h);
	write_paging64(h);
	memset(h->mem + IDT, 0, 4096);
	memset(h->mem + TSS, 0, 0x68);
	wr64(h, TSS + 4, RSP0_TOP);  /* RSP0 */
	wr64(h, TSS + 0x24, IST1_TOP); /* IST1 */
	wr32(h, TSS + 0x66, 0x68 << 16); /* I/O map base beyond the limit */
	/* every vector: an interrupt gate to HANDLER + 16 * vector, which is a hlt */
	for (v = 0; v < 256; v++) {
		idt64_gate(h, v, HANDLER + v * 16, 0xe, 0, 0);
		h->mem[HANDLER + v * 16] = 0xf4;
	}
	h_get_sregs(h, &s);
	x86_flat_seg(&s.cs, SEL_KCODE64, 0xb, 0, 1, 0);
	flat_system_regs(&s, 256 * 16 - 1);
	s.cr0 = 0x80050033; /* PG AM WP NE ET MP PE */
	s.cr3 = PML4;
	s.cr4 = 0x20; /* PAE */
	s.efer = 0xd01; /* NXE LMA LME SCE */
	h_set_sregs(h, &s);
	memset(&r, 0, sizeof(r));
	r.rip = CODE;
	r.rsp = STACK_TOP;
	r.rflags = 2;
	h_set_regs(h, &r);
}

#define PTE_OF(lin) (PT + ((lin) >> 12) * 8)

#endif
