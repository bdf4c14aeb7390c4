// SPDX-License-Identifier: MIT
/*
 * Solo5 ELF notes: find the "ABI1" and "MFT1" notes in the PT_NOTE
 * segments and validate them. The file is untrusted: every size is
 * checked before use, and the notes are walked by hand with the 4-byte
 * padding rule Solo5's own tender assumes (libelf's note iterator would
 * pad to 8 in an 8-aligned segment, which Solo5's manifest note uses).
 */
#include "loader/solo5.h"

#include "loader/loader.h"

#include <errno.h>
#include <gelf.h>
#include <libelf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *solo5_mft_type_name(uint32_t type)
{
	switch (type) {
	case SOLO5_MFT_BLOCK_BASIC:
		return "BLOCK_BASIC";
	case SOLO5_MFT_NET_BASIC:
		return "NET_BASIC";
	case SOLO5_MFT_RESERVED_FIRST:
		return "RESERVED_FIRST";
	default:
		return "unknown";
	}
}

static const char *target_name(uint32_t target)
{
	static const char *const names[] = {"?", "hvt", "spt", "virtio", "muen", "genode", "xen"};

	return target < sizeof(names) / sizeof(names[0]) ? names[target] : "unknown";
}

static int check_entry(const struct solo5_image *img, uint32_t i, char *err, size_t err_len)
{
	const struct solo5_mft_entry *e = &img->entry[i];

	if (e->name[SOLO5_MFT_NAME_SIZE - 1] != '\0')
		return loader_fail(err, err_len,
				   "Solo5 manifest entry %u: name is not NUL-terminated", i);
	/*
	 * Names are matched against --disk NAME=... and printed in messages:
	 * a byte outside printable ASCII would put control characters from
	 * an untrusted file on the user's terminal (fuzz_solo5 found it).
	 */
	for (const char *c = e->name; *c; c++)
		if (*c <= ' ' || *c > '~')
			return loader_fail(err, err_len,
					   "Solo5 manifest entry %u: name has byte 0x%02x (want "
					   "printable ASCII without spaces)",
					   i, (unsigned)(uint8_t)*c);
	if (e->attached)
		return loader_fail(err, err_len,
				   "Solo5 manifest entry %u ('%s'): marked attached in the file", i,
				   e->name);
	if (i == 0) {
		if (e->type != SOLO5_MFT_RESERVED_FIRST || e->name[0])
			return loader_fail(
			    err, err_len,
			    "Solo5 manifest: entry 0 must be the reserved first entry "
			    "with an empty name");
		return 0;
	}
	if (e->type != SOLO5_MFT_BLOCK_BASIC && e->type != SOLO5_MFT_NET_BASIC)
		return loader_fail(err, err_len, "Solo5 manifest entry %u ('%s'): unknown type %u",
				   i, e->name, e->type);
	if (!e->name[0])
		return loader_fail(err, err_len, "Solo5 manifest entry %u: empty device name", i);
	for (uint32_t j = 1; j < i; j++)
		if (img->entry[j].type == e->type && !strcmp(img->entry[j].name, e->name))
			return loader_fail(
			    err, err_len,
			    "Solo5 manifest: two %s devices named '%s' (entries %u, %u)",
			    solo5_mft_type_name(e->type), e->name, j, i);
	return 0;
}

int solo5_mft_parse(const void *content, size_t len, struct solo5_image *img, char *err,
		    size_t err_len)
{
	struct solo5_mft hdr;

	if (len < sizeof(hdr))
		return loader_fail(err, err_len,
				   "Solo5 manifest: %zu bytes, too short for a header", len);
	memcpy(&hdr, content, sizeof(hdr));
	if (hdr.version != SOLO5_MFT_VERSION)
		return loader_fail(err, err_len,
				   "Solo5 manifest version %u (minivmm knows version %u)",
				   hdr.version, SOLO5_MFT_VERSION);
	if (hdr.entries < 1 || hdr.entries > SOLO5_MFT_MAX_ENTRIES)
		return loader_fail(err, err_len, "Solo5 manifest: %u entries (want 1..%u)",
				   hdr.entries, SOLO5_MFT_MAX_ENTRIES);
	if (len != sizeof(hdr) + hdr.entries * sizeof(struct solo5_mft_entry))
		return loader_fail(
		    err, err_len, "Solo5 manifest: %zu bytes for %u entries (want exactly %zu)",
		    len, hdr.entries, sizeof(hdr) + hdr.entries * sizeof(struct solo5_mft_entry));
	img->nr_entries = hdr.entries;
	memcpy(img->entry, (const uint8_t *)content + sizeof(hdr),
	       hdr.entries * sizeof(struct solo5_mft_entry));
	for (uint32_t i = 0; i < hdr.entries; i++)
		if (check_entry(img, i, err, err_len))
			return -1;
	return 0;
}

struct notes_found {
	const uint8_t *abi, *mft; /* content, Solo5's alignment padding skipped */
	size_t abi_len, mft_len;
};

/* The content of a Solo5 note of descsz bytes whose header starts at note. */
static int note_content(const uint8_t *note, uint32_t descsz, size_t align, const uint8_t **out,
			size_t *out_len, char *err, size_t err_len)
{
	size_t pad = ((SOLO5_NOTE_HDR_BYTES + align - 1) & ~(align - 1)) - SOLO5_NOTE_HDR_BYTES;

	if (descsz <= pad)
		return loader_fail(err, err_len,
				   "Solo5 %s note: descriptor of %u bytes, no more than its %zu "
				   "bytes of alignment padding, so it holds nothing",
				   align == SOLO5_MFT1_ALIGN ? "MFT1" : "ABI1", descsz, pad);
	*out = note + SOLO5_NOTE_HDR_BYTES + pad;
	*out_len = descsz - pad;
	return 0;
}

/*
 * Walk the notes of one PT_NOTE segment [p, p + len); in a segment aligned
 * to 8 each note starts 8-aligned (the gABI), Solo5's padding inside it aside.
 */
static int scan_segment(const uint8_t *p, size_t len, size_t align, struct notes_found *f,
			char *err, size_t err_len)
{
	size_t off = 0;

	while (len - off >= 12) {
		uint32_t h[3]; /* namesz, descsz, type */
		size_t name_pad, desc_pad;
		const uint8_t *note = p + off;

		memcpy(h, note, sizeof(h));
		name_pad = ((size_t)h[0] + 3) & ~(size_t)3;
		desc_pad = ((size_t)h[1] + 3) & ~(size_t)3;
		bool solo5 = h[0] == sizeof(SOLO5_NOTE_NAME) && name_pad <= len - off - 12 &&
			     !memcmp(note + 12, SOLO5_NOTE_NAME, sizeof(SOLO5_NOTE_NAME));
		if (name_pad > len - off - 12 || desc_pad > len - off - 12 - name_pad) {
			if (solo5)
				return loader_fail(
				    err, err_len,
				    "Solo5 note (type 0x%x) runs past the end of its "
				    "PT_NOTE segment: truncated",
				    h[2]);
			return 0; /* someone else's padding or note: not ours to judge */
		}
		if (solo5 && h[2] == SOLO5_NOTE_ABI1 && !f->abi &&
		    note_content(note, h[1], SOLO5_ABI1_ALIGN, &f->abi, &f->abi_len, err, err_len))
			return -1;
		if (solo5 && h[2] == SOLO5_NOTE_MFT1 && !f->mft &&
		    note_content(note, h[1], SOLO5_MFT1_ALIGN, &f->mft, &f->mft_len, err, err_len))
			return -1;
		off = (off + 12 + name_pad + desc_pad + align - 1) & ~(align - 1);
		if (off > len)
			break;
	}
	return 0;
}

static int check_notes(const struct notes_found *f, struct solo5_image *img, char *err,
		       size_t err_len)
{
	if (!f->abi)
		return loader_fail(err, err_len, "Solo5 manifest (MFT1 note) but no ABI1 note");
	if (f->abi_len != sizeof(img->abi))
		return loader_fail(err, err_len, "Solo5 ABI1 note has %zu bytes (want %zu)",
				   f->abi_len, sizeof(img->abi));
	memcpy(&img->abi, f->abi, sizeof(img->abi));
	if (img->abi.abi_target != SOLO5_TARGET_HVT)
		return loader_fail(
		    err, err_len,
		    "Solo5 ABI target '%s' (%u): minivmm boots only hvt (%u) executables",
		    target_name(img->abi.abi_target), img->abi.abi_target, SOLO5_TARGET_HVT);
	if (img->abi.abi_version != SOLO5_HVT_ABI_VERSION)
		return loader_fail(err, err_len,
				   "Solo5 hvt ABI version %u: minivmm implements version %u",
				   img->abi.abi_version, SOLO5_HVT_ABI_VERSION);
	if (!f->mft)
		return loader_fail(err, err_len, "Solo5 executable without a manifest (MFT1 note)");
	return solo5_mft_parse(f->mft, f->mft_len, img, err, err_len);
}

/* Both entry points end here: e describes an image of file_size bytes. */
static int parse_elf(Elf *e, uint64_t file_size, struct solo5_image *img, char *err, size_t err_len)
{
	struct notes_found found = {0};
	size_t phnum;

	memset(img, 0, sizeof(*img));
	if (elf_kind(e) != ELF_K_ELF || elf_getphdrnum(e, &phnum) != 0)
		return 0; /* not ours: the ELF loader says what is wrong */
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;
		Elf_Data *d;

		if (!gelf_getphdr(e, (int)i, &ph) || ph.p_type != PT_NOTE)
			continue;
		if (ph.p_offset > file_size || ph.p_filesz > file_size - ph.p_offset)
			continue; /* the ELF loader refuses the truncated file */
		d = elf_getdata_rawchunk(e, (int64_t)ph.p_offset, ph.p_filesz, ELF_T_BYTE);
		if (!d)
			continue;
		if (scan_segment(d->d_buf, d->d_size, ph.p_align == 8 ? 8 : 4, &found, err,
				 err_len))
			return -1;
	}
	if (!found.abi && !found.mft)
		return 0;
	return check_notes(&found, img, err, err_len) ? -1 : 1;
}

int solo5_parse_bytes(const uint8_t *data, size_t len, struct solo5_image *img, char *err,
		      size_t err_len)
{
	char *copy;
	Elf *e;
	int rc;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return loader_fail(err, err_len, "libelf is out of date");
	/* elf_memory() takes a writable buffer; the caller's bytes stay untouched. */
	copy = malloc(len ? len : 1);
	if (!copy)
		return loader_fail(err, err_len, "out of memory");
	memcpy(copy, data, len);
	e = elf_memory(copy, len);
	rc = e ? parse_elf(e, len, img, err, err_len) : 0;
	elf_end(e);
	free(copy);
	return rc;
}

int solo5_parse_fd(int fd, struct solo5_image *img, char *err, size_t err_len)
{
	off_t size = lseek(fd, 0, SEEK_END);
	Elf *e;
	int rc;

	if (size < 0)
		return loader_fail(err, err_len, "cannot seek: %s", strerror(errno));
	if (elf_version(EV_CURRENT) == EV_NONE)
		return loader_fail(err, err_len, "libelf is out of date");
	e = elf_begin(fd, ELF_C_READ, NULL);
	rc = e ? parse_elf(e, (uint64_t)size, img, err, err_len) : 0;
	elf_end(e);
	return rc;
}
