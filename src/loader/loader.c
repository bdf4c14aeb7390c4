// SPDX-License-Identifier: MIT
/*
 * Loader entry point: kernel, initrd, boot area, initial CPU state, in
 * that order, so that every problem with an input file is found before
 * any vCPU exists.
 */
#include "loader/loader.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "loader/solo5.h"

#define PAGE_MASK 0xfffULL

int loader_read_all(int fd, void *dst, uint64_t size, uint64_t offset)
{
	uint64_t done = 0;

	while (done < size) {
		ssize_t n = pread(fd, (uint8_t *)dst + done, size - done, (off_t)(offset + done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		done += (uint64_t)n;
	}
	return 0;
}

/*
 * A module (initrd) goes as high as it can below ceiling, page aligned,
 * above floor: where Linux's own loaders put an initrd.
 */
int loader_place_file(const struct guest_mem *mem, const char *path, uint64_t floor,
		      uint64_t ceiling, struct guest_range *placed, char *err, size_t err_len)
{
	uint64_t gpa, size;
	struct stat st;
	uint8_t *dst;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return loader_fail(err, err_len, "cannot open: %s", strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size == 0) {
		close(fd);
		return loader_fail(err, err_len, "not a regular, non-empty file");
	}
	size = (uint64_t)st.st_size;
	floor = (floor + PAGE_MASK) & ~PAGE_MASK;
	if (size > ceiling || ((ceiling - size) & ~PAGE_MASK) < floor) {
		close(fd);
		return loader_fail(
		    err, err_len,
		    "%llu bytes do not fit in guest RAM between 0x%llx and 0x%llx (see -m)",
		    (unsigned long long)size, (unsigned long long)floor,
		    (unsigned long long)ceiling);
	}
	gpa = (ceiling - size) & ~PAGE_MASK;
	dst = guest_mem_ptr(mem, gpa, size);
	if (!dst || loader_read_all(fd, dst, size, 0)) {
		close(fd);
		return loader_fail(err, err_len, "short read");
	}
	close(fd);
	placed->gpa = gpa;
	placed->size = size;
	return 0;
}

/* The top of the RAM below the MMIO hole (region 0), where modules go. */
uint64_t loader_low_ram_end(const struct guest_mem *mem)
{
	return mem->region[0].gpa + mem->region[0].size;
}

int loader_fail(char *err, size_t err_len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, err_len, fmt, ap);
	va_end(ap);
	return -1;
}

const char *boot_mode_name(enum boot_mode mode)
{
	switch (mode) {
	case BOOT_MODE_PVH32:
		return "Xen PVH";
	case BOOT_MODE_SOLO5_HVT:
		return "Solo5 hvt";
	case BOOT_MODE_LINUX64:
		return "Linux boot";
	case BOOT_MODE_MULTIBOOT:
		return "Multiboot";
	case BOOT_MODE_MULTIBOOT2:
		return "Multiboot2";
	default:
		return "ELF64";
	}
}

int loader_detect(const char *kernel_path, struct solo5_image *solo5, enum boot_mode *mode,
		  char *err, size_t err_len)
{
	int fd = open(kernel_path, O_RDONLY | O_CLOEXEC), rc;

	if (fd < 0) {
		snprintf(err, err_len, "cannot open: %s", strerror(errno));
		return -1;
	}
	rc = solo5_parse_fd(fd, solo5, err, err_len);
	close(fd);
	if (rc < 0)
		return -1;
	*mode = rc == 1 ? BOOT_MODE_SOLO5_HVT : BOOT_MODE_LONG64;
	return 0;
}

static int load_solo5(const struct guest_mem *mem, const struct loader_args *args,
		      struct boot_state *boot, char *err, size_t err_len)
{
	int fd, rc;

	if (args->nr_modules) {
		snprintf(err, err_len, "a Solo5 hvt executable takes no --initrd or --module");
		return -1;
	}
	fd = open(args->kernel_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, err_len, "cannot open: %s", strerror(errno));
		return -1;
	}
	rc = solo5_hvt_load(mem, fd, args->solo5, args->cmdline, boot, err, err_len);
	close(fd);
	return rc;
}

/* An ELF kernel: Xen PVH if it has the note, else the direct 64-bit entry. */
static int load_elf(int fd, const struct guest_mem *mem, const struct loader_args *args,
		    struct boot_state *boot, const char **err_path, char *err, size_t err_len)
{
	struct loaded_module mods[LOADER_MAX_MODULES];
	struct elf_image image, *img = &image;

	if (elf_load(fd, mem, BOOT_AREA_END, img, err, err_len) ||
	    modules_load(mem, args, img->hi > BOOT_AREA_END ? img->hi : BOOT_AREA_END,
			 loader_low_ram_end(mem), true, mods, err_path, err, err_len) ||
	    start_info_write(mem, args->cmdline, mods, args->nr_modules, args->rsdp_gpa, err,
			     err_len))
		return -1;
	if (boot_write_gdt(mem))
		return loader_fail(err, err_len, "guest RAM too small for the GDT");
	if (img->is_pvh) {
		boot_state_pvh(boot, img->entry, BOOT_START_INFO_GPA);
	} else {
		if (boot_write_page_tables(mem))
			return loader_fail(err, err_len,
					   "cannot build the boot page tables for this much RAM");
		boot_state_long64(boot, img->entry, BOOT_START_INFO_GPA);
	}
	boot->kernel_lo = img->lo;
	boot->kernel_hi = img->hi;
	boot->nr_segments = img->nr_segments;
	if (args->nr_modules) {
		boot->initrd_gpa = mods[0].gpa;
		boot->initrd_size = mods[0].size;
	}
	return 0;
}

int loader_load(const struct guest_mem *mem, const struct loader_args *args,
		struct boot_state *boot, const char **err_path, char *err, size_t err_len)
{
	int fd, rc;

	*err_path = args->kernel_path;
	if (args->solo5)
		return load_solo5(mem, args, boot, err, err_len);
	if (mem->nr_regions == 0 || mem->region[0].gpa != 0 || mem->region[0].size < BOOT_MIN_RAM)
		return loader_fail(err, err_len,
				   "guest RAM must start at 0 and hold at least %llu MiB",
				   BOOT_MIN_RAM >> 20);
	fd = open(args->kernel_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return loader_fail(err, err_len, "cannot open: %s", strerror(errno));
	/*
	 * The documented order: a PVH note, then a Linux setup header, then a
	 * Multiboot v1 header, then a Multiboot2 header, then plain ELF64. A
	 * bzImage is no ELF file, so it never competes with a PVH note; an ELF
	 * file with both a PVH note and a Multiboot header (Linux's vmlinux
	 * with CONFIG_PVH) boots by PVH. A kernel with both Multiboot headers
	 * (Xen) boots by v1, as under QEMU's -kernel, so its users move it
	 * unchanged: Xen reads a loader that is not GRUB 2 as putting the
	 * image name first in every string, which is v1's convention here and
	 * not v2's (GRUB 2's).
	 */
	if (linux_detect(fd))
		rc = linux_boot(fd, mem, args, boot, err_path, err, err_len);
	else if (multiboot_detect(fd) && !elf_has_pvh_note(fd))
		rc = multiboot_boot(fd, mem, args, boot, err_path, err, err_len);
	else if (multiboot2_detect(fd) && !elf_has_pvh_note(fd))
		rc = multiboot2_boot(fd, mem, args, boot, err_path, err, err_len);
	else
		rc = load_elf(fd, mem, args, boot, err_path, err, err_len);
	close(fd);
	return rc;
}
