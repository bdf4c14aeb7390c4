// SPDX-License-Identifier: MIT
#include "workload.h"

#define WORDS 32

static uint32_t crc32_bytes(uint32_t crc, const uint8_t *p, unsigned n)
{
	crc = ~crc;
	while (n--) {
		crc ^= *p++;
		for (int bit = 0; bit < 8; bit++)
			crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1)));
	}
	return ~crc;
}

static void insertion_sort(uint32_t *a, unsigned n)
{
	for (unsigned i = 1; i < n; i++) {
		uint32_t v = a[i];
		unsigned j = i;

		for (; j > 0 && a[j - 1] > v; j--)
			a[j] = a[j - 1];
		a[j] = v;
	}
}

uint64_t cpubench_run(uint64_t iters)
{
	uint64_t lcg = 0x853c49e6748fea9bull;
	uint64_t sum = 0;
	uint32_t words[WORDS];

	for (uint64_t i = 0; i < iters; i++) {
		uint32_t crc;

		for (unsigned k = 0; k < WORDS; k++) {
			lcg = lcg * 6364136223846793005ull + 1442695040888963407ull;
			words[k] = (uint32_t)(lcg >> 29);
		}
		insertion_sort(words, WORDS);
		crc = crc32_bytes((uint32_t)i, (const uint8_t *)words, sizeof(words));
		/* Signed and unsigned division keep div/idiv in the mix. */
		sum = (sum << 7 | sum >> 57) ^ crc;
		sum += (uint64_t)((int64_t)(int32_t)words[0] / ((int32_t)(crc | 1) >> 12 | 1));
		sum += words[WORDS - 1] % ((crc & 0xffff) | 1);
	}
	return sum;
}
