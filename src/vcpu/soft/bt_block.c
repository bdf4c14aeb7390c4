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

unsigned bt_gpr_off(unsigned g)
{
	return offsetof(struct bt_ctx, gpr) + 8 * g;
}

/* Store the dirty registers of mask (MOV only: flags untouched). */
void bt_xl_store(struct xlat *x, uint16_t mask)
{
	unsigned g;

	for (g = 0; g < 16; g++)
		if (mask & (1u << g))
			bt_st_ctx(&x->b, x->c, bt_gpr_off(g), g);
}

/* The host registers of mask become scratch: their guest values go home first. */
void bt_xl_evict(struct xlat *x, uint16_t mask)
{
	bt_xl_store(x, x->dirty & mask);
	x->dirty &= (uint16_t)~mask;
	x->cached &= (uint16_t)~mask;
}

/* Guest register g in its host register. */
void bt_xl_use(struct xlat *x, unsigned g)
{
	if (x->cached & (1u << g))
		return;
	bt_ld_ctx(&x->b, x->c, g, bt_gpr_off(g));
	x->cached |= (uint16_t)(1u << g);
}

/* Before leaving the block: the context block holds every guest register. */
void bt_xl_flush(struct xlat *x)
{
	bt_xl_store(x, x->dirty);
	x->dirty = 0;
}

static void put(struct bt_buf *b, const uint8_t *p, unsigned n)
{
	bt_bytes(b, p, n);
}

/* S = the effective address (the offset in the segment). */
static void emit_offset(struct xlat *x, const struct bt_plan *p, uint64_t next_rip)
{
	unsigned s = p->ptr, base = 0xff, index = 0xff;

	if (p->base == 16) {
		bt_mov_imm64(&x->b, s, next_rip + (uint64_t)p->disp);
		return;
	}
	if (p->base == 0xff && p->index == 0xff) {
		bt_mov_imm64(&x->b, s, (uint64_t)p->disp);
		return;
	}
	if (p->base != 0xff) {
		base = p->base;
		if (!(x->cached & (1u << base))) {
			bt_ld_ctx(&x->b, x->c, s, bt_gpr_off(base));
			base = s;
		}
	}
	if (p->index != 0xff) {
		index = p->index;
		if (!(x->cached & (1u << index))) {
			bt_ld_ctx(&x->b, x->c, R11, bt_gpr_off(index));
			index = R11;
		}
	}
	if (index != 0xff || p->disp || base != s)
		bt_lea(&x->b, s, base, index, p->scale, (int32_t)p->disp);
}

/* S = the guest's linear address of the memory operand (flag-free). */
static void emit_ea(struct xlat *x, const struct bt_plan *p, uint64_t next_rip)
{
	static const uint8_t ld[] = { 0x4d, 0x8b, 0x1b }; /* mov r11, [r11] */

	emit_offset(x, p, next_rip);
	if (p->seg == 0xff)
		return;
	/* FS/GS: the base as it is now (WRMSR and SWAPGS are the interpreter's) */
	bt_mov_imm64(&x->b, R11, p->seg == SEG_FS ? x->fs_base : x->gs_base);
	bt_bytes(&x->b, ld, sizeof(ld));
	bt_lea(&x->b, p->ptr, p->ptr, R11, 1, 0);
}

void bt_xl_miss_jcc(struct xlat *x, struct bt_misses *m, int cc)
{
	uint64_t at = bt_jcc(&x->b, cc, 0);

	if (m->n < 8)
		m->at[m->n++] = at;
}

/* Write to a page with decoded code: leave (the interpreter invalidates it). */
static void emit_code_check(struct xlat *x, struct bt_misses *m)
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
	bt_xl_miss_jcc(x, m, 0x2); /* jc */
	x->b.rw[jae - (uint64_t)(uintptr_t)x->b.rx] = (uint8_t)(bt_here(&x->b) - (jae + 1));
}

/* The TLB probe: S becomes the host pointer, or a jump to a miss. Flags in AX meanwhile. */
static void emit_probe(struct xlat *x, const struct bt_plan *p, struct bt_misses *m)
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
	bt_mov_imm64(&x->b, R11, x->tlb);
	bt_lea(&x->b, R10, R11, R10, 1, 0);
	put(&x->b, tag, sizeof(tag));
	bt_xl_miss_jcc(x, m, 0x5); /* jne */
	if (p->acc & BT_TP_R) {
		const uint8_t t[] = { 0x41, 0xf6, 0x42, 0x18, (uint8_t)need_r }; /* test [r10+24] */

		put(&x->b, t, sizeof(t));
		bt_xl_miss_jcc(x, m, 0x4); /* jz */
	}
	if (p->acc & BT_TP_W) {
		const uint8_t t[] = { 0x41, 0xf6, 0x42, 0x18, (uint8_t)need_w };

		put(&x->b, t, sizeof(t));
		bt_xl_miss_jcc(x, m, 0x4);
	}
	put(&x->b, off, sizeof(off));
	bt_bytes(&x->b, (const uint8_t[]){ 0x41, 0x81, 0xfb }, 3); /* cmp r11d, 4096 - size */
	bt_u32(&x->b, 4096u - p->memsize);
	bt_xl_miss_jcc(x, m, 0x7); /* ja */
	if (p->acc & BT_TP_W)
		emit_code_check(x, m);
	put(&x->b, host, sizeof(host));
}

const uint8_t bt_probe_restore[3] = { 0x04, 0x7f, 0x9e }; /* add al,0x7f; sahf */

/* The miss path: flags back, dirty registers home, the interpreter runs rip. */
void bt_xl_miss(struct xlat *x, const struct bt_misses *m, uint16_t dirty, uint64_t rip,
		unsigned k, const uint8_t *restore, unsigned n)
{
	uint64_t over = bt_jcc(&x->b, -1, 0);
	unsigned i;

	for (i = 0; i < m->n; i++)
		bt_fix(&x->b, m->at[i], bt_here(&x->b));
	bt_bytes(&x->b, restore, n);
	bt_xl_store(x, dirty);
	bt_exit_to(&x->b, x->c, rip, k, BT_EXIT_STEP);
	bt_fix(&x->b, over, bt_here(&x->b));
}

uint16_t bt_xl_mem(struct xlat *x, const struct bt_plan *p, uint64_t next_rip,
		   struct bt_misses *m)
{
	uint16_t scratch = (uint16_t)(1u << p->ptr | 1u << R11), dirty;

	if (p->acc)
		scratch |= (uint16_t)(1u << 0 | 1u << R10 | 1u << R9);
	bt_xl_evict(x, scratch);
	emit_ea(x, p, next_rip);
	dirty = x->dirty;
	if (p->acc)
		emit_probe(x, p, m);
	return dirty;
}

static void emit_native(struct xlat *x, const struct bt_plan *p, uint64_t rip, unsigned k)
{
	struct bt_misses m = { .n = 0 };
	uint16_t miss_dirty = 0;
	unsigned g;

	if (p->ptr != 0xff)
		miss_dirty = bt_xl_mem(x, p, rip + p->len, &m);
	if (p->rsp_host != 0xff)
		bt_xl_evict(x, (uint16_t)(1u << p->rsp_host));
	for (g = 0; g < 16; g++) {
		if (!(p->load & (1u << g)))
			continue;
		if (g == 4)
			bt_ld_ctx(&x->b, x->c, p->rsp_host, bt_gpr_off(4));
		else
			bt_xl_use(x, g);
	}
	bt_bytes(&x->b, p->out, p->n);
	for (g = 0; g < 16; g++) {
		if (!(p->store & (1u << g)))
			continue;
		if (g == 4) {
			bt_st_ctx(&x->b, x->c, bt_gpr_off(4), p->rsp_host);
		} else {
			x->cached |= (uint16_t)(1u << g);
			x->dirty |= (uint16_t)(1u << g);
		}
	}
	if (m.n)
		bt_xl_miss(x, &m, miss_dirty, rip, k, bt_probe_restore, sizeof(bt_probe_restore));
}

void bt_xl_chain(struct xlat *x, uint64_t rip, unsigned k)
{
	uint64_t at, patch;

	if ((rip ^ x->blk->lin) >> 12) {
		/* another page: chaining would skip its validation */
		bt_mov_imm64(&x->b, 10, rip);
		bt_jc_emit(x, k, BT_EXIT_NEXT);
		return;
	}
	at = bt_budget(&x->b, x->c, k);
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

/*
 * One planned instruction, n instructions of the block retired before it
 * (since the last point that counted them); true: the block ends with it.
 */
static bool emit_one(struct xlat *x, const struct bt_plan *p, uint64_t rip, unsigned n)
{
	switch (p->kind) {
	case BTK_NATIVE:
		emit_native(x, p, rip, n);
		return false;
	case BTK_JCC:
		/* taken: a side exit; not taken: the block goes on */
		x->side[x->nside++] = (struct bt_side_exit){
			.at = bt_jcc(&x->b, p->cc, 0),
			.target = p->target,
			.dirty = x->dirty,
			.k = (uint8_t)(n + 1),
		};
		return false;
	case BTK_JMP:
		bt_xl_flush(x);
		bt_xl_chain(x, p->target, n + 1);
		return true;
	case BTK_PUSH:
	case BTK_POP:
		bt_emit_push_pop(x, p, rip, n);
		return false;
	case BTK_DIV:
		bt_emit_div(x, p, rip, n);
		return false;
	case BTK_CALL:
		bt_xl_flush(x);
		bt_emit_call(x, p, rip, n);
		return true;
	case BTK_RET:
		bt_xl_flush(x);
		bt_emit_ret(x, p, rip, n);
		return true;
	default: /* BTK_NOP */
		return false;
	}
}

/*
 * The instructions of the block; how many (0: the first is the
 * interpreter's). One the translator leaves to the interpreter ends the
 * block when it may transfer control, else runs through bt_helper_step()
 * in the block; it counts itself, so counting starts again after it.
 */
static unsigned emit_body(struct xlat *x, struct bt *bt, struct soft_cpu *cpu,
			  const uint8_t *page, unsigned off, const struct cc_page *pg)
{
	uint64_t rip = cpu->rip;
	unsigned k, done = 0;

	for (k = 0; k < BT_BLOCK_MAX && off < 4096; k++) {
		unsigned len = record_len(cpu, pg, page, off);
		struct bt_plan p;

		if (!len)
			break;
		bt_plan_insn(&bt->dec, page + off, len, rip, &p);
		if (p.kind == BTK_STEP && (p.ends || !k)) {
			bt_xl_flush(x);
			bt_exit_to(&x->b, x->c, rip, k - done, BT_EXIT_STEP);
			return k;
		}
		if (p.kind == BTK_STEP) {
			bt_xl_flush(x);
			if (k > done)
				bt_sub_left(&x->b, x->c, k - done);
			bt_emit_helper(x, rip, len, x->cpu);
			done = k + 1;
		} else if (emit_one(x, &p, rip, k - done)) {
			return k + 1;
		}
		rip += len;
		off += len;
	}
	if (!k) {
		bt_exit_to(&x->b, x->c, rip, 0, BT_EXIT_STEP);
		return 0;
	}
	bt_xl_flush(x);
	bt_xl_chain(x, rip, k - done);
	return k;
}

/* The taken paths of the block's Jcc: their registers home, then on to the target. */
static void emit_side_exits(struct xlat *x)
{
	unsigned i;

	for (i = 0; i < x->nside; i++) {
		const struct bt_side_exit *s = &x->side[i];

		bt_fix(&x->b, s->at, bt_here(&x->b));
		bt_xl_store(x, s->dirty);
		bt_xl_chain(x, s->target, s->k);
	}
}

struct bt_block *bt_translate(struct bt *bt, struct soft_cpu *cpu, const uint8_t *page,
			      unsigned off, uint64_t gpage, const struct cc_page *pg)
{
	struct bt_code *c = &bt->code;
	struct bt_block *blk = &bt->blocks[bt->nblocks];
	struct xlat x = { .c = c, .blk = blk, .cpl = cpu->cpl,
			  .tlb = (uint64_t)(uintptr_t)cpu->tlb,
			  .cpu = (uint64_t)(uintptr_t)cpu,
			  .fs_base = (uint64_t)(uintptr_t)&cpu->seg[SEG_FS].base,
			  .gs_base = (uint64_t)(uintptr_t)&cpu->seg[SEG_GS].base,
			  .jc_lin = bt_jc_table(&bt->jc, cpu->cpl, false),
			  .jc_host = bt_jc_table(&bt->jc, cpu->cpl, true) };

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
	emit_side_exits(&x);
	if (x.b.overflow)
		return NULL;
	c->used += (x.b.n + 15) & ~(size_t)15;
	bt->nblocks++;
	cpu->stats.bt_blocks++;
	return blk;
}
