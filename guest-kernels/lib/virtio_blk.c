// SPDX-License-Identifier: MIT
/* Polling virtio-blk driver over virtio-mmio v2 (spec 4.2 and 5.2). */
#include "virtio_blk.h"

#include <linux/virtio_mmio.h>

#include "bootinfo.h"
#include "guest.h"
#include "io.h"
#include "kstring.h"
#include "printf.h"

#define VIRTIO_MMIO_MAGIC 0x74726976u /* "virt" */
#define VIRTIO_ID_BLOCK 2
/* Polls of the used ring before giving up (the device is either synchronous or fast). */
#define VBLK_POLL_LIMIT (1ull << 31)

/* The queue: descriptor table, avail and used rings, one page each. */
static uint8_t ring_mem[3][4096] __attribute__((aligned(4096)));

/* What one in-flight request needs besides its data: header, status, indirect table. */
struct slot {
	struct vring_desc table[VBLK_MAX_SEGS + 2];
	struct virtio_blk_outhdr hdr;
	uint8_t status;
} __attribute__((aligned(16)));

static struct slot slots[VBLK_MAX_DEPTH];

static uint32_t rd(struct vblk *d, unsigned off)
{
	d->stats.mmio_reads++;
	return mmio_read32(d->base + off);
}

static void wr(struct vblk *d, unsigned off, uint32_t v)
{
	d->stats.mmio_writes++;
	mmio_write32(d->base + off, v);
}

int vblk_find(const char *cmdline, unsigned nth, uintptr_t *base, uint64_t *window, unsigned *irq)
{
	char val[64];
	uint64_t b, i;
	const char *p;

	if (cmdline_get(cmdline, "virtio_mmio.device", nth, val, sizeof(val)) <= 0)
		return VBLK_ERR_NODEV;
	/* <size>@<base>:<irq>, each number decimal or 0x hex, size maybe with K/M/G. */
	p = kstrtou64(val, window);
	if (!p || *p != '@')
		return VBLK_ERR_NODEV;
	p = kstrtou64(p + 1, &b);
	if (!p || *p != ':')
		return VBLK_ERR_NODEV;
	p = kstrtou64(p + 1, &i);
	if (!p || *p != '\0' || b == 0 || b >= (1ull << 32) || *window < 0x100)
		return VBLK_ERR_NODEV;
	*base = (uintptr_t)b;
	*irq = (unsigned)i;
	return 0;
}

static void set_status(struct vblk *d, uint32_t bits)
{
	wr(d, VIRTIO_MMIO_STATUS, rd(d, VIRTIO_MMIO_STATUS) | bits);
}

static int fail(struct vblk *d, const char *why)
{
	kprintf("virtio-blk@%#lx: %s\n", (unsigned long)d->base, why);
	wr(d, VIRTIO_MMIO_STATUS, rd(d, VIRTIO_MMIO_STATUS) | VIRTIO_CONFIG_S_FAILED);
	return VBLK_ERR_DEVICE;
}

static int negotiate(struct vblk *d, uint64_t refuse)
{
	uint64_t offered;

	wr(d, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	offered = rd(d, VIRTIO_MMIO_DEVICE_FEATURES);
	wr(d, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	offered |= (uint64_t)rd(d, VIRTIO_MMIO_DEVICE_FEATURES) << 32;
	if (!(offered & (1ull << VIRTIO_F_VERSION_1)))
		return fail(d, "device does not offer VIRTIO_F_VERSION_1");
	d->features = offered & VBLK_FEATURES & ~refuse;
	d->features |= 1ull << VIRTIO_F_VERSION_1;
	wr(d, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	wr(d, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)d->features);
	wr(d, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	wr(d, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(d->features >> 32));
	set_status(d, VIRTIO_CONFIG_S_FEATURES_OK);
	/* The device may refuse our subset: the spec makes us read it back. */
	if (!(rd(d, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_FEATURES_OK))
		return fail(d, "device refused our features (FEATURES_OK not set)");
	return 0;
}

static bool has(const struct vblk *d, unsigned bit)
{
	return d->features & (1ull << bit);
}

static uint32_t cfg32(struct vblk *d, size_t off)
{
	return rd(d, VIRTIO_MMIO_CONFIG + (unsigned)off);
}

/* Config fields wider than 32 bits need the generation counter (spec 2.5.1). */
static void read_config(struct vblk *d)
{
	uint32_t gen;
	size_t cap = offsetof(struct virtio_blk_config, capacity);

	do {
		gen = rd(d, VIRTIO_MMIO_CONFIG_GENERATION);
		d->capacity = cfg32(d, cap) | (uint64_t)cfg32(d, cap + 4) << 32;
	} while (rd(d, VIRTIO_MMIO_CONFIG_GENERATION) != gen);
	/*
	 * A field whose feature was not negotiated (not offered, or refused
	 * by the caller) is not read: the spec gives it no meaning then, and
	 * not reading it keeps the register accesses the same on devices that
	 * do and do not offer the feature. Without SIZE_MAX, segments are as
	 * large as seg_size (or the whole buffer).
	 */
	d->size_max = has(d, VIRTIO_BLK_F_SIZE_MAX)
			  ? cfg32(d, offsetof(struct virtio_blk_config, size_max))
			  : 0;
	d->seg_max = has(d, VIRTIO_BLK_F_SEG_MAX)
			 ? cfg32(d, offsetof(struct virtio_blk_config, seg_max))
			 : 1;
	d->blk_size = has(d, VIRTIO_BLK_F_BLK_SIZE)
			  ? cfg32(d, offsetof(struct virtio_blk_config, blk_size))
			  : 512;
	d->ro = has(d, VIRTIO_BLK_F_RO);
}

static void set_addr(struct vblk *d, unsigned lo, const void *p)
{
	uint64_t pa = virt_to_phys(p);

	wr(d, lo, (uint32_t)pa);
	wr(d, lo + 4, (uint32_t)(pa >> 32));
}

static int setup_queue(struct vblk *d)
{
	uint32_t max;

	wr(d, VIRTIO_MMIO_QUEUE_SEL, 0);
	if (rd(d, VIRTIO_MMIO_QUEUE_READY))
		return fail(d, "queue 0 already live after reset");
	max = rd(d, VIRTIO_MMIO_QUEUE_NUM_MAX);
	if (max == 0)
		return fail(d, "queue 0 not available");
	/* The largest power of two we can hold that the device allows. */
	d->qnum = VBLK_QUEUE_MAX;
	while (d->qnum > max)
		d->qnum >>= 1;
	memset(ring_mem, 0, sizeof(ring_mem));
	d->desc = (struct vring_desc *)ring_mem[0];
	d->avail = (struct vring_avail *)ring_mem[1];
	d->used = (struct vring_used *)ring_mem[2];
	d->avail_idx = d->used_idx = 0;
	wr(d, VIRTIO_MMIO_QUEUE_NUM, d->qnum);
	set_addr(d, VIRTIO_MMIO_QUEUE_DESC_LOW, d->desc);
	set_addr(d, VIRTIO_MMIO_QUEUE_AVAIL_LOW, d->avail);
	set_addr(d, VIRTIO_MMIO_QUEUE_USED_LOW, d->used);
	wr(d, VIRTIO_MMIO_QUEUE_READY, 1);
	if (rd(d, VIRTIO_MMIO_QUEUE_READY) != 1)
		return fail(d, "device refused the queue");
	return 0;
}

int vblk_init(struct vblk *d, uintptr_t base, uint64_t window, unsigned irq, uint64_t refuse)
{
	int rc;

	memset(d, 0, sizeof(*d));
	d->base = base;
	d->window = window;
	d->irq = irq;
	if (rd(d, VIRTIO_MMIO_MAGIC_VALUE) != VIRTIO_MMIO_MAGIC)
		return fail(d, "no virtio-mmio magic");
	if (rd(d, VIRTIO_MMIO_VERSION) != 2)
		return fail(d, "legacy virtio-mmio (version 1); QEMU needs "
			       "-global virtio-mmio.force-legacy=false");
	if (rd(d, VIRTIO_MMIO_DEVICE_ID) != VIRTIO_ID_BLOCK)
		return fail(d, "not a block device");
	wr(d, VIRTIO_MMIO_STATUS, 0);
	set_status(d, VIRTIO_CONFIG_S_ACKNOWLEDGE);
	set_status(d, VIRTIO_CONFIG_S_DRIVER);
	rc = negotiate(d, refuse);
	if (rc)
		return rc;
	read_config(d);
	rc = setup_queue(d);
	if (rc)
		return rc;
	set_status(d, VIRTIO_CONFIG_S_DRIVER_OK);
	return 0;
}

void vblk_shutdown(struct vblk *d)
{
	wr(d, VIRTIO_MMIO_STATUS, 0);
}

static void fill(struct vring_desc *t, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
	t->addr = addr;
	t->len = len;
	t->flags = flags;
	t->next = next;
}

/* Segment size for data: the device's size_max, our own choice, or the whole buffer. */
static uint32_t seg_limit(const struct vblk *d, uint32_t len)
{
	uint32_t lim = len ? len : 1;

	if (d->size_max && d->size_max < lim)
		lim = d->size_max;
	if (d->seg_size && d->seg_size < lim)
		lim = d->seg_size;
	return lim;
}

/* Descriptors one slot may use when chains go straight into the ring. */
static unsigned direct_budget(const struct vblk *d)
{
	return d->qnum / VBLK_MAX_DEPTH;
}

/*
 * Lay the chain for request r into slot s: header, data segments, status.
 * Returns the head descriptor index, or VBLK_ERR_ARGS if it cannot fit.
 */
static int build_chain(struct vblk *d, unsigned s, struct vblk_req *r)
{
	struct slot *sl = &slots[s];
	bool indirect = has(d, VIRTIO_RING_F_INDIRECT_DESC);
	unsigned budget = indirect ? VBLK_MAX_SEGS + 2 : direct_budget(d);
	uint32_t lim = seg_limit(d, r->len);
	unsigned nseg = r->len ? (r->len + lim - 1) / lim : 0;
	/* Through the indirect table, or through this slot's share of the ring. */
	struct vring_desc *t = indirect ? sl->table : d->desc;
	unsigned first = indirect ? 0 : s * budget;
	uint16_t dflags =
	    r->type == VIRTIO_BLK_T_IN || r->type == VIRTIO_BLK_T_GET_ID ? VRING_DESC_F_WRITE : 0;
	uint64_t pa = r->buf ? virt_to_phys(r->buf) : 0;
	unsigned i = first;

	if (nseg > d->seg_max || nseg + 2 > budget)
		return VBLK_ERR_ARGS;
	sl->hdr.type = r->type;
	sl->hdr.ioprio = 0;
	sl->hdr.sector = r->sector;
	sl->status = 0xff;
	fill(&t[i], virt_to_phys(&sl->hdr), sizeof(sl->hdr), VRING_DESC_F_NEXT, (uint16_t)(i + 1));
	i++;
	for (uint32_t off = 0; off < r->len; off += lim, i++) {
		uint32_t l = r->len - off < lim ? r->len - off : lim;

		fill(&t[i], pa + off, l, dflags | VRING_DESC_F_NEXT, (uint16_t)(i + 1));
	}
	fill(&t[i], virt_to_phys(&sl->status), 1, VRING_DESC_F_WRITE, 0);
	if (!indirect)
		return (int)first;
	/* One ring descriptor per slot points at the slot's table. */
	fill(&d->desc[s], virt_to_phys(sl->table), (uint32_t)((i + 1) * sizeof(*t)),
	     VRING_DESC_F_INDIRECT, 0);
	return (int)s;
}

static volatile uint16_t *used_event(struct vblk *d)
{
	return (volatile uint16_t *)&d->avail->ring[d->qnum];
}

static volatile uint16_t *avail_event(struct vblk *d)
{
	return (volatile uint16_t *)&d->used->ring[d->qnum];
}

/* Kick queue 0 unless the device said (EVENT_IDX) it does not need it. */
static void kick(struct vblk *d, uint16_t old, uint16_t now)
{
	/* Our avail->idx store must be visible before we read avail_event. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (has(d, VIRTIO_RING_F_EVENT_IDX) && !vring_need_event(*avail_event(d), now, old))
		return;
	d->stats.notifies++;
	wr(d, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
}

/* Read and acknowledge InterruptStatus, so the device lowers its line. */
static void ack_interrupt(struct vblk *d)
{
	uint32_t isr = rd(d, VIRTIO_MMIO_INTERRUPT_STATUS);

	if (isr)
		wr(d, VIRTIO_MMIO_INTERRUPT_ACK, isr);
}

static int wait_used(struct vblk *d, uint16_t target)
{
	for (uint64_t n = 0; n < VBLK_POLL_LIMIT; n++) {
		d->stats.polls++;
		if (__atomic_load_n(&d->used->idx, __ATOMIC_ACQUIRE) == target)
			return 0;
		if (d->wait_irq && d->wait_irq(d->wait_ctx) == 0) {
			ack_interrupt(d);
			continue;
		}
		d->wait_irq = NULL;
		__asm__ volatile("pause");
	}
	if (rd(d, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET)
		return VBLK_ERR_RESET;
	return VBLK_ERR_TIMEOUT;
}

int vblk_submit(struct vblk *d, struct vblk_req *reqs, unsigned n)
{
	int head[VBLK_MAX_DEPTH];
	uint16_t old = d->avail_idx;
	int rc;

	if (n == 0 || n > VBLK_MAX_DEPTH)
		return VBLK_ERR_ARGS;
	for (unsigned s = 0; s < n; s++) {
		head[s] = build_chain(d, s, &reqs[s]);
		if (head[s] < 0)
			return head[s];
	}
	for (unsigned s = 0; s < n; s++)
		d->avail->ring[(d->avail_idx++) & (d->qnum - 1)] = (uint16_t)head[s];
	/* With EVENT_IDX ask for a used-buffer notification only after the last one. */
	if (has(d, VIRTIO_RING_F_EVENT_IDX))
		*used_event(d) = (uint16_t)(d->avail_idx - 1);
	__atomic_store_n(&d->avail->idx, d->avail_idx, __ATOMIC_RELEASE);
	kick(d, old, d->avail_idx);
	rc = wait_used(d, d->avail_idx);
	if (rc)
		return rc;
	/* The device also raised InterruptStatus (maybe): acknowledge it as the spec says. */
	ack_interrupt(d);
	for (; d->used_idx != d->avail_idx; d->used_idx++) {
		uint32_t id = d->used->ring[d->used_idx & (d->qnum - 1)].id;
		bool found = false;

		for (unsigned s = 0; s < n; s++) {
			if ((uint32_t)head[s] == id) {
				reqs[s].status = slots[s].status;
				found = true;
			}
		}
		if (!found)
			return fail(d, "device returned a descriptor we did not submit");
	}
	d->stats.requests += n;
	return 0;
}

int vblk_rw(struct vblk *d, uint32_t type, uint64_t sector, void *buf, uint32_t len)
{
	struct vblk_req r = {.type = type, .sector = sector, .buf = buf, .len = len};
	int rc = vblk_submit(d, &r, 1);

	return rc ? rc : r.status;
}
