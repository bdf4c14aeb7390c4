// SPDX-License-Identifier: MIT
/*
 * The decoded-code cache: struct insn records per guest-physical page
 * and decode mode, found through a small hash table. A page that holds
 * decoded code has its bit set in vm->code_bitmap, so that every write
 * to guest RAM (code_cache_note_write) can drop it cheaply: that is what
 * makes self-modifying code work. Dropped pages are only marked dead and
 * freed between instructions (cc_collect), because the handler that wrote
 * may be one of their records. Memory is bounded: past the limits the
 * whole cache is flushed and refills from what runs next.
 *
 * Writes the VMM makes to guest RAM (a device's DMA, e.g. virtio-blk
 * reading a program from disk over code that already ran) never pass
 * through the CPU. As with KVM, the guest must see them: each page keeps a
 * copy of the bytes it was decoded from, compared with guest RAM the first
 * time the page is entered after each return from userspace; a difference
 * drops the page. Only the span the page's records were decoded from
 * ([code_lo, code_hi)) is compared: bytes outside it back no record, so
 * their change cannot make a record stale, and a short loop that exits to
 * the VMM often (a UART driver) costs a compare of tens of bytes, not 4 KiB.
 */
#include <stdlib.h>
#include <string.h>

#include "vcpu/soft/exec.h"

#define CC_HASH 4096 /* two buckets per page the cache may hold */
/*
 * Past either limit the whole cache is dropped, and with it every block
 * the translator made from it: Debian's Linux decodes about 1900 pages
 * by /init, which the earlier 1024 made one full drop per boot.
 */
#define CC_MAX_PAGES 2048 /* 32 KiB of map each, plus their records */
#define CC_MAX_RECORDS (512 * 1024)
/*
 * Dead pages kept for reuse, with their snapshot and record chunks: a
 * boot that patches its text (Linux's alternatives) drops and remakes
 * pages by the ten thousand, and a fresh one cost a 32 KiB calloc (its
 * zeroing and the heap's page faults) and a malloc per 64 records.
 */
#define CC_SPARE 32

struct code_cache {
	struct cc_page *last; /* the page the previous lookup found */
	struct cc_page *hash[CC_HASH];
	struct cc_page *dead;
	struct cc_page *spare; /* reusable pages (dnext-linked), their maps all NULL */
	unsigned nspare;
	unsigned npages;
	unsigned nrec;
	uint64_t serial; /* pages made so far (cc_page.serial) */
};

static unsigned cc_hash(uint64_t key)
{
	return (unsigned)((key * 0x9e3779b97f4a7c15ULL) >> 52) & (CC_HASH - 1);
}

static void page_free(struct cc_page *pg)
{
	unsigned i;

	for (i = 0; i < 4096 / CC_CHUNK; i++)
		free(pg->chunk[i]);
	free(pg->snapshot);
	free(pg);
}

/*
 * A dead page to the spare list (its map cleared where records were: all
 * of them lie in [code_lo, code_hi)), or freed when the list is full.
 */
static void page_release(struct code_cache *cc, struct cc_page *pg)
{
	if (cc->nspare >= CC_SPARE) {
		page_free(pg);
		return;
	}
	if (pg->nrec)
		memset(&pg->map[pg->code_lo], 0, (size_t)(pg->code_hi - pg->code_lo) * sizeof(pg->map[0]));
	pg->dnext = cc->spare;
	cc->spare = pg;
	cc->nspare++;
}

/* A page with no records and no map entry: a spare one, or a new one. */
static struct cc_page *page_new(struct code_cache *cc)
{
	struct cc_page *pg = cc->spare;

	if (pg) {
		cc->spare = pg->dnext;
		cc->nspare--;
		pg->dead = false;
		pg->nrec = 0;
		pg->code_lo = pg->code_hi = 0;
		return pg;
	}
	pg = calloc(1, sizeof(*pg));
	if (pg && !(pg->snapshot = malloc(4096))) {
		free(pg);
		pg = NULL;
	}
	return pg;
}


static void bitmap_set(struct soft_vm *vm, uint64_t gpage, bool on)
{
	if (gpage >= vm->code_bitmap_pages)
		return;
	if (on)
		vm->code_bitmap[gpage >> 3] |= 1 << (gpage & 7);
	else
		vm->code_bitmap[gpage >> 3] &= ~(1 << (gpage & 7));
}

static unsigned mode_index(unsigned code_bits)
{
	return code_bits == 64 ? 2 : code_bits == 32 ? 1 : 0;
}

/* False when the VMM changed the page's bytes since it was decoded: then it is dropped. */
static bool page_still_valid(struct soft_vm *vm, struct cc_page *pg, const uint8_t *page)
{
	if (pg->checked_run == vm->run_epoch)
		return true;
	if (memcmp(pg->snapshot + pg->code_lo, page + pg->code_lo,
		   pg->code_hi - pg->code_lo) != 0) {
		code_cache_invalidate_page(vm, pg->key >> 2);
		return false;
	}
	pg->checked_run = vm->run_epoch;
	return true;
}

struct cc_page *cc_page_get(struct soft_vm *vm, uint64_t gpage, unsigned mode,
			    const uint8_t *page)
{
	struct code_cache *cc = vm->cc;
	uint64_t key = gpage << 2 | mode_index(mode);
	struct cc_page *pg;
	unsigned h = cc_hash(key);

	/* Pages outside the bitmap could not be invalidated on write. */
	if (gpage >= vm->code_bitmap_pages)
		return NULL;
	if (!cc) {
		cc = vm->cc = calloc(1, sizeof(*cc));
		if (!cc)
			return NULL;
	}
	if (cc->last && cc->last->key == key && page_still_valid(vm, cc->last, page))
		return cc->last;
	for (pg = cc->hash[h]; pg; pg = pg->hnext) {
		if (pg->key == key) {
			if (!page_still_valid(vm, pg, page))
				break;
			cc->last = pg;
			return pg;
		}
	}
	if (cc->npages >= CC_MAX_PAGES)
		return NULL; /* cc_collect() flushes at the next boundary */
	pg = page_new(cc);
	if (!pg)
		return NULL;
	memcpy(pg->snapshot, page, 4096);
	pg->checked_run = vm->run_epoch;
	pg->key = key;
	pg->serial = ++cc->serial;
	pg->hnext = cc->hash[h];
	cc->hash[h] = pg;
	cc->npages++;
	bitmap_set(vm, gpage, true);
	return pg;
}

const struct insn *cc_page_add(struct soft_vm *vm, struct cc_page *pg, const uint8_t *page,
			       unsigned off, const struct insn *in)
{
	struct code_cache *cc = vm->cc;
	unsigned idx = pg->nrec, c = idx / CC_CHUNK, end;
	struct insn *slot;

	if (pg->dead || off >= 4096 || idx >= 4096 || cc->nrec >= CC_MAX_RECORDS)
		return NULL;
	if (!pg->chunk[c]) {
		pg->chunk[c] = malloc(CC_CHUNK * sizeof(struct insn));
		if (!pg->chunk[c])
			return NULL;
	}
	/*
	 * The record's bytes were read from guest RAM just now, in a run
	 * whose compare already passed: refresh their copy (the VMM may have
	 * changed them in an earlier run, outside the compared span) and
	 * widen the span. Records never cross the page end (run.c).
	 */
	end = off + in->len;
	if (end > 4096)
		end = 4096;
	memcpy(pg->snapshot + off, page + off, end - off);
	if (pg->nrec == 0 || off < pg->code_lo)
		pg->code_lo = off;
	if (pg->nrec == 0 || end > pg->code_hi)
		pg->code_hi = end;
	slot = &pg->chunk[c][idx % CC_CHUNK];
	*slot = *in;
	pg->nrec++;
	cc->nrec++;
	pg->map[off] = slot;
	return slot;
}

static void unlink_page(struct code_cache *cc, struct cc_page *pg)
{
	struct cc_page **pp = &cc->hash[cc_hash(pg->key)];

	for (; *pp; pp = &(*pp)->hnext) {
		if (*pp == pg) {
			*pp = pg->hnext;
			break;
		}
	}
	cc->npages--;
	cc->nrec -= pg->nrec;
	if (cc->last == pg)
		cc->last = NULL;
	pg->dead = true;
	pg->dnext = cc->dead;
	cc->dead = pg;
}

void code_cache_invalidate_page(struct soft_vm *vm, uint64_t gpage)
{
	struct code_cache *cc = vm->cc;
	unsigned m;

	vm->code_drops++;
	bitmap_set(vm, gpage, false);
	if (!cc)
		return;
	for (m = 0; m < 3; m++) {
		uint64_t key = gpage << 2 | m;
		struct cc_page *pg;

		for (pg = cc->hash[cc_hash(key)]; pg; pg = pg->hnext) {
			if (pg->key == key) {
				unlink_page(cc, pg);
				break;
			}
		}
	}
}

/* Mark every page dead (safe while a record runs) and clear the bitmap. */
static void kill_all(struct soft_vm *vm)
{
	struct code_cache *cc = vm->cc;
	unsigned h;

	vm->code_drops++;
	for (h = 0; h < CC_HASH; h++) {
		while (cc->hash[h]) {
			bitmap_set(vm, cc->hash[h]->key >> 2, false);
			unlink_page(cc, cc->hash[h]);
		}
	}
}

static void free_dead(struct code_cache *cc)
{
	while (cc->dead) {
		struct cc_page *pg = cc->dead;

		cc->dead = pg->dnext;
		page_release(cc, pg);
	}
}

void cc_collect(struct soft_vm *vm)
{
	struct code_cache *cc = vm->cc;

	if (!cc || (!cc->dead && cc->npages < CC_MAX_PAGES && cc->nrec < CC_MAX_RECORDS))
		return;
	if (cc->npages >= CC_MAX_PAGES || cc->nrec >= CC_MAX_RECORDS)
		kill_all(vm);
	free_dead(cc);
}

/* Not called while a handler runs (slot changes, VM teardown). */
void code_cache_flush(struct soft_vm *vm)
{
	if (!vm->cc)
		return;
	kill_all(vm);
	free_dead(vm->cc);
	while (vm->cc->spare) {
		struct cc_page *pg = vm->cc->spare;

		vm->cc->spare = pg->dnext;
		page_free(pg);
	}
	free(vm->cc);
	vm->cc = NULL;
}

void code_cache_destroy(struct soft_vm *vm)
{
	code_cache_flush(vm);
}
