// SPDX-License-Identifier: MIT
/*
 * Multiboot2 on images the tests write themselves, laid out from the
 * specification's text (The Multiboot2 Specification 2.0, 3.1: header
 * magic 0xE85250D6, architecture, header_length, checksum, 8-byte aligned
 * tags; 3.6: the boot information) with numbers here, not minivmm's
 * constants: a raw image placed by its address tag and entered at its
 * entry address tag; the machine state at the entry (3.3); every tag of
 * the boot information walked as a kernel would (command line, loader
 * name, modules with GRUB 2's strings, basic memory information, memory
 * map, the RSDP copies against the tables built beforehand, the load base
 * for a relocatable image); and broken headers refused with one line and
 * RAM untouched.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loader/loader.h"
#include "loader/multiboot2.h"
#include "memory.h"
#include "support/guest_ram.h"
#include "support/run_suite.h"
#include "vm_acpi.h"

#define RAM_SIZE (8u << 20)
#define FILL 0xcc
#define LOAD 0x10000u
#define HDR_OFF 0x40u
#define IMAGE_LEN 0x1800u
#define BSS_END (LOAD + 0x3000u)
#define ENTRY (LOAD + 0x200u)

static uint8_t *ram;
static struct guest_mem mem;
static char path[64], mod_path[2][64], mod_spec[2][128];
static struct loader_module mods[2];
static uint8_t image[IMAGE_LEN];
static size_t hdr_len; /* bytes of header written by begin()/add()/end() */

static void setup(void)
{
	struct virtio_devices none = {.nr_open = 0};

	ram = test_guest_ram(&mem, RAM_SIZE, FILL);
	ck_assert_int_eq(vm_acpi_build(&mem, &none), 0); /* as the VM does before loading */
	test_temp_file(path, "/tmp/minivmm-test-mb2-XXXXXX");
	for (int i = 0; i < 2; i++) {
		FILE *f;

		test_temp_file(mod_path[i], "/tmp/minivmm-test-mb2mod-XXXXXX");
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

static void w32(size_t off, uint32_t v)
{
	memcpy(image + off, &v, 4);
}

static uint32_t r32(uint64_t gpa)
{
	uint32_t v;

	ck_assert_int_eq(guest_mem_read(&mem, gpa, &v, 4), 0);
	return v;
}

static void begin(uint32_t arch)
{
	for (unsigned i = 0; i < IMAGE_LEN; i++)
		image[i] = (uint8_t)(i * 13 + 1);
	w32(HDR_OFF, 0xe85250d6u);
	w32(HDR_OFF + 4, arch);
	hdr_len = 16;
}

/* A header tag: type, flags, size, then the u32 fields; padded to 8 bytes. */
static size_t add(uint16_t type, uint16_t flags, unsigned n, const uint32_t *f)
{
	size_t at = HDR_OFF + hdr_len;

	memcpy(image + at, &type, 2);
	memcpy(image + at + 2, &flags, 2);
	w32(at + 4, 8 + 4 * n);
	for (unsigned i = 0; i < n; i++)
		w32(at + 8 + 4 * i, f[i]);
	hdr_len += (8 + 4 * n + 7) & ~7u;
	return at;
}

static void end(void)
{
	uint32_t sum;

	add(0, 0, 0, NULL);
	w32(HDR_OFF + 8, (uint32_t)hdr_len);
	memcpy(&sum, image + HDR_OFF + 4, 4);
	w32(HDR_OFF + 12, -(0xe85250d6u + sum + (uint32_t)hdr_len));
}

/* The usual raw image: address tag (load the whole file at LOAD, bss to BSS_END), entry tag. */
static void good_image(void)
{
	begin(0);
	add(2, 0, 4, (uint32_t[]){LOAD + HDR_OFF, LOAD, 0, BSS_END});
	add(3, 0, 1, (uint32_t[]){ENTRY});
	add(1, 0, 7, (uint32_t[]){1, 2, 3, 4, 6, 14, 15});
	add(6, 0, 0, NULL);
	end();
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
	ck_assert_uint_eq(b.mode, BOOT_MODE_MULTIBOOT2);
	/* 3.3: EAX magic, EBX the information (8-byte aligned), 32-bit flat, paging and IF off. */
	ck_assert_uint_eq(b.rax, 0x36d76289);
	ck_assert_uint_eq(b.rip, ENTRY);
	ck_assert_uint_eq(b.rbx & 7, 0);
	ck_assert_uint_lt(b.rbx, 1ULL << 32);
	ck_assert_uint_eq(b.cr0 & 0x80000001u, 1);
	ck_assert_uint_eq(b.efer, 0);
	ck_assert_uint_eq(b.rflags & 0x20200, 0); /* IF and VM clear */
	ck_assert_uint_eq(b.cs.db, 1);
	ck_assert_uint_eq(b.cs.base, 0);
	ck_assert_uint_eq(b.cs.limit, 0xffffffff);
	ck_assert_uint_eq(b.ds.limit, 0xffffffff);
	ck_assert_mem_eq(ram + LOAD, image, IMAGE_LEN);
	for (unsigned a = LOAD + IMAGE_LEN; a < BSS_END; a++)
		ck_assert_uint_eq(ram[a], 0);
	ck_assert_uint_eq(ram[BSS_END], FILL);
}
END_TEST

/* The tag of this type at or after *off in the information at info; 0 when none. */
static uint64_t next_tag(uint64_t info, uint32_t type, uint32_t *off)
{
	uint32_t total = r32(info);

	while (*off + 8 <= total) {
		uint64_t t = info + *off;
		uint32_t ty = r32(t), size = r32(t + 4);

		ck_assert_uint_ge(size, 8);
		ck_assert_uint_le(*off + size, total);
		*off += (size + 7) & ~7u;
		if (ty == type)
			return t;
		if (ty == 0)
			break;
	}
	return 0;
}

static uint64_t find_tag(uint64_t info, uint32_t type)
{
	uint32_t off = 8;

	return next_tag(info, type, &off);
}

START_TEST(information_tags)
{
	struct boot_state b;
	char err[256] = "";
	uint64_t t, info, e, covered = 0;
	uint32_t off = 8;

	good_image();
	write_image();
	ck_assert_int_eq(load(2, &b, err, sizeof(err)), 0);
	info = b.rbx;
	ck_assert_uint_eq(r32(info + 4), 0); /* reserved */
	/* The end tag closes it: type 0, size 8, at total_size - 8. */
	ck_assert_uint_eq(r32(info + r32(info) - 8), 0);
	ck_assert_uint_eq(r32(info + r32(info) - 4), 8);
	/* GRUB 2's strings: the command line without the kernel's name, a module's its ARGS. */
	t = find_tag(info, 1);
	ck_assert_str_eq((char *)ram + t + 8, "console=com1 x=1");
	ck_assert_uint_eq(r32(t + 4), 8 + strlen("console=com1 x=1") + 1);
	ck_assert_str_eq((char *)ram + find_tag(info, 2) + 8, "minivmm");
	for (int i = 0; i < 2; i++) {
		char payload[32];
		uint32_t start, mend;

		t = next_tag(info, 3, &off);
		ck_assert_uint_ne(t, 0);
		start = r32(t + 8);
		mend = r32(t + 12);
		snprintf(payload, sizeof(payload), "module %d payload", i);
		ck_assert_uint_eq(mend - start, strlen(payload));
		ck_assert_uint_eq(start & 0xfff, 0);
		ck_assert_mem_eq(ram + start, payload, strlen(payload));
		ck_assert_str_eq((char *)ram + t + 16, i == 0 ? "first args" : "");
		ck_assert_uint_ge(start, BSS_END);
	}
	ck_assert_uint_eq(next_tag(info, 3, &off), 0);
	/* Basic memory information: 640 KiB below 1 MiB, the rest of low RAM above it. */
	t = find_tag(info, 4);
	ck_assert_uint_eq(r32(t + 4), 16);
	ck_assert_uint_eq(r32(t + 8), 640);
	ck_assert_uint_eq(r32(t + 12), (RAM_SIZE - (1u << 20)) / 1024);
	/* Memory map: 24-byte entries, version 0, in order, covering RAM; the info is reserved. */
	t = find_tag(info, 6);
	ck_assert_uint_eq(r32(t + 8), 24);
	ck_assert_uint_eq(r32(t + 12), 0);
	for (e = t + 16; e < t + r32(t + 4); e += 24) {
		uint64_t base, len;

		ck_assert_int_eq(guest_mem_read(&mem, e, &base, 8), 0);
		ck_assert_int_eq(guest_mem_read(&mem, e + 8, &len, 8), 0);
		ck_assert_uint_eq(base, covered);
		covered = base + len;
		if (r32(e + 16) == 1)
			ck_assert(info >= covered || info + r32(info) <= base);
		else
			ck_assert_uint_eq(r32(e + 16), 2);
	}
	ck_assert_uint_eq(covered, RAM_SIZE);
	/* The RSDP copies: the first 20 bytes and all 36 of what sits at 0xe0000. */
	t = find_tag(info, 14);
	ck_assert_uint_eq(r32(t + 4), 8 + 20);
	ck_assert_mem_eq(ram + t + 8, ram + 0xe0000, 20);
	ck_assert_mem_eq(ram + 0xe0000, "RSD PTR ", 8);
	t = find_tag(info, 15);
	ck_assert_uint_eq(r32(t + 4), 8 + 36);
	ck_assert_mem_eq(ram + t + 8, ram + 0xe0000, 36);
	/* Not relocatable: no load base tag. */
	ck_assert_uint_eq(find_tag(info, 21), 0);
}
END_TEST

START_TEST(relocatable_gets_load_base)
{
	struct boot_state b;
	char err[256] = "";
	uint64_t t;

	good_image();
	hdr_len -= 8; /* reopen: drop the end tag */
	add(10, 0, 4, (uint32_t[]){0x1000, 0x800000, 0x1000, 0});
	end();
	write_image();
	ck_assert_int_eq(load(0, &b, err, sizeof(err)), 0);
	t = find_tag(b.rbx, 21);
	ck_assert_uint_ne(t, 0);
	ck_assert_uint_eq(r32(t + 4), 12);
	ck_assert_uint_eq(r32(t + 8), LOAD);
}
END_TEST

START_TEST(header_parser)
{
	struct mb2_header h;
	char err[160];

	good_image();
	ck_assert_int_eq(mb2_header_find(image, IMAGE_LEN, &h), 1);
	ck_assert_uint_eq(h.offset, HDR_OFF);
	ck_assert_uint_eq(h.length, hdr_len);
	ck_assert_int_eq(mb2_header_parse(image, IMAGE_LEN, &h, err, sizeof(err)), 0);
	ck_assert(h.has_address && h.has_entry && !h.relocatable);
	ck_assert_uint_eq(h.header_addr, LOAD + HDR_OFF);
	ck_assert_uint_eq(h.bss_end_addr, BSS_END);
	ck_assert_uint_eq(h.entry_addr, ENTRY);
	/* Not at an 8-byte boundary, or a header that does not fit: no header. */
	ck_assert_int_eq(mb2_header_find(image + 4, IMAGE_LEN - 4, &h), 0);
	ck_assert_int_eq(mb2_header_find(image, HDR_OFF + 16, &h), 0);
	w32(HDR_OFF + 12, 0);
	ck_assert_int_eq(mb2_header_find(image, IMAGE_LEN, &h), 0);
}
END_TEST

/* --- refused ------------------------------------------------------------------- */

static bool ram_checked = true; /* the relocatable range is checked after loading */

static void expect_refused(const char *why)
{
	struct boot_state b;
	char err[256] = "";

	write_image();
	ck_assert_int_eq(load(0, &b, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, why), "reason '%s' does not mention '%s'", err, why);
	ck_assert_ptr_null(strchr(err, '\n'));
	if (!ram_checked)
		return;
	for (size_t i = 0x100000; i < RAM_SIZE; i += 4096)
		ck_assert_msg(ram[i] == FILL, "RAM written at 0x%zx", i);
	for (size_t i = LOAD; i < BSS_END; i++)
		ck_assert_msg(ram[i] == FILL, "RAM written at 0x%zx", i);
}

START_TEST(refuses_bad_headers)
{
	switch (_i) {
	case 0: /* not i386 */
		begin(4);
		end();
		expect_refused("architecture 4");
		break;
	case 1: /* a tag running past header_length */
		good_image();
		w32(HDR_OFF + 16 + 4, 0x1000);
		expect_refused("outside the header");
		break;
	case 2: /* no end tag: header_length stops before it */
		good_image();
		w32(HDR_OFF + 8, (uint32_t)hdr_len - 8);
		w32(HDR_OFF + 12, -(0xe85250d6u + (uint32_t)hdr_len - 8));
		expect_refused("without an end tag");
		break;
	case 3: /* a required information request minivmm cannot answer (ELF sections) */
		begin(0);
		add(1, 0, 2, (uint32_t[]){1, 9});
		end();
		expect_refused("tag type 9");
		break;
	case 4: /* an unknown required tag */
		begin(0);
		add(77, 0, 0, NULL);
		end();
		expect_refused("unknown type 77");
		break;
	case 5: /* a required framebuffer */
		begin(0);
		add(5, 0, 3, (uint32_t[]){640, 480, 32});
		end();
		expect_refused("framebuffer");
		break;
	case 6: /* an address tag without an entry tag */
		begin(0);
		add(2, 0, 4, (uint32_t[]){LOAD + HDR_OFF, LOAD, 0, BSS_END});
		end();
		expect_refused("no entry address tag");
		break;
	case 7: /* an address tag with the wrong size */
		begin(0);
		add(2, 0, 3, (uint32_t[]){LOAD + HDR_OFF, LOAD, 0});
		end();
		expect_refused("size 20, not 24");
		break;
	case 8: /* placed on the ACPI tables */
		begin(0);
		add(2, 0, 4, (uint32_t[]){0xe0000 + HDR_OFF, 0xe0000, 0, 0});
		add(3, 0, 1, (uint32_t[]){0xe0000 + 0x80});
		end();
		expect_refused("ACPI");
		break;
	case 9: /* relocatable, but its range excludes where it is linked */
		good_image();
		hdr_len -= 8;
		add(10, 0, 4, (uint32_t[]){0x200000, 0x800000, 0x1000, 0});
		end();
		ram_checked = false;
		expect_refused("relocatable range");
		break;
	case 10: /* the same tag marked optional is only a wish: the image loads where linked */
		good_image();
		hdr_len -= 8;
		add(10, 1, 4, (uint32_t[]){0x200000, 0x800000, 0x1000, 0});
		end();
		write_image();
		{
			struct boot_state b;
			char err[256] = "";

			ck_assert_int_eq(load(0, &b, err, sizeof(err)), 0);
			ck_assert_uint_eq(b.rip, ENTRY);
		}
		break;
	}
}
END_TEST

START_TEST(optional_unknown_tags_ignored)
{
	struct boot_state b;
	char err[256] = "";

	begin(0);
	add(2, 0, 4, (uint32_t[]){LOAD + HDR_OFF, LOAD, 0, BSS_END});
	add(3, 0, 1, (uint32_t[]){ENTRY});
	add(77, 1, 2, (uint32_t[]){1, 2});	  /* unknown, optional */
	add(5, 1, 3, (uint32_t[]){640, 480, 32}); /* framebuffer, optional */
	add(1, 1, 2, (uint32_t[]){9, 13});	  /* optional request: ELF, SMBIOS */
	add(4, 0, 1, (uint32_t[]){2});		  /* console flags: EGA text supported */
	end();
	write_image();
	ck_assert_int_eq(load(0, &b, err, sizeof(err)), 0);
	ck_assert_uint_eq(b.rip, ENTRY);
}
END_TEST

/*
 * A file with both headers (a v1 header with the a.out kludge at 0x10) boots by v1, as QEMU's
 * -kernel boots it (Xen has both): EAX is v1's magic and the entry v1's header names.
 */
START_TEST(v1_wins_over_multiboot2)
{
	struct boot_state b;
	char err[256] = "";
	uint32_t flags = 0x10003; /* page align, memory info, a.out kludge */

	good_image();
	w32(0x10, 0x1badb002u);
	w32(0x14, flags);
	w32(0x18, -(0x1badb002u + flags));
	w32(0x1c, LOAD + 0x10); /* header_addr */
	w32(0x20, LOAD);	/* load_addr */
	w32(0x24, 0);		/* load_end_addr: the whole file */
	w32(0x28, BSS_END);	/* bss_end_addr */
	w32(0x2c, ENTRY + 0x10);
	write_image();
	ck_assert_int_eq(load(0, &b, err, sizeof(err)), 0);
	ck_assert_uint_eq(b.mode, BOOT_MODE_MULTIBOOT);
	ck_assert_uint_eq(b.rax, 0x2badb002);
	ck_assert_uint_eq(b.rip, ENTRY + 0x10);
}
END_TEST

/* A module that would reach down into the ACPI tables (the kernel is below 1 MiB) does not fit. */
START_TEST(module_never_over_acpi_tables)
{
	struct boot_state b;
	char err[256] = "";
	uint8_t rsdp[36];

	memcpy(rsdp, ram + 0xe0000, sizeof(rsdp));
	good_image();
	write_image();
	ck_assert_int_eq(truncate(mod_path[0], RAM_SIZE - 0x80000), 0);
	ck_assert_int_eq(load(1, &b, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "do not fit"), "%s", err);
	ck_assert_mem_eq(ram + 0xe0000, rsdp, sizeof(rsdp));
	/* One that fits above them is placed there. */
	ck_assert_int_eq(truncate(mod_path[0], RAM_SIZE - 0xf0000 - 0x1000), 0);
	ck_assert_int_eq(load(1, &b, err, sizeof(err)), 0);
	ck_assert_mem_eq(ram + 0xe0000, rsdp, sizeof(rsdp));
}
END_TEST

static Suite *multiboot2_suite(void)
{
	Suite *s = suite_create("multiboot2");
	TCase *tc = tcase_create("v2");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, entry_state_and_image);
	tcase_add_test(tc, information_tags);
	tcase_add_test(tc, relocatable_gets_load_base);
	tcase_add_test(tc, header_parser);
	tcase_add_loop_test(tc, refuses_bad_headers, 0, 11);
	tcase_add_test(tc, optional_unknown_tags_ignored);
	tcase_add_test(tc, module_never_over_acpi_tables);
	tcase_add_test(tc, v1_wins_over_multiboot2);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run_suite(multiboot2_suite());
}
