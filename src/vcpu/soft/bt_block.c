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
		   offsetof(struct tlb_entry, gpage) == 16 && offsetof(struct tlb_entry, perm) == 24 &&
		   offsetof(struct tlb_entry, code_mask) == 25 &&
		   offsetof(struct tlb_entry, code_byte) == 28,
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
			bt_ld_ctx(&x->b, x->c, x->tt, bt_gpr_off(index));
			index = x->tt;
		}
	}
	if (index != 0xff || p->disp || base != s)
		bt_lea(&x->b, s, base, index, p->scale, (int32_t)p->disp);
}

/* S = the guest's linear address of the memory operand (flag-free). */
static void emit_ea(struct xlat *x, const struct bt_plan *p, uint64_t next_rip)
{
	static const uint8_t mov_ld[] = { 0x8b };

	emit_offset(x, p, next_rip);
	if (p->seg == 0xff)
		return;
	/* FS/GS: the base as it is now (WRMSR and SWAPGS are the interpreter's) */
	bt_mov_imm64(&x->b, x->tt, p->seg == SEG_FS ? x->fs_base : x->gs_base);
	bt_rm(&x->b, true, mov_ld, 1, x->tt, x->tt, 0); /* mov T, [T] */
	bt_lea(&x->b, p->ptr, p->ptr, x->tt, 1, 0);
}

void bt_xl_miss_jcc(struct xlat *x, struct bt_misses *m, int cc)
{
	uint64_t at = bt_jcc(&x->b, cc, 0);

	if (m->n < 8)
		m->at[m->n++] = at;
}

/*
 * Write to a page with decoded code: leave (the interpreter invalidates
 * it). The entry holds the page's byte index and mask in the code
 * bitmap (mask 0: a page the bitmap does not cover, never code).
 */
static void emit_code_check(struct xlat *x, struct bt_misses *m)
{
	static const uint8_t mov_ld[] = { 0x8b }, movzx[] = { 0x0f, 0xb6 }, test[] = { 0x85 };
	unsigned e = x->te, t = x->tt, b = x->tb;

	bt_rm(&x->b, false, mov_ld, 1, b, e, 28);  /* mov B32, [E+28]: code_byte */
	bt_op_ctx(&x->b, x->c, 0x03, b, offsetof(struct bt_ctx, bitmap)); /* add B, [bitmap] */
	bt_rm(&x->b, false, movzx, 2, b, b, 0);	   /* movzx B32, byte [B] */
	bt_rm(&x->b, false, movzx, 2, t, e, 25);   /* movzx T32, byte [E+25]: code_mask */
	bt_rr(&x->b, false, test, 1, t, b);	   /* test B32, T32 */
	bt_xl_miss_jcc(x, m, 0x5); /* jnz */
}

_Static_assert((TLB_ENTRIES - 1) << 5 < 0x80000000u, "the probe's index mask is an imm32");

const uint8_t bt_probe_restore[3] = { 0x04, 0x7f, 0x9e }; /* add al,0x7f; sahf */

/*
 * The TLB probe: S becomes the host pointer, or a jump to a miss. Flags in
 * AX meanwhile; E (the entry) and T are the block's scratch registers.
 * The tag is compared for the operand's last byte while the entry is
 * chosen by its first, so an access crossing the page misses (the entry
 * of the first page cannot hold the next page's tag).
 */
static void emit_probe(struct xlat *x, const struct bt_plan *p, struct bt_misses *m, bool restore)
{
	static const uint8_t mov_st[] = { 0x89 }, cmp[] = { 0x3b }, add[] = { 0x03 },
			     test[] = { 0xf6 };
	static const uint8_t save[] = { 0x9f, 0x0f, 0x90, 0xc0 }; /* lahf; seto al */
	unsigned s = p->ptr, e = x->te, t = x->tt, need_r = BT_TP_R, need_w = BT_TP_W;

	if (x->cpl == 3) {
		need_r <<= 3;
		need_w <<= 3;
	}
	put(&x->b, save, sizeof(save));
	if (p->align16) {
		bt_ri32(&x->b, false, 0xf7, 0, s, 15); /* test S32, 15: #GP(0) is the interpreter's */
		bt_xl_miss_jcc(x, m, 0x5);	       /* jnz */
	}
	bt_rr(&x->b, true, mov_st, 1, s, e);		/* mov E, S */
	bt_ri8(&x->b, true, 0xc1, 5, e, 7);		/* shr E, 7 */
	bt_ri32(&x->b, false, 0x81, 4, e, (TLB_ENTRIES - 1) << 5); /* and E32: the entry's offset */
	bt_op_ctx(&x->b, x->c, 0x03, e, offsetof(struct bt_ctx, tlb)); /* add E, [tlb] */
	bt_lea(&x->b, t, s, 0xff, 1, p->memsize - 1);	/* T = the last byte's address */
	bt_ri32(&x->b, true, 0x81, 4, t, ~0xfffu);	/* and T, ~0xfff */
	bt_ri8(&x->b, true, 0x83, 1, t, 1);		/* or T, 1 (valid) */
	bt_rm(&x->b, true, cmp, 1, t, e, 0);		/* cmp T, [E] */
	bt_xl_miss_jcc(x, m, 0x5); /* jne */
	if (p->acc & BT_TP_R) {
		bt_rm(&x->b, false, test, 1, 0, e, 24); /* test byte [E+24], need_r */
		bt_byte(&x->b, (uint8_t)need_r);
		bt_xl_miss_jcc(x, m, 0x4); /* jz */
	}
	if (p->acc & BT_TP_W) {
		bt_rm(&x->b, false, test, 1, 0, e, 24);
		bt_byte(&x->b, (uint8_t)need_w);
		bt_xl_miss_jcc(x, m, 0x4);
		emit_code_check(x, m);
	}
	bt_ri32(&x->b, false, 0x81, 4, s, 0xfff);	/* and S32, 0xfff */
	bt_rm(&x->b, true, add, 1, s, e, 8);		/* add S, [E+8] */
	if (restore)
		put(&x->b, bt_probe_restore, sizeof(bt_probe_restore));
}


/* The miss path: flags back, dirty registers home, the interpreter runs rip. */
static void emit_miss(struct xlat *x, const struct bt_miss_stub *s)
{
	unsigned i;

	for (i = 0; i < s->m.n; i++)
		bt_fix(&x->b, s->m.at[i], bt_here(&x->b));
	bt_bytes(&x->b, s->restore, s->nrestore);
	bt_xl_store(x, s->dirty);
	bt_exit_to(&x->b, x->c, s->rip, s->k, BT_EXIT_STEP);
}

void bt_xl_miss(struct xlat *x, const struct bt_misses *m, uint16_t dirty, uint64_t rip,
		unsigned k, const uint8_t *restore, unsigned n)
{
	struct bt_miss_stub s = { .m = *m, .rip = rip, .dirty = dirty, .k = (uint8_t)k,
				  .nrestore = (uint8_t)n, .restore = restore };
	uint64_t over;

	if (x->nmiss < sizeof(x->miss) / sizeof(x->miss[0])) {
		x->miss[x->nmiss++] = s;
		return;
	}
	over = bt_jcc(&x->b, -1, 0); /* no room left: in line, jumped over */
	emit_miss(x, &s);
	bt_fix(&x->b, over, bt_here(&x->b));
}

void bt_xl_emit_misses(struct xlat *x)
{
	unsigned i;

	for (i = 0; i < x->nmiss; i++)
		emit_miss(x, &x->miss[i]);
}

static uint16_t xl_mem(struct xlat *x, const struct bt_plan *p, uint64_t next_rip,
		       struct bt_misses *m, bool restore)
{
	uint16_t scratch = (uint16_t)(1u << p->ptr | 1u << x->tt), dirty;

	if (p->acc)
		scratch |= (uint16_t)(1u << 0 | 1u << x->te | 1u << x->tb);
	bt_xl_evict(x, scratch);
	emit_ea(x, p, next_rip);
	dirty = x->dirty;
	if (p->acc)
		emit_probe(x, p, m, restore);
	return dirty;
}

uint16_t bt_xl_mem(struct xlat *x, const struct bt_plan *p, uint64_t next_rip,
		   struct bt_misses *m)
{
	return xl_mem(x, p, next_rip, m, true);
}

uint16_t bt_xl_mem_open(struct xlat *x, const struct bt_plan *p, uint64_t next_rip,
			struct bt_misses *m)
{
	return xl_mem(x, p, next_rip, m, false);
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
static bool emit_one(struct xlat *x, const struct bt_plan *p, uint64_t rip, unsigned n,
		     unsigned done)
{
	/* a branch back into the block: a loop (bt_loop.c) */
	const struct bt_label *l = p->kind == BTK_JCC || p->kind == BTK_JMP
					   ? bt_loop_target(x, p->target, done)
					   : NULL;

	switch (p->kind) {
	case BTK_NATIVE:
		emit_native(x, p, rip, n);
		return false;
	case BTK_JCC:
		if (l) {
			bt_loop_jcc(x, l, p->cc, n + 1 - (l->index - l->done));
			return false;
		}
		/* taken: a side exit; not taken: the block goes on */
		x->side[x->nside++] = (struct bt_side_exit){
			.at = bt_jcc(&x->b, p->cc, 0),
			.target = p->target,
			.dirty = x->dirty,
			.k = (uint8_t)(n + 1),
		};
		return false;
	case BTK_JMP:
		if (l) {
			bt_loop_back(x, l, x->cached, x->dirty, n + 1 - (l->index - l->done));
			return true;
		}
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
	case BTK_SSE:
		bt_emit_sse(x, p, rip, n);
		return false;
	case BTK_LEAVE:
		bt_emit_leave(x, p, rip, n);
		return false;
	case BTK_CALLM:
		bt_xl_flush(x);
		bt_emit_call_mem(x, p, rip, n);
		return true;
	case BTK_CALLR:
		bt_xl_flush(x);
		bt_emit_call_reg(x, p, rip, n);
		return true;
	case BTK_JMPR:
		bt_xl_flush(x);
		bt_emit_jmp_reg(x, p, rip, n);
		return true;
	case BTK_PUSHF:
		bt_emit_pushf(x, p, rip, n);
		return false;
	case BTK_CLI:
		bt_emit_cli(x);
		return false;
	case BTK_MOVSREG:
		bt_emit_mov_sreg(x, p);
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

/* A block's instructions as planned, before any code is emitted. */
struct bt_plans {
	struct bt_plan p[BT_BLOCK_MAX];
	uint8_t len[BT_BLOCK_MAX];
	unsigned n;
	bool step_end; /* the last one is the interpreter's and ends the block */
	bool sse;      /* one is BTK_SSE */
};

/* Where a block ends: the first branch, instruction that may transfer control, or page end. */
static void plan_block(struct bt *bt, struct soft_cpu *cpu, const uint8_t *page, unsigned off,
		       const struct cc_page *pg, bool sse, struct bt_plans *ps)
{
	uint64_t rip = cpu->rip;

	for (ps->n = 0; ps->n < BT_BLOCK_MAX && off < 4096;) {
		unsigned len = record_len(cpu, pg, page, off), k = ps->n;
		struct bt_plan *p = &ps->p[k];

		if (!len)
			return;
		bt_plan_insn(&bt->dec, page + off, len, rip, sse, p);
		if (p->kind == BTK_CLI && cpu->cpl) /* #GP when CPL > IOPL: the interpreter's */
			bt_plan_step(p);
		ps->len[k] = (uint8_t)len;
		ps->n++;
		ps->sse |= p->kind == BTK_SSE;
		/* the interpreter may change the x87 part the block's gate checked (FXRSTOR) */
		if (p->kind == BTK_STEP)
			sse = false;
		if (p->kind == BTK_STEP && (p->ends || !k)) {
			ps->step_end = true;
			return;
		}
		if (p->kind == BTK_JMP || p->kind == BTK_CALL || p->kind == BTK_RET ||
		    p->kind == BTK_CALLM || p->kind == BTK_CALLR || p->kind == BTK_JMPR)
			return;
		rip += len;
		off += len;
	}
}

static void pick_scratch(struct xlat *x, const struct bt_plans *ps)
{
	static const uint8_t order[] = { R10, R11, R9, 8, 14, 15, 12, 13, 1, 2, 7, 6, 3, 5 };
	uint16_t use = 0, def = 0, host = 0;
	uint8_t got[3];
	unsigned i, n = 0;

	for (i = 0; i < ps->n; i++)
		bt_plan_regs(&ps->p[i], &use, &def, &host);
	use |= host;
	for (i = 0; i < sizeof(order) && n < 3; i++)
		if (!(use & (1u << order[i])))
			got[n++] = order[i];
	if (n < 3) {
		got[0] = R10;
		got[1] = R11;
		got[2] = R9;
	}
	x->te = got[0];
	x->tt = got[1];
	x->tb = got[2];
}

/*
 * The instructions of the block; how many (0: the first is the
 * interpreter's). One the translator leaves to the interpreter ends the
 * block when it may transfer control, else runs through bt_helper_step()
 * in the block; it counts itself, so counting starts again after it.
 */
static unsigned emit_body(struct xlat *x, const struct bt_plans *ps, uint64_t rip)
{
	unsigned k, done = 0;

	if (!ps->n || (ps->n == 1 && ps->step_end)) {
		bt_exit_to(&x->b, x->c, rip, 0, BT_EXIT_STEP);
		return 0;
	}
	pick_scratch(x, ps);
	if (ps->sse)
		bt_emit_sse_gate(x, rip);
	bt_loop_prologue(x, ps->p, ps->n - ps->step_end, rip);
	for (k = 0; k < ps->n; k++) {
		const struct bt_plan *p = &ps->p[k];

		bt_loop_mark(x, k, rip, done);
		if (p->kind == BTK_STEP && k + 1 == ps->n && ps->step_end) {
			bt_xl_flush(x);
			bt_exit_to(&x->b, x->c, rip, k - done, BT_EXIT_STEP);
			return k;
		}
		if (p->kind == BTK_STEP) {
			bt_xl_flush(x);
			if (k > done)
				bt_sub_left(&x->b, x->c, k - done);
			bt_emit_helper(x, rip, ps->len[k], x->cpu);
			done = k + 1;
		} else if (emit_one(x, p, rip, k - done, done)) {
			return k + 1;
		}
		rip += ps->len[k];
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
			      unsigned off, uint64_t gpage, const struct cc_page *pg, bool sse)
{
	struct bt_code *c = &bt->code;
	struct bt_block *blk = &bt->blocks[bt->nblocks];
	struct bt_plans ps;
	struct xlat x;

	/* neither the arrays (5 KB) nor the plans are cleared: they are filled as used */
	memset(&x, 0, offsetof(struct xlat, side));
	x.c = c;
	x.blk = blk;
	x.cpl = cpu->cpl;
	x.cpu = (uint64_t)(uintptr_t)cpu;
	x.fs_base = (uint64_t)(uintptr_t)&cpu->seg[SEG_FS].base;
	x.gs_base = (uint64_t)(uintptr_t)&cpu->seg[SEG_GS].base;
	x.rflags = (uint64_t)(uintptr_t)&cpu->rflags;
	for (unsigned i = 0; i < 6; i++)
		x.sel[i] = (uint64_t)(uintptr_t)&cpu->seg[i].sel;
	x.jc_lin = bt_jc_table(&bt->jc, cpu->cpl, false);
	x.jc_host = bt_jc_table(&bt->jc, cpu->cpl, true);
	x.fpu_area = cpu->fpu.area;
	ps.n = 0;
	ps.step_end = false;
	ps.sse = false;
	if (bt->nblocks >= BT_NBLOCKS || c->used + BT_BLOCK_ROOM > BT_CODE_SIZE)
		return NULL;
	bt_code_room(c);
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
	plan_block(bt, cpu, page, off, pg, sse, &ps);
	blk->ninsn = (uint8_t)emit_body(&x, &ps, cpu->rip);
	emit_side_exits(&x);
	bt_xl_emit_misses(&x);
	if (x.b.overflow)
		return NULL;
	c->used += (x.b.n + 15) & ~(size_t)15;
	bt->sse_blocks |= ps.sse;
	bt->nblocks++;
	cpu->stats.bt_blocks++;
	return blk;
}
