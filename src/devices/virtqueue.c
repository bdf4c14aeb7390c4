// SPDX-License-Identifier: MIT
/* Split virtqueue, device side: ring checks, chain walking, used ring, events. */
#include "devices/virtqueue.h"

#include <string.h>

#include "memory.h"

/* The guest may change ring memory at any time: read each field once. */
#define GUEST_LOAD(p) __atomic_load_n((p), __ATOMIC_RELAXED)
#define GUEST_STORE(p, v) __atomic_store_n((p), (v), __ATOMIC_RELAXED)

const char *virtq_strerror(enum virtq_err err)
{
	switch (err) {
	case VIRTQ_OK:
		return "ok";
	case VIRTQ_ERR_SIZE:
		return "queue size is 0, not a power of two or above QueueNumMax";
	case VIRTQ_ERR_RING:
		return "ring outside guest RAM or misaligned";
	case VIRTQ_ERR_AVAIL_IDX:
		return "avail index runs more than the queue size ahead";
	case VIRTQ_ERR_HEAD:
		return "head descriptor index out of range";
	case VIRTQ_ERR_NEXT:
		return "next descriptor index out of range";
	case VIRTQ_ERR_LOOP:
		return "descriptor chain longer than the queue (loop)";
	case VIRTQ_ERR_BUF:
		return "buffer outside guest RAM or address + length overflows";
	case VIRTQ_ERR_ORDER:
		return "device-readable buffer after a device-writable one";
	case VIRTQ_ERR_INDIRECT:
		return "malformed indirect descriptor table";
	case VIRTQ_ERR_NESTED:
		return "indirect descriptor inside an indirect table";
	case VIRTQ_ERR_NO_INDIRECT:
		return "indirect descriptor without VIRTIO_RING_F_INDIRECT_DESC";
	case VIRTQ_ERR_TOO_MANY:
		return "too many buffers in one chain";
	}
	return "unknown error";
}

void virtq_reset(struct virtq *vq)
{
	memset(vq, 0, sizeof(*vq));
}

/* Host view of [gpa, gpa + len) if it lies in RAM and gpa is aligned. */
static void *ring_ptr(const struct guest_mem *mem, uint64_t gpa, uint64_t len, uint64_t align)
{
	if (gpa & (align - 1))
		return NULL;
	return guest_mem_ptr(mem, gpa, len);
}

enum virtq_err virtq_enable(struct virtq *vq, const struct guest_mem *mem, bool event_idx,
			    bool indirect)
{
	uint64_t num = vq->num;
	/* used_event / avail_event trail the rings only with EVENT_IDX. */
	uint64_t ev = event_idx ? sizeof(uint16_t) : 0;

	if (num == 0 || num > VIRTQ_NUM_MAX || (num & (num - 1))) {
		vq->error = VIRTQ_ERR_SIZE;
		return VIRTQ_ERR_SIZE;
	}
	vq->desc =
	    ring_ptr(mem, vq->desc_gpa, num * sizeof(struct vring_desc), VRING_DESC_ALIGN_SIZE);
	vq->avail =
	    ring_ptr(mem, vq->avail_gpa, sizeof(struct vring_avail) + num * sizeof(uint16_t) + ev,
		     VRING_AVAIL_ALIGN_SIZE);
	vq->used = ring_ptr(mem, vq->used_gpa,
			    sizeof(struct vring_used) + num * sizeof(struct vring_used_elem) + ev,
			    VRING_USED_ALIGN_SIZE);
	if (!vq->desc || !vq->avail || !vq->used) {
		vq->desc = NULL;
		vq->avail = NULL;
		vq->used = NULL;
		vq->error = VIRTQ_ERR_RING;
		return VIRTQ_ERR_RING;
	}
	vq->mem = mem;
	vq->event_idx = event_idx;
	vq->indirect = indirect;
	vq->last_avail = 0;
	vq->used_idx = 0;
	vq->signalled = 0;
	vq->ready = true;
	return VIRTQ_OK;
}

/* Copy one descriptor out of guest memory exactly once. */
static void fetch_desc(const uint8_t *table, unsigned idx, struct vring_desc *d)
{
	/* Byte pointer: an indirect table need not be aligned. */
	memcpy(d, table + (size_t)idx * sizeof(*d), sizeof(*d));
	/* Forbid the compiler from re-reading guest memory in place of *d. */
	__asm__ volatile("" ::: "memory");
}

static int add_buf(struct virtq *vq, struct virtq_elem *elem, const struct vring_desc *d)
{
	void *p = guest_mem_ptr(vq->mem, d->addr, d->len);
	bool writable = d->flags & VRING_DESC_F_WRITE;

	if (!p)
		return -VIRTQ_ERR_BUF;
	if (!writable && elem->nr_in)
		return -VIRTQ_ERR_ORDER;
	if (d->len == 0)
		return 0; /* checked, but nothing to move */
	if (elem->nr_out + elem->nr_in >= VIRTQ_MAX_SEGS)
		return -VIRTQ_ERR_TOO_MANY;
	elem->iov[elem->nr_out + elem->nr_in] = (struct iovec){p, d->len};
	if (writable) {
		elem->nr_in++;
		elem->in_len += d->len;
	} else {
		elem->nr_out++;
		elem->out_len += d->len;
	}
	return 0;
}

/*
 * Where the chain walk is: the table being read, its size in descriptors,
 * whether that table is an indirect one, and how many descriptors the
 * chain has visited in all (direct and indirect together).
 */
struct chain_walk {
	const uint8_t *table;
	uint32_t size;
	bool in_indirect;
	uint32_t visited;
};

/*
 * Switch the walk to the indirect table that *d points at. The spec
 * (2.7.5.3.1) allows one table per chain, never inside another, and no
 * chain longer than the queue: the table must hold whole descriptors and
 * no more than the queue size.
 */
static int enter_indirect(struct virtq *vq, const struct vring_desc *d, struct chain_walk *w)
{
	if (!vq->indirect)
		return -VIRTQ_ERR_NO_INDIRECT;
	if (w->in_indirect)
		return -VIRTQ_ERR_NESTED;
	/* The spec forbids INDIRECT together with NEXT. */
	if ((d->flags & VRING_DESC_F_NEXT) || d->len == 0 || d->len % sizeof(struct vring_desc) ||
	    d->len / sizeof(struct vring_desc) > vq->num)
		return -VIRTQ_ERR_INDIRECT;
	w->table = guest_mem_ptr(vq->mem, d->addr, d->len);
	if (!w->table)
		return -VIRTQ_ERR_BUF;
	w->size = d->len / sizeof(struct vring_desc);
	w->in_indirect = true;
	return 0;
}

/*
 * Every step visits one descriptor and the count never resets, so the walk
 * ends within num + 1 steps: at most num buffer descriptors (the spec's
 * chain bound, indirect entries included) plus the one that points at the
 * indirect table, which can only be entered once.
 */
static int walk_chain(struct virtq *vq, struct virtq_elem *elem, uint16_t head)
{
	struct chain_walk w = {.table = (const uint8_t *)vq->desc, .size = vq->num};
	uint32_t idx = head;
	struct vring_desc d;
	int rc;

	for (;;) {
		if (++w.visited > vq->num + w.in_indirect)
			return -VIRTQ_ERR_LOOP;
		fetch_desc(w.table, idx, &d);
		if (d.flags & VRING_DESC_F_INDIRECT) {
			rc = enter_indirect(vq, &d, &w);
			if (rc)
				return rc;
			idx = 0;
			continue;
		}
		rc = add_buf(vq, elem, &d);
		if (rc)
			return rc;
		if (!(d.flags & VRING_DESC_F_NEXT))
			return 1;
		if (d.next >= w.size)
			return -VIRTQ_ERR_NEXT;
		idx = d.next;
	}
}

static int pop(struct virtq *vq, struct virtq_elem *elem)
{
	uint16_t avail_idx, head;

	if (!vq->ready)
		return 0;
	avail_idx = __atomic_load_n(&vq->avail->idx, __ATOMIC_ACQUIRE);
	if (avail_idx == vq->last_avail)
		return 0;
	if ((uint16_t)(avail_idx - vq->last_avail) > vq->num)
		return -VIRTQ_ERR_AVAIL_IDX;
	head = GUEST_LOAD(&vq->avail->ring[vq->last_avail & (vq->num - 1)]);
	if (head >= vq->num)
		return -VIRTQ_ERR_HEAD;
	vq->last_avail++;
	elem->head = head;
	elem->nr_out = elem->nr_in = 0;
	elem->out_len = elem->in_len = 0;
	return walk_chain(vq, elem, head);
}

int virtq_pop(struct virtq *vq, struct virtq_elem *elem)
{
	int rc = pop(vq, elem);

	if (rc < 0)
		vq->error = -rc;
	return rc;
}

void virtq_push(struct virtq *vq, uint16_t head, uint32_t written)
{
	struct vring_used_elem *e = &vq->used->ring[vq->used_idx & (vq->num - 1)];

	GUEST_STORE(&e->id, head);
	GUEST_STORE(&e->len, written);
	vq->used_idx++;
	/* The element must be visible before the index that publishes it. */
	__atomic_store_n(&vq->used->idx, vq->used_idx, __ATOMIC_RELEASE);
}

bool virtq_need_interrupt(struct virtq *vq)
{
	uint16_t old = vq->signalled;

	if (!vq->ready || vq->used_idx == old)
		return false;
	/* Our used->idx store must be ordered before reading the driver's wish. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	vq->signalled = vq->used_idx;
	if (vq->event_idx) {
		/* used_event lives right after the avail ring. */
		uint16_t used_event = GUEST_LOAD(&vq->avail->ring[vq->num]);

		return vring_need_event(used_event, vq->used_idx, old);
	}
	return !(GUEST_LOAD(&vq->avail->flags) & VRING_AVAIL_F_NO_INTERRUPT);
}

bool virtq_arm_notify(struct virtq *vq)
{
	if (!vq->ready)
		return false;
	if (vq->event_idx) {
		/* avail_event lives right after the used ring. */
		uint16_t *avail_event = (uint16_t *)&vq->used->ring[vq->num];

		GUEST_STORE(avail_event, vq->last_avail);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
	}
	return __atomic_load_n(&vq->avail->idx, __ATOMIC_ACQUIRE) != vq->last_avail;
}
