/* SPDX-License-Identifier: MIT */
/*
 * String and memory helpers. memset/memcpy/memmove/memcmp keep their
 * standard names because gcc may emit calls to them on its own.
 */
#ifndef GUEST_KSTRING_H
#define GUEST_KSTRING_H

#include <stddef.h>
#include <stdint.h>

void *memset(void *dst, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);

/*
 * Parse an unsigned number: decimal, or hex with a 0x prefix, optionally
 * followed by a K, M or G suffix (powers of 1024). Returns a pointer just
 * past what was parsed, or NULL if there were no digits or it overflowed.
 */
const char *kstrtou64(const char *s, uint64_t *out);

#endif
