// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the kernel loader (src/loader: ELF, PVH note, the
 * bzImage setup header, the Multiboot v1 header and a.out kludge, the
 * Multiboot2 header tags, boot state, start_info / boot_params /
 * Multiboot v1 and v2 information, GDT and page tables)
 * on a fuzzed file, written to a memfd and opened through /proc/self/fd as
 * the CLI opens a path, with one small module (the initrd).
 *
 * Oracles besides ASan/UBSan: a refusal is one line (no newline, not
 * empty) that names a file, as the CLI prints it; an accepted kernel
 * starts inside what was loaded, with its segments inside guest RAM and
 * above what the VMM reserves for that protocol (the boot area); accepted
 * or refused, no byte of the ACPI table area changed (it is filled before
 * each load); the module lies in RAM clear of the kernel.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "loader/loader.h"
#include "memory.h"

#define RAM_SIZE BOOT_MIN_RAM
#define MODULE_BYTES "module bytes"

static void check_accepted(const struct boot_state *b)
{
	bool mb = b->mode == BOOT_MODE_MULTIBOOT || b->mode == BOOT_MODE_MULTIBOOT2;
	uint64_t reserved = mb ? BOOT_MB_AREA_END : BOOT_AREA_END;

	/* (The ACPI area may lie between two segments: acpi_untouched() checks it.) */
	if (b->kernel_lo >= b->kernel_hi || b->kernel_hi > RAM_SIZE || b->kernel_lo < reserved ||
	    b->rip < b->kernel_lo || b->rip >= b->kernel_hi)
		abort();
	/* The module: all of it, in RAM, page aligned, above the kernel. */
	if (b->initrd_size != sizeof(MODULE_BYTES) || (b->initrd_gpa & 0xfff) ||
	    b->initrd_gpa < b->kernel_hi || b->initrd_gpa + b->initrd_size > RAM_SIZE)
		abort();
}

/* Filled before each load: no protocol may write where the VMM's ACPI tables go. */
#define ACPI_FILL 0x5c

static void acpi_untouched(const uint8_t *ram)
{
	for (uint64_t a = BOOT_ACPI_GPA; a < BOOT_ACPI_END; a++)
		if (ram[a] != ACPI_FILL)
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
	static int fd = -1, mod_fd = -1;
	static char path[64], mod_spec[80];
	static struct loader_module module;
	struct guest_mem mem = {0};
	struct loader_args args = {.kernel_path = path,
				   .modules = &module,
				   .nr_modules = 1,
				   .cmdline = "console=ttyS0",
				   .rsdp_gpa = BOOT_ACPI_GPA};
	struct boot_state boot;
	const char *err_path = NULL;
	char err[512] = "";

	if (!ram) {
		ram = aligned_alloc(4096, RAM_SIZE);
		fd = memfd_create("fuzz-kernel", MFD_CLOEXEC);
		mod_fd = memfd_create("fuzz-module", MFD_CLOEXEC);
		if (!ram || fd < 0 || mod_fd < 0 ||
		    write(mod_fd, MODULE_BYTES, sizeof(MODULE_BYTES)) != sizeof(MODULE_BYTES))
			abort();
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		snprintf(mod_spec, sizeof(mod_spec), "/proc/self/fd/%d module args", mod_fd);
		module = (struct loader_module){mod_spec, strcspn(mod_spec, " ")};
	}
	if (ftruncate(fd, 0) || pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
	if (guest_mem_add_region(&mem, 0, RAM_SIZE, ram))
		abort();
	memset(ram + BOOT_ACPI_GPA, ACPI_FILL, BOOT_ACPI_SIZE);
	if (loader_load(&mem, &args, &boot, &err_path, err, sizeof(err)) == 0)
		check_accepted(&boot);
	else
		check_refused(err, err_path);
	acpi_untouched(ram);
	return 0;
}
