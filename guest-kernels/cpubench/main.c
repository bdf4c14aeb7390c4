// SPDX-License-Identifier: MIT
/*
 * cpubench: a compute-bound guest for the CPU benchmarks. The command line
 * gives the number of rounds ("iters=N", default 1000); the guest prints a
 * checksum that host/check.c reproduces on the host CPU, and exits 0
 * (2 when iters= is malformed).
 */
#include "bootinfo.h"
#include "guest.h"
#include "printf.h"
#include "workload.h"

#define DEFAULT_ITERS 1000

int guest_main(const char *cmdline)
{
	uint64_t iters = DEFAULT_ITERS;

	kprintf("minivmm cpubench guest\n");
	if (cmdline_get_u64(cmdline, "iters", &iters) == -2) {
		kprintf("cpubench: bad iters= on the command line\n");
		return 2;
	}
	kprintf("cpubench: iters=%lu\n", iters);
	kprintf("cpubench: checksum=0x%016lx\n", cpubench_run(iters));
	return 0;
}
