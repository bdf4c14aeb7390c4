// SPDX-License-Identifier: MIT
/*
 * The Multiboot2 header (specification 3.1): found by its magic at an
 * 8-byte boundary in the first 32 KiB with magic + architecture +
 * header_length + checksum = 0 (mod 2^32), then read tag by tag up to the
 * end tag. The file is the guest's: every size is checked against the
 * header before a field is read.
 */
#include "loader/multiboot2.h"

#include <stdio.h>
#include <string.h>

#include "loader/loader.h"

#define TAG_HDR 8 /* u16 type, u16 flags, u32 size */

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint16_t rd16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

int mb2_header_find(const uint8_t *buf, size_t len, struct mb2_header *h)
{
	for (size_t off = 0; off + 16 <= len && off < MB2_SEARCH; off += MB2_ALIGN) {
		uint32_t magic = rd32(buf + off), arch = rd32(buf + off + 4);
		uint32_t hlen = rd32(buf + off + 8), sum = rd32(buf + off + 12);

		if (magic != MB2_HEADER_MAGIC || (uint32_t)(magic + arch + hlen + sum) != 0)
			continue;
		if (hlen < 16 || hlen > len - off)
			continue;
		memset(h, 0, sizeof(*h));
		h->offset = (uint32_t)off;
		h->length = hlen;
		return 1;
	}
	return 0;
}

/* The information tags minivmm writes, by type (3.6), for the information request. */
static bool provided(uint32_t type, bool relocatable)
{
	switch (type) {
	case MB2_IT_END:
	case MB2_IT_CMDLINE:
	case MB2_IT_LOADER_NAME:
	case MB2_IT_MODULE:
	case MB2_IT_BASIC_MEMINFO:
	case MB2_IT_MMAP:
	case MB2_IT_ACPI_OLD:
	case MB2_IT_ACPI_NEW:
		return true;
	case MB2_IT_LOAD_BASE:
		return relocatable;
	default:
		return false;
	}
}

static int want_size(uint16_t type, uint32_t size, uint32_t want, char *err, size_t err_len)
{
	if (size == want)
		return 0;
	return loader_fail(err, err_len, "Multiboot2 header tag type %u has size %u, not %u", type,
			   size, want);
}

/* One tag at t (size already checked to lie within the header). */
static int parse_tag(const uint8_t *t, uint16_t type, uint16_t flags, uint32_t size,
		     struct mb2_header *h, char *err, size_t err_len)
{
	bool optional = flags & MB2_HT_OPTIONAL;

	switch (type) {
	case MB2_HT_INFO_REQUEST:
		if (size < TAG_HDR || (size - TAG_HDR) % 4)
			return want_size(type, size, TAG_HDR, err, err_len);
		return 0; /* checked once the relocatable tag is known: mb2_check_requests() */
	case MB2_HT_ADDRESS:
		if (want_size(type, size, 24, err, err_len))
			return -1;
		h->has_address = true;
		h->header_addr = rd32(t + 8);
		h->load_addr = rd32(t + 12);
		h->load_end_addr = rd32(t + 16);
		h->bss_end_addr = rd32(t + 20);
		return 0;
	case MB2_HT_ENTRY:
		if (want_size(type, size, 12, err, err_len))
			return -1;
		h->has_entry = true;
		h->entry_addr = rd32(t + 8);
		return 0;
	case MB2_HT_CONSOLE_FLAGS:
		if (want_size(type, size, 12, err, err_len))
			return -1;
		if (!optional && (rd32(t + 8) & MB2_CONSOLE_REQUIRED))
			return loader_fail(err, err_len,
					   "the Multiboot2 header requires a console (EGA text or "
					   "a framebuffer); minivmm has only a serial port");
		return 0;
	case MB2_HT_FRAMEBUFFER:
		if (!optional)
			return loader_fail(err, err_len,
					   "the Multiboot2 header requires a framebuffer; minivmm "
					   "has none");
		return 0;
	case MB2_HT_MODULE_ALIGN: /* modules are always page aligned */
	case MB2_HT_EFI_BS:	  /* no EFI: these three do not apply */
	case MB2_HT_ENTRY_EFI32:
	case MB2_HT_ENTRY_EFI64:
		return 0;
	case MB2_HT_RELOCATABLE:
		if (want_size(type, size, 24, err, err_len))
			return -1;
		h->relocatable = true;
		h->reloc_optional = optional;
		h->reloc_min = rd32(t + 8);
		h->reloc_max = rd32(t + 12);
		return 0;
	default:
		if (optional)
			return 0;
		return loader_fail(err, err_len,
				   "the Multiboot2 header has a required tag of unknown type %u",
				   type);
	}
}

/* Every non-optional information request must name tags minivmm writes. */
static int check_requests(const uint8_t *hdr, uint32_t hlen, const struct mb2_header *h, char *err,
			  size_t err_len)
{
	for (uint32_t off = 16; off + TAG_HDR <= hlen;) {
		uint16_t type = rd16(hdr + off), flags = rd16(hdr + off + 2);
		uint32_t size = rd32(hdr + off + 4);

		if (type == MB2_HT_END)
			break;
		for (uint32_t i = TAG_HDR; type == MB2_HT_INFO_REQUEST && i + 4 <= size; i += 4) {
			uint32_t want = rd32(hdr + off + i);

			if (!(flags & MB2_HT_OPTIONAL) && !provided(want, h->relocatable))
				return loader_fail(err, err_len,
						   "the Multiboot2 header requires boot "
						   "information tag type %u, which minivmm does "
						   "not provide",
						   want);
		}
		off += (size + MB2_ALIGN - 1) & ~(uint32_t)(MB2_ALIGN - 1);
	}
	return 0;
}

int mb2_header_parse(const uint8_t *buf, size_t len, struct mb2_header *h, char *err,
		     size_t err_len)
{
	const uint8_t *hdr = buf + h->offset;
	uint32_t hlen = h->length, off = 16;
	uint32_t arch = rd32(hdr + 4);

	if (h->offset > len || hlen > len - h->offset)
		return loader_fail(err, err_len, "Multiboot2 header truncated");
	if (arch != MB2_ARCH_I386)
		return loader_fail(err, err_len,
				   "Multiboot2 architecture %u is not i386 (0): not an x86 kernel",
				   arch);
	for (;;) {
		uint16_t type, flags;
		uint32_t size;

		if (off > hlen || hlen - off < TAG_HDR)
			return loader_fail(err, err_len,
					   "the Multiboot2 header's tags end without an end tag");
		type = rd16(hdr + off);
		flags = rd16(hdr + off + 2);
		size = rd32(hdr + off + 4);
		if (size < TAG_HDR || size > hlen - off)
			return loader_fail(
			    err, err_len,
			    "Multiboot2 header tag type %u at offset %u has size %u, "
			    "outside the header's %u bytes",
			    type, off, size, hlen);
		if (type == MB2_HT_END)
			return check_requests(hdr, hlen, h, err, err_len);
		if (parse_tag(hdr + off, type, flags, size, h, err, err_len))
			return -1;
		off += (size + MB2_ALIGN - 1) & ~(uint32_t)(MB2_ALIGN - 1);
	}
}
