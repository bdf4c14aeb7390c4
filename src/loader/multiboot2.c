// SPDX-License-Identifier: MIT
/*
 * Multiboot2 (The Multiboot2 Specification 2.0): the kernel loaded from
 * its ELF program headers or, with an address tag, from the addresses the
 * header gives (entered at the entry tag's address when there is one),
 * then the boot information, a list of 8-byte aligned tags: the command
 * line, the boot loader's name, each module with its string, the basic
 * memory sizes, the memory map, and copies of the ACPI RSDP (old: its
 * ACPI 1.0 part, new: all 36 bytes); the image's load address when the
 * header says it is relocatable. Entered as 3.3 says: 32-bit protected
 * mode, paging off, EAX = 0x36D76289, EBX = the information.
 *
 * Strings as GRUB 2's multiboot2 and module2 commands pass them (not as
 * QEMU's Multiboot v1 loader): the command line without the kernel's file
 * name, each module's string its ARGS without the path. The information
 * goes at BOOT_START_INFO_GPA and must end by BOOT_MB_AREA_END.
 */
#include "loader/multiboot2.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "loader/loader.h"

#define MB2_LOADER_NAME "minivmm"
#define MB2_UPPER_START 0x100000ULL
#define MB2_INFO_MAX (BOOT_MB_AREA_END - BOOT_START_INFO_GPA)

/* The information structure, assembled in host memory and written once. */
struct mb2_info {
	uint8_t buf[MB2_INFO_MAX];
	size_t len;
	bool overflow;
};

static void put(struct mb2_info *mi, const void *p, size_t n)
{
	if (n == 0)
		return;
	if (n > sizeof(mi->buf) - mi->len) {
		mi->overflow = true;
		return;
	}
	memcpy(mi->buf + mi->len, p, n);
	mi->len += n;
}

static void put32(struct mb2_info *mi, uint32_t v)
{
	put(mi, &v, sizeof(v));
}

static void put64(struct mb2_info *mi, uint64_t v)
{
	put(mi, &v, sizeof(v));
}

/* A tag: type, size (of the header and the n bytes of body), the body, padding to 8 bytes. */
static void tag(struct mb2_info *mi, uint32_t type, const void *body, size_t n)
{
	static const uint8_t zero[MB2_ALIGN];

	put32(mi, type);
	put32(mi, (uint32_t)(8 + n));
	put(mi, body, n);
	put(mi, zero, (MB2_ALIGN - (8 + n) % MB2_ALIGN) % MB2_ALIGN);
}

static void module_tags(struct mb2_info *mi, const struct loader_args *args,
			const struct loaded_module *mods)
{
	for (unsigned i = 0; i < args->nr_modules; i++) {
		const struct loader_module *m = &args->modules[i];
		const char *s = m->spec + m->path_len;
		size_t slen;
		uint8_t body[8 + BOOT_MODSTR_MAX];

		s += *s == ' '; /* the ARGS after "PATH ", or "" */
		slen = strlen(s) + 1;
		if (slen > BOOT_MODSTR_MAX) {
			mi->overflow = true;
			return;
		}
		/* mod_start, mod_end (below 4 GiB: modules go into low RAM), the string */
		memcpy(body, &(uint32_t){(uint32_t)mods[i].gpa}, 4);
		memcpy(body + 4, &(uint32_t){(uint32_t)(mods[i].gpa + mods[i].size)}, 4);
		memcpy(body + 8, s, slen);
		tag(mi, MB2_IT_MODULE, body, 8 + slen);
	}
}

static void mmap_tag(struct mb2_info *mi, const struct guest_mem *mem)
{
	struct boot_mem_range r[BOOT_MEMMAP_RANGES_MAX];
	unsigned n = boot_memory_map(mem, BOOT_MB_AREA_END, r);

	put32(mi, MB2_IT_MMAP);
	put32(mi, 16 + n * MB2_MMAP_ENTRY_SIZE);
	put32(mi, MB2_MMAP_ENTRY_SIZE);
	put32(mi, 0); /* entry_version */
	for (unsigned i = 0; i < n; i++) {
		put64(mi, r[i].addr);
		put64(mi, r[i].size);
		put32(mi, r[i].ram ? MB2_MMAP_AVAILABLE : MB2_MMAP_RESERVED);
		put32(mi, 0);
	}
}

/* Copies of the RSDP the VMM placed (ACPI 6.x 5.2.5.3), if it is there and sound. */
static void rsdp_tags(struct mb2_info *mi, const struct guest_mem *mem, uint64_t rsdp_gpa)
{
	uint8_t rsdp[MB2_RSDP_V2_LEN];

	if (!rsdp_gpa || guest_mem_read(mem, rsdp_gpa, rsdp, sizeof(rsdp)) ||
	    memcmp(rsdp, "RSD PTR ", 8))
		return;
	tag(mi, MB2_IT_ACPI_OLD, rsdp, MB2_RSDP_V1_LEN);
	if (rsdp[15] >= 2)
		tag(mi, MB2_IT_ACPI_NEW, rsdp, MB2_RSDP_V2_LEN);
}

static int write_info(const struct guest_mem *mem, const struct loader_args *args,
		      const struct loaded_module *mods, const struct mb2_header *h,
		      const struct elf_image *img, char *err, size_t err_len)
{
	struct mb2_info mi;
	const char *cmd = args->cmdline ? args->cmdline : "";
	uint32_t meminfo[2] = {(uint32_t)(BOOT_CONVENTIONAL_END >> 10),
			       (uint32_t)((loader_low_ram_end(mem) - MB2_UPPER_START) >> 10)};
	uint32_t total;

	mi.len = 0;
	mi.overflow = false;
	put32(&mi, 0); /* total_size, filled in below */
	put32(&mi, 0); /* reserved */
	if (h->relocatable)
		tag(&mi, MB2_IT_LOAD_BASE, &(uint32_t){(uint32_t)img->lo}, 4);
	tag(&mi, MB2_IT_CMDLINE, cmd, strlen(cmd) + 1);
	tag(&mi, MB2_IT_LOADER_NAME, MB2_LOADER_NAME, sizeof(MB2_LOADER_NAME));
	module_tags(&mi, args, mods);
	tag(&mi, MB2_IT_BASIC_MEMINFO, meminfo, sizeof(meminfo));
	mmap_tag(&mi, mem);
	rsdp_tags(&mi, mem, args->rsdp_gpa);
	tag(&mi, MB2_IT_END, NULL, 0);
	if (mi.overflow)
		return loader_fail(err, err_len,
				   "the Multiboot2 boot information (command line, module "
				   "strings) exceeds its %llu bytes",
				   (unsigned long long)MB2_INFO_MAX);
	total = (uint32_t)mi.len;
	memcpy(mi.buf, &total, sizeof(total));
	if (guest_mem_write(mem, BOOT_START_INFO_GPA, mi.buf, mi.len))
		return loader_fail(err, err_len, "guest RAM too small for the boot area");
	return 0;
}

/* The header, read from the first 32 KiB of fd; 1 found, 0 none, -1 unreadable. */
static int read_header(int fd, uint8_t *buf, size_t *len, struct mb2_header *h)
{
	struct stat st;

	if (fstat(fd, &st) != 0)
		return -1;
	*len = (size_t)st.st_size < MB2_SEARCH ? (size_t)st.st_size : MB2_SEARCH;
	if (loader_read_all(fd, buf, *len, 0))
		return -1;
	return mb2_header_find(buf, *len, h);
}

int multiboot2_detect(int fd)
{
	static uint8_t buf[MB2_SEARCH];
	struct mb2_header h;
	size_t len;

	return read_header(fd, buf, &len, &h) == 1;
}

static int load_kernel(int fd, const struct guest_mem *mem, struct mb2_header *h,
		       struct elf_image *img, char *err, size_t err_len)
{
	static uint8_t buf[MB2_SEARCH];
	size_t len;

	if (read_header(fd, buf, &len, h) != 1)
		return loader_fail(err, err_len, "no Multiboot2 header in the first 32 KiB");
	if (mb2_header_parse(buf, len, h, err, err_len))
		return -1;
	if (h->has_address) {
		struct mb_raw_layout l = {
		    .what = "Multiboot2 address tag",
		    .hdr_off = h->offset,
		    .header_addr = h->header_addr,
		    /* -1: the file from its start, which puts the header at header_addr */
		    .load_addr =
			h->load_addr == UINT32_MAX ? h->header_addr - h->offset : h->load_addr,
		    .load_end_addr = h->load_end_addr,
		    .bss_end_addr = h->bss_end_addr,
		    .entry_addr = h->entry_addr};

		if (!h->has_entry)
			return loader_fail(err, err_len,
					   "the Multiboot2 header has an address tag but no "
					   "entry address tag");
		if (h->load_addr == UINT32_MAX && h->header_addr < h->offset)
			return loader_fail(err, err_len,
					   "Multiboot2 address tag: header_addr 0x%x is below "
					   "the header's file offset 0x%x",
					   h->header_addr, h->offset);
		return multiboot_load_raw(fd, mem, &l, img, err, err_len);
	}
	if (elf_load_any(fd, mem, BOOT_MB_AREA_END, img, err, err_len))
		return -1;
	if (h->has_entry) {
		if (h->entry_addr < img->lo || h->entry_addr >= img->hi)
			return loader_fail(err, err_len,
					   "Multiboot2 entry address 0x%x is outside the loaded "
					   "image [0x%llx, 0x%llx)",
					   h->entry_addr, (unsigned long long)img->lo,
					   (unsigned long long)img->hi);
		img->entry = h->entry_addr;
	}
	if (img->entry > UINT32_MAX)
		return loader_fail(err, err_len, "Multiboot2 entry point 0x%llx is above 4 GiB",
				   (unsigned long long)img->entry);
	return 0;
}

int multiboot2_boot(int fd, const struct guest_mem *mem, const struct loader_args *args,
		    struct boot_state *boot, const char **err_path, char *err, size_t err_len)
{
	struct loaded_module mods[LOADER_MAX_MODULES];
	struct mb2_header h;
	struct elf_image img;

	memset(&img, 0, sizeof(img));
	if (load_kernel(fd, mem, &h, &img, err, err_len))
		return -1;
	/* A required relocatable tag is a promise about where the image goes; an optional one a
	 * wish. */
	if (h.relocatable && !h.reloc_optional &&
	    (img.lo < h.reloc_min || img.hi - 1 > h.reloc_max))
		return loader_fail(err, err_len,
				   "the Multiboot2 image [0x%llx, 0x%llx) lies outside its "
				   "relocatable range [0x%x, 0x%x] (minivmm does not relocate)",
				   (unsigned long long)img.lo, (unsigned long long)img.hi,
				   h.reloc_min, h.reloc_max);
	if (modules_load(mem, args, img.hi, loader_low_ram_end(mem), false, mods, err_path, err,
			 err_len) ||
	    write_info(mem, args, mods, &h, &img, err, err_len))
		return -1;
	if (boot_write_gdt(mem))
		return loader_fail(err, err_len, "guest RAM too small for the boot area");
	boot_state_multiboot2(boot, img.entry, BOOT_START_INFO_GPA);
	boot->kernel_lo = img.lo;
	boot->kernel_hi = img.hi;
	boot->nr_segments = img.nr_segments;
	if (args->nr_modules) {
		boot->initrd_gpa = mods[0].gpa;
		boot->initrd_size = mods[0].size;
	}
	return 0;
}
