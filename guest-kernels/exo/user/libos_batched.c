// SPDX-License-Identifier: MIT
/*
 * exo's "batched" library OS: the same workload with another block policy,
 * on a small area of its own right after the main output area (its input
 * is whatever is there; the host checks its output all the same). It
 * allocates two physical pages: a read-ahead page (a miss reads the next
 * 8 blocks in one kernel call) and a write-behind page (8 consecutive
 * blocks go out in one call), so it makes a quarter of the kernel calls
 * per record that "direct" makes. Its lines start with "libos-batched: ".
 */
#include "kstring.h"
#include "printf.h"
#include "ulib.h"
#include "workload.h"

#define RECORDS BATCHED_RECORDS
#define BATCH EXO_MAX_BLOCKS_PER_CALL
#define READ_PAGE BATCHED_CACHE_VA
#define WRITE_PAGE (BATCHED_CACHE_VA + 4096)

struct policy {
	uint64_t in_end;	 /* reads never go past our input area */
	uint64_t ra_first, ra_n; /* blocks in the read-ahead page */
	uint64_t wb_first, wb_n; /* blocks waiting in the write-behind page */
	uint64_t hits, misses, flushes;
};

static int flush(struct policy *c)
{
	if (c->wb_n && exo_call(EXO_BLOCK_WRITE, c->wb_first, c->wb_n, WRITE_PAGE))
		return -1;
	c->flushes += c->wb_n != 0;
	c->wb_n = 0;
	return 0;
}

static int disk_read(void *ctx, uint64_t sector, void *buf, uint32_t count)
{
	struct policy *c = ctx;

	for (uint32_t i = 0; i < count; i++, sector++) {
		if (sector - c->ra_first >= c->ra_n) {
			uint64_t n = c->in_end - sector < BATCH ? c->in_end - sector : BATCH;

			if (n == 0 || exo_call(EXO_BLOCK_READ, sector, n, READ_PAGE))
				return -1;
			c->ra_first = sector;
			c->ra_n = n;
			c->misses++;
		} else {
			c->hits++;
		}
		memcpy((char *)buf + i * 512,
		       (const char *)(uintptr_t)READ_PAGE + (sector - c->ra_first) * 512, 512);
	}
	return 0;
}

static int disk_write(void *ctx, uint64_t sector, const void *buf, uint32_t count)
{
	struct policy *c = ctx;

	for (uint32_t i = 0; i < count; i++, sector++) {
		if (c->wb_n && (sector != c->wb_first + c->wb_n || c->wb_n == BATCH) && flush(c))
			return -1;
		if (c->wb_n == 0)
			c->wb_first = sector;
		memcpy((char *)(uintptr_t)WRITE_PAGE + c->wb_n++ * 512, (const char *)buf + i * 512,
		       512);
	}
	return 0;
}

static void print(void *ctx, const char *text)
{
	char line[160];

	(void)ctx;
	ksnprintf(line, sizeof(line), "libos-batched: %s", text);
	exo_puts(line);
	exo_call(EXO_YIELD, YIELD_ANY, 0, 0);
}

int main(uint64_t a0, uint64_t a1)
{
	static struct policy c;
	const struct wl_io io = {&c, disk_read, disk_write, print};
	const char *cmdline = exo_cmdline();
	struct wl_params main_area, p;
	char line[128];
	uint64_t sum;

	(void)a0;
	(void)a1;
	if (!cmdline || wl_parse(cmdline, &main_area, &io))
		return 4;
	/* Our own area: after whichever of the main areas ends last. */
	p.in = (main_area.in > main_area.out ? main_area.in : main_area.out) + main_area.records;
	p.out = p.in + RECORDS;
	p.records = RECORDS;
	p.every = RECORDS / 2;
	c.in_end = p.in + RECORDS;
	if (exo_call(EXO_PAGE_ALLOC, READ_PAGE, 0, 0) < 0 ||
	    exo_call(EXO_PAGE_ALLOC, WRITE_PAGE, 0, 0) < 0 ||
	    exo_call(EXO_BLOCK_BIND, p.in, 2 * RECORDS, 0)) {
		exo_puts("libos-batched: cannot get its pages and blocks\n");
		return 3;
	}
	if (wl_run(&io, &p, &sum) || flush(&c))
		return 2;
	ksnprintf(line, sizeof(line),
		  "libos-batched: read-ahead hits %lu misses %lu, write-behind flushes %lu\n",
		  (unsigned long)c.hits, (unsigned long)c.misses, (unsigned long)c.flushes);
	exo_puts(line);
	return 0;
}
