/* SPDX-License-Identifier: MIT */
/*
 * A small printf for the guests.
 *
 * Conversions: %d %i %u %x %X %p %s %c %%, length modifiers l, ll, z;
 * flags '-' (left-justify), '0' (zero-pad), '#' (0x prefix for %x);
 * a field width (digits or '*'). %p prints 0x and 16 hex digits.
 * No floating point, no precision.
 */
#ifndef GUEST_PRINTF_H
#define GUEST_PRINTF_H

#include <stdarg.h>
#include <stddef.h>

/* Print to the UART ("\n" becomes "\r\n"). Returns the characters formatted. */
int kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int kvprintf(const char *fmt, va_list ap);

/* Format into buf (always NUL-terminated when size > 0); returns the full length. */
int ksnprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

#endif
