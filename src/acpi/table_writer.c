// SPDX-License-Identifier: MIT
/* ACPI table placement, headers and checksums (ACPI 6.x, 5.2.5 and 5.2.6). */
#include "acpi/table_writer.h"

#include <string.h>

void *acpi_area_alloc(struct acpi_area *a, uint64_t len, uint64_t align, uint64_t *gpa)
{
	/* Aligned in guest-physical terms (FACS: 64 bytes), not from the area's start. */
	uint64_t start = ((a->gpa + a->used + align - 1) & ~(align - 1)) - a->gpa;
	uint8_t *p;

	if (start < a->used || start > a->size || len > a->size - start)
		return NULL;
	p = a->host + start;
	memset(p, 0, len);
	a->used = start + len;
	*gpa = a->gpa + start;
	return p;
}

uint8_t acpi_checksum(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint8_t sum = 0;

	for (size_t i = 0; i < len; i++)
		sum += b[i];
	return (uint8_t)(0x100 - sum);
}

void acpi_header_init(struct acpi_header *h, const char *signature, uint32_t length,
		      uint8_t revision)
{
	memset(h, 0, sizeof(*h));
	memcpy(h->signature, signature, sizeof(h->signature));
	h->length = length;
	h->revision = revision;
	memcpy(h->oem_id, ACPI_OEM_ID, sizeof(h->oem_id));
	memcpy(h->oem_table_id, ACPI_OEM_TABLE_ID, sizeof(h->oem_table_id));
	h->oem_revision = 1;
	memcpy(h->creator_id, ACPI_CREATOR_ID, sizeof(h->creator_id));
	h->creator_revision = ACPI_CREATOR_REVISION;
}

void acpi_table_seal(struct acpi_header *h)
{
	h->checksum = 0;
	h->checksum = acpi_checksum(h, h->length);
}
