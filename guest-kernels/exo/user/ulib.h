/* SPDX-License-Identifier: MIT */
/* The user side of exo's kernel calls (ulib.c), shared by its library OSes. */
#ifndef EXO_ULIB_H
#define EXO_ULIB_H

#include <stdint.h>

#include "../abi.h"

/* yield() to whoever is next (the kernel's round robin). */
#define YIELD_ANY (~0ul)

/* The batched library OS's own area: this many records in, as many out, after the main areas. */
#define BATCHED_RECORDS 16

/* Where the batched library OS keeps its cache pages (above its 256 KiB of memory). */
#define BATCHED_CACHE_VA (0x8000000000ul + 0x40000ul)

int64_t exo_call(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2);
void exo_exit(int64_t code) __attribute__((noreturn));
/* Print a NUL-terminated text on the console. */
void exo_puts(const char *s);
/* "WHO: WHAT returned R" on the console (the hostile programs' and the heir's findings). */
void exo_report(const char *who, const char *what, int64_t r);
/*
 * A workload print callback (struct wl_io) that only prints. Hidden: its
 * address is taken, and a flat binary has no GOT to load it from.
 */
__attribute__((visibility("hidden"))) void exo_print(void *ctx, const char *text);
/* The kernel command line into a static buffer (NULL when it does not fit). */
const char *exo_cmdline(void);

int main(uint64_t a0, uint64_t a1);

#endif
