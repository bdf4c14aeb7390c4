/* SPDX-License-Identifier: MIT */
/*
 * The cpubench workload: pure integer C with no dependencies, so the same
 * file also builds for the host (host/check.c), whose CPU is then the
 * reference for the checksum the guest prints.
 */
#ifndef CPUBENCH_WORKLOAD_H
#define CPUBENCH_WORKLOAD_H

#include <stdint.h>

/*
 * Run iters rounds of: fill 32 words from a 64-bit LCG, insertion-sort
 * them, CRC-32 (bitwise, reflected polynomial 0xedb88320) the sorted bytes,
 * divide and multiply a little, and fold everything into the returned checksum.
 */
uint64_t cpubench_run(uint64_t iters);

#endif
