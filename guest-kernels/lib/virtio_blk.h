/* SPDX-License-Identifier: MIT */
/*
 * Polling virtio-blk driver for the bundled guests, over virtio-mmio
 * version 2 (layouts from <linux/virtio_ring.h>, <linux/virtio_mmio.h>,
 * <linux/virtio_blk.h>). The device is found on the command line
 * ("virtio_mmio.device=<size>@<base>:<irq>", as minivmm and QEMU microvm
 * with acpi=off pass it). Completions are found on the used ring: by
 * polling it, or, when the caller set wait_irq, by sleeping until the
 * device interrupts; InterruptStatus is acknowledged after each wake and
 * once per batch.
 *
 * Every register access is one 32-bit load or store (native width), so one
 * access is one exit under KVM and one trace entry under QEMU.
 */
#ifndef GUEST_VIRTIO_BLK_H
#define GUEST_VIRTIO_BLK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/virtio_blk.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>

/* Requests in flight at once, and data segments per request, at most. */
#define VBLK_MAX_DEPTH 8
#define VBLK_MAX_SEGS 64
#define VBLK_QUEUE_MAX 256

/* Driver-side errors (device status bytes are 0..2, VIRTIO_BLK_S_*). */
#define VBLK_ERR_NODEV (-1)   /* no usable virtio_mmio.device= entry */
#define VBLK_ERR_DEVICE (-2)  /* not a modern virtio-blk, or it refused us */
#define VBLK_ERR_ARGS (-3)    /* request the driver cannot express */
#define VBLK_ERR_TIMEOUT (-4) /* the used ring did not advance */
#define VBLK_ERR_RESET (-5)   /* the device set DEVICE_NEEDS_RESET */

/* Features this driver understands; vblk_init() accepts their intersection with the device's. */
#define VBLK_FEATURES                                                                              \
	((1ull << VIRTIO_BLK_F_SIZE_MAX) | (1ull << VIRTIO_BLK_F_SEG_MAX) |                        \
	 (1ull << VIRTIO_BLK_F_RO) | (1ull << VIRTIO_BLK_F_BLK_SIZE) |                             \
	 (1ull << VIRTIO_BLK_F_FLUSH) | (1ull << VIRTIO_RING_F_INDIRECT_DESC) |                    \
	 (1ull << VIRTIO_RING_F_EVENT_IDX) | (1ull << VIRTIO_F_VERSION_1))

struct vblk_stats {
	uint64_t requests, notifies, mmio_reads, mmio_writes, polls;
};

/* One request of a batch. */
struct vblk_req {
	uint32_t type; /* VIRTIO_BLK_T_IN, _OUT, _FLUSH, _GET_ID */
	uint64_t sector;
	void *buf;	/* data (physically contiguous; NULL for FLUSH) */
	uint32_t len;	/* bytes of data */
	uint8_t status; /* filled in on completion */
};

struct vblk {
	uintptr_t base;
	uint64_t window;
	unsigned irq;
	uint64_t features; /* negotiated */
	uint64_t capacity; /* sectors */
	uint32_t seg_max, size_max, blk_size;
	bool ro;
	uint16_t qnum;
	uint16_t avail_idx, used_idx;
	uint32_t seg_size; /* split data into segments of at most this (0: size_max or whole) */
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	struct vblk_stats stats;
	/*
	 * Optional: called while a request is not yet complete, to sleep until
	 * the device's interrupt (the driver then acknowledges it and looks
	 * again). Returning nonzero means there is no interrupt to wait for:
	 * the driver forgets the hook and polls. NULL: poll.
	 */
	int (*wait_irq)(void *ctx);
	void *wait_ctx;
};

/* Parse the nth (from 0) virtio_mmio.device= entry. 0, or VBLK_ERR_NODEV. */
int vblk_find(const char *cmdline, unsigned nth, uintptr_t *base, uint64_t *window, unsigned *irq);

/*
 * Bring the device up (spec 3.1.1): reset, ACKNOWLEDGE, DRIVER, features
 * (VBLK_FEATURES & offered & ~refuse), FEATURES_OK and its read-back, one
 * queue, DRIVER_OK. Returns 0 or a VBLK_ERR_*.
 */
int vblk_init(struct vblk *d, uintptr_t base, uint64_t window, unsigned irq, uint64_t refuse);

/*
 * Submit reqs[0..n) (n <= VBLK_MAX_DEPTH) as descriptor chains, kick once
 * (when EVENT_IDX says the device wants it), wait for all of them on the
 * used ring. Returns 0 when all were answered (each req's status says how),
 * or a VBLK_ERR_*.
 */
int vblk_submit(struct vblk *d, struct vblk_req *reqs, unsigned n);

/* One request; returns its status byte (VIRTIO_BLK_S_*) or a VBLK_ERR_*. */
int vblk_rw(struct vblk *d, uint32_t type, uint64_t sector, void *buf, uint32_t len);

/* Reset the device (status 0) so it stops using our memory. */
void vblk_shutdown(struct vblk *d);

#endif
