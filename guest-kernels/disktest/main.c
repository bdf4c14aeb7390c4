// SPDX-License-Identifier: MIT
/*
 * disktest: a disk workload on the first virtio-blk device, chosen on the
 * command line. Default ("verify"): write a known pattern over N sectors in
 * requests of a given size, FLUSH, read everything back, compare, print a
 * checksum, exit 0 (nonzero on any mismatch or error).
 *
 *   disktest.sectors=N    sectors to cover (default 2048 = 1 MiB)
 *   disktest.start=S      first sector (default 0)
 *   disktest.req=BYTES    bytes per request, multiple of 512 (default 64K)
 *   disktest.seg=BYTES    split each request's data into segments of this size
 *   disktest.depth=D      requests in flight per kick (1..8, default 4)
 *   disktest.seed=X       pattern seed (default 1)
 *   disktest.mode=verify|write|read
 *                         write: write + FLUSH only; read: read + compare only
 *   disktest.ro=1         the disk is read-only: the write must fail with IOERR
 *   disktest.hang=1       after "flush complete", spin (for kill-after-flush tests)
 *   disktest.getid=1      first print the device's ID string (GET_ID)
 *   disktest.noindirect=1, disktest.noeventidx=1, disktest.nosizemax=1:
 *                         do not accept VIRTIO_RING_F_INDIRECT_DESC,
 *                         VIRTIO_RING_F_EVENT_IDX, VIRTIO_BLK_F_SIZE_MAX
 *                         even when offered. Without SIZE_MAX the driver
 *                         does not read size_max (a field of a feature it
 *                         did not negotiate) and segments by disktest.seg
 *                         alone (or not at all).
 *   disktest.quiet=1      leave the machine-specific values (the device's
 *                         address and IRQ) out of the output, so that one
 *                         run prints the same bytes on any machine whose
 *                         device offers the same features and capacity
 *
 * The pattern (so a host script can recompute it): the disk is a sequence
 * of little-endian 64-bit words; the word at byte offset o is
 *   w = (o / 8) * 0x9e3779b97f4a7c15 + seed (mod 2^64), then w ^= w >> 29.
 * The checksum is FNV-1a over those words: h = 0xcbf29ce484222325;
 * for each word: h = (h ^ w) * 0x100000001b3 (mod 2^64).
 *
 * No clock is trusted here: the counts printed at the end are the
 * throughput-neutral measure; hosts time the whole run.
 */
#include "bootinfo.h"
#include "guest.h"
#include "kstring.h"
#include "printf.h"
#include "virtio_blk.h"

#define EXIT_MISMATCH 1
#define EXIT_IOERR 2
#define EXIT_NODEV 3
#define EXIT_ARGS 4

#define BUF_BYTES (4u << 20)

static uint8_t buffers[BUF_BYTES] __attribute__((aligned(4096)));

struct params {
	uint64_t sectors, start, req, seg, depth, seed, ro, hang, getid;
	uint64_t noindirect, noeventidx, nosizemax, quiet;
	char mode[16];
};

static uint64_t word_at(uint64_t off, uint64_t seed)
{
	uint64_t w = (off / 8) * 0x9e3779b97f4a7c15ull + seed;

	return w ^ (w >> 29);
}

static void fill_pattern(uint8_t *buf, uint64_t off, uint32_t len, uint64_t seed)
{
	uint64_t *w = (uint64_t *)buf;

	for (uint32_t i = 0; i < len / 8; i++)
		w[i] = word_at(off + 8ull * i, seed);
}

static uint64_t fnv_words(uint64_t h, const uint8_t *buf, uint32_t len)
{
	const uint64_t *w = (const uint64_t *)buf;

	for (uint32_t i = 0; i < len / 8; i++)
		h = (h ^ w[i]) * 0x100000001b3ull;
	return h;
}

static int get(const char *cmdline, const char *key, uint64_t *v, uint64_t dflt)
{
	int rc = cmdline_get_u64(cmdline, key, v);

	if (rc == -1)
		*v = dflt;
	if (rc == -2) {
		kprintf("disktest: FAIL: malformed %s\n", key);
		return -1;
	}
	return 0;
}

static int parse(const char *cmdline, struct params *p)
{
	if (get(cmdline, "disktest.sectors", &p->sectors, 2048) ||
	    get(cmdline, "disktest.start", &p->start, 0) ||
	    get(cmdline, "disktest.req", &p->req, 64 * 1024) ||
	    get(cmdline, "disktest.seg", &p->seg, 0) ||
	    get(cmdline, "disktest.depth", &p->depth, 4) ||
	    get(cmdline, "disktest.seed", &p->seed, 1) || get(cmdline, "disktest.ro", &p->ro, 0) ||
	    get(cmdline, "disktest.hang", &p->hang, 0) ||
	    get(cmdline, "disktest.getid", &p->getid, 0) ||
	    get(cmdline, "disktest.noindirect", &p->noindirect, 0) ||
	    get(cmdline, "disktest.noeventidx", &p->noeventidx, 0) ||
	    get(cmdline, "disktest.nosizemax", &p->nosizemax, 0) ||
	    get(cmdline, "disktest.quiet", &p->quiet, 0))
		return -1;
	if (cmdline_get(cmdline, "disktest.mode", 0, p->mode, sizeof(p->mode)) < 0)
		memcpy(p->mode, "verify", 7);
	if (strcmp(p->mode, "verify") && strcmp(p->mode, "write") && strcmp(p->mode, "read")) {
		kprintf("disktest: FAIL: unknown mode '%s'\n", p->mode);
		return -1;
	}
	if (p->req == 0 || p->req % 512 || p->depth == 0 || p->depth > VBLK_MAX_DEPTH ||
	    p->req * p->depth > BUF_BYTES || p->req > 0xffffffffull || p->seg % 512 ||
	    p->sectors == 0) {
		kprintf("disktest: FAIL: need req a nonzero multiple of 512, depth 1..%d, "
			"req*depth <= %u, seg a multiple of 512, sectors > 0\n",
			VBLK_MAX_DEPTH, BUF_BYTES);
		return -1;
	}
	return 0;
}

/*
 * Run IN or OUT over [start, start + sectors) in batches of depth requests
 * of req bytes. For OUT the buffers get the pattern; for IN they are
 * compared to it and folded into the checksum. Returns an exit code.
 */
static int pass(struct vblk *d, const struct params *p, uint32_t type, uint64_t *sum)
{
	uint64_t first = p->start * 512, end = (p->start + p->sectors) * 512;
	struct vblk_req r[VBLK_MAX_DEPTH];
	uint64_t off = first;

	while (off < end) {
		unsigned n = 0;
		int rc;

		for (; n < p->depth && off < end; n++) {
			uint32_t len =
			    end - off < p->req ? (uint32_t)(end - off) : (uint32_t)p->req;

			r[n] = (struct vblk_req){.type = type,
						 .sector = off / 512,
						 .buf = buffers + n * p->req,
						 .len = len};
			if (type == VIRTIO_BLK_T_OUT)
				fill_pattern(r[n].buf, off, len, p->seed);
			else
				memset(r[n].buf, 0, len);
			off += len;
		}
		rc = vblk_submit(d, r, n);
		if (rc) {
			kprintf("disktest: FAIL: driver error %d\n", rc);
			return EXIT_IOERR;
		}
		for (unsigned i = 0; i < n; i++) {
			uint64_t roff = r[i].sector * 512;

			if (r[i].status != VIRTIO_BLK_S_OK) {
				kprintf("disktest: FAIL: %s at sector %lu: status %u\n",
					type == VIRTIO_BLK_T_OUT ? "write" : "read",
					(unsigned long)r[i].sector, r[i].status);
				return EXIT_IOERR;
			}
			if (type != VIRTIO_BLK_T_IN)
				continue;
			for (uint32_t w = 0; w < r[i].len / 8; w++) {
				uint64_t want = word_at(roff + 8ull * w, p->seed);
				uint64_t got = ((uint64_t *)r[i].buf)[w];

				if (got != want) {
					kprintf(
					    "disktest: FAIL: mismatch at byte %lu: %#lx != %#lx\n",
					    (unsigned long)(roff + 8ull * w), (unsigned long)got,
					    (unsigned long)want);
					return EXIT_MISMATCH;
				}
			}
			*sum = fnv_words(*sum, r[i].buf, r[i].len);
		}
	}
	return 0;
}

static int flush(struct vblk *d)
{
	int st = vblk_rw(d, VIRTIO_BLK_T_FLUSH, 0, NULL, 0);

	if (st != VIRTIO_BLK_S_OK) {
		kprintf("disktest: FAIL: flush: %d\n", st);
		return EXIT_IOERR;
	}
	kprintf("disktest: flush complete\n");
	return 0;
}

/* A read-only disk must refuse the first write with IOERR, and still read. */
static int read_only_check(struct vblk *d, const struct params *p)
{
	uint32_t len = p->req < p->sectors * 512 ? (uint32_t)p->req : (uint32_t)(p->sectors * 512);
	int st;

	fill_pattern(buffers, p->start * 512, len, p->seed);
	st = vblk_rw(d, VIRTIO_BLK_T_OUT, p->start, buffers, len);
	if (st != VIRTIO_BLK_S_IOERR) {
		kprintf("disktest: FAIL: write to read-only disk returned %d, not IOERR\n", st);
		return EXIT_IOERR;
	}
	kprintf("disktest: write refused with IOERR as expected (read-only: %s)\n",
		d->ro ? "offered" : "not offered");
	st = vblk_rw(d, VIRTIO_BLK_T_IN, p->start, buffers, len);
	if (st != VIRTIO_BLK_S_OK) {
		kprintf("disktest: FAIL: read from read-only disk returned %d\n", st);
		return EXIT_IOERR;
	}
	kprintf("disktest: read-only disk reads fine\n");
	return 0;
}

static void print_counts(const struct vblk *d)
{
	kprintf("disktest: counts requests=%lu notifies=%lu mmio_reads=%lu mmio_writes=%lu\n",
		(unsigned long)d->stats.requests, (unsigned long)d->stats.notifies,
		(unsigned long)d->stats.mmio_reads, (unsigned long)d->stats.mmio_writes);
}

/* GET_ID: up to 20 bytes, NUL-padded when shorter; print the printable part. */
static int print_id(struct vblk *d)
{
	char id[VIRTIO_BLK_ID_BYTES + 1];
	int st;

	memset(id, 0, sizeof(id));
	st = vblk_rw(d, VIRTIO_BLK_T_GET_ID, 0, id, VIRTIO_BLK_ID_BYTES);
	if (st != VIRTIO_BLK_S_OK) {
		kprintf("disktest: FAIL: GET_ID: %d\n", st);
		return EXIT_IOERR;
	}
	for (int i = 0; i < VIRTIO_BLK_ID_BYTES; i++)
		if (id[i] && (id[i] < 0x20 || id[i] > 0x7e))
			id[i] = '?';
	kprintf("disktest: id '%s'\n", id);
	return 0;
}

static int run(struct vblk *d, const struct params *p)
{
	uint64_t sum = 0xcbf29ce484222325ull;
	int rc;

	if (p->getid) {
		rc = print_id(d);
		if (rc)
			return rc;
	}
	if (p->ro)
		return read_only_check(d, p);
	if (strcmp(p->mode, "read") != 0) {
		rc = pass(d, p, VIRTIO_BLK_T_OUT, &sum);
		if (rc)
			return rc;
		kprintf("disktest: wrote %lu sectors from sector %lu\n", (unsigned long)p->sectors,
			(unsigned long)p->start);
		rc = flush(d);
		if (rc)
			return rc;
		if (p->hang) {
			kprintf("disktest: hanging as asked\n");
			for (;;)
				__asm__ volatile("pause");
		}
		if (strcmp(p->mode, "write") == 0)
			return 0;
	}
	rc = pass(d, p, VIRTIO_BLK_T_IN, &sum);
	if (rc)
		return rc;
	kprintf("disktest: read back %lu sectors, verified, checksum %016lx\n",
		(unsigned long)p->sectors, (unsigned long)sum);
	return 0;
}

/* What the driver negotiated and read; where the device is unless quiet. */
static void describe(const struct vblk *d, const struct params *p)
{
	if (p->quiet)
		kprintf("disktest: virtio-blk: ");
	else
		kprintf("disktest: virtio-blk at %#lx irq %u: ", (unsigned long)d->base, d->irq);
	kprintf("%lu sectors, seg_max %u, size_max %u, features %#lx%s\n",
		(unsigned long)d->capacity, d->seg_max, d->size_max, (unsigned long)d->features,
		d->ro ? ", read-only" : "");
}

int guest_main(const char *cmdline)
{
	struct params p;
	struct vblk d;
	uintptr_t base;
	uint64_t window, refuse = 0;
	unsigned irq;
	int rc;

	kprintf("disktest: start\n");
	if (parse(cmdline, &p))
		return EXIT_ARGS;
	if (vblk_find(cmdline, 0, &base, &window, &irq)) {
		kprintf("disktest: FAIL: no virtio_mmio.device= on the command line\n");
		return EXIT_NODEV;
	}
	if (p.noindirect)
		refuse |= 1ull << VIRTIO_RING_F_INDIRECT_DESC;
	if (p.noeventidx)
		refuse |= 1ull << VIRTIO_RING_F_EVENT_IDX;
	if (p.nosizemax)
		refuse |= 1ull << VIRTIO_BLK_F_SIZE_MAX;
	if (vblk_init(&d, base, window, irq, refuse)) {
		kprintf("disktest: FAIL: device at %#lx did not come up\n", (unsigned long)base);
		return EXIT_NODEV;
	}
	d.seg_size = (uint32_t)p.seg;
	describe(&d, &p);
	if (p.start + p.sectors > d.capacity || p.start + p.sectors < p.start) {
		kprintf("disktest: FAIL: sectors %lu..%lu past capacity %lu\n",
			(unsigned long)p.start, (unsigned long)(p.start + p.sectors),
			(unsigned long)d.capacity);
		return EXIT_ARGS;
	}
	rc = run(&d, &p);
	print_counts(&d);
	vblk_shutdown(&d);
	kprintf(rc ? "disktest: FAIL (exit %d)\n" : "disktest: PASS (exit %d)\n", rc);
	return rc;
}
