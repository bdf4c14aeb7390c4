// SPDX-License-Identifier: MIT
/*
 * Host instruction encodings for the translator: the handful of forms
 * blocks are made of (RIP-relative loads and stores of the context block,
 * LEA, immediates, branches, budget and exit sequences). Bytes go through
 * the RW view; displacements are computed from the RX addresses.
 */
#include <string.h>

#include "vcpu/soft/bt_int.h"

void bt_byte(struct bt_buf *b, uint8_t v)
{
	if (b->n >= b->cap) {
		b->overflow = true;
		return;
	}
	b->rw[b->n++] = v;
}

void bt_bytes(struct bt_buf *b, const uint8_t *p, unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++)
		bt_byte(b, p[i]);
}

void bt_u32(struct bt_buf *b, uint32_t v)
{
	uint8_t t[4];

	memcpy(t, &v, 4);
	bt_bytes(b, t, 4);
}

uint64_t bt_here(const struct bt_buf *b)
{
	return (uint64_t)(uintptr_t)b->rx + b->n;
}

uint64_t bt_ctx_addr(const struct bt_code *c, unsigned off)
{
	return (uint64_t)(uintptr_t)c->rx + BT_CODE_SIZE + off;
}

/* REX.W op /r with a RIP-relative operand in the context block */
static void ctx_op(struct bt_buf *b, const struct bt_code *c, uint8_t op, unsigned reg,
		   unsigned off, bool w)
{
	uint8_t rex = (uint8_t)((w ? 0x48 : 0x40) | (reg >= 8 ? 4 : 0));

	if (rex != 0x40)
		bt_byte(b, rex);
	bt_byte(b, op);
	bt_byte(b, (uint8_t)((reg & 7) << 3 | 5));
	bt_u32(b, (uint32_t)(int32_t)(bt_ctx_addr(c, off) - (bt_here(b) + 4)));
}

void bt_op_ctx(struct bt_buf *b, const struct bt_code *c, uint8_t op, unsigned reg, unsigned off)
{
	ctx_op(b, c, op, reg, off, true);
}

void bt_ld_ctx(struct bt_buf *b, const struct bt_code *c, unsigned reg, unsigned off)
{
	ctx_op(b, c, 0x8b, reg, off, true);
}

void bt_st_ctx(struct bt_buf *b, const struct bt_code *c, unsigned off, unsigned reg)
{
	ctx_op(b, c, 0x89, reg, off, true);
}

/* REX (when needed: W, an extended register, SPL..DIL as bytes never used here) and the opcode. */
static void rex_op(struct bt_buf *b, bool w, unsigned reg, unsigned rm, const uint8_t *op,
		   unsigned nop)
{
	uint8_t rex = (uint8_t)(0x40 | (w ? 8 : 0) | (reg >= 8 ? 4 : 0) | (rm >= 8 ? 1 : 0));

	if (rex != 0x40)
		bt_byte(b, rex);
	bt_bytes(b, op, nop);
}

void bt_rr(struct bt_buf *b, bool w, const uint8_t *op, unsigned nop, unsigned reg, unsigned rm)
{
	rex_op(b, w, reg, rm, op, nop);
	bt_byte(b, (uint8_t)(0xc0 | (reg & 7) << 3 | (rm & 7)));
}

void bt_rm(struct bt_buf *b, bool w, const uint8_t *op, unsigned nop, unsigned reg, unsigned base,
	   int8_t disp)
{
	rex_op(b, w, reg, base, op, nop);
	/* [base + disp8]: mod 01 always serves (RBP/R13 have no mod-00 form), RSP/R12 need a SIB */
	bt_byte(b, (uint8_t)(0x40 | (reg & 7) << 3 | (base & 7)));
	if ((base & 7) == 4)
		bt_byte(b, 0x24);
	bt_byte(b, (uint8_t)disp);
}

void bt_ri8(struct bt_buf *b, bool w, uint8_t op, unsigned ext, unsigned rm, uint8_t imm)
{
	bt_rr(b, w, &op, 1, ext, rm);
	bt_byte(b, imm);
}

void bt_ri32(struct bt_buf *b, bool w, uint8_t op, unsigned ext, unsigned rm, uint32_t imm)
{
	bt_rr(b, w, &op, 1, ext, rm);
	bt_u32(b, imm);
}

void bt_mov_imm64(struct bt_buf *b, unsigned reg, uint64_t v)
{
	bt_byte(b, (uint8_t)(0x48 | (reg >= 8 ? 1 : 0)));
	bt_byte(b, (uint8_t)(0xb8 + (reg & 7)));
	bt_u32(b, (uint32_t)v);
	bt_u32(b, (uint32_t)(v >> 32));
}

void bt_lea(struct bt_buf *b, unsigned dst, unsigned base, unsigned index, unsigned scale,
	    int32_t disp)
{
	unsigned ss = scale == 8 ? 3 : scale == 4 ? 2 : scale == 2 ? 1 : 0;
	uint8_t rex = 0x48 | (dst >= 8 ? 4 : 0);

	if (index != 0xff && index >= 8)
		rex |= 2;
	if (base != 0xff && base >= 8)
		rex |= 1;
	bt_byte(b, rex);
	bt_byte(b, 0x8d);
	if (base == 0xff) {
		/* [index*scale + disp32], or [disp32] (SIB without base and index) */
		bt_byte(b, (uint8_t)((dst & 7) << 3 | 4));
		bt_byte(b, (uint8_t)(ss << 6 | (index == 0xff ? 4 : (index & 7)) << 3 | 5));
	} else {
		bt_byte(b, (uint8_t)(2 << 6 | (dst & 7) << 3 | 4));
		bt_byte(b, (uint8_t)(ss << 6 | (index == 0xff ? 4 : (index & 7)) << 3 | (base & 7)));
	}
	bt_u32(b, (uint32_t)disp);
}

uint64_t bt_jcc(struct bt_buf *b, int cc, uint64_t target)
{
	uint64_t at;

	if (cc < 0) {
		bt_byte(b, 0xe9);
	} else {
		bt_byte(b, 0x0f);
		bt_byte(b, (uint8_t)(0x80 + cc));
	}
	at = bt_here(b);
	bt_u32(b, 0);
	if (target)
		bt_fix(b, at, target);
	return at;
}

void bt_fix(struct bt_buf *b, uint64_t rel32_at, uint64_t target)
{
	int32_t rel = (int32_t)(target - (rel32_at + 4));
	size_t at = (size_t)(rel32_at - (uint64_t)(uintptr_t)b->rx);

	if (at + 4 <= b->n)
		memcpy(b->rw + at, &rel, 4);
}

/*
 * The instruction budget lives in XMM15 while translated code runs (the
 * trampoline loads it from ctx.left, the epilogue and helper calls store
 * it): counting it down in memory made every block's load-subtract-store
 * of ctx.left a loop-carried dependency through store forwarding, several
 * cycles per block. PADDQ and MOVMSKPD leave RFLAGS alone, as the guest's
 * flags live there. XMM registers are caller-saved in the host ABI, so
 * translated code owns them between the C calls it makes.
 */
static void left_add(struct bt_buf *b, const struct bt_code *c, unsigned k)
{
	/* paddq xmm15, [rip + ctx.negk[k]] */
	static const uint8_t op[] = { 0x66, 0x44, 0x0f, 0xd4, 0x3d };

	bt_bytes(b, op, sizeof(op));
	bt_u32(b, (uint32_t)(int32_t)(bt_ctx_addr(c, offsetof(struct bt_ctx, negk) + 16 * k) -
				      (bt_here(b) + 4)));
}

/* ctx.left -= k (XMM15; flags and GPRs untouched) */
void bt_sub_left(struct bt_buf *b, const struct bt_code *c, unsigned k)
{
	/* k = 0 still emits one PADDQ (of ctx.negk[0], 0) */
	do {
		unsigned n = k < BT_NEGK ? k : BT_NEGK - 1;

		left_add(b, c, n);
		k -= n;
	} while (k);
}

void bt_left_save(struct bt_buf *b, const struct bt_code *c)
{
	static const uint8_t op[] = { 0x66, 0x44, 0x0f, 0xd6, 0x3d }; /* movq [rip+d], xmm15 */

	bt_bytes(b, op, sizeof(op));
	bt_u32(b, (uint32_t)(int32_t)(bt_ctx_addr(c, offsetof(struct bt_ctx, left)) - (bt_here(b) + 4)));
}

void bt_left_load(struct bt_buf *b, const struct bt_code *c)
{
	static const uint8_t op[] = { 0xf3, 0x44, 0x0f, 0x7e, 0x3d }; /* movq xmm15, [rip+d] */

	bt_bytes(b, op, sizeof(op));
	bt_u32(b, (uint32_t)(int32_t)(bt_ctx_addr(c, offsetof(struct bt_ctx, left)) - (bt_here(b) + 4)));
}

static void set_rip_exit(struct bt_buf *b, const struct bt_code *c, uint64_t rip, int e)
{
	bt_mov_imm64(b, 1, rip);
	bt_st_ctx(b, c, offsetof(struct bt_ctx, rip), 1);
	bt_byte(b, 0xb8); /* mov eax, e */
	bt_u32(b, (uint32_t)e);
	bt_jcc(b, -1, (uint64_t)(uintptr_t)c->epilogue);
}

void bt_exit_to(struct bt_buf *b, const struct bt_code *c, uint64_t rip, unsigned k, int e)
{
	if (k)
		bt_sub_left(b, c, k);
	set_rip_exit(b, c, rip, e);
}

void bt_exit_reg(struct bt_buf *b, const struct bt_code *c, unsigned reg, unsigned k, int e)
{
	if (k)
		bt_sub_left(b, c, k);
	bt_st_ctx(b, c, offsetof(struct bt_ctx, rip), reg);
	bt_byte(b, 0xb8); /* mov eax, e */
	bt_u32(b, (uint32_t)e);
	bt_jcc(b, -1, (uint64_t)(uintptr_t)c->epilogue);
}

/*
 * Count k down, then test the budget's sign flag-free: MOVMSKPD puts it in
 * ECX (the high quadword of XMM15 is 0), which JRCXZ tests without
 * touching RFLAGS. extra goes between the two (it may invert the test).
 * Returns the JRCXZ's rel8.
 */
static uint64_t budget_test(struct bt_buf *b, const struct bt_code *c, unsigned k,
			    const uint8_t *extra, unsigned nextra)
{
	static const uint8_t sign[] = { 0x66, 0x41, 0x0f, 0x50, 0xcf }; /* movmskpd ecx, xmm15 */
	uint64_t at;

	bt_sub_left(b, c, k);
	bt_bytes(b, sign, sizeof(sign));
	bt_bytes(b, extra, nextra);
	bt_byte(b, 0xe3); /* jrcxz */
	at = bt_here(b);
	bt_byte(b, 0);
	return at;
}

/* Budget left: the JRCXZ jumps over the exit the caller emits next. */
uint64_t bt_budget(struct bt_buf *b, const struct bt_code *c, unsigned k)
{
	return budget_test(b, c, k, NULL, 0);
}

/* Budget spent: the JRCXZ jumps to the exit. */
uint64_t bt_budget_spent(struct bt_buf *b, const struct bt_code *c, unsigned k)
{
	static const uint8_t dec[] = { 0x8d, 0x49, 0xff }; /* lea ecx, [rcx - 1]: 0 when spent */

	return budget_test(b, c, k, dec, sizeof(dec));
}

void bt_fix8(struct bt_buf *b, uint64_t rel8_at)
{
	size_t at = (size_t)(rel8_at - (uint64_t)(uintptr_t)b->rx);

	if (at < b->n)
		b->rw[at] = (uint8_t)(bt_here(b) - (rel8_at + 1));
}

void bt_budget_exit(struct bt_buf *b, const struct bt_code *c, uint64_t jrcxz_at, uint64_t rip)
{
	set_rip_exit(b, c, rip, BT_EXIT_NEXT);
	bt_fix8(b, jrcxz_at);
}
