// SPDX-License-Identifier: MIT
/*
 * The FADT (ACPI 6.x, 5.2.9) and the FACS it points to.
 *
 * Not hardware-reduced: an OS that sees HW_REDUCED_ACPI takes the machine
 * for one without legacy timers and interrupt controller (Linux then
 * skips the PIT and the 8259: acpi_generic_reduced_hw_init()), but this
 * machine's timer is the PIT and a stock kernel calibrates its TSC
 * against it. So the FADT has the fixed-hardware registers of a PC:
 * PM1a event and control blocks (sleep type and enable: S5 is poweroff),
 * a reset register, an SCI line, and the FACS a full FADT must point to.
 * SMI_CMD is 0: the machine is always in ACPI mode (SCI_EN reads as 1).
 * There is no PM timer and no GPE block.
 */
#include <string.h>

#include "acpi/acpi_parts.h"

#define FADT_REVISION 6
#define FADT_MINOR_VERSION 0
#define FACS_VERSION 2
#define PM1_EVT_LEN 4
#define PM1_CNT_LEN 2

static struct acpi_gas io_register(uint16_t port, unsigned bytes)
{
	return (struct acpi_gas){
	    .space_id = ACPI_SPACE_SYSTEM_IO,
	    .bit_width = (uint8_t)(bytes * 8),
	    .access_size = bytes == 1	? ACPI_ACCESS_BYTE
			   : bytes == 2 ? ACPI_ACCESS_WORD
					: ACPI_ACCESS_DWORD,
	    .address = port,
	};
}

static int write_facs(struct acpi_area *area, uint64_t *gpa)
{
	struct acpi_facs *facs = acpi_area_alloc(area, sizeof(*facs), 64, gpa);

	if (!facs)
		return -1;
	memcpy(facs->signature, "FACS", 4);
	facs->length = sizeof(*facs);
	facs->version = FACS_VERSION;
	return 0;
}

int acpi_write_fadt(struct acpi_area *area, const struct acpi_machine *m, uint64_t dsdt_gpa,
		    uint64_t *gpa)
{
	const struct acpi_power *pw = &m->power;
	struct acpi_fadt *f;
	uint64_t facs_gpa;

	if (write_facs(area, &facs_gpa))
		return -1;
	f = acpi_area_alloc(area, sizeof(*f), 16, gpa);
	if (!f)
		return -1;
	acpi_header_init(&f->header, "FACP", sizeof(*f), FADT_REVISION);
	f->minor_version = FADT_MINOR_VERSION;
	/* One of the two FACS pointers, not both (5.2.9: X_FIRMWARE_CTRL is for above 4 GiB). */
	f->firmware_ctrl = (uint32_t)facs_gpa;
	f->dsdt = (uint32_t)dsdt_gpa;
	f->x_dsdt = dsdt_gpa;
	f->sci_int = pw->sci_irq;
	f->pm1a_evt_blk = pw->pm1a_evt_port;
	f->pm1_evt_len = PM1_EVT_LEN;
	f->x_pm1a_evt_blk = io_register(pw->pm1a_evt_port, PM1_EVT_LEN);
	f->pm1a_cnt_blk = pw->pm1a_cnt_port;
	f->pm1_cnt_len = PM1_CNT_LEN;
	f->x_pm1a_cnt_blk = io_register(pw->pm1a_cnt_port, PM1_CNT_LEN);
	/* No C2/C3 states: latencies above 100 and 1000 us say so (5.2.9). */
	f->p_lvl2_lat = 101;
	f->p_lvl3_lat = 1001;
	/* COM1 and the other fixed ports, no VGA, no PCI so no MSI; the i8042 only resets. */
	f->iapc_boot_arch =
	    ACPI_IAPC_LEGACY_DEVICES | ACPI_IAPC_VGA_NOT_PRESENT | ACPI_IAPC_MSI_NOT_SUPPORTED;
	f->flags = ACPI_FADT_WBINVD | ACPI_FADT_PROC_C1 | ACPI_FADT_PWR_BUTTON |
		   ACPI_FADT_SLP_BUTTON | ACPI_FADT_RESET_REG_SUP;
	f->reset_reg = io_register(pw->reset_port, 1);
	f->reset_value = pw->reset_value;
	memcpy(&f->hypervisor_vendor_identity, "MINIVMM ", 8);
	acpi_table_seal(&f->header);
	return 0;
}
