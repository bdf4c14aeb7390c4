/* SPDX-License-Identifier: MIT */
/* The Multiboot guests' output: COM1 polled, isa-debug-exit, and a few number formats. */
#ifndef MBTEST_IO_H
#define MBTEST_IO_H

#include <stdint.h>

#define DEBUG_EXIT 0xf4
#define MAX_SHOWN 64 /* bytes of a module's contents printed */

void outb(uint16_t port, uint8_t v);
void puts_serial(const char *s);
void put_hex(uint32_t v);
void put_dec(uint32_t v);
/* Printable bytes as they are, everything else as '.', up to MAX_SHOWN. */
void put_contents(const uint8_t *p, uint32_t len);

#endif
