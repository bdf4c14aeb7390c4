/* SPDX-License-Identifier: MIT */
/*
 * Every instruction handler of the software CPU, and the table that maps
 * a Zydis mnemonic to its handler (insn_table.c).
 *
 * A handler is named exec_<what it executes> and has the type insn_fn:
 * it runs one decoded instruction and returns EXEC_OK, EXEC_FAULT or
 * EXEC_EXIT under the rules in cpu.h. The handlers exec_fast.c chooses
 * for one operand form (exec_fast_*) are private to that file: the
 * decoder asks it through fast_specialize().
 */
#ifndef MINIVMM_SOFT_HANDLERS_H
#define MINIVMM_SOFT_HANDLERS_H

#include "vcpu/soft/cpu.h"

/* Mnemonics are indexed directly (insn_table.c checks Zydis' count against it). */
#define INSN_TABLE_SIZE 2048

/* One line of the table: a mnemonic and the handler every form of it runs. */
struct insn_entry {
	uint16_t mnemonic; /* ZydisMnemonic */
	insn_fn fn;
};

/* A family of handlers; system ones end the decoded block (they may change mode or paging). */
struct insn_group {
	const char *name;
	const struct insn_entry *entry;
	unsigned n;
	bool system;
};

struct insn_table {
	insn_fn fn[INSN_TABLE_SIZE];
	bool system[INSN_TABLE_SIZE];
};

/* The groups of the software CPU (insn_table.c). */
extern const struct insn_group insn_groups[];
extern const unsigned insn_ngroups;

/*
 * Fill t from groups. -EEXIST with *mnemonic set when a mnemonic is
 * listed twice (two handlers for one mnemonic is a bug, never a choice
 * by order), -ERANGE when one is beyond INSN_TABLE_SIZE.
 */
int insn_table_build(struct insn_table *t, const struct insn_group *groups, unsigned ngroups,
		     unsigned *mnemonic);

/* A handler specialised for this record's operand form, or NULL (exec_fast.c). */
insn_fn fast_specialize(const struct insn *in);
/* Whether a ZydisMnemonic is one of the sixteen Jcc (exec_fast.c; the translator asks too). */
bool mnemonic_is_jcc(unsigned mnemonic);

/* exec_alu.c: add/sub/logic, inc/dec/neg/not, xchg/xadd/cmpxchg */
int exec_inc(struct soft_cpu *cpu, const struct insn *in);
int exec_dec(struct soft_cpu *cpu, const struct insn *in);
int exec_neg(struct soft_cpu *cpu, const struct insn *in);
int exec_not(struct soft_cpu *cpu, const struct insn *in);
int exec_xchg(struct soft_cpu *cpu, const struct insn *in);
int exec_xadd(struct soft_cpu *cpu, const struct insn *in);
int exec_cmpxchg(struct soft_cpu *cpu, const struct insn *in);
int exec_cmpxchg_wide(struct soft_cpu *cpu, const struct insn *in);
int exec_add(struct soft_cpu *cpu, const struct insn *in);
int exec_or(struct soft_cpu *cpu, const struct insn *in);
int exec_adc(struct soft_cpu *cpu, const struct insn *in);
int exec_sbb(struct soft_cpu *cpu, const struct insn *in);
int exec_and(struct soft_cpu *cpu, const struct insn *in);
int exec_sub(struct soft_cpu *cpu, const struct insn *in);
int exec_xor(struct soft_cpu *cpu, const struct insn *in);
int exec_cmp(struct soft_cpu *cpu, const struct insn *in);
int exec_test(struct soft_cpu *cpu, const struct insn *in);

/* exec_bit.c: shifts and rotates, bit tests and scans */
int exec_shift_rotate(struct soft_cpu *cpu, const struct insn *in);
int exec_shxd(struct soft_cpu *cpu, const struct insn *in);
int exec_bt(struct soft_cpu *cpu, const struct insn *in);
int exec_bsf(struct soft_cpu *cpu, const struct insn *in);
int exec_tzcnt(struct soft_cpu *cpu, const struct insn *in);
int exec_popcnt(struct soft_cpu *cpu, const struct insn *in);

/* exec_muldiv.c: multiply and divide */
int exec_mul(struct soft_cpu *cpu, const struct insn *in);
int exec_imul(struct soft_cpu *cpu, const struct insn *in);
int exec_div(struct soft_cpu *cpu, const struct insn *in);

/* exec_misc.c: moves, conversions, flag and BCD instructions */
int exec_mov(struct soft_cpu *cpu, const struct insn *in);
int exec_movzx(struct soft_cpu *cpu, const struct insn *in);
int exec_movsx(struct soft_cpu *cpu, const struct insn *in);
int exec_lea(struct soft_cpu *cpu, const struct insn *in);
int exec_cmov(struct soft_cpu *cpu, const struct insn *in);
int exec_setcc(struct soft_cpu *cpu, const struct insn *in);
int exec_cbw(struct soft_cpu *cpu, const struct insn *in);
int exec_cwd(struct soft_cpu *cpu, const struct insn *in);
int exec_bswap(struct soft_cpu *cpu, const struct insn *in);
int exec_nop(struct soft_cpu *cpu, const struct insn *in);
int exec_lahf(struct soft_cpu *cpu, const struct insn *in);
int exec_sahf(struct soft_cpu *cpu, const struct insn *in);
int exec_clc(struct soft_cpu *cpu, const struct insn *in);
int exec_stc(struct soft_cpu *cpu, const struct insn *in);
int exec_cmc(struct soft_cpu *cpu, const struct insn *in);
int exec_cld(struct soft_cpu *cpu, const struct insn *in);
int exec_std(struct soft_cpu *cpu, const struct insn *in);
int exec_xlat(struct soft_cpu *cpu, const struct insn *in);
int exec_mov_sreg(struct soft_cpu *cpu, const struct insn *in);
int exec_pop_sreg(struct soft_cpu *cpu, const struct insn *in);
int exec_load_far_ptr(struct soft_cpu *cpu, const struct insn *in);
int exec_bcd(struct soft_cpu *cpu, const struct insn *in);

/* exec_string.c: movs/stos/lods/cmps/scas with rep/repe/repne */
int exec_string(struct soft_cpu *cpu, const struct insn *in);

/* exec_ctl.c: near branches, calls, loops and the stack */
int exec_jmp(struct soft_cpu *cpu, const struct insn *in);
int exec_jcc(struct soft_cpu *cpu, const struct insn *in);
int exec_call(struct soft_cpu *cpu, const struct insn *in);
int exec_ret(struct soft_cpu *cpu, const struct insn *in);
int exec_loop(struct soft_cpu *cpu, const struct insn *in);
int exec_jcxz(struct soft_cpu *cpu, const struct insn *in);
int exec_push(struct soft_cpu *cpu, const struct insn *in);
int exec_pop(struct soft_cpu *cpu, const struct insn *in);
int exec_pusha(struct soft_cpu *cpu, const struct insn *in);
int exec_popa(struct soft_cpu *cpu, const struct insn *in);
int exec_enter(struct soft_cpu *cpu, const struct insn *in);
int exec_leave(struct soft_cpu *cpu, const struct insn *in);

/* system.c: control registers, descriptor tables, interrupts, MSRs */
int exec_mov_cr(struct soft_cpu *cpu, const struct insn *in);
int exec_mov_dr(struct soft_cpu *cpu, const struct insn *in);
int exec_lgdt_lidt(struct soft_cpu *cpu, const struct insn *in);
int exec_sgdt_sidt(struct soft_cpu *cpu, const struct insn *in);
int exec_smsw(struct soft_cpu *cpu, const struct insn *in);
int exec_lmsw(struct soft_cpu *cpu, const struct insn *in);
int exec_clts(struct soft_cpu *cpu, const struct insn *in);
int exec_hlt(struct soft_cpu *cpu, const struct insn *in);
int exec_cli_sti(struct soft_cpu *cpu, const struct insn *in);
int exec_pushf(struct soft_cpu *cpu, const struct insn *in);
int exec_popf(struct soft_cpu *cpu, const struct insn *in);
int exec_int(struct soft_cpu *cpu, const struct insn *in);
int exec_iret(struct soft_cpu *cpu, const struct insn *in);
int exec_syscall(struct soft_cpu *cpu, const struct insn *in);
int exec_sysret(struct soft_cpu *cpu, const struct insn *in);
int exec_sysenter(struct soft_cpu *cpu, const struct insn *in);
int exec_sysexit(struct soft_cpu *cpu, const struct insn *in);
int exec_swapgs(struct soft_cpu *cpu, const struct insn *in);
int exec_rdtsc(struct soft_cpu *cpu, const struct insn *in);
int exec_cpuid(struct soft_cpu *cpu, const struct insn *in);
int exec_rdmsr(struct soft_cpu *cpu, const struct insn *in);
int exec_wrmsr(struct soft_cpu *cpu, const struct insn *in);
int exec_invlpg(struct soft_cpu *cpu, const struct insn *in);
int exec_priv_nop(struct soft_cpu *cpu, const struct insn *in);
int exec_ud2(struct soft_cpu *cpu, const struct insn *in);

/* io.c: port I/O with its privilege checks */
int exec_in(struct soft_cpu *cpu, const struct insn *in);
int exec_out(struct soft_cpu *cpu, const struct insn *in);
int exec_ins(struct soft_cpu *cpu, const struct insn *in);
int exec_outs(struct soft_cpu *cpu, const struct insn *in);

/* seg.c: far transfers and segment-descriptor instructions */
int exec_far_jmp(struct soft_cpu *cpu, const struct insn *in);
int exec_far_call(struct soft_cpu *cpu, const struct insn *in);
int exec_far_ret(struct soft_cpu *cpu, const struct insn *in);
int exec_lldt(struct soft_cpu *cpu, const struct insn *in);
int exec_ltr(struct soft_cpu *cpu, const struct insn *in);
int exec_sldt_str(struct soft_cpu *cpu, const struct insn *in);
int exec_lar_lsl(struct soft_cpu *cpu, const struct insn *in);
int exec_verr_verw(struct soft_cpu *cpu, const struct insn *in);
/* exec_fpu_ctl.c, exec_fpu_env.c: saving, restoring and controlling the x87/SSE state */
int exec_fxsave(struct soft_cpu *cpu, const struct insn *in);
int exec_fxrstor(struct soft_cpu *cpu, const struct insn *in);
int exec_xsave(struct soft_cpu *cpu, const struct insn *in);
int exec_xrstor(struct soft_cpu *cpu, const struct insn *in);
int exec_xgetbv(struct soft_cpu *cpu, const struct insn *in);
int exec_xsetbv(struct soft_cpu *cpu, const struct insn *in);
int exec_ldmxcsr(struct soft_cpu *cpu, const struct insn *in);
int exec_stmxcsr(struct soft_cpu *cpu, const struct insn *in);
int exec_fninit(struct soft_cpu *cpu, const struct insn *in);
int exec_fnclex(struct soft_cpu *cpu, const struct insn *in);
int exec_fwait(struct soft_cpu *cpu, const struct insn *in);
int exec_fnstenv(struct soft_cpu *cpu, const struct insn *in);
int exec_fldenv(struct soft_cpu *cpu, const struct insn *in);
int exec_fnsave(struct soft_cpu *cpu, const struct insn *in);
int exec_frstor(struct soft_cpu *cpu, const struct insn *in);
/* fpu_native.c: x87, MMX, SSE..SSE4.2, CRC32, MOVBE run on the host CPU */
int exec_fpu_native(struct soft_cpu *cpu, const struct insn *in);

/* decode.c: what does not decode */
int exec_undefined(struct soft_cpu *cpu, const struct insn *in); /* #UD, logged once */
int exec_gp0(struct soft_cpu *cpu, const struct insn *in);	 /* longer than 15 bytes */

#endif
