// SPDX-License-Identifier: MIT
/*
 * acpi_build(): the RSDP first (at the start of the area, 16-byte aligned,
 * where the legacy scan of 0xE0000-0xFFFFF finds it), then the DSDT, FACS,
 * FADT and MADT, and the XSDT and RSDT listing FADT and MADT. Both root
 * tables are written: the RSDT for OSes that read only ACPI 1.0's.
 */
#include <stdio.h>
#include <string.h>

#include "acpi/acpi_parts.h"

#define RSDP_REVISION 2
#define ROOT_TABLE_REVISION 1
#define NR_ROOT_ENTRIES 2 /* FADT, MADT */

static int write_root_tables(struct acpi_area *area, const uint64_t *entry, uint64_t *xsdt_gpa,
			     uint64_t *rsdt_gpa)
{
	size_t xlen = sizeof(struct acpi_header) + NR_ROOT_ENTRIES * 8;
	size_t rlen = sizeof(struct acpi_header) + NR_ROOT_ENTRIES * 4;
	struct acpi_header *x = acpi_area_alloc(area, xlen, 16, xsdt_gpa);
	struct acpi_header *r = x ? acpi_area_alloc(area, rlen, 16, rsdt_gpa) : NULL;

	if (!r)
		return -1;
	acpi_header_init(x, "XSDT", (uint32_t)xlen, ROOT_TABLE_REVISION);
	acpi_header_init(r, "RSDT", (uint32_t)rlen, ROOT_TABLE_REVISION);
	for (unsigned i = 0; i < NR_ROOT_ENTRIES; i++) {
		uint32_t e32 = (uint32_t)entry[i];

		/* Entries follow the 36-byte header unaligned: copy, do not cast. */
		memcpy((uint8_t *)(x + 1) + 8 * i, &entry[i], 8);
		memcpy((uint8_t *)(r + 1) + 4 * i, &e32, 4);
	}
	acpi_table_seal(x);
	acpi_table_seal(r);
	return 0;
}

int acpi_build(const struct guest_mem *mem, uint64_t area_gpa, uint64_t area_size,
	       const struct acpi_machine *m, char *err, size_t err_len)
{
	struct acpi_area area = {.gpa = area_gpa, .size = area_size};
	uint64_t rsdp_gpa, dsdt, xsdt, rsdt, entry[NR_ROOT_ENTRIES];
	struct acpi_rsdp *rsdp;

	area.host = guest_mem_ptr(mem, area_gpa, area_size);
	if (!area.host || (area_gpa & 15) || area_gpa + area_size > UINT32_MAX) {
		snprintf(err, err_len,
			 "the ACPI table area [0x%llx, +0x%llx) is not 16-byte aligned guest RAM "
			 "below 4 GiB",
			 (unsigned long long)area_gpa, (unsigned long long)area_size);
		return -1;
	}
	rsdp = acpi_area_alloc(&area, sizeof(*rsdp), 16, &rsdp_gpa);
	if (!rsdp || acpi_write_dsdt(&area, m, &dsdt) ||
	    acpi_write_fadt(&area, m, dsdt, &entry[0]) || acpi_write_madt(&area, m, &entry[1]) ||
	    write_root_tables(&area, entry, &xsdt, &rsdt)) {
		snprintf(err, err_len, "the ACPI tables do not fit in %llu bytes",
			 (unsigned long long)area_size);
		return -1;
	}
	memcpy(rsdp->signature, "RSD PTR ", 8);
	memcpy(rsdp->oem_id, ACPI_OEM_ID, sizeof(rsdp->oem_id));
	rsdp->revision = RSDP_REVISION;
	rsdp->rsdt_address = (uint32_t)rsdt;
	rsdp->length = sizeof(*rsdp);
	rsdp->xsdt_address = xsdt;
	rsdp->checksum = acpi_checksum(rsdp, ACPI_RSDP_V1_LEN);
	rsdp->extended_checksum = acpi_checksum(rsdp, sizeof(*rsdp));
	return 0;
}
