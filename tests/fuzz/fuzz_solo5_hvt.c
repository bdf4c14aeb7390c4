// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the Solo5 hvt hypercalls (src/devices/solo5_hvt.c) as
 * a hostile guest makes them: 32-bit OUTs (and wrong-sized or IN
 * accesses) to ports 0x500 + nr through the device bus, with argument
 * structures and buffers the input writes into guest RAM of two regions
 * with a hole between them, a read-only segment trapped on the bus, and
 * three block devices in memfds (read-write, read-only, none).
 *
 * Input: a sequence of ops, the low three bits of each op byte choosing:
 *   0   RAM write: u32 gpa, u8 length, the bytes (never into the
 *       read-only segment: the guest's CPU cannot write there either)
 *   1   raw access: port offset byte, u32 value, size and direction bits
 *   2/3 BLOCK_WRITE/BLOCK_READ: a struct solo5_hc_block (handle, offset,
 *       data, len, all fuzzed) at a fuzzed gpa, then the call
 *   4   PUTS, POLL, WALLTIME, NET_*, HALT: the argument at a fuzzed gpa
 *   5   a write reaching the read-only segment's bus trap
 * The input ends at the first stop the device asks for, as the VM does.
 *
 * Oracles besides ASan/UBSan, from the Solo5 ABI rather than the device:
 * no hypercall ever changes the read-only segment or the read-only disk;
 * a BLOCK_READ that says SOLO5_R_OK left the disk's bytes in the guest
 * buffer and a BLOCK_WRITE that says so left the guest's bytes on the
 * disk (read back with pread); a stop's reason is one non-empty line.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "devices/bus.h"
#include "devices/solo5_hvt.h"
#include "fuzz_input.h"
#include "memory.h"

#define LOW_SIZE 0x20000u  /* [0, 128 KiB) */
#define HIGH_GPA 0x100000u /* [1 MiB, +64 KiB), a hole below */
#define HIGH_SIZE 0x10000u
#define RO_GPA 0x8000u
#define RO_SIZE 0x8000u
#define DISK_RW 1 /* manifest handles */
#define DISK_RO 2
#define RW_BYTES 0x10000u
#define RO_BYTES 0x4000u

static uint8_t low[LOW_SIZE], high[HIGH_SIZE], ro_image[RO_SIZE], ro_disk[RO_BYTES];
static int rw_fd = -1, ro_fd = -1;

static int always_stop(void *ctx)
{
	(void)ctx;
	return 1; /* POLL returns at once instead of sleeping its timeout */
}

static void setup_once(void)
{
	int null = open("/dev/null", O_WRONLY);

	/* PUTS writes the guest's text to stdout. */
	if (null < 0 || dup2(null, STDOUT_FILENO) < 0)
		abort();
	close(null);
	rw_fd = memfd_create("fuzz-rw-disk", MFD_CLOEXEC);
	ro_fd = memfd_create("fuzz-ro-disk", MFD_CLOEXEC);
	for (unsigned i = 0; i < RO_BYTES; i++)
		ro_disk[i] = (uint8_t)(i * 7 + 3);
	if (rw_fd < 0 || ro_fd < 0 || ftruncate(rw_fd, RW_BYTES) ||
	    pwrite(ro_fd, ro_disk, RO_BYTES, 0) != RO_BYTES)
		abort();
	for (unsigned i = 0; i < RO_SIZE; i++)
		ro_image[i] = (uint8_t)(i ^ 0x5a);
}

/* A guest address: mostly inside one of the regions, sometimes anywhere. */
static uint64_t pick_gpa(struct fuzz_in *in)
{
	uint32_t v = fin_u32(in);

	switch (v >> 30) {
	case 0:
		return v % LOW_SIZE;
	case 1:
		return HIGH_GPA + v % HIGH_SIZE;
	case 2:
		return LOW_SIZE - 64 + v % 128; /* across the end of the low region */
	default:
		return v;
	}
}

static bool overlaps_ro(uint64_t gpa, uint64_t len)
{
	return len && gpa < RO_GPA + RO_SIZE && gpa + len > RO_GPA;
}

static void ram_write(const struct guest_mem *mem, struct fuzz_in *in)
{
	uint64_t gpa = pick_gpa(in);
	uint8_t buf[256];
	unsigned len = fin_u8(in);

	fin_bytes(in, buf, len);
	if (!overlaps_ro(gpa, len))
		guest_mem_write(mem, gpa, buf, len); /* outside RAM: nothing, as for the guest */
}

static void call(struct bus *bus, unsigned nr, uint64_t gpa)
{
	uint32_t v = (uint32_t)gpa;

	bus_dispatch(bus, BUS_PIO, SOLO5_HVT_PIO_BASE + nr, (uint8_t *)&v, 4, true);
}

/* A block call, and what it must have done when it says it succeeded. */
static void block_call(struct bus *bus, const struct guest_mem *mem, struct fuzz_in *in,
		       unsigned nr)
{
	struct solo5_hc_block a = {.handle = fin_u8(in) & 3,
				   .offset = fin_u16(in) * 16u,
				   .data = pick_gpa(in),
				   .len = fin_u16(in) * 8u};
	uint64_t gpa = pick_gpa(in);
	static uint8_t disk[RW_BYTES];
	const uint8_t *buf;

	if (fin_u8(in) & 1) /* sometimes wholly fuzzed fields */
		fin_bytes(in, &a, 32);
	if (overlaps_ro(gpa, sizeof(a)) || guest_mem_write(mem, gpa, &a, sizeof(a)))
		return;
	call(bus, nr, gpa);
	/* A buffer overlapping its own argument block: legal, but nothing to compare. */
	if (a.len && a.data < gpa + sizeof(a) && gpa < a.data + a.len)
		return;
	if (bus->stop_requested || guest_mem_read(mem, gpa, &a, sizeof(a)) || a.ret != SOLO5_R_OK)
		return;
	/* Success: only a real disk, whole blocks inside it, a buffer in RAM. */
	buf = guest_mem_ptr(mem, a.data, a.len);
	if ((a.handle != DISK_RW && a.handle != DISK_RO) || !buf || a.len > RW_BYTES ||
	    (nr == SOLO5_HC_BLOCK_WRITE && a.handle == DISK_RO))
		abort();
	if (pread(a.handle == DISK_RW ? rw_fd : ro_fd, disk, a.len, (off_t)a.offset) !=
		(ssize_t)a.len ||
	    memcmp(disk, buf, a.len))
		abort();
}

static void other_call(struct bus *bus, const struct guest_mem *mem, struct fuzz_in *in, uint8_t op)
{
	static const unsigned nrs[] = {SOLO5_HC_PUTS,	   SOLO5_HC_POLL,     SOLO5_HC_WALLTIME,
				       SOLO5_HC_NET_WRITE, SOLO5_HC_NET_READ, SOLO5_HC_HALT};
	uint8_t arg[32];
	uint64_t gpa = pick_gpa(in);

	fin_bytes(in, arg, sizeof(arg));
	if (!overlaps_ro(gpa, sizeof(arg)))
		guest_mem_write(mem, gpa, arg, sizeof(arg));
	call(bus, nrs[(op >> 3) % 6], gpa);
}

static void raw_access(struct bus *bus, struct fuzz_in *in)
{
	uint8_t port = fin_u8(in);
	uint64_t v = fin_u32(in); /* room for an 8-byte access */
	uint8_t how = fin_u8(in);

	bus_dispatch(bus, BUS_PIO, SOLO5_HVT_PIO_BASE - 2 + port % (SOLO5_HC_MAX + 4),
		     (uint8_t *)&v, 1u << (how & 3), how & 4);
}

static void check_stop(const struct bus *bus)
{
	if (bus->stop_requested &&
	    (!bus->stop_reason || !bus->stop_reason[0] || strchr(bus->stop_reason, '\n')))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct solo5_hvt dev;
	struct guest_range ro = {RO_GPA, RO_SIZE};
	struct guest_mem mem = {0};
	struct bus bus = {0};
	struct fuzz_in in;
	uint8_t check[RO_BYTES];

	if (rw_fd < 0)
		setup_once();
	memset(&dev, 0, sizeof(dev));
	for (unsigned i = 0; i < SOLO5_MFT_MAX_ENTRIES; i++)
		dev.disk[i].fd = -1;
	dev.disk[DISK_RW] = (struct solo5_disk){rw_fd, false, RW_BYTES, 512};
	dev.disk[DISK_RO] = (struct solo5_disk){ro_fd, true, RO_BYTES, 4096};
	dev.stop_pending = always_stop;
	memset(low, 0, sizeof(low));
	memset(high, 0, sizeof(high));
	memcpy(low + RO_GPA, ro_image, RO_SIZE);
	if (guest_mem_add_region(&mem, 0, LOW_SIZE, low) ||
	    guest_mem_add_region(&mem, HIGH_GPA, HIGH_SIZE, high) ||
	    solo5_hvt_register(&dev, &bus, &mem, &ro, 1))
		abort();
	fin_init(&in, data, size);
	while (fin_left(&in) && !bus.stop_requested) {
		uint8_t op = fin_u8(&in);

		switch (op & 7) {
		case 0:
			ram_write(&mem, &in);
			break;
		case 1:
			raw_access(&bus, &in);
			break;
		case 2:
		case 3:
			block_call(&bus, &mem, &in,
				   (op & 7) == 2 ? SOLO5_HC_BLOCK_WRITE : SOLO5_HC_BLOCK_READ);
			break;
		case 5: {
			uint64_t v = fin_u32(&in); /* room for an 8-byte access */

			bus_dispatch(&bus, BUS_MMIO, RO_GPA + fin_u16(&in) % RO_SIZE, (uint8_t *)&v,
				     1u << (fin_u8(&in) & 3), true);
			break;
		}
		default:
			other_call(&bus, &mem, &in, op);
			break;
		}
		check_stop(&bus);
		if (memcmp(low + RO_GPA, ro_image, RO_SIZE))
			abort(); /* a hypercall wrote into the read-only segment */
	}
	if (pread(ro_fd, check, RO_BYTES, 0) != RO_BYTES || memcmp(check, ro_disk, RO_BYTES))
		abort(); /* the read-only disk changed */
	return 0;	 /* (not solo5_hvt_close: the disks stay open for the next input) */
}
