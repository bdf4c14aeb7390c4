/* SPDX-License-Identifier: MIT */
/*
 * A disk as the command line names it, -d PATH[,ro][,name=NAME][,sector=N],
 * and the raw image behind it, opened and locked the same way for every
 * device that serves disks (virtio-blk, Solo5 hvt block hypercalls).
 */
#ifndef MINIVMM_DISK_SPEC_H
#define MINIVMM_DISK_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#define DISK_PATH_MAX 4096
#define DISK_NAME_MAX 67 /* characters: Solo5's manifest names */
#define DISK_SECTOR_DEFAULT 512U
#define DISK_SECTOR_MAX 32768U /* Solo5's manifest keeps the block size in 16 bits */

struct disk_spec {
	char path[DISK_PATH_MAX];
	bool ro;
	char name[DISK_NAME_MAX + 1]; /* "" when not given */
	uint32_t sector;	      /* 0 when not given */
};

/*
 * Parse one -d argument: the path runs to the first comma, options follow
 * (ro, rw, name=NAME with 1..67 letters and digits, sector=N a power of
 * two in 512..32768). 0, or -1 with one line in err (without "minivmm: ").
 */
int disk_spec_parse(const char *arg, struct disk_spec *spec, char *err, size_t err_len);

/* The logical block size: sector= or 512. */
uint32_t disk_spec_sector(const struct disk_spec *spec);

/*
 * Open PATH (read-write, or read-only when ro) and lock it with
 * flock(LOCK_EX|LOCK_NB) (LOCK_SH for ro): two VMs never write one image.
 * Returns the fd with *size and *st filled, or -errno (-EWOULDBLOCK: locked
 * by another process; -EINVAL: neither a regular file nor a block device).
 */
int disk_image_open(const char *path, bool ro, uint64_t *size, struct stat *st);

/* A one-line reason for disk_image_open()'s error. */
const char *disk_image_error(int err);

#endif
