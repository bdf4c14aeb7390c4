// SPDX-License-Identifier: MIT
/*
 * A hostile environment for exo. It runs while both library OSes hold
 * their bindings and tries their resources: reading and binding a block
 * of libos-direct's input area (both refused with E_PERM: the secure
 * binding is checked on every call), a block range that wraps around
 * (E_INVAL before any ownership loop), freeing a page it does not own
 * (E_PERM), and finally reading the address where libos-batched keeps its
 * cache page, which is not mapped here (#PF): the kernel kills it.
 */
#include "printf.h"
#include "ulib.h"
#include "workload.h"

int main(uint64_t a0, uint64_t a1)
{
	static uint8_t buf[512];
	const struct wl_io io = {NULL, NULL, NULL, exo_print};
	const char *cmdline = exo_cmdline();
	struct wl_params p;

	(void)a0;
	(void)a1;
	if (!cmdline || wl_parse(cmdline, &p, &io))
		return 4;
	exo_report("hostile", "block_read(a block of libos-direct)",
		   exo_call(EXO_BLOCK_READ, p.in, 1, (uint64_t)(uintptr_t)buf));
	exo_report("hostile", "block_bind(a block of libos-direct)",
		   exo_call(EXO_BLOCK_BIND, p.in, 1, 0));
	exo_report("hostile", "block_read(a range wrapping past 2^64)",
		   exo_call(EXO_BLOCK_READ, ~0ul - 2, 8, (uint64_t)(uintptr_t)buf));
	exo_report("hostile", "page_free(libos-batched's cache page)",
		   exo_call(EXO_PAGE_FREE, BATCHED_CACHE_VA, 0, 0));
	exo_puts("hostile: reading libos-batched's cache page\n");
	return *(volatile uint8_t *)BATCHED_CACHE_VA;
}
