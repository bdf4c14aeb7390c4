/* SPDX-License-Identifier: MIT */
/*
 * A small 64-bit guest for the soft CPU's instruction tests: 4 MiB of RAM
 * identity-mapped with 2 MiB pages, flat long-mode segments from a GDT,
 * and an IDT whose first 64 vectors each land on a `hlt` stub, so that
 * an exception or interrupt shows up as KVM_EXIT_HLT at a known address.
 *
 *   0x1000 PML4, 0x2000 PDPT, 0x3000 PD, 0x4000 GDT, 0x5000 IDT,
 *   0x6000 exception stubs (16 bytes per vector),
 *   0x100000 code, 0x200000 data, stack below 0x300000.
 */
#ifndef TEST_SOFT_ISA_HARNESS_H
#define TEST_SOFT_ISA_HARNESS_H

#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "support/x86_tables.h"
#include "vcpu/soft/cpu.h"
#include "vcpu/soft/soft_cpu.h"

#define G_RAM_SIZE (4u << 20)
#define G_STUBS 0x6000u
#define G_VECTORS 64
#define G_CODE 0x100000u
#define G_DATA 0x200000u
#define G_STACK 0x300000u

struct guest {
	uint8_t *ram;
	struct soft_vm *vm;
	struct soft_cpu *cpu;
	struct kvm_run *run;
};

static inline void put64(uint8_t *p, uint64_t v)
{
	x86_put64(p, 0, v);
}

static inline void guest_init(struct guest *g)
{
	struct kvm_sregs s;
	struct kvm_segment code, data;
	unsigned v;

	x86_flat_seg(&code, 8, 11, 0, 1, 0);
	x86_flat_seg(&data, 0x10, 3, 0, 0, 1);
	g->ram = mmap(NULL, G_RAM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert_ptr_ne(g->ram, MAP_FAILED);
	x86_identity_map_2m(g->ram, 0x1000, 0x2000, 0x3000, 2, X86_PTE_P | X86_PTE_W);
	x86_put64(g->ram, 0x4008, x86_seg_desc(0, 0xfffff, 0xa, 1, 0, 1, 0, 1));
	x86_put64(g->ram, 0x4010, x86_seg_desc(0, 0xfffff, 0x2, 1, 0, 0, 1, 1));
	for (v = 0; v < G_VECTORS; v++) {
		uint64_t h = G_STUBS + v * 16;

		/* present, DPL 0, 64-bit interrupt gate */
		x86_idt64_gate(g->ram, 0x5000, v, 8, h, 0xe, 0, 0);
		g->ram[h] = 0xf4; /* hlt */
	}
	g->vm = soft_vm_create();
	ck_assert_ptr_nonnull(g->vm);
	ck_assert_int_eq(soft_vm_set_slot(g->vm, 0, 0, G_RAM_SIZE, g->ram, 0), 0);
	g->run = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert_ptr_ne(g->run, MAP_FAILED);
	g->cpu = soft_cpu_create(g->vm, 0, g->run);
	ck_assert_ptr_nonnull(g->cpu);
	soft_cpu_get_sregs(g->cpu, &s);
	s.cs = code;
	s.ds = s.es = s.ss = s.fs = s.gs = data;
	s.gdt.base = 0x4000;
	s.gdt.limit = 0x17;
	s.idt.base = 0x5000;
	s.idt.limit = G_VECTORS * 16 - 1;
	s.cr0 = 0x80050033;
	s.cr3 = 0x1000;
	s.cr4 = 0x20;
	s.efer = 0x500;
	ck_assert_int_eq(soft_cpu_set_sregs(g->cpu, &s), 0);
}

/*
 * Switch the guest to flat 32-bit protected mode without paging: code
 * selector 0x18 (32-bit), data 0x10, and a 32-bit IDT at 0x5800 whose
 * interrupt gates reach the same hlt stubs.
 */
static inline void guest_mode32(struct guest *g)
{
	struct kvm_sregs s;
	struct kvm_segment code, data;
	unsigned v;

	x86_flat_seg(&code, 0x18, 11, 0, 0, 1);
	x86_flat_seg(&data, 0x10, 3, 0, 0, 1);
	x86_put64(g->ram, 0x4018, x86_seg_desc(0, 0xfffff, 0xa, 1, 0, 0, 1, 1));
	/* present, DPL 0, 32-bit interrupt gates */
	for (v = 0; v < G_VECTORS; v++)
		x86_idt32_gate(g->ram, 0x5800, v, 0x18, G_STUBS + v * 16, 0xe, 0);
	soft_cpu_get_sregs(g->cpu, &s);
	s.cs = code;
	s.ds = s.es = s.ss = s.fs = s.gs = data;
	s.gdt.base = 0x4000;
	s.gdt.limit = 0x1f;
	s.idt.base = 0x5800;
	s.idt.limit = G_VECTORS * 8 - 1;
	s.cr0 = 0x11;
	s.cr3 = 0;
	s.cr4 = 0;
	s.efer = 0;
	ck_assert_int_eq(soft_cpu_set_sregs(g->cpu, &s), 0);
}

/*
 * Real mode: CS=0x1000, DS=ES=0x2000, SS=0x3000 (bases selector * 16),
 * and an interrupt vector table whose entries reach the hlt stubs
 * (segment 0x600, offset 16 * vector).
 */
static inline void guest_mode16(struct guest *g)
{
	struct kvm_sregs s;
	unsigned v;

	for (v = 0; v < G_VECTORS; v++) {
		uint16_t ent[2] = {(uint16_t)(v * 16), G_STUBS >> 4};

		memcpy(g->ram + v * 4, ent, 4);
	}
	soft_cpu_get_sregs(g->cpu, &s);
	s.cs = (struct kvm_segment){
	    .base = 0x10000, .limit = 0xffff, .selector = 0x1000, .type = 11, .present = 1, .s = 1};
	s.ds = (struct kvm_segment){
	    .base = 0x20000, .limit = 0xffff, .selector = 0x2000, .type = 3, .present = 1, .s = 1};
	s.es = s.ds;
	s.fs = s.gs = (struct kvm_segment){.limit = 0xffff, .type = 3, .present = 1, .s = 1};
	s.ss = (struct kvm_segment){
	    .base = 0x30000, .limit = 0xffff, .selector = 0x3000, .type = 3, .present = 1, .s = 1};
	s.idt.base = 0;
	s.idt.limit = 0x3ff;
	s.cr0 = 0x10;
	s.cr3 = 0;
	s.cr4 = 0;
	s.efer = 0;
	ck_assert_int_eq(soft_cpu_set_sregs(g->cpu, &s), 0);
}

static inline void guest_fini(struct guest *g)
{
	soft_cpu_destroy(g->cpu);
	soft_vm_destroy(g->vm);
	munmap(g->run, 3 * 4096);
	munmap(g->ram, G_RAM_SIZE);
}

/* A clean register file: rip, rflags, the stack below G_STACK. */
static inline void guest_start(struct guest *g, uint64_t rip, uint64_t rflags)
{
	struct kvm_regs r;

	memset(&r, 0, sizeof(r));
	r.rip = rip;
	r.rflags = rflags;
	r.rsp = G_STACK - 0x100;
	soft_cpu_set_regs(g->cpu, &r);
}

static inline struct kvm_regs guest_regs(struct guest *g)
{
	struct kvm_regs r;

	soft_cpu_get_regs(g->cpu, &r);
	return r;
}

/* Put code at gpa and forget what was decoded before (the host wrote it). */
static inline void guest_code(struct guest *g, uint64_t gpa, const void *code, size_t len)
{
	uint64_t p;

	memcpy(g->ram + gpa, code, len);
	for (p = gpa >> 12; p <= (gpa + len - 1) >> 12; p++)
		code_cache_invalidate_page(g->vm, p);
}

/* Vector of the exception whose stub a HLT exit stopped at, or -1. */
static inline int guest_exception(struct guest *g, uint64_t rip)
{
	if (rip > G_STUBS && rip <= G_STUBS + G_VECTORS * 16 && (rip - G_STUBS) % 16 == 1)
		return (int)((rip - G_STUBS) / 16);
	return -1;
}

/*
 * Run from the current registers until an exit that is not a plain
 * completion (HLT, SHUTDOWN, DEBUG ...) or max_runs KVM_RUNs. Returns
 * the exit reason.
 */
static inline int guest_run(struct guest *g, unsigned max_runs)
{
	unsigned i;

	for (i = 0; i < max_runs; i++) {
		int rc = soft_cpu_run(g->cpu);

		if (rc == -EINTR)
			continue;
		ck_assert_int_eq(rc, 0);
		if (g->run->exit_reason != KVM_EXIT_IO && g->run->exit_reason != KVM_EXIT_MMIO)
			return (int)g->run->exit_reason;
	}
	return -1;
}

#endif
