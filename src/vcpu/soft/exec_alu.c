// SPDX-License-Identifier: MIT
/*
 * Integer arithmetic and logic: add/adc/sub/sbb/cmp/and/or/xor/test,
 * inc/dec/neg/not, xchg/xadd/cmpxchg/cmpxchg8b/cmpxchg16b, with the lock
 * prefix made atomic on host memory (compare-and-swap on the guest page).
 */
#include <string.h>

#include <Zydis/Zydis.h>

#include "vcpu/soft/exec.h"

/* ---- atomic read-modify-write on guest memory ---- */

static bool cas(void *p, unsigned size, uint64_t *expect, uint64_t desired)
{
	switch (size) {
	case 1: {
		uint8_t e = *expect;
		bool ok = __atomic_compare_exchange_n((uint8_t *)p, &e, (uint8_t)desired, false,
						      __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
		*expect = e;
		return ok;
	}
	case 2: {
		uint16_t e = *expect;
		bool ok = __atomic_compare_exchange_n((uint16_t *)p, &e, (uint16_t)desired, false,
						      __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
		*expect = e;
		return ok;
	}
	case 4: {
		uint32_t e = *expect;
		bool ok = __atomic_compare_exchange_n((uint32_t *)p, &e, (uint32_t)desired, false,
						      __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
		*expect = e;
		return ok;
	}
	default:
		return __atomic_compare_exchange_n((uint64_t *)p, expect, desired, false,
						   __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
	}
}

static uint64_t atomic_load_sized(void *p, unsigned size)
{
	switch (size) {
	case 1:
		return __atomic_load_n((uint8_t *)p, __ATOMIC_SEQ_CST);
	case 2:
		return __atomic_load_n((uint16_t *)p, __ATOMIC_SEQ_CST);
	case 4:
		return __atomic_load_n((uint32_t *)p, __ATOMIC_SEQ_CST);
	default:
		return __atomic_load_n((uint64_t *)p, __ATOMIC_SEQ_CST);
	}
}

int mem_rmw(struct soft_cpu *cpu, int seg, uint64_t off, unsigned size, bool locked, rmw_fn f,
	    uint64_t arg, uint64_t arg2, uint64_t *oldp, uint64_t *newp)
{
	uint64_t old = 0, new;
	void *p;
	int rc;

	if (locked) {
		p = mem_rmw_ptr(cpu, seg, off, size, &rc);
		if (p && ((uintptr_t)p & (size - 1)) == 0) {
			old = atomic_load_sized(p, size);
			do {
				new = f(old, arg, arg2) & size_mask(size);
			} while (!cas(p, size, &old, new));
			*oldp = old;
			*newp = new;
			return EXEC_OK;
		}
		if (p) { /* misaligned inside one page: still one host access */
			memcpy(&old, p, size);
			new = f(old, arg, arg2) & size_mask(size);
			memcpy(p, &new, size);
			*oldp = old;
			*newp = new;
			return EXEC_OK;
		}
		if (rc)
			return rc;
	}
	rc = mem_read(cpu, seg, off, &old, size);
	if (rc)
		return rc;
	new = f(old, arg, arg2) & size_mask(size);
	rc = mem_write(cpu, seg, off, &new, size);
	if (rc)
		return rc;
	*oldp = old;
	*newp = new;
	return EXEC_OK;
}

/* ---- the two-operand ALU family ---- */
enum alu_kind { K_ADD, K_OR, K_ADC, K_SBB, K_AND, K_SUB, K_XOR, K_CMP, K_TEST };

static uint64_t rmw_add(uint64_t a, uint64_t b, uint64_t c)
{
	return a + b + c;
}

static uint64_t rmw_sub(uint64_t a, uint64_t b, uint64_t c)
{
	return a - b - c;
}

static uint64_t rmw_and(uint64_t a, uint64_t b, uint64_t c)
{
	return a & b;
}

static uint64_t rmw_or(uint64_t a, uint64_t b, uint64_t c)
{
	return a | b;
}

static uint64_t rmw_xor(uint64_t a, uint64_t b, uint64_t c)
{
	return a ^ b;
}

static inline __attribute__((always_inline)) int alu(struct soft_cpu *cpu, const struct insn *in,
						       enum alu_kind k)
{
	unsigned size = in->op[0].size;
	uint64_t m = size_mask(size), a, b, c = 0, r;
	int rc;

	rc = opr(cpu, in, 1, &b);
	if (rc)
		return rc;
	b &= m;
	if (k == K_ADC || k == K_SBB)
		c = lf_cf(cpu);
	if (__builtin_expect(in->op[0].kind == OP_MEM && k != K_CMP && k != K_TEST, 0)) {
		uint64_t off;
		rmw_fn f = k == K_ADD || k == K_ADC   ? rmw_add
			   : k == K_SUB || k == K_SBB ? rmw_sub
			   : k == K_AND		      ? rmw_and
			   : k == K_OR		      ? rmw_or
						      : rmw_xor;

		off = op_ea(cpu, in, 0);
		rc = mem_rmw(cpu, in->op[0].seg, off, size, in->prefix & PFX_LOCK, f, b, c, &a, &r);
		if (rc)
			return rc;
	} else {
		rc = opr(cpu, in, 0, &a);
		if (rc)
			return rc;
		switch (k) {
		case K_ADD:
		case K_ADC:
			r = (a + b + c) & m;
			break;
		case K_SUB:
		case K_SBB:
		case K_CMP:
			r = (a - b - c) & m;
			break;
		case K_AND:
		case K_TEST:
			r = a & b;
			break;
		case K_OR:
			r = a | b;
			break;
		default:
			r = a ^ b;
			break;
		}
		if (k != K_CMP && k != K_TEST)
			reg_set(cpu, in->op[0].reg, size, r);
	}
	switch (k) {
	case K_ADD:
	case K_ADC:
		lf_set(cpu, LF_ADD, size, a, b, r);
		break;
	case K_SUB:
	case K_SBB:
	case K_CMP:
		lf_set(cpu, LF_SUB, size, a, b, r);
		break;
	default:
		lf_set(cpu, LF_LOGIC, size, a, b, r);
		break;
	}
	return EXEC_OK;
}

#define ALU_HANDLER(name, kind)                                                                    \
	int name(struct soft_cpu *cpu, const struct insn *in)                                      \
	{                                                                                          \
		return alu(cpu, in, kind);                                                         \
	}
ALU_HANDLER(exec_add, K_ADD)
ALU_HANDLER(exec_or, K_OR)
ALU_HANDLER(exec_adc, K_ADC)
ALU_HANDLER(exec_sbb, K_SBB)
ALU_HANDLER(exec_and, K_AND)
ALU_HANDLER(exec_sub, K_SUB)
ALU_HANDLER(exec_xor, K_XOR)
ALU_HANDLER(exec_cmp, K_CMP)
ALU_HANDLER(exec_test, K_TEST)

/* ---- one-operand: inc/dec/neg/not ---- */
enum un_kind { U_INC, U_DEC, U_NEG, U_NOT };

static uint64_t rmw_inc(uint64_t a, uint64_t b, uint64_t c)
{
	return a + 1;
}

static uint64_t rmw_dec(uint64_t a, uint64_t b, uint64_t c)
{
	return a - 1;
}

static uint64_t rmw_neg(uint64_t a, uint64_t b, uint64_t c)
{
	return -a;
}

static uint64_t rmw_not(uint64_t a, uint64_t b, uint64_t c)
{
	return ~a;
}

static inline __attribute__((always_inline)) int unary(struct soft_cpu *cpu,
							 const struct insn *in, enum un_kind k)
{
	unsigned size = in->op[0].size;
	uint64_t m = size_mask(size), a, r;
	int rc;

	if (in->op[0].kind == OP_MEM) {
		uint64_t off;
		rmw_fn f = k == U_INC	? rmw_inc
			   : k == U_DEC ? rmw_dec
			   : k == U_NEG ? rmw_neg
					: rmw_not;

		off = op_ea(cpu, in, 0);
		rc = mem_rmw(cpu, in->op[0].seg, off, size, in->prefix & PFX_LOCK, f, 0, 0, &a, &r);
		if (rc)
			return rc;
	} else {
		a = reg_get(cpu, in->op[0].reg, size);
		r = (k == U_INC ? a + 1 : k == U_DEC ? a - 1 : k == U_NEG ? -a : ~a) & m;
		reg_set(cpu, in->op[0].reg, size, r);
	}
	switch (k) {
	case U_INC:
		lf_set(cpu, LF_INC, size, a, lf_cf(cpu), r);
		break;
	case U_DEC:
		lf_set(cpu, LF_DEC, size, a, lf_cf(cpu), r);
		break;
	case U_NEG:
		lf_set(cpu, LF_SUB, size, 0, a, r);
		break;
	default:
		break;
	}
	return EXEC_OK;
}

int exec_inc(struct soft_cpu *cpu, const struct insn *in)
{
	return unary(cpu, in, U_INC);
}

int exec_dec(struct soft_cpu *cpu, const struct insn *in)
{
	return unary(cpu, in, U_DEC);
}

int exec_neg(struct soft_cpu *cpu, const struct insn *in)
{
	return unary(cpu, in, U_NEG);
}

int exec_not(struct soft_cpu *cpu, const struct insn *in)
{
	return unary(cpu, in, U_NOT);
}

/* ---- exchanges ---- */
static uint64_t rmw_xchg(uint64_t a, uint64_t b, uint64_t c)
{
	return b;
}

static uint64_t rmw_cmpxchg(uint64_t a, uint64_t expect, uint64_t src)
{
	return a == expect ? src : a;
}

int exec_xchg(struct soft_cpu *cpu, const struct insn *in)
{
	unsigned size = in->op[0].size;
	uint64_t a, b, r;
	int rc;

	rc = opr(cpu, in, 1, &b);
	if (rc)
		return rc;
	if (in->op[0].kind == OP_MEM) {
		uint64_t off;

		/* xchg with memory is locked even without the prefix */
		off = op_ea(cpu, in, 0);
		rc = mem_rmw(cpu, in->op[0].seg, off, size, true, rmw_xchg, b, 0, &a, &r);
		if (rc)
			return rc;
		return opw(cpu, in, 1, a);
	}
	a = reg_get(cpu, in->op[0].reg, size);
	reg_set(cpu, in->op[1].reg, size, a);
	reg_set(cpu, in->op[0].reg, size, b);
	return EXEC_OK;
}

int exec_xadd(struct soft_cpu *cpu, const struct insn *in)
{
	unsigned size = in->op[0].size;
	uint64_t a, b, r;
	int rc;

	b = reg_get(cpu, in->op[1].reg, size);
	if (in->op[0].kind == OP_MEM) {
		uint64_t off;

		off = op_ea(cpu, in, 0);
		rc = mem_rmw(cpu, in->op[0].seg, off, size, in->prefix & PFX_LOCK, rmw_add, b, 0,
			     &a, &r);
		if (rc)
			return rc;
		reg_set(cpu, in->op[1].reg, size, a);
	} else {
		a = reg_get(cpu, in->op[0].reg, size);
		r = (a + b) & size_mask(size);
		reg_set(cpu, in->op[1].reg, size, a);
		reg_set(cpu, in->op[0].reg, size, r);
	}
	lf_set(cpu, LF_ADD, size, a, b, r);
	return EXEC_OK;
}

int exec_cmpxchg(struct soft_cpu *cpu, const struct insn *in)
{
	unsigned size = in->op[0].size;
	uint64_t m = size_mask(size), acc = cpu->gpr[R_RAX] & m, src, a, r;
	int rc;

	src = reg_get(cpu, in->op[1].reg, size);
	if (in->op[0].kind == OP_MEM) {
		uint64_t off;

		off = op_ea(cpu, in, 0);
		rc = mem_rmw(cpu, in->op[0].seg, off, size, in->prefix & PFX_LOCK, rmw_cmpxchg, acc,
			     src, &a, &r);
		if (rc)
			return rc;
	} else {
		a = reg_get(cpu, in->op[0].reg, size);
		if (a == acc)
			reg_set(cpu, in->op[0].reg, size, src);
	}
	if (a != acc)
		reg_set(cpu, R_RAX, size, a);
	lf_set(cpu, LF_SUB, size, acc, a, (acc - a) & m);
	return EXEC_OK;
}

/* cmpxchg8b m64 / cmpxchg16b m128: EDX:EAX (RDX:RAX) against memory. */
int exec_cmpxchg_wide(struct soft_cpu *cpu, const struct insn *in)
{
	bool wide = in->mnemonic == ZYDIS_MNEMONIC_CMPXCHG16B;
	unsigned half = wide ? 8 : 4, size = 2 * half;
	uint64_t hm = size_mask(half), off;
	uint64_t exp_lo = cpu->gpr[R_RAX] & hm, exp_hi = cpu->gpr[R_RDX] & hm;
	uint64_t new_lo = cpu->gpr[R_RBX] & hm, new_hi = cpu->gpr[R_RCX] & hm;
	uint64_t cur[2] = { 0, 0 }, cur_lo, cur_hi;
	bool eq;
	void *p = NULL;
	int rc = EXEC_OK;

	if (in->op[0].kind != OP_MEM)
		return cpu_fault_noerr(cpu, X_UD);
	off = op_ea(cpu, in, 0);
	if (wide && (off & 15))
		return cpu_fault(cpu, X_GP, 0);
	if (in->prefix & PFX_LOCK)
		p = mem_rmw_ptr(cpu, in->op[0].seg, off, size, &rc);
	if (p && ((uintptr_t)p & (size - 1)) == 0) {
		if (wide) {
			/* the host's own instruction: no libatomic, no -mcx16 needed */
			cur_lo = exp_lo;
			cur_hi = exp_hi;
			__asm__ volatile("lock cmpxchg16b %1\n\tsete %0"
					 : "=q"(eq), "+m"(*(volatile uint64_t(*)[2])p), "+a"(cur_lo),
					   "+d"(cur_hi)
					 : "b"(new_lo), "c"(new_hi)
					 : "memory", "cc");
		} else {
			uint64_t e = exp_hi << 32 | exp_lo;

			eq = __atomic_compare_exchange_n((uint64_t *)p, &e, new_hi << 32 | new_lo,
							 false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
			cur_lo = (uint32_t)e;
			cur_hi = e >> 32;
		}
	} else {
		if (rc)
			return rc;
		rc = mem_read(cpu, in->op[0].seg, off, cur, size);
		if (rc)
			return rc;
		cur_lo = wide ? cur[0] : (uint32_t)cur[0];
		cur_hi = wide ? cur[1] : cur[0] >> 32;
		eq = cur_lo == exp_lo && cur_hi == exp_hi;
		if (eq) {
			if (wide) {
				cur[0] = new_lo;
				cur[1] = new_hi;
			} else {
				cur[0] = new_hi << 32 | new_lo;
			}
		}
		/* the destination is written back whether or not it matched */
		rc = mem_write(cpu, in->op[0].seg, off, cur, size);
		if (rc)
			return rc;
	}
	if (!eq) {
		reg_set(cpu, R_RAX, half, cur_lo);
		reg_set(cpu, R_RDX, half, cur_hi);
	}
	lf_update(cpu, FL_ZF, eq ? FL_ZF : 0);
	return EXEC_OK;
}
