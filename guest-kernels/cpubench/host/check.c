// SPDX-License-Identifier: MIT
/*
 * Host build of the cpubench workload: prints the checksum line the guest
 * must print for the same iters, computed by the host CPU.
 * Usage: check ITERS
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "../workload.h"

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s ITERS\n", argv[0]);
		return 2;
	}
	printf("cpubench: checksum=0x%016" PRIx64 "\n", cpubench_run(strtoull(argv[1], NULL, 0)));
	return 0;
}
