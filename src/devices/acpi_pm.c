// SPDX-License-Identifier: MIT
/*
 * ACPI PM1a event/control blocks and the reset register (ACPI 6.x 4.8.3).
 * No fixed event ever fires here, so status stays 0 (write-one-to-clear
 * is trivially honoured) and the SCI is never raised. SCI_EN reads as 1:
 * the FADT has no SMI command port, the machine is always in ACPI mode.
 */
#include "devices/acpi_pm.h"

#include <string.h>

#define PM1_CNT_SCI_EN 0x0001
#define PM1_CNT_SLP_TYP_SHIFT 10
#define PM1_CNT_SLP_TYP_MASK 0x7
#define PM1_CNT_SLP_EN 0x2000

static void put16(uint8_t *data, unsigned size, unsigned byte, uint16_t reg)
{
	for (unsigned i = 0; i < size; i++)
		data[i] = byte + i < 2 ? (uint8_t)(reg >> (8 * (byte + i))) : 0;
}

static uint16_t merge16(uint16_t reg, const uint8_t *data, unsigned size, unsigned byte)
{
	for (unsigned i = 0; i < size && byte + i < 2; i++) {
		unsigned shift = 8 * (byte + i);

		reg = (uint16_t)((reg & ~(0xffu << shift)) | ((unsigned)data[i] << shift));
	}
	return reg;
}

/* The event block as one 32-bit register: status in bytes 0-1, enable in bytes 2-3. */
static void pm1_evt_access(void *opaque, uint64_t offset, uint8_t *data, unsigned size,
			   bool is_write)
{
	struct acpi_pm *pm = opaque;

	for (unsigned i = 0; i < size; i++) {
		uint64_t byte = offset + i;
		uint16_t *reg = byte < 2 ? &pm->pm1_sts : &pm->pm1_en;
		unsigned shift = 8 * (unsigned)(byte & 1);

		if (byte >= ACPI_PM1A_EVT_LEN) {
			if (!is_write)
				data[i] = 0;
		} else if (!is_write) {
			data[i] = (uint8_t)(*reg >> shift);
		} else if (reg == &pm->pm1_sts) { /* write one to clear */
			pm->pm1_sts &= (uint16_t) ~((unsigned)data[i] << shift);
		} else {
			pm->pm1_en = (uint16_t)((pm->pm1_en & ~(0xffu << shift)) |
						((unsigned)data[i] << shift));
		}
	}
}

static void pm1_cnt_access(void *opaque, uint64_t offset, uint8_t *data, unsigned size,
			   bool is_write)
{
	struct acpi_pm *pm = opaque;
	unsigned byte = (unsigned)(offset & 1);
	uint16_t v;

	if (!is_write) {
		put16(data, size, byte, pm->pm1_cnt | PM1_CNT_SCI_EN);
		return;
	}
	v = merge16(pm->pm1_cnt, data, size, byte);
	pm->pm1_cnt = v & (uint16_t)~PM1_CNT_SLP_EN; /* SLP_EN is write-only */
	if ((v & PM1_CNT_SLP_EN) &&
	    ((v >> PM1_CNT_SLP_TYP_SHIFT) & PM1_CNT_SLP_TYP_MASK) == ACPI_PM_S5_SLP_TYP)
		bus_request_stop(pm->bus, BUS_STOP_GUEST_EXIT, ACPI_PM_POWEROFF_STATUS,
				 "the guest powered off (ACPI S5)");
}

static void reset_access(void *opaque, uint64_t offset, uint8_t *data, unsigned size, bool is_write)
{
	struct acpi_pm *pm = opaque;

	if (!is_write) {
		memset(data, 0, size);
		return;
	}
	/* RST_CPU (bit 2) rising resets, as on ICH9/PIIX and QEMU: 0x06 and Linux's cold 0x0e */
	if (data[0] & 0x04)
		bus_request_stop(pm->bus, BUS_STOP_GUEST_RESET, ACPI_PM_RESET_STATUS,
				 "the guest reset the machine via the ACPI reset register");
}

int acpi_pm_register(struct acpi_pm *pm, struct bus *bus)
{
	int rc;

	memset(pm, 0, sizeof(*pm));
	pm->bus = bus;
	rc = bus_register(bus, BUS_PIO, ACPI_PM1A_EVT_PORT, ACPI_PM1A_EVT_LEN, "acpi-pm1-evt",
			  pm1_evt_access, pm);
	if (!rc)
		rc = bus_register(bus, BUS_PIO, ACPI_PM1A_CNT_PORT, ACPI_PM1A_CNT_LEN,
				  "acpi-pm1-cnt", pm1_cnt_access, pm);
	if (!rc)
		rc = bus_register(bus, BUS_PIO, ACPI_RESET_PORT, 1, "acpi-reset", reset_access, pm);
	return rc;
}
