/* SPDX-License-Identifier: MIT */
/*
 * virtio-blk (<linux/virtio_blk.h>) on a virtio-mmio transport, backed by a
 * raw image file. Requests IN, OUT, FLUSH, GET_ID; data moves with
 * preadv/pwritev directly between the image and guest RAM (iovecs from
 * guest_mem_ptr(), no bounce buffer); FLUSH is fdatasync before the status
 * byte. Capacity is size / 512: the tail of an image whose size is not a
 * multiple of 512 is never touched.
 */
#ifndef MINIVMM_VIRTIO_BLK_H
#define MINIVMM_VIRTIO_BLK_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include <linux/virtio_blk.h>

#include "devices/virtio_blk_worker.h"
#include "devices/virtio_mmio.h"

#define VIRTIO_BLK_SECTOR 512U
/* Advertised limits (F_SIZE_MAX, F_SEG_MAX): data segments per request, bytes per segment. */
#define VIRTIO_BLK_SEG_MAX (VIRTQ_NUM_MAX - 2)
#define VIRTIO_BLK_SIZE_MAX (1U << 20)

struct virtio_blk_stats {
	uint64_t reads, writes, flushes, get_ids, errors;
	uint64_t bytes_read, bytes_written;
	uint64_t transfers; /* preadv/pwritev sequences started: one per merged run */
};

struct virtio_blk {
	int fd;
	bool ro;
	uint64_t size;	   /* image bytes */
	uint64_t capacity; /* whole sectors */
	char id[VIRTIO_BLK_ID_BYTES];
	struct virtio_blk_config config;
	struct virtio_mmio transport;
	struct virtio_blk_stats stats;
	struct iovec data[VIRTQ_MAX_SEGS]; /* scratch: the data part of a request */
	/* Second copier for big merged runs, started on first use. */
	struct blk_worker worker;
	bool worker_unavailable;
	struct iovec worker_data[VIRTQ_MAX_SEGS]; /* scratch: the worker's half */
};

/* A merged read at least this big is split between the vCPU thread and the worker. */
#define VIRTIO_BLK_SPLIT_MIN (256U << 10)

/*
 * Open PATH (read-write, or read-only when ro) and lock it with
 * flock(LOCK_EX|LOCK_NB) (LOCK_SH for ro). Returns 0, or -errno with the
 * file closed: -EWOULDBLOCK means another process holds the lock,
 * -EINVAL that it is neither a regular file nor a block device.
 */
int virtio_blk_open(struct virtio_blk *blk, const char *path, bool ro);

/* Create the virtio-mmio transport for an opened disk. Returns 0 or -errno. */
int virtio_blk_attach(struct virtio_blk *blk, const struct guest_mem *mem, uint64_t base,
		      unsigned irq);

/* Destroy the transport (if attached) and close the image (dropping the lock). */
void virtio_blk_close(struct virtio_blk *blk);

#endif
