/* SPDX-License-Identifier: MIT */
/*
 * The device bus: devices register port (PIO) or guest-physical (MMIO)
 * ranges with a callback; the vCPU run loop hands every IO/MMIO exit to
 * bus_dispatch(). There is no switch over port numbers anywhere else.
 */
#ifndef MINIVMM_BUS_H
#define MINIVMM_BUS_H

#include <stdbool.h>
#include <stdint.h>

#define BUS_MAX_DEVICES 64
/* How many distinct unclaimed addresses --verbose names before going quiet. */
#define BUS_UNCLAIMED_NAMED_MAX 32

enum bus_space { BUS_PIO, BUS_MMIO };

/*
 * One access of size 1, 2, 4 or 8 bytes at offset from the range's base.
 * For a read the callback fills data[0..size) (little endian); for a write
 * it consumes it. Devices never see a vCPU or a KVM file descriptor.
 */
typedef void (*bus_access_fn)(void *opaque, uint64_t offset, uint8_t *data, unsigned size,
			      bool is_write);

struct bus_range {
	enum bus_space space;
	uint64_t base;
	uint64_t len;
	const char *name; /* device name, for --verbose and exit accounting */
	bus_access_fn fn;
	void *opaque;
};

/* Why a device stopped the VM: the VM reports each kind differently. */
enum bus_stop_kind {
	BUS_STOP_NONE,	      /* no device asked */
	BUS_STOP_GUEST_EXIT,  /* the guest chose its exit status (isa-debug-exit) */
	BUS_STOP_GUEST_RESET, /* the guest reset the machine (i8042) */
	BUS_STOP_GUEST_FAULT, /* the guest broke a device's ABI (Solo5 hvt): fatal, reported */
};

/* The unclaimed addresses --verbose has already named (no allocation on the exit path). */
struct bus_unclaimed_set {
	struct {
		enum bus_space space;
		uint64_t addr;
	} named[BUS_UNCLAIMED_NAMED_MAX];
	unsigned nr_named;
	bool said_enough; /* the "more unclaimed addresses" line was printed */
};

struct bus {
	struct bus_range range[BUS_MAX_DEVICES];
	unsigned nr_ranges;
	uint64_t unclaimed; /* accesses no device claimed */
	bool verbose;	    /* name each unclaimed port/address once on stderr */
	struct bus_unclaimed_set unclaimed_named;
	/*
	 * Set by a device (debug-exit, i8042 reset) to stop the VM; the run
	 * loop checks it after every dispatch.
	 */
	bool stop_requested;
	enum bus_stop_kind stop_kind;
	int stop_status;
	const char *stop_reason;
};

/* Returns 0, or -EBUSY when the range overlaps a registered one, -ENOSPC, -EINVAL. */
int bus_register(struct bus *bus, enum bus_space space, uint64_t base, uint64_t len,
		 const char *name, bus_access_fn fn, void *opaque);

/*
 * Route one access. Returns the index of the range that claimed it, or -1
 * when none did: then a read returns all ones and the access is counted.
 */
int bus_dispatch(struct bus *bus, enum bus_space space, uint64_t addr, uint8_t *data, unsigned size,
		 bool is_write);

/*
 * Ask the run loop to stop the VM with exit status `status`; `reason` (a
 * string that outlives the VM) is what the VM prints. The first request wins.
 */
void bus_request_stop(struct bus *bus, enum bus_stop_kind kind, int status, const char *reason);

#endif
