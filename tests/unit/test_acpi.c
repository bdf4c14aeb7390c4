// SPDX-License-Identifier: MIT
/*
 * The ACPI tables, checked two ways: by walking them here from the RSDP
 * as an OS does (checksums summed independently, layouts as the ACPI 6.x
 * spec gives the offsets), and by ACPICA's own disassembler (`iasl -d`,
 * acpica-tools), which must accept every table, find no bad checksum and
 * print the devices, resources and fields minivmm meant, for 0 to 8 disks.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "acpi/acpi.h"
#include "acpi/aml.h"
#include "memory.h"
#include "support/guest_ram.h"
#include "support/run_suite.h"

#define RAM_SIZE (2u << 20)
#define AREA 0xe0000u
#define AREA_SIZE 0x20000u

static uint8_t *ram;
static struct guest_mem mem;
/* The transports' first GSI: 5 (ISA lines, which need overrides) or 16 (minivmm's, which do not). */
static unsigned virtio_irq_base = 5;

static void setup(void)
{
	ram = test_guest_ram(&mem, RAM_SIZE, 0xcc);
	virtio_irq_base = 5;
}

static void teardown(void)
{
	free(ram);
}

static struct acpi_machine machine(unsigned nr_virtio)
{
	struct acpi_machine m = {
	    .lapic_address = 0xfee00000,
	    .ioapic_address = 0xfec00000,
	    .ioapic_id = 0,
	    .com1_port = 0x3f8,
	    .com1_irq = 4,
	    .power = {0x600, 0x604, 0xcf9, 0x06, 5, 9},
	    .nr_virtio = nr_virtio,
	};

	for (unsigned i = 0; i < nr_virtio; i++)
		m.virtio[i] = (struct acpi_virtio_mmio){0xd0000000u + i * 0x1000u, 0x1000,
							(uint8_t)(virtio_irq_base + i)};
	return m;
}

static void build(unsigned nr_virtio)
{
	struct acpi_machine m = machine(nr_virtio);
	char err[160] = "";

	ck_assert_int_eq(acpi_build(&mem, AREA, AREA_SIZE, &m, err, sizeof(err)), 0);
}

static uint32_t rd32(uint64_t gpa)
{
	uint32_t v;

	ck_assert_int_eq(guest_mem_read(&mem, gpa, &v, 4), 0);
	return v;
}

static uint64_t rd64(uint64_t gpa)
{
	uint64_t v;

	ck_assert_int_eq(guest_mem_read(&mem, gpa, &v, 8), 0);
	return v;
}

static unsigned byte_sum(uint64_t gpa, uint32_t len)
{
	unsigned s = 0;

	for (uint32_t i = 0; i < len; i++)
		s += ram[gpa + i];
	return s & 0xff;
}

/* A table with a standard header: inside the area, signature as given, bytes sum to 0. */
static uint32_t check_table(uint64_t gpa, const char *sig)
{
	uint32_t len;

	ck_assert_uint_ge(gpa, AREA);
	ck_assert_uint_lt(gpa, AREA + AREA_SIZE);
	ck_assert_mem_eq(ram + gpa, sig, 4);
	len = rd32(gpa + 4);
	ck_assert_uint_ge(len, 36);
	ck_assert_uint_le(gpa + len, AREA + AREA_SIZE);
	ck_assert_msg(byte_sum(gpa, len) == 0, "%s checksum wrong", sig);
	return len;
}

/* RSDP fields at their ACPI 6.x offsets (5.2.5.3). */
static void rsdp_roots(uint64_t *xsdt, uint64_t *rsdt)
{
	ck_assert_mem_eq(ram + AREA, "RSD PTR ", 8);
	ck_assert_uint_eq(byte_sum(AREA, 20), 0);
	ck_assert_uint_eq(byte_sum(AREA, 36), 0);
	ck_assert_uint_eq(ram[AREA + 15], 2); /* revision */
	ck_assert_uint_eq(rd32(AREA + 20), 36);
	*rsdt = rd32(AREA + 16);
	*xsdt = rd64(AREA + 24);
}

/* The table the XSDT lists with this signature (0 when absent), after checking the RSDT agrees. */
static uint64_t find_table(const char *sig)
{
	uint64_t xsdt, rsdt, found = 0;
	uint32_t xlen, rlen;

	rsdp_roots(&xsdt, &rsdt);
	xlen = check_table(xsdt, "XSDT");
	rlen = check_table(rsdt, "RSDT");
	ck_assert_uint_eq((xlen - 36) / 8, (rlen - 36) / 4);
	for (uint32_t i = 0; i < (xlen - 36) / 8; i++) {
		uint64_t t = rd64(xsdt + 36 + 8 * i);

		ck_assert_uint_eq(t, rd32(rsdt + 36 + 4 * i));
		if (!memcmp(ram + t, sig, 4))
			found = t;
	}
	return found;
}

START_TEST(rsdp_and_root_tables)
{
	uint64_t xsdt, rsdt;

	build((unsigned)_i);
	rsdp_roots(&xsdt, &rsdt);
	ck_assert_uint_eq(AREA & 15, 0);
	check_table(xsdt, "XSDT");
	check_table(rsdt, "RSDT");
	ck_assert_uint_ne(find_table("FACP"), 0);
	ck_assert_uint_ne(find_table("APIC"), 0);
}
END_TEST

START_TEST(fadt_fixed_hardware)
{
	uint64_t f, dsdt, facs;

	build(1);
	f = find_table("FACP");
	ck_assert_uint_eq(check_table(f, "FACP"), 276);
	ck_assert_uint_eq(ram[f + 8], 6); /* revision */
	dsdt = rd64(f + 140);
	ck_assert_uint_eq(dsdt, rd32(f + 40));
	check_table(dsdt, "DSDT");
	facs = rd32(f + 36);
	ck_assert_uint_eq(rd64(f + 132),
			  0); /* X_FIRMWARE_CTRL must be 0 when FIRMWARE_CTRL is set */
	ck_assert_uint_eq(facs % 64, 0);
	ck_assert_mem_eq(ram + facs, "FACS", 4);
	ck_assert_uint_eq(rd32(facs + 4), 64);
	ck_assert_uint_eq(ram[f + 46], 9);			 /* SCI_INT */
	ck_assert_uint_eq(rd32(f + 48), 0);			 /* SMI_CMD: always ACPI mode */
	ck_assert_uint_eq(rd32(f + 56), 0x600);			 /* PM1a_EVT_BLK */
	ck_assert_uint_eq(rd32(f + 64), 0x604);			 /* PM1a_CNT_BLK */
	ck_assert_uint_eq(ram[f + 88], 4);			 /* PM1_EVT_LEN */
	ck_assert_uint_eq(ram[f + 89], 2);			 /* PM1_CNT_LEN */
	ck_assert_uint_eq(rd32(f + 112) & (1u << 20), 0);	 /* not HW_REDUCED_ACPI */
	ck_assert_uint_eq(rd32(f + 112) & (1u << 10), 1u << 10); /* RESET_REG_SUP */
	ck_assert_uint_eq(ram[f + 116], 1);			 /* reset: system I/O */
	ck_assert_uint_eq(ram[f + 117], 8);			 /* 8 bits wide */
	ck_assert_uint_eq(rd64(f + 120), 0xcf9);
	ck_assert_uint_eq(ram[f + 128], 0x06);
	ck_assert_uint_eq(rd64(f + 148 + 4), 0x600); /* X_PM1a_EVT_BLK.address */
	ck_assert_uint_eq(rd64(f + 172 + 4), 0x604); /* X_PM1a_CNT_BLK.address */
}
END_TEST

/* Walk the MADT: one LAPIC, one I/O APIC, overrides exactly for level lines. */
START_TEST(madt_entries_and_overrides)
{
	unsigned n = (unsigned)_i, lapics = 0, ioapics = 0, nmis = 0;
	bool iso[256] = {false};
	uint64_t t, end;

	build(n);
	t = find_table("APIC");
	end = t + check_table(t, "APIC");
	ck_assert_uint_eq(rd32(t + 36), 0xfee00000);
	ck_assert_uint_eq(rd32(t + 40) & 1, 1); /* PCAT_COMPAT: 8259s present */
	for (uint64_t e = t + 44; e < end; e += ram[e + 1]) {
		ck_assert_uint_ge(ram[e + 1], 2);
		switch (ram[e]) {
		case 0:
			lapics++;
			ck_assert_uint_eq(rd32(e + 4) & 1, 1);
			break;
		case 1:
			ioapics++;
			ck_assert_uint_eq(rd32(e + 4), 0xfec00000);
			ck_assert_uint_eq(rd32(e + 8), 0);
			break;
		case 2: /* bus, source, GSI, flags (MPS INTI: 0xd = level, active high) */
			ck_assert_uint_eq(ram[e + 2], 0);
			ck_assert(!iso[ram[e + 3]]);
			iso[ram[e + 3]] = true;
			ck_assert_uint_eq(rd32(e + 4), ram[e + 3]);
			ck_assert_uint_eq(ram[e + 8] | ram[e + 9] << 8, 0xd);
			break;
		case 4:
			nmis++;
			ck_assert_uint_eq(ram[e + 5], 1); /* LINT1 */
			break;
		default:
			ck_abort_msg("unexpected MADT entry type %u", ram[e]);
		}
	}
	ck_assert_uint_eq(lapics, 1);
	ck_assert_uint_eq(ioapics, 1);
	ck_assert_uint_eq(nmis, 1);
	ck_assert(!iso[0]); /* the PIT stays on pin 0: no override for IRQ 0 */
	ck_assert(iso[9]);  /* the SCI */
	for (unsigned irq = 1; irq < 256; irq++)
		if (irq != 9)
			ck_assert_uint_eq(iso[irq], irq >= virtio_irq_base &&
							irq < virtio_irq_base + n && irq < 16);
}
END_TEST

/* minivmm's numbering, GSI 16 + i: pins no ISA IRQ owns, so the SCI's is the only override. */
START_TEST(madt_gsi_above_isa_no_override)
{
	virtio_irq_base = 16;
	madt_entries_and_overrides_fn(_i);
}
END_TEST

START_TEST(refuses_area_too_small_or_outside_ram)
{
	struct acpi_machine m = machine(8);
	char err[160] = "";

	ck_assert_int_eq(acpi_build(&mem, AREA, 256, &m, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "fit"));
	ck_assert_int_eq(acpi_build(&mem, RAM_SIZE - 0x1000, 0x2000, &m, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "RAM"));
}
END_TEST

/* --- iasl -d as the oracle ---------------------------------------------- */

static char dir[64];

static void iasl_setup(void)
{
	setup();
	strcpy(dir, "/tmp/minivmm-acpi-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void iasl_teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
	teardown();
}

/* Write len bytes at gpa to DIR/name.dat, disassemble it, return the .dsl text (malloc'd). */
static char *disassemble(const char *name, uint64_t gpa, uint32_t len)
{
	char path[128], cmd[256];
	FILE *f;
	char *text;
	long size;

	snprintf(path, sizeof(path), "%s/%s.dat", dir, name);
	f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(ram + gpa, 1, len, f), len);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "cd %s && iasl -d %s.dat >%s.log 2>&1", dir, name, name);
	ck_assert_msg(system(cmd) == 0, "iasl -d %s failed (is acpica-tools installed?)", name);
	snprintf(path, sizeof(path), "%s/%s.dsl", dir, name);
	f = fopen(path, "rb");
	ck_assert_ptr_nonnull(f);
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	rewind(f);
	text = calloc(1, (size_t)size + 1);
	ck_assert_uint_eq(fread(text, 1, (size_t)size, f), (size_t)size);
	fclose(f);
	ck_assert_msg(!strstr(text, "Incorrect checksum"), "iasl: bad checksum in %s", name);
	return text;
}

static unsigned count(const char *text, const char *what)
{
	unsigned n = 0;

	for (const char *p = text; (p = strstr(p, what)); p++)
		n++;
	return n;
}

static void expect(const char *text, const char *what)
{
	ck_assert_msg(strstr(text, what), "iasl output lacks '%s'", what);
}

START_TEST(iasl_dsdt_for_0_to_8_disks)
{
	unsigned n = (unsigned)_i;
	uint64_t f, dsdt;
	char *text, want[160];

	build(n);
	f = find_table("FACP");
	dsdt = rd64(f + 140);
	text = disassemble("dsdt", dsdt, check_table(dsdt, "DSDT"));
	expect(text, "DefinitionBlock (\"\", \"DSDT\", 2, \"MINVMM\"");
	expect(text, "Scope (\\_SB)");
	expect(text, "Device (COM1)");
	expect(text, "EisaId (\"PNP0501\")");
	expect(text, "IO (Decode16,\n                    0x03F8,             // Range Minimum\n"
		     "                    0x03F8,             // Range Maximum\n"
		     "                    0x01,               // Alignment\n"
		     "                    0x08,               // Length");
	expect(text, "IRQNoFlags ()\n                    {4}");
	expect(text, "Name (\\_S5, Package (0x04)");
	ck_assert_uint_eq(count(text, "\"LNRO0005\""), n);
	ck_assert_uint_eq(count(text, "Interrupt (ResourceConsumer, Level, ActiveHigh, Exclusive"),
			  n);
	for (unsigned i = 0; i < n; i++) {
		snprintf(want, sizeof(want), "Device (VR%02u)", i);
		expect(text, want);
		snprintf(
		    want, sizeof(want),
		    "Memory32Fixed (ReadWrite,\n                    0x%08X,         // Address "
		    "Base\n                    0x00001000,         // Address Length",
		    0xd0000000u + i * 0x1000u);
		expect(text, want);
		snprintf(want, sizeof(want),
			 "Exclusive, ,, )\n                {\n"
			 "                    0x%08X,\n",
			 virtio_irq_base + i);
		expect(text, want);
	}
	free(text);
}
END_TEST

START_TEST(iasl_dsdt_gsi_above_isa)
{
	virtio_irq_base = 16;
	iasl_dsdt_for_0_to_8_disks_fn(_i);
}
END_TEST

START_TEST(iasl_data_tables)
{
	uint64_t xsdt, rsdt, fadt, madt, facs;
	char *text, want[96];

	build(2);
	rsdp_roots(&xsdt, &rsdt);
	fadt = find_table("FACP");
	madt = find_table("APIC");
	facs = rd32(fadt + 36);

	text = disassemble("facp", fadt, check_table(fadt, "FACP"));
	expect(text, "Hardware Reduced (V5) : 0");
	expect(text, "Reset Register Supported (V2) : 1");
	expect(text, "Value to cause reset : 06");
	expect(text, "Address : 0000000000000CF9");
	expect(text, "PM1A Control Block Address : 00000604");
	expect(text, "SCI Interrupt : 0009");
	free(text);

	text = disassemble("apic", madt, check_table(madt, "APIC"));
	expect(text, "Subtable Type : 00 [Processor Local APIC]");
	expect(text, "Subtable Type : 01 [I/O APIC]");
	expect(text, "Address : FEC00000");
	ck_assert_uint_eq(count(text, "[Interrupt Source Override]"), 3); /* SCI, 5, 6 */
	ck_assert_uint_eq(count(text, "Trigger Mode : 3"), 3);
	free(text);

	text = disassemble("xsdt", xsdt, check_table(xsdt, "XSDT"));
	snprintf(want, sizeof(want), "ACPI Table Address   0 : %016llX", (unsigned long long)fadt);
	expect(text, want);
	free(text);
	text = disassemble("rsdt", rsdt, check_table(rsdt, "RSDT"));
	snprintf(want, sizeof(want), "ACPI Table Address   1 : %08llX", (unsigned long long)madt);
	expect(text, want);
	free(text);
	text = disassemble("facs", facs, 64);
	expect(text, "Signature : \"FACS\"");
	expect(text, "Version : 02");
	free(text);
}
END_TEST

/* --- the AML builder on its own, against encodings from the ACPI spec ------ */

START_TEST(aml_encodings)
{
	uint8_t buf[256];
	struct aml a;
	size_t mark;

	aml_init(&a, buf, sizeof(buf));
	aml_eisa_id(&a, "PNP0501"); /* 0x0105D041, the value in every PC's DSDT */
	ck_assert_mem_eq(buf, "\x0c\x41\xd0\x05\x01", 5);
	aml_init(&a, buf, sizeof(buf));
	aml_integer(&a, 0);
	aml_integer(&a, 1);
	aml_integer(&a, 0x12);
	aml_integer(&a, 0x1234);
	aml_integer(&a, 0x12345678);
	aml_integer(&a, 0x100000000ULL);
	ck_assert_uint_eq(a.len, 1 + 1 + 2 + 3 + 5 + 9);
	ck_assert_mem_eq(buf, "\x00\x01\x0a\x12\x0b\x34\x12\x0c\x78\x56\x34\x12\x0e", 13);
	/* PkgLength: one byte up to 63 in total, else a lead byte with the count in bits 7:6. */
	aml_init(&a, buf, sizeof(buf));
	mark = aml_package_begin(&a, 0);
	for (int i = 0; i < 61; i++)
		aml_integer(&a, 0);
	aml_end(&a, mark); /* 62 bytes of body + 1 byte of PkgLength = 63 */
	ck_assert_uint_eq(buf[1], 63);
	aml_init(&a, buf, sizeof(buf));
	mark = aml_package_begin(&a, 0);
	for (int i = 0; i < 62; i++)
		aml_integer(&a, 0);
	aml_end(&a, mark); /* 63 + 2 = 65 = 0x41: lead 0x40 | 1, then 0x04 */
	ck_assert_uint_eq(buf[1], 0x41);
	ck_assert_uint_eq(buf[2], 0x04);
	ck_assert(!a.error);
	/* Names: root prefix, padding, dual names; bad characters and overflow are errors. */
	aml_init(&a, buf, sizeof(buf));
	aml_name_string(&a, "\\_SB.VR0");
	ck_assert_mem_eq(buf, "\\\x2e_SB_VR0_", 10);
	aml_name_string(&a, "1BAD");
	ck_assert(a.error);
	aml_init(&a, buf, 3);
	aml_string(&a, "LNRO0005");
	ck_assert(a.error);
}
END_TEST

static Suite *acpi_suite(void)
{
	Suite *s = suite_create("acpi");
	TCase *tables = tcase_create("tables"), *iasl = tcase_create("iasl");

	tcase_add_checked_fixture(tables, setup, teardown);
	tcase_add_loop_test(tables, rsdp_and_root_tables, 0, 9);
	tcase_add_test(tables, fadt_fixed_hardware);
	tcase_add_loop_test(tables, madt_entries_and_overrides, 0, 9);
	tcase_add_loop_test(tables, madt_gsi_above_isa_no_override, 0, 9);
	tcase_add_test(tables, refuses_area_too_small_or_outside_ram);
	tcase_add_test(tables, aml_encodings);
	suite_add_tcase(s, tables);

	tcase_add_checked_fixture(iasl, iasl_setup, iasl_teardown);
	tcase_set_timeout(iasl, 60);
	tcase_add_loop_test(iasl, iasl_dsdt_for_0_to_8_disks, 0, 9);
	tcase_add_loop_test(iasl, iasl_dsdt_gsi_above_isa, 0, 9);
	tcase_add_test(iasl, iasl_data_tables);
	suite_add_tcase(s, iasl);
	return s;
}

int main(void)
{
	return test_run_suite(acpi_suite());
}
