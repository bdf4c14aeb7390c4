// SPDX-License-Identifier: MIT
/* virtio-mmio (version 2) transport: registers, status machine, queue service. */
#include "devices/virtio_mmio.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>

#define VIRTIO_MMIO_MAGIC 0x74726976U /* "virt" */

int virtio_mmio_init(struct virtio_mmio *t, const struct virtio_device_ops *ops, void *dev,
		     uint64_t device_features, const void *config, size_t config_len,
		     const struct guest_mem *mem, uint64_t base, unsigned irq)
{
	memset(t, 0, sizeof(*t));
	if (ops->nr_queues == 0 || ops->nr_queues > VIRTIO_MMIO_MAX_QUEUES)
		return -EINVAL;
	t->elem = malloc(VIRTIO_MMIO_BATCH * sizeof(*t->elem));
	if (!t->elem)
		return -ENOMEM;
	t->ops = ops;
	t->dev = dev;
	t->device_features = device_features | (1ULL << VIRTIO_F_VERSION_1);
	t->config = config;
	t->config_len = config_len;
	t->mem = mem;
	t->base = base;
	t->irq = irq;
	snprintf(t->label, sizeof(t->label), "%s@%#llx", ops->name, (unsigned long long)base);
	virtio_mmio_reset(t);
	return 0;
}

void virtio_mmio_destroy(struct virtio_mmio *t)
{
	free(t->elem);
	t->elem = NULL;
}

/* The line follows InterruptStatus: up while any bit is set. */
static void update_irq(struct virtio_mmio *t)
{
	bool level = t->interrupt_status != 0;

	if (level == t->irq_level)
		return;
	t->irq_level = level;
	irq_line_set(&t->irq_out, level);
}

void virtio_mmio_connect_irq(struct virtio_mmio *t, void (*set)(void *ctx, unsigned gsi, int level),
			     void *ctx)
{
	t->irq_out = (struct irq_line){.set = set, .ctx = ctx, .gsi = t->irq};
	t->irq_level = t->interrupt_status != 0;
	irq_line_set(&t->irq_out, t->irq_level);
}

void virtio_mmio_reset(struct virtio_mmio *t)
{
	t->status = 0;
	t->device_features_sel = 0;
	t->driver_features_sel = 0;
	t->driver_features = 0;
	t->queue_sel = 0;
	t->interrupt_status = 0;
	for (unsigned i = 0; i < VIRTIO_MMIO_MAX_QUEUES; i++)
		virtq_reset(&t->vq[i]);
	update_irq(t);
}

static void vlog(struct virtio_mmio *t, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

static void vlog(struct virtio_mmio *t, const char *fmt, va_list ap)
{
	t->nr_errors++;
	if (t->nr_errors > VIRTIO_MMIO_LOG_LIMIT)
		return;
	fprintf(stderr, "minivmm: %s: ", t->label);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	if (t->nr_errors == VIRTIO_MMIO_LOG_LIMIT)
		fprintf(stderr, "minivmm: %s: further errors are counted, not logged\n", t->label);
}

void virtio_mmio_log(struct virtio_mmio *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(t, fmt, ap);
	va_end(ap);
}

void virtio_mmio_needs_reset(struct virtio_mmio *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(t, fmt, ap);
	va_end(ap);
	t->status |= VIRTIO_CONFIG_S_NEEDS_RESET;
	/* The spec asks for a configuration change notification here. */
	t->interrupt_status |= VIRTIO_MMIO_INT_CONFIG;
	update_irq(t);
}

static bool has_feature(uint64_t features, unsigned bit)
{
	return features & (1ULL << bit);
}

/*
 * Pop up to VIRTIO_MMIO_BATCH chains, let the device serve them together,
 * push them back in ring order; repeat until the ring is empty (0) or a
 * chain is malformed (-err, after the good chains before it were served).
 */
static int serve_batches(struct virtio_mmio *t, unsigned q)
{
	struct virtq *vq = &t->vq[q];
	uint32_t written[VIRTIO_MMIO_BATCH];
	unsigned n;
	int rc = 0;

	do {
		n = 0;
		while (n < VIRTIO_MMIO_BATCH && (rc = virtq_pop(vq, &t->elem[n])) > 0)
			n++;
		if (n) {
			t->ops->handle_batch(t, t->dev, q, t->elem, n, written);
			for (unsigned i = 0; i < n; i++)
				virtq_push(vq, t->elem[i].head, written[i]);
		}
	} while (rc > 0);
	return rc;
}

static void serve_queue(struct virtio_mmio *t, unsigned q)
{
	struct virtq *vq = &t->vq[q];
	int rc;

	if (!(t->status & VIRTIO_CONFIG_S_DRIVER_OK) || (t->status & VIRTIO_CONFIG_S_NEEDS_RESET))
		return;
	if (q >= t->ops->nr_queues || !vq->ready)
		return;
	t->nr_notifies++;
	do {
		if (t->ops->handle_batch)
			rc = serve_batches(t, q);
		else
			while ((rc = virtq_pop(vq, t->elem)) > 0)
				virtq_push(vq, t->elem->head, t->ops->handle(t, t->dev, q, t->elem));
		if (virtq_need_interrupt(vq)) {
			t->interrupt_status |= VIRTIO_MMIO_INT_VRING;
			update_irq(t);
		}
		if (rc < 0) {
			virtio_mmio_needs_reset(t, "queue %u: %s", q,
						virtq_strerror((enum virtq_err) - rc));
			return;
		}
	} while (virtq_arm_notify(vq));
}

static bool features_acceptable(struct virtio_mmio *t)
{
	uint64_t extra = t->driver_features & ~t->device_features;

	if (extra) {
		virtio_mmio_log(t, "driver accepted features %#llx that were not offered",
				(unsigned long long)extra);
		return false;
	}
	if (!has_feature(t->driver_features, VIRTIO_F_VERSION_1)) {
		virtio_mmio_log(t, "driver did not accept VIRTIO_F_VERSION_1 (legacy unsupported)");
		return false;
	}
	return true;
}

static void write_status(struct virtio_mmio *t, uint32_t v)
{
	uint32_t old = t->status;

	if (v == 0) {
		virtio_mmio_reset(t);
		return;
	}
	v &= 0xff;
	if ((v & VIRTIO_CONFIG_S_FEATURES_OK) && !(old & VIRTIO_CONFIG_S_FEATURES_OK) &&
	    !features_acceptable(t))
		v &= ~VIRTIO_CONFIG_S_FEATURES_OK; /* the driver reads it back and gives up */
	if ((v & VIRTIO_CONFIG_S_DRIVER_OK) && !(v & VIRTIO_CONFIG_S_FEATURES_OK)) {
		virtio_mmio_needs_reset(t, "DRIVER_OK without FEATURES_OK");
		v &= ~VIRTIO_CONFIG_S_DRIVER_OK;
	}
	/* NEEDS_RESET is the device's bit: only a reset clears it. */
	t->status = (v & ~VIRTIO_CONFIG_S_NEEDS_RESET) | (t->status & VIRTIO_CONFIG_S_NEEDS_RESET);
}

static void enable_queue(struct virtio_mmio *t, struct virtq *vq)
{
	enum virtq_err err;

	err = virtq_enable(vq, t->mem, has_feature(t->driver_features, VIRTIO_RING_F_EVENT_IDX),
			   has_feature(t->driver_features, VIRTIO_RING_F_INDIRECT_DESC));
	if (err)
		virtio_mmio_needs_reset(t, "queue %u: size %u: %s", t->queue_sel, vq->num,
					virtq_strerror(err));
}

static void set_half(uint64_t *v, bool high, uint32_t val)
{
	if (high)
		*v = (*v & 0xffffffffULL) | ((uint64_t)val << 32);
	else
		*v = (*v & ~0xffffffffULL) | val;
}

/* Queue registers; writes are ignored while the queue is live. */
static void write_queue_reg(struct virtio_mmio *t, uint64_t off, uint32_t v)
{
	struct virtq *vq;

	if (t->queue_sel >= t->ops->nr_queues)
		return;
	vq = &t->vq[t->queue_sel];
	if (off == VIRTIO_MMIO_QUEUE_READY) {
		if (v == 0)
			vq->ready = false;
		else if (!vq->ready)
			enable_queue(t, vq);
		return;
	}
	if (vq->ready)
		return;
	switch (off) {
	case VIRTIO_MMIO_QUEUE_NUM:
		/* Checked (power of two, <= max) when the queue is enabled. */
		vq->num = v;
		break;
	case VIRTIO_MMIO_QUEUE_DESC_LOW:
	case VIRTIO_MMIO_QUEUE_DESC_HIGH:
		set_half(&vq->desc_gpa, off == VIRTIO_MMIO_QUEUE_DESC_HIGH, v);
		break;
	case VIRTIO_MMIO_QUEUE_AVAIL_LOW:
	case VIRTIO_MMIO_QUEUE_AVAIL_HIGH:
		set_half(&vq->avail_gpa, off == VIRTIO_MMIO_QUEUE_AVAIL_HIGH, v);
		break;
	case VIRTIO_MMIO_QUEUE_USED_LOW:
	case VIRTIO_MMIO_QUEUE_USED_HIGH:
		set_half(&vq->used_gpa, off == VIRTIO_MMIO_QUEUE_USED_HIGH, v);
		break;
	}
}

static void write_reg(struct virtio_mmio *t, uint64_t off, uint32_t v)
{
	switch (off) {
	case VIRTIO_MMIO_DEVICE_FEATURES_SEL:
		t->device_features_sel = v;
		break;
	case VIRTIO_MMIO_DRIVER_FEATURES_SEL:
		t->driver_features_sel = v;
		break;
	case VIRTIO_MMIO_DRIVER_FEATURES:
		/* Only between DRIVER and FEATURES_OK, and only the two defined words. */
		if ((t->status & VIRTIO_CONFIG_S_DRIVER) &&
		    !(t->status & VIRTIO_CONFIG_S_FEATURES_OK) && t->driver_features_sel < 2)
			set_half(&t->driver_features, t->driver_features_sel == 1, v);
		break;
	case VIRTIO_MMIO_QUEUE_SEL:
		t->queue_sel = v;
		break;
	case VIRTIO_MMIO_QUEUE_NUM:
	case VIRTIO_MMIO_QUEUE_READY:
	case VIRTIO_MMIO_QUEUE_DESC_LOW:
	case VIRTIO_MMIO_QUEUE_DESC_HIGH:
	case VIRTIO_MMIO_QUEUE_AVAIL_LOW:
	case VIRTIO_MMIO_QUEUE_AVAIL_HIGH:
	case VIRTIO_MMIO_QUEUE_USED_LOW:
	case VIRTIO_MMIO_QUEUE_USED_HIGH:
		write_queue_reg(t, off, v);
		break;
	case VIRTIO_MMIO_QUEUE_NOTIFY:
		if (v < t->ops->nr_queues)
			serve_queue(t, v);
		break;
	case VIRTIO_MMIO_INTERRUPT_ACK:
		t->interrupt_status &= ~v;
		update_irq(t);
		break;
	case VIRTIO_MMIO_STATUS:
		write_status(t, v);
		break;
	default:
		break; /* read-only or unknown: ignored */
	}
}

static uint32_t read_reg(struct virtio_mmio *t, uint64_t off)
{
	const struct virtq *vq = t->queue_sel < t->ops->nr_queues ? &t->vq[t->queue_sel] : NULL;

	switch (off) {
	case VIRTIO_MMIO_MAGIC_VALUE:
		return VIRTIO_MMIO_MAGIC;
	case VIRTIO_MMIO_VERSION:
		return 2;
	case VIRTIO_MMIO_DEVICE_ID:
		return t->ops->device_id;
	case VIRTIO_MMIO_VENDOR_ID:
		return VIRTIO_MMIO_VENDOR;
	case VIRTIO_MMIO_DEVICE_FEATURES:
		return t->device_features_sel < 2
			   ? (uint32_t)(t->device_features >> (32 * t->device_features_sel))
			   : 0;
	case VIRTIO_MMIO_QUEUE_NUM_MAX:
		return vq ? VIRTQ_NUM_MAX : 0;
	case VIRTIO_MMIO_QUEUE_READY:
		return vq ? vq->ready : 0;
	case VIRTIO_MMIO_INTERRUPT_STATUS:
		return t->interrupt_status;
	case VIRTIO_MMIO_STATUS:
		return t->status;
	case VIRTIO_MMIO_CONFIG_GENERATION:
		return t->config_generation;
	case VIRTIO_MMIO_SHM_LEN_LOW:
	case VIRTIO_MMIO_SHM_LEN_HIGH:
		return 0xffffffffU; /* no shared memory regions */
	default:
		return 0;
	}
}

static void config_access(struct virtio_mmio *t, uint64_t off, uint8_t *data, unsigned size,
			  bool is_write)
{
	if (is_write)
		return; /* nothing writable is offered (no CONFIG_WCE) */
	memset(data, 0, size);
	if (off < t->config_len && size <= t->config_len - off)
		memcpy(data, (const uint8_t *)t->config + off, size);
}

void virtio_mmio_access(void *opaque, uint64_t offset, uint8_t *data, unsigned size, bool is_write)
{
	struct virtio_mmio *t = opaque;
	uint32_t v;

	if (offset >= VIRTIO_MMIO_CONFIG) {
		config_access(t, offset - VIRTIO_MMIO_CONFIG, data, size, is_write);
		return;
	}
	/* The spec allows only aligned 32-bit accesses to the registers. */
	if (size != 4 || (offset & 3)) {
		virtio_mmio_log(t, "%u-byte %s at register offset %#llx ignored", size,
				is_write ? "write" : "read", (unsigned long long)offset);
		if (!is_write)
			memset(data, 0, size);
		return;
	}
	if (is_write) {
		memcpy(&v, data, 4);
		write_reg(t, offset, v);
	} else {
		v = read_reg(t, offset);
		memcpy(data, &v, 4);
	}
}
