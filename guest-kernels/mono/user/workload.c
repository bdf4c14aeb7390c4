// SPDX-License-Identifier: MIT
/*
 * mono's workload program (ring 3): the shared workload (lib/workload.h)
 * with the disk reached by one system call per record and direction, and
 * the console by int 0x80.
 */
#include "ulib.h"
#include "workload.h"

static int disk_read(void *ctx, uint64_t sector, void *buf, uint32_t count)
{
	(void)ctx;
	for (uint32_t i = 0; i < count; i++)
		if (sys_disk_read(sector + i, (char *)buf + i * WL_RECORD_BYTES))
			return -1;
	return 0;
}

static int disk_write(void *ctx, uint64_t sector, const void *buf, uint32_t count)
{
	(void)ctx;
	for (uint32_t i = 0; i < count; i++)
		if (sys_disk_write(sector + i, (const char *)buf + i * WL_RECORD_BYTES))
			return -1;
	return 0;
}

static void print(void *ctx, const char *text)
{
	(void)ctx;
	uputs(text);
}

int main(uint64_t a0, uint64_t a1)
{
	static char cmdline[1024];
	const struct wl_io io = {NULL, disk_read, disk_write, print};
	struct wl_params p;
	uint64_t sum;

	(void)a0;
	(void)a1;
	if (sys_cmdline(cmdline, sizeof(cmdline)) < 0 || wl_parse(cmdline, &p, &io))
		return 4;
	return wl_run(&io, &p, &sum) ? 2 : 0;
}
