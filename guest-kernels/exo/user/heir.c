// SPDX-License-Identifier: MIT
/*
 * exo's heir: an environment that wants what the library OSes own. While
 * they run, binding their blocks is refused (E_PERM) and it yields; once
 * both have exited, the kernel has revoked their secure bindings, so the
 * one extent covering both library OSes' areas binds, a block libos-direct
 * wrote reads back, and page_alloc hands out every page of the pool again
 * (libos-batched's two cache pages among them), each zeroed before it
 * reached us. It writes nothing: the areas it now owns stay as the library
 * OSes left them, for the host to check.
 */
#include "printf.h"
#include "ulib.h"
#include "workload.h"

#define MAX_TRIES 100000
#define PAGES_VA (0x8000000000ul + 0x100000ul) /* above our memory, below EXO_PAGE_WINDOW_END */

/* Take pages until there are none left; how many, and whether every one came zeroed. */
static unsigned take_all_pages(int *all_zero)
{
	unsigned n = 0;

	*all_zero = 1;
	for (uint64_t va = PAGES_VA; va < EXO_PAGE_WINDOW_END; va += 4096) {
		const volatile uint64_t *w = (const volatile uint64_t *)(uintptr_t)va;

		if (exo_call(EXO_PAGE_ALLOC, va, 0, 0) < 0)
			break;
		n++;
		for (unsigned i = 0; i < 512; i++)
			*all_zero &= w[i] == 0;
	}
	return n;
}

int main(uint64_t a0, uint64_t a1)
{
	static uint8_t buf[512];
	const struct wl_io io = {NULL, NULL, NULL, exo_print};
	const char *cmdline = exo_cmdline();
	struct wl_params p;
	uint64_t first, end;
	int64_t r;
	unsigned pages, tries = 0;
	int all_zero;
	char line[96];

	(void)a0;
	(void)a1;
	if (!cmdline || wl_parse(cmdline, &p, &io))
		return 4;
	/* libos-direct's input and output areas, and libos-batched's area after them. */
	first = p.in < p.out ? p.in : p.out;
	end = (p.in > p.out ? p.in : p.out) + p.records + 2 * BATCHED_RECORDS;
	r = exo_call(EXO_BLOCK_BIND, first, end - first, 0);
	exo_report("heir", "block_bind(the library OSes' areas, while they run)", r);
	while (r == E_PERM && ++tries < MAX_TRIES) {
		exo_call(EXO_YIELD, YIELD_ANY, 0, 0);
		r = exo_call(EXO_BLOCK_BIND, first, end - first, 0);
	}
	exo_report("heir", "block_bind(the library OSes' areas, after they exited)", r);
	if (r)
		return 1;
	exo_report("heir", "block_read(libos-direct's first output block)",
		   exo_call(EXO_BLOCK_READ, p.out, 1, (uint64_t)(uintptr_t)buf));
	pages = take_all_pages(&all_zero);
	ksnprintf(line, sizeof(line), "heir: page_alloc gave %u pages, %s\n", pages,
		  all_zero ? "all zeroed" : "NOT all zeroed");
	exo_puts(line);
	return pages == EXO_FRAMES && all_zero ? 0 : 1;
}
