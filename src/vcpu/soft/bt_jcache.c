// SPDX-License-Identifier: MIT
/*
 * The translator's jump cache: guest linear address -> translated entry,
 * one direct-mapped table per privilege level (0 and 3), consulted by
 * translated code itself for the transfers it cannot chain (RET, and
 * branches and calls to another page), so that they do not return to the
 * dispatcher. It is filled by the dispatcher from blocks it has just
 * validated, and emptied whenever a block it names could have become
 * stale: the blocks were flushed, a decoded page was dropped (written
 * code, DMA), the TLB was flushed (CR3, paging modes, an INVLPG of a page
 * it may have entries in), the memory slots changed, or the VMM ran (it
 * may have written RAM: the decoded pages are checked again at their next
 * lookup). Translated code changes none of these, so checking at every
 * dispatcher entry suffices. An INVLPG of one 4 KiB page changes only that
 * page's translation: a filter of the pages that hold entries (a bit per
 * hash of the page number) keeps the cache over the others, such as
 * Linux's page-by-page flushes of vmalloc ranges.
 *
 * Slot i of an address holds the address minus i plus 1 (its high bits,
 * plus 1), so that 0 is empty and never matches: it would stand for
 * i - 1, which does not index slot i. Zero-filled, the tables cost
 * nothing until used (a vCPU's creation, e.g. hello.elf's launch, does
 * not touch them).
 */
#include <stdlib.h>
#include <string.h>

#include "vcpu/soft/bt_int.h"

int bt_jc_init(struct bt_jcache *j)
{
	memset(j, 0, sizeof(*j));
	j->lin = calloc(2 * BT_JC_SIZE, sizeof(*j->lin));
	j->host = calloc(2 * BT_JC_SIZE, sizeof(*j->host));
	if (!j->lin || !j->host) {
		free(j->lin);
		free(j->host);
		return -1;
	}
	return 0;
}

void bt_jc_fini(struct bt_jcache *j)
{
	free(j->lin);
	free(j->host);
	j->lin = NULL;
	j->host = NULL;
}

void bt_jc_clear(struct bt_jcache *j)
{
	unsigned i;

	if (j->nfilled > BT_JC_FILL_MAX) {
		memset(j->lin, 0, 2 * BT_JC_SIZE * sizeof(*j->lin));
	} else {
		for (i = 0; i < j->nfilled; i++)
			j->lin[j->filled[i]] = 0;
	}
	j->nfilled = 0;
	memset(j->pages, 0, sizeof(j->pages));
}

static unsigned page_bit(uint64_t page)
{
	return (unsigned)((page * 0x9e3779b97f4a7c15ULL) >> 52) & (BT_JC_PAGE_BITS - 1);
}

/* Every TLB flush since the last check was an INVLPG of a page without entries. */
static bool only_other_pages(const struct bt_jcache *j, const struct soft_cpu *cpu)
{
	uint64_t n = cpu->tlb_page_seq - j->tlb_page_seq, s;

	if (n != cpu->tlb_flushes - j->tlb_flushes || n > TLB_PAGE_RING)
		return false;
	for (s = j->tlb_page_seq; s != cpu->tlb_page_seq; s++) {
		unsigned b = page_bit(cpu->tlb_page_ring[s % TLB_PAGE_RING]);

		if (j->pages[b / 64] & (1ULL << (b % 64)))
			return false;
	}
	return true;
}

void bt_jc_check(struct bt_jcache *j, const struct soft_cpu *cpu, uint64_t bt_flushes)
{
	const struct soft_vm *vm = cpu->vm;

	if (j->run_epoch == vm->run_epoch && j->code_drops == vm->code_drops &&
	    j->bt_flushes == bt_flushes &&
	    (j->tlb_flushes == cpu->tlb_flushes || only_other_pages(j, cpu))) {
		j->tlb_flushes = cpu->tlb_flushes;
		j->tlb_page_seq = cpu->tlb_page_seq;
		return;
	}
	bt_jc_clear(j);
	j->run_epoch = vm->run_epoch;
	j->code_drops = vm->code_drops;
	j->tlb_flushes = cpu->tlb_flushes;
	j->tlb_page_seq = cpu->tlb_page_seq;
	j->bt_flushes = bt_flushes;
}

static int table_of(unsigned cpl)
{
	return cpl == 0 ? 0 : cpl == 3 ? 1 : -1;
}

void bt_jc_fill(struct bt_jcache *j, uint64_t lin, unsigned cpl, const uint8_t *code)
{
	int t = table_of(cpl);
	unsigned i;

	if (t < 0)
		return;
	i = (unsigned)t * BT_JC_SIZE + (unsigned)(lin & (BT_JC_SIZE - 1));
	if (!j->lin[i] && j->nfilled <= BT_JC_FILL_MAX) {
		if (j->nfilled < BT_JC_FILL_MAX)
			j->filled[j->nfilled] = i;
		j->nfilled++;
	}
	j->lin[i] = (lin & ~(uint64_t)(BT_JC_SIZE - 1)) + 1;
	j->host[i] = (uint64_t)(uintptr_t)code;
	i = page_bit(lin >> 12);
	j->pages[i / 64] |= 1ULL << (i % 64);
}

const uint8_t *bt_jc_find(const struct bt_jcache *j, uint64_t lin, unsigned cpl)
{
	int t = table_of(cpl);
	unsigned i;

	if (t < 0)
		return NULL;
	i = (unsigned)t * BT_JC_SIZE + (unsigned)(lin & (BT_JC_SIZE - 1));
	if (j->lin[i] != (lin & ~(uint64_t)(BT_JC_SIZE - 1)) + 1)
		return NULL;
	return (const uint8_t *)(uintptr_t)j->host[i];
}

uint64_t bt_jc_table(const struct bt_jcache *j, unsigned cpl, bool host)
{
	int t = table_of(cpl);

	if (t < 0)
		return 0;
	return (uint64_t)(uintptr_t)((host ? j->host : j->lin) + (unsigned)t * BT_JC_SIZE);
}

#define R10 10

/*
 * Leave the block for the guest address in R10 after k more retired
 * instructions: the budget first, then the jump cache; a miss (or an
 * exhausted budget) exits with code e and ctx.rip = R10. Flag-free: the
 * compare is a NOT and two LEA (entry + index - R10 - 1 = 0 on a hit)
 * tested by JRCXZ. Every guest register is home already.
 */
void bt_jc_emit(struct xlat *x, unsigned k, int e)
{
	static const uint8_t probe[] = {
		0x45, 0x0f, 0xb7, 0xda,	      /* movzx r11d, r10w */
		0x48, 0xb9,		      /* movabs rcx, <lin table> */
	};
	static const uint8_t cmp[] = {
		0x4e, 0x8b, 0x0c, 0xd9,	      /* mov r9, [rcx + r11*8] */
		0x4c, 0x89, 0xd1,	      /* mov rcx, r10 */
		0x48, 0xf7, 0xd1,	      /* not rcx */
		0x4a, 0x8d, 0x0c, 0x09,	      /* lea rcx, [rcx + r9] */
		0x4a, 0x8d, 0x0c, 0x19,	      /* lea rcx, [rcx + r11] */
		0xe3,			      /* jrcxz <hit> */
	};
	static const uint8_t jump[] = { 0x42, 0xff, 0x24, 0xd9 }; /* jmp [rcx + r11*8] */
	uint64_t at = bt_budget(&x->b, x->c, k);

	bt_exit_reg(&x->b, x->c, R10, 0, e);
	bt_fix8(&x->b, at);
	if (!x->jc_lin) {
		bt_exit_reg(&x->b, x->c, R10, 0, e);
		return;
	}
	bt_bytes(&x->b, probe, sizeof(probe));
	bt_u32(&x->b, (uint32_t)x->jc_lin);
	bt_u32(&x->b, (uint32_t)(x->jc_lin >> 32));
	bt_bytes(&x->b, cmp, sizeof(cmp));
	at = bt_here(&x->b);
	bt_byte(&x->b, 0);
	bt_exit_reg(&x->b, x->c, R10, 0, e);
	bt_fix8(&x->b, at);
	bt_mov_imm64(&x->b, 1, x->jc_host);
	bt_bytes(&x->b, jump, sizeof(jump));
}
