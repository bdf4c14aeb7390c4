// SPDX-License-Identifier: MIT
/*
 * The translation of one guest block (bt_int.h has the execution model):
 * the instructions from cpu->rip to the first branch, instruction left to
 * the interpreter, page end or BT_BLOCK_MAX, each as planned by
 * bt_insn.c. Their records also go into the decoded-code cache, so that
 * its snapshot of the page (DMA coherence) and its page-dead mechanism
 * (self-modifying code) cover every byte a block was made from.
 */
#include <string.h>

#include "vcpu/soft/bt_int.h"

#define R9 9
#define R10 10
#define R11 11

_Static_assert(sizeof(struct tlb_entry) == 32 && offsetof(struct tlb_entry, host) == 8 &&
		   offsetof(struct tlb_entry, gpage) == 16 && offsetof(struct tlb_entry, perm) == 24,
	       "the inline TLB probe knows this layout");

struct xlat {
	struct bt_buf b;
	const struct bt_code *c;
	struct bt_block *blk;
	uint8_t cpl;
};

static unsigned gpr_off(unsigned g)
{
	return offsetof(struct bt_ctx, gpr) + 8 * g;
}

static void put(struct bt_buf *b, const uint8_t *p, unsigned n)
{
	bt_bytes(b, p, n);
}

/* S = the guest's effective address of the memory operand (flag-free). */
static void emit_ea(struct xlat *x, const struct bt_plan *p, uint64_t next_rip)
{
	unsigned s = p->ptr;

	if (p->base == 16) {
		bt_mov_imm64(&x->b, s, next_rip + (uint64_t)p->disp);
		return;
	}
	if (p->base == 0xff && p->index == 0xff) {
		bt_mov_imm64(&x->b, s, (uint64_t)p->disp);
		return;
	}
	if (p->base != 0xff)
		bt_ld_ctx(&x->b, x->c, s, gpr_off(p->base));
	if (p->index != 0xff)
		bt_ld_ctx(&x->b, x->c, R11, gpr_off(p->index));
	if (p->index != 0xff || p->disp)
		bt_lea(&x->b, s, p->base == 0xff ? 0xff : s, p->index == 0xff ? 0xff : R11,
		       p->scale, (int32_t)p->disp);
}

/* jcc rel32 to a miss label fixed later; the fixups of one instruction. */
struct misses {
	uint64_t at[8];
	unsigned n;
};

static void miss_jcc(struct xlat *x, struct misses *m, int cc)
{
	uint64_t at = bt_jcc(&x->b, cc, 0);

	if (m->n < 8)
		m->at[m->n++] = at;
}

/* Write to a page with decoded code: leave (the interpreter invalidates it). */
static void emit_code_check(struct xlat *x, struct misses *m)
{
	static const uint8_t gpage[] = { 0x4d, 0x8b, 0x5a, 0x10 };	/* mov r11, [r10+16] */
	static const uint8_t shr[] = { 0x49, 0xc1, 0xeb, 0x0c };	/* shr r11, 12 */
	static const uint8_t bt[] = { 0x4d, 0x0f, 0xa3, 0x19 };		/* bt [r9], r11 */
	uint64_t jae;

	put(&x->b, gpage, sizeof(gpage));
	put(&x->b, shr, sizeof(shr));
	bt_op_ctx(&x->b, x->c, 0x3b, R11, offsetof(struct bt_ctx, bpages)); /* cmp r11, [bpages] */
	bt_byte(&x->b, 0x73); /* jae: outside the bitmap, no code there */
	jae = bt_here(&x->b);
	bt_byte(&x->b, 0);
	bt_ld_ctx(&x->b, x->c, R9, offsetof(struct bt_ctx, bitmap));
	put(&x->b, bt, sizeof(bt));
	miss_jcc(x, m, 0x2); /* jc */
	x->b.rw[jae - (uint64_t)(uintptr_t)x->b.rx] = (uint8_t)(bt_here(&x->b) - (jae + 1));
}

/* The TLB probe: S becomes the host pointer, or a jump to a miss. Flags in AX meanwhile. */
static void emit_probe(struct xlat *x, const struct bt_plan *p, struct misses *m)
{
	unsigned s = p->ptr, need_r = BT_TP_R, need_w = BT_TP_W;
	const uint8_t idx[] = { 0x49, 0x89, (uint8_t)(0xc0 | s << 3 | 2), /* mov r10, S */
				0x49, 0xc1, 0xea, 0x0c,			  /* shr r10, 12 */
				0x45, 0x0f, 0xb6, 0xd2,			  /* movzx r10d, r10b */
				0x41, 0xc1, 0xe2, 0x05 };		  /* shl r10d, 5 */
	const uint8_t tag[] = { 0x49, 0x89, (uint8_t)(0xc0 | s << 3 | 3), /* mov r11, S */
				0x49, 0x81, 0xe3, 0x00, 0xf0, 0xff, 0xff, /* and r11, ~0xfff */
				0x49, 0x83, 0xcb, 0x01,			  /* or r11, 1 */
				0x4d, 0x3b, 0x1a };			  /* cmp r11, [r10] */
	const uint8_t off[] = { 0x41, 0x89, (uint8_t)(0xc0 | s << 3 | 3), /* mov r11d, S32 */
				0x41, 0x81, 0xe3, 0xff, 0x0f, 0x00, 0x00 }; /* and r11d, 0xfff */
	const uint8_t host[] = { 0x81, (uint8_t)(0xe0 | s), 0xff, 0x0f, 0x00, 0x00, /* and S32, 0xfff */
				 0x49, 0x03, (uint8_t)(0x42 | s << 3), 0x08,	     /* add S, [r10+8] */
				 0x04, 0x7f, 0x9e };			     /* add al,0x7f; sahf */
	const uint8_t save[] = { 0x9f, 0x0f, 0x90, 0xc0 }; /* lahf; seto al */

	if (x->cpl == 3) {
		need_r <<= 3;
		need_w <<= 3;
	}
	put(&x->b, save, sizeof(save));
	put(&x->b, idx, sizeof(idx));
	bt_ld_ctx(&x->b, x->c, R11, offsetof(struct bt_ctx, cpu));
	bt_lea(&x->b, R10, R11, R10, 1, (int32_t)offsetof(struct soft_cpu, tlb));
	put(&x->b, tag, sizeof(tag));
	miss_jcc(x, m, 0x5); /* jne */
	if (p->acc & BT_TP_R) {
		const uint8_t t[] = { 0x41, 0xf6, 0x42, 0x18, (uint8_t)need_r }; /* test [r10+24] */

		put(&x->b, t, sizeof(t));
		miss_jcc(x, m, 0x4); /* jz */
	}
	if (p->acc & BT_TP_W) {
		const uint8_t t[] = { 0x41, 0xf6, 0x42, 0x18, (uint8_t)need_w };

		put(&x->b, t, sizeof(t));
		miss_jcc(x, m, 0x4);
	}
	put(&x->b, off, sizeof(off));
	bt_bytes(&x->b, (const uint8_t[]){ 0x41, 0x81, 0xfb }, 3); /* cmp r11d, 4096 - size */
	bt_u32(&x->b, 4096u - p->memsize);
	miss_jcc(x, m, 0x7); /* ja */
	if (p->acc & BT_TP_W)
		emit_code_check(x, m);
	put(&x->b, host, sizeof(host));
}

static void emit_native(struct xlat *x, const struct bt_plan *p, uint64_t rip, unsigned k)
{
	struct misses m = { .n = 0 };
	unsigned g;
	uint64_t over = 0;

	if (p->ptr != 0xff) {
		emit_ea(x, p, rip + p->len);
		emit_probe(x, p, &m);
	}
	for (g = 0; g < 16; g++)
		if (p->load & (1u << g))
			bt_ld_ctx(&x->b, x->c, g == 4 ? p->rsp_host : g, gpr_off(g));
	bt_bytes(&x->b, p->out, p->n);
	for (g = 0; g < 16; g++)
		if (p->store & (1u << g))
			bt_st_ctx(&x->b, x->c, gpr_off(g), g == 4 ? p->rsp_host : g);
	if (!m.n)
		return;
	/* the miss: flags back from AX, then the interpreter runs this instruction */
	over = bt_jcc(&x->b, -1, 0);
	for (g = 0; g < m.n; g++)
		bt_fix(&x->b, m.at[g], bt_here(&x->b));
	bt_bytes(&x->b, (const uint8_t[]){ 0x04, 0x7f, 0x9e }, 3);
	bt_exit_to(&x->b, x->c, rip, k, BT_EXIT_STEP);
	bt_fix(&x->b, over, bt_here(&x->b));
}

/* Go on at rip after k instructions: budget, then a patchable jump to its block. */
static void emit_chain(struct xlat *x, uint64_t rip, unsigned k)
{
	uint64_t at = bt_budget(&x->b, x->c, k), patch;

	bt_budget_exit(&x->b, x->c, at, rip);
	patch = bt_jcc(&x->b, -1, 0); /* rel32 0: falls into the lookup exit below */
	bt_mov_imm64(&x->b, 1, patch);
	bt_st_ctx(&x->b, x->c, offsetof(struct bt_ctx, patch), 1);
	bt_mov_imm64(&x->b, 1, (uint64_t)(uintptr_t)x->blk);
	bt_st_ctx(&x->b, x->c, offsetof(struct bt_ctx, src), 1);
	bt_exit_to(&x->b, x->c, rip, 0, BT_EXIT_CHAIN);
}

/* The record at off in the decoded page (decoded and added when absent); its length or 0. */
static unsigned record_len(struct soft_cpu *cpu, const struct cc_page *pg, const uint8_t *page,
			   unsigned off)
{
	const struct insn *in = cc_page_lookup(pg, off);
	struct insn tmp;

	if (!in) {
		if (decode_insn(cpu, page + off, 4096 - off, &tmp))
			return 0; /* spans two pages */
		in = cc_page_add(cpu->vm, (struct cc_page *)pg, page, off, &tmp);
		if (!in)
			return 0;
	}
	return in->len;
}

/* The instructions of the block; how many were translated. */
static unsigned emit_body(struct xlat *x, struct bt *bt, struct soft_cpu *cpu,
			  const uint8_t *page, unsigned off, const struct cc_page *pg)
{
	uint64_t rip = cpu->rip;
	unsigned k;

	for (k = 0; k < BT_BLOCK_MAX && off < 4096; k++) {
		unsigned len = record_len(cpu, pg, page, off);
		struct bt_plan p;
		uint64_t jcc;

		if (!len && !k) {
			bt_exit_to(&x->b, x->c, rip, 0, BT_EXIT_STEP);
			return 0;
		}
		if (!len)
			break;
		bt_plan_insn(&bt->dec, page + off, len, rip, &p);
		switch (p.kind) {
		case BTK_STEP:
			bt_exit_to(&x->b, x->c, rip, k, BT_EXIT_STEP);
			return k;
		case BTK_NOP:
			break;
		case BTK_NATIVE:
			emit_native(x, &p, rip, k);
			break;
		case BTK_JCC:
			jcc = bt_jcc(&x->b, p.cc, 0);
			emit_chain(x, rip + len, k + 1);
			bt_fix(&x->b, jcc, bt_here(&x->b));
			emit_chain(x, p.target, k + 1);
			return k + 1;
		case BTK_JMP:
			emit_chain(x, p.target, k + 1);
			return k + 1;
		}
		rip += len;
		off += len;
	}
	emit_chain(x, rip, k);
	return k;
}

struct bt_block *bt_translate(struct bt *bt, struct soft_cpu *cpu, const uint8_t *page,
			      unsigned off, uint64_t gpage, const struct cc_page *pg)
{
	struct bt_code *c = &bt->code;
	struct bt_block *blk = &bt->blocks[bt->nblocks];
	struct xlat x = { .c = c, .blk = blk, .cpl = cpu->cpl };

	if (bt->nblocks >= BT_NBLOCKS || c->used + BT_BLOCK_ROOM > BT_CODE_SIZE)
		return NULL;
	x.b.rw = c->rw + c->used;
	x.b.rx = c->rx + c->used;
	x.b.cap = BT_BLOCK_ROOM;
	memset(blk, 0, sizeof(*blk));
	blk->lin = cpu->seg[SEG_CS].base + cpu->rip;
	blk->gpage = gpage;
	blk->pg = pg;
	blk->serial = pg->serial;
	blk->cpl = cpu->cpl;
	blk->code = x.b.rx;
	blk->ninsn = (uint8_t)emit_body(&x, bt, cpu, page, off, pg);
	if (x.b.overflow)
		return NULL;
	c->used += (x.b.n + 15) & ~(size_t)15;
	bt->nblocks++;
	cpu->stats.bt_blocks++;
	return blk;
}
