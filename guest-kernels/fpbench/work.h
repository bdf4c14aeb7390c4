/* SPDX-License-Identifier: MIT */
/* fpbench's fixed floating-point work (x87 long double and SSE2 double), shared with host/check.c.
 */
#ifndef FPBENCH_WORK_H
#define FPBENCH_WORK_H

#include <stdint.h>

/* iters rounds of the work; a checksum of every result's bits. */
uint64_t fpbench_run(uint64_t iters);

#endif
