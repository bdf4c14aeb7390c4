// SPDX-License-Identifier: MIT
/*
 * fpbench: a fixed amount of x87 and SSE2 work (work.c, gcc's x86-64
 * defaults) for `make bench`. "iters=N" (default 200) rounds; prints a
 * checksum host/check.c reproduces; exit 0, 2 for a bad iters=, 3 when
 * CPUID lacks FXSR/SSE/SSE2.
 */
#include "bootinfo.h"
#include "fpu.h"
#include "guest.h"
#include "printf.h"
#include "work.h"

int guest_main(const char *cmdline)
{
	uint64_t iters = 200;
	uint32_t edx;

	kprintf("minivmm fpbench guest\n");
	if (cmdline_get_u64(cmdline, "iters", &iters) == -2) {
		kprintf("fpbench: bad iters= on the command line\n");
		return 2;
	}
	if (fpu_enable_sse(&edx)) {
		kprintf("fpbench: CPUID lacks FXSR/SSE/SSE2 (edx=0x%x)\n", edx);
		return 3;
	}
	kprintf("fpbench: iters=%lu\n", iters);
	kprintf("fpbench: checksum=0x%016lx\n", fpbench_run(iters));
	return 0;
}
