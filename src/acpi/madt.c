// SPDX-License-Identifier: MIT
/*
 * The MADT (ACPI 6.x, 5.2.12): one local APIC, one I/O APIC whose pins are
 * GSIs 0..23, and an interrupt source override only where a line differs
 * from the ISA default (edge, active high) on the identical pin: the SCI
 * and the virtio-mmio lines are level-triggered. IRQ 0 gets no override:
 * the interrupt controller routes ISA IRQ n to pin n (KVM's default GSI
 * routing), so the PIT is on pin 0, where an OS looks without one.
 */
#include <stdbool.h>
#include <string.h>

#include "acpi/acpi_parts.h"

#define MADT_REVISION 5
#define ISA_IRQS 16
#define LINT1 1

static void add(uint8_t *t, size_t *len, const void *entry, size_t n)
{
	memcpy(t + *len, entry, n);
	*len += n;
}

/* An override making ISA IRQ `irq` level-triggered, active high, on pin `irq`. */
static void add_level_override(uint8_t *t, size_t *len, uint8_t irq, bool *done)
{
	struct acpi_madt_int_override iso = {
	    .type = ACPI_MADT_INT_OVERRIDE,
	    .length = sizeof(iso),
	    .bus = 0,
	    .source_irq = irq,
	    .gsi = irq,
	    .flags = ACPI_MPS_ACTIVE_HIGH | ACPI_MPS_LEVEL,
	};

	if (irq >= ISA_IRQS || done[irq]) /* GSIs above 15 are no ISA IRQ: their _CRS says */
		return;
	done[irq] = true;
	add(t, len, &iso, sizeof(iso));
}

int acpi_write_madt(struct acpi_area *area, const struct acpi_machine *m, uint64_t *gpa)
{
	uint8_t t[sizeof(struct acpi_madt) + sizeof(struct acpi_madt_local_apic) +
		  sizeof(struct acpi_madt_io_apic) +
		  (ISA_IRQS) * sizeof(struct acpi_madt_int_override) +
		  sizeof(struct acpi_madt_local_apic_nmi)];
	struct acpi_madt hdr = {.local_apic_address = m->lapic_address,
				.flags = ACPI_MADT_PCAT_COMPAT};
	struct acpi_madt_local_apic lapic = {.type = ACPI_MADT_LOCAL_APIC,
					     .length = sizeof(lapic),
					     .processor_uid = 0,
					     .apic_id = 0,
					     .flags = 1 /* enabled */};
	struct acpi_madt_io_apic ioapic = {.type = ACPI_MADT_IO_APIC,
					   .length = sizeof(ioapic),
					   .io_apic_id = m->ioapic_id,
					   .address = m->ioapic_address,
					   .gsi_base = 0};
	/* LINT1 is the NMI input on a PC, as the local APIC's reset state and QEMU's MADT say. */
	struct acpi_madt_local_apic_nmi nmi = {.type = ACPI_MADT_LOCAL_APIC_NMI,
					       .length = sizeof(nmi),
					       .processor_uid = 0xff,
					       .flags = 0,
					       .lint = LINT1};
	bool done[ISA_IRQS] = {false};
	size_t len = sizeof(hdr);
	void *dst;

	add(t, &len, &lapic, sizeof(lapic));
	add(t, &len, &ioapic, sizeof(ioapic));
	add_level_override(t, &len, m->power.sci_irq, done);
	for (unsigned i = 0; i < m->nr_virtio && i < ACPI_MAX_VIRTIO; i++)
		add_level_override(t, &len, m->virtio[i].irq, done);
	add(t, &len, &nmi, sizeof(nmi));
	acpi_header_init(&hdr.header, "APIC", (uint32_t)len, MADT_REVISION);
	memcpy(t, &hdr, sizeof(hdr));
	dst = acpi_area_alloc(area, len, 16, gpa);
	if (!dst)
		return -1;
	memcpy(dst, t, len);
	acpi_table_seal(dst);
	return 0;
}
