// SPDX-License-Identifier: MIT
/*
 * The Linux x86 boot protocol (Documentation/arch/x86/boot.rst) for a
 * bzImage, as a boot loader does it, with the 64-bit entry: the setup
 * header is checked (boot flag, "HdrS", version 2.12 or later,
 * LOADED_HIGH, XLF_KERNEL_64), the protected-mode kernel is copied to
 * 1 MiB, and struct boot_params (the "zero page", from the UAPI
 * <asm/bootparam.h>) gets the file's setup header plus what a loader
 * fills in: loader type, video mode, command line, initrd, e820 map,
 * ACPI RSDP. The vCPU starts at startup_64 (load address + 0x200) in
 * long mode on the VMM's identity map, RSI = boot_params.
 */
#include "loader/loader.h"

#include <asm/bootparam.h>
#include <asm/e820.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#define SETUP_HDR_OFFSET 0x1f1	 /* offsetof(struct boot_params, hdr) */
#define SETUP_HDR_LEN_BYTE 0x201 /* the header ends at 0x202 + this byte */
#define BOOT_FLAG 0xaa55
#define HDRS_MAGIC 0x53726448 /* "HdrS" */
#define MIN_VERSION 0x020c    /* 2.12: xloadflags, XLF_KERNEL_64 */
#define DEFAULT_SETUP_SECTS 4 /* setup_sects 0 means 4 */
#define LOAD_ADDRESS 0x100000ULL
#define STARTUP_64_OFFSET 0x200
#define LOADER_TYPE_UNDEFINED 0xff
#define VID_MODE_NORMAL 0xffff

/* Where the protected-mode kernel went and what it will occupy. */
struct linux_image {
	uint64_t load_gpa, load_size;
	uint64_t entry; /* startup_64 */
	uint64_t end;	/* above the loaded bytes and the decompressed kernel's init_size */
};

_Static_assert(offsetof(struct boot_params, hdr) == SETUP_HDR_OFFSET, "setup header offset");
_Static_assert(sizeof(struct boot_params) == 4096, "the zero page is one page");
_Static_assert(BOOT_PARAMS_GPA + sizeof(struct boot_params) <= BOOT_STACK_TOP - 0x1000,
	       "zero page and stack overlap");

/* Either mark makes it a Linux image, so a damaged header is reported as such. */
int linux_detect(int fd)
{
	uint16_t boot_flag = 0;
	uint32_t magic = 0;

	loader_read_all(fd, &boot_flag, sizeof(boot_flag),
			offsetof(struct setup_header, boot_flag) + SETUP_HDR_OFFSET);
	loader_read_all(fd, &magic, sizeof(magic),
			offsetof(struct setup_header, header) + SETUP_HDR_OFFSET);
	return boot_flag == BOOT_FLAG || magic == HDRS_MAGIC;
}

/* Read and check the setup header into bp (zeroed except for the header). */
static int read_header(int fd, uint64_t file_size, struct boot_params *bp, char *err,
		       size_t err_len)
{
	struct setup_header *h = &bp->hdr;
	uint8_t hdr_len;
	size_t copy;

	memset(bp, 0, sizeof(*bp));
	if (loader_read_all(fd, &hdr_len, 1, SETUP_HDR_LEN_BYTE))
		return loader_fail(err, err_len, "bzImage truncated before its setup header");
	copy = 0x202 + (size_t)hdr_len - SETUP_HDR_OFFSET;
	if (copy > sizeof(*bp) - SETUP_HDR_OFFSET)
		copy = sizeof(*bp) - SETUP_HDR_OFFSET;
	if (copy > file_size - SETUP_HDR_OFFSET || loader_read_all(fd, h, copy, SETUP_HDR_OFFSET))
		return loader_fail(err, err_len, "bzImage truncated inside its setup header");
	if (h->header != HDRS_MAGIC || h->boot_flag != BOOT_FLAG)
		return loader_fail(
		    err, err_len,
		    "boot sector without a Linux setup header (\"HdrS\" and 0xAA55): "
		    "not a bzImage");
	if (h->version < MIN_VERSION)
		return loader_fail(err, err_len,
				   "Linux boot protocol %u.%02u is too old: minivmm needs 2.12 or "
				   "later (xloadflags)",
				   h->version >> 8, h->version & 0xff);
	if (!(h->loadflags & LOADED_HIGH))
		return loader_fail(
		    err, err_len,
		    "not a bzImage: LOADED_HIGH is clear (a zImage loads at 0x10000)");
	if (!(h->xloadflags & XLF_KERNEL_64))
		return loader_fail(err, err_len,
				   "no 64-bit entry point (XLF_KERNEL_64 clear): a 32-bit kernel");
	if (h->relocatable_kernel &&
	    (h->kernel_alignment == 0 || (h->kernel_alignment & (h->kernel_alignment - 1))))
		return loader_fail(err, err_len, "kernel_alignment 0x%x is not a power of two",
				   h->kernel_alignment);
	return 0;
}

/*
 * Where the kernel runs once decompressed: a relocatable kernel at its
 * load address aligned up, but not below pref_address (LOAD_PHYSICAL_ADDR);
 * another at pref_address. init_size bytes from there must be RAM.
 */
static uint64_t runtime_start(const struct setup_header *h)
{
	uint64_t start = LOAD_ADDRESS;

	if (!h->relocatable_kernel)
		return h->pref_address;
	start = (start + h->kernel_alignment - 1) & ~(uint64_t)(h->kernel_alignment - 1);
	return start > h->pref_address ? start : h->pref_address;
}

static int copy_kernel(int fd, uint64_t file_size, const struct guest_mem *mem,
		       const struct setup_header *h, struct linux_image *img, char *err,
		       size_t err_len)
{
	uint64_t setup =
	    ((uint64_t)(h->setup_sects ? h->setup_sects : DEFAULT_SETUP_SECTS) + 1) * 512;
	uint64_t run = runtime_start(h), size;
	void *dst;

	if (setup >= file_size)
		return loader_fail(err, err_len,
				   "setup code of %llu bytes leaves no kernel in a %llu-byte file: "
				   "truncated",
				   (unsigned long long)setup, (unsigned long long)file_size);
	size = file_size - setup;
	if (size <= STARTUP_64_OFFSET)
		return loader_fail(
		    err, err_len,
		    "the protected-mode kernel is %llu bytes: no startup_64 at offset "
		    "0x%x: truncated",
		    (unsigned long long)size, STARTUP_64_OFFSET);
	if (run < LOAD_ADDRESS)
		return loader_fail(
		    err, err_len,
		    "the kernel would run at 0x%llx (pref_address of a non-relocatable "
		    "kernel), below 1 MiB where the boot area is",
		    (unsigned long long)run);
	if (run + h->init_size < run || run + h->init_size > loader_low_ram_end(mem) ||
	    !guest_mem_ptr(mem, run, h->init_size))
		return loader_fail(
		    err, err_len,
		    "the kernel needs [0x%llx, 0x%llx) to decompress and run, beyond "
		    "guest RAM below 3 GiB (see -m)",
		    (unsigned long long)run, (unsigned long long)(run + h->init_size));
	dst = guest_mem_ptr(mem, LOAD_ADDRESS, size);
	if (!dst)
		return loader_fail(err, err_len,
				   "%llu bytes of kernel do not fit at 0x%llx (see -m)",
				   (unsigned long long)size, LOAD_ADDRESS);
	if (loader_read_all(fd, dst, size, setup))
		return loader_fail(err, err_len, "short read of the protected-mode kernel");
	img->load_gpa = LOAD_ADDRESS;
	img->load_size = size;
	img->entry = LOAD_ADDRESS + STARTUP_64_OFFSET;
	img->end =
	    run + h->init_size > LOAD_ADDRESS + size ? run + h->init_size : LOAD_ADDRESS + size;
	return 0;
}

/* The command line must fit the kernel's COMMAND_LINE_SIZE (cmdline_size, 2.06+) and ours. */
static int check_cmdline(const struct setup_header *h, const char *cmdline, char *err,
			 size_t err_len)
{
	size_t len = cmdline ? strlen(cmdline) : 0;
	size_t max = h->cmdline_size && h->cmdline_size < BOOT_CMDLINE_MAX - 1
			 ? h->cmdline_size
			 : BOOT_CMDLINE_MAX - 1;

	if (len > max)
		return loader_fail(err, err_len,
				   "command line is %zu bytes; this kernel takes at most %zu", len,
				   max);
	return 0;
}

static int load_kernel(int fd, const struct guest_mem *mem, const char *cmdline,
		       struct boot_params *bp, struct linux_image *img, char *err, size_t err_len)
{
	struct stat st;

	memset(img, 0, sizeof(*img));
	if (fstat(fd, &st) != 0 || (uint64_t)st.st_size <= SETUP_HDR_OFFSET)
		return loader_fail(err, err_len, "bzImage truncated before its setup header");
	if (read_header(fd, (uint64_t)st.st_size, bp, err, err_len) ||
	    check_cmdline(&bp->hdr, cmdline, err, err_len))
		return -1;
	return copy_kernel(fd, (uint64_t)st.st_size, mem, &bp->hdr, img, err, err_len);
}

/* The initrd goes below initrd_addr_max (and the MMIO hole). */
static uint64_t initrd_ceiling(const struct guest_mem *mem, const struct boot_params *bp)
{
	uint64_t top = loader_low_ram_end(mem), max = (uint64_t)bp->hdr.initrd_addr_max + 1;

	return max && max < top ? max : top;
}

static unsigned fill_e820(const struct guest_mem *mem, struct boot_params *bp)
{
	struct boot_mem_range r[BOOT_MEMMAP_RANGES_MAX];
	unsigned n = boot_memory_map(mem, BOOT_AREA_END, r);

	_Static_assert(BOOT_MEMMAP_RANGES_MAX <= E820_MAX_ENTRIES_ZEROPAGE, "e820 table");
	for (unsigned i = 0; i < n; i++)
		bp->e820_table[i] =
		    (struct boot_e820_entry){.addr = r[i].addr,
					     .size = r[i].size,
					     .type = r[i].ram ? E820_RAM : E820_RESERVED};
	return n;
}

static int write_boot_params(const struct guest_mem *mem, struct boot_params *bp,
			     const struct linux_image *img, const char *cmdline,
			     const struct loaded_module *initrd, uint64_t rsdp_gpa, char *err,
			     size_t err_len)
{
	struct setup_header *h = &bp->hdr;
	size_t len = cmdline ? strlen(cmdline) : 0;

	h->type_of_loader = LOADER_TYPE_UNDEFINED;
	h->vid_mode = VID_MODE_NORMAL;
	h->code32_start = (uint32_t)img->load_gpa;
	h->loadflags &= (uint8_t)~CAN_USE_HEAP; /* no real-mode heap: setup code never runs */
	h->heap_end_ptr = 0;
	h->cmd_line_ptr = (uint32_t)BOOT_CMDLINE_GPA;
	h->ramdisk_image = (uint32_t)initrd->gpa;
	h->ramdisk_size = (uint32_t)initrd->size;
	bp->acpi_rsdp_addr = rsdp_gpa;
	bp->e820_entries = (uint8_t)fill_e820(mem, bp);
	if (guest_mem_write(mem, BOOT_CMDLINE_GPA, cmdline ? cmdline : "", len + 1) ||
	    guest_mem_write(mem, BOOT_PARAMS_GPA, bp, sizeof(*bp)))
		return loader_fail(err, err_len, "guest RAM too small for the boot area");
	return 0;
}

int linux_boot(int fd, const struct guest_mem *mem, const struct loader_args *args,
	       struct boot_state *boot, const char **err_path, char *err, size_t err_len)
{
	struct boot_params bp;
	struct linux_image img;
	struct loaded_module initrd = {0, 0, 0};

	if (args->nr_modules > 1)
		return loader_fail(err, err_len,
				   "the Linux boot protocol takes one module, the initrd; %u given",
				   args->nr_modules);
	if (load_kernel(fd, mem, args->cmdline, &bp, &img, err, err_len) ||
	    modules_load(mem, args, img.end, initrd_ceiling(mem, &bp), false, &initrd, err_path,
			 err, err_len))
		return -1;
	if (write_boot_params(mem, &bp, &img, args->cmdline, &initrd, args->rsdp_gpa, err, err_len))
		return -1;
	if (boot_write_gdt_linux(mem) || boot_write_page_tables(mem))
		return loader_fail(err, err_len, "cannot build the boot GDT and page tables");
	boot_state_linux64(boot, img.entry, BOOT_PARAMS_GPA);
	boot->kernel_lo = img.load_gpa;
	boot->kernel_hi = img.load_gpa + img.load_size;
	boot->nr_segments = 1;
	boot->initrd_gpa = initrd.gpa;
	boot->initrd_size = initrd.size;
	return 0;
}
