// SPDX-License-Identifier: MIT
/* exo's user library: the entry and the raw kernel call (../abi.h). */
#include "ulib.h"
#include "kstring.h"
#include "printf.h"

__attribute__((section(".text.start"), noreturn)) void _start(uint64_t a0, uint64_t a1);

void _start(uint64_t a0, uint64_t a1)
{
	exo_exit(main(a0, a1));
}

int64_t exo_call(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2)
{
	int64_t r;

	__asm__ volatile("syscall"
			 : "=a"(r)
			 : "a"(nr), "D"(a0), "S"(a1), "d"(a2)
			 : "rcx", "r11", "memory");
	return r;
}

void exo_exit(int64_t code)
{
	exo_call(EXO_EXIT, (uint64_t)code, 0, 0);
	for (;;)
		;
}

void exo_puts(const char *s)
{
	exo_call(EXO_CONSOLE, (uint64_t)(uintptr_t)s, strlen(s), 0);
}

void exo_report(const char *who, const char *what, int64_t r)
{
	char line[128];

	ksnprintf(line, sizeof(line), "%s: %s returned %ld\n", who, what, (long)r);
	exo_puts(line);
}

void exo_print(void *ctx, const char *text)
{
	(void)ctx;
	exo_puts(text);
}

const char *exo_cmdline(void)
{
	static char buf[1024];

	return exo_call(EXO_CMDLINE, (uint64_t)(uintptr_t)buf, sizeof(buf), 0) < 0 ? NULL : buf;
}
