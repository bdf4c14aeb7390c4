// SPDX-License-Identifier: MIT
/*
 * gdbregs: x87 and SSE registers for the debugger test (tests/integration/
 * gdb_fp.sh). The guest loads known values (fp.S: ST0 = pi, xmm0 a fixed
 * pattern, MXCSR 0x3f80) and stops at fp_loaded, where gdb reads them and
 * writes others; then the guest prints what the registers hold, so the
 * test checks gdb's writes reached the vCPU's real state.
 */
#include "fpu.h"
#include "guest.h"
#include "printf.h"

void fp_load(void);
void fp_loaded(void);
void fp_store(uint8_t xmm1[16], uint32_t *mxcsr, double *st0);

int guest_main(const char *cmdline)
{
	uint8_t xmm1[16];
	uint32_t edx, mxcsr;
	union {
		double d;
		uint64_t bits;
	} st0;

	(void)cmdline;
	kprintf("minivmm gdbregs guest\n");
	if (fpu_enable_sse(&edx)) {
		kprintf("gdbregs: CPUID lacks FXSR/SSE/SSE2 (edx=0x%x)\n", edx);
		return 1;
	}
	fp_load();
	fp_loaded();
	fp_store(xmm1, &mxcsr, &st0.d);
	kprintf("gdbregs: xmm1=0x");
	for (int i = 15; i >= 0; i--)
		kprintf("%02x", xmm1[i]);
	kprintf(" mxcsr=0x%x st0=0x%016lx\n", mxcsr, st0.bits);
	return 0;
}
