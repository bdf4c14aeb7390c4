// SPDX-License-Identifier: MIT
/*
 * Multiply and divide: mul/imul (one, two and three operands), div/idiv
 * with #DE on a zero divisor or a quotient that does not fit.
 */
#include <Zydis/Zydis.h>

#include "vcpu/soft/exec.h"

typedef unsigned __int128 u128;
typedef __int128 s128;

/* Store a double-width product/dividend half pair into AX or rDX:rAX. */
static void set_pair(struct soft_cpu *cpu, unsigned size, uint64_t lo, uint64_t hi)
{
	if (size == 1) {
		reg_set(cpu, R_RAX, 2, (lo & 0xff) | (hi & 0xff) << 8);
		return;
	}
	reg_set(cpu, R_RAX, size, lo);
	reg_set(cpu, R_RDX, size, hi);
}

/* Flags of a multiply: CF=OF as given; SF/ZF/PF follow the low half (undefined). */
static void mul_flags(struct soft_cpu *cpu, unsigned size, uint64_t lo, bool overflow)
{
	lf_result(cpu, size, lo, overflow ? FL_CF | FL_OF : 0);
}

int exec_mul(struct soft_cpu *cpu, const struct insn *in)
{
	unsigned size = in->op[0].size, bits = size * 8;
	uint64_t m = size_mask(size), b, a = cpu->gpr[R_RAX] & m, lo, hi;
	int rc = opr(cpu, in, 0, &b);

	if (rc)
		return rc;
	b &= m;
	if (size == 8) {
		u128 p = (u128)a * b;

		lo = (uint64_t)p;
		hi = (uint64_t)(p >> 64);
	} else {
		uint64_t p = a * b;

		lo = p & m;
		hi = (p >> bits) & m;
	}
	set_pair(cpu, size, lo, hi);
	mul_flags(cpu, size, lo, hi != 0);
	return EXEC_OK;
}

int exec_imul(struct soft_cpu *cpu, const struct insn *in)
{
	unsigned size, bits;
	uint64_t m, x, y, lo, hi;
	int64_t sx, sy;
	s128 p;
	int rc;

	if (in->nops == 1) {
		size = in->op[0].size;
		m = size_mask(size);
		rc = opr(cpu, in, 0, &y);
		if (rc)
			return rc;
		x = cpu->gpr[R_RAX];
	} else {
		size = in->op[0].size;
		m = size_mask(size);
		rc = opr(cpu, in, in->nops == 3 ? 1 : 0, &x);
		if (rc)
			return rc;
		rc = opr(cpu, in, in->nops == 3 ? 2 : 1, &y);
		if (rc)
			return rc;
	}
	bits = size * 8;
	sx = sign_extend(x & m, size);
	sy = sign_extend(y & m, size);
	p = (s128)sx * sy;
	lo = (uint64_t)p & m;
	hi = (uint64_t)(p >> bits) & m;
	/* overflow: the product does not fit in the low half, sign-extended */
	bool of = p != (s128)sign_extend(lo, size);

	if (in->nops == 1)
		set_pair(cpu, size, lo, size == 8 ? (uint64_t)(p >> 64) : hi);
	else
		reg_set(cpu, in->op[0].reg, size, lo);
	mul_flags(cpu, size, lo, of);
	return EXEC_OK;
}

int exec_div(struct soft_cpu *cpu, const struct insn *in)
{
	unsigned size = in->op[0].size, bits = size * 8;
	uint64_t m = size_mask(size), d, lo, hi, q, r;
	bool sgn = in->mnemonic == ZYDIS_MNEMONIC_IDIV;
	int rc = opr(cpu, in, 0, &d);

	if (rc)
		return rc;
	d &= m;
	if (!d)
		return cpu_fault_noerr(cpu, X_DE);
	if (size == 1) {
		lo = cpu->gpr[R_RAX] & 0xff;
		hi = (cpu->gpr[R_RAX] >> 8) & 0xff;
	} else {
		lo = cpu->gpr[R_RAX] & m;
		hi = cpu->gpr[R_RDX] & m;
	}
	if (!sgn) {
		u128 n = ((u128)hi << bits) | lo, qq = n / d;

		if (qq > m)
			return cpu_fault_noerr(cpu, X_DE);
		q = (uint64_t)qq;
		r = (uint64_t)(n % d);
	} else {
		/* the dividend hi:lo as a signed 2*bits-wide number */
		s128 n = (s128)(((u128)hi << bits) | lo), dd = sign_extend(d, size), qq;

		if (bits < 64)
			n = (s128)sign_extend((uint64_t)n, size * 2);
		if (dd == -1 && bits == 64 && n == (s128)((u128)1 << 127))
			return cpu_fault_noerr(cpu, X_DE); /* the one case s128 cannot hold */
		qq = n / dd;
		if (qq > (s128)(int64_t)(m >> 1) || qq < -(s128)(int64_t)(m >> 1) - 1)
			return cpu_fault_noerr(cpu, X_DE);
		q = (uint64_t)qq & m;
		r = (uint64_t)(n % dd) & m;
	}
	set_pair(cpu, size, q, r);
	return EXEC_OK;
}
