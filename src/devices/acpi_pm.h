/* SPDX-License-Identifier: MIT */
/*
 * The ACPI fixed-hardware registers the FADT describes, as one small
 * device: PM1a event (status, enable) and control blocks, and the reset
 * register. A write of SLP_TYP = ACPI_PM_S5_SLP_TYP with SLP_EN (what an
 * OS does for S5, "poweroff") ends the VM with ACPI_PM_POWEROFF_STATUS;
 * a write with RST_CPU (bit 2, as on ICH9's 0xcf9: ACPI_RESET_VALUE and
 * Linux's cold 0x0e) to the reset register ("reboot") ends it
 * with ACPI_PM_RESET_STATUS, as the i8042 reset does. Other sleep states
 * are not offered (the DSDT has only \_S5) and are ignored.
 */
#ifndef MINIVMM_ACPI_PM_H
#define MINIVMM_ACPI_PM_H

#include <stdint.h>

#include "devices/bus.h"

/* Ports as on ICH9's ACPI block (PMBASE 0x600); the reset register at PCI's 0xcf9. */
#define ACPI_PM1A_EVT_PORT 0x600 /* 2 bytes status, 2 bytes enable */
#define ACPI_PM1A_EVT_LEN 4
#define ACPI_PM1A_CNT_PORT 0x604
#define ACPI_PM1A_CNT_LEN 2
#define ACPI_RESET_PORT 0xcf9
#define ACPI_RESET_VALUE 0x06 /* "reset CPU" | "system reset", the value PCs use */
#define ACPI_PM_S5_SLP_TYP 5  /* the \_S5 package's SLP_TYPa */
#define ACPI_SCI_IRQ 9	      /* as on PCs; nothing raises it (no fixed events) */

#define ACPI_PM_POWEROFF_STATUS 0
#define ACPI_PM_RESET_STATUS 0

struct acpi_pm {
	struct bus *bus;
	uint16_t pm1_sts, pm1_en, pm1_cnt;
};

/* Register the three ranges; 0 or the bus_register() error. */
int acpi_pm_register(struct acpi_pm *pm, struct bus *bus);

#endif
