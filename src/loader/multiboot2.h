/* SPDX-License-Identifier: MIT */
/*
 * Multiboot2 (The Multiboot2 Specification, version 2.0): the constants
 * and layouts minivmm reads and writes, named after the specification's
 * sections. Debian ships no <multiboot2.h>, so they are written here from
 * the text of the specification; everything is little-endian and every
 * tag starts on an 8-byte boundary.
 */
#ifndef MINIVMM_MULTIBOOT2_H
#define MINIVMM_MULTIBOOT2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MB2_HEADER_MAGIC 0xe85250d6u	 /* 3.1.2, in the OS image */
#define MB2_BOOTLOADER_MAGIC 0x36d76289u /* 3.3, in EAX at the entry */
#define MB2_SEARCH 32768		 /* the header lies within the first 32 KiB */
#define MB2_ALIGN 8			 /* header, tags and the information structure */
#define MB2_ARCH_I386 0			 /* 32-bit protected mode */

/* Header tags (3.1.3-3.1.13): u16 type, u16 flags, u32 size. */
#define MB2_HT_END 0
#define MB2_HT_INFO_REQUEST 1
#define MB2_HT_ADDRESS 2
#define MB2_HT_ENTRY 3
#define MB2_HT_CONSOLE_FLAGS 4
#define MB2_HT_FRAMEBUFFER 5
#define MB2_HT_MODULE_ALIGN 6
#define MB2_HT_EFI_BS 7
#define MB2_HT_ENTRY_EFI32 8
#define MB2_HT_ENTRY_EFI64 9
#define MB2_HT_RELOCATABLE 10
#define MB2_HT_OPTIONAL 1      /* flags bit 0: the boot loader may ignore the tag */
#define MB2_CONSOLE_REQUIRED 1 /* console flags bit 0: a console must be described */

/* Boot information tags (3.6): u32 type, u32 size. */
#define MB2_IT_END 0
#define MB2_IT_CMDLINE 1
#define MB2_IT_LOADER_NAME 2
#define MB2_IT_MODULE 3
#define MB2_IT_BASIC_MEMINFO 4
#define MB2_IT_MMAP 6
#define MB2_IT_ACPI_OLD 14
#define MB2_IT_ACPI_NEW 15
#define MB2_IT_LOAD_BASE 21
#define MB2_MMAP_AVAILABLE 1
#define MB2_MMAP_RESERVED 2
#define MB2_MMAP_ENTRY_SIZE 24 /* u64 base_addr, u64 length, u32 type, u32 reserved */
#define MB2_RSDP_V1_LEN 20     /* ACPI 1.0's RSDP */
#define MB2_RSDP_V2_LEN 36     /* ACPI 2.0+'s, with the XSDT address */

/* What minivmm found in a Multiboot2 header: the tags that change how it loads. */
struct mb2_header {
	uint32_t offset; /* file offset of the magic */
	uint32_t length; /* header_length */
	bool has_address;
	uint32_t header_addr, load_addr, load_end_addr, bss_end_addr;
	bool has_entry;
	uint32_t entry_addr;
	bool relocatable, reloc_optional;
	uint32_t reloc_min, reloc_max;
};

/*
 * Look for a header (magic at an 8-byte boundary of buf, checksum right,
 * header_length within buf) in the first len bytes of a file; 1 and
 * h->offset/length set when there is one, else 0.
 */
int mb2_header_find(const uint8_t *buf, size_t len, struct mb2_header *h);

/*
 * Read the tags of the header mb2_header_find() found. 0, or -1 with one
 * line in err: architecture other than i386, a tag that overruns the
 * header or has the wrong size, no end tag, a required tag minivmm does
 * not know or cannot honour (framebuffer, a required console), or a
 * required information request for a tag minivmm does not provide.
 */
int mb2_header_parse(const uint8_t *buf, size_t len, struct mb2_header *h, char *err,
		     size_t err_len);

#endif
