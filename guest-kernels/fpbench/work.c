// SPDX-License-Identifier: MIT
/*
 * fpbench's work per round: a 64-step x87 recurrence in long double
 * (FMUL/FADD/FDIV/FSQRT on 80-bit values) and a 64-element SSE2 double
 * kernel (a dot product, a polynomial by Horner, square roots), folded
 * into a checksum of the results' bit patterns. Deterministic: the host
 * build (host/check.c) prints the same checksum.
 */
#include "work.h"

#include <string.h>

static uint64_t bits_ld(long double v)
{
	uint64_t m;

	memcpy(&m, &v, sizeof(m)); /* the 64-bit significand */
	return m;
}

static uint64_t bits_d(double v)
{
	uint64_t m;

	memcpy(&m, &v, sizeof(m));
	return m;
}

static long double x87_round(uint64_t r)
{
	long double x = 1.0L + (long double)(r & 0xff) / 256.0L, acc = 0;

	for (int i = 0; i < 64; i++) {
		x = x * 1.000244140625L + 0.5L / (x + 1.0L);
		acc += __builtin_sqrtl(x);
	}
	return acc;
}

static double sse_round(uint64_t r)
{
	double a[64], b[64], dot = 0, poly = 0;

	for (int i = 0; i < 64; i++) {
		a[i] = (double)(int)((r >> (i & 31)) & 0xff) * 0.125 + i;
		b[i] = 1.0 / (1.0 + i);
	}
	for (int i = 0; i < 64; i++)
		dot += a[i] * b[i];
	for (int i = 63; i >= 0; i--)
		poly = poly * 0.99 + b[i];
	return dot + poly + __builtin_sqrt(dot);
}

uint64_t fpbench_run(uint64_t iters)
{
	uint64_t sum = 0x9e3779b97f4a7c15ULL;

	for (uint64_t r = 0; r < iters; r++) {
		sum = (sum ^ bits_ld(x87_round(r + sum))) * 0x100000001b3ULL;
		sum = (sum ^ bits_d(sse_round(r ^ sum))) * 0x100000001b3ULL;
	}
	return sum;
}
