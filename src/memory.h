/* SPDX-License-Identifier: MIT */
/*
 * Guest physical memory: one anonymous mapping per RAM region, and the one
 * checked accessor through which every guest-physical address is turned
 * into a host pointer. Nothing else in the VMM computes host pointers
 * from guest addresses.
 */
#ifndef MINIVMM_MEMORY_H
#define MINIVMM_MEMORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GUEST_MEM_MAX_REGIONS 4

/* Start of the 32-bit MMIO hole; RAM above it continues at 4 GiB. */
#define GUEST_MMIO_HOLE_START 0xc0000000ULL
#define GUEST_HIGH_RAM_START 0x100000000ULL

struct guest_region {
	uint64_t gpa;  /* first guest-physical byte */
	uint64_t size; /* bytes, multiple of the page size */
	uint8_t *host; /* host mapping of gpa */
	bool owned;    /* mapped by guest_mem_init(), unmapped on destroy */
};

/* A guest-physical range [gpa, gpa + size). */
struct guest_range {
	uint64_t gpa, size;
};

struct guest_mem {
	struct guest_region region[GUEST_MEM_MAX_REGIONS];
	unsigned nr_regions;
	uint64_t ram_size; /* total RAM bytes over all regions */
};

/*
 * Map ram_size bytes of guest RAM (MAP_NORESERVE anonymous memory):
 * [0, min(ram_size, hole)) and, for the rest, [4 GiB, ...).
 * Returns 0 or -errno.
 */
int guest_mem_init(struct guest_mem *mem, uint64_t ram_size);

/* Build a guest_mem over caller-owned host buffers (tests). */
int guest_mem_add_region(struct guest_mem *mem, uint64_t gpa, uint64_t size, void *host);

void guest_mem_destroy(struct guest_mem *mem);

/*
 * The checked accessor: host pointer for [gpa, gpa + len) if that whole
 * range lies inside one RAM region and gpa + len does not overflow;
 * NULL otherwise. len == 0 is valid when gpa itself is inside RAM or at
 * the end of a region.
 */
void *guest_mem_ptr(const struct guest_mem *mem, uint64_t gpa, uint64_t len);

/* Copy helpers built on guest_mem_ptr(); return 0 or -EFAULT. */
int guest_mem_read(const struct guest_mem *mem, uint64_t gpa, void *dst, size_t len);
int guest_mem_write(const struct guest_mem *mem, uint64_t gpa, const void *src, size_t len);

#endif
