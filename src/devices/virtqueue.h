/* SPDX-License-Identifier: MIT */
/*
 * Split virtqueues (virtio 1.x, layouts from <linux/virtio_ring.h>), device
 * side. The guest owns the rings and the descriptors, so everything read
 * from them is hostile: ring placement is checked once when the queue is
 * made ready, and every descriptor buffer goes through guest_mem_ptr()
 * before it becomes an iovec. Each guest-written field is fetched exactly
 * once (no double fetch).
 */
#ifndef MINIVMM_VIRTQUEUE_H
#define MINIVMM_VIRTQUEUE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include <linux/virtio_ring.h>

struct guest_mem;

/* Largest queue we offer (QueueNumMax). */
#define VIRTQ_NUM_MAX 256
/* Most buffers one request may have (direct + indirect); == IOV_MAX. */
#define VIRTQ_MAX_SEGS 1024

struct virtq {
	/* Set by the driver through the transport while the queue is not ready. */
	uint32_t num; /* as written; checked by virtq_enable() */
	uint64_t desc_gpa, avail_gpa, used_gpa;
	bool ready;

	/* Valid while ready: host views of the rings, checked at virtq_enable(). */
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;

	bool event_idx;	     /* VIRTIO_RING_F_EVENT_IDX negotiated */
	bool indirect;	     /* VIRTIO_RING_F_INDIRECT_DESC negotiated */
	uint16_t last_avail; /* next avail ring slot we consume */
	uint16_t used_idx;   /* our copy of used->idx */
	uint16_t signalled;  /* used_idx when we last raised the interrupt */

	const struct guest_mem *mem;
	int error; /* enum virtq_err of the last refused ring or chain */
};

/*
 * One descriptor chain as host iovecs: the device-readable buffers first
 * (iov[0 .. nr_out)), then the device-writable ones (iov[nr_out .. nr_out +
 * nr_in)). Every iovec lies wholly inside guest RAM.
 */
struct virtq_elem {
	uint16_t head;
	unsigned nr_out, nr_in;
	uint64_t out_len, in_len; /* byte totals of each part */
	struct iovec iov[VIRTQ_MAX_SEGS];
};

/* Why a ring or a chain was refused; virtq_strerror() names it. */
enum virtq_err {
	VIRTQ_OK = 0,
	VIRTQ_ERR_SIZE,	       /* queue size 0, not a power of two or > max */
	VIRTQ_ERR_RING,	       /* a ring outside RAM or misaligned */
	VIRTQ_ERR_AVAIL_IDX,   /* avail->idx more than num ahead of us */
	VIRTQ_ERR_HEAD,	       /* head index >= num */
	VIRTQ_ERR_NEXT,	       /* next index >= num / table size */
	VIRTQ_ERR_LOOP,	       /* more buffers than the queue size, indirect ones included */
	VIRTQ_ERR_BUF,	       /* buffer outside RAM or addr + len overflows */
	VIRTQ_ERR_ORDER,       /* a readable buffer after a writable one */
	VIRTQ_ERR_INDIRECT,    /* bad indirect table (size 0, partial or > queue, flags) */
	VIRTQ_ERR_NESTED,      /* an indirect descriptor inside an indirect table */
	VIRTQ_ERR_NO_INDIRECT, /* INDIRECT flag but the feature was not negotiated */
	VIRTQ_ERR_TOO_MANY,    /* more than VIRTQ_MAX_SEGS buffers */
};

const char *virtq_strerror(enum virtq_err err);

/* Forget everything (device reset). */
void virtq_reset(struct virtq *vq);

/*
 * QueueReady = 1: check num and the ring placement (inside RAM, aligned as
 * the spec requires, no overflow) and cache the host views. On error the
 * queue stays not ready.
 */
enum virtq_err virtq_enable(struct virtq *vq, const struct guest_mem *mem, bool event_idx,
			    bool indirect);

/*
 * Take the next available chain. Returns 1 with *elem filled, 0 when the
 * ring is empty, or -err when the ring or the chain is malformed (the
 * device should then need a reset: the chain cannot be returned safely).
 */
int virtq_pop(struct virtq *vq, struct virtq_elem *elem);

/* Return a chain to the driver with `written` bytes written into it. */
void virtq_push(struct virtq *vq, uint16_t head, uint32_t written);

/*
 * After pushing: does the driver want an interrupt for the entries pushed
 * since the last one? (used_event with EVENT_IDX, else the avail flag.)
 * Records that it was raised when it returns true.
 */
bool virtq_need_interrupt(struct virtq *vq);

/*
 * Before going idle: tell the driver where to kick us next (avail_event
 * with EVENT_IDX). Returns true when more chains arrived meanwhile, so the
 * caller must keep processing.
 */
bool virtq_arm_notify(struct virtq *vq);

#endif
