/* SPDX-License-Identifier: MIT */
/*
 * The one workload every OS-architecture guest runs (mono, micro, exo and
 * the Solo5 unikernel uni), written once so that the only difference
 * between their numbers is the structure of the kernel underneath.
 *
 * What it does: read N records (one 512-byte sector each) from the input
 * area of the disk, transform each one, fold the result into a checksum,
 * write it to the output area, and print a progress line every M records.
 * It never touches a device itself: the kernel (or library OS) passes a
 * struct wl_io whose callbacks do the I/O in whatever way that design does
 * it (a system call, an IPC message to a file server, a disk block owned by
 * a library OS, a Solo5 hypercall).
 *
 * Command line (parsed like disktest's, keys may appear anywhere):
 *   workload.records=N  records to process (default 64, at most 1M)
 *   workload.every=M    a progress line every M records (default 16; 0: none)
 *   workload.in=S       first sector of the input area (default 0)
 *   workload.out=S      first sector of the output area (default in + N);
 *                       the two areas must not overlap
 *
 * Data, so that a host script can check the image independently
 * (guest-kernels/lib/workload.py implements this paragraph):
 *   A record is 64 little-endian 64-bit words. Input record i (0-based)
 *   holds whatever the host put there. Output record i word j is
 *     o = rotl64(w, 17) ^ ((i + 1) * 0x9e3779b97f4a7c15) ^ j   (mod 2^64)
 *   where w is input record i word j. The checksum is FNV-1a 64 over every
 *   output word in order: h = 0xcbf29ce484222325; h = (h ^ o) * 0x100000001b3.
 *
 * Output lines (each passed to io->print, newline included):
 *   "workload: records=N every=M in=S out=D\n"
 *   "workload: K/N records, checksum %016lx\n"     after every M records
 *                                                   (not after the last one)
 *   "workload: done N records, checksum %016lx\n"  at the end
 */
#ifndef GUEST_WORKLOAD_H
#define GUEST_WORKLOAD_H

#include <stddef.h>
#include <stdint.h>

#define WL_RECORD_BYTES 512u
#define WL_MAX_RECORDS (1u << 20)
#define WL_FNV_INIT 0xcbf29ce484222325ull

/* Errors wl_parse() and wl_run() return (0 is success). */
#define WL_ERR_ARGS (-1) /* malformed or inconsistent command line */
#define WL_ERR_IO (-2)	 /* a read or write callback failed */

/*
 * The block-device and console abstraction the workload runs on. read and
 * write move `count` whole records (sectors) between the disk and buf and
 * return 0 or a negative error; print writes a NUL-terminated text. ctx is
 * passed through unchanged.
 */
struct wl_io {
	void *ctx;
	int (*read)(void *ctx, uint64_t sector, void *buf, uint32_t count);
	int (*write)(void *ctx, uint64_t sector, const void *buf, uint32_t count);
	void (*print)(void *ctx, const char *text);
};

struct wl_params {
	uint64_t records, every, in, out;
};

/* Fill p from cmdline (defaults above). 0, or WL_ERR_ARGS with the reason printed through print. */
int wl_parse(const char *cmdline, struct wl_params *p, const struct wl_io *io);

/* Transform input record `index` (WL_RECORD_BYTES at rec) in place and fold it into *sum. */
void wl_transform(uint64_t index, void *rec, uint64_t *sum);

/*
 * Run the workload one record at a time: read, transform, write, and the
 * progress lines. *sum receives the checksum. 0, WL_ERR_IO (after printing
 * which record failed), or WL_ERR_ARGS.
 */
int wl_run(const struct wl_io *io, const struct wl_params *p, uint64_t *sum);

#endif
