// SPDX-License-Identifier: MIT
/*
 * Solo5 hvt hypercalls. Each argument structure is copied out of guest
 * RAM once (the guest cannot change it under our feet), checked, served,
 * and its OUT fields copied back; every guest address goes through
 * guest_mem_ptr(). As under solo5-hvt, an argument or buffer outside
 * guest RAM and a wrong port access stop the guest (status 5); bad block
 * requests return SOLO5_R_EINVAL. Memory of the segments without PF_W is
 * read-only for the guest (KVM_MEM_READONLY) and for the hypercalls alike:
 * a write there is solo5-hvt's "host/guest translation fault" (status 1).
 */
#include "devices/solo5_hvt.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

const char solo5_hvt_halt_reason[] = "the Solo5 guest halted (HALT hypercall)";

static const char *const hc_names[SOLO5_HC_MAX] = {
    "0 (reserved)", "WALLTIME",	 "PUTS",     "POLL", "BLOCK_WRITE",
    "BLOCK_READ",   "NET_WRITE", "NET_READ", "HALT",
};

static void fatal(struct solo5_hvt *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void fatal(struct solo5_hvt *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(d->reason, sizeof(d->reason), fmt, ap);
	va_end(ap);
	bus_request_stop(d->bus, BUS_STOP_GUEST_FAULT, SOLO5_HVT_FATAL_STATUS, d->reason);
}

/* The read-only range that [gpa, +len) overlaps, or NULL. */
static const struct solo5_ro_trap *ro_overlap(const struct solo5_hvt *d, uint64_t gpa, uint64_t len)
{
	for (unsigned i = 0; i < d->nr_ro; i++) {
		const struct guest_range *r = &d->ro[i].range;

		if (len && gpa < r->gpa + r->size && (r->gpa <= gpa || r->gpa - gpa < len))
			return &d->ro[i];
	}
	return NULL;
}

/* A write into [gpa, +len) hitting the read-only range t: fatal, as under solo5-hvt. */
static void ro_fault(struct solo5_hvt *d, const struct solo5_ro_trap *t, const char *who,
		     uint64_t gpa, uint64_t len)
{
	snprintf(d->reason, sizeof(d->reason),
		 SOLO5_HVT_FAULT_TEXT ": %s [0x%llx, +0x%llx) in read-only segment memory "
				      "[0x%llx, 0x%llx)",
		 who, (unsigned long long)gpa, (unsigned long long)len,
		 (unsigned long long)t->range.gpa,
		 (unsigned long long)(t->range.gpa + t->range.size));
	bus_request_stop(d->bus, BUS_STOP_GUEST_FAULT, SOLO5_HVT_FAULT_STATUS, d->reason);
}

/* [gpa, +len) may be written for hypercall nr; false (and the VM stopping) if read-only. */
static bool writable(struct solo5_hvt *d, unsigned nr, uint64_t gpa, uint64_t len)
{
	const struct solo5_ro_trap *t = ro_overlap(d, gpa, len);
	char who[48];

	if (!t)
		return true;
	snprintf(who, sizeof(who), "hypercall %s would write", hc_names[nr]);
	ro_fault(d, t, who, gpa, len);
	return false;
}

/* Copy the argument structure in; false (and the VM stopping) when it is outside RAM. */
static bool arg_in(struct solo5_hvt *d, unsigned nr, uint64_t gpa, void *dst, size_t len)
{
	if (guest_mem_read(d->mem, gpa, dst, len) == 0)
		return true;
	fatal(d, "Solo5 hypercall %s: argument [0x%llx, +%zu) is outside guest RAM", hc_names[nr],
	      (unsigned long long)gpa, len);
	return false;
}

/* arg_in() for a structure with OUT fields, which must not lie in read-only memory. */
static bool arg_inout(struct solo5_hvt *d, unsigned nr, uint64_t gpa, void *dst, size_t len)
{
	return arg_in(d, nr, gpa, dst, len) && writable(d, nr, gpa, len);
}

static void arg_out(struct solo5_hvt *d, uint64_t gpa, const void *src, size_t len)
{
	guest_mem_write(d->mem, gpa, src, len); /* checked by arg_inout() for the same range */
}

/* A guest buffer [gpa, +len): host pointer, or NULL with the VM stopping. */
static void *buffer(struct solo5_hvt *d, unsigned nr, uint64_t gpa, uint64_t len)
{
	void *p = guest_mem_ptr(d->mem, gpa, len);

	if (!p)
		fatal(d, "Solo5 hypercall %s: buffer [0x%llx, +0x%llx) is outside guest RAM",
		      hc_names[nr], (unsigned long long)gpa, (unsigned long long)len);
	return p;
}

static void hc_walltime(struct solo5_hvt *d, uint64_t gpa)
{
	struct solo5_hc_walltime a;
	struct timespec ts;

	if (!arg_inout(d, SOLO5_HC_WALLTIME, gpa, &a, sizeof(a)))
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	a.nsecs = (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
	arg_out(d, gpa, &a, sizeof(a));
}

static void hc_puts(struct solo5_hvt *d, uint64_t gpa)
{
	struct solo5_hc_puts a;
	const char *s;
	uint64_t done = 0;

	if (!arg_in(d, SOLO5_HC_PUTS, gpa, &a, sizeof(a)))
		return;
	s = buffer(d, SOLO5_HC_PUTS, a.data, a.len);
	while (s && done < a.len) {
		ssize_t n = write(STDOUT_FILENO, s + done, a.len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break; /* a closed stdout is the reader's business */
		done += (uint64_t)n;
	}
}

/*
 * No device can become ready (no network), so POLL is a sleep for the
 * timeout, in slices so that a signal or --timeout stops the VM promptly.
 */
static void hc_poll(struct solo5_hvt *d, uint64_t gpa)
{
	const uint64_t slice = 50000000ULL; /* ns */
	struct solo5_hc_poll a;
	struct timespec now, end;

	if (!arg_inout(d, SOLO5_HC_POLL, gpa, &a, sizeof(a)))
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	end = now;
	end.tv_sec += (time_t)(a.timeout_nsecs / 1000000000ULL);
	end.tv_nsec += (long)(a.timeout_nsecs % 1000000000ULL);
	if (end.tv_nsec >= 1000000000L) {
		end.tv_sec++;
		end.tv_nsec -= 1000000000L;
	}
	while (!(d->stop_pending && d->stop_pending(d->stop_ctx))) {
		uint64_t left;
		struct timespec t;

		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec > end.tv_sec ||
		    (now.tv_sec == end.tv_sec && now.tv_nsec >= end.tv_nsec))
			break;
		left = (uint64_t)(end.tv_sec - now.tv_sec) * 1000000000ULL + (uint64_t)end.tv_nsec -
		       (uint64_t)now.tv_nsec;
		if (left > slice)
			left = slice;
		t.tv_sec = (time_t)(left / 1000000000ULL);
		t.tv_nsec = (long)(left % 1000000000ULL);
		nanosleep(&t, NULL); /* EINTR: the loop condition sees the stop */
	}
	a.ready_set = 0;
	a.ret = 0;
	arg_out(d, gpa, &a, sizeof(a));
}

/* hvt's checks, plus whole blocks (which Solo5's bindings check on the guest side). */
static int block_check(const struct solo5_disk *k, const struct solo5_hc_block *a, bool write)
{
	if (write && k->ro)
		return SOLO5_R_EINVAL;
	if (a->offset % k->block_size || a->len % k->block_size)
		return SOLO5_R_EINVAL;
	if (a->offset >= k->capacity || a->len > k->capacity - a->offset)
		return SOLO5_R_EINVAL;
	return SOLO5_R_OK;
}

static int block_io(struct solo5_hvt *d, unsigned nr, const struct solo5_disk *k,
		    const struct solo5_hc_block *a, bool *stopped)
{
	uint8_t *p = buffer(d, nr, a->data, a->len);
	uint64_t done = 0;

	if (p && nr == SOLO5_HC_BLOCK_READ && !writable(d, nr, a->data, a->len))
		p = NULL;
	*stopped = !p;
	while (p && done < a->len) {
		ssize_t n = nr == SOLO5_HC_BLOCK_WRITE
				? pwrite(k->fd, p + done, a->len - done, (off_t)(a->offset + done))
				: pread(k->fd, p + done, a->len - done, (off_t)(a->offset + done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return SOLO5_R_EUNSPEC;
		done += (uint64_t)n;
	}
	return SOLO5_R_OK;
}

static void hc_block(struct solo5_hvt *d, unsigned nr, uint64_t gpa)
{
	struct solo5_hc_block a;
	const struct solo5_disk *k;
	bool stopped = false;

	if (!arg_inout(d, nr, gpa, &a, sizeof(a)))
		return;
	k = a.handle < SOLO5_MFT_MAX_ENTRIES ? &d->disk[a.handle] : NULL;
	if (!k || k->fd < 0)
		a.ret = SOLO5_R_EINVAL; /* not a block device of the manifest */
	else
		a.ret = block_check(k, &a, nr == SOLO5_HC_BLOCK_WRITE);
	if (a.ret == SOLO5_R_OK)
		a.ret = block_io(d, nr, k, &a, &stopped);
	if (!stopped)
		arg_out(d, gpa, &a, sizeof(a));
}

/* No network device: every handle is "no such device". */
static void hc_net(struct solo5_hvt *d, unsigned nr, uint64_t gpa)
{
	struct solo5_hc_net a;

	if (!arg_inout(d, nr, gpa, &a, sizeof(a)))
		return;
	a.ret = SOLO5_R_EINVAL;
	arg_out(d, gpa, &a, sizeof(a));
}

static void hc_halt(struct solo5_hvt *d, uint64_t gpa)
{
	struct solo5_hc_halt a;
	struct solo5_trap_regs tr;

	if (!arg_in(d, SOLO5_HC_HALT, gpa, &a, sizeof(a)))
		return;
	/* The cookie, when given, must name SOLO5_HALT_COOKIE_MAX readable bytes. */
	if (a.cookie && !buffer(d, SOLO5_HC_HALT, a.cookie, SOLO5_HALT_COOKIE_MAX))
		return;
	if (a.cookie && d->verbose && guest_mem_read(d->mem, a.cookie, &tr, sizeof(tr)) == 0)
		fprintf(stderr,
			"minivmm: Solo5 halt cookie at 0x%llx (a trap frame if the guest "
			"aborted): rip=0x%llx rsp=0x%llx cr2=0x%llx error code=0x%llx\n",
			(unsigned long long)a.cookie, (unsigned long long)tr.rip,
			(unsigned long long)tr.rsp, (unsigned long long)tr.cr2,
			(unsigned long long)tr.ec);
	bus_request_stop(d->bus, BUS_STOP_GUEST_EXIT, a.exit_status & 0xff, solo5_hvt_halt_reason);
}

static void hypercall_access(void *opaque, uint64_t offset, uint8_t *data, unsigned size,
			     bool is_write)
{
	struct solo5_hvt *d = opaque;
	uint32_t gpa;

	if (!is_write || size != 4 || offset == 0) {
		if (!is_write)
			memset(data, 0xff, size);
		fatal(d,
		      "invalid Solo5 hypercall access: %s%u of port 0x%llx (want a 32-bit OUT "
		      "to 0x%x + 1..%d)",
		      is_write ? "OUT" : "IN", size * 8,
		      (unsigned long long)(SOLO5_HVT_PIO_BASE + offset), SOLO5_HVT_PIO_BASE,
		      SOLO5_HC_MAX - 1);
		return;
	}
	memcpy(&gpa, data, sizeof(gpa));
	d->calls[offset]++;
	switch (offset) {
	case SOLO5_HC_WALLTIME:
		return hc_walltime(d, gpa);
	case SOLO5_HC_PUTS:
		return hc_puts(d, gpa);
	case SOLO5_HC_POLL:
		return hc_poll(d, gpa);
	case SOLO5_HC_BLOCK_WRITE:
	case SOLO5_HC_BLOCK_READ:
		return hc_block(d, (unsigned)offset, gpa);
	case SOLO5_HC_NET_WRITE:
	case SOLO5_HC_NET_READ:
		return hc_net(d, (unsigned)offset, gpa);
	default:
		return hc_halt(d, gpa);
	}
}

/* A write reaching the bus in a read-only range: KVM_MEM_READONLY made it an MMIO exit. */
static void ro_access(void *opaque, uint64_t offset, uint8_t *data, unsigned size, bool is_write)
{
	struct solo5_ro_trap *t = opaque;

	if (!is_write) { /* reads of a read-only slot need no exit; serve one anyway */
		if (guest_mem_read(t->dev->mem, t->range.gpa + offset, data, size))
			memset(data, 0xff, size);
		return;
	}
	ro_fault(t->dev, t, "the Solo5 guest wrote", t->range.gpa + offset, size);
}

int solo5_hvt_register(struct solo5_hvt *dev, struct bus *bus, const struct guest_mem *mem,
		       const struct guest_range *ro, unsigned nr_ro)
{
	int rc;

	dev->bus = bus;
	dev->mem = mem;
	rc = bus_register(bus, BUS_PIO, SOLO5_HVT_PIO_BASE, SOLO5_HC_MAX, "solo5-hvt",
			  hypercall_access, dev);
	for (unsigned i = 0; !rc && i < nr_ro && i < SOLO5_HVT_MAX_RO; i++) {
		struct solo5_ro_trap *t = &dev->ro[dev->nr_ro++];

		*t = (struct solo5_ro_trap){dev, ro[i]};
		rc = bus_register(bus, BUS_MMIO, ro[i].gpa, ro[i].size, "solo5-readonly", ro_access,
				  t);
	}
	return rc;
}
