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

static int read_all(int fd, uint8_t *dst, uint64_t size)
{
	uint64_t done = 0;

	while (done < size) {
		ssize_t n = pread(fd, dst + done, size - done, (off_t)done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		done += (uint64_t)n;
	}
	return 0;
}

/*
 * The initrd goes at the top of the RAM below the MMIO hole (region 0),
 * page aligned, above the kernel: where Linux's own loaders put it.
 */
static int load_initrd(const struct guest_mem *mem, const char *path, uint64_t kernel_hi,
		       struct boot_state *boot, char *err, size_t err_len)
{
	uint64_t low_end = mem->region[0].gpa + mem->region[0].size, floor, gpa, size;
	struct stat st;
	uint8_t *dst;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		snprintf(err, err_len, "cannot open: %s", strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size == 0) {
		snprintf(err, err_len, "not a regular, non-empty file");
		close(fd);
		return -1;
	}
	size = (uint64_t)st.st_size;
	floor = kernel_hi > BOOT_AREA_END ? kernel_hi : BOOT_AREA_END;
	floor = (floor + PAGE_MASK) & ~PAGE_MASK;
	if (size > low_end || ((low_end - size) & ~PAGE_MASK) < floor) {
		snprintf(
		    err, err_len,
		    "%llu bytes do not fit in guest RAM between the kernel and 0x%llx (see -m)",
		    (unsigned long long)size, (unsigned long long)low_end);
		close(fd);
		return -1;
	}
	gpa = (low_end - size) & ~PAGE_MASK;
	dst = guest_mem_ptr(mem, gpa, size);
	if (!dst || read_all(fd, dst, size)) {
		snprintf(err, err_len, "short read");
		close(fd);
		return -1;
	}
	close(fd);
	boot->initrd_gpa = gpa;
	boot->initrd_size = size;
	return 0;
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

	if (args->initrd_path) {
		snprintf(err, err_len, "a Solo5 hvt executable takes no --initrd");
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

int loader_load(const struct guest_mem *mem, const struct loader_args *args,
		struct boot_state *boot, const char **err_path, char *err, size_t err_len)
{
	struct elf_image image, *img = &image;
	struct boot_state st;
	int fd, rc;

	*err_path = args->kernel_path;
	if (args->solo5)
		return load_solo5(mem, args, boot, err, err_len);
	if (mem->nr_regions == 0 || mem->region[0].gpa != 0 || mem->region[0].size < BOOT_MIN_RAM) {
		snprintf(err, err_len, "guest RAM must start at 0 and hold at least %llu MiB",
			 BOOT_MIN_RAM >> 20);
		return -1;
	}
	fd = open(args->kernel_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, err_len, "cannot open: %s", strerror(errno));
		return -1;
	}
	rc = elf_load(fd, mem, BOOT_AREA_END, img, err, err_len);
	close(fd);
	if (rc)
		return -1;

	memset(&st, 0, sizeof(st));
	if (args->initrd_path) {
		*err_path = args->initrd_path;
		if (load_initrd(mem, args->initrd_path, img->hi, &st, err, err_len))
			return -1;
	}
	*err_path = args->kernel_path;
	if (start_info_write(mem, args->cmdline, st.initrd_gpa, st.initrd_size, args->rsdp_gpa, err,
			     err_len))
		return -1;
	if (boot_write_gdt(mem)) {
		snprintf(err, err_len, "guest RAM too small for the GDT");
		return -1;
	}
	if (img->is_pvh) {
		boot_state_pvh(boot, img->entry, BOOT_START_INFO_GPA);
	} else {
		if (boot_write_page_tables(mem)) {
			snprintf(err, err_len,
				 "cannot build the boot page tables for this much RAM");
			return -1;
		}
		boot_state_long64(boot, img->entry, BOOT_START_INFO_GPA);
	}
	boot->kernel_lo = img->lo;
	boot->kernel_hi = img->hi;
	boot->nr_segments = img->nr_segments;
	boot->initrd_gpa = st.initrd_gpa;
	boot->initrd_size = st.initrd_size;
	return 0;
}
