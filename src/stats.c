// SPDX-License-Identifier: MIT
/*
 * Exit accounting (see stats.h). The record functions run on every exit:
 * they only index fixed arrays inside struct stats. Everything that sorts,
 * formats or calibrates the clock happens once, when the VM has stopped.
 */
#include "stats.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Linear probing gives up after this many slots: the key is lumped. */
#define STATS_MAX_PROBE 32
/* pending_device when the exit being handled made no access (HLT, ...). */
#define NO_DEVICE (-2)

int stats_parse_option(const char *arg, struct stats_options *out)
{
	out->path = NULL;
	if (!arg || strcmp(arg, "text") == 0) {
		out->format = STATS_TEXT;
		return 0;
	}
	if (strcmp(arg, "json") == 0) {
		out->format = STATS_JSON;
		return 0;
	}
	if (strncmp(arg, "json:", 5) == 0 && arg[5] != '\0') {
		out->format = STATS_JSON;
		out->path = arg + 5;
		return 0;
	}
	return -1;
}

static uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

void stats_init(struct stats *st)
{
	memset(st, 0, sizeof(*st));
	st->pending_device = NO_DEVICE;
	st->ns0 = monotonic_ns();
	st->tick0 = stats_ticks();
}

static void timer_add(struct stats_timer *t, uint64_t ticks)
{
	t->count++;
	t->total += ticks;
	if (ticks > t->max)
		t->max = ticks;
}

void stats_name_device(struct stats *st, unsigned index, const char *name, uint64_t base)
{
	if (index < STATS_MAX_DEVICES)
		st->device_label[index] = (struct stats_device){.name = name, .base = base};
}

void stats_name_reason(struct stats *st, unsigned code, const char *name)
{
	if (code < STATS_MAX_REASONS)
		st->reason_name[code] = name;
}

void stats_set_provider(struct stats *st, const char *name)
{
	st->provider = name;
}

static unsigned access_kind(enum stats_space space, unsigned size, bool is_write)
{
	return (unsigned)space | (unsigned)is_write << 1 | size << 2;
}

static unsigned access_hash(uint64_t addr, unsigned kind)
{
	uint64_t k = (addr ^ (uint64_t)kind << 56) * 0x9e3779b97f4a7c15ULL;

	return (unsigned)(k >> 40) & (STATS_ACCESS_SLOTS - 1);
}

/* The slot for this key, claimed if new; NULL when the probe is exhausted. */
static struct stats_access *access_slot(struct stats *st, enum stats_space space, uint64_t addr,
					unsigned size, bool is_write, int device)
{
	unsigned kind = access_kind(space, size, is_write);
	unsigned i = st->last_slot;

	/* Exits come in runs (a UART line, a polling loop): try the last slot first. */
	if (st->access[i].addr == addr && st->access[i].kind == kind)
		return &st->access[i];
	i = access_hash(addr, kind);
	for (unsigned n = 0; n < STATS_MAX_PROBE; n++, i = (i + 1) & (STATS_ACCESS_SLOTS - 1)) {
		struct stats_access *a = &st->access[i];

		if (!a->kind) {
			a->kind = (uint8_t)kind;
			a->space = (uint8_t)space;
			a->addr = addr;
			a->size = (uint8_t)size;
			a->is_write = is_write;
			a->device = (int16_t)device;
		} else if (a->addr != addr || a->kind != kind) {
			continue;
		}
		st->last_slot = i;
		return a;
	}
	return NULL;
}

/* The guest's marker: from here on both sides of a QEMU comparison count. */
static void take_marker(struct stats *st)
{
	st->marker_seen = true;
	st->exits_at_marker = st->exits;
	for (unsigned i = 0; i < STATS_ACCESS_SLOTS; i++) {
		st->access[i].exits_at_marker = st->access[i].exits;
		st->access[i].items_at_marker = st->access[i].items;
	}
}

void stats_record_io(struct stats *st, enum stats_space space, uint64_t addr, unsigned size,
		     bool is_write, uint32_t count, const uint8_t *data, int device)
{
	struct stats_access *a;

	if (!st->marker_seen && space == STATS_PIO && addr == STATS_MARKER_PORT && is_write &&
	    size == 1 && data && data[0] == STATS_MARKER_VALUE)
		take_marker(st);

	if (device < 0 || device >= STATS_MAX_DEVICES)
		device = -1;
	st->pending_device = device < 0 ? STATS_MAX_DEVICES : device;

	a = access_slot(st, space, addr, size, is_write, device);
	if (!a) {
		st->access_overflow++;
		return;
	}
	a->exits++;
	a->items += count ? count : 1;
}

void stats_record_exit(struct stats *st, uint32_t reason)
{
	uint64_t ticks = stats_ticks() - st->t_exit;

	st->exits++;
	timer_add(&st->reason[reason < STATS_MAX_REASONS ? reason : STATS_MAX_REASONS], ticks);
	if (st->pending_device != NO_DEVICE) {
		timer_add(&st->device[st->pending_device], ticks);
		st->pending_device = NO_DEVICE;
	}
}

void stats_set_irq(struct stats *st, unsigned gsi, uint64_t raised)
{
	if (gsi < STATS_MAX_IRQS)
		st->irq_raised[gsi] = raised;
}

void stats_set_counter(struct stats *st, const char *name, uint64_t value)
{
	struct stats_counter *c;

	for (unsigned i = 0; i < st->nr_counters; i++) {
		if (strncmp(st->counter[i].name, name, STATS_COUNTER_NAME_LEN - 1) == 0) {
			st->counter[i].value = value;
			return;
		}
	}
	if (st->nr_counters >= STATS_MAX_PROVIDER_COUNTERS)
		return;
	c = &st->counter[st->nr_counters++];
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->value = value;
}

/* ns per tick from the interval since stats_init() (at least ~1 ms of it). */
static double ns_per_tick(const struct stats *st)
{
	uint64_t ns, ticks;

	do {
		ns = monotonic_ns() - st->ns0;
		ticks = stats_ticks() - st->tick0;
	} while (ns < 1000000);
	return ticks ? (double)ns / (double)ticks : 0.0;
}

uint64_t stats_ticks_to_ns(const struct stats *st, uint64_t ticks)
{
	return (uint64_t)((double)ticks * ns_per_tick(st) + 0.5);
}

static const char *device_name(const struct stats *st, int device)
{
	if (device < 0)
		return "unclaimed";
	if (device < STATS_MAX_DEVICES && st->device_label[device].name)
		return st->device_label[device].name;
	return "?";
}

static uint64_t device_offset(const struct stats *st, const struct stats_access *a)
{
	if (a->device >= 0 && a->device < STATS_MAX_DEVICES && st->device_label[a->device].name)
		return a->addr - st->device_label[a->device].base;
	return 0;
}

static const char *reason_name(const struct stats *st, unsigned r)
{
	if (r >= STATS_MAX_REASONS)
		return "OTHER";
	return st->reason_name[r] ? st->reason_name[r] : "UNKNOWN";
}

static int cmp_access(const void *pa, const void *pb)
{
	const struct stats_access *a = *(const struct stats_access *const *)pa;
	const struct stats_access *b = *(const struct stats_access *const *)pb;

	if (a->space != b->space)
		return a->space < b->space ? -1 : 1;
	if (a->addr != b->addr)
		return a->addr < b->addr ? -1 : 1;
	if (a->is_write != b->is_write)
		return a->is_write < b->is_write ? -1 : 1;
	if (a->size != b->size)
		return a->size < b->size ? -1 : 1;
	return 0;
}

/* Used slots in (space, address, direction, size) order; returns how many. */
static unsigned sorted_accesses(const struct stats *st, const struct stats_access **out)
{
	unsigned n = 0;

	for (unsigned i = 0; i < STATS_ACCESS_SLOTS; i++)
		if (st->access[i].kind)
			out[n++] = &st->access[i];
	qsort(out, n, sizeof(*out), cmp_access);
	return n;
}

static uint64_t since_marker_exits(const struct stats *st, const struct stats_access *a)
{
	return st->marker_seen ? a->exits - a->exits_at_marker : 0;
}

static uint64_t since_marker_items(const struct stats *st, const struct stats_access *a)
{
	return st->marker_seen ? a->items - a->items_at_marker : 0;
}

static void print_timer_row(FILE *out, const char *name, const struct stats_timer *t, double npt)
{
	fprintf(out, "  %-16s %10llu %12.1f %10.1f %9.0f\n", name, (unsigned long long)t->count,
		(double)t->total * npt / 1000.0, (double)t->max * npt / 1000.0,
		t->count ? (double)t->total * npt / (double)t->count : 0.0);
}

void stats_print_text(const struct stats *st, FILE *out)
{
	const struct stats_access *acc[STATS_ACCESS_SLOTS];
	double npt = ns_per_tick(st);
	unsigned n;

	fprintf(out, "minivmm exit statistics: %llu exits", (unsigned long long)st->exits);
	if (st->marker_seen)
		fprintf(out, ", %llu before the guest's marker (0x%x to port 0x%x)",
			(unsigned long long)st->exits_at_marker, STATS_MARKER_VALUE,
			STATS_MARKER_PORT);
	fprintf(out, "\n\n  %-16s %10s %12s %10s %9s\n", "exit reason", "count", "total us",
		"max us", "avg ns");
	for (unsigned r = 0; r <= STATS_MAX_REASONS; r++)
		if (st->reason[r].count)
			print_timer_row(out, reason_name(st, r), &st->reason[r], npt);

	fprintf(out, "\n  %-16s %10s %12s %10s %9s\n", "device", "count", "total us", "max us",
		"avg ns");
	for (int d = 0; d <= STATS_MAX_DEVICES; d++)
		if (st->device[d].count)
			print_timer_row(out, device_name(st, d == STATS_MAX_DEVICES ? -1 : d),
					&st->device[d], npt);

	fprintf(out, "\n  %-4s %-12s %-12s %8s %-5s %4s %10s %10s %12s\n", "bus", "address",
		"device", "offset", "dir", "size", "exits", "items", "from marker");
	n = sorted_accesses(st, acc);
	for (unsigned i = 0; i < n; i++) {
		const struct stats_access *a = acc[i];

		fprintf(out, "  %-4s 0x%-10llx %-12s %#8llx %-5s %4u %10llu %10llu %12llu\n",
			a->space == STATS_PIO ? "pio" : "mmio", (unsigned long long)a->addr,
			device_name(st, a->device), (unsigned long long)device_offset(st, a),
			a->is_write ? "write" : "read", a->size, (unsigned long long)a->exits,
			(unsigned long long)a->items,
			(unsigned long long)since_marker_exits(st, a));
	}
	if (st->access_overflow)
		fprintf(out, "  (%llu accesses to further addresses not itemised)\n",
			(unsigned long long)st->access_overflow);

	for (unsigned g = 0, first = 1; g < STATS_MAX_IRQS; g++) {
		if (!st->irq_raised[g])
			continue;
		if (first)
			fprintf(out, "\n  %-16s %10s\n", "interrupt line", "raised");
		first = 0;
		fprintf(out, "  irq %-12u %10llu\n", g, (unsigned long long)st->irq_raised[g]);
	}

	if (st->provider && st->nr_counters) {
		unsigned zero = 0;

		fprintf(out, "\n  counters kept by the %s provider (KVM_GET_STATS_FD):\n",
			st->provider);
		for (unsigned i = 0; i < st->nr_counters; i++) {
			if (!st->counter[i].value) {
				zero++;
				continue;
			}
			fprintf(out, "  %-32s %14llu\n", st->counter[i].name,
				(unsigned long long)st->counter[i].value);
		}
		if (zero)
			fprintf(out, "  (%u more are zero; --stats=json lists them all)\n", zero);
	}
}

/* Device and counter names come from our own code, but escape anyway. */
static void json_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c < 0x20)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

static void json_timer(FILE *out, const struct stats_timer *t, double npt)
{
	fprintf(out, "\"count\": %llu, \"total_ns\": %.0f, \"max_ns\": %.0f",
		(unsigned long long)t->count, (double)t->total * npt, (double)t->max * npt);
}

void stats_print_json(const struct stats *st, FILE *out)
{
	const struct stats_access *acc[STATS_ACCESS_SLOTS];
	double npt = ns_per_tick(st);
	const char *sep = "";
	unsigned n;

	fprintf(out, "{\n  \"schema\": \"minivmm-stats/1\",\n  \"provider\": ");
	if (st->provider)
		json_string(out, st->provider);
	else
		fputs("null", out);
	fprintf(out,
		",\n  \"exits\": %llu,\n  \"marker_seen\": %s,\n"
		"  \"exits_before_marker\": %llu,\n  \"reasons\": [",
		(unsigned long long)st->exits, st->marker_seen ? "true" : "false",
		(unsigned long long)st->exits_at_marker);
	for (unsigned r = 0; r <= STATS_MAX_REASONS; r++) {
		if (!st->reason[r].count)
			continue;
		fprintf(out, "%s\n    {\"reason\": ", sep);
		json_string(out, reason_name(st, r));
		fprintf(out, ", \"code\": %d, ", r < STATS_MAX_REASONS ? (int)r : -1);
		json_timer(out, &st->reason[r], npt);
		fputc('}', out);
		sep = ",";
	}
	fprintf(out, "\n  ],\n  \"devices\": [");
	sep = "";
	for (int d = 0; d <= STATS_MAX_DEVICES; d++) {
		if (!st->device[d].count)
			continue;
		fprintf(out, "%s\n    {\"device\": ", sep);
		json_string(out, device_name(st, d == STATS_MAX_DEVICES ? -1 : d));
		fputs(", ", out);
		json_timer(out, &st->device[d], npt);
		fputc('}', out);
		sep = ",";
	}
	fprintf(out, "\n  ],\n  \"accesses\": [");
	sep = "";
	n = sorted_accesses(st, acc);
	for (unsigned i = 0; i < n; i++) {
		const struct stats_access *a = acc[i];

		fprintf(out, "%s\n    {\"space\": \"%s\", \"addr\": %llu, \"device\": ", sep,
			a->space == STATS_PIO ? "pio" : "mmio", (unsigned long long)a->addr);
		json_string(out, device_name(st, a->device));
		fprintf(
		    out,
		    ", \"offset\": %llu, \"dir\": \"%s\", \"size\": %u, \"exits\": %llu, "
		    "\"items\": %llu, \"exits_from_marker\": %llu, \"items_from_marker\": %llu}",
		    (unsigned long long)device_offset(st, a), a->is_write ? "write" : "read",
		    a->size, (unsigned long long)a->exits, (unsigned long long)a->items,
		    (unsigned long long)since_marker_exits(st, a),
		    (unsigned long long)since_marker_items(st, a));
		sep = ",";
	}
	fprintf(out, "\n  ],\n  \"accesses_not_itemised\": %llu,\n  \"interrupt_lines\": [",
		(unsigned long long)st->access_overflow);
	sep = "";
	for (unsigned g = 0; g < STATS_MAX_IRQS; g++) {
		if (!st->irq_raised[g])
			continue;
		fprintf(out, "%s\n    {\"gsi\": %u, \"raised\": %llu}", sep, g,
			(unsigned long long)st->irq_raised[g]);
		sep = ",";
	}
	fprintf(out, "\n  ],\n  \"provider_counters\": {");
	sep = "";
	for (unsigned i = 0; i < st->nr_counters; i++) {
		fprintf(out, "%s\n    ", sep);
		json_string(out, st->counter[i].name);
		fprintf(out, ": %llu", (unsigned long long)st->counter[i].value);
		sep = ",";
	}
	fprintf(out, "\n  }\n}\n");
}

FILE *stats_output_open(const struct stats_options *opt)
{
	if (opt->format == STATS_JSON && opt->path)
		return fopen(opt->path, "w");
	return stderr;
}

int stats_report_to(const struct stats *st, const struct stats_options *opt, FILE *out)
{
	int err = 0;

	switch (opt->format) {
	case STATS_OFF:
		break;
	case STATS_TEXT:
		stats_print_text(st, out);
		break;
	case STATS_JSON:
		stats_print_json(st, out);
		break;
	}
	if (out == stderr)
		return 0;
	if (ferror(out))
		err = -EIO;
	if (fclose(out) != 0 && !err)
		err = -errno;
	return err;
}

int stats_report(const struct stats *st, const struct stats_options *opt)
{
	FILE *out;

	if (opt->format == STATS_OFF)
		return 0;
	out = stats_output_open(opt);
	if (!out)
		return -errno;
	return stats_report_to(st, opt, out);
}
