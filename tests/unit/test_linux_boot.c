// SPDX-License-Identifier: MIT
/*
 * The Linux boot protocol on bzImage files the tests write themselves from
 * the UAPI <asm/bootparam.h>: what lands in guest RAM (the protected-mode
 * kernel at 1 MiB, the zero page with the file's setup header and what a
 * loader must fill in, e820, command line, initrd, RSDP) and the entry
 * state, checked against Documentation/arch/x86/boot.rst ("64-bit boot
 * protocol"), and every malformed header refused with one line and no
 * write to guest RAM.
 */
#include <asm/bootparam.h>
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loader/loader.h"
#include "memory.h"
#include "support/guest_ram.h"
#include "support/run_suite.h"

#define RAM_SIZE (16u << 20)
#define FILL 0xcc
#define SETUP_SECTS 2
#define KERNEL_BYTES 0x3000u
#define KERNEL_FILL 0x5a

static uint8_t *ram;
static struct guest_mem mem;
static char path[64], initrd_path[64];
static struct loader_module initrd_module;
static uint8_t file[(SETUP_SECTS + 1) * 512 + KERNEL_BYTES];

static void setup(void)
{
	ram = test_guest_ram(&mem, RAM_SIZE, FILL);
	test_temp_file(path, "/tmp/minivmm-test-bzimage-XXXXXX");
	initrd_path[0] = '\0';
	initrd_module = (struct loader_module){initrd_path, 0};
}

static void teardown(void)
{
	unlink(path);
	if (initrd_path[0])
		unlink(initrd_path);
	free(ram);
}

/* A bzImage as the kernel's build writes one: boot sector, setup header, payload. */
static struct setup_header *good_image(void)
{
	struct setup_header *h = (struct setup_header *)(file + 0x1f1);

	memset(file, 0, sizeof(file));
	memset(file, 0x11, 0x1f1); /* real-mode junk the loader must not copy */
	file[0x1ef] = 0xff;	   /* the sentinel: set in the file, 0 in a loaded zero page */
	h->setup_sects = SETUP_SECTS;
	h->boot_flag = 0xaa55;
	h->jump = (uint16_t)(0xeb | ((0x1f1 + sizeof(*h) - 0x202) << 8));
	h->header = 0x53726448; /* "HdrS" */
	h->version = 0x020f;
	h->loadflags = LOADED_HIGH | CAN_USE_HEAP;
	h->heap_end_ptr = 0xfe00;
	h->relocatable_kernel = 1;
	h->kernel_alignment = 0x200000;
	h->xloadflags = XLF_KERNEL_64 | XLF_CAN_BE_LOADED_ABOVE_4G;
	h->cmdline_size = 255;
	h->initrd_addr_max = 0x7fffffff;
	h->pref_address = 0x400000;
	h->init_size = 0x300000;
	memset(file + (SETUP_SECTS + 1) * 512, KERNEL_FILL, KERNEL_BYTES);
	file[(SETUP_SECTS + 1) * 512 + 0x200] = 0x90; /* startup_64's first byte */
	return h;
}

static void write_image(size_t len)
{
	FILE *f = fopen(path, "wb");

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(file, 1, len, f), len);
	fclose(f);
}

static int load(const char *cmdline, struct boot_state *b, char *err, size_t n)
{
	struct loader_args a = {.kernel_path = path,
				.modules = &initrd_module,
				.nr_modules = initrd_path[0] ? 1 : 0,
				.cmdline = cmdline,
				.rsdp_gpa = BOOT_ACPI_GPA};
	const char *at;

	initrd_module.path_len = strlen(initrd_path);
	return loader_load(&mem, &a, b, &at, err, n);
}

static void add_initrd(size_t len)
{
	FILE *f;

	test_temp_file(initrd_path, "/tmp/minivmm-test-initrd-XXXXXX");
	f = fopen(initrd_path, "wb");
	for (size_t i = 0; i < len; i++)
		fputc((int)(i * 7), f);
	fclose(f);
}

START_TEST(zero_page_and_entry)
{
	struct boot_state b;
	struct boot_params bp;
	char err[256] = "";
	uint64_t covered = 0;

	good_image();
	write_image(sizeof(file));
	add_initrd(10000);
	ck_assert_int_eq(load("console=ttyS0 panic=-1", &b, err, sizeof(err)), 0);
	ck_assert_uint_eq(b.mode, BOOT_MODE_LINUX64);
	/* 64-bit entry: protected-mode kernel load address + 0x200, RSI = zero page. */
	ck_assert_uint_eq(b.rip, 0x100000 + 0x200);
	ck_assert_uint_eq(ram[b.rip], 0x90);
	ck_assert_mem_eq(ram + 0x100000, file + (SETUP_SECTS + 1) * 512, KERNEL_BYTES);
	ck_assert_int_eq(guest_mem_read(&mem, b.rsi, &bp, sizeof(bp)), 0);
	/* The file's setup header, and nothing before it (the sentinel stays 0). */
	ck_assert_uint_eq(bp.sentinel, 0);
	ck_assert_uint_eq(bp.hdr.header, 0x53726448);
	ck_assert_uint_eq(bp.hdr.boot_flag, 0xaa55);
	ck_assert_uint_eq(bp.hdr.init_size, 0x300000);
	ck_assert_uint_eq(bp.hdr.setup_sects, SETUP_SECTS);
	/* What a boot loader writes. */
	ck_assert_uint_eq(bp.hdr.type_of_loader, 0xff);
	ck_assert_uint_eq(bp.hdr.vid_mode, 0xffff);
	ck_assert_uint_eq(bp.hdr.code32_start, 0x100000);
	ck_assert_uint_eq(bp.hdr.loadflags & CAN_USE_HEAP, 0);
	ck_assert_str_eq((char *)ram + bp.hdr.cmd_line_ptr, "console=ttyS0 panic=-1");
	ck_assert_uint_eq(bp.acpi_rsdp_addr, 0xe0000);
	/* The initrd: page aligned, intact, clear of the kernel's decompression area. */
	ck_assert_uint_eq(bp.hdr.ramdisk_size, 10000);
	ck_assert_uint_eq(bp.hdr.ramdisk_image & 0xfff, 0);
	ck_assert_uint_ge(bp.hdr.ramdisk_image, 0x400000 + 0x300000);
	ck_assert_uint_le(bp.hdr.ramdisk_image + 10000, RAM_SIZE);
	for (unsigned i = 0; i < 10000; i++)
		ck_assert_uint_eq(ram[bp.hdr.ramdisk_image + i], (uint8_t)(i * 7));
	/* e820: in order, covering RAM, the boot area and the ACPI tables reserved. */
	ck_assert_uint_ge(bp.e820_entries, 3);
	for (unsigned i = 0; i < bp.e820_entries; i++) {
		struct boot_e820_entry *e = &bp.e820_table[i];

		ck_assert_uint_eq(e->addr, covered);
		covered = e->addr + e->size;
		if (e->addr <= b.rsi && b.rsi < covered)
			ck_assert_uint_eq(e->type, 2); /* the zero page is reserved */
		if (e->addr <= 0xe0000 && 0xe0000 < covered)
			ck_assert_uint_eq(e->type, 2);
		if (e->addr <= 0x100000 && 0x100000 < covered)
			ck_assert_uint_eq(e->type, 1);
	}
	ck_assert_uint_eq(covered, RAM_SIZE);
}
END_TEST

START_TEST(long_mode_with_boot_selectors)
{
	struct boot_state b;
	uint64_t gdt[6];
	char err[256] = "";

	good_image();
	write_image(sizeof(file));
	ck_assert_int_eq(load("", &b, err, sizeof(err)), 0);
	/* __BOOT_CS = 0x10 execute/read 64-bit, __BOOT_DS = 0x18 read/write, interrupts off. */
	ck_assert_uint_eq(b.cs.selector, 0x10);
	ck_assert_uint_eq(b.ds.selector, 0x18);
	ck_assert_uint_eq(b.cs.l, 1);
	ck_assert_uint_eq(b.rflags & 0x200, 0);
	ck_assert_uint_eq(b.cr0 & 0x80000001u, 0x80000001u);
	ck_assert_uint_eq(b.efer & 0x500, 0x500);
	ck_assert_int_eq(guest_mem_read(&mem, b.gdt_base, gdt, sizeof(gdt)), 0);
	ck_assert_uint_ge(b.gdt_limit, 0x1f);
	ck_assert_uint_eq((gdt[2] >> 43) & 1, 1); /* 0x10: code */
	ck_assert_uint_eq((gdt[2] >> 53) & 1, 1); /* L */
	ck_assert_uint_eq((gdt[3] >> 43) & 1, 0); /* 0x18: data */
	ck_assert_uint_eq((gdt[3] >> 41) & 1, 1); /* writable */
	ck_assert_uint_eq((gdt[3] >> 47) & 1, 1); /* present */
}
END_TEST

/* --- refused headers ------------------------------------------------------ */

static void expect_refused(size_t len, const char *cmdline, const char *why)
{
	struct boot_state b;
	char err[256] = "";

	write_image(len);
	ck_assert_int_eq(load(cmdline, &b, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, why), "reason '%s' does not mention '%s'", err, why);
	ck_assert_ptr_null(strchr(err, '\n'));
	for (size_t i = 0x100000; i < RAM_SIZE; i += 4096)
		ck_assert_msg(ram[i] == FILL, "RAM written at 0x%zx", i);
}

START_TEST(refuses_bad_headers)
{
	struct setup_header *h;

	h = good_image();
	h->header = 0x12345678;
	expect_refused(sizeof(file), "", "HdrS");
	h = good_image();
	h->version = 0x020b;
	expect_refused(sizeof(file), "", "2.11");
	h = good_image();
	h->loadflags = 0;
	expect_refused(sizeof(file), "", "LOADED_HIGH");
	h = good_image();
	h->xloadflags = 0;
	expect_refused(sizeof(file), "", "XLF_KERNEL_64");
	h = good_image();
	h->kernel_alignment = 0x300000;
	expect_refused(sizeof(file), "", "power of two");
	h = good_image();
	h->init_size = RAM_SIZE;
	expect_refused(sizeof(file), "", "decompress");
	h = good_image();
	h->relocatable_kernel = 0;
	h->pref_address = 0x10000;
	expect_refused(sizeof(file), "", "below 1 MiB");
	h = good_image();
	h->setup_sects = 200;
	expect_refused(sizeof(file), "", "truncated");
	good_image();
	expect_refused(0x210, "", "truncated");
}
END_TEST

START_TEST(refuses_long_command_line)
{
	struct setup_header *h = good_image();
	char cmd[300];

	memset(cmd, 'x', sizeof(cmd) - 1);
	cmd[sizeof(cmd) - 1] = '\0';
	h->cmdline_size = 255;
	expect_refused(sizeof(file), cmd, "at most 255");
}
END_TEST

static Suite *linux_boot_suite(void)
{
	Suite *s = suite_create("linux_boot");
	TCase *tc = tcase_create("bzImage");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, zero_page_and_entry);
	tcase_add_test(tc, long_mode_with_boot_selectors);
	tcase_add_test(tc, refuses_bad_headers);
	tcase_add_test(tc, refuses_long_command_line);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run_suite(linux_boot_suite());
}
