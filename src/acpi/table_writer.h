/* SPDX-License-Identifier: MIT */
/*
 * Placing ACPI tables in the guest's table area and sealing them: space is
 * handed out front to back with each table's alignment, headers carry
 * minivmm's OEM fields, and a table's checksum is set once it is complete.
 */
#ifndef MINIVMM_ACPI_TABLE_WRITER_H
#define MINIVMM_ACPI_TABLE_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "acpi/acpi_tables.h"

#define ACPI_OEM_ID "MINVMM"	     /* 6 characters */
#define ACPI_OEM_TABLE_ID "MINIVMM " /* 8 characters */
#define ACPI_CREATOR_ID "MVMM"	     /* 4 characters */
#define ACPI_CREATOR_REVISION 1

/* The guest-physical table area, mapped once through the checked accessor. */
struct acpi_area {
	uint8_t *host;
	uint64_t gpa, size, used;
};

/*
 * len zeroed bytes at the next multiple of align (a power of two) with
 * their guest-physical address in *gpa; NULL when the area is full.
 */
void *acpi_area_alloc(struct acpi_area *a, uint64_t len, uint64_t align, uint64_t *gpa);

/* The byte that makes the len bytes at p sum to zero modulo 256. */
uint8_t acpi_checksum(const void *p, size_t len);

/* Signature, length, revision and minivmm's OEM and creator fields; checksum left 0. */
void acpi_header_init(struct acpi_header *h, const char *signature, uint32_t length,
		      uint8_t revision);

/* Set the checksum of a complete table (h->length bytes from h). */
void acpi_table_seal(struct acpi_header *h);

#endif
