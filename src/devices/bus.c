// SPDX-License-Identifier: MIT
/*
 * The device bus: a short table of registered port and MMIO ranges.
 * Lookups are a linear scan (a VM has a handful of ranges) preceded by a
 * one-entry cache, because a guest usually talks to one device at a time.
 */
#include "devices/bus.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static bool ranges_overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	/* Both ranges are non-empty and do not wrap (checked at registration). */
	return a <= b + (blen - 1) && b <= a + (alen - 1);
}

int bus_register(struct bus *bus, enum bus_space space, uint64_t base, uint64_t len,
		 const char *name, bus_access_fn fn, void *opaque)
{
	if (len == 0 || !fn || base + (len - 1) < base)
		return -EINVAL;
	if (space == BUS_PIO && base + (len - 1) > 0xffff)
		return -EINVAL;
	for (unsigned i = 0; i < bus->nr_ranges; i++) {
		const struct bus_range *r = &bus->range[i];

		if (r->space == space && ranges_overlap(r->base, r->len, base, len))
			return -EBUSY;
	}
	if (bus->nr_ranges >= BUS_MAX_DEVICES)
		return -ENOSPC;
	bus->range[bus->nr_ranges++] = (struct bus_range){
	    .space = space,
	    .base = base,
	    .len = len,
	    .name = name ? name : "unnamed",
	    .fn = fn,
	    .opaque = opaque,
	};
	return 0;
}

static int bus_find(const struct bus *bus, enum bus_space space, uint64_t addr)
{
	for (unsigned i = 0; i < bus->nr_ranges; i++) {
		const struct bus_range *r = &bus->range[i];

		if (r->space == space && addr >= r->base && addr - r->base < r->len)
			return (int)i;
	}
	return -1;
}

/*
 * Name an unclaimed address once. The set of already-named addresses is a
 * small fixed table in the bus: a guest probing thousands of ports cannot
 * flood stderr.
 */
static void bus_name_unclaimed(struct bus_unclaimed_set *set, enum bus_space space, uint64_t addr,
			       unsigned size, bool is_write)
{
	for (unsigned i = 0; i < set->nr_named; i++)
		if (set->named[i].space == space && set->named[i].addr == addr)
			return;
	if (set->nr_named == BUS_UNCLAIMED_NAMED_MAX) {
		if (!set->said_enough)
			fprintf(stderr, "minivmm: more unclaimed addresses; not naming them\n");
		set->said_enough = true;
		return;
	}
	set->named[set->nr_named].space = space;
	set->named[set->nr_named].addr = addr;
	set->nr_named++;
	fprintf(stderr, "minivmm: unclaimed %s %s of %u byte%s at %s 0x%llx (ignored)\n",
		space == BUS_PIO ? "port" : "MMIO", is_write ? "write" : "read", size,
		size == 1 ? "" : "s", space == BUS_PIO ? "port" : "address",
		(unsigned long long)addr);
}

int bus_dispatch(struct bus *bus, enum bus_space space, uint64_t addr, uint8_t *data, unsigned size,
		 bool is_write)
{
	int i = bus_find(bus, space, addr);

	if (i < 0) {
		bus->unclaimed++;
		if (!is_write)
			memset(data, 0xff, size);
		if (bus->verbose)
			bus_name_unclaimed(&bus->unclaimed_named, space, addr, size, is_write);
		return -1;
	}
	bus->range[i].fn(bus->range[i].opaque, addr - bus->range[i].base, data, size, is_write);
	return i;
}

void bus_request_stop(struct bus *bus, enum bus_stop_kind kind, int status, const char *reason)
{
	/* The first request wins: a reset after a debug-exit does not change the status. */
	if (bus->stop_requested)
		return;
	bus->stop_requested = true;
	bus->stop_kind = kind;
	bus->stop_status = status;
	bus->stop_reason = reason;
}
