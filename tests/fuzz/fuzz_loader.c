// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the kernel loader (src/loader: ELF, PVH note, boot
 * state, start_info, GDT and page tables) on a fuzzed file, written to a
 * memfd and opened through /proc/self/fd as the CLI opens a path.
 *
 * Oracles besides ASan/UBSan: a refusal is one line (no newline, not
 * empty) that names a file, as the CLI prints it; an accepted kernel
 * starts inside what was loaded, with its segments inside guest RAM.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "loader/loader.h"
#include "memory.h"

#define RAM_SIZE BOOT_MIN_RAM

static void check_accepted(const struct boot_state *b)
{
	if (b->kernel_lo >= b->kernel_hi || b->kernel_hi > RAM_SIZE ||
	    b->kernel_lo < BOOT_AREA_END || b->rip < b->kernel_lo || b->rip >= b->kernel_hi)
		abort();
}

static void check_refused(const char *err, const char *err_path)
{
	if (!err[0] || strchr(err, '\n') || !err_path || !err_path[0])
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t *ram;
	static int fd = -1;
	static char path[64];
	struct guest_mem mem = {0};
	struct loader_args args = {
	    .kernel_path = path, .cmdline = "console=ttyS0", .rsdp_gpa = BOOT_ACPI_GPA};
	struct boot_state boot;
	const char *err_path = NULL;
	char err[512] = "";

	if (!ram) {
		ram = aligned_alloc(4096, RAM_SIZE);
		fd = memfd_create("fuzz-kernel", MFD_CLOEXEC);
		if (!ram || fd < 0)
			abort();
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) || pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
	if (guest_mem_add_region(&mem, 0, RAM_SIZE, ram))
		abort();
	if (loader_load(&mem, &args, &boot, &err_path, err, sizeof(err)) == 0)
		check_accepted(&boot);
	else
		check_refused(err, err_path);
	return 0;
}
