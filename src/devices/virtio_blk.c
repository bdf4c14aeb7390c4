// SPDX-License-Identifier: MIT
/* virtio-blk request handling over a raw image, zero copy into guest RAM. */
#include "devices/virtio_blk.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "devices/disk_spec.h"

#include <linux/virtio_ids.h>
#include <linux/virtio_ring.h>

static uint32_t blk_handle(struct virtio_mmio *t, void *dev, unsigned queue,
			   const struct virtq_elem *e);
static void blk_handle_batch(struct virtio_mmio *t, void *dev, unsigned queue,
			     const struct virtq_elem *elems, unsigned n, uint32_t *written);

static const struct virtio_device_ops blk_ops = {
    .name = "virtio-blk",
    .device_id = VIRTIO_ID_BLOCK,
    .nr_queues = 1,
    .handle = blk_handle,
    .handle_batch = blk_handle_batch,
};

/* The disk's serial (GET_ID): "minivmm-" and the image's inode, padded with NULs. */
static void make_id(struct virtio_blk *blk, const struct stat *st)
{
	char buf[VIRTIO_BLK_ID_BYTES + 1];

	snprintf(buf, sizeof(buf), "minivmm-%llx", (unsigned long long)st->st_ino);
	memset(blk->id, 0, sizeof(blk->id));
	memcpy(blk->id, buf, strnlen(buf, sizeof(blk->id)));
}

int virtio_blk_open(struct virtio_blk *blk, const char *path, bool ro)
{
	struct stat st;

	memset(blk, 0, sizeof(*blk));
	blk->fd = disk_image_open(path, ro, &blk->size, &st);
	if (blk->fd < 0) {
		int rc = blk->fd;

		blk->fd = -1;
		return rc;
	}
	blk->ro = ro;
	blk->capacity = blk->size / VIRTIO_BLK_SECTOR;
	make_id(blk, &st);
	blk->config.capacity = blk->capacity;
	blk->config.size_max = VIRTIO_BLK_SIZE_MAX;
	blk->config.seg_max = VIRTIO_BLK_SEG_MAX;
	blk->config.blk_size = VIRTIO_BLK_SECTOR;
	return 0;
}

int virtio_blk_attach(struct virtio_blk *blk, const struct guest_mem *mem, uint64_t base,
		      unsigned irq)
{
	uint64_t features = (1ULL << VIRTIO_BLK_F_FLUSH) | (1ULL << VIRTIO_BLK_F_SEG_MAX) |
			    (1ULL << VIRTIO_BLK_F_SIZE_MAX) | (1ULL << VIRTIO_BLK_F_BLK_SIZE) |
			    (1ULL << VIRTIO_RING_F_INDIRECT_DESC) |
			    (1ULL << VIRTIO_RING_F_EVENT_IDX);

	if (blk->ro)
		features |= 1ULL << VIRTIO_BLK_F_RO;
	return virtio_mmio_init(&blk->transport, &blk_ops, blk, features, &blk->config,
				sizeof(blk->config), mem, base, irq);
}

void virtio_blk_close(struct virtio_blk *blk)
{
	blk_worker_stop(&blk->worker);
	if (blk->transport.ops)
		virtio_mmio_destroy(&blk->transport);
	if (blk->fd >= 0)
		close(blk->fd); /* drops the flock */
	blk->fd = -1;
}

/*
 * The bytes [skip, skip + len) of the iovecs src[0..n) as iovecs in dst.
 * The caller guarantees the range lies inside src. Returns the count.
 */
static unsigned iov_slice(const struct iovec *src, unsigned n, uint64_t skip, uint64_t len,
			  struct iovec *dst)
{
	unsigned cnt = 0;

	for (unsigned i = 0; i < n && len; i++) {
		uint64_t l = src[i].iov_len;

		if (skip >= l) {
			skip -= l;
			continue;
		}
		l -= skip;
		if (l > len)
			l = len;
		dst[cnt++] = (struct iovec){(uint8_t *)src[i].iov_base + skip, l};
		len -= l;
		skip = 0;
	}
	return cnt;
}

/* Copy the first len bytes of the iovecs out (the request header). */
static void iov_gather(const struct iovec *src, unsigned n, void *dst, size_t len)
{
	uint8_t *d = dst;

	for (unsigned i = 0; i < n && len; i++) {
		size_t l = src[i].iov_len < len ? src[i].iov_len : len;

		memcpy(d, src[i].iov_base, l);
		__asm__ volatile("" ::: "memory"); /* one fetch of guest memory */
		d += l;
		len -= l;
	}
}

/* blk_xfer_fd(), counted in stats.transfers. */
static int xfer(struct virtio_blk *blk, struct iovec *iov, unsigned cnt, uint64_t off,
		uint64_t len, bool write)
{
	blk->stats.transfers++;
	return blk_xfer_fd(blk->fd, iov, cnt, off, len, write);
}

struct blk_req {
	struct virtio_blk *blk;
	struct virtio_mmio *t;
	const struct virtq_elem *e;
	struct virtio_blk_outhdr hdr;
	uint8_t *status;  /* the status byte, inside guest RAM (an iovec's last byte) */
	uint32_t written; /* used length: data written into the chain + status */
};

static uint8_t fail(struct blk_req *r, uint8_t status, const char *why)
{
	r->blk->stats.errors++;
	virtio_mmio_log(r->t, "request type %u sector %llu: %s", r->hdr.type,
			(unsigned long long)r->hdr.sector, why);
	return status;
}

/* Check that len bytes at the request's sector lie inside the disk. */
static const char *check_range(struct blk_req *r, uint64_t len)
{
	if (len % VIRTIO_BLK_SECTOR)
		return "data length not a multiple of 512";
	if (len > UINT32_MAX - 1)
		return "data length too large";
	if (r->hdr.sector > r->blk->capacity ||
	    len / VIRTIO_BLK_SECTOR > r->blk->capacity - r->hdr.sector)
		return "sector range past the end of the disk";
	return NULL;
}

/* IN: disk -> the writable buffers before the status byte. */
static uint8_t do_read(struct blk_req *r)
{
	const struct virtq_elem *e = r->e;
	uint64_t len = e->in_len - 1;
	const char *why = check_range(r, len);
	unsigned cnt;

	if (why)
		return fail(r, VIRTIO_BLK_S_IOERR, why);
	cnt = iov_slice(e->iov + e->nr_out, e->nr_in, 0, len, r->blk->data);
	if (xfer(r->blk, r->blk->data, cnt, r->hdr.sector * VIRTIO_BLK_SECTOR, len, false))
		return fail(r, VIRTIO_BLK_S_IOERR, "read from the image failed or was short");
	r->blk->stats.reads++;
	r->blk->stats.bytes_read += len;
	r->written += (uint32_t)len;
	return VIRTIO_BLK_S_OK;
}

/* OUT: the readable buffers after the header -> disk. */
static uint8_t do_write(struct blk_req *r)
{
	const struct virtq_elem *e = r->e;
	uint64_t len = e->out_len - sizeof(r->hdr);
	const char *why;
	unsigned cnt;

	if (r->blk->ro)
		return fail(r, VIRTIO_BLK_S_IOERR, "write to a read-only disk");
	why = check_range(r, len);
	if (why)
		return fail(r, VIRTIO_BLK_S_IOERR, why);
	cnt = iov_slice(e->iov, e->nr_out, sizeof(r->hdr), len, r->blk->data);
	if (xfer(r->blk, r->blk->data, cnt, r->hdr.sector * VIRTIO_BLK_SECTOR, len, true))
		return fail(r, VIRTIO_BLK_S_IOERR, "write to the image failed or was short");
	r->blk->stats.writes++;
	r->blk->stats.bytes_written += len;
	return VIRTIO_BLK_S_OK;
}

static uint8_t do_get_id(struct blk_req *r)
{
	const struct virtq_elem *e = r->e;
	uint64_t len = e->in_len - 1;
	const uint8_t *src = (const uint8_t *)r->blk->id;
	unsigned cnt;

	/* A shorter buffer gets a prefix of the ID, as the spec allows. */
	if (len > VIRTIO_BLK_ID_BYTES)
		len = VIRTIO_BLK_ID_BYTES;
	cnt = iov_slice(e->iov + e->nr_out, e->nr_in, 0, len, r->blk->data);
	for (unsigned i = 0; i < cnt; i++) {
		memcpy(r->blk->data[i].iov_base, src, r->blk->data[i].iov_len);
		src += r->blk->data[i].iov_len;
	}
	r->blk->stats.get_ids++;
	r->written += (uint32_t)len;
	return VIRTIO_BLK_S_OK;
}

static uint8_t do_flush(struct blk_req *r)
{
	/* Durability before completion: the status byte follows fdatasync. */
	if (fdatasync(r->blk->fd) < 0 && errno != EINVAL)
		return fail(r, VIRTIO_BLK_S_IOERR, "fdatasync failed");
	r->blk->stats.flushes++;
	return VIRTIO_BLK_S_OK;
}

/*
 * Find the status byte and fetch the header. Returns true when the request
 * is ready to be served, false when it was answered already (r->written
 * says with how much; r->status is NULL when it could not be answered).
 */
static bool blk_parse(struct blk_req *r)
{
	const struct virtq_elem *e = r->e;
	const struct iovec *last;

	r->written = 1; /* the status byte */
	r->status = NULL;
	/* The status byte is the last device-writable byte of the chain. */
	if (e->nr_in == 0) {
		r->blk->stats.errors++;
		virtio_mmio_log(r->t, "request without a device-writable status byte dropped");
		r->written = 0;
		return false;
	}
	last = &e->iov[e->nr_out + e->nr_in - 1];
	r->status = (uint8_t *)last->iov_base + last->iov_len - 1;
	if (e->out_len < sizeof(r->hdr)) {
		r->blk->stats.errors++;
		virtio_mmio_log(r->t, "request header missing or not device-readable (%llu bytes)",
				(unsigned long long)e->out_len);
		*r->status = VIRTIO_BLK_S_IOERR;
		return false;
	}
	iov_gather(e->iov, e->nr_out, &r->hdr, sizeof(r->hdr));
	return true;
}

/* Serve one parsed request on its own and write its status byte. */
static void blk_serve(struct blk_req *r)
{
	uint8_t st;

	switch (r->hdr.type) {
	case VIRTIO_BLK_T_IN:
		st = do_read(r);
		break;
	case VIRTIO_BLK_T_OUT:
		st = do_write(r);
		break;
	case VIRTIO_BLK_T_FLUSH:
		st = do_flush(r);
		break;
	case VIRTIO_BLK_T_GET_ID:
		st = do_get_id(r);
		break;
	default:
		st = fail(r, VIRTIO_BLK_S_UNSUPP, "unsupported request type");
		break;
	}
	*r->status = st;
}

static uint32_t blk_handle(struct virtio_mmio *t, void *dev, unsigned queue,
			   const struct virtq_elem *e)
{
	struct blk_req r = {.blk = dev, .t = t, .e = e};

	(void)queue;
	if (blk_parse(&r))
		blk_serve(&r);
	return r.written;
}

/*
 * A parsed IN or OUT request that would succeed up to the transfer itself
 * (in range, writable disk, some data): its data bytes, else 0. Only such
 * requests are merged; every other one is served alone so it fails alone.
 */
static uint64_t mergeable_len(struct blk_req *r)
{
	const struct virtq_elem *e = r->e;
	uint64_t len;

	if (r->hdr.type == VIRTIO_BLK_T_IN)
		len = e->in_len - 1;
	else if (r->hdr.type == VIRTIO_BLK_T_OUT && !r->blk->ro)
		len = e->out_len - sizeof(r->hdr);
	else
		return 0;
	return check_range(r, len) ? 0 : len;
}

/* Most iovecs a request's data can take: its readable or writable buffers. */
static unsigned data_segs(const struct blk_req *r)
{
	return r->hdr.type == VIRTIO_BLK_T_IN ? r->e->nr_in : r->e->nr_out;
}

/*
 * Requests r[0..n) are all IN or all OUT, each in range, over consecutive
 * sectors, with at most VIRTQ_MAX_SEGS data segments in all: move them
 * with one preadv/pwritev. If that fails, serve each one alone, so each
 * gets its own status (a write redone writes the same bytes again).
 * Status bytes are written only after the transfer.
 */
/* The data of requests r[0..n) as iovecs in dst; returns the count. */
static unsigned run_iovecs(const struct blk_req *r, unsigned n, const uint64_t *len,
			   struct iovec *dst)
{
	unsigned cnt = 0;

	for (unsigned i = 0; i < n; i++) {
		const struct virtq_elem *e = r[i].e;

		if (r[i].hdr.type == VIRTIO_BLK_T_OUT)
			cnt += iov_slice(e->iov, e->nr_out, sizeof(r[i].hdr), len[i], dst + cnt);
		else
			cnt += iov_slice(e->iov + e->nr_out, e->nr_in, 0, len[i], dst + cnt);
	}
	return cnt;
}

static uint64_t run_bytes(const uint64_t *len, unsigned n)
{
	uint64_t total = 0;

	for (unsigned i = 0; i < n; i++)
		total += len[i];
	return total;
}

/* Is the worker thread there (starting it on first use)? */
static bool worker_ready(struct virtio_blk *blk)
{
	if (blk->worker.running)
		return true;
	if (blk->worker_unavailable)
		return false;
	if (blk_worker_start(&blk->worker) < 0) {
		blk->worker_unavailable = true; /* copy alone from now on */
		return false;
	}
	return true;
}

/*
 * Move a run: a big read in two halves, the first by the worker and the
 * second here, at once; else in one call here. Returns 0 when every byte
 * moved. Both halves are finished when it returns.
 */
static int run_xfer(struct blk_req *r, unsigned n, const uint64_t *len, bool write)
{
	struct virtio_blk *blk = r[0].blk;
	uint64_t total = run_bytes(len, n);
	unsigned h = n / 2, cnt;
	int rc;

	/*
	 * Reads only: buffered writes to one file are serialised by the host
	 * filesystem's inode lock, so a second writer measured no faster.
	 */
	if (!write && n >= 2 && total >= VIRTIO_BLK_SPLIT_MIN && worker_ready(blk)) {
		cnt = run_iovecs(r, h, len, blk->worker_data);
		blk->stats.transfers++;
		blk_worker_submit(&blk->worker, blk->fd, blk->worker_data, cnt,
				  r[0].hdr.sector * VIRTIO_BLK_SECTOR, run_bytes(len, h), write);
		cnt = run_iovecs(r + h, n - h, len + h, blk->data);
		rc = xfer(blk, blk->data, cnt, r[h].hdr.sector * VIRTIO_BLK_SECTOR,
			  run_bytes(len + h, n - h), write);
		/* Wait even after a failure here: the worker is using guest RAM. */
		return blk_worker_wait(&blk->worker) | rc;
	}
	cnt = run_iovecs(r, n, len, blk->data);
	return xfer(blk, blk->data, cnt, r[0].hdr.sector * VIRTIO_BLK_SECTOR, total, write);
}

/*
 * Requests r[0..n) are all IN or all OUT, each in range, over consecutive
 * sectors, with at most VIRTQ_MAX_SEGS data segments in all: move them
 * with one preadv/pwritev (two preadv in parallel when big). If that fails,
 * serve each one alone, so each gets its own status (a write redone
 * writes the same bytes again). Status bytes are written only after
 * every transfer finished.
 */
static void blk_serve_run(struct blk_req *r, unsigned n, const uint64_t *len)
{
	struct virtio_blk *blk = r[0].blk;
	bool write = r[0].hdr.type == VIRTIO_BLK_T_OUT;

	if (run_xfer(r, n, len, write)) {
		for (unsigned i = 0; i < n; i++)
			blk_serve(&r[i]);
		return;
	}
	for (unsigned i = 0; i < n; i++) {
		if (write) {
			blk->stats.writes++;
			blk->stats.bytes_written += len[i];
		} else {
			blk->stats.reads++;
			blk->stats.bytes_read += len[i];
			r[i].written += (uint32_t)len[i];
		}
		*r[i].status = VIRTIO_BLK_S_OK;
	}
}

/*
 * The requests of one kick, in ring order. Runs of adjacent reads (or
 * writes) over consecutive sectors become one host call: the host
 * kernel's copy is the cost at large sizes, and one call per run saves
 * the per-call overhead that QEMU's block layer saves the same way.
 * Anything else (FLUSH, GET_ID, a failing request) is served alone and
 * in order, so a FLUSH still follows the writes before it.
 */
static void blk_handle_batch(struct virtio_mmio *t, void *dev, unsigned queue,
			     const struct virtq_elem *elems, unsigned n, uint32_t *written)
{
	struct blk_req r[VIRTIO_MMIO_BATCH];
	uint64_t len[VIRTIO_MMIO_BATCH];
	bool ok[VIRTIO_MMIO_BATCH];

	(void)queue;
	for (unsigned i = 0; i < n; i++) {
		r[i] = (struct blk_req){.blk = dev, .t = t, .e = &elems[i]};
		ok[i] = blk_parse(&r[i]);
		len[i] = ok[i] ? mergeable_len(&r[i]) : 0;
	}
	for (unsigned i = 0, j; i < n; i = j) {
		unsigned segs = len[i] ? data_segs(&r[i]) : 0;

		for (j = i + 1; len[i] && j < n; j++) {
			if (!len[j] || r[j].hdr.type != r[i].hdr.type ||
			    r[j].hdr.sector != r[j - 1].hdr.sector + len[j - 1] / VIRTIO_BLK_SECTOR ||
			    segs + data_segs(&r[j]) > VIRTQ_MAX_SEGS)
				break;
			segs += data_segs(&r[j]);
		}
		if (j - i > 1)
			blk_serve_run(&r[i], j - i, &len[i]);
		else if (ok[i])
			blk_serve(&r[i]);
	}
	for (unsigned i = 0; i < n; i++)
		written[i] = r[i].written;
}
