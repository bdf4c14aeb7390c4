// SPDX-License-Identifier: MIT
/*
 * fpmath: a guest compiled with gcc's x86-64 defaults, so its C uses SSE2
 * for every double (fp.c). SSE is switched on first (lib/fpu.c); exit 0,
 * or 3 when CPUID lacks FXSR/SSE/SSE2 (then nothing of fp.c runs). This
 * file does only integer work.
 */
#include "fp.h"
#include "fpu.h"
#include "guest.h"
#include "printf.h"

static void emit(const char *line)
{
	kprintf("%s", line);
}

int guest_main(const char *cmdline)
{
	uint32_t edx;

	(void)cmdline;
	kprintf("minivmm fpmath guest\n");
	if (fpu_enable_sse(&edx)) {
		kprintf("fpmath: CPUID lacks FXSR/SSE/SSE2 (edx=0x%x)\n", edx);
		return 3;
	}
	fpmath_run(emit);
	return 0;
}
