// SPDX-License-Identifier: MIT
/* Just enough paging for rings: a page pool and a 4 KiB mapper over the live tables. */
#include "cpu.h"
#include "guest.h"
#include "kstring.h"
#include "rings.h"

#define POOL_PAGES 16
#define ADDR_MASK 0x000ffffffffff000ul

static uint8_t pool[POOL_PAGES][4096] __attribute__((aligned(4096)));
static unsigned pool_used;

void *page_alloc(void)
{
	void *p;

	if (pool_used == POOL_PAGES)
		return NULL;
	p = pool[pool_used++];
	memset(p, 0, 4096);
	return p;
}

/* The next-level table of entry *e, allocated if absent. User bits propagate so ring 3 can walk
 * through. */
static uint64_t *next_table(uint64_t *e, uint64_t flags)
{
	if (!(*e & PTE_P)) {
		void *t = page_alloc();

		if (!t)
			return NULL;
		*e = virt_to_phys(t) | PTE_P | PTE_W | (flags & PTE_U);
	} else if (*e & PTE_PS) {
		return NULL;
	} else {
		*e |= flags & PTE_U;
	}
	return phys_to_virt(*e & ADDR_MASK);
}

int map_page(uint64_t va, uint64_t pa, uint64_t flags)
{
	uint64_t *t = phys_to_virt(read_cr3() & ADDR_MASK);

	for (int shift = 39; shift > 12; shift -= 9) {
		t = next_table(&t[(va >> shift) & 511], flags);
		if (!t)
			return -1;
	}
	t[(va >> 12) & 511] = (pa & ADDR_MASK) | flags | PTE_P;
	invlpg((const void *)(uintptr_t)va);
	return 0;
}
