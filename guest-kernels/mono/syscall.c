// SPDX-License-Identifier: MIT
/*
 * mono's system-call table: one service procedure per call, looked up by
 * number. This is the "main program -> service procedures -> utility
 * procedures" structure of a monolithic kernel: the trap handler (main.c)
 * is the main program, the table below the services, util.c the utilities.
 * Everything runs in ring 0 in one address space with the drivers.
 */
#include "abi.h"
#include "kstring.h"
#include "mono.h"
#include "printf.h"
#include "workload.h"

typedef int64_t (*service_fn)(struct process *p, uint64_t a0, uint64_t a1);

static int64_t sys_exit(struct process *p, uint64_t code, uint64_t unused)
{
	(void)p;
	(void)unused;
	mono_exit_current((int64_t)code);
	return 0;
}

static int64_t sys_write(struct process *p, uint64_t text, uint64_t len)
{
	const char *s = util_user_ptr(p, text, len);

	if (!s)
		return E_FAULT;
	for (uint64_t i = 0; i < len; i++)
		kprintf("%c", s[i]);
	return (int64_t)len;
}

static int64_t sys_disk_rw(struct process *p, uint64_t sector, uint64_t buf, int write)
{
	void *b = util_user_ptr(p, buf, WL_RECORD_BYTES);

	if (!b)
		return E_FAULT;
	return util_disk_rw(write, sector, b) ? E_IO : 0;
}

static int64_t sys_disk_read(struct process *p, uint64_t sector, uint64_t buf)
{
	return sys_disk_rw(p, sector, buf, 0);
}

static int64_t sys_disk_write(struct process *p, uint64_t sector, uint64_t buf)
{
	return sys_disk_rw(p, sector, buf, 1);
}

static int64_t sys_cmdline(struct process *p, uint64_t buf, uint64_t size)
{
	const char *c = util_cmdline();
	uint64_t n = strlen(c) + 1;
	char *b = util_user_ptr(p, buf, size);

	if (!b || size < n)
		return E_FAULT;
	memcpy(b, c, n);
	return (int64_t)n;
}

static const service_fn table[SYS_COUNT] = {
    [SYS_EXIT] = sys_exit,	     [SYS_WRITE] = sys_write,
    [SYS_DISK_READ] = sys_disk_read, [SYS_DISK_WRITE] = sys_disk_write,
    [SYS_CMDLINE] = sys_cmdline,
};

int64_t syscall_dispatch(struct process *p, uint64_t nr, uint64_t a0, uint64_t a1)
{
	if (nr >= SYS_COUNT)
		return E_NOSYS;
	return table[nr](p, a0, a1);
}
