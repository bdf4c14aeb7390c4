/* SPDX-License-Identifier: MIT */
/*
 * Private declarations shared by CPU-SYSTEM's files of the soft CPU
 * (mmu.c, io.c, seg.c, system.c, msr.c, cpuid.c, except.c, soft_cpu.c).
 * The contracts with the rest of the CPU are in cpu.h.
 */
#ifndef MINIVMM_SOFT_SYS_H
#define MINIVMM_SOFT_SYS_H

#include "vcpu/soft/cpu.h"

/* Architectural bits used across these files. */
#define CR0_PE (1ULL << 0)
#define CR0_MP (1ULL << 1)
#define CR0_EM (1ULL << 2)
#define CR0_TS (1ULL << 3)
#define CR0_ET (1ULL << 4)
#define CR0_NE (1ULL << 5)
#define CR0_WP (1ULL << 16)
#define CR0_AM (1ULL << 18)
#define CR0_NW (1ULL << 29)
#define CR0_CD (1ULL << 30)
#define CR0_PG (1ULL << 31)

#define CR4_VME (1ULL << 0)
#define CR4_PVI (1ULL << 1)
#define CR4_TSD (1ULL << 2)
#define CR4_DE (1ULL << 3)
#define CR4_PSE (1ULL << 4)
#define CR4_PAE (1ULL << 5)
#define CR4_MCE (1ULL << 6)
#define CR4_PGE (1ULL << 7)
#define CR4_PCE (1ULL << 8)
#define CR4_OSFXSR (1ULL << 9)
#define CR4_OSXMMEXCPT (1ULL << 10)
#define CR4_FSGSBASE (1ULL << 16)

#define EFER_SCE (1ULL << 0)
#define EFER_LME (1ULL << 8)
#define EFER_LMA (1ULL << 10)
#define EFER_NXE (1ULL << 11)

#define RF_CF (1ULL << 0)
#define RF_FIXED (1ULL << 1)
#define RF_TF (1ULL << 8)
#define RF_IF (1ULL << 9)
#define RF_DF (1ULL << 10)
#define RF_IOPL (3ULL << 12)
#define RF_NT (1ULL << 14)
#define RF_RF (1ULL << 16)
#define RF_VM (1ULL << 17)
#define RF_AC (1ULL << 18)
#define RF_VIF (1ULL << 19)
#define RF_VIP (1ULL << 20)
#define RF_ID (1ULL << 21)

/* Physical address width this CPU implements (CPUID 0x80000008). */
#define SOFT_MAXPHYADDR 48
#define SOFT_MAXLINADDR 48

static inline bool is_canonical(uint64_t a)
{
	return (uint64_t)((int64_t)(a << 16) >> 16) == a;
}

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
uint64_t cpu_read_cr(struct soft_cpu *cpu, unsigned n);

/* msr.c */
int msr_read(struct soft_cpu *cpu, uint32_t index, uint64_t *v);
int msr_write(struct soft_cpu *cpu, uint32_t index, uint64_t v); /* -1: #GP */
uint64_t cpu_tsc(struct soft_cpu *cpu);

/* cpuid.c */
void cpuid_query(struct soft_cpu *cpu, uint32_t leaf, uint32_t sub, uint32_t out[4]);

/* registration of the system handlers, one per file */
void system_io_register(insn_fn *table);
void system_seg_register(insn_fn *table);
void system_except_register(insn_fn *table);

#endif
