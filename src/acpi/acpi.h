/* SPDX-License-Identifier: MIT */
/*
 * ACPI tables for the machine the VMM actually built: the VM object fills
 * a struct acpi_machine from its devices and acpi_build() writes RSDP,
 * XSDT, RSDT, FADT, FACS, MADT and DSDT into a guest-physical area it is
 * given (the loader's BIOS area, where the legacy RSDP scan looks).
 * Nothing here knows a device or a vCPU: the description is data.
 */
#ifndef MINIVMM_ACPI_H
#define MINIVMM_ACPI_H

#include <stddef.h>
#include <stdint.h>

#include "memory.h"

#define ACPI_MAX_VIRTIO 8

/* One virtio-mmio transport: register window and its (level, active-high) IRQ. */
struct acpi_virtio_mmio {
	uint64_t base, size;
	uint8_t irq;
};

/* The fixed-hardware registers of the power device (src/devices/acpi_pm.h). */
struct acpi_power {
	uint16_t pm1a_evt_port; /* PM1a status + enable, 4 bytes */
	uint16_t pm1a_cnt_port; /* PM1a control, 2 bytes */
	uint16_t reset_port;	/* FADT RESET_REG, one byte in system I/O space */
	uint8_t reset_value;
	uint8_t s5_slp_typ; /* SLP_TYP the guest writes for S5 (soft off): \_S5 in the DSDT */
	uint8_t sci_irq;
};

struct acpi_machine {
	uint32_t lapic_address;
	uint32_t ioapic_address;
	uint8_t ioapic_id;
	uint16_t com1_port;
	uint8_t com1_irq;
	struct acpi_power power;
	unsigned nr_virtio;
	struct acpi_virtio_mmio virtio[ACPI_MAX_VIRTIO];
};

/*
 * Write all tables into [area_gpa, area_gpa + area_size), which must lie in
 * guest RAM; the RSDP goes first, at area_gpa (16-byte aligned, for the
 * legacy scan of 0xE0000-0xFFFFF). Returns 0, or -1 with a one-line reason.
 */
int acpi_build(const struct guest_mem *mem, uint64_t area_gpa, uint64_t area_size,
	       const struct acpi_machine *m, char *err, size_t err_len);

#endif
