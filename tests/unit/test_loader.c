// SPDX-License-Identifier: MIT
/*
 * The loader, on ELF files the tests write themselves: good PVH and 64-bit
 * kernels (segment bytes, bss, start_info, GDT, page tables, boot state)
 * and every malformed case the loader must refuse without touching guest
 * RAM. Expected structures follow Xen's PVH ABI and the SDM, checked by
 * walking them here, not by calling the loader's own helpers.
 */
#include <check.h>
#include <elf.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xen/arch-x86/hvm/start_info.h>
#include <xen/elfnote.h>

#include "loader/loader.h"
#include "memory.h"
#include "support/guest_ram.h"
#include "support/run_suite.h"

#define RAM_SIZE (4u << 20)
#define KBASE 0x100000u
#define FILL 0xcc

static uint8_t *ram;
static struct guest_mem mem;
static char path[64], initrd_path[64];
static struct loader_module initrd_module;

static void setup(void)
{
	ram = test_guest_ram(&mem, RAM_SIZE, FILL);
	test_temp_file(path, "/tmp/minivmm-test-elf-XXXXXX");
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

/* --- a tiny ELF writer ------------------------------------------------- */

struct seg {
	uint32_t type;
	uint64_t paddr, filesz, memsz, offset; /* offset 0: placed automatically */
	uint8_t fill;
};

struct spec {
	int cls; /* ELFCLASS64 or ELFCLASS32 */
	uint16_t machine, type;
	uint64_t entry;
	unsigned nseg;
	struct seg seg[4];
	bool pvh_note;
	uint64_t pvh_entry;
	unsigned note_size; /* 4 or 8 */
};

static struct spec good64(void)
{
	return (struct spec){
	    .cls = ELFCLASS64,
	    .machine = EM_X86_64,
	    .type = ET_EXEC,
	    .entry = KBASE + 0x10,
	    .nseg = 1,
	    .seg = {{PT_LOAD, KBASE, 0x300, 0x2000, 0, 0x90}},
	};
}

static struct spec good_pvh(void)
{
	struct spec s = good64();

	s.pvh_note = true;
	s.pvh_entry = KBASE + 0x20;
	s.note_size = 4;
	return s;
}

/* Write the file; returns its size. The note goes in its own PT_NOTE. */
static size_t write_elf(const struct spec *sp)
{
	static uint8_t buf[0x10000];
	bool is64 = sp->cls == ELFCLASS64;
	size_t ehsize = is64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr);
	size_t phsize = is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);
	unsigned nph = sp->nseg + (sp->pvh_note ? 1 : 0);
	size_t off = 0x1000, note_off = 0, note_len = 0, size;
	FILE *f;

	memset(buf, 0, sizeof(buf));
	if (sp->pvh_note) {
		Elf64_Nhdr nh = {4, sp->note_size, XEN_ELFNOTE_PHYS32_ENTRY};

		note_off = 0x800;
		memcpy(buf + note_off, &nh, sizeof(nh));
		memcpy(buf + note_off + sizeof(nh), "Xen", 4);
		memcpy(buf + note_off + sizeof(nh) + 4, &sp->pvh_entry, sp->note_size);
		note_len = sizeof(nh) + 4 + ((sp->note_size + 3) & ~3u); /* desc padded to 4 */
	}
	size = off;
	for (unsigned i = 0; i < nph; i++) {
		bool note = i == sp->nseg;
		struct seg s =
		    note ? (struct seg){PT_NOTE, 0, note_len, note_len, note_off, 0} : sp->seg[i];
		uint8_t *ph = buf + ehsize + i * phsize;

		if (!note && !s.offset && s.filesz && s.filesz < 0x4000) {
			s.offset = off;
			memset(buf + off, s.fill, s.filesz);
			off += (s.filesz + 0xfff) & ~0xfffULL;
			size = off;
		}
		if (is64) {
			Elf64_Phdr p = {.p_type = s.type,
					.p_offset = s.offset,
					.p_paddr = s.paddr,
					.p_vaddr = s.paddr,
					.p_filesz = s.filesz,
					.p_memsz = s.memsz,
					.p_flags = PF_R | PF_X,
					.p_align = note ? 4 : 0x1000};
			memcpy(ph, &p, sizeof(p));
		} else {
			Elf32_Phdr p = {.p_type = s.type,
					.p_offset = (Elf32_Off)s.offset,
					.p_paddr = (Elf32_Addr)s.paddr,
					.p_vaddr = (Elf32_Addr)s.paddr,
					.p_filesz = (Elf32_Word)s.filesz,
					.p_memsz = (Elf32_Word)s.memsz,
					.p_flags = PF_R | PF_X,
					.p_align = note ? 4 : 0x1000};
			memcpy(ph, &p, sizeof(p));
		}
	}
	if (is64) {
		Elf64_Ehdr e = {.e_type = sp->type,
				.e_machine = sp->machine,
				.e_version = EV_CURRENT,
				.e_entry = sp->entry,
				.e_phoff = ehsize,
				.e_ehsize = ehsize,
				.e_phentsize = phsize,
				.e_phnum = nph};
		memcpy(e.e_ident, ELFMAG, SELFMAG);
		e.e_ident[EI_CLASS] = ELFCLASS64;
		e.e_ident[EI_DATA] = ELFDATA2LSB;
		e.e_ident[EI_VERSION] = EV_CURRENT;
		memcpy(buf, &e, sizeof(e));
	} else {
		Elf32_Ehdr e = {.e_type = sp->type,
				.e_machine = sp->machine,
				.e_version = EV_CURRENT,
				.e_entry = (Elf32_Addr)sp->entry,
				.e_phoff = ehsize,
				.e_ehsize = ehsize,
				.e_phentsize = phsize,
				.e_phnum = nph};
		memcpy(e.e_ident, ELFMAG, SELFMAG);
		e.e_ident[EI_CLASS] = ELFCLASS32;
		e.e_ident[EI_DATA] = ELFDATA2LSB;
		e.e_ident[EI_VERSION] = EV_CURRENT;
		memcpy(buf, &e, sizeof(e));
	}
	f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(buf, 1, size, f), size);
	fclose(f);
	return size;
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

/* The loader refuses the file with a reason containing `why`, and RAM is untouched. */
static void expect_refused(const char *why)
{
	struct boot_state b;
	char err[256] = "";

	ck_assert_int_eq(load("x", &b, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, why), "reason '%s' does not mention '%s'", err, why);
	ck_assert_ptr_null(strchr(err, '\n'));
	for (size_t i = 0; i < RAM_SIZE; i += 4096)
		ck_assert_msg(ram[i] == FILL && ram[i + 4095] == FILL, "RAM written at 0x%zx", i);
}

static void truncate_file(size_t len)
{
	ck_assert_int_eq(truncate(path, (off_t)len), 0);
}

/* --- good files ----------------------------------------------------------- */

START_TEST(pvh_segments_bss_and_boot_state)
{
	struct spec s = good_pvh();
	struct boot_state b;
	char err[256] = "";

	write_elf(&s);
	ck_assert_int_eq(load("console=ttyS0", &b, err, sizeof(err)), 0);
	ck_assert_uint_eq(b.mode, BOOT_MODE_PVH32);
	ck_assert_uint_eq(b.rip, KBASE + 0x20);
	ck_assert_uint_eq(b.rbx, b.start_info_gpa);
	/* File bytes, then zeroed bss up to p_memsz, then RAM untouched. */
	ck_assert_uint_eq(ram[KBASE], 0x90);
	ck_assert_uint_eq(ram[KBASE + 0x2ff], 0x90);
	ck_assert_uint_eq(ram[KBASE + 0x300], 0);
	ck_assert_uint_eq(ram[KBASE + 0x1fff], 0);
	ck_assert_uint_eq(ram[KBASE + 0x2000], FILL);
	/* PVH: protected mode, paging off, flat 4 GiB 32-bit CS and data, interrupts off. */
	ck_assert_uint_eq(b.cr0 & 0x80000001u, 1);
	ck_assert_uint_eq(b.efer, 0);
	ck_assert_uint_eq(b.rflags & 0x200, 0);
	ck_assert_uint_eq(b.cs.base, 0);
	ck_assert_uint_eq(b.cs.limit, 0xffffffffu);
	ck_assert_uint_eq(b.cs.db, 1);
	ck_assert_uint_eq(b.cs.l, 0);
	ck_assert_uint_eq(b.cs.type & 0x8, 0x8); /* code */
	ck_assert_uint_eq(b.ds.limit, 0xffffffffu);
	ck_assert_uint_eq(b.ds.type & 0xa, 0x2); /* data, writable */
	/* TR: a 32-bit TSS, base 0, limit 0x67 (PVH ABI). */
	ck_assert_uint_eq(b.tr.type, 0xb);
	ck_assert_uint_eq(b.tr.base, 0);
	ck_assert_uint_eq(b.tr.limit, 0x67);
}
END_TEST

START_TEST(pvh_note_with_8_byte_value)
{
	struct spec s = good_pvh();
	struct boot_state b;
	char err[256] = "";

	s.note_size = 8;
	s.pvh_entry = KBASE + 0x40;
	write_elf(&s);
	ck_assert_int_eq(load(NULL, &b, err, sizeof(err)), 0);
	ck_assert_uint_eq(b.mode, BOOT_MODE_PVH32);
	ck_assert_uint_eq(b.rip, KBASE + 0x40);
}
END_TEST

START_TEST(pvh_elf32_boots)
{
	struct spec s = good_pvh();
	struct boot_state b;
	char err[256] = "";

	s.cls = ELFCLASS32;
	s.machine = EM_386;
	write_elf(&s);
	ck_assert_int_eq(load(NULL, &b, err, sizeof(err)), 0);
	ck_assert_uint_eq(b.mode, BOOT_MODE_PVH32);
	ck_assert_uint_eq(ram[KBASE + 1], 0x90);
}
END_TEST

START_TEST(start_info_contents)
{
	struct spec s = good_pvh();
	struct boot_state b;
	struct hvm_start_info si;
	struct hvm_memmap_table_entry e[8];
	bool bios_reserved = false;
	char err[256] = "";
	uint64_t ram_total = 0, covered_end = 0;

	write_elf(&s);
	ck_assert_int_eq(load("console=ttyS0 root=/dev/vda", &b, err, sizeof(err)), 0);
	ck_assert_int_eq(guest_mem_read(&mem, b.start_info_gpa, &si, sizeof(si)), 0);
	ck_assert_uint_eq(si.magic, 0x336ec578);
	ck_assert_uint_eq(si.version, 1);
	ck_assert_uint_eq(si.nr_modules, 0);
	ck_assert_uint_eq(si.reserved, 0);
	ck_assert_str_eq((char *)guest_mem_ptr(&mem, si.cmdline_paddr, 28),
			 "console=ttyS0 root=/dev/vda");
	ck_assert_uint_ge(si.memmap_entries, 2);
	ck_assert_uint_le(si.memmap_entries, 8);
	ck_assert_int_eq(guest_mem_read(&mem, si.memmap_paddr, e, si.memmap_entries * sizeof(e[0])),
			 0);
	/* Entries in order, not overlapping, RAM covering the kernel, low boot data reserved. */
	for (unsigned i = 0; i < si.memmap_entries; i++) {
		ck_assert_uint_ge(e[i].addr, covered_end);
		covered_end = e[i].addr + e[i].size;
		ck_assert_uint_eq(e[i].reserved, 0);
		if (e[i].type == XEN_HVM_MEMMAP_TYPE_RAM) {
			ram_total += e[i].size;
			/* No boot structure lies in RAM the guest may reuse. */
			ck_assert(b.start_info_gpa + sizeof(si) <= e[i].addr ||
				  b.start_info_gpa >= e[i].addr + e[i].size);
			ck_assert(si.cmdline_paddr >= e[i].addr + e[i].size ||
				  si.cmdline_paddr < e[i].addr);
			/* Nor the ACPI tables at 0xE0000 (RSDP first). */
			ck_assert(e[i].addr >= 0xe0000 + 36 || e[i].addr + e[i].size <= 0xe0000);
		} else {
			ck_assert_uint_eq(e[i].type, XEN_HVM_MEMMAP_TYPE_RESERVED);
			bios_reserved |= e[i].addr <= 0xe0000 && e[i].addr + e[i].size > 0xe0000;
		}
	}
	ck_assert(bios_reserved);
	ck_assert_uint_eq(si.rsdp_paddr, 0xe0000);
	ck_assert_uint_eq(covered_end, RAM_SIZE);
	ck_assert_uint_gt(ram_total, RAM_SIZE / 2);
}
END_TEST

START_TEST(initrd_is_one_module)
{
	struct spec s = good_pvh();
	struct boot_state b;
	struct hvm_start_info si;
	struct hvm_modlist_entry m;
	char err[256] = "";
	static const char payload[] = "initrd payload bytes";
	FILE *f;

	write_elf(&s);
	test_temp_file(initrd_path, "/tmp/minivmm-test-initrd-XXXXXX");
	f = fopen(initrd_path, "wb");
	fwrite(payload, 1, sizeof(payload), f);
	fclose(f);
	ck_assert_int_eq(load("", &b, err, sizeof(err)), 0);
	ck_assert_int_eq(guest_mem_read(&mem, b.start_info_gpa, &si, sizeof(si)), 0);
	ck_assert_uint_eq(si.nr_modules, 1);
	ck_assert_int_eq(guest_mem_read(&mem, si.modlist_paddr, &m, sizeof(m)), 0);
	ck_assert_uint_eq(m.size, sizeof(payload));
	ck_assert_uint_eq(m.paddr & 0xfff, 0);
	ck_assert_uint_ge(m.paddr, KBASE + 0x2000); /* above the kernel's bss */
	ck_assert_uint_le(m.paddr + m.size, RAM_SIZE);
	ck_assert_mem_eq(guest_mem_ptr(&mem, m.paddr, m.size), payload, sizeof(payload));
}
END_TEST

START_TEST(initrd_missing_names_the_initrd)
{
	struct spec s = good_pvh();
	struct loader_module m = {"/nonexistent/initrd.img", 23};
	struct loader_args a = {.kernel_path = path, .modules = &m, .nr_modules = 1, .cmdline = ""};
	struct boot_state b;
	const char *at = NULL;
	char err[256] = "";

	write_elf(&s);
	ck_assert_int_eq(loader_load(&mem, &a, &b, &at, err, sizeof(err)), -1);
	ck_assert_str_eq(at, "/nonexistent/initrd.img");
}
END_TEST

START_TEST(initrd_too_big_for_ram)
{
	struct spec s = good_pvh();
	struct boot_state b;
	char err[256] = "";

	write_elf(&s);
	test_temp_file(initrd_path, "/tmp/minivmm-test-initrd-XXXXXX");
	ck_assert_int_eq(truncate(initrd_path, RAM_SIZE), 0);
	ck_assert_int_eq(load("", &b, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "fit"));
}
END_TEST

/* Walk the 4-level tables as the MMU does (SDM vol. 3, 4.5) for a 2 MiB or 4 KiB leaf. */
static bool translate(uint64_t cr3, uint64_t va, uint64_t *pa)
{
	uint64_t table = cr3 & ~0xfffULL;

	for (int level = 3; level >= 0; level--) {
		uint64_t idx = (va >> (12 + 9 * level)) & 0x1ff, pte;

		if (guest_mem_read(&mem, table + idx * 8, &pte, 8))
			return false;
		if (!(pte & 1))
			return false;
		if (level > 0 && level < 3 && (pte & 0x80)) {
			uint64_t size = 1ULL << (12 + 9 * level);

			*pa = (pte & ~(size - 1) & 0x000ffffffffff000ULL) | (va & (size - 1));
			return true;
		}
		table = pte & 0x000ffffffffff000ULL;
	}
	*pa = table | (va & 0xfff);
	return true;
}

START_TEST(elf64_without_note_enters_long_mode)
{
	struct spec s = good64();
	struct boot_state b;
	uint64_t pa, gdt[8];
	char err[256] = "";

	write_elf(&s);
	ck_assert_int_eq(load("", &b, err, sizeof(err)), 0);
	ck_assert_uint_eq(b.mode, BOOT_MODE_LONG64);
	ck_assert_uint_eq(b.rip, KBASE + 0x10);
	ck_assert_uint_eq(b.rdi, b.start_info_gpa);
	ck_assert_uint_eq(b.cr0 & 0x80000001u, 0x80000001u); /* PG | PE */
	ck_assert_uint_eq(b.cr4 & 0x20, 0x20);		     /* PAE */
	ck_assert_uint_eq(b.efer & 0x500, 0x500);	     /* LME | LMA */
	ck_assert_uint_eq(b.cs.l, 1);
	ck_assert_uint_eq(b.cs.db, 0);
	/* The stack is inside RAM and not inside the kernel. */
	ck_assert_ptr_nonnull(guest_mem_ptr(&mem, b.rsp - 16, 16));
	ck_assert(b.rsp <= KBASE);
	/* Identity map: RAM, the MMIO hole, the last byte below 4 GiB. */
	ck_assert(translate(b.cr3, 0, &pa) && pa == 0);
	ck_assert(translate(b.cr3, KBASE + 0x10, &pa) && pa == KBASE + 0x10);
	ck_assert(translate(b.cr3, 0xd0000123ULL, &pa) && pa == 0xd0000123ULL);
	ck_assert(translate(b.cr3, 0xffffffffULL, &pa) && pa == 0xffffffffULL);
	/* The GDT the VMM wrote matches the hidden CS state: a 64-bit code segment. */
	ck_assert_uint_ge(b.gdt_limit + 1u, b.cs.selector + 8u);
	ck_assert_int_eq(guest_mem_read(&mem, b.gdt_base, gdt, (b.gdt_limit + 1u) & ~7u), 0);
	ck_assert_uint_eq((gdt[b.cs.selector / 8] >> 53) & 1, 1); /* L */
	ck_assert_uint_eq((gdt[b.cs.selector / 8] >> 47) & 1, 1); /* P */
	ck_assert_uint_eq((gdt[b.cs.selector / 8] >> 43) & 1, 1); /* code */
	ck_assert_uint_eq((gdt[b.ds.selector / 8] >> 41) & 1, 1); /* data writable */
	ck_assert_uint_eq(gdt[0], 0);
}
END_TEST

/* A Multiboot v1 header (magic, flags 0, checksum) at file offset 0x1000: the first segment's
 * bytes. */
static void add_multiboot_header(void)
{
	uint32_t h[3] = {0x1badb002, 0, (uint32_t)-0x1badb002};
	FILE *f = fopen(path, "r+b");

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fseek(f, 0x1000, SEEK_SET), 0);
	ck_assert_uint_eq(fwrite(h, sizeof(h), 1, f), 1);
	fclose(f);
}

/* The documented order: a PVH note wins over a Multiboot header, which wins over plain ELF64. */
START_TEST(boot_protocol_priority)
{
	struct spec pvh = good_pvh(), plain64 = good64(), elf32 = good64();
	struct boot_state b;
	char err[256] = "";

	write_elf(&pvh);
	add_multiboot_header();
	ck_assert_int_eq(load("", &b, err, sizeof(err)), 0);
	ck_assert_uint_eq(b.mode, BOOT_MODE_PVH32);
	write_elf(&plain64);
	add_multiboot_header();
	ck_assert_int_eq(load("", &b, err, sizeof(err)), 0);
	ck_assert_uint_eq(b.mode, BOOT_MODE_MULTIBOOT);
	ck_assert_uint_eq(b.rax, 0x2badb002);
	elf32.cls = ELFCLASS32;
	elf32.machine = EM_386;
	write_elf(&elf32);
	add_multiboot_header();
	ck_assert_int_eq(load("", &b, err, sizeof(err)), 0);
	ck_assert_uint_eq(b.mode, BOOT_MODE_MULTIBOOT);
	ck_assert_uint_eq(b.rip, KBASE + 0x10);
}
END_TEST

/* --- malformed files ------------------------------------------------------ */

START_TEST(refuses_not_elf)
{
	FILE *f = fopen(path, "w");

	fputs("#!/bin/sh\necho this is not a kernel\n", f);
	fclose(f);
	expect_refused("not an ELF file");
}
END_TEST

START_TEST(refuses_empty_file)
{
	expect_refused("not an ELF");
}
END_TEST

START_TEST(refuses_missing_file)
{
	unlink(path);
	expect_refused("cannot open");
}
END_TEST

START_TEST(refuses_truncated_header)
{
	struct spec s = good_pvh();

	write_elf(&s);
	truncate_file(40); /* e_ident is whole, the rest of the header is not */
	expect_refused("");
}
END_TEST

START_TEST(refuses_truncated_program_headers)
{
	struct spec s = good_pvh();

	write_elf(&s);
	truncate_file(sizeof(Elf64_Ehdr) + 20);
	expect_refused("truncated");
}
END_TEST

START_TEST(refuses_truncated_segment_data)
{
	struct spec s = good_pvh();

	write_elf(&s);
	truncate_file(0x1000 + 0x100); /* segment data needs 0x300 bytes at 0x1000 */
	expect_refused("truncated");
}
END_TEST

/* Overwrite e_phentsize (its offset differs per class) in the file just written. */
static void patch_phentsize(bool is64, uint16_t v)
{
	long at = is64 ? (long)offsetof(Elf64_Ehdr, e_phentsize)
		       : (long)offsetof(Elf32_Ehdr, e_phentsize);
	FILE *f = fopen(path, "r+b");

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fseek(f, at, SEEK_SET), 0);
	ck_assert_uint_eq(fwrite(&v, sizeof(v), 1, f), 1);
	fclose(f);
}

START_TEST(refuses_short_program_header_entries)
{
	/* The ELF spec's entry is sizeof(Elf64_Phdr) = 56 bytes; 32, 1 and 0 are not. */
	static const uint16_t sizes[] = {sizeof(Elf64_Phdr) - 1, 32, 1, 0};

	for (unsigned i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct spec s = good_pvh();

		write_elf(&s);
		patch_phentsize(true, sizes[i]);
		expect_refused("e_phentsize");
	}
}
END_TEST

START_TEST(refuses_short_program_header_entries_elf32)
{
	struct spec s = good_pvh();

	s.cls = ELFCLASS32;
	s.machine = EM_386;
	write_elf(&s);
	patch_phentsize(false, sizeof(Elf32_Phdr) - 4);
	expect_refused("e_phentsize");
}
END_TEST

START_TEST(refuses_wrong_machine)
{
	struct spec s = good64();

	s.machine = EM_AARCH64;
	write_elf(&s);
	expect_refused("wrong machine");
}
END_TEST

START_TEST(refuses_elf32_without_pvh_note)
{
	struct spec s = good64();

	s.cls = ELFCLASS32;
	s.machine = EM_386;
	write_elf(&s);
	expect_refused("PVH");
}
END_TEST

START_TEST(refuses_shared_object)
{
	struct spec s = good64();

	s.type = ET_DYN;
	write_elf(&s);
	expect_refused("e_type");
}
END_TEST

START_TEST(refuses_overlapping_segments)
{
	struct spec s = good_pvh();

	s.nseg = 2;
	s.seg[1] = (struct seg){PT_LOAD, KBASE + 0x1000, 0x100, 0x100, 0, 0x11};
	write_elf(&s);
	expect_refused("overlap");
}
END_TEST

START_TEST(refuses_segment_outside_ram)
{
	struct spec s = good_pvh();

	s.nseg = 2;
	s.seg[1] = (struct seg){PT_LOAD, RAM_SIZE - 0x1000, 0x100, 0x2000, 0, 0x11};
	write_elf(&s);
	expect_refused("outside guest RAM");
}
END_TEST

/* The boot area at 0 and the ACPI tables at 0xE0000 are the VMM's. */
START_TEST(refuses_segment_in_boot_area)
{
	static const struct {
		uint64_t paddr;
		const char *why;
	} cases[] = {{0x2000, "boot area"}, {0xe8000, "ACPI tables"}};
	struct spec s = good_pvh();

	s.nseg = 2;
	s.seg[1] = (struct seg){PT_LOAD, cases[_i].paddr, 0x100, 0x100, 0, 0x11};
	write_elf(&s);
	expect_refused(cases[_i].why);
}
END_TEST

START_TEST(refuses_overflowing_memsz)
{
	struct spec s = good_pvh();

	s.seg[0].memsz = UINT64_MAX - 0x1000;
	write_elf(&s);
	expect_refused("overflows");
}
END_TEST

START_TEST(refuses_huge_memsz_in_range)
{
	struct spec s = good_pvh();

	s.seg[0].memsz = 1ULL << 40; /* no overflow, but far more than RAM */
	write_elf(&s);
	expect_refused("outside guest RAM");
}
END_TEST

START_TEST(refuses_filesz_above_memsz)
{
	struct spec s = good_pvh();

	s.seg[0].memsz = 0x100;
	write_elf(&s);
	expect_refused("larger than p_memsz");
}
END_TEST

START_TEST(refuses_segment_offset_past_file)
{
	struct spec s = good_pvh();

	s.seg[0].offset = 1ULL << 62;
	s.seg[0].filesz = 0x100;
	write_elf(&s);
	expect_refused("truncated");
}
END_TEST

START_TEST(refuses_no_load_segment)
{
	struct spec s = good_pvh();

	s.seg[0].type = PT_GNU_STACK;
	write_elf(&s);
	expect_refused("no loadable");
}
END_TEST

START_TEST(refuses_entry_outside_segments)
{
	struct spec s = good64();

	s.entry = 0x300000;
	write_elf(&s);
	expect_refused("entry point");
}
END_TEST

START_TEST(refuses_pvh_entry_above_4g)
{
	struct spec s = good_pvh();

	s.note_size = 8;
	s.pvh_entry = 0x100000000ULL + KBASE;
	write_elf(&s);
	expect_refused("4 GiB");
}
END_TEST

START_TEST(refuses_bad_pvh_note_size)
{
	struct spec s = good_pvh();

	s.note_size = 2;
	write_elf(&s);
	expect_refused("PVH");
}
END_TEST

START_TEST(refuses_too_long_command_line)
{
	struct spec s = good_pvh();
	struct boot_state b;
	char err[256] = "";
	char *cmd = malloc(BOOT_CMDLINE_MAX + 1);

	memset(cmd, 'a', BOOT_CMDLINE_MAX);
	cmd[BOOT_CMDLINE_MAX] = '\0';
	write_elf(&s);
	ck_assert_int_eq(load(cmd, &b, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "command line"));
	free(cmd);
}
END_TEST

static Suite *loader_suite(void)
{
	Suite *s = suite_create("loader");
	TCase *good = tcase_create("good"), *bad = tcase_create("malformed");

	tcase_add_checked_fixture(good, setup, teardown);
	tcase_add_test(good, pvh_segments_bss_and_boot_state);
	tcase_add_test(good, pvh_note_with_8_byte_value);
	tcase_add_test(good, pvh_elf32_boots);
	tcase_add_test(good, start_info_contents);
	tcase_add_test(good, initrd_is_one_module);
	tcase_add_test(good, initrd_missing_names_the_initrd);
	tcase_add_test(good, initrd_too_big_for_ram);
	tcase_add_test(good, elf64_without_note_enters_long_mode);
	tcase_add_test(good, boot_protocol_priority);
	suite_add_tcase(s, good);

	tcase_add_checked_fixture(bad, setup, teardown);
	tcase_add_test(bad, refuses_not_elf);
	tcase_add_test(bad, refuses_empty_file);
	tcase_add_test(bad, refuses_missing_file);
	tcase_add_test(bad, refuses_truncated_header);
	tcase_add_test(bad, refuses_truncated_program_headers);
	tcase_add_test(bad, refuses_truncated_segment_data);
	tcase_add_test(bad, refuses_short_program_header_entries);
	tcase_add_test(bad, refuses_short_program_header_entries_elf32);
	tcase_add_test(bad, refuses_wrong_machine);
	tcase_add_test(bad, refuses_elf32_without_pvh_note);
	tcase_add_test(bad, refuses_shared_object);
	tcase_add_test(bad, refuses_overlapping_segments);
	tcase_add_test(bad, refuses_segment_outside_ram);
	tcase_add_loop_test(bad, refuses_segment_in_boot_area, 0, 2);
	tcase_add_test(bad, refuses_overflowing_memsz);
	tcase_add_test(bad, refuses_huge_memsz_in_range);
	tcase_add_test(bad, refuses_filesz_above_memsz);
	tcase_add_test(bad, refuses_segment_offset_past_file);
	tcase_add_test(bad, refuses_no_load_segment);
	tcase_add_test(bad, refuses_entry_outside_segments);
	tcase_add_test(bad, refuses_pvh_entry_above_4g);
	tcase_add_test(bad, refuses_bad_pvh_note_size);
	tcase_add_test(bad, refuses_too_long_command_line);
	suite_add_tcase(s, bad);
	return s;
}

int main(void)
{
	return test_run_suite(loader_suite());
}
