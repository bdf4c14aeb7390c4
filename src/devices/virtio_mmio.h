/* SPDX-License-Identifier: MIT */
/*
 * virtio-mmio transport, register layout version 2 (<linux/virtio_mmio.h>),
 * generic over device types: a device supplies its ID, feature bits, config
 * space, queue count and a per-request handler; the transport does the
 * status state machine, feature negotiation, queue setup, the used ring and
 * notification suppression. A later virtio device only adds its own file.
 *
 * Interrupts: InterruptStatus (used buffer, configuration change) drives
 * the transport's line (a level: up while a bit is set, down once
 * InterruptACK has cleared them all); whether a completion sets the
 * used-buffer bit is the driver's choice (VRING_AVAIL_F_NO_INTERRUPT, or
 * used_event with VIRTIO_RING_F_EVENT_IDX). Without a connected line the
 * guest polls the used ring as before. All of it runs on the vCPU thread
 * (the virtio-blk worker never touches the rings or the transport).
 */
#ifndef MINIVMM_VIRTIO_MMIO_H
#define MINIVMM_VIRTIO_MMIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "devices/irq.h"
#include "devices/virtqueue.h"

struct guest_mem;

#define VIRTIO_MMIO_MAX_QUEUES 4
/* "QEMU" would be a lie; this is ours ("MVMM" little endian). */
#define VIRTIO_MMIO_VENDOR 0x4d4d564dU
/* Log lines per device before further ones are only counted. */
#define VIRTIO_MMIO_LOG_LIMIT 20

struct virtio_mmio;

struct virtio_device_ops {
	const char *name;   /* "virtio-blk" */
	uint32_t device_id; /* VIRTIO_ID_* from <linux/virtio_ids.h> */
	unsigned nr_queues; /* <= VIRTIO_MMIO_MAX_QUEUES */
	/*
	 * Serve one request. Returns the number of bytes written into the
	 * chain's device-writable part (the used element's len). A request
	 * that fails is answered in the device's own way (status byte); when
	 * it cannot even be answered the device logs it and returns 0.
	 */
	uint32_t (*handle)(struct virtio_mmio *t, void *dev, unsigned queue,
			   const struct virtq_elem *elem);
	/*
	 * Optional, used instead of handle when set: serve the n (1 ..
	 * VIRTIO_MMIO_BATCH) requests popped in a row, in ring order, and put
	 * each one's used length in written[i]. Lets a device merge adjacent
	 * requests; the transport still pushes them one by one, in order.
	 */
	void (*handle_batch)(struct virtio_mmio *t, void *dev, unsigned queue,
			     const struct virtq_elem *elems, unsigned n, uint32_t *written);
};

/* Most requests handed to handle_batch at once. */
#define VIRTIO_MMIO_BATCH 8

struct virtio_mmio {
	const struct virtio_device_ops *ops;
	void *dev;
	uint64_t device_features; /* offered; always includes VIRTIO_F_VERSION_1 */
	const void *config;	  /* device config space (little endian) */
	size_t config_len;
	const struct guest_mem *mem;
	uint64_t base;
	unsigned irq;		 /* the GSI the guest is told */
	struct irq_line irq_out; /* connected by virtio_mmio_connect_irq() */
	bool irq_level;		 /* what irq_out was last driven to */
	char label[48];		 /* "virtio-blk@0xd0000000" for log lines */

	/* Driver-visible state. */
	uint32_t status;
	uint32_t device_features_sel, driver_features_sel;
	uint64_t driver_features;
	uint32_t queue_sel;
	uint32_t interrupt_status;
	uint32_t config_generation;
	struct virtq vq[VIRTIO_MMIO_MAX_QUEUES];

	struct virtq_elem *elem; /* scratch for VIRTIO_MMIO_BATCH requests (big: heap) */
	uint64_t nr_errors;	 /* hostile or failed things logged */
	uint64_t nr_notifies;	 /* QueueNotify writes that were served */
};

/* Returns 0 or -ENOMEM. The transport starts in reset state. */
int virtio_mmio_init(struct virtio_mmio *t, const struct virtio_device_ops *ops, void *dev,
		     uint64_t device_features, const void *config, size_t config_len,
		     const struct guest_mem *mem, uint64_t base, unsigned irq);
void virtio_mmio_destroy(struct virtio_mmio *t);

/* The bus callback (bus_access_fn); opaque is the struct virtio_mmio. */
void virtio_mmio_access(void *opaque, uint64_t offset, uint8_t *data, unsigned size, bool is_write);

/* Drive `line` (its gsi is t->irq) from InterruptStatus from now on. */
void virtio_mmio_connect_irq(struct virtio_mmio *t, void (*set)(void *ctx, unsigned gsi, int level),
			     void *ctx);

/* Writing 0 to Status. */
void virtio_mmio_reset(struct virtio_mmio *t);

/* One log line on stderr, prefixed with the device label; counted. */
void virtio_mmio_log(struct virtio_mmio *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * The device cannot go on: set DEVICE_NEEDS_RESET, tell the driver with a
 * config-change interrupt, log why and ignore the queues until reset.
 */
void virtio_mmio_needs_reset(struct virtio_mmio *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
