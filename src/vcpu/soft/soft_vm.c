// SPDX-License-Identifier: MIT
/*
 * The soft VM: guest RAM slots (the very host pages the VMM registered,
 * zero copy) and the one checked guest-physical -> host translation that
 * every other file of the soft CPU goes through.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vcpu/soft/irqchip.h"
#include "vcpu/soft/sys.h"

/* Decoded code is only tracked for pages below this address (bitmap size). */
#define CODE_BITMAP_MAX_PAGES (1ULL << 24) /* 64 GiB of guest-physical space */

struct soft_vm *soft_vm_create(void)
{
	return calloc(1, sizeof(struct soft_vm));
}

void soft_vm_destroy(struct soft_vm *vm)
{
	if (!vm)
		return;
	code_cache_destroy(vm);
	soft_vm_irqchip_destroy(vm);
	free(vm->code_bitmap);
	free(vm);
}

/* Grow the code-page bitmap so that it covers every page of every slot. */
static int code_bitmap_cover(struct soft_vm *vm, uint64_t end)
{
	uint64_t pages = (end + 4095) >> 12;
	uint8_t *bm;

	if (pages > CODE_BITMAP_MAX_PAGES)
		pages = CODE_BITMAP_MAX_PAGES;
	if (pages <= vm->code_bitmap_pages)
		return 0;
	pages = (pages + 7) & ~7ULL;
	bm = realloc(vm->code_bitmap, pages / 8);
	if (!bm)
		return -ENOMEM;
	memset(bm + vm->code_bitmap_pages / 8, 0, (pages - vm->code_bitmap_pages) / 8);
	vm->code_bitmap = bm;
	vm->code_bitmap_pages = pages;
	return 0;
}

int soft_vm_set_slot(struct soft_vm *vm, uint32_t slot, uint64_t gpa, uint64_t size, void *hva,
		     uint32_t flags)
{
	struct soft_slot *s;
	int rc;

	if (slot >= SOFT_NR_MEMSLOTS)
		return -EINVAL;
	if (size && (!hva || gpa + size < gpa))
		return -EINVAL;
	s = &vm->slot[slot];
	if (size) {
		rc = code_bitmap_cover(vm, gpa + size);
		if (rc)
			return rc;
	}
	/* Whatever was decoded or cached through the old mapping is stale now. */
	code_cache_flush(vm);
	s->gpa = gpa;
	s->size = size;
	s->hva = size ? hva : NULL;
	s->flags = flags;
	s->used = size != 0;
	vm->generation++;
	return 0;
}

const struct soft_slot *soft_vm_slot(const struct soft_vm *vm, uint64_t gpa, uint64_t len)
{
	unsigned i;

	if (gpa + len < gpa)
		return NULL;
	for (i = 0; i < SOFT_NR_MEMSLOTS; i++) {
		const struct soft_slot *s = &vm->slot[i];

		if (!s->used || gpa < s->gpa)
			continue;
		if (gpa - s->gpa >= s->size || len > s->size - (gpa - s->gpa))
			continue;
		return s;
	}
	return NULL;
}

uint8_t *soft_vm_gpa_ptr(struct soft_vm *vm, uint64_t gpa, uint64_t len)
{
	const struct soft_slot *s = soft_vm_slot(vm, gpa, len);

	return s ? s->hva + (gpa - s->gpa) : NULL;
}
