// SPDX-License-Identifier: MIT
/* The hvt library OS: each service is one hypercall. */
#include "solo5/hvt.h"

#include <stdarg.h>

#include "kstring.h"
#include "printf.h"

void hvt_start(const struct solo5_hvt_boot_info *bi) __attribute__((noreturn));

void hvt_start(const struct solo5_hvt_boot_info *bi)
{
	hvt_halt(hvt_main(bi), NULL);
}

void hvt_puts(const char *s, size_t len)
{
	volatile struct solo5_hc_puts a = {(uint64_t)(uintptr_t)s, len};

	hvt_hypercall(SOLO5_HC_PUTS, &a);
}

int hvt_printf(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = kvsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	hvt_puts(buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
	return n;
}

uint64_t hvt_walltime(void)
{
	volatile struct solo5_hc_walltime a = {0};

	hvt_hypercall(SOLO5_HC_WALLTIME, &a);
	return a.nsecs;
}

int hvt_poll(uint64_t ns, uint64_t *ready_set)
{
	volatile struct solo5_hc_poll a = {.timeout_nsecs = ns, .ret = -1};

	hvt_hypercall(SOLO5_HC_POLL, &a);
	if (ready_set)
		*ready_set = a.ready_set;
	return a.ret;
}

int hvt_block_write(uint64_t handle, uint64_t offset, const void *data, uint64_t len)
{
	volatile struct solo5_hc_block a = {handle, offset, (uint64_t)(uintptr_t)data, len, -1, 0};

	hvt_hypercall(SOLO5_HC_BLOCK_WRITE, &a);
	return a.ret;
}

int hvt_block_read(uint64_t handle, uint64_t offset, void *data, uint64_t len)
{
	volatile struct solo5_hc_block a = {handle, offset, (uint64_t)(uintptr_t)data, len, -1, 0};

	hvt_hypercall(SOLO5_HC_BLOCK_READ, &a);
	return a.ret;
}

void hvt_halt(int status, void *cookie)
{
	volatile struct solo5_hc_halt a = {(uint64_t)(uintptr_t)cookie, status, 0};

	for (;;)
		hvt_hypercall(SOLO5_HC_HALT, &a);
}

int hvt_block_handle(const struct solo5_hvt_boot_info *bi, const char *name)
{
	for (uint32_t i = 1; i < hvt_manifest(bi)->entries; i++) {
		const struct solo5_mft_entry *e = hvt_entry(bi, i);

		if (e->type == SOLO5_MFT_BLOCK_BASIC && e->attached && !strcmp(e->name, name))
			return (int)i;
	}
	return -1;
}
