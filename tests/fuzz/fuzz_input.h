/* SPDX-License-Identifier: MIT */
/*
 * Reading a libFuzzer input as a stream of little-endian fields. Past the
 * end every read yields zeros, so a target never has to check lengths and
 * a truncated input simply means "the rest is zero".
 */
#ifndef FUZZ_INPUT_H
#define FUZZ_INPUT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct fuzz_in {
	const uint8_t *p;
	size_t len, pos;
};

static inline void fin_init(struct fuzz_in *in, const uint8_t *data, size_t len)
{
	in->p = data;
	in->len = len;
	in->pos = 0;
}

static inline size_t fin_left(const struct fuzz_in *in)
{
	return in->len - in->pos;
}

/* Copy n bytes (zeros past the end); returns how many came from the input. */
static inline size_t fin_bytes(struct fuzz_in *in, void *dst, size_t n)
{
	size_t k = fin_left(in) < n ? fin_left(in) : n;

	memcpy(dst, in->p + in->pos, k);
	memset((uint8_t *)dst + k, 0, n - k);
	in->pos += k;
	return k;
}

static inline uint64_t fin_uint(struct fuzz_in *in, unsigned bytes)
{
	uint8_t b[8];
	uint64_t v = 0;

	fin_bytes(in, b, bytes);
	for (unsigned i = 0; i < bytes; i++)
		v |= (uint64_t)b[i] << (8 * i);
	return v;
}

static inline uint8_t fin_u8(struct fuzz_in *in)
{
	return (uint8_t)fin_uint(in, 1);
}

static inline uint16_t fin_u16(struct fuzz_in *in)
{
	return (uint16_t)fin_uint(in, 2);
}

static inline uint32_t fin_u32(struct fuzz_in *in)
{
	return (uint32_t)fin_uint(in, 4);
}

static inline uint64_t fin_u64(struct fuzz_in *in)
{
	return fin_uint(in, 8);
}

/* An access size of 1, 2, 4 or 8 bytes from two bits. */
static inline unsigned fin_size(struct fuzz_in *in)
{
	return 1u << (fin_u8(in) & 3);
}

#endif
