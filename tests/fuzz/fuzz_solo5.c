// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the Solo5 note and manifest parser
 * (src/loader/solo5_notes.c), the part of the Solo5 loader that reads an
 * untrusted kernel file before anything is loaded.
 *
 * Input: one control byte, then the bytes. Control bit 0 selects the
 * whole-file parser (solo5_parse_bytes: ELF header, program headers, the
 * ABI1 and MFT1 notes) or the manifest parser alone (solo5_mft_parse on
 * the bytes as a note's content).
 *
 * Oracles besides ASan/UBSan: a refusal is one non-empty line of
 * printable ASCII; an
 * accepted manifest is what Solo5's tender accepts (its mft.c rules):
 * 1..SOLO5_MFT_MAX_ENTRIES entries, the first the reserved one with an
 * empty name, the others block or net devices with a non-empty name of
 * printable ASCII NUL-terminated within its field, none marked attached, no two of one
 * type with the same name.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "loader/solo5.h"

/* One line of printable text: nothing from the file reaches the terminal raw. */
static void check_refused(const char *err)
{
	if (!err[0])
		abort();
	for (const char *c = err; *c; c++)
		if (*c < ' ' || *c > '~')
			abort();
}

static bool printable_name(const char *name)
{
	for (const char *c = name; *c; c++)
		if (*c <= ' ' || *c > '~')
			return false;
	return true;
}

static void check_manifest(const struct solo5_image *img)
{
	if (img->nr_entries < 1 || img->nr_entries > SOLO5_MFT_MAX_ENTRIES)
		abort();
	if (img->entry[0].type != SOLO5_MFT_RESERVED_FIRST)
		abort();
	if (img->entry[0].name[0])
		abort();
	for (uint32_t i = 0; i < img->nr_entries; i++) {
		const struct solo5_mft_entry *e = &img->entry[i];

		if (!memchr(e->name, '\0', SOLO5_MFT_NAME_SIZE) || e->attached ||
		    !printable_name(e->name))
			abort();
		if (i && ((e->type != SOLO5_MFT_BLOCK_BASIC && e->type != SOLO5_MFT_NET_BASIC) ||
			  !e->name[0]))
			abort();
		for (uint32_t j = 1; j < i; j++)
			if (img->entry[j].type == e->type && !strcmp(img->entry[j].name, e->name))
				abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct solo5_image img;
	char err[512] = "";
	int rc;

	if (size < 1)
		return 0;
	memset(&img, 0, sizeof(img));
	if (data[0] & 1) {
		rc = solo5_mft_parse(data + 1, size - 1, &img, err, sizeof(err));
		if (rc == 0)
			check_manifest(&img);
		else
			check_refused(err);
		return 0;
	}
	rc = solo5_parse_bytes(data + 1, size - 1, &img, err, sizeof(err));
	if (rc == 1)
		check_manifest(&img);
	else if (rc == -1)
		check_refused(err);
	else if (rc != 0)
		abort();
	return 0;
}
