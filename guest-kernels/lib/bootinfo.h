/* SPDX-License-Identifier: MIT */
/*
 * PVH boot information (struct hvm_start_info from Xen's own header) and
 * kernel command-line parsing.
 */
#ifndef GUEST_BOOTINFO_H
#define GUEST_BOOTINFO_H

#include <stddef.h>
#include <stdint.h>
#include <xen/arch-x86/hvm/start_info.h>

/* Record and check the start_info the loader passed in EBX; 0 if the magic is right, else -1. */
int start_info_init(uint32_t paddr);
/* The recorded start_info (valid after start_info_init() succeeded). */
const struct hvm_start_info *start_info(void);
/* The command line, "" when the loader gave none. */
const char *start_info_cmdline(void);
/*
 * The memory map (version >= 1) and its entry count, or NULL. Entries of
 * size 0 (QEMU's qboot leaves a trailing one) are the caller's to skip.
 */
const struct hvm_memmap_table_entry *start_info_memmap(uint32_t *count);

/*
 * Find the nth (from 0) word "key=value" (or a bare "key", value "") in a
 * space-separated command line and copy its value into buf. Returns the
 * value's length, -1 if there is no such word, -2 if the value does not fit.
 */
int cmdline_get(const char *cmdline, const char *key, unsigned nth, char *buf, size_t size);
/* The first "key=NUMBER" parsed with kstrtou64(): 0 on success, -1 if absent, -2 if malformed. */
int cmdline_get_u64(const char *cmdline, const char *key, uint64_t *out);

#endif
