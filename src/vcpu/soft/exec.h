/* SPDX-License-Identifier: MIT */
/*
 * Private helpers of the interpreter core (decode, run loop, flags,
 * operands and the integer handlers). Everything here is hot: small
 * inline accessors that the handlers use instead of the generic
 * out-of-line op_read()/op_write() when the operand is a register.
 */
#ifndef MINIVMM_SOFT_EXEC_H
#define MINIVMM_SOFT_EXEC_H

#include <stddef.h>

#include "vcpu/soft/handlers.h"

/* struct insn.iflags: what the run loop must know about a record */
enum {
	INSN_F_END = 1,   /* ends the block: may change mode, paging, IF or shadow */
	INSN_F_INT3 = 2,  /* int3: KVM_GUESTDBG_USE_SW_BP exits here */
	INSN_F_NOCACHE = 4, /* decoded from bytes of two pages: never cached */
};

/* ---- lazy flags (flags.c) ---- */
enum lf_op {
	LF_RAW,   /* res holds CF|PF|AF|ZF|SF|OF in their RFLAGS positions */
	LF_ADD,   /* add/adc/xadd: src1 + src2 (+cf) = res */
	LF_SUB,   /* sub/sbb/cmp/neg/cmpxchg: src1 - src2 (-cf) = res */
	LF_LOGIC, /* and/or/xor/test: CF=OF=AF=0 */
	LF_INC,   /* src1 + 1 = res, src2 = CF kept from before */
	LF_DEC,   /* src1 - 1 = res, src2 = CF kept from before */
};

static inline uint64_t sign_bit(unsigned size)
{
	return 1ULL << (size * 8 - 1);
}

static inline int64_t sign_extend(uint64_t v, unsigned size)
{
	unsigned sh = 64 - size * 8;

	return (int64_t)(v << sh) >> sh;
}

static inline void lf_set(struct soft_cpu *cpu, unsigned op, unsigned size, uint64_t src1,
			  uint64_t src2, uint64_t res)
{
	cpu->lf.op = op;
	cpu->lf.size = size;
	cpu->lf.src1 = src1;
	cpu->lf.src2 = src2;
	cpu->lf.res = res;
}

/* The six arithmetic flags as RFLAGS bits. */
uint64_t lf_arith(const struct soft_cpu *cpu);
bool lf_cf(const struct soft_cpu *cpu);
/* Replace the flags in `mask` by `bits`, keeping the others (materialises). */
void lf_update(struct soft_cpu *cpu, uint64_t mask, uint64_t bits);
/* Flags of a result alone: ZF, SF, PF from res; CF/OF/AF given as bits. */
void lf_result(struct soft_cpu *cpu, unsigned size, uint64_t res, uint64_t cf_of_af);
uint64_t parity_flag(uint64_t res);

/* ---- registers ---- */
static inline uint64_t reg_get(const struct soft_cpu *cpu, unsigned reg, unsigned size)
{
	if (__builtin_expect(reg >= R_AH, 0))
		return (cpu->gpr[reg - R_AH] >> 8) & 0xff;
	return cpu->gpr[reg] & size_mask(size);
}

static inline void reg_set(struct soft_cpu *cpu, unsigned reg, unsigned size, uint64_t v)
{
	uint64_t *r;

	if (__builtin_expect(reg >= R_AH, 0)) {
		r = &cpu->gpr[reg - R_AH];
		*r = (*r & ~0xff00ULL) | ((v & 0xff) << 8);
		return;
	}
	r = &cpu->gpr[reg];
	switch (size) {
	case 1:
		*r = (*r & ~0xffULL) | (v & 0xff);
		break;
	case 2:
		*r = (*r & ~0xffffULL) | (v & 0xffff);
		break;
	case 4:
		*r = (uint32_t)v;
		break;
	default:
		*r = v;
	}
}

/*
 * Effective address (offset in its segment) of memory operand i: base,
 * scaled index and displacement (RIP-relative from the next
 * instruction), wrapped at the address size.
 */
static inline uint64_t op_ea(const struct soft_cpu *cpu, const struct insn *in, int i)
{
	const struct operand *o = &in->op[i];
	uint64_t a = (uint64_t)o->disp;

	if (o->base == R_RIP)
		a += cpu->next_rip;
	else if (o->base < 16)
		a += cpu->gpr[o->base];
	if (o->index < 16)
		a += cpu->gpr[o->index] * o->scale;
	return a & size_mask(in->addrsize);
}

/* Operand fast paths: register and immediate inline, memory out of line. */
int op_read_mem(struct soft_cpu *cpu, const struct insn *in, int i, uint64_t *v);
int op_write_mem(struct soft_cpu *cpu, const struct insn *in, int i, uint64_t v);

static inline int opr(struct soft_cpu *cpu, const struct insn *in, int i, uint64_t *v)
{
	const struct operand *o = &in->op[i];

	if (o->kind == OP_REG) {
		*v = reg_get(cpu, o->reg, o->size);
		return EXEC_OK;
	}
	if (o->kind == OP_IMM) {
		/* sign- or zero-extended as Zydis says; the handler masks to its size */
		*v = (uint64_t)o->disp;
		return EXEC_OK;
	}
	return op_read_mem(cpu, in, i, v);
}

static inline int opw(struct soft_cpu *cpu, const struct insn *in, int i, uint64_t v)
{
	const struct operand *o = &in->op[i];

	if (o->kind == OP_REG) {
		reg_set(cpu, o->reg, o->size, v);
		return EXEC_OK;
	}
	return op_write_mem(cpu, in, i, v);
}

/*
 * Read-modify-write of a memory operand, atomic on host RAM when the
 * instruction has a lock prefix (or is xchg): f computes the new value
 * from the old one; oldp and newp receive both. Falls back to read + write
 * for MMIO and page-crossing operands.
 */
typedef uint64_t (*rmw_fn)(uint64_t old, uint64_t arg, uint64_t arg2);
int mem_rmw(struct soft_cpu *cpu, int seg, uint64_t off, unsigned size, bool locked, rmw_fn f,
	    uint64_t arg, uint64_t arg2, uint64_t *oldp, uint64_t *newp);

/* ---- the stack (stack.c) ---- */

/* Width of the stack pointer with stack segment ss: 8 in 64-bit mode, else 4 or 2 by SS.B. */
static inline unsigned stack_width_of(const struct soft_cpu *cpu, const struct seg *ss)
{
	return cpu->code_bits == 64 ? 8 : ss->db ? 4 : 2;
}

static inline unsigned stack_width(const struct soft_cpu *cpu)
{
	return stack_width_of(cpu, &cpu->seg[SEG_SS]);
}

static inline uint64_t stack_mask(const struct soft_cpu *cpu)
{
	return size_mask(stack_width(cpu));
}

/* RSP = sp at stack width w: a 16-bit stack changes SP only, a 32-bit one zero-extends. */
static inline void stack_set_sp(struct soft_cpu *cpu, unsigned w, uint64_t sp)
{
	reg_set(cpu, R_RSP, w, sp);
}

/* size bytes at SS:RSP + off, and at SS:RSP - depth, without moving RSP. */
int stack_read(struct soft_cpu *cpu, uint64_t off, unsigned size, uint64_t *v);
int stack_write(struct soft_cpu *cpu, uint64_t depth, unsigned size, uint64_t v);
int stack_push(struct soft_cpu *cpu, uint64_t v, unsigned size);
int stack_pop(struct soft_cpu *cpu, uint64_t *v, unsigned size);
/*
 * The SS of a return to outer privilege level rpl (far RET, IRET) with
 * new code segment cs: selector ssel checked and loaded into *ss, its
 * descriptor in *desc (0 for a null SS) to set accessed at commit.
 */
int stack_return_ss(struct soft_cpu *cpu, uint16_t ssel, unsigned rpl, const struct seg *cs,
		    struct seg *ss, uint64_t *desc);

/* ---- decode (decode.c) and cache (decode_cache.c) ---- */
/* Decode bytes at buf[0..avail) in the cpu's current mode into *in. */
int decode_insn(struct soft_cpu *cpu, const uint8_t *buf, unsigned avail, struct insn *in);
void decode_init(void);
/*
 * One Zydis operand (ZydisDecodedOperand) as a struct operand; false when
 * it names something the integer core cannot model (XMM, ST, MMX...).
 */
struct ZydisDecodedOperand_;
bool decode_operand(const struct ZydisDecodedOperand_ *z, struct operand *o);

/*
 * Decoded records of one guest-physical page in one decode mode. Records
 * live in fixed chunks so that a pointer to one stays valid while the
 * page lives; an invalidated page is only marked dead (a handler may be
 * running one of its records) and freed by cc_collect() between
 * instructions.
 */
#define CC_CHUNK 64
struct cc_page {
	uint64_t key;           /* gpage << 2 | mode index */
	struct cc_page *hnext;  /* hash chain */
	struct cc_page *dnext;  /* dead list */
	bool dead;
	uint16_t nrec;
	uint32_t checked_run; /* vm->run_epoch at which snapshot last matched guest RAM */
	uint8_t *snapshot;    /* the page's bytes when it was decoded (see cc_page_get) */
	uint16_t code_lo, code_hi; /* [lo, hi): the bytes its records were decoded from */
	uint64_t serial; /* unique per page made: the translator's blocks name it (bt.h) */
	const struct insn *map[4096]; /* page offset -> its record, NULL = not decoded */
	struct insn *chunk[4096 / CC_CHUNK];
};

/*
 * The decoded page of (gpage, mode), created when absent; NULL when not
 * cacheable. page is the host copy of the guest page (its first byte).
 */
struct cc_page *cc_page_get(struct soft_vm *vm, uint64_t gpage, unsigned mode,
			    const uint8_t *page);
/*
 * Store a record decoded from page (the host copy of the guest page, its
 * first byte) at offset off; NULL when out of memory.
 */
const struct insn *cc_page_add(struct soft_vm *vm, struct cc_page *pg, const uint8_t *page,
			       unsigned off, const struct insn *in);
/* Free invalidated pages and enforce the size bound (between instructions only). */
void cc_collect(struct soft_vm *vm);

static inline const struct insn *cc_page_lookup(const struct cc_page *pg, unsigned off)
{
	return pg->map[off];
}

#endif
