// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: virtio-mmio + split virtqueue + virtio-blk, driven
 * through the device bus (src/devices/bus.c) as the run loop drives them,
 * over 64 KiB of fuzzed guest RAM and a 64 KiB disk in a memfd. The
 * device is made once per process and reset by the driver (Status = 0)
 * at the start of every input, as a guest may do at any time.
 *
 * The input is a program for a hostile driver: raw register reads and
 * writes of any size and alignment (also just outside the window),
 * config-space accesses, RAM writes, descriptor writes into the ring or
 * an indirect-table area, request headers, avail-ring submissions with
 * notifies and used_event, and a bring-up step with fuzzed features
 * (INDIRECT_DESC and EVENT_IDX among them) and queue placement, so that
 * the fuzzer gets past negotiation quickly.
 *
 * Oracles besides ASan/UBSan and libFuzzer's timeout (a hang is a
 * finding): the device never uses more chains than were made available,
 * and never changes the image's size.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/virtio_blk.h>
#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>
#include <linux/virtio_ring.h>

#include "devices/bus.h"
#include "devices/virtio_blk.h"
#include "fuzz_input.h"
#include "memory.h"

#define RAM_SIZE (64u << 10)
#define DISK_SIZE (64u << 10)
#define WINDOW_BASE 0xd0000000ULL
#define WINDOW_LEN 0x1000ULL
/* Where the bring-up step puts the rings (the fuzzer may move them). */
#define DESC_GPA 0x1000u
#define AVAIL_GPA 0x2000u
#define USED_GPA 0x3000u
#define INDIRECT_GPA 0x4000u

static uint8_t *ram;
/* The images, memfds opened through /proc/self/fd (one each: the locks conflict). */
static int disk_fd[2] = {-1, -1};

struct drv {
	struct bus bus;
	struct guest_mem mem;
	struct virtio_blk blk[2]; /* read-write, read-only */
	unsigned dev;		  /* the one this input drives */
	uint32_t num;		  /* queue size the bring-up step wrote */
	uint16_t avail_idx;
};

static struct drv D;

/*
 * Two devices, each on its own disk, once per process: read-write in the first
 * window, read-only in the next. Each input drives one of them; both are
 * reset first (what a driver's Status = 0 does), so inputs do not leak
 * device state into each other.
 */
static void once(void)
{
	if (ram) {
		for (unsigned i = 0; i < 2; i++)
			virtio_mmio_reset(&D.blk[i].transport);
		return;
	}
	ram = aligned_alloc(4096, RAM_SIZE);
	if (!ram || guest_mem_add_region(&D.mem, 0, RAM_SIZE, ram))
		abort();
	for (unsigned i = 0; i < 2; i++) {
		struct virtio_blk *b = &D.blk[i];
		uint64_t base = WINDOW_BASE + i * WINDOW_LEN;
		char path[64];

		disk_fd[i] = memfd_create("fuzz-disk", MFD_CLOEXEC);
		if (disk_fd[i] < 0 || ftruncate(disk_fd[i], DISK_SIZE))
			abort();
		snprintf(path, sizeof(path), "/proc/self/fd/%d", disk_fd[i]);
		if (virtio_blk_open(b, path, i == 1) || virtio_blk_attach(b, &D.mem, base, 5 + i) ||
		    bus_register(&D.bus, BUS_MMIO, base, WINDOW_LEN, "virtio-blk",
				 virtio_mmio_access, &b->transport))
			abort();
	}
}

static uint32_t reg_read(uint64_t off, unsigned size)
{
	uint8_t d[8] = {0};
	uint32_t v;

	bus_dispatch(&D.bus, BUS_MMIO, WINDOW_BASE + D.dev * WINDOW_LEN + off, d, size, false);
	memcpy(&v, d, 4);
	return v;
}

static void reg_write(uint64_t off, uint64_t v, unsigned size)
{
	uint8_t d[8];

	memcpy(d, &v, 8);
	bus_dispatch(&D.bus, BUS_MMIO, WINDOW_BASE + D.dev * WINDOW_LEN + off, d, size, true);
}

static void put_ram(uint32_t gpa, const void *src, size_t len)
{
	gpa %= RAM_SIZE;
	if (len > RAM_SIZE - gpa)
		len = RAM_SIZE - gpa;
	memcpy(ram + gpa, src, len);
}

/* The spec's initialisation (3.1.1) with fuzzed features and queue size. */
static void bring_up(struct fuzz_in *in, uint8_t op)
{
	uint64_t features = fin_u64(in) | (1ULL << VIRTIO_F_VERSION_1);
	uint32_t num = 1u << ((op >> 3) & 15), s;

	if (op & 0x80)
		features |=
		    (1ULL << VIRTIO_RING_F_INDIRECT_DESC) | (1ULL << VIRTIO_RING_F_EVENT_IDX);
	reg_write(VIRTIO_MMIO_STATUS, 0, 4);
	s = VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER;
	reg_write(VIRTIO_MMIO_STATUS, s, 4);
	for (unsigned sel = 0; sel < 2; sel++) {
		reg_write(VIRTIO_MMIO_DRIVER_FEATURES_SEL, sel, 4);
		reg_write(VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(features >> (32 * sel)), 4);
	}
	s |= VIRTIO_CONFIG_S_FEATURES_OK;
	reg_write(VIRTIO_MMIO_STATUS, s, 4);
	reg_write(VIRTIO_MMIO_QUEUE_SEL, 0, 4);
	reg_write(VIRTIO_MMIO_QUEUE_NUM, num, 4);
	reg_write(VIRTIO_MMIO_QUEUE_DESC_LOW, DESC_GPA, 4);
	reg_write(VIRTIO_MMIO_QUEUE_AVAIL_LOW, AVAIL_GPA, 4);
	reg_write(VIRTIO_MMIO_QUEUE_USED_LOW, USED_GPA, 4);
	reg_write(VIRTIO_MMIO_QUEUE_READY, 1, 4);
	reg_write(VIRTIO_MMIO_STATUS, s | VIRTIO_CONFIG_S_DRIVER_OK, 4);
	D.num = num;
	D.avail_idx = 0;
}

/* One descriptor, into the ring or the indirect area, pointing into RAM mostly. */
static void put_desc(struct fuzz_in *in, uint8_t op)
{
	uint32_t table = op & 0x80 ? INDIRECT_GPA : DESC_GPA;
	uint8_t idx = fin_u8(in);
	struct vring_desc d = {
	    .addr = op & 0x40 ? fin_u64(in) : fin_u32(in) % RAM_SIZE,
	    .len = fin_u32(in),
	    .flags = fin_u16(in),
	    .next = fin_u16(in),
	};

	put_ram(table + idx * (uint32_t)sizeof(d), &d, sizeof(d));
}

static void put_header(struct fuzz_in *in)
{
	uint32_t gpa = fin_u32(in);
	struct virtio_blk_outhdr h = {.type = fin_u32(in), .sector = fin_u64(in)};

	put_ram(gpa, &h, sizeof(h));
}

/* Make `head` available (and maybe set used_event), then notify queue 0. */
static void submit(struct fuzz_in *in, uint8_t op)
{
	struct vring_avail *av = (struct vring_avail *)(ram + AVAIL_GPA);
	uint32_t num = D.num > VIRTQ_NUM_MAX ? VIRTQ_NUM_MAX : D.num;
	uint16_t head = fin_u16(in);

	av->ring[D.avail_idx % num] = head;
	if (op & 0x80) /* used_event, right after a ring of num entries */
		av->ring[num] = fin_u16(in);
	D.avail_idx++;
	__atomic_store_n(&av->idx, D.avail_idx, __ATOMIC_RELEASE);
	reg_write(VIRTIO_MMIO_QUEUE_NOTIFY, op & 0x40 ? fin_u32(in) : 0, 4);
}

static void step(struct fuzz_in *in)
{
	uint8_t op = fin_u8(in), buf[256];
	unsigned size = fin_size(in);

	switch (op & 7) {
	case 0: /* any register, also the 8 bytes past the window */
		reg_write(fin_u16(in) % (WINDOW_LEN + 8), fin_u64(in), size);
		break;
	case 1:
		reg_read(fin_u16(in) % (WINDOW_LEN + 8), size);
		break;
	case 2: /* config space */
		if (op & 0x80)
			reg_write(VIRTIO_MMIO_CONFIG + fin_u8(in), fin_u64(in), size);
		else
			reg_read(VIRTIO_MMIO_CONFIG + fin_u8(in), size);
		break;
	case 3: {
		uint32_t gpa = fin_u32(in);
		size_t n = fin_bytes(in, buf, fin_u8(in));

		put_ram(gpa, buf, n);
		break;
	}
	case 4:
		bring_up(in, op);
		break;
	case 5:
		put_desc(in, op);
		break;
	case 6:
		submit(in, op);
		break;
	case 7:
		put_header(in);
		break;
	}
}

/* Each used entry answers one popped chain. */
static void check_used_vs_avail(void)
{
	const struct virtq *vq = &D.blk[D.dev].transport.vq[0];

	if (vq->ready && (uint16_t)(vq->last_avail - vq->used_idx) > vq->num)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in;
	struct stat st;

	fin_init(&in, data, size);
	/* The first byte picks the device: read-write or read-only. */
	D.dev = fin_u8(&in) & 1;
	once();
	memset(ram, 0, RAM_SIZE);
	D.num = 1;
	D.avail_idx = 0;
	while (fin_left(&in)) {
		step(&in);
		check_used_vs_avail();
	}
	if (fstat(disk_fd[D.dev], &st) || st.st_size != DISK_SIZE)
		abort(); /* the device resized the image */
	return 0;
}
