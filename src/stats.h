/* SPDX-License-Identifier: MIT */
/*
 * Exit accounting: how often, where and for how long the guest left the
 * CPU for the VMM. Counted per exit reason, per IO port / MMIO address +
 * direction + size (attributed to the bus device that claimed it, or
 * "unclaimed"), with host time per reason and per device (count, total,
 * max). Printed as a table or JSON when the VM stops (--stats).
 *
 * The exit path neither allocates nor locks: every table lives inside
 * struct stats, whose size is fixed at compile time. One struct stats
 * belongs to one vCPU (its run loop is the only writer).
 *
 * Use from the run loop, for every exit:
 *
 *	stats_exit_begin(st);                   right after KVM_RUN returns
 *	dev = bus_dispatch(...);                (n times for a rep string)
 *	stats_record_io(st, BUS_PIO, port, size, is_write, count, data, dev);
 *	stats_record_exit(st, run->exit_reason); last, after the handling
 *
 * Counting starts at stats_init(); the first write of the guest's marker
 * (STATS_MARKER_VALUE to port STATS_MARKER_PORT, 1 byte) is remembered so
 * that the accesses "from the marker on" can be compared with QEMU, whose
 * firmware makes accesses before the guest runs.
 */
#ifndef MINIVMM_STATS_H
#define MINIVMM_STATS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "devices/bus.h"

#define STATS_MARKER_PORT 0x80
#define STATS_MARKER_VALUE 0xa5

/* KVM_EXIT_* codes below this are counted one by one, others together. */
#define STATS_MAX_REASONS 64
/* Distinct (space, address, size, direction) keys; the rest are lumped. */
#define STATS_ACCESS_SLOTS 1024
/* Counters read from the provider (KVM_GET_STATS_FD). */
#define STATS_MAX_PROVIDER_COUNTERS 128
#define STATS_COUNTER_NAME_LEN 48

enum stats_format { STATS_OFF, STATS_TEXT, STATS_JSON };

/* What --stats[=text|json|json:PATH] asked for. */
struct stats_options {
	enum stats_format format;
	const char *path; /* JSON written here; NULL = stderr. Points into argv. */
};

/* Host time spent handling exits, in clock ticks (see stats_ticks()). */
struct stats_timer {
	uint64_t count;
	uint64_t total;
	uint64_t max;
};

struct stats_access {
	uint64_t addr; /* port, or guest-physical address */
	uint8_t kind;  /* 0: free; else space | is_write << 1 | size << 2 */
	uint8_t space; /* enum bus_space */
	uint8_t size;  /* bytes per element: 1, 2, 4 or 8 */
	uint8_t is_write;
	int16_t device;		  /* bus range index, or -1 for unclaimed */
	uint64_t exits;		  /* exits (a rep ins/outs is one) */
	uint64_t items;		  /* elements transferred (a rep of n is n) */
	uint64_t exits_at_marker; /* values when the marker was written */
	uint64_t items_at_marker;
};

struct stats_counter {
	char name[STATS_COUNTER_NAME_LEN];
	uint64_t value;
};

struct stats {
	const struct bus *bus; /* device names and bases, read when printing */
	uint64_t t_exit;       /* stats_ticks() at stats_exit_begin() */
	int pending_device;    /* device of the exit being handled, charged at its end */
	unsigned last_slot;    /* access[] slot of the previous exit: a cheap first guess */
	uint64_t exits;	       /* all exits recorded */
	bool marker_seen;
	uint64_t exits_at_marker;
	struct stats_timer reason[STATS_MAX_REASONS + 1]; /* last: others */
	struct stats_timer device[BUS_MAX_DEVICES + 1];	  /* last: unclaimed */
	struct stats_access access[STATS_ACCESS_SLOTS];
	uint64_t access_overflow; /* accesses whose key found no free slot */

	/* Counters the provider keeps itself (KVM binary stats). */
	const char *provider; /* "kvm", "soft", or NULL when not read */
	struct stats_counter counter[STATS_MAX_PROVIDER_COUNTERS];
	unsigned nr_counters;

	/* Clock calibration: ticks and CLOCK_MONOTONIC at init and at report. */
	uint64_t tick0;
	uint64_t ns0;
};

/*
 * Parse the argument of --stats (NULL for a bare --stats = text).
 * Accepts "text", "json", "json:PATH". Returns 0, or -1 on anything else.
 */
int stats_parse_option(const char *arg, struct stats_options *out);

/* Zero the tables and start the clock. bus may be NULL (no device names). */
void stats_init(struct stats *st, const struct bus *bus);

/* The cheap timestamp used on the exit path (TSC ticks). */
static inline uint64_t stats_ticks(void)
{
	return __builtin_ia32_rdtsc();
}

/* Call right after KVM_RUN returns. */
static inline void stats_exit_begin(struct stats *st)
{
	st->t_exit = stats_ticks();
}

/*
 * Record one IO (space BUS_PIO) or MMIO (BUS_MMIO) exit after the bus
 * handled it: `count` elements of `size` bytes (count > 1 for a rep
 * ins/outs, 1 otherwise), `data` the first element (may be NULL),
 * `device` what bus_dispatch() returned (range index or -1). The time
 * from stats_exit_begin() to stats_record_exit() is charged to the device.
 */
void stats_record_io(struct stats *st, enum bus_space space, uint64_t addr, unsigned size,
		     bool is_write, uint32_t count, const uint8_t *data, int device);

/*
 * Record the end of handling one exit of KVM reason `reason`
 * (KVM_EXIT_*); the time since stats_exit_begin() is charged to it and,
 * for an IO/MMIO exit, to the device stats_record_io() named.
 */
void stats_record_exit(struct stats *st, uint32_t reason);

/* Add or overwrite a provider counter (used by src/vcpu/kvm_stats.c). */
void stats_set_counter(struct stats *st, const char *name, uint64_t value);

/* Nanoseconds for a number of ticks, from the calibration so far. */
uint64_t stats_ticks_to_ns(const struct stats *st, uint64_t ticks);

/* Human-readable tables. */
void stats_print_text(const struct stats *st, FILE *out);

/* JSON (schema "minivmm-stats/1", documented in man/minivmm.1). */
void stats_print_json(const struct stats *st, FILE *out);

/*
 * What --stats asked for: text to stderr, JSON to stderr, or JSON to
 * opt->path. Returns 0, or -errno when the file could not be written.
 */
int stats_report(const struct stats *st, const struct stats_options *opt);

#endif
