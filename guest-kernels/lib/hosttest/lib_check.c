// SPDX-License-Identifier: MIT
/*
 * Host-side check of the guest library's pure parts, run by
 * tests/integration/guest_lib.sh: ksnprintf() against glibc's snprintf()
 * (the reference) over seeded random values and every supported format,
 * kstrtou64() and cmdline_get*() against hand-derived expectations,
 * memset() against a byte loop.
 * Prints one line per failure and a summary; exit status 1 on any failure.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bootinfo.h"
#include "kstring.h"
#include "printf.h"
#include "uart.h"

/* printf.c's UART sink is not used here. */
void uart_putc(char c)
{
	(void)c;
}

static int failures;

#define CHECK(cond, ...)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			failures++;                                                                \
			printf("FAIL: " __VA_ARGS__);                                              \
			printf("\n");                                                              \
		}                                                                                  \
	} while (0)

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* A value with a random number of significant bits, so short and long numbers both occur. */
static uint64_t value(void)
{
	unsigned bits = next() % 65;

	return bits == 64 ? next() : next() & ((1ull << bits) - 1);
}

#define COMPARE(fmt, ...)                                                                          \
	do {                                                                                       \
		char want[128], got[128];                                                          \
		int nw = snprintf(want, sizeof(want), fmt, __VA_ARGS__);                           \
		int ng = ksnprintf(got, sizeof(got), fmt, __VA_ARGS__);                            \
		CHECK(nw == ng && strcmp(want, got) == 0,                                          \
		      "format \"%s\": want \"%s\" (%d), got \"%s\" (%d)", fmt, want, nw, got, ng); \
	} while (0)

static void check_printf(void)
{
	for (int i = 0; i < 20000; i++) {
		uint64_t u = value();
		int64_t d = (int64_t)u;
		int w = (int)(next() % 24);

		COMPARE("%d|%i|%u|%x|%X", (int)u, (int)u, (unsigned)u, (unsigned)u, (unsigned)u);
		COMPARE("%ld|%lu|%lx|%lld|%llu|%llx", (long)d, (unsigned long)u, (unsigned long)u,
			(long long)d, (unsigned long long)u, (unsigned long long)u);
		COMPARE("%zu|%zx", (size_t)u, (size_t)u);
		COMPARE("[%*d] [%-*d] [%0*d]", w, (int)u, w, (int)u, w, (int)u);
		COMPARE("[%*lx] [%-*lx] [%0*lx] [%#lx] [%#X] [%#018lx]", w, (unsigned long)u, w,
			(unsigned long)u, w, (unsigned long)u, (unsigned long)u, (unsigned)u,
			(unsigned long)u);
		COMPARE("[%8u] [%08u] [%-8u] [%016llx]", (unsigned)u, (unsigned)u, (unsigned)u,
			(unsigned long long)u);
		COMPARE("[%c] [%5c] [%-3c] %%", (char)(32 + u % 95), (char)(33 + u % 90), 'z');
		COMPARE("[%s] [%10s] [%-10s]", "abc", "hello", "x");
	}
	/* glibc prints (nil) for a NULL %p; ours always prints 0x and 16 digits. */
	{
		char got[64];

		ksnprintf(got, sizeof(got), "%p", (void *)(uintptr_t)0xffffffff80001234ull);
		CHECK(strcmp(got, "0xffffffff80001234") == 0, "%%p: got %s", got);
		ksnprintf(got, sizeof(got), "%p", (void *)0x1000);
		CHECK(strcmp(got, "0x0000000000001000") == 0, "%%p: got %s", got);
	}
	/* Truncation: NUL-terminated, return value is the full length, as C99 says. */
	{
		char small[6];
		int n = ksnprintf(small, sizeof(small), "%s-%d", "abcdef", 42);

		CHECK(n == 9 && strcmp(small, "abcde") == 0, "truncation: %d \"%s\"", n, small);
		n = ksnprintf(NULL, 0, "%d", 12345);
		CHECK(n == 5, "size 0: %d", n);
	}
}

static void check_strtou64(void)
{
	static const struct {
		const char *in;
		int ok;
		uint64_t v;
		const char *rest;
	} cases[] = {
	    {"0", 1, 0, ""},
	    {"42", 1, 42, ""},
	    {"0x1F", 1, 31, ""},
	    {"0xfeb00e00:12", 1, 0xfeb00e00, ":12"},
	    {"512@0xfeb00e00", 1, 512, "@0xfeb00e00"},
	    {"4K", 1, 4096, ""},
	    {"16M", 1, 16 << 20, ""},
	    {"2G", 1, 2ull << 30, ""},
	    {"18446744073709551615", 1, UINT64_MAX, ""},
	    {"18446744073709551616", 0, 0, NULL},
	    {"0xffffffffffffffff", 1, UINT64_MAX, ""},
	    {"0x10000000000000000", 0, 0, NULL},
	    {"17179869184G", 0, 0, NULL},
	    {"", 0, 0, NULL},
	    {"x1", 0, 0, NULL},
	    {"0x", 0, 0, NULL},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t v = 0;
		const char *end = kstrtou64(cases[i].in, &v);

		if (!cases[i].ok) {
			CHECK(end == NULL, "kstrtou64(\"%s\") accepted", cases[i].in);
			continue;
		}
		CHECK(end && v == cases[i].v && strcmp(end, cases[i].rest) == 0,
		      "kstrtou64(\"%s\"): got %" PRIu64 " rest \"%s\"", cases[i].in, v,
		      end ? end : "(null)");
	}
}

static void check_cmdline(void)
{
	const char *cl = "console=ttyS0  iters=300 quiet virtio_mmio.device=512@0xfeb00e00:12 "
			 "virtio_mmio.device=512@0xfeb00c00:11 iters2=5 big=0x123456789abcdef01234";
	char buf[64];
	uint64_t v;

	CHECK(cmdline_get(cl, "console", 0, buf, sizeof(buf)) == 5 && !strcmp(buf, "ttyS0"),
	      "console");
	CHECK(cmdline_get(cl, "quiet", 0, buf, sizeof(buf)) == 0 && !strcmp(buf, ""), "bare word");
	CHECK(cmdline_get(cl, "virtio_mmio.device", 0, buf, sizeof(buf)) == 17 &&
		  !strcmp(buf, "512@0xfeb00e00:12"),
	      "first device: %s", buf);
	CHECK(cmdline_get(cl, "virtio_mmio.device", 1, buf, sizeof(buf)) == 17 &&
		  !strcmp(buf, "512@0xfeb00c00:11"),
	      "second device: %s", buf);
	CHECK(cmdline_get(cl, "virtio_mmio.device", 2, buf, sizeof(buf)) == -1, "third device");
	CHECK(cmdline_get(cl, "virtio", 0, buf, sizeof(buf)) == -1, "key prefix must not match");
	CHECK(cmdline_get(cl, "console", 0, buf, 5) == -2, "too small buffer");
	CHECK(cmdline_get("", "iters", 0, buf, sizeof(buf)) == -1, "empty cmdline");
	CHECK(cmdline_get_u64(cl, "iters", &v) == 0 && v == 300, "iters");
	CHECK(cmdline_get_u64(cl, "iters2", &v) == 0 && v == 5, "iters2");
	CHECK(cmdline_get_u64(cl, "nothere", &v) == -1, "absent number");
	CHECK(cmdline_get_u64(cl, "console", &v) == -2, "non-number");
	CHECK(cmdline_get_u64(cl, "big", &v) == -2, "overflowing number");
	CHECK(cmdline_get_u64(cl, "quiet", &v) == -2, "empty number");
}

/* memset() (word stores between byte heads and tails) against a byte-by-byte reference. */
static void check_memset(void)
{
	unsigned char got[96], want[96];

	for (size_t off = 0; off < 16; off++) {
		for (size_t n = 0; n + off <= sizeof(got); n++) {
			for (size_t i = 0; i < sizeof(got); i++)
				got[i] = want[i] = (unsigned char)(i * 7 + 1);
			for (size_t i = off; i < off + n; i++)
				want[i] = 0xa5;
			CHECK(memset(got + off, 0xa5, n) == got + off, "memset's return value");
			CHECK(memcmp(got, want, sizeof(got)) == 0, "memset(buf + %zu, 0xa5, %zu)",
			      off, n);
		}
	}
}

int main(void)
{
	check_memset();
	check_printf();
	check_strtou64();
	check_cmdline();
	printf("guest lib host check: %s (%d failures)\n", failures ? "FAILED" : "ok", failures);
	return failures ? 1 : 0;
}
