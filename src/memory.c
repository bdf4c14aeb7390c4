// SPDX-License-Identifier: MIT
/* Guest RAM mapping and the checked guest-physical accessor. */
#include "memory.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>

int guest_mem_add_region(struct guest_mem *mem, uint64_t gpa, uint64_t size, void *host)
{
	if (mem->nr_regions >= GUEST_MEM_MAX_REGIONS || size == 0 || gpa + size < gpa)
		return -EINVAL;
	mem->region[mem->nr_regions++] = (struct guest_region){ gpa, size, host, false };
	mem->ram_size += size;
	return 0;
}

/* The size of a host huge page (a PMD on x86-64) */
#define HUGE_2M (2ULL << 20)

/*
 * Anonymous memory starting on a 2 MiB boundary, so that transparent huge
 * pages can back all of it: a mapping that is not aligned gets 4 KiB pages
 * at its edges at best. Over-allocate, then give back the unaligned head
 * and tail.
 */
static void *map_aligned(uint64_t size)
{
	uint8_t *p = mmap(NULL, size + HUGE_2M, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	uint64_t head, tail;

	if (p == MAP_FAILED)
		return p;
	head = (HUGE_2M - ((uintptr_t)p & (HUGE_2M - 1))) & (HUGE_2M - 1);
	tail = HUGE_2M - head;
	if (head)
		munmap(p, head);
	munmap(p + head + size, tail);
	return p + head;
}

static int map_region(struct guest_mem *mem, uint64_t gpa, uint64_t size)
{
	int rc;
	void *p = map_aligned(size);

	if (p == MAP_FAILED)
		return -errno;
	/* Guest RAM is big and mostly untouched: keep it out of core dumps. */
	madvise(p, size, MADV_DONTDUMP);
	/*
	 * Huge pages, as QEMU asks for guest RAM: a guest touching its memory
	 * takes one host fault per 2 MiB instead of 512 (a Linux boot touches
	 * most of it), and the soft CPU's and KVM's accesses miss the host TLB
	 * less. Advice only: with THP off ("never") it changes nothing.
	 */
	madvise(p, size, MADV_HUGEPAGE);
	rc = guest_mem_add_region(mem, gpa, size, p);
	if (rc) {
		munmap(p, size);
		return rc;
	}
	mem->region[mem->nr_regions - 1].owned = true;
	return 0;
}

int guest_mem_init(struct guest_mem *mem, uint64_t ram_size)
{
	uint64_t low = ram_size < GUEST_MMIO_HOLE_START ? ram_size : GUEST_MMIO_HOLE_START;
	int rc;

	memset(mem, 0, sizeof(*mem));
	if (ram_size == 0 || (ram_size & 0xfff))
		return -EINVAL;
	rc = map_region(mem, 0, low);
	if (rc == 0 && ram_size > low)
		rc = map_region(mem, GUEST_HIGH_RAM_START, ram_size - low);
	if (rc)
		guest_mem_destroy(mem);
	return rc;
}

void guest_mem_destroy(struct guest_mem *mem)
{
	for (unsigned i = 0; i < mem->nr_regions; i++)
		if (mem->region[i].owned)
			munmap(mem->region[i].host, mem->region[i].size);
	memset(mem, 0, sizeof(*mem));
}

void *guest_mem_ptr(const struct guest_mem *mem, uint64_t gpa, uint64_t len)
{
	for (unsigned i = 0; i < mem->nr_regions; i++) {
		const struct guest_region *r = &mem->region[i];
		uint64_t off;

		if (gpa < r->gpa)
			continue;
		off = gpa - r->gpa;
		/* Written so that no sum can overflow: off <= size, len <= size - off. */
		if (off > r->size || len > r->size - off)
			continue;
		return r->host + off;
	}
	return NULL;
}

int guest_mem_read(const struct guest_mem *mem, uint64_t gpa, void *dst, size_t len)
{
	const void *p = guest_mem_ptr(mem, gpa, len);

	if (!p)
		return -EFAULT;
	memcpy(dst, p, len);
	return 0;
}

int guest_mem_write(const struct guest_mem *mem, uint64_t gpa, const void *src, size_t len)
{
	void *p = guest_mem_ptr(mem, gpa, len);

	if (!p)
		return -EFAULT;
	memcpy(p, src, len);
	return 0;
}
