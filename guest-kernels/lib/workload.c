// SPDX-License-Identifier: MIT
/* The shared architecture workload (workload.h says what it computes and prints). */
#include "workload.h"
#include "bootinfo.h"
#include "printf.h"

#define WORDS_PER_RECORD (WL_RECORD_BYTES / 8)

static void say(const struct wl_io *io, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void say(const struct wl_io *io, const char *fmt, ...)
{
	char line[128];
	va_list ap;

	va_start(ap, fmt);
	kvsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	io->print(io->ctx, line);
}

/* One key: 0 (absent keys keep *v), or -1 after saying what is wrong. */
static int get(const char *cmdline, const char *key, uint64_t *v, const struct wl_io *io)
{
	int rc = cmdline_get_u64(cmdline, key, v);

	if (rc == -2) {
		say(io, "workload: malformed %s= on the command line\n", key);
		return -1;
	}
	return 0;
}

int wl_parse(const char *cmdline, struct wl_params *p, const struct wl_io *io)
{
	uint64_t out = UINT64_MAX;

	p->records = 64;
	p->every = 16;
	p->in = 0;
	if (get(cmdline, "workload.records", &p->records, io) ||
	    get(cmdline, "workload.every", &p->every, io) ||
	    get(cmdline, "workload.in", &p->in, io) || get(cmdline, "workload.out", &out, io))
		return WL_ERR_ARGS;
	if (p->records == 0 || p->records > WL_MAX_RECORDS || p->in > UINT64_MAX / 2) {
		say(io, "workload: records must be 1..%u\n", WL_MAX_RECORDS);
		return WL_ERR_ARGS;
	}
	p->out = out == UINT64_MAX ? p->in + p->records : out;
	/* Two areas of `records` sectors overlap unless one ends before the other starts. */
	if (p->out > UINT64_MAX / 2 ||
	    (p->out < p->in + p->records && p->in < p->out + p->records)) {
		say(io, "workload: the output area overlaps the input area\n");
		return WL_ERR_ARGS;
	}
	return 0;
}

static uint64_t rotl64(uint64_t v, unsigned n)
{
	return (v << n) | (v >> (64 - n));
}

void wl_transform(uint64_t index, void *rec, uint64_t *sum)
{
	uint64_t *w = rec, key = (index + 1) * 0x9e3779b97f4a7c15ull, h = *sum;

	for (unsigned j = 0; j < WORDS_PER_RECORD; j++) {
		w[j] = rotl64(w[j], 17) ^ key ^ j;
		h = (h ^ w[j]) * 0x100000001b3ull;
	}
	*sum = h;
}

int wl_run(const struct wl_io *io, const struct wl_params *p, uint64_t *sum)
{
	static uint64_t rec[WORDS_PER_RECORD];

	*sum = WL_FNV_INIT;
	say(io, "workload: records=%lu every=%lu in=%lu out=%lu\n", (unsigned long)p->records,
	    (unsigned long)p->every, (unsigned long)p->in, (unsigned long)p->out);
	for (uint64_t i = 0; i < p->records; i++) {
		if (io->read(io->ctx, p->in + i, rec, 1)) {
			say(io, "workload: reading record %lu failed\n", (unsigned long)i);
			return WL_ERR_IO;
		}
		wl_transform(i, rec, sum);
		if (io->write(io->ctx, p->out + i, rec, 1)) {
			say(io, "workload: writing record %lu failed\n", (unsigned long)i);
			return WL_ERR_IO;
		}
		if (p->every && (i + 1) % p->every == 0 && i + 1 < p->records)
			say(io, "workload: %lu/%lu records, checksum %016lx\n",
			    (unsigned long)(i + 1), (unsigned long)p->records, (unsigned long)*sum);
	}
	say(io, "workload: done %lu records, checksum %016lx\n", (unsigned long)p->records,
	    (unsigned long)*sum);
	return 0;
}
