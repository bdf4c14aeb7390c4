/* SPDX-License-Identifier: MIT */
/*
 * Private declarations shared by CPU-SYSTEM's files of the soft CPU
 * (mmu.c, io.c, seg.c, system.c, msr.c, cpuid.c, except.c, soft_cpu.c).
 * The contracts with the rest of the CPU are in cpu.h.
 */
#ifndef MINIVMM_SOFT_SYS_H
#define MINIVMM_SOFT_SYS_H

#include "vcpu/soft/exec.h"

static inline bool cpu_long_mode(const struct soft_cpu *cpu)
{
	return cpu->efer & EFER_LMA;
}

static inline bool cpu_protected(const struct soft_cpu *cpu)
{
	return cpu->cr0 & CR0_PE;
}

/* soft_vm.c: the slot holding all of [gpa, gpa+len), or NULL */
const struct soft_slot *soft_vm_slot(const struct soft_vm *vm, uint64_t gpa, uint64_t len);

/* mmu.c */
void tlb_flush_nonglobal(struct soft_cpu *cpu);

/* io.c: on KVM_RUN re-entry, take the data of an outstanding read exit */
void io_complete_read(struct soft_cpu *cpu);
/* io.c: on KVM_RUN re-entry, put the next queued write in kvm_run; false when none is left */
bool io_next_write(struct soft_cpu *cpu);

/* seg.c */
/* Read the 8-byte descriptor of selector sel (GDT or LDT); EXEC_FAULT with #GP(sel) if beyond the limit. */
int seg_read_desc(struct soft_cpu *cpu, uint16_t sel, uint64_t *desc, int fault_vec);
/* Fill a segment cache from a descriptor. */
void seg_from_desc(struct seg *s, uint16_t sel, uint64_t desc);
/* Set the accessed bit of the descriptor of sel in memory. */
int seg_set_accessed(struct soft_cpu *cpu, uint16_t sel, uint64_t desc);
/* Load CS for a far transfer to sel:off (privilege rules of far JMP/CALL). */
int seg_far_transfer(struct soft_cpu *cpu, uint16_t sel, uint64_t off, bool call,
		     unsigned opsize);
/* Null selector (with rpl) loaded into a data/stack segment cache. */
void seg_load_null(struct seg *s, uint16_t sel);
/* After a return to an outer level, null data segments the new CPL may not use. */
void seg_null_outer(struct soft_cpu *cpu);

/* except.c */
int cpu_deliver_event(struct soft_cpu *cpu, unsigned vector, bool has_error, uint32_t error,
		      int kind);
enum { EV_EXCEPTION, EV_SOFT_INT, EV_EXTERNAL, EV_ICEBP };

/* system.c */
int cpu_write_cr(struct soft_cpu *cpu, unsigned n, uint64_t v);
/* CR4 value v has no bit reserved for this guest (MOV to CR4 and KVM_SET_SREGS). */
bool cpu_cr4_valid(const struct soft_cpu *cpu, uint64_t v);
uint64_t cpu_read_cr(struct soft_cpu *cpu, unsigned n);

/* msr.c */
int msr_read(struct soft_cpu *cpu, uint32_t index, uint64_t *v);
int msr_write(struct soft_cpu *cpu, uint32_t index, uint64_t v); /* -1: #GP */
/* host: KVM_SET_MSRS/SREGS, which may make the APIC mode changes a guest may not */
int msr_write_host(struct soft_cpu *cpu, uint32_t index, uint64_t v, bool host);
uint64_t cpu_tsc(struct soft_cpu *cpu);

/* cpuid.c */
void cpuid_query(struct soft_cpu *cpu, uint32_t leaf, uint32_t sub, uint32_t out[4]);
/* XCR0 bits the guest's CPUID (leaf 0xD.0 EDX:EAX) offers, as KVM's guest_supported_xcr0. */
uint64_t cpuid_guest_xcr0(const struct soft_cpu *cpu);
/* The guest's CPUID has XSAVE (leaf 1 ECX bit 26): CR4.OSXSAVE may be set. */
bool cpuid_guest_has_xsave(const struct soft_cpu *cpu);

#endif
