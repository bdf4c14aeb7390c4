// SPDX-License-Identifier: MIT
/*
 * The engine switch of the software CPU: which engine a new vCPU runs
 * (SOFT_ENGINE_ENV, set by the CLI's --soft-engine or by a test), and the
 * translator's entry from the run loop.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vcpu/soft/bt_int.h"

int soft_engine_parse(const char *name)
{
	if (!name)
		return -1;
	if (!strcmp(name, "interp"))
		return SOFT_ENGINE_INTERP;
	if (!strcmp(name, "bt"))
		return SOFT_ENGINE_BT;
	return -1;
}

enum soft_engine soft_engine_default(void)
{
	const char *s = getenv(SOFT_ENGINE_ENV);
	int e;

	if (!s || !*s)
		return SOFT_ENGINE_BT;
	e = soft_engine_parse(s);
	if (e < 0) {
		fprintf(stderr, "minivmm: %s='%s' is not bt or interp: using bt\n",
			SOFT_ENGINE_ENV, s);
		return SOFT_ENGINE_BT;
	}
	return (enum soft_engine)e;
}

#define BT_BUDGET 4096 /* instructions per bt_run(), as the interpreter's block budget */

static unsigned hot_threshold(void)
{
	const char *s = getenv(SOFT_BT_HOT_ENV);
	char *end;
	unsigned long v;

	if (!s || !*s)
		return BT_HOT_DEFAULT;
	v = strtoul(s, &end, 10);
	if (*end || v < 1 || v > 1000) {
		fprintf(stderr, "minivmm: %s='%s' is not 1..1000: using %d\n", SOFT_BT_HOT_ENV, s,
			BT_HOT_DEFAULT);
		return BT_HOT_DEFAULT;
	}
	return (unsigned)v;
}

struct bt *bt_create(struct soft_cpu *cpu)
{
	struct bt *bt = calloc(1, sizeof(*bt));

	if (!bt)
		return NULL;
	bt->blocks = calloc(BT_NBLOCKS, sizeof(*bt->blocks));
	if (!bt->blocks || bt_jc_init(&bt->jc)) {
		free(bt->blocks);
		free(bt);
		return NULL;
	}
	if (bt_code_init(&bt->code)) {
		bt_jc_fini(&bt->jc);
		free(bt->blocks);
		free(bt);
		return NULL;
	}
	/* the TLB is an array inside the vCPU: its address is fixed for the vCPU's life */
	bt->code.ctx->tlb = (uint64_t)(uintptr_t)cpu->tlb;
	/* integer SSE only where the interpreter's commit is the light one bt_sse.c mirrors */
	bt->sse = cpu->fnat && cpu->fnat->light;
	if (bt->sse)
		bt_sse_canon_init(bt->code.ctx, (const uint8_t(*)[FNAT_CANON_SIZE])cpu->fnat->x87_canon);
	ZydisDecoderInit(&bt->dec, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
	bt->hot = hot_threshold();
	return bt;
}

void bt_destroy(struct bt *bt)
{
	if (!bt)
		return;
	bt_code_fini(&bt->code);
	bt_jc_fini(&bt->jc);
	free(bt->blocks);
	free(bt);
}

static unsigned hash_of(uint64_t lin, unsigned cpl)
{
	return (unsigned)(((lin ^ cpl) * 0x9e3779b97f4a7c15ULL) >> (64 - BT_HASH_BITS));
}

/*
 * Drop every block (the cache is full, or guest memory slots changed).
 * Only the buckets that hold blocks are emptied: a launch's first flush
 * touches none of the table.
 */
static void flush(struct bt *bt, struct soft_cpu *cpu)
{
	unsigned i;

	for (i = 0; i < bt->nblocks; i++)
		bt->hash[hash_of(bt->blocks[i].lin, bt->blocks[i].cpl)] = NULL;
	bt_code_reset(&bt->code);
	if (bt->nblocks || bt->generation)
		cpu->stats.bt_flushes++;
	bt->nblocks = 0;
	bt->sse_blocks = false;
	bt->generation = cpu->vm->generation;
	bt->flushes++;
	bt_jc_check(&bt->jc, cpu, bt->flushes);
}

/*
 * Integer SSE runs in translated code only while it cannot raise #UD or
 * #NM (fpu_check()); blocks holding it are dropped when that changes.
 */
static bool sse_usable(const struct bt *bt, const struct soft_cpu *cpu)
{
	return bt->sse && !(cpu->cr0 & (CR0_EM | CR0_TS)) && (cpu->cr4 & CR4_OSFXSR);
}

/* Whether the block at lin has now run often enough to be translated. */
static bool hot(struct bt *bt, uint64_t lin, unsigned cpl)
{
	struct bt_heat *e = &bt->heat[hash_of(lin, cpl) & (BT_HEAT - 1)];

	if (bt->hot <= 1)
		return true;
	if (e->key != (lin ^ cpl)) {
		e->key = lin ^ cpl;
		e->runs = 0;
	}
	return ++e->runs >= bt->hot;
}

/*
 * The block at cpu->rip, translated now if needed (once it is hot); NULL when the
 * interpreter must run (fetch fault or exit, page not cacheable, no room).
 * A block is valid while its decoded page is the same one (serial): a
 * write to the page, or the VMM changing it, made a new one.
 */
static struct bt_block *lookup(struct bt *bt, struct soft_cpu *cpu)
{
	uint64_t lin = cpu->seg[SEG_CS].base + cpu->rip, gpa;
	const uint8_t *host;
	unsigned avail, off = lin & 0xfff, h = hash_of(lin, cpu->cpl);
	struct cc_page *pg;
	struct bt_block *b, **pp;

	if (bt->generation != cpu->vm->generation)
		flush(bt, cpu);
	if (mem_fetch_translate(cpu, lin, &gpa, &host, &avail))
		return NULL;
	pg = cc_page_get(cpu->vm, gpa >> 12, 64, host - off);
	if (!pg)
		return NULL;
	for (pp = &bt->hash[h]; (b = *pp);) {
		if (b->lin != lin || b->cpl != cpu->cpl || b->gpage != gpa >> 12) {
			pp = &b->hnext;
			continue;
		}
		if (b->pg == pg && b->serial == pg->serial)
			return b;
		/*
		 * Made from an earlier decoding of this page (it was written):
		 * it can never match again (serials only grow), and nothing
		 * reaches it but blocks as stale as itself. Out of the chain,
		 * which self-modifying code would otherwise lengthen.
		 */
		*pp = b->hnext;
	}
	if (!hot(bt, lin, cpu->cpl))
		return NULL;
	b = bt_translate(bt, cpu, host - off, off, gpa >> 12, pg, sse_usable(bt, cpu));
	if (!b) {
		flush(bt, cpu);
		b = bt_translate(bt, cpu, host - off, off, gpa >> 12, pg, sse_usable(bt, cpu));
		if (!b)
			return NULL;
	}
	b->hnext = bt->hash[h];
	bt->hash[h] = b;
	return b;
}

/* Run translated code from blk; the guest state goes in and out of the context block. */
static int enter(struct bt *bt, struct soft_cpu *cpu, const uint8_t *code)
{
	struct bt_ctx *ctx = bt->code.ctx;
	int e;

	memcpy(ctx->gpr, cpu->gpr, sizeof(ctx->gpr));
	ctx->flags = cpu_get_rflags(cpu);
	ctx->left = BT_BUDGET;
	ctx->bitmap = (uint64_t)(uintptr_t)cpu->vm->code_bitmap;
	e = bt_code_enter(&bt->code, code);
	memcpy(cpu->gpr, ctx->gpr, sizeof(ctx->gpr));
	cpu_set_rflags(cpu, (cpu->rflags & ~FL_ARITH) | (ctx->flags & FL_ARITH));
	cpu->rip = ctx->rip;
	cpu->stats.insns += (uint64_t)(BT_BUDGET - ctx->left);
	if ((e == BT_EXIT_RET || e == BT_EXIT_JMP) &&
	    (uint64_t)((int64_t)(ctx->rip << 16) >> 16) != ctx->rip) {
		/* a non-canonical target: #GP at the RET (RSP unpopped) or JMP */
		if (e == BT_EXIT_RET)
			cpu->gpr[R_RSP] -= 8;
		cpu->rip = ctx->from;
		cpu->stats.insns--;
		return BT_EXIT_STEP;
	}
	return e;
}

uint32_t bt_helper_step(struct soft_cpu *cpu, uint64_t rip, uint64_t next)
{
	struct bt *bt = cpu->bt;
	struct bt_ctx *ctx = bt->code.ctx;
	uint64_t other = cpu->rflags & ~FL_ARITH, tlb_flushes = cpu->tlb_flushes, cr8 = cpu->cr8;
	uint64_t cr0 = cpu->cr0, cr4 = cpu->cr4;
	uint32_t drops = cpu->vm->code_drops, generation = cpu->vm->generation;
	unsigned cpl = cpu->cpl, bits = cpu->code_bits, watch = cpu->watch_mask;

	memcpy(cpu->gpr, ctx->gpr, sizeof(ctx->gpr));
	cpu_set_rflags(cpu, other | (ctx->flags & FL_ARITH));
	cpu->rip = rip;
	cpu->stats.bt_fallbacks++;
	bt->helper_rc = cpu_step(cpu);
	memcpy(ctx->gpr, cpu->gpr, sizeof(ctx->gpr));
	ctx->flags = cpu_get_rflags(cpu);
	ctx->rip = cpu->rip;
	/*
	 * Anything but a plain instruction: back to the run loop, which also
	 * delivers an interrupt the instruction made deliverable (TPR, EOI:
	 * the irqchip's work flag) before the next one.
	 */
	return bt->helper_rc || cpu->rip != next || (cpu->rflags & ~FL_ARITH) != other ||
	       __atomic_load_n(&cpu->irq_work, __ATOMIC_RELAXED) || cpu->cr8 != cr8 ||
	       cpu->tlb_flushes != tlb_flushes || cpu->vm->code_drops != drops ||
	       cpu->vm->generation != generation || cpu->cpl != cpl || cpu->code_bits != bits ||
	       cpu->watch_mask != watch || cpu->int_shadow || cpu->halted || cpu->seg[SEG_CS].base ||
	       cpu->cr0 != cr0 || cpu->cr4 != cr4 || /* SSE may have become unusable */
	       __atomic_load_n(&cpu->kick, __ATOMIC_RELAXED);
}

/* After BT_EXIT_CHAIN: point the jump that left at the target's block, same page only. */
static void chain(struct bt *bt, struct soft_cpu *cpu)
{
	const struct bt_block *src = (const struct bt_block *)(uintptr_t)bt->code.ctx->src;
	uint64_t patch = bt->code.ctx->patch, flushes = cpu->stats.bt_flushes;
	uint64_t src_gpage = src->gpage, src_serial = src->serial;
	unsigned cpl = src->cpl;
	struct bt_block *dst = lookup(bt, cpu);

	if (!dst || !dst->ninsn || cpu->stats.bt_flushes != flushes)
		return;
	if (dst->gpage == src_gpage && dst->serial == src_serial && dst->cpl == cpl)
		bt_code_patch(&bt->code, patch, dst->code);
}

/*
 * The block at rip: from the jump cache when it is there (it holds only
 * blocks validated since anything that could make them stale, as
 * translated code relies on), else through lookup(), which checks the
 * page and fills the jump cache.
 */
static const uint8_t *entry_of(struct bt *bt, struct soft_cpu *cpu, struct bt_block **blk)
{
	const uint8_t *code = NULL;

	*blk = NULL;
	if (bt->generation == cpu->vm->generation)
		code = bt_jc_find(&bt->jc, cpu->rip, cpu->cpl);
	if (code)
		return code;
	*blk = lookup(bt, cpu);
	if (!*blk || !(*blk)->ninsn)
		return NULL;
	bt_jc_fill(&bt->jc, (*blk)->lin, (*blk)->cpl, (*blk)->code);
	return (*blk)->code;
}

int bt_run(struct soft_cpu *cpu)
{
	struct bt *bt = cpu->bt;
	struct bt_block *blk;
	const uint8_t *code;
	int e;

	if (cpu->code_bits != 64 || cpu->watch_mask || cpu->seg[SEG_CS].base)
		return cpu_interp_block(cpu);
	if (bt->sse_blocks && !sse_usable(bt, cpu))
		flush(bt, cpu);
	bt_jc_check(&bt->jc, cpu, bt->flushes);
	code = entry_of(bt, cpu, &blk);
	if (!code && !blk)
		return cpu_interp_block(cpu);
	if (code) {
		e = enter(bt, cpu, code);
		if (e == BT_EXIT_CHAIN)
			chain(bt, cpu);
		if (e == BT_EXIT_HELPER)
			return bt->helper_rc;
		if (e != BT_EXIT_STEP)
			return 0;
	}
	cpu->stats.bt_fallbacks++;
	return cpu_step(cpu);
}
