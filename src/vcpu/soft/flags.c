// SPDX-License-Identifier: MIT
/*
 * Lazy arithmetic flags. A flag-setting instruction only records what it
 * did (operation, size, operands, result) in cpu->lf; a flag is derived
 * when something reads it (jcc, setcc, adc, pushf, an exception frame).
 * Add and subtract derive CF/OF/AF from the carry/borrow vectors, which
 * is exact with or without a carry-in, so adc/sbb share LF_ADD/LF_SUB.
 * Instructions with irregular flag rules (shifts, mul, bit ops) compute
 * their flags at once and store them as LF_RAW.
 */
#include "vcpu/soft/exec.h"

uint64_t parity_flag(uint64_t res)
{
	return __builtin_parity((unsigned)(res & 0xff)) ? 0 : FL_PF;
}

static inline unsigned top(const struct soft_cpu *cpu)
{
	return cpu->lf.size * 8 - 1;
}

bool lf_cf(const struct soft_cpu *cpu)
{
	uint64_t a = cpu->lf.src1, b = cpu->lf.src2, r = cpu->lf.res;

	switch (cpu->lf.op) {
	case LF_ADD:
		return (((a & b) | ((a | b) & ~r)) >> top(cpu)) & 1;
	case LF_SUB:
		return (((~a & b) | (~(a ^ b) & r)) >> top(cpu)) & 1;
	case LF_LOGIC:
		return false;
	case LF_INC:
	case LF_DEC:
		return b & 1;
	default:
		return r & FL_CF;
	}
}

static bool lf_of(const struct soft_cpu *cpu)
{
	uint64_t a = cpu->lf.src1, b = cpu->lf.src2, r = cpu->lf.res;

	switch (cpu->lf.op) {
	case LF_ADD:
		return (((a ^ r) & (b ^ r)) >> top(cpu)) & 1;
	case LF_SUB:
		return (((a ^ b) & (a ^ r)) >> top(cpu)) & 1;
	case LF_LOGIC:
		return false;
	case LF_INC:
		return r == sign_bit(cpu->lf.size);
	case LF_DEC:
		return a == sign_bit(cpu->lf.size);
	default:
		return (r & FL_OF) != 0;
	}
}

static inline bool lf_zf(const struct soft_cpu *cpu)
{
	if (cpu->lf.op == LF_RAW)
		return cpu->lf.res & FL_ZF;
	return cpu->lf.res == 0;
}

static inline bool lf_sf(const struct soft_cpu *cpu)
{
	if (cpu->lf.op == LF_RAW)
		return cpu->lf.res & FL_SF;
	return (cpu->lf.res >> top(cpu)) & 1;
}

static bool lf_pf(const struct soft_cpu *cpu)
{
	if (cpu->lf.op == LF_RAW)
		return cpu->lf.res & FL_PF;
	return parity_flag(cpu->lf.res) != 0;
}

static bool lf_af(const struct soft_cpu *cpu)
{
	uint64_t a = cpu->lf.src1, b = cpu->lf.src2, r = cpu->lf.res;

	switch (cpu->lf.op) {
	case LF_ADD:
	case LF_SUB:
		return (a ^ b ^ r) & 0x10;
	case LF_INC:
	case LF_DEC:
		return (a ^ r) & 0x10;
	case LF_LOGIC:
		return false;
	default:
		return r & FL_AF;
	}
}

uint64_t lf_arith(const struct soft_cpu *cpu)
{
	if (cpu->lf.op == LF_RAW)
		return cpu->lf.res & FL_ARITH;
	return (lf_cf(cpu) ? FL_CF : 0) | (lf_pf(cpu) ? FL_PF : 0) | (lf_af(cpu) ? FL_AF : 0) |
	       (lf_zf(cpu) ? FL_ZF : 0) | (lf_sf(cpu) ? FL_SF : 0) | (lf_of(cpu) ? FL_OF : 0);
}

void lf_update(struct soft_cpu *cpu, uint64_t mask, uint64_t bits)
{
	uint64_t f = lf_arith(cpu);

	cpu->lf.res = (f & ~mask) | (bits & mask);
	cpu->lf.op = LF_RAW;
}

void lf_result(struct soft_cpu *cpu, unsigned size, uint64_t res, uint64_t cf_of_af)
{
	res &= size_mask(size);
	cpu->lf.res = (cf_of_af & (FL_CF | FL_OF | FL_AF)) | parity_flag(res) |
		      (res ? 0 : FL_ZF) | ((res & sign_bit(size)) ? FL_SF : 0);
	cpu->lf.op = LF_RAW;
}

uint64_t cpu_get_rflags(struct soft_cpu *cpu)
{
	return (cpu->rflags & ~FL_ARITH) | lf_arith(cpu) | 2;
}

void cpu_set_rflags(struct soft_cpu *cpu, uint64_t v)
{
	cpu->rflags = (v & ~FL_ARITH) | 2;
	cpu->lf.res = v & FL_ARITH;
	cpu->lf.op = LF_RAW;
	cpu->lf.size = 8;
}

bool cpu_cond(struct soft_cpu *cpu, unsigned cc)
{
	bool r;

	switch (cc >> 1) {
	case 0:
		r = lf_of(cpu);
		break;
	case 1:
		r = lf_cf(cpu);
		break;
	case 2:
		r = lf_zf(cpu);
		break;
	case 3:
		r = lf_cf(cpu) || lf_zf(cpu);
		break;
	case 4:
		r = lf_sf(cpu);
		break;
	case 5:
		r = lf_pf(cpu);
		break;
	case 6:
		r = lf_sf(cpu) != lf_of(cpu);
		break;
	default:
		r = lf_zf(cpu) || lf_sf(cpu) != lf_of(cpu);
		break;
	}
	return r ^ (cc & 1);
}
