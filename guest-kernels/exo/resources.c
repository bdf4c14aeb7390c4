// SPDX-License-Identifier: MIT
/*
 * exo's secure bindings: the kernel records who owns each physical page it
 * hands out and each disk block, checks ownership on every use, and does
 * nothing else with them. Which pages to cache blocks in, which blocks to
 * read ahead or write behind: that is each library OS's business.
 *
 * The disk driver is in the kernel (as in Aegis/XOK, which multiplexed the
 * disk itself): a block call is checked against the bindings and then
 * goes straight to the device, into the caller's own memory.
 */
#include "abi.h"
#include "bootinfo.h"
#include "exo.h"
#include "guest.h"
#include "kstring.h"
#include "virtio_blk.h"

#define FRAMES EXO_FRAMES
#define MAX_EXTENTS 16
#define NOBODY (-1)
#define PAGE 4096ul

struct frame {
	int owner; /* environment, or NOBODY */
	uint64_t va;
};

struct extent {
	uint64_t first, count;
	int owner;
};

static uint8_t frame_mem[FRAMES][PAGE] __attribute__((aligned(4096)));
static struct frame frames[FRAMES];
static struct extent extents[MAX_EXTENTS];
static unsigned nextents;
static struct vblk disk;

int res_init(const char *cmdline)
{
	uintptr_t base;
	uint64_t window;
	unsigned irq;

	for (unsigned i = 0; i < FRAMES; i++)
		frames[i].owner = NOBODY;
	if (vblk_find(cmdline, 0, &base, &window, &irq) || vblk_init(&disk, base, window, irq, 0))
		return -1;
	return 0;
}

static int frame_of(unsigned env, uint64_t va)
{
	for (unsigned i = 0; i < FRAMES; i++)
		if (frames[i].owner == (int)env && frames[i].va == va)
			return (int)i;
	return -1;
}

int64_t res_page_alloc(unsigned env, struct uspace *as, uint64_t va)
{
	if (va % PAGE || va < USER_BASE + as->mem_size || va >= EXO_PAGE_WINDOW_END ||
	    frame_of(env, va) >= 0)
		return E_INVAL;
	for (unsigned i = 0; i < FRAMES; i++) {
		if (frames[i].owner != NOBODY)
			continue;
		if (uspace_map_page(as, va, virt_to_phys(frame_mem[i])))
			return E_NOMEM;
		/* The previous owner's data must not reach the next one. */
		memset(frame_mem[i], 0, PAGE);
		frames[i] = (struct frame){(int)env, va};
		return (int64_t)i;
	}
	return E_NOMEM;
}

int64_t res_page_free(unsigned env, struct uspace *as, uint64_t va)
{
	int f = frame_of(env, va);

	if (f < 0)
		return E_PERM;
	uspace_unmap_page(as, va);
	frames[f].owner = NOBODY;
	return 0;
}

static int owner_of(uint64_t sector)
{
	for (unsigned i = 0; i < nextents; i++)
		if (sector - extents[i].first < extents[i].count)
			return extents[i].owner;
	return NOBODY;
}

int64_t res_block_bind(unsigned env, uint64_t first, uint64_t count)
{
	if (count == 0 || first + count < first || first + count > disk.capacity ||
	    nextents == MAX_EXTENTS)
		return E_INVAL;
	/* Two extents overlap unless one ends before the other starts. */
	for (unsigned i = 0; i < nextents; i++)
		if (first < extents[i].first + extents[i].count && extents[i].first < first + count)
			return E_PERM;
	extents[nextents++] = (struct extent){first, count, (int)env};
	return 0;
}

/* The kernel's pointer to len bytes at va: the caller's own memory, or one page it owns. */
static void *env_buffer(unsigned env, const struct uspace *as, uint64_t va, uint64_t len)
{
	void *p = uspace_ptr(as, va, len);
	int f;

	if (p)
		return p;
	f = frame_of(env, va & ~(PAGE - 1));
	if (f < 0 || (va & (PAGE - 1)) + len > PAGE)
		return NULL;
	return frame_mem[f] + (va & (PAGE - 1));
}

int64_t res_block_io(unsigned env, const struct uspace *as, int write, uint64_t first,
		     uint64_t count, uint64_t va)
{
	void *buf;
	int st;

	if (count == 0 || count > EXO_MAX_BLOCKS_PER_CALL || first + count < first)
		return E_INVAL;
	for (uint64_t s = first; s < first + count; s++)
		if (owner_of(s) != (int)env)
			return E_PERM;
	buf = env_buffer(env, as, va, count * 512);
	if (!buf)
		return E_FAULT;
	st = vblk_rw(&disk, write ? VIRTIO_BLK_T_OUT : VIRTIO_BLK_T_IN, first, buf,
		     (uint32_t)(count * 512));
	return st == VIRTIO_BLK_S_OK ? 0 : E_IO;
}

void res_release(unsigned env, struct uspace *as)
{
	unsigned kept = 0;

	for (unsigned i = 0; i < FRAMES; i++) {
		if (frames[i].owner != (int)env)
			continue;
		uspace_unmap_page(as, frames[i].va);
		frames[i].owner = NOBODY;
	}
	/* Drop its extents altogether: an extent left behind would still refuse overlapping binds.
	 */
	for (unsigned i = 0; i < nextents; i++)
		if (extents[i].owner != (int)env)
			extents[kept++] = extents[i];
	nextents = kept;
}
