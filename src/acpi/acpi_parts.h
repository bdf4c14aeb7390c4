/* SPDX-License-Identifier: MIT */
/* The tables acpi_build() assembles, one writer per file; each returns 0 or -1 (area full). */
#ifndef MINIVMM_ACPI_PARTS_H
#define MINIVMM_ACPI_PARTS_H

#include "acpi/acpi.h"
#include "acpi/table_writer.h"

/* dsdt.c: COM1, the virtio-mmio transports and \_S5 in AML. */
int acpi_write_dsdt(struct acpi_area *area, const struct acpi_machine *m, uint64_t *gpa);
/* madt.c: the local APIC, the I/O APIC and the interrupt source overrides. */
int acpi_write_madt(struct acpi_area *area, const struct acpi_machine *m, uint64_t *gpa);
/* fadt.c: the FACS, then the FADT pointing at it and at the DSDT. */
int acpi_write_fadt(struct acpi_area *area, const struct acpi_machine *m, uint64_t dsdt_gpa,
		    uint64_t *gpa);

#endif
