// SPDX-License-Identifier: MIT
/*
 * The DSDT: the devices a PC's firmware would describe and a stock kernel
 * cannot probe. COM1 as a PNP0501 with its port and IRQ, each virtio-mmio
 * transport as "LNRO0005" with its register window and level-triggered
 * interrupt (how QEMU microvm announces them, and the only way Debian's
 * kernel, built without virtio_mmio.device= support, finds its disks),
 * and \_S5 with the SLP_TYP the power device takes as "soft off".
 */
#include <stdio.h>
#include <string.h>

#include "acpi/acpi_parts.h"
#include "acpi/aml.h"

#define DSDT_REVISION 2 /* 64-bit AML integers */
#define DSDT_AML_MAX 4096
#define CRS_MAX 64

static void com1_device(struct aml *a, const struct acpi_machine *m)
{
	uint8_t crs_buf[CRS_MAX];
	struct aml crs;
	size_t dev = aml_device_begin(a, "COM1");

	aml_name(a, "_HID");
	aml_eisa_id(a, "PNP0501");
	aml_name(a, "_UID");
	aml_integer(a, 0);
	aml_init(&crs, crs_buf, sizeof(crs_buf));
	aml_res_io(&crs, m->com1_port, 8);
	aml_res_irq_noflags(&crs, m->com1_irq);
	aml_res_end(&crs);
	a->error |= crs.error;
	aml_name(a, "_CRS");
	aml_buffer(a, crs.buf, crs.len);
	aml_end(a, dev);
}

static void virtio_device(struct aml *a, unsigned i, const struct acpi_virtio_mmio *v)
{
	uint8_t crs_buf[CRS_MAX];
	struct aml crs;
	char name[5];
	size_t dev;

	snprintf(name, sizeof(name), "VR%02u", i);
	dev = aml_device_begin(a, name);
	aml_name(a, "_HID");
	aml_string(a, "LNRO0005");
	aml_name(a, "_UID");
	aml_integer(a, i);
	aml_init(&crs, crs_buf, sizeof(crs_buf));
	aml_res_memory32_fixed(&crs, (uint32_t)v->base, (uint32_t)v->size, true);
	aml_res_interrupt(&crs, v->irq, true, false, false);
	aml_res_end(&crs);
	a->error |= crs.error || v->base > UINT32_MAX || v->size > UINT32_MAX - v->base;
	aml_name(a, "_CRS");
	aml_buffer(a, crs.buf, crs.len);
	aml_end(a, dev);
}

/* \_S5: Package {SLP_TYPa, SLP_TYPb, reserved, reserved} (7.4.2). */
static void sleep_state_s5(struct aml *a, uint8_t slp_typ)
{
	size_t pkg;

	aml_name(a, "\\_S5");
	pkg = aml_package_begin(a, 4);
	aml_integer(a, slp_typ);
	aml_integer(a, slp_typ);
	aml_integer(a, 0);
	aml_integer(a, 0);
	aml_end(a, pkg);
}

int acpi_write_dsdt(struct acpi_area *area, const struct acpi_machine *m, uint64_t *gpa)
{
	uint8_t buf[DSDT_AML_MAX];
	struct acpi_header *h;
	struct aml a;
	size_t sb;

	aml_init(&a, buf, sizeof(buf));
	sb = aml_scope_begin(&a, "\\_SB");
	com1_device(&a, m);
	for (unsigned i = 0; i < m->nr_virtio && i < ACPI_MAX_VIRTIO; i++)
		virtio_device(&a, i, &m->virtio[i]);
	aml_end(&a, sb);
	sleep_state_s5(&a, m->power.s5_slp_typ);
	if (a.error)
		return -1;
	h = acpi_area_alloc(area, sizeof(*h) + a.len, 16, gpa);
	if (!h)
		return -1;
	acpi_header_init(h, "DSDT", (uint32_t)(sizeof(*h) + a.len), DSDT_REVISION);
	memcpy(h + 1, buf, a.len);
	acpi_table_seal(h);
	return 0;
}
