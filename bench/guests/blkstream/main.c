// SPDX-License-Identifier: MIT
/*
 * blkstream: the virtio-blk throughput guest of `make bench` (table c).
 *
 * It streams sequentially over the start of the disk in requests of a
 * given size, several in flight per kick, and touches almost none of the
 * data, so the time it takes is the VMM's and the device's rather than
 * the guest CPU's (disktest.elf, by contrast, fills and verifies every
 * word, which on an interpreting CPU costs far more than the transfer).
 * The only per-request guest work is one 64-bit tag: a write stamps the
 * request's first sector number into the first word of its data, a read
 * clears that word before the request and checks it afterwards, so a read
 * pass proves the data of an earlier write pass landed where it should.
 *
 * Command line:
 *   blkstream.mode=write|read   write (then FLUSH) or read back and check tags
 *   blkstream.bytes=N           bytes to move from sector 0 (multiple of req)
 *   blkstream.req=BYTES         bytes per request (multiple of 512, default 128K)
 *   blkstream.depth=D           requests per kick (1..VBLK_MAX_DEPTH, default 4)
 *   blkstream.passes=P          stream over those bytes P times (default 1); a
 *                               write FLUSHes once, after the last pass
 * Exit status: 0 done, 1 a tag did not match, 2 I/O error, 3 no device,
 * 4 bad arguments.
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
	uint64_t bytes, req, depth, passes;
	bool write;
};

/* key=NUMBER into *v, dflt when absent; -1 when malformed. */
static int get(const char *cmdline, const char *key, uint64_t *v, uint64_t dflt)
{
	int rc = cmdline_get_u64(cmdline, key, v);

	if (rc == -1)
		*v = dflt;
	return rc == -2 ? -1 : 0;
}

static int parse(const char *cmdline, struct params *p)
{
	char mode[8] = "";

	if (get(cmdline, "blkstream.bytes", &p->bytes, 0) ||
	    get(cmdline, "blkstream.req", &p->req, 128 << 10) ||
	    get(cmdline, "blkstream.depth", &p->depth, 4) ||
	    get(cmdline, "blkstream.passes", &p->passes, 1))
		return -1;
	if (cmdline_get(cmdline, "blkstream.mode", 0, mode, sizeof(mode)) < 0)
		return -1;
	p->write = strcmp(mode, "write") == 0;
	if (!p->write && strcmp(mode, "read") != 0)
		return -1;
	if (p->req == 0 || p->req % 512 || p->depth == 0 || p->depth > VBLK_MAX_DEPTH ||
	    p->req * p->depth > BUF_BYTES || p->bytes == 0 || p->bytes % p->req || p->passes == 0)
		return -1;
	return 0;
}

/* One sequential pass over [0, bytes); returns an exit code. */
static int pass(struct vblk *d, const struct params *p)
{
	uint32_t type = p->write ? VIRTIO_BLK_T_OUT : VIRTIO_BLK_T_IN;
	struct vblk_req r[VBLK_MAX_DEPTH];
	uint64_t off = 0;

	while (off < p->bytes) {
		unsigned n;

		for (n = 0; n < p->depth && off < p->bytes; n++, off += p->req) {
			uint64_t *tag = (uint64_t *)(buffers + n * p->req);

			*tag = p->write ? off / 512 : ~0ull;
			r[n] = (struct vblk_req){
			    .type = type, .sector = off / 512, .buf = tag, .len = (uint32_t)p->req};
		}
		if (vblk_submit(d, r, n)) {
			kprintf("blkstream: FAIL: driver error\n");
			return EXIT_IOERR;
		}
		for (unsigned i = 0; i < n; i++) {
			if (r[i].status != VIRTIO_BLK_S_OK) {
				kprintf("blkstream: FAIL: status %u at sector %lu\n", r[i].status,
					(unsigned long)r[i].sector);
				return EXIT_IOERR;
			}
			if (!p->write && *(uint64_t *)r[i].buf != r[i].sector) {
				kprintf("blkstream: FAIL: sector %lu carries tag %#lx\n",
					(unsigned long)r[i].sector,
					(unsigned long)*(uint64_t *)r[i].buf);
				return EXIT_MISMATCH;
			}
		}
	}
	return 0;
}

static int stream(struct vblk *d, const struct params *p)
{
	for (uint64_t i = 0; i < p->passes; i++) {
		int rc = pass(d, p);

		if (rc)
			return rc;
	}
	if (p->write && vblk_rw(d, VIRTIO_BLK_T_FLUSH, 0, NULL, 0) != VIRTIO_BLK_S_OK) {
		kprintf("blkstream: FAIL: flush\n");
		return EXIT_IOERR;
	}
	return 0;
}

int guest_main(const char *cmdline)
{
	struct params p;
	struct vblk d;
	uintptr_t base;
	uint64_t window;
	unsigned irq;
	int rc;

	if (parse(cmdline, &p)) {
		kprintf("blkstream: FAIL: need blkstream.mode=write|read, blkstream.bytes a "
			"multiple of blkstream.req (a multiple of 512), depth 1..%d, "
			"req*depth <= %u\n",
			VBLK_MAX_DEPTH, BUF_BYTES);
		return EXIT_ARGS;
	}
	if (vblk_find(cmdline, 0, &base, &window, &irq) || vblk_init(&d, base, window, irq, 0)) {
		kprintf("blkstream: FAIL: no usable virtio-blk device\n");
		return EXIT_NODEV;
	}
	if (p.bytes / 512 > d.capacity) {
		kprintf("blkstream: FAIL: %lu bytes past the disk's end\n", (unsigned long)p.bytes);
		return EXIT_ARGS;
	}
	rc = stream(&d, &p);
	vblk_shutdown(&d);
	kprintf("blkstream: %s %lu x %lu bytes in %lu-byte requests: requests=%lu notifies=%lu: "
		"%s\n",
		p.write ? "wrote" : "read", (unsigned long)p.passes, (unsigned long)p.bytes,
		(unsigned long)p.req, (unsigned long)d.stats.requests,
		(unsigned long)d.stats.notifies, rc ? "FAIL" : "ok");
	return rc;
}
