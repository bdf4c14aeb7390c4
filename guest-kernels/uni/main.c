// SPDX-License-Identifier: MIT
/*
 * uni: the unikernel of the OS-architecture guests. The application (the
 * shared workload, guest-kernels/lib/workload.h) is linked with its
 * library OS (guest-kernels/lib/solo5/: the Solo5 hvt ABI) into one
 * image: one address space, ring 0 throughout, no system calls. Where mono
 * enters its kernel with `syscall` and micro sends a message to a file
 * server, uni's disk access is a plain function call that ends in one
 * hypercall (a 32-bit OUT, i.e. one VM exit) per record read or written:
 * its switch counters are zero by construction, and its VM exits are the
 * whole cost of its I/O.
 *
 * It declares its own Solo5 ABI note and a manifest with one block device,
 * "storage" (attach with -d IMAGE,name=storage; 512-byte blocks, which are
 * the workload's records). The workload's arguments come on the command
 * line (minivmm uni.elf -- workload.records=N ...).
 */
#include "kstring.h"
#include "solo5/hvt.h"
#include "workload.h"

HVT_DECLARE_ABI_NOTE;

static const HVT_MFT_NOTE_TYPE(2) uni_manifest
    __attribute__((section(".note.solo5.manifest"), aligned(8), used)) = {
	HVT_MFT_NOTE_HEADER(2),
	.e = {HVT_MFT_RESERVED_FIRST, HVT_MFT_BLOCK("storage")},
};

struct uni_disk {
	uint64_t handle;
	uint64_t hypercalls; /* block hypercalls made: each one VM exit */
};

static int uni_read(void *ctx, uint64_t sector, void *buf, uint32_t count)
{
	struct uni_disk *d = ctx;

	d->hypercalls++;
	return hvt_block_read(d->handle, sector * WL_RECORD_BYTES, buf,
			      (uint64_t)count * WL_RECORD_BYTES) == SOLO5_R_OK
		   ? 0
		   : -1;
}

static int uni_write(void *ctx, uint64_t sector, const void *buf, uint32_t count)
{
	struct uni_disk *d = ctx;

	d->hypercalls++;
	return hvt_block_write(d->handle, sector * WL_RECORD_BYTES, buf,
			       (uint64_t)count * WL_RECORD_BYTES) == SOLO5_R_OK
		   ? 0
		   : -1;
}

static void uni_print(void *ctx, const char *text)
{
	(void)ctx;
	hvt_puts(text, strlen(text));
}

static uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

int hvt_main(const struct solo5_hvt_boot_info *bi)
{
	struct uni_disk disk = {0, 0};
	struct wl_io io = {&disk, uni_read, uni_write, uni_print};
	struct wl_params p;
	int h = hvt_block_handle(bi, "storage"), rc;
	uint64_t sum = 0, t0, cycles;

	hvt_printf("uni: unikernel, application and Solo5 hvt library OS in one ring-0 "
		   "address space\n");
	if (h < 0 || hvt_entry(bi, (uint32_t)h)->u.block.block_size != WL_RECORD_BYTES) {
		hvt_printf("uni: needs the block device 'storage' with %u-byte blocks\n",
			   WL_RECORD_BYTES);
		return 1;
	}
	disk.handle = (uint64_t)h;
	if (wl_parse((const char *)(uintptr_t)bi->cmdline, &p, &io))
		return 1;
	t0 = rdtsc();
	rc = wl_run(&io, &p, &sum);
	cycles = rdtsc() - t0;
	/* The machine-readable line every architecture prints (see make compare-archs). */
	hvt_printf("stats: arch=uni records=%lu syscalls=0 int80=0 ring_transitions=0 "
		   "messages=0 as_switches=0 ctx_switches=0 hypercalls=%lu cycles=%lu "
		   "cycles_per_record=%lu\n",
		   (unsigned long)p.records, (unsigned long)disk.hypercalls, (unsigned long)cycles,
		   (unsigned long)(p.records ? cycles / p.records : 0));
	return rc ? 1 : 0;
}
