// SPDX-License-Identifier: MIT
/*
 * exo's "direct" library OS with the workload: it binds the input and
 * output areas to itself, then every record is one block_read and one
 * block_write into the application's own buffer (no cache: the simplest
 * policy, and the one whose cost per record compares with mono and micro).
 * At every progress line it yields its time slice to the next environment.
 */
#include "ulib.h"
#include "workload.h"

static int blocks(void *ctx, uint64_t nr, uint64_t sector, void *buf, uint32_t count)
{
	(void)ctx;
	return exo_call(nr, sector, count, (uint64_t)(uintptr_t)buf) ? -1 : 0;
}

static int disk_read(void *ctx, uint64_t sector, void *buf, uint32_t count)
{
	return blocks(ctx, EXO_BLOCK_READ, sector, buf, count);
}

static int disk_write(void *ctx, uint64_t sector, const void *buf, uint32_t count)
{
	return blocks(ctx, EXO_BLOCK_WRITE, sector, (void *)(uintptr_t)buf, count);
}

static void print(void *ctx, const char *text)
{
	(void)ctx;
	exo_puts(text);
	exo_call(EXO_YIELD, YIELD_ANY, 0, 0);
}

int main(uint64_t a0, uint64_t a1)
{
	const struct wl_io io = {NULL, disk_read, disk_write, print};
	const char *cmdline = exo_cmdline();
	struct wl_params p;
	uint64_t sum;

	(void)a0;
	(void)a1;
	if (!cmdline || wl_parse(cmdline, &p, &io))
		return 4;
	if (exo_call(EXO_BLOCK_BIND, p.in, p.records, 0) ||
	    exo_call(EXO_BLOCK_BIND, p.out, p.records, 0)) {
		exo_puts("libos-direct: cannot bind the workload's blocks\n");
		return 3;
	}
	return wl_run(&io, &p, &sum) ? 2 : 0;
}
