// SPDX-License-Identifier: MIT
/*
 * The one table from mnemonic to handler, and the check that builds it.
 * A mnemonic is listed once: every form of it runs that handler, except
 * where decode.c's choose_handler() says otherwise (its comment gives
 * the precedence: system forms of shared mnemonics, unmodellable
 * operands, LOCK, operand-form specialisations).
 */
#include <errno.h>
#include <string.h>

#include <Zydis/Zydis.h>

#include "vcpu/soft/handlers.h"

_Static_assert(INSN_TABLE_SIZE > ZYDIS_MNEMONIC_MAX_VALUE,
	       "INSN_TABLE_SIZE must cover every Zydis mnemonic");

#define E(m, f)                                                                                    \
	{                                                                                          \
		ZYDIS_MNEMONIC_##m, f                                                              \
	}
#define GROUP(name, list, sys)                                                                     \
	{                                                                                          \
		name, list, sizeof(list) / sizeof(list[0]), sys                                    \
	}

/* The integer ISA: user-level instructions that do not change the mode. */
static const struct insn_entry integer_insns[] = {
    /* exec_alu.c: add/sub/logic, inc/dec/neg/not, xchg/xadd/cmpxchg */
    E(ADD, exec_add),
    E(OR, exec_or),
    E(ADC, exec_adc),
    E(SBB, exec_sbb),
    E(AND, exec_and),
    E(SUB, exec_sub),
    E(XOR, exec_xor),
    E(CMP, exec_cmp),
    E(TEST, exec_test),
    E(INC, exec_inc),
    E(DEC, exec_dec),
    E(NEG, exec_neg),
    E(NOT, exec_not),
    E(XCHG, exec_xchg),
    E(XADD, exec_xadd),
    E(CMPXCHG, exec_cmpxchg),
    E(CMPXCHG8B, exec_cmpxchg_wide),
    E(CMPXCHG16B, exec_cmpxchg_wide),
    /* exec_bit.c: shifts and rotates, bit tests and scans */
    E(ROL, exec_shift_rotate),
    E(ROR, exec_shift_rotate),
    E(RCL, exec_shift_rotate),
    E(RCR, exec_shift_rotate),
    E(SHL, exec_shift_rotate),
    E(SHR, exec_shift_rotate),
    E(SAR, exec_shift_rotate),
    E(SHLD, exec_shxd),
    E(SHRD, exec_shxd),
    E(BT, exec_bt),
    E(BTS, exec_bt),
    E(BTR, exec_bt),
    E(BTC, exec_bt),
    E(BSF, exec_bsf),
    E(BSR, exec_bsf),
    E(TZCNT, exec_tzcnt),
    E(LZCNT, exec_tzcnt),
    E(POPCNT, exec_popcnt),
    /* exec_muldiv.c: multiply and divide */
    E(MUL, exec_mul),
    E(IMUL, exec_imul),
    E(DIV, exec_div),
    E(IDIV, exec_div),
    /* exec_misc.c: moves, conversions, flag and BCD instructions */
    E(MOV, exec_mov),
    E(MOVZX, exec_movzx),
    E(MOVSX, exec_movsx),
    E(MOVSXD, exec_movsx),
    E(LEA, exec_lea),
    E(CMOVB, exec_cmov),
    E(CMOVBE, exec_cmov),
    E(CMOVL, exec_cmov),
    E(CMOVLE, exec_cmov),
    E(CMOVNB, exec_cmov),
    E(CMOVNBE, exec_cmov),
    E(CMOVNL, exec_cmov),
    E(CMOVNLE, exec_cmov),
    E(CMOVNO, exec_cmov),
    E(CMOVNP, exec_cmov),
    E(CMOVNS, exec_cmov),
    E(CMOVNZ, exec_cmov),
    E(CMOVO, exec_cmov),
    E(CMOVP, exec_cmov),
    E(CMOVS, exec_cmov),
    E(CMOVZ, exec_cmov),
    E(SETB, exec_setcc),
    E(SETBE, exec_setcc),
    E(SETL, exec_setcc),
    E(SETLE, exec_setcc),
    E(SETNB, exec_setcc),
    E(SETNBE, exec_setcc),
    E(SETNL, exec_setcc),
    E(SETNLE, exec_setcc),
    E(SETNO, exec_setcc),
    E(SETNP, exec_setcc),
    E(SETNS, exec_setcc),
    E(SETNZ, exec_setcc),
    E(SETO, exec_setcc),
    E(SETP, exec_setcc),
    E(SETS, exec_setcc),
    E(SETZ, exec_setcc),
    E(CBW, exec_cbw),
    E(CWDE, exec_cbw),
    E(CDQE, exec_cbw),
    E(CWD, exec_cwd),
    E(CDQ, exec_cwd),
    E(CQO, exec_cwd),
    E(BSWAP, exec_bswap),
    E(NOP, exec_nop),
    E(ENDBR32, exec_nop),
    E(ENDBR64, exec_nop),
    /* shadow stacks are not implemented (CR4.CET stays 0): RDSSP is then a NOP (SDM) */
    E(RDSSPD, exec_nop),
    E(RDSSPQ, exec_nop),
    E(PREFETCHT0, exec_nop),
    E(PREFETCHT1, exec_nop),
    E(PREFETCHT2, exec_nop),
    E(PREFETCHNTA, exec_nop),
    E(PREFETCHW, exec_nop),
    E(LAHF, exec_lahf),
    E(SAHF, exec_sahf),
    E(CLC, exec_clc),
    E(STC, exec_stc),
    E(CMC, exec_cmc),
    E(CLD, exec_cld),
    E(STD, exec_std),
    E(XLAT, exec_xlat),
    E(LDS, exec_load_far_ptr),
    E(LES, exec_load_far_ptr),
    E(LFS, exec_load_far_ptr),
    E(LGS, exec_load_far_ptr),
    E(LSS, exec_load_far_ptr),
    E(DAA, exec_bcd),
    E(DAS, exec_bcd),
    E(AAA, exec_bcd),
    E(AAS, exec_bcd),
    E(AAM, exec_bcd),
    E(AAD, exec_bcd),
    /* exec_string.c: movs/stos/lods/cmps/scas with rep/repe/repne */
    E(MOVSB, exec_string),
    E(MOVSW, exec_string),
    E(MOVSD, exec_string),
    E(MOVSQ, exec_string),
    E(STOSB, exec_string),
    E(STOSW, exec_string),
    E(STOSD, exec_string),
    E(STOSQ, exec_string),
    E(LODSB, exec_string),
    E(LODSW, exec_string),
    E(LODSD, exec_string),
    E(LODSQ, exec_string),
    E(CMPSB, exec_string),
    E(CMPSW, exec_string),
    E(CMPSD, exec_string),
    E(CMPSQ, exec_string),
    E(SCASB, exec_string),
    E(SCASW, exec_string),
    E(SCASD, exec_string),
    E(SCASQ, exec_string),
    /* exec_ctl.c: near branches, calls, loops and the stack */
    E(JMP, exec_jmp),
    E(CALL, exec_call),
    E(RET, exec_ret),
    E(LOOP, exec_loop),
    E(LOOPE, exec_loop),
    E(LOOPNE, exec_loop),
    E(JCXZ, exec_jcxz),
    E(JECXZ, exec_jcxz),
    E(JRCXZ, exec_jcxz),
    E(PUSH, exec_push),
    E(POP, exec_pop),
    E(PUSHA, exec_pusha),
    E(PUSHAD, exec_pusha),
    E(POPA, exec_popa),
    E(POPAD, exec_popa),
    E(ENTER, exec_enter),
    E(LEAVE, exec_leave),
    E(JO, exec_jcc),
    E(JNO, exec_jcc),
    E(JB, exec_jcc),
    E(JNB, exec_jcc),
    E(JZ, exec_jcc),
    E(JNZ, exec_jcc),
    E(JBE, exec_jcc),
    E(JNBE, exec_jcc),
    E(JS, exec_jcc),
    E(JNS, exec_jcc),
    E(JP, exec_jcc),
    E(JNP, exec_jcc),
    E(JL, exec_jcc),
    E(JNL, exec_jcc),
    E(JLE, exec_jcc),
    E(JNLE, exec_jcc),
};

/* System instructions: they may change mode, paging, IF or the shadow, so they end a block. */
static const struct insn_entry system_insns[] = {
    /* system.c: control registers, descriptor tables, interrupts, MSRs */
    E(LGDT, exec_lgdt_lidt),
    E(LIDT, exec_lgdt_lidt),
    E(SGDT, exec_sgdt_sidt),
    E(SIDT, exec_sgdt_sidt),
    E(SMSW, exec_smsw),
    E(LMSW, exec_lmsw),
    E(CLTS, exec_clts),
    E(HLT, exec_hlt),
    E(CLI, exec_cli_sti),
    E(STI, exec_cli_sti),
    E(PUSHF, exec_pushf),
    E(PUSHFD, exec_pushf),
    E(PUSHFQ, exec_pushf),
    E(POPF, exec_popf),
    E(POPFD, exec_popf),
    E(POPFQ, exec_popf),
    E(INT, exec_int),
    E(INT3, exec_int),
    E(INTO, exec_int),
    E(INT1, exec_int),
    E(IRET, exec_iret),
    E(IRETD, exec_iret),
    E(IRETQ, exec_iret),
    E(SYSCALL, exec_syscall),
    E(SYSRET, exec_sysret),
    E(SYSENTER, exec_sysenter),
    E(SYSEXIT, exec_sysexit),
    E(SWAPGS, exec_swapgs),
    E(RDTSC, exec_rdtsc),
    E(RDTSCP, exec_rdtsc),
    E(CPUID, exec_cpuid),
    E(RDMSR, exec_rdmsr),
    E(WRMSR, exec_wrmsr),
    E(INVLPG, exec_invlpg),
    E(WBINVD, exec_priv_nop),
    E(INVD, exec_priv_nop),
    E(CLFLUSH, exec_nop),
    E(CLFLUSHOPT, exec_nop),
    E(LFENCE, exec_nop),
    E(SFENCE, exec_nop),
    E(MFENCE, exec_nop),
    E(PAUSE, exec_nop),
    E(UD2, exec_ud2),
    /* io.c: port I/O (IOPL and the TSS permission bitmap) */
    E(IN, exec_in),
    E(OUT, exec_out),
    E(INSB, exec_ins),
    E(INSW, exec_ins),
    E(INSD, exec_ins),
    E(OUTSB, exec_outs),
    E(OUTSW, exec_outs),
    E(OUTSD, exec_outs),
    /* seg.c: far transfers and segment-descriptor instructions */
    E(LLDT, exec_lldt),
    E(LTR, exec_ltr),
    E(SLDT, exec_sldt_str),
    E(STR, exec_sldt_str),
    E(LAR, exec_lar_lsl),
    E(LSL, exec_lar_lsl),
    E(VERR, exec_verr_verw),
    E(VERW, exec_verr_verw),
};

/* Saving, restoring and controlling the x87/SSE state (the others run natively: fpu_native.c). */
static const struct insn_entry fpu_state_insns[] = {
    /* exec_fpu_ctl.c */
    E(FXSAVE, exec_fxsave),
    E(FXSAVE64, exec_fxsave),
    E(FXRSTOR, exec_fxrstor),
    E(FXRSTOR64, exec_fxrstor),
    E(XSAVE, exec_xsave),
    E(XSAVE64, exec_xsave),
    E(XSAVEOPT, exec_xsave),
    E(XSAVEOPT64, exec_xsave),
    E(XRSTOR, exec_xrstor),
    E(XRSTOR64, exec_xrstor),
    E(XGETBV, exec_xgetbv),
    E(XSETBV, exec_xsetbv),
    E(LDMXCSR, exec_ldmxcsr),
    E(STMXCSR, exec_stmxcsr),
    E(FNINIT, exec_fninit),
    E(FNCLEX, exec_fnclex),
    E(FWAIT, exec_fwait),
    /* exec_fpu_env.c */
    E(FNSTENV, exec_fnstenv),
    E(FLDENV, exec_fldenv),
    E(FNSAVE, exec_fnsave),
    E(FRSTOR, exec_frstor),
};

const struct insn_group insn_groups[] = {
    GROUP("integer", integer_insns, false),
    GROUP("system", system_insns, true),
    GROUP("fpu state", fpu_state_insns, false),
};
const unsigned insn_ngroups = sizeof(insn_groups) / sizeof(insn_groups[0]);

int insn_table_build(struct insn_table *t, const struct insn_group *groups, unsigned ngroups,
		     unsigned *mnemonic)
{
	memset(t, 0, sizeof(*t));
	for (unsigned g = 0; g < ngroups; g++) {
		for (unsigned i = 0; i < groups[g].n; i++) {
			const struct insn_entry *e = &groups[g].entry[i];

			*mnemonic = e->mnemonic;
			if (e->mnemonic >= INSN_TABLE_SIZE)
				return -ERANGE;
			if (t->fn[e->mnemonic])
				return -EEXIST;
			t->fn[e->mnemonic] = e->fn;
			t->system[e->mnemonic] = groups[g].system;
		}
	}
	return 0;
}
