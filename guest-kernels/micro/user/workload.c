// SPDX-License-Identifier: MIT
/*
 * micro's workload client: the shared workload (lib/workload.h) with every
 * record read and written by a call to the file server, granting it the
 * page the record is in (the device reads or writes that page), and every
 * line printed by a call to the serial server (copied through the window).
 */
#include "kstring.h"
#include "ulib.h"
#include "workload.h"

static char window[IPC_WINDOW] __attribute__((aligned(4096)));
/* The one page we grant: workload buffers are not page-aligned, and a grant shows a whole page. */
static char record_page[4096] __attribute__((aligned(4096)));

static int record_io(uint64_t op, uint64_t sector, void *buf, uint32_t count)
{
	for (uint32_t i = 0; i < count; i++) {
		uint64_t w[4] = {op, sector + i, 0, 0};
		char *b = (char *)buf + i * WL_RECORD_BYTES;
		struct msg r;

		if (op == FS_WRITE)
			memcpy(record_page, b, WL_RECORD_BYTES);
		if (ipc_call_grant(TID_FILE, w, record_page, &r) || r.w[0])
			return -1;
		if (op == FS_READ)
			memcpy(b, record_page, WL_RECORD_BYTES);
	}
	return 0;
}

static int disk_read(void *ctx, uint64_t sector, void *buf, uint32_t count)
{
	(void)ctx;
	return record_io(FS_READ, sector, buf, count);
}

static int disk_write(void *ctx, uint64_t sector, const void *buf, uint32_t count)
{
	(void)ctx;
	return record_io(FS_WRITE, sector, (void *)(uintptr_t)buf, count);
}

static void print(void *ctx, const char *text)
{
	(void)ctx;
	uputs(window, text);
}

/* a0: the command line, which the kernel put at the top of our memory. */
int main(uint64_t cmdline, uint64_t a1, uint64_t a2)
{
	const struct wl_io io = {NULL, disk_read, disk_write, print};
	struct wl_params p;
	uint64_t sum;

	(void)a1;
	(void)a2;
	ipc_window(window);
	if (wl_parse((const char *)(uintptr_t)cmdline, &p, &io))
		return 4;
	return wl_run(&io, &p, &sum) ? 2 : 0;
}
