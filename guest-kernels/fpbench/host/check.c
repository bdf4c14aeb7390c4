// SPDX-License-Identifier: MIT
/* Host build of fpbench's work: the checksum line the guest must print. Usage: check ITERS */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "../work.h"

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s ITERS\n", argv[0]);
		return 2;
	}
	printf("fpbench: checksum=0x%016" PRIx64 "\n", fpbench_run(strtoull(argv[1], NULL, 0)));
	return 0;
}
