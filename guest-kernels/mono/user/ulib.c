// SPDX-License-Identifier: MIT
/* mono's user library: the program entry and one wrapper per system call (../abi.h). */
#include "ulib.h"
#include "../abi.h"
#include "kstring.h"

/* Linked first (lib/user.ld): the kernel starts every program here. */
__attribute__((section(".text.start"), noreturn)) void _start(uint64_t a0, uint64_t a1);

void _start(uint64_t a0, uint64_t a1)
{
	sys_exit(main(a0, a1));
}

/* `syscall` clobbers rcx (return rip) and r11 (rflags). */
static int64_t syscall2(uint64_t nr, uint64_t a0, uint64_t a1)
{
	int64_t r;

	__asm__ volatile("syscall" : "=a"(r) : "a"(nr), "D"(a0), "S"(a1) : "rcx", "r11", "memory");
	return r;
}

int64_t sys_write_int80(const char *text, uint64_t len)
{
	int64_t r;

	__asm__ volatile("int $0x80"
			 : "=a"(r)
			 : "a"((uint64_t)SYS_WRITE), "D"(text), "S"(len)
			 : "memory");
	return r;
}

int64_t sys_write(const char *text, uint64_t len)
{
	return syscall2(SYS_WRITE, (uint64_t)(uintptr_t)text, len);
}

int64_t sys_disk_read(uint64_t sector, void *buf)
{
	return syscall2(SYS_DISK_READ, sector, (uint64_t)(uintptr_t)buf);
}

int64_t sys_disk_write(uint64_t sector, const void *buf)
{
	return syscall2(SYS_DISK_WRITE, sector, (uint64_t)(uintptr_t)buf);
}

int64_t sys_cmdline(char *buf, uint64_t size)
{
	return syscall2(SYS_CMDLINE, (uint64_t)(uintptr_t)buf, size);
}

void sys_exit(int64_t code)
{
	syscall2(SYS_EXIT, (uint64_t)code, 0);
	for (;;)
		;
}

void uputs(const char *s)
{
	sys_write_int80(s, strlen(s));
}
