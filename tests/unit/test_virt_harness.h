/* SPDX-License-Identifier: MIT */
/*
 * Test bench for the virtio unit tests: 1 MiB of guest RAM over a malloc'd
 * buffer, a temporary disk image, one virtio-blk device, and a tiny driver
 * written from the virtio 1.x spec (not from the device code) that pokes
 * the MMIO registers and lays out descriptors and rings by hand.
 */
#ifndef TEST_VIRT_HARNESS_H
#define TEST_VIRT_HARNESS_H

#include <check.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/virtio_blk.h>
#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>
#include <linux/virtio_ring.h>

#include "devices/virtio_blk.h"
#include "memory.h"

#define RAM_SIZE (1u << 20)
#define QNUM 16u
/* Ring placement (spec alignment: desc 16, avail 2, used 4). */
#define DESC_GPA 0x1000u
#define AVAIL_GPA 0x2000u
#define USED_GPA 0x3000u
#define INDIRECT_GPA 0x4000u
#define HDR_GPA 0x8000u
#define STATUS_GPA 0x8100u
#define DATA_GPA 0x10000u

#define FEAT(b) (1ULL << (b))

struct bench {
	uint8_t *ram;
	struct guest_mem mem;
	char path[64];
	struct virtio_blk blk;
	struct virtio_mmio *t;
	uint16_t avail_idx; /* driver's next avail->idx */
	uint16_t used_seen; /* driver's last seen used->idx */
};

static struct bench B;

static inline void *gpa(uint64_t a)
{
	return B.ram + a;
}

static inline uint32_t mmio_r(uint64_t off)
{
	uint8_t d[4];
	uint32_t v;

	virtio_mmio_access(B.t, off, d, 4, false);
	memcpy(&v, d, 4);
	return v;
}

static inline void mmio_w(uint64_t off, uint32_t v)
{
	uint8_t d[4];

	memcpy(d, &v, 4);
	virtio_mmio_access(B.t, off, d, 4, true);
}

/* Create an image of `size` bytes filled with byte `fill`. */
static inline void make_image(size_t size, uint8_t fill)
{
	uint8_t *buf = malloc(size ? size : 1);
	int fd;

	strcpy(B.path, "/tmp/test_virt_XXXXXX");
	fd = mkstemp(B.path);
	ck_assert_int_ge(fd, 0);
	memset(buf, fill, size);
	ck_assert_int_eq(write(fd, buf, size), (ssize_t)size);
	close(fd);
	free(buf);
}

static inline void bench_up(size_t image_size, bool ro)
{
	memset(&B, 0, sizeof(B));
	B.ram = aligned_alloc(4096, RAM_SIZE);
	ck_assert_ptr_nonnull(B.ram);
	memset(B.ram, 0, RAM_SIZE);
	ck_assert_int_eq(guest_mem_add_region(&B.mem, 0, RAM_SIZE, B.ram), 0);
	make_image(image_size, 0xee);
	ck_assert_int_eq(virtio_blk_open(&B.blk, B.path, ro), 0);
	ck_assert_int_eq(virtio_blk_attach(&B.blk, &B.mem, 0xd0000000, 5), 0);
	B.t = &B.blk.transport;
}

static inline void bench_down(void)
{
	virtio_blk_close(&B.blk);
	unlink(B.path);
	free(B.ram);
}

/* The spec's driver initialisation (3.1.1), accepting `features`. */
static inline uint32_t drv_negotiate(uint64_t features)
{
	mmio_w(VIRTIO_MMIO_STATUS, 0);
	mmio_w(VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE);
	mmio_w(VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
	mmio_w(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	mmio_w(VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)features);
	mmio_w(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	mmio_w(VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(features >> 32));
	mmio_w(VIRTIO_MMIO_STATUS,
	       VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER | VIRTIO_CONFIG_S_FEATURES_OK);
	return mmio_r(VIRTIO_MMIO_STATUS);
}

static inline void drv_queue(uint32_t num, uint64_t desc, uint64_t avail, uint64_t used)
{
	mmio_w(VIRTIO_MMIO_QUEUE_SEL, 0);
	mmio_w(VIRTIO_MMIO_QUEUE_NUM, num);
	mmio_w(VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)desc);
	mmio_w(VIRTIO_MMIO_QUEUE_DESC_HIGH, (uint32_t)(desc >> 32));
	mmio_w(VIRTIO_MMIO_QUEUE_AVAIL_LOW, (uint32_t)avail);
	mmio_w(VIRTIO_MMIO_QUEUE_AVAIL_HIGH, (uint32_t)(avail >> 32));
	mmio_w(VIRTIO_MMIO_QUEUE_USED_LOW, (uint32_t)used);
	mmio_w(VIRTIO_MMIO_QUEUE_USED_HIGH, (uint32_t)(used >> 32));
	mmio_w(VIRTIO_MMIO_QUEUE_READY, 1);
}

static inline void drv_ok(void)
{
	mmio_w(VIRTIO_MMIO_STATUS, mmio_r(VIRTIO_MMIO_STATUS) | VIRTIO_CONFIG_S_DRIVER_OK);
}

/* Whole bring-up with VERSION_1 plus `extra`; queue of QNUM at the usual place. */
static inline void drv_init(uint64_t extra)
{
	uint32_t st = drv_negotiate(FEAT(VIRTIO_F_VERSION_1) | extra);

	ck_assert(st & VIRTIO_CONFIG_S_FEATURES_OK);
	drv_queue(QNUM, DESC_GPA, AVAIL_GPA, USED_GPA);
	ck_assert_uint_eq(mmio_r(VIRTIO_MMIO_QUEUE_READY), 1);
	drv_ok();
}

static inline void set_desc(uint64_t table, unsigned i, uint64_t addr, uint32_t len, uint16_t flags,
			    uint16_t next)
{
	struct vring_desc d = {.addr = addr, .len = len, .flags = flags, .next = next};

	memcpy(gpa(table + i * sizeof(d)), &d, sizeof(d));
}

static inline struct vring_avail *avail(void)
{
	return gpa(AVAIL_GPA);
}

static inline struct vring_used *used(void)
{
	return gpa(USED_GPA);
}

/* Make head available and kick queue 0. */
static inline void submit(uint16_t head)
{
	avail()->ring[B.avail_idx % QNUM] = head;
	B.avail_idx++;
	__atomic_store_n(&avail()->idx, B.avail_idx, __ATOMIC_RELEASE);
	mmio_w(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
}

static inline void put_hdr(uint64_t at, uint32_t type, uint64_t sector)
{
	struct virtio_blk_outhdr h = {.type = type, .ioprio = 0, .sector = sector};

	memcpy(gpa(at), &h, sizeof(h));
}

/* Classic 3-descriptor request: header, data (write or read), status. */
static inline void req3(uint32_t type, uint64_t sector, uint64_t data, uint32_t len)
{
	bool dev_writes = type == VIRTIO_BLK_T_IN || type == VIRTIO_BLK_T_GET_ID;

	put_hdr(HDR_GPA, type, sector);
	*(uint8_t *)gpa(STATUS_GPA) = 0xff;
	set_desc(DESC_GPA, 0, HDR_GPA, sizeof(struct virtio_blk_outhdr), VRING_DESC_F_NEXT, 1);
	set_desc(DESC_GPA, 1, data, len, VRING_DESC_F_NEXT | (dev_writes ? VRING_DESC_F_WRITE : 0),
		 2);
	set_desc(DESC_GPA, 2, STATUS_GPA, 1, VRING_DESC_F_WRITE, 0);
	submit(0);
}

static inline uint8_t status_byte(void)
{
	return *(uint8_t *)gpa(STATUS_GPA);
}

static inline uint16_t used_idx(void)
{
	return __atomic_load_n(&used()->idx, __ATOMIC_ACQUIRE);
}

static inline bool needs_reset(void)
{
	return mmio_r(VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET;
}

/* Read the image file directly (the host's view). */
static inline void image_read(void *buf, size_t len, off_t off)
{
	int fd = open(B.path, O_RDONLY);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pread(fd, buf, len, off), (ssize_t)len);
	close(fd);
}

/* The pattern tests write: depends on the absolute byte offset and a seed. */
static inline uint8_t pat(uint64_t off, uint8_t seed)
{
	return (uint8_t)((off * 131u) ^ (off >> 9) ^ seed);
}

static inline void fill_pat(uint8_t *p, size_t len, uint64_t disk_off, uint8_t seed)
{
	for (size_t i = 0; i < len; i++)
		p[i] = pat(disk_off + i, seed);
}

#endif
