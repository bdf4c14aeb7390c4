// SPDX-License-Identifier: MIT
/*
 * Blocks that branch back to their own start (a compiler's innermost
 * loop: CRC bit loops, memset/memcpy loops, list walks). Translated as
 * any block, each iteration would leave through a side exit that stores
 * the registers it wrote, then re-enter the block, which loads them again:
 * a store-to-load round trip on every loop-carried register, several
 * cycles per iteration. Here the block loads every register it uses
 * before a loop label and treats every register it writes as dirty from
 * the label on; the back edge counts the budget, puts back in their host
 * registers the ones a memory probe or a helper took, and jumps to the
 * label. Every other exit stores the dirty set, as usual.
 *
 * A branch back to an instruction inside the block (the inner loop of a
 * nest, whose outer loop is the block's own) goes to that instruction's
 * code, recorded with the register state it was emitted for: dirty
 * registers that state does not count as dirty are stored first, and
 * registers it holds cached but a probe took are reloaded. The budget
 * counts the instructions from that one to the branch.
 */
#include "vcpu/soft/bt_int.h"

#define RCX 1
#define RSP 4

void bt_loop_prologue(struct xlat *x, const struct bt_plan *plans, unsigned n, uint64_t start)
{
	uint16_t use = 0, def = 0, host = 0;
	unsigned i, g;
	bool back = false;

	for (i = 0; i < n; i++) {
		const struct bt_plan *p = &plans[i];

		if ((p->kind == BTK_JCC || p->kind == BTK_JMP) && p->target == start)
			back = true;
		bt_plan_regs(p, &use, &def, &host);
	}
	if (!back)
		return;
	use &= (uint16_t)~bt_bit(RSP); /* never cached: host RSP is the host's */
	def &= use;
	for (g = 0; g < 16; g++)
		if (use & bt_bit(g))
			bt_xl_use(x, g);
	x->dirty |= def;
	x->loop_rip = start;
}

void bt_loop_mark(struct xlat *x, unsigned index, uint64_t rip, unsigned done)
{
	if (index >= BT_BLOCK_MAX)
		return;
	x->lab[index] = (struct bt_label){ .at = bt_here(&x->b), .rip = rip, .cached = x->cached,
					   .dirty = x->dirty, .index = (uint8_t)index,
					   .done = (uint8_t)done };
	x->nlab = index + 1;
}

/*
 * The block's start when it is a loop; an earlier instruction of the
 * block when no helper ran between it and the branch (the counting base
 * is the same, so the budget can count from it).
 */
const struct bt_label *bt_loop_target(const struct xlat *x, uint64_t target, unsigned done)
{
	unsigned i;

	if (x->loop_rip && target == x->loop_rip)
		return x->nlab ? &x->lab[0] : NULL;
	for (i = 1; i < x->nlab; i++)
		if (x->lab[i].rip == target && x->lab[i].done == done)
			return &x->lab[i];
	return NULL;
}

/*
 * Budget, then to the label. RCX goes home first (the budget test uses
 * it) and so do dirty registers the label does not count as dirty; a
 * spent budget stores the rest and leaves for the block's start. The
 * continuing path has one taken branch, the jump to the label.
 */
void bt_loop_back(struct xlat *x, const struct bt_label *l, uint16_t cached, uint16_t dirty,
		  unsigned k)
{
	uint16_t home = (uint16_t)(dirty & (~l->dirty | bt_bit(RCX)));
	uint64_t spent;
	unsigned g;

	bt_xl_store(x, home);
	dirty &= (uint16_t)~home;
	cached &= (uint16_t)~bt_bit(RCX);
	spent = bt_budget_spent(&x->b, x->c, k);
	/* at most 15 reloads of 7 bytes and a jmp: within JRCXZ's reach */
	for (g = 0; g < 16; g++)
		if ((l->cached & ~cached) & bt_bit(g))
			bt_ld_ctx(&x->b, x->c, g, bt_gpr_off(g));
	bt_jcc(&x->b, -1, l->at);
	bt_fix8(&x->b, spent);
	bt_xl_store(x, dirty);
	bt_exit_to(&x->b, x->c, l->rip, 0, BT_EXIT_NEXT);
}

void bt_loop_jcc(struct xlat *x, const struct bt_label *l, int cc, unsigned k)
{
	uint64_t stay = bt_jcc(&x->b, cc ^ 1, 0); /* not taken: the block goes on */

	bt_loop_back(x, l, x->cached, x->dirty, k);
	bt_fix(&x->b, stay, bt_here(&x->b));
}
