/* SPDX-License-Identifier: MIT */
/*
 * The Solo5 hvt boot protocol: an ELF64 with Solo5's "ABI1" note (target
 * hvt, version 2) and its application manifest ("MFT1" note), booted the
 * way Solo5's solo5-hvt tender boots it (see solo5_abi.h for the ABI).
 *
 * solo5_notes.c finds and validates the notes (untrusted input: a pure
 * parser, also a fuzz target); solo5_hvt.c loads the image and writes the
 * tender's GDT, page tables, boot info, manifest and command line.
 */
#ifndef MINIVMM_SOLO5_H
#define MINIVMM_SOLO5_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "abi/solo5_abi.h"

struct guest_mem;
struct boot_state;
struct elf_image;

/*
 * Parse the notes of an ELF file held in memory (bytes in, result out:
 * the fuzz target). Returns 1 for a valid Solo5 hvt image (*img filled),
 * 0 when the file carries no Solo5 note (another protocol's business),
 * -1 when it carries one that minivmm refuses (bad note, wrong target,
 * unknown ABI version, bad manifest), with one line in err.
 */
int solo5_parse_bytes(const uint8_t *data, size_t len, struct solo5_image *img, char *err,
		      size_t err_len);

/* The same for an open file (the loader's detector). */
int solo5_parse_fd(int fd, struct solo5_image *img, char *err, size_t err_len);

/*
 * Validate a manifest: the MFT1 note's content without Solo5's alignment
 * padding (len bytes). 0 and *img's entries filled, or -1 with err.
 */
int solo5_mft_parse(const void *content, size_t len, struct solo5_image *img, char *err,
		    size_t err_len);

const char *solo5_mft_type_name(uint32_t type);

/*
 * Load an hvt image from fd: PT_LOAD segments at or above 1 MiB, then the
 * tender's GDT, page tables, boot info, the manifest (img, with the
 * devices the VMM attached) and the command line; *boot gets hvt's 64-bit
 * entry state and its non-writable segments as read-only ranges (sorted,
 * page aligned, adjacent ones joined). The TSC
 * frequency is filled in later by solo5_hvt_set_tsc_hz(). -1 with err.
 */
int solo5_hvt_load(const struct guest_mem *mem, int fd, const struct solo5_image *img,
		   const char *cmdline, struct boot_state *boot, char *err, size_t err_len);

/*
 * Part of solo5_hvt_load(): boot->readonly gets the segments of elf without
 * PF_W, page-rounded up at their ends, sorted, adjacent ones joined. -1 with
 * err for a segment not starting on a page, W+X, or too many ranges.
 */
int solo5_hvt_readonly(const struct elf_image *elf, struct boot_state *boot, char *err,
		       size_t err_len);

/* Write cpu_cycle_freq into the boot info (once the vCPU exists). 0 or -1. */
int solo5_hvt_set_tsc_hz(const struct guest_mem *mem, uint64_t hz);

#endif
