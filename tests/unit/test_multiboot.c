// SPDX-License-Identifier: MIT
/*
 * Multiboot v1 on images the tests write themselves (the a.out kludge:
 * a raw image whose header gives the load addresses), read back as a
 * Multiboot kernel would (Multiboot Specification 0.6.96, 3.2 and 3.3,
 * with the spec's own <multiboot/multiboot.h>): the machine state at the
 * entry, the information structure (memory sizes, memory map, command
 * line, modules with their strings, loader name) and broken headers
 * refused with one line and RAM untouched.
 */
#include <check.h>
#include <multiboot/multiboot.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loader/loader.h"
#include "memory.h"
#include "support/guest_ram.h"
#include "support/run_suite.h"

#define RAM_SIZE (8u << 20)
#define FILL 0xcc
#define LOAD 0x10000u /* below 1 MiB: allowed outside the boot area */
#define HDR_OFF 0x40u
#define IMAGE_LEN 0x1800u
#define BSS_END (LOAD + 0x3000u)
#define ENTRY (LOAD + 0x80u)

static uint8_t *ram;
static struct guest_mem mem;
static char path[64], mod_path[2][64], mod_spec[2][128];
static struct loader_module mods[2];
static uint8_t image[IMAGE_LEN];

static void setup(void)
{
	ram = test_guest_ram(&mem, RAM_SIZE, FILL);
	test_temp_file(path, "/tmp/minivmm-test-mb-XXXXXX");
	for (int i = 0; i < 2; i++) {
		FILE *f;

		test_temp_file(mod_path[i], "/tmp/minivmm-test-mbmod-XXXXXX");
		f = fopen(mod_path[i], "wb");
		fprintf(f, "module %d payload", i);
		fclose(f);
	}
	snprintf(mod_spec[0], sizeof(mod_spec[0]), "%s first args", mod_path[0]);
	snprintf(mod_spec[1], sizeof(mod_spec[1]), "%s", mod_path[1]);
	mods[0] = (struct loader_module){mod_spec[0], strlen(mod_path[0])};
	mods[1] = (struct loader_module){mod_spec[1], strlen(mod_path[1])};
}

static void teardown(void)
{
	unlink(path);
	unlink(mod_path[0]);
	unlink(mod_path[1]);
	free(ram);
}

/* A raw image with a Multiboot header asking for the a.out kludge. */
static struct multiboot_header *good_image(void)
{
	struct multiboot_header *h = (struct multiboot_header *)(image + HDR_OFF);

	for (unsigned i = 0; i < IMAGE_LEN; i++)
		image[i] = (uint8_t)(i * 13 + 1);
	memset(h, 0, sizeof(*h));
	h->magic = MULTIBOOT_HEADER_MAGIC;
	h->flags = MULTIBOOT_PAGE_ALIGN | MULTIBOOT_MEMORY_INFO | MULTIBOOT_AOUT_KLUDGE;
	h->checksum = -(h->magic + h->flags);
	h->header_addr = LOAD + HDR_OFF;
	h->load_addr = LOAD;
	h->load_end_addr = 0; /* the whole file */
	h->bss_end_addr = BSS_END;
	h->entry_addr = ENTRY;
	return h;
}

static void fix_checksum(struct multiboot_header *h)
{
	h->checksum = -(h->magic + h->flags);
}

static void write_image(void)
{
	FILE *f = fopen(path, "wb");

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(image, 1, IMAGE_LEN, f), IMAGE_LEN);
	fclose(f);
}

static int load(unsigned nr_mods, struct boot_state *b, char *err, size_t n)
{
	struct loader_args a = {.kernel_path = path,
				.modules = mods,
				.nr_modules = nr_mods,
				.cmdline = "console=com1 x=1",
				.rsdp_gpa = BOOT_ACPI_GPA};
	const char *at;

	return loader_load(&mem, &a, b, &at, err, n);
}

START_TEST(entry_state_and_image)
{
	struct boot_state b;
	char err[256] = "";

	good_image();
	write_image();
	ck_assert_int_eq(load(0, &b, err, sizeof(err)), 0);
	ck_assert_uint_eq(b.mode, BOOT_MODE_MULTIBOOT);
	/* 3.2: EAX magic, EBX info, 32-bit protected mode, paging off, flat segments, IF clear. */
	ck_assert_uint_eq(b.rax, 0x2badb002);
	ck_assert_uint_eq(b.rip, ENTRY);
	ck_assert_uint_lt(b.rbx, 1ULL << 32);
	ck_assert_uint_eq(b.cr0 & 0x80000001u, 1);
	ck_assert_uint_eq(b.efer, 0);
	ck_assert_uint_eq(b.rflags & 0x200, 0);
	ck_assert_uint_eq(b.cs.db, 1);
	ck_assert_uint_eq(b.cs.base, 0);
	ck_assert_uint_eq(b.cs.limit, 0xffffffff);
	ck_assert_uint_eq(b.ds.base, 0);
	ck_assert_uint_eq(b.ds.limit, 0xffffffff);
	/* The file from load_addr on, then zeroed bss up to bss_end_addr, then RAM untouched. */
	ck_assert_mem_eq(ram + LOAD, image, IMAGE_LEN);
	for (unsigned a = LOAD + IMAGE_LEN; a < BSS_END; a++)
		ck_assert_uint_eq(ram[a], 0);
	ck_assert_uint_eq(ram[BSS_END], FILL);
}
END_TEST

START_TEST(info_structure)
{
	struct boot_state b;
	multiboot_info_t mbi;
	multiboot_module_t m[2];
	char err[256] = "", want[160];
	uint64_t covered = 0;
	bool low_reserved = false, acpi_reserved = false;

	good_image();
	write_image();
	ck_assert_int_eq(load(2, &b, err, sizeof(err)), 0);
	ck_assert_int_eq(guest_mem_read(&mem, b.rbx, &mbi, sizeof(mbi)), 0);
	ck_assert_uint_eq(mbi.flags & MULTIBOOT_INFO_MEMORY, MULTIBOOT_INFO_MEMORY);
	ck_assert_uint_eq(mbi.mem_lower, 640);
	ck_assert_uint_eq(mbi.mem_upper, (RAM_SIZE - (1u << 20)) / 1024);
	/* The command line starts with the kernel's file name, as GRUB and QEMU pass it. */
	ck_assert_uint_eq(mbi.flags & MULTIBOOT_INFO_CMDLINE, MULTIBOOT_INFO_CMDLINE);
	snprintf(want, sizeof(want), "%s console=com1 x=1", path);
	ck_assert_str_eq((char *)ram + mbi.cmdline, want);
	ck_assert_uint_eq(mbi.flags & MULTIBOOT_INFO_BOOT_LOADER_NAME,
			  MULTIBOOT_INFO_BOOT_LOADER_NAME);
	ck_assert_str_eq((char *)ram + mbi.boot_loader_name, "minivmm");
	/* Modules in the given order, each with its whole spec as string, page aligned. */
	ck_assert_uint_eq(mbi.flags & MULTIBOOT_INFO_MODS, MULTIBOOT_INFO_MODS);
	ck_assert_uint_eq(mbi.mods_count, 2);
	ck_assert_int_eq(guest_mem_read(&mem, mbi.mods_addr, m, sizeof(m)), 0);
	for (int i = 0; i < 2; i++) {
		char payload[32];

		snprintf(payload, sizeof(payload), "module %d payload", i);
		ck_assert_uint_eq(m[i].mod_end - m[i].mod_start, strlen(payload));
		ck_assert_uint_eq(m[i].mod_start & 0xfff, 0);
		ck_assert_mem_eq(ram + m[i].mod_start, payload, strlen(payload));
		ck_assert_str_eq((char *)ram + m[i].cmdline, mod_spec[i]);
		ck_assert_uint_ge(m[i].mod_start, BSS_END); /* clear of the kernel */
		ck_assert_uint_le(m[i].mod_end, RAM_SIZE);
	}
	ck_assert(m[0].mod_end <= m[1].mod_start || m[1].mod_end <= m[0].mod_start);
	/* The memory map: 20-byte entries (size excludes itself), in order, covering RAM. */
	ck_assert_uint_eq(mbi.flags & MULTIBOOT_INFO_MEM_MAP, MULTIBOOT_INFO_MEM_MAP);
	for (uint32_t off = 0; off < mbi.mmap_length;) {
		multiboot_memory_map_t e;

		ck_assert_int_eq(guest_mem_read(&mem, mbi.mmap_addr + off, &e, sizeof(e)), 0);
		ck_assert_uint_eq(e.size, 20);
		ck_assert_uint_eq(e.addr, covered);
		covered = e.addr + e.len;
		if (e.type == MULTIBOOT_MEMORY_AVAILABLE) {
			/* No boot structure of the VMM's in RAM the kernel may use. */
			ck_assert(b.rbx >= covered || b.rbx + sizeof(mbi) <= e.addr);
			ck_assert(mbi.cmdline >= covered || mbi.cmdline < e.addr);
		} else {
			ck_assert_uint_eq(e.type, MULTIBOOT_MEMORY_RESERVED);
			low_reserved |= e.addr == 0;
			acpi_reserved |= e.addr <= 0xe0000 && 0xe0000 < covered;
		}
		off += e.size + 4;
	}
	ck_assert_uint_eq(covered, RAM_SIZE);
	ck_assert(low_reserved && acpi_reserved);
}
END_TEST

/* --- refused ------------------------------------------------------------------- */

static void expect_refused(const char *why)
{
	struct boot_state b;
	char err[256] = "";

	write_image();
	ck_assert_int_eq(load(0, &b, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, why), "reason '%s' does not mention '%s'", err, why);
	ck_assert_ptr_null(strchr(err, '\n'));
	for (size_t i = 0; i < RAM_SIZE; i += 4096)
		ck_assert_msg(ram[i] == FILL, "RAM written at 0x%zx", i);
}

START_TEST(refuses_unknown_required_flags)
{
	struct multiboot_header *h = good_image();

	h->flags |= 1u << 3;
	fix_checksum(h);
	expect_refused("requires features 0x8");
}
END_TEST

START_TEST(refuses_inconsistent_kludge)
{
	struct multiboot_header *h = good_image();

	h->header_addr = LOAD + 0x2000; /* header would lie before the file's start */
	expect_refused("before the start of the file");
	h = good_image();
	h->load_end_addr = LOAD + IMAGE_LEN + 0x100; /* beyond the file */
	expect_refused("inconsistent");
	h = good_image();
	h->bss_end_addr = LOAD + 0x10; /* below load_end */
	expect_refused("inconsistent");
	h = good_image();
	h->entry_addr = BSS_END + 4;
	expect_refused("entry_addr");
}
END_TEST

/* Images placed on the boot area, on the ACPI tables, or past the end of RAM. */
START_TEST(refuses_boot_area_acpi_and_outside_ram)
{
	static const struct {
		uint32_t load, bss_end;
		const char *why;
	} cases[] = {
	    {0x1000, 0, "boot area"},
	    {0xe0000, 0, "ACPI"},
	    {LOAD, RAM_SIZE + 0x1000, "RAM"},
	};
	struct multiboot_header *h = good_image();

	h->load_addr = cases[_i].load;
	h->header_addr = cases[_i].load + HDR_OFF;
	h->bss_end_addr = cases[_i].bss_end;
	h->entry_addr = cases[_i].load + 0x80;
	expect_refused(cases[_i].why);
}
END_TEST

START_TEST(bad_checksum_is_no_multiboot_header)
{
	struct multiboot_header *h = good_image();

	h->checksum++;
	expect_refused("not an ELF file"); /* neither Multiboot nor ELF: nothing boots it */
}
END_TEST

static Suite *multiboot_suite(void)
{
	Suite *s = suite_create("multiboot");
	TCase *tc = tcase_create("v1");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, entry_state_and_image);
	tcase_add_test(tc, info_structure);
	tcase_add_test(tc, refuses_unknown_required_flags);
	tcase_add_test(tc, refuses_inconsistent_kludge);
	tcase_add_loop_test(tc, refuses_boot_area_acpi_and_outside_ram, 0, 3);
	tcase_add_test(tc, bad_checksum_is_no_multiboot_header);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run_suite(multiboot_suite());
}
