// SPDX-License-Identifier: MIT
/*
 * The machine description behind the ACPI tables: where the devices the
 * VM object created live and which lines they use, taken from the devices'
 * own constants, so the tables cannot describe another machine.
 */
#include "vm_acpi.h"

#include <stdio.h>

#include "acpi/acpi.h"
#include "devices/acpi_pm.h"
#include "devices/uart.h"
#include "devices/virtio_blk.h"
#include "devices/virtio_setup.h"
#include "loader/loader.h"

/* KVM's in-kernel irqchip (and the soft provider's) sits at the PC's fixed addresses. */
#define VM_LAPIC_GPA 0xfee00000u
#define VM_IOAPIC_GPA 0xfec00000u
#define VM_IOAPIC_ID 0
#define VM_COM1_IRQ 4

int vm_acpi_build(const struct guest_mem *mem, const struct virtio_devices *virtio)
{
	struct acpi_machine m = {
	    .lapic_address = VM_LAPIC_GPA,
	    .ioapic_address = VM_IOAPIC_GPA,
	    .ioapic_id = VM_IOAPIC_ID,
	    .com1_port = UART_COM1_BASE,
	    .com1_irq = VM_COM1_IRQ,
	    .power = {.pm1a_evt_port = ACPI_PM1A_EVT_PORT,
		      .pm1a_cnt_port = ACPI_PM1A_CNT_PORT,
		      .reset_port = ACPI_RESET_PORT,
		      .reset_value = ACPI_RESET_VALUE,
		      .s5_slp_typ = ACPI_PM_S5_SLP_TYP,
		      .sci_irq = ACPI_SCI_IRQ},
	    .nr_virtio = virtio->nr_open,
	};
	char err[160];

	/* Each transport as it was attached: the window and GSI the command line names too. */
	for (unsigned i = 0; i < virtio->nr_open && i < ACPI_MAX_VIRTIO; i++)
		m.virtio[i] = (struct acpi_virtio_mmio){
		    .base = virtio->disk[i]->transport.base,
		    .size = VIRTIO_MMIO_WINDOW,
		    .irq = (uint8_t)virtio->disk[i]->transport.irq,
		};
	if (acpi_build(mem, BOOT_ACPI_GPA, BOOT_ACPI_SIZE, &m, err, sizeof(err))) {
		fprintf(stderr, "minivmm: ACPI: %s\n", err);
		return -1;
	}
	return 0;
}
