// SPDX-License-Identifier: MIT
/*
 * Double-precision work as compiled code uses it: Simpson integration,
 * square roots (SQRTSD, and Newton's method), a series, conversions, and
 * SSE2 string routines (16 bytes at a time with the SSE2 intrinsics).
 * Doubles are printed by fmt_double below, so guest and host format them
 * the same way without a libc.
 */
#include "fp.h"

#include <emmintrin.h>
#include <stddef.h>
#include <stdint.h>

/* strlen with PCMPEQB/PMOVMSKB on aligned 16-byte blocks (never crosses a page). */
static size_t sse_strlen(const char *s)
{
	uintptr_t a = (uintptr_t)s & ~(uintptr_t)15;
	unsigned skip = (unsigned)((uintptr_t)s - a);
	__m128i z = _mm_setzero_si128();
	unsigned m =
	    (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_load_si128((const __m128i *)a), z));

	m &= ~0u << skip;
	while (!m) {
		a += 16;
		m = (unsigned)_mm_movemask_epi8(
		    _mm_cmpeq_epi8(_mm_load_si128((const __m128i *)a), z));
	}
	return a + (unsigned)__builtin_ctz(m) - (uintptr_t)s;
}

/* memcpy with unaligned 16-byte loads and stores, the tail bytewise. */
static void sse_memcpy(void *dst, const void *src, size_t n)
{
	char *d = dst;
	const char *s = src;

	for (; n >= 16; n -= 16, d += 16, s += 16)
		_mm_storeu_si128((__m128i *)d, _mm_loadu_si128((const __m128i *)s));
	while (n--)
		*d++ = *s++;
}

static char *put_str(char *p, const char *s)
{
	size_t n = sse_strlen(s);

	sse_memcpy(p, s, n);
	return p + n;
}

static char *put_u64(char *p, uint64_t v)
{
	char t[24];
	int n = 0;

	do
		t[n++] = (char)('0' + v % 10);
	while (v /= 10);
	while (n)
		*p++ = t[--n];
	return p;
}

/* x with `digits` decimals, rounded half up on the decimal value (|x| < 1e15). */
static char *fmt_double(char *p, double x, int digits)
{
	uint64_t scale = 1, ip, fp;
	double r;
	int i;

	if (x != x)
		return put_str(p, "nan");
	if (x < 0) {
		*p++ = '-';
		x = -x;
	}
	if (x > 1e15)
		return put_str(p, "inf");
	for (i = 0; i < digits; i++)
		scale *= 10;
	r = x * (double)scale + 0.5;
	ip = (uint64_t)r / scale;
	fp = (uint64_t)r % scale;
	p = put_u64(p, ip);
	if (digits) {
		char t[24];

		*p++ = '.';
		for (i = digits - 1; i >= 0; i--, fp /= 10)
			t[i] = (char)('0' + fp % 10);
		sse_memcpy(p, t, (size_t)digits);
		p += digits;
	}
	return p;
}

static void line(void (*emit)(const char *), const char *label, double v, int digits)
{
	char buf[128], *p = put_str(buf, label);

	p = fmt_double(p, v, digits);
	*p++ = '\n';
	*p = '\0';
	emit(buf);
}

/* Simpson's rule for 4 / (1 + x^2) on [0, 1] with n intervals: pi. */
static double simpson_pi(int n)
{
	double h = 1.0 / n, s = 0;

	for (int i = 0; i <= n; i++) {
		double x = i * h, f = 4.0 / (1.0 + x * x);

		s += (i == 0 || i == n) ? f : (i & 1) ? 4 * f : 2 * f;
	}
	return s * h / 3;
}

static double newton_sqrt(double a)
{
	double x = a > 1 ? a : 1;

	for (int i = 0; i < 60; i++)
		x = 0.5 * (x + a / x);
	return x;
}

/* e = sum 1/k! */
static double series_e(void)
{
	double e = 1, t = 1;

	for (int k = 1; k < 20; k++) {
		t /= k;
		e += t;
	}
	return e;
}

void fpmath_run(void (*emit)(const char *line))
{
	static const char text[] = "the quick brown fox jumps over the lazy dog, twice over";
	_Alignas(16) char copy[sizeof(text) + 32];
	volatile double two = 2.0, big = 123456789.125;
	char buf[96], *p;

	line(emit, "fpmath: simpson pi (n=1000) = ", simpson_pi(1000), 12);
	line(emit, "fpmath: sqrt(2) sqrtsd = ", __builtin_sqrt(two), 15);
	line(emit, "fpmath: sqrt(2) newton = ", newton_sqrt(two), 15);
	line(emit, "fpmath: e series = ", series_e(), 15);
	line(emit, "fpmath: 1/3 = ", 1.0 / 3.0, 15);
	line(emit, "fpmath: -big/7 = ", -big / 7, 6);
	line(emit, "fpmath: (int)(big*3) = ", (double)(int64_t)(big * 3), 0);
	sse_memcpy(copy + 3, text, sizeof(text));
	p = put_str(buf, "fpmath: strlen=");
	p = put_u64(p, sse_strlen(copy + 3));
	p = put_str(p, " copy=");
	sse_memcpy(p, copy + 3 + 4, 15);
	p += 15;
	*p++ = '\n';
	*p = '\0';
	emit(buf);
}
