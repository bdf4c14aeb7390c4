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
 * This module is a leaf: it knows neither the bus nor KVM. Device indexes
 * and exit-reason codes are plain numbers; what they are called is handed
 * over as data by the VM (stats_name_device(), stats_name_reason(),
 * stats_set_counter(), stats_set_provider()) before a report is printed.
 *
 * Use from the run loop, for every exit:
 *
 *	stats_exit_begin(st);                   right after KVM_RUN returns
 *	dev = bus_dispatch(...);                (n times for a rep string)
 *	stats_record_io(st, STATS_PIO, port, size, is_write, count, data, dev);
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

#define STATS_MARKER_PORT 0x80
#define STATS_MARKER_VALUE 0xa5

/* KVM_EXIT_* codes below this are counted one by one, others together. */
#define STATS_MAX_REASONS 64
/* Device indexes (the bus's range indexes) below this are timed one by one. */
#define STATS_MAX_DEVICES 64
/* Distinct (space, address, size, direction) keys; the rest are lumped. */
#define STATS_ACCESS_SLOTS 1024
/* Counters read from the provider (KVM_GET_STATS_FD). */
#define STATS_MAX_PROVIDER_COUNTERS 128
#define STATS_COUNTER_NAME_LEN 48
/* Interrupt lines (GSIs) counted: the IOAPIC's 24 pins, 0-15 also the PICs'. */
#define STATS_MAX_IRQS 24

enum stats_format { STATS_OFF, STATS_TEXT, STATS_JSON };

/* Port I/O or MMIO. */
enum stats_space { STATS_PIO, STATS_MMIO };

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
	uint8_t space; /* enum stats_space */
	uint8_t size;  /* bytes per element: 1, 2, 4 or 8 */
	uint8_t is_write;
	int16_t device;		  /* device index, or -1 for unclaimed */
	uint64_t exits;		  /* exits (a rep ins/outs is one) */
	uint64_t items;		  /* elements transferred (a rep of n is n) */
	uint64_t exits_at_marker; /* values when the marker was written */
	uint64_t items_at_marker;
};

struct stats_counter {
	char name[STATS_COUNTER_NAME_LEN];
	uint64_t value;
};

/* What a device index stands for in the reports. */
struct stats_device {
	const char *name; /* NULL: not named */
	uint64_t base;	  /* first port or address, for the offset column */
};

struct stats {
	uint64_t t_exit;    /* stats_ticks() at stats_exit_begin() */
	int pending_device; /* device of the exit being handled, charged at its end */
	unsigned last_slot; /* access[] slot of the previous exit: a cheap first guess */
	uint64_t exits;	    /* all exits recorded */
	bool marker_seen;
	uint64_t exits_at_marker;
	struct stats_timer reason[STATS_MAX_REASONS + 1]; /* last: others */
	struct stats_timer device[STATS_MAX_DEVICES + 1]; /* last: unclaimed */
	struct stats_access access[STATS_ACCESS_SLOTS];
	uint64_t access_overflow; /* accesses whose key found no free slot */

	/* Names handed over by the VM, read only when printing. */
	struct stats_device device_label[STATS_MAX_DEVICES];
	const char *reason_name[STATS_MAX_REASONS]; /* NULL: "UNKNOWN" */

	/* Counters the provider keeps itself (KVM binary stats). */
	const char *provider; /* "kvm", "soft", or NULL when not read */
	struct stats_counter counter[STATS_MAX_PROVIDER_COUNTERS];
	unsigned nr_counters;

	/* Times each interrupt line was raised by a device (handed over by the VM). */
	uint64_t irq_raised[STATS_MAX_IRQS];

	/* Clock calibration: ticks and CLOCK_MONOTONIC at init and at report. */
	uint64_t tick0;
	uint64_t ns0;
};

/*
 * Parse the argument of --stats (NULL for a bare --stats = text).
 * Accepts "text", "json", "json:PATH". Returns 0, or -1 on anything else.
 */
int stats_parse_option(const char *arg, struct stats_options *out);

/* Zero the tables and start the clock. */
void stats_init(struct stats *st);

/* Name device index `index` (ignored when out of range); name must outlive st. */
void stats_name_device(struct stats *st, unsigned index, const char *name, uint64_t base);

/* Name exit reason `code` ("IO", "HLT", ...; ignored when out of range). */
void stats_name_reason(struct stats *st, unsigned code, const char *name);

/* Which provider kept the counters of stats_set_counter() ("kvm", "soft"). */
void stats_set_provider(struct stats *st, const char *name);

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
 * Record one IO (space STATS_PIO) or MMIO (STATS_MMIO) exit after the bus
 * handled it: `count` elements of `size` bytes (count > 1 for a rep
 * ins/outs, 1 otherwise), `data` the first element (may be NULL),
 * `device` the index of the device that claimed it, or -1. The time from
 * stats_exit_begin() to stats_record_exit() is charged to the device.
 */
void stats_record_io(struct stats *st, enum stats_space space, uint64_t addr, unsigned size,
		     bool is_write, uint32_t count, const uint8_t *data, int device);

/*
 * Record the end of handling one exit of KVM reason `reason`
 * (KVM_EXIT_*); the time since stats_exit_begin() is charged to it and,
 * for an IO/MMIO exit, to the device stats_record_io() named.
 */
void stats_record_exit(struct stats *st, uint32_t reason);

/* Add or overwrite a provider counter (the VM hands over what src/vcpu/kvm_stats.c read). */
void stats_set_counter(struct stats *st, const char *name, uint64_t value);

/* How often devices raised interrupt line gsi (ignored when out of range). */
void stats_set_irq(struct stats *st, unsigned gsi, uint64_t raised);

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

/*
 * The same in two steps, for a VMM that may open nothing once the guest
 * runs (the sandbox): where the report goes (stderr, or the json:PATH file
 * created now), NULL with errno if it cannot be opened; then the report,
 * which closes a file (not stderr). Returns 0 or -errno.
 */
FILE *stats_output_open(const struct stats_options *opt);
int stats_report_to(const struct stats *st, const struct stats_options *opt, FILE *out);

#endif
