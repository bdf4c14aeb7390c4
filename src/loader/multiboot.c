// SPDX-License-Identifier: MIT
/*
 * Multiboot v1 (the Multiboot Specification 0.6.96, with its own
 * <multiboot/multiboot.h> from Debian's multiboot package): the header in
 * the first 8 KiB (magic, flags, checksum), the kernel loaded from its ELF
 * program headers or, with the a.out kludge (flag 16), from the header's
 * addresses; then the boot information structure with the memory sizes,
 * the memory map, the command line, the modules with their strings and
 * the boot loader's name, and the entry in 32-bit protected mode with
 * paging off, EAX = 0x2BADB002 and EBX = the information structure.
 *
 * As GRUB and QEMU's -kernel do, the command line starts with the kernel's
 * file name and each module's string is its whole "PATH ARGS" (Xen, for
 * one, skips those first words). Only [0, BOOT_MB_AREA_END) and the ACPI
 * tables are reserved, so kernels may load below 1 MiB around them.
 */
#include "loader/loader.h"

#include <multiboot/multiboot.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#define MB_LOADER_NAME "minivmm"
#define MB_LOADER_NAME_GPA 0x2f00ULL
#define MB_UPPER_START 0x100000ULL
/* Required-feature bits (0-15) minivmm fulfils; video (2) is only a wish it ignores. */
#define MB_KNOWN_REQUIRED (MULTIBOOT_PAGE_ALIGN | MULTIBOOT_MEMORY_INFO | MULTIBOOT_VIDEO_MODE)

_Static_assert(BOOT_START_INFO_GPA + sizeof(struct multiboot_info) <= BOOT_MODLIST_GPA,
	       "Multiboot info");
_Static_assert(BOOT_MODLIST_GPA + LOADER_MAX_MODULES * sizeof(struct multiboot_mod_list) <=
		   BOOT_MEMMAP_GPA,
	       "Multiboot module list");
_Static_assert(BOOT_MEMMAP_GPA + BOOT_MEMMAP_RANGES_MAX * sizeof(struct multiboot_mmap_entry) <=
		   MB_LOADER_NAME_GPA,
	       "Multiboot memory map");
_Static_assert(BOOT_MODSTR_GPA + BOOT_MODSTR_MAX <= BOOT_MB_AREA_END, "Multiboot strings");

/* The header's file offset, or -1: magic at a 4-byte boundary and a zero sum. */
static long find_header(int fd, struct multiboot_header *h)
{
	uint32_t buf[MULTIBOOT_SEARCH / 4];
	struct stat st;
	size_t n;

	if (fstat(fd, &st) != 0 || st.st_size < 12)
		return -1;
	n = (size_t)st.st_size < sizeof(buf) ? (size_t)st.st_size : sizeof(buf);
	if (loader_read_all(fd, buf, n, 0))
		return -1;
	for (size_t i = 0; i + 3 <= n / 4; i++) {
		if (buf[i] != MULTIBOOT_HEADER_MAGIC || buf[i] + buf[i + 1] + buf[i + 2] != 0)
			continue;
		memset(h, 0, sizeof(*h));
		memcpy(h, &buf[i], n - 4 * i < sizeof(*h) ? n - 4 * i : sizeof(*h));
		return (long)(4 * i);
	}
	return -1;
}

int multiboot_detect(int fd)
{
	struct multiboot_header h;

	return find_header(fd, &h) >= 0;
}

/* A range the kernel takes must be RAM, outside the boot area and the ACPI tables. */
static int check_range(const struct guest_mem *mem, const char *what, uint64_t lo, uint64_t hi,
		       char *err, size_t err_len)
{
	if (hi < lo || !guest_mem_ptr(mem, lo, hi - lo))
		return loader_fail(err, err_len, "%s: [0x%llx, 0x%llx) is not in guest RAM (see -m)",
				   what, (unsigned long long)lo, (unsigned long long)hi);
	if (lo < BOOT_MB_AREA_END || (lo < BOOT_ACPI_END && hi > BOOT_ACPI_GPA))
		return loader_fail(
		    err, err_len,
		    "%s: [0x%llx, 0x%llx) overlaps the boot area [0, 0x%llx) "
		    "or the ACPI tables [0x%llx, 0x%llx)",
		    what, (unsigned long long)lo, (unsigned long long)hi, BOOT_MB_AREA_END,
		    BOOT_ACPI_GPA, BOOT_ACPI_END);
	return 0;
}

/* Load [load_addr, load_end_addr) from the file, zero to bss_end_addr (0s: to the end). */
int multiboot_load_raw(int fd, const struct guest_mem *mem, const struct mb_raw_layout *l,
		       struct elf_image *img, char *err, size_t err_len)
{
	uint64_t load = l->load_addr, end, bss_end, file_off, size;
	struct stat st;
	uint8_t *dst;

	if (fstat(fd, &st) != 0)
		return loader_fail(err, err_len, "cannot stat the kernel");
	if (l->header_addr < load || l->header_addr - load > l->hdr_off)
		return loader_fail(err, err_len,
				   "%s: header_addr 0x%llx and load_addr 0x%llx put the image "
				   "before the start of the file",
				   l->what, (unsigned long long)l->header_addr,
				   (unsigned long long)load);
	file_off = l->hdr_off - (l->header_addr - load);
	end = l->load_end_addr ? l->load_end_addr : load + ((uint64_t)st.st_size - file_off);
	bss_end = l->bss_end_addr ? l->bss_end_addr : end;
	if (end < load || end - load > (uint64_t)st.st_size - file_off || bss_end < end)
		return loader_fail(err, err_len,
				   "%s: load_end_addr 0x%llx or bss_end_addr 0x%llx is "
				   "inconsistent with load_addr 0x%llx and the file's size",
				   l->what, (unsigned long long)l->load_end_addr,
				   (unsigned long long)l->bss_end_addr, (unsigned long long)load);
	if (check_range(mem, l->what, load, bss_end, err, err_len))
		return -1;
	if (l->entry_addr < load || l->entry_addr >= bss_end)
		return loader_fail(err, err_len, "%s: entry_addr 0x%llx is outside the image",
				   l->what, (unsigned long long)l->entry_addr);
	size = end - load;
	dst = guest_mem_ptr(mem, load, bss_end - load);
	if (loader_read_all(fd, dst, size, file_off))
		return loader_fail(err, err_len, "short read of the kernel image");
	memset(dst + size, 0, bss_end - end);
	img->entry = l->entry_addr;
	img->lo = load;
	img->hi = bss_end;
	img->nr_segments = 1;
	return 0;
}

static int load_kernel(int fd, const struct guest_mem *mem, struct elf_image *img, char *err,
		       size_t err_len)
{
	struct multiboot_header h;
	long off = find_header(fd, &h);
	uint32_t unknown;

	if (off < 0)
		return loader_fail(err, err_len, "no Multiboot header in the first 8 KiB");
	unknown = h.flags & 0xffff & ~(uint32_t)MB_KNOWN_REQUIRED;
	if (unknown)
		return loader_fail(err, err_len,
				   "the Multiboot header requires features 0x%x minivmm does not "
				   "provide",
				   unknown);
	if (h.flags & MULTIBOOT_AOUT_KLUDGE) {
		struct mb_raw_layout l = {.what = "a.out kludge",
					  .hdr_off = (uint64_t)off,
					  .header_addr = h.header_addr,
					  .load_addr = h.load_addr,
					  .load_end_addr = h.load_end_addr,
					  .bss_end_addr = h.bss_end_addr,
					  .entry_addr = h.entry_addr};

		return multiboot_load_raw(fd, mem, &l, img, err, err_len);
	}
	if (elf_load_any(fd, mem, BOOT_MB_AREA_END, img, err, err_len))
		return -1;
	if (img->entry > UINT32_MAX)
		return loader_fail(err, err_len, "Multiboot entry point 0x%llx is above 4 GiB",
				   (unsigned long long)img->entry);
	return 0;
}

/* "KERNEL_PATH[ CMDLINE]", as QEMU and GRUB legacy pass it (GRUB 2 skips the file name). */
static int write_cmdline(const struct guest_mem *mem, const struct loader_args *args, char *err,
			 size_t err_len)
{
	char buf[BOOT_CMDLINE_MAX];
	const char *cmd = args->cmdline ? args->cmdline : "";
	int n = snprintf(buf, sizeof(buf), "%s%s%s", args->kernel_path, *cmd ? " " : "", cmd);

	if (n < 0 || (size_t)n >= sizeof(buf))
		return loader_fail(err, err_len,
				   "the file name and command line make %d bytes; at most %d fit",
				   n, BOOT_CMDLINE_MAX - 1);
	return guest_mem_write(mem, BOOT_CMDLINE_GPA, buf, (size_t)n + 1);
}

static int write_info(const struct guest_mem *mem, const struct loaded_module *mods,
		      unsigned nr_mods)
{
	struct boot_mem_range r[BOOT_MEMMAP_RANGES_MAX];
	struct multiboot_mmap_entry mmap[BOOT_MEMMAP_RANGES_MAX];
	struct multiboot_mod_list list[LOADER_MAX_MODULES];
	unsigned n = boot_memory_map(mem, BOOT_MB_AREA_END, r);
	uint64_t upper_end = loader_low_ram_end(mem);
	struct multiboot_info info = {
	    .flags = MULTIBOOT_INFO_MEMORY | MULTIBOOT_INFO_CMDLINE | MULTIBOOT_INFO_MODS |
		     MULTIBOOT_INFO_MEM_MAP | MULTIBOOT_INFO_BOOT_LOADER_NAME,
	    .mem_lower = BOOT_CONVENTIONAL_END >> 10,
	    .mem_upper = (uint32_t)((upper_end - MB_UPPER_START) >> 10),
	    .cmdline = (uint32_t)BOOT_CMDLINE_GPA,
	    .mods_count = nr_mods,
	    .mods_addr = (uint32_t)BOOT_MODLIST_GPA,
	    .mmap_length = (uint32_t)(n * sizeof(mmap[0])),
	    .mmap_addr = (uint32_t)BOOT_MEMMAP_GPA,
	    .boot_loader_name = (uint32_t)MB_LOADER_NAME_GPA,
	};

	for (unsigned i = 0; i < n; i++)
		mmap[i] = (struct multiboot_mmap_entry){
		    .size = sizeof(mmap[i]) - sizeof(mmap[i].size),
		    .addr = r[i].addr,
		    .len = r[i].size,
		    .type = r[i].ram ? MULTIBOOT_MEMORY_AVAILABLE : MULTIBOOT_MEMORY_RESERVED};
	for (unsigned i = 0; i < nr_mods; i++)
		list[i] =
		    (struct multiboot_mod_list){.mod_start = (uint32_t)mods[i].gpa,
						.mod_end = (uint32_t)(mods[i].gpa + mods[i].size),
						.cmdline = (uint32_t)mods[i].string_gpa};
	return guest_mem_write(mem, BOOT_START_INFO_GPA, &info, sizeof(info)) ||
	       guest_mem_write(mem, BOOT_MEMMAP_GPA, mmap, n * sizeof(mmap[0])) ||
	       guest_mem_write(mem, BOOT_MODLIST_GPA, list, nr_mods * sizeof(list[0])) ||
	       guest_mem_write(mem, MB_LOADER_NAME_GPA, MB_LOADER_NAME, sizeof(MB_LOADER_NAME));
}

int multiboot_boot(int fd, const struct guest_mem *mem, const struct loader_args *args,
		   struct boot_state *boot, const char **err_path, char *err, size_t err_len)
{
	struct loaded_module mods[LOADER_MAX_MODULES];
	struct elf_image img;

	memset(&img, 0, sizeof(img));
	if (load_kernel(fd, mem, &img, err, err_len) ||
	    modules_load(mem, args, img.hi, loader_low_ram_end(mem), true, mods, err_path, err,
			 err_len) ||
	    write_cmdline(mem, args, err, err_len))
		return -1;
	if (write_info(mem, mods, args->nr_modules) || boot_write_gdt(mem))
		return loader_fail(err, err_len, "guest RAM too small for the boot area");
	boot_state_multiboot(boot, img.entry, BOOT_START_INFO_GPA);
	boot->kernel_lo = img.lo;
	boot->kernel_hi = img.hi;
	boot->nr_segments = img.nr_segments;
	if (args->nr_modules) {
		boot->initrd_gpa = mods[0].gpa;
		boot->initrd_size = mods[0].size;
	}
	return 0;
}
