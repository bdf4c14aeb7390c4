// SPDX-License-Identifier: MIT
/*
 * Shifts and rotates (incl. through carry and shld/shrd) with their
 * count-dependent flag rules, bit tests (bt/bts/btr/btc, memory forms
 * with bit offsets beyond the operand), and bit scans (bsf/bsr/tzcnt/
 * lzcnt/popcnt). Flags are computed at once (LF_RAW).
 */
#include <Zydis/Zydis.h>

#include "vcpu/soft/exec.h"

/* ---- shifts and rotates ---- */
enum sh_kind { S_ROL, S_ROR, S_RCL, S_RCR, S_SHL, S_SHR, S_SAR };

static unsigned sh_kind_of(unsigned m)
{
	switch (m) {
	case ZYDIS_MNEMONIC_ROL:
		return S_ROL;
	case ZYDIS_MNEMONIC_ROR:
		return S_ROR;
	case ZYDIS_MNEMONIC_RCL:
		return S_RCL;
	case ZYDIS_MNEMONIC_RCR:
		return S_RCR;
	case ZYDIS_MNEMONIC_SHR:
		return S_SHR;
	case ZYDIS_MNEMONIC_SAR:
		return S_SAR;
	default:
		return S_SHL;
	}
}

/*
 * Compute result and flags of one shift/rotate. Returns false when the
 * masked count is zero (no change at all, flags included).
 */
static bool shift(struct soft_cpu *cpu, unsigned k, unsigned size, uint64_t a, unsigned count,
		  uint64_t *res)
{
	unsigned bits = size * 8, c = count & (size == 8 ? 0x3f : 0x1f);
	uint64_t m = size_mask(size), sb = sign_bit(size), r, cf, of;
	bool oldcf;

	of = 0;

	if (!c)
		return false;
	switch (k) {
	case S_SHL:
		r = c < 64 ? (a << c) & m : 0;
		cf = c <= bits ? (a >> (bits - c)) & 1 : 0;
		of = ((r & sb) != 0) ^ cf;
		lf_result(cpu, size, r, (cf ? FL_CF : 0) | (of ? FL_OF : 0));
		break;
	case S_SHR:
		r = c < 64 ? a >> c : 0;
		cf = c <= bits ? (a >> (c - 1)) & 1 : 0;
		of = (a & sb) != 0;
		lf_result(cpu, size, r, (cf ? FL_CF : 0) | (of ? FL_OF : 0));
		break;
	case S_SAR: {
		int64_t s = sign_extend(a, size);
		unsigned cc = c > 63 ? 63 : c;

		r = (uint64_t)(s >> cc) & m;
		cf = (uint64_t)(s >> (cc - 1)) & 1;
		lf_result(cpu, size, r, cf ? FL_CF : 0);
		break;
	}
	case S_ROL:
	case S_ROR: {
		unsigned t = c % bits;

		if (k == S_ROL) {
			r = t ? ((a << t) | (a >> (bits - t))) & m : a;
			cf = r & 1;
			of = ((r & sb) != 0) ^ cf;
		} else {
			r = t ? ((a >> t) | (a << (bits - t))) & m : a;
			cf = (r & sb) != 0;
			of = cf ^ ((r & (sb >> 1)) != 0);
		}
		lf_update(cpu, FL_CF | FL_OF, (cf ? FL_CF : 0) | (of ? FL_OF : 0));
		break;
	}
	default: { /* RCL/RCR: rotate the (bits+1)-bit value CF:a */
		unsigned t = size == 1 ? c % 9 : size == 2 ? c % 17 : c;
		unsigned i;

		oldcf = lf_cf(cpu);
		r = a;
		cf = oldcf;
		if (k == S_RCR)
			of = ((a & sb) != 0) ^ oldcf;
		for (i = 0; i < t; i++) {
			uint64_t out;

			if (k == S_RCL) {
				out = (r & sb) != 0;
				r = ((r << 1) | cf) & m;
			} else {
				out = r & 1;
				r = (r >> 1) | (cf ? sb : 0);
			}
			cf = out;
		}
		if (k == S_RCL)
			of = ((r & sb) != 0) ^ cf;
		else if (t)
			of = ((r & sb) != 0) ^ ((r & (sb >> 1)) != 0);
		lf_update(cpu, FL_CF | FL_OF, (cf ? FL_CF : 0) | (of ? FL_OF : 0));
		break;
	}
	}
	*res = r;
	return true;
}

int exec_shift_rotate(struct soft_cpu *cpu, const struct insn *in)
{
	unsigned size = in->op[0].size;
	uint64_t a, c = 1, r;
	int rc;

	if (in->nops > 1) {
		rc = opr(cpu, in, 1, &c);
		if (rc)
			return rc;
	}
	rc = opr(cpu, in, 0, &a);
	if (rc)
		return rc;
	if (!shift(cpu, sh_kind_of(in->mnemonic), size, a, (unsigned)c, &r)) {
		/* count 0: nothing changes, but a 32-bit register is still written */
		if (in->op[0].kind == OP_REG && size == 4)
			reg_set(cpu, in->op[0].reg, 4, a);
		return EXEC_OK;
	}
	return opw(cpu, in, 0, r);
}

/* shld/shrd dest, src, count */
int exec_shxd(struct soft_cpu *cpu, const struct insn *in)
{
	unsigned size = in->op[0].size, bits = size * 8, c;
	uint64_t a, b, cnt, r, m = size_mask(size), sb = sign_bit(size), cf, of;
	bool left = in->mnemonic == ZYDIS_MNEMONIC_SHLD;
	int rc;

	rc = opr(cpu, in, 2, &cnt);
	if (rc)
		return rc;
	rc = opr(cpu, in, 1, &b);
	if (rc)
		return rc;
	rc = opr(cpu, in, 0, &a);
	if (rc)
		return rc;
	c = cnt & (size == 8 ? 0x3f : 0x1f);
	if (!c) {
		if (in->op[0].kind == OP_REG && size == 4)
			reg_set(cpu, in->op[0].reg, 4, a);
		return EXEC_OK;
	}
	b &= m;
	if (size == 2) {
		/* 16-bit counts above 16 are undefined: shift dest:src:dest */
		uint64_t v = (a << 32) | (b << 16) | a;

		if (left) {
			r = (v << c >> 32) & m;
			cf = (v >> (48 - c)) & 1;
		} else {
			r = (v >> c) & m;
			cf = (v >> (c - 1)) & 1;
		}
	} else if (left) {
		r = ((a << c) | (b >> (bits - c))) & m;
		cf = (a >> (bits - c)) & 1;
	} else {
		r = ((a >> c) | (b << (bits - c))) & m;
		cf = (a >> (c - 1)) & 1;
	}
	of = ((r ^ a) & sb) != 0;
	rc = opw(cpu, in, 0, r);
	if (rc)
		return rc;
	lf_result(cpu, size, r, (cf ? FL_CF : 0) | (of ? FL_OF : 0));
	return EXEC_OK;
}

/* ---- bit tests ---- */
enum bt_kind { B_BT, B_BTS, B_BTR, B_BTC };

static uint64_t rmw_bts(uint64_t a, uint64_t bit, uint64_t c)
{
	return a | bit;
}

static uint64_t rmw_btr(uint64_t a, uint64_t bit, uint64_t c)
{
	return a & ~bit;
}

static uint64_t rmw_btc(uint64_t a, uint64_t bit, uint64_t c)
{
	return a ^ bit;
}

int exec_bt(struct soft_cpu *cpu, const struct insn *in)
{
	unsigned size = in->op[0].size, bits = size * 8, k;
	uint64_t off, a, r, bitoff, mask;
	int rc;

	switch (in->mnemonic) {
	case ZYDIS_MNEMONIC_BTS:
		k = B_BTS;
		break;
	case ZYDIS_MNEMONIC_BTR:
		k = B_BTR;
		break;
	case ZYDIS_MNEMONIC_BTC:
		k = B_BTC;
		break;
	default:
		k = B_BT;
	}
	rc = opr(cpu, in, 1, &bitoff);
	if (rc)
		return rc;
	if (in->op[0].kind == OP_MEM) {
		off = op_ea(cpu, in, 0);
		if (in->op[1].kind == OP_REG) {
			/* the register offset is signed and may reach outside the operand */
			int64_t s = sign_extend(bitoff, in->op[1].size);

			off = (off + (uint64_t)((s >> (size == 8 ? 6 : size == 4 ? 5 : 4)) * size)) &
			      size_mask(in->addrsize);
		}
		mask = 1ULL << (bitoff & (bits - 1));
		if (k == B_BT) {
			a = 0;
			rc = mem_read(cpu, in->op[0].seg, off, &a, size);
			if (rc)
				return rc;
		} else {
			rc = mem_rmw(cpu, in->op[0].seg, off, size, in->prefix & PFX_LOCK,
				     k == B_BTS	  ? rmw_bts
				     : k == B_BTR ? rmw_btr
						  : rmw_btc,
				     mask, 0, &a, &r);
			if (rc)
				return rc;
		}
	} else {
		mask = 1ULL << (bitoff & (bits - 1));
		a = reg_get(cpu, in->op[0].reg, size);
		if (k != B_BT) {
			r = k == B_BTS ? a | mask : k == B_BTR ? a & ~mask : a ^ mask;
			reg_set(cpu, in->op[0].reg, size, r);
		}
	}
	lf_update(cpu, FL_CF, (a & mask) ? FL_CF : 0);
	return EXEC_OK;
}

/* ---- bit scans and counts ---- */
int exec_bsf(struct soft_cpu *cpu, const struct insn *in)
{
	unsigned size = in->op[0].size;
	uint64_t v, r = 0;
	int rc = opr(cpu, in, 1, &v);
	bool fwd = in->mnemonic == ZYDIS_MNEMONIC_BSF;

	if (rc)
		return rc;
	v &= size_mask(size);
	if (!v) {
		/* destination unchanged, as hardware does (AMD documents it) */
		lf_result(cpu, size, 0, 0);
		return EXEC_OK;
	}
	r = fwd ? (uint64_t)__builtin_ctzll(v) : (uint64_t)(63 - __builtin_clzll(v));
	reg_set(cpu, in->op[0].reg, size, r);
	lf_result(cpu, size, 1, 0); /* ZF=0; the others are undefined */
	return EXEC_OK;
}

int exec_tzcnt(struct soft_cpu *cpu, const struct insn *in)
{
	unsigned size = in->op[0].size, bits = size * 8;
	uint64_t v, r;
	int rc = opr(cpu, in, 1, &v);

	if (rc)
		return rc;
	v &= size_mask(size);
	if (in->mnemonic == ZYDIS_MNEMONIC_TZCNT)
		r = v ? (uint64_t)__builtin_ctzll(v) : bits;
	else
		r = v ? (uint64_t)(__builtin_clzll(v) - (64 - bits)) : bits;
	reg_set(cpu, in->op[0].reg, size, r);
	lf_update(cpu, FL_CF | FL_ZF, (v ? 0 : FL_CF) | (r ? 0 : FL_ZF));
	return EXEC_OK;
}

int exec_popcnt(struct soft_cpu *cpu, const struct insn *in)
{
	unsigned size = in->op[0].size;
	uint64_t v, r;
	int rc = opr(cpu, in, 1, &v);

	if (rc)
		return rc;
	v &= size_mask(size);
	r = (uint64_t)__builtin_popcountll(v);
	reg_set(cpu, in->op[0].reg, size, r);
	cpu->lf.res = v ? 0 : FL_ZF;
	cpu->lf.op = LF_RAW;
	return EXEC_OK;
}
