// SPDX-License-Identifier: MIT
/*
 * Breakpoint bookkeeping and the DR7 encoding (Intel SDM vol. 3, 18.2.4:
 * L0-L3 in bits 0, 2, 4, 6; R/W and LEN of register i in bits 16 + 4i and
 * 18 + 4i; R/W 00 execute, 01 write, 11 read or write; LEN 00 one byte,
 * 01 two, 11 four, 10 eight).
 */
#include "gdb/breakpoints.h"

#include <errno.h>
#include <string.h>

#define INT3 0xcc

void gdb_bp_init(struct gdb_breakpoints *b)
{
	memset(b, 0, sizeof(*b));
}

void gdb_bp_clear(struct gdb_breakpoints *b)
{
	gdb_bp_init(b);
}

static int sw_find(const struct gdb_breakpoints *b, uint64_t addr)
{
	for (unsigned i = 0; i < b->nr_sw; i++)
		if (b->sw[i].addr == addr)
			return (int)i;
	return -1;
}

bool gdb_bp_is_sw(const struct gdb_breakpoints *b, uint64_t addr)
{
	return sw_find(b, addr) >= 0;
}

static int free_slots(const struct gdb_breakpoints *b);
static bool hw_exists(const struct gdb_breakpoints *b, unsigned type, uint64_t addr, uint64_t kind);
static void hw_take(struct gdb_breakpoints *b, unsigned type, uint64_t addr, unsigned len,
		    uint64_t gdb_addr, uint64_t gdb_kind);

static int sw_add(struct gdb_breakpoints *b, struct gdb_target *t, uint64_t addr, uint64_t kind)
{
	uint8_t byte;

	if (sw_find(b, addr) >= 0 || hw_exists(b, GDB_BP_SW, addr, kind))
		return 0;
	if (t->read_mem(t, addr, &byte, 1) != 1) {
		/*
		 * Not mapped yet (a higher-half kernel stopped before it enables
		 * paging): no int3 can go there, but a debug register matches
		 * the linear address whenever it comes to exist.
		 */
		if (free_slots(b) < 1)
			return -EFAULT;
		hw_take(b, GDB_BP_SW, addr, 1, addr, kind);
		return 0;
	}
	if (b->nr_sw == GDB_MAX_SW_BPS)
		return -ENOSPC;
	b->sw[b->nr_sw++] = (struct gdb_sw_bp){.addr = addr};
	return 0;
}

static int free_slots(const struct gdb_breakpoints *b)
{
	int n = 0;

	for (unsigned i = 0; i < GDB_NR_DEBUGREGS; i++)
		n += !b->hw[i].used;
	return n;
}

static bool hw_exists(const struct gdb_breakpoints *b, unsigned type, uint64_t addr, uint64_t kind)
{
	for (unsigned i = 0; i < GDB_NR_DEBUGREGS; i++)
		if (b->hw[i].used && b->hw[i].type == type && b->hw[i].gdb_addr == addr &&
		    b->hw[i].gdb_kind == kind)
			return true;
	return false;
}

/* Largest of 8, 4, 2, 1 that addr is aligned to and that fits in len. */
static unsigned piece_len(uint64_t addr, uint64_t len)
{
	unsigned n = 8;

	while (n > 1 && ((addr & (n - 1)) || n > len))
		n /= 2;
	return n;
}

/* Aligned pieces needed to cover [addr, addr + len); more than 4 means never. */
static int pieces_needed(uint64_t addr, uint64_t len)
{
	int n = 0;

	while (len && n <= GDB_NR_DEBUGREGS) {
		unsigned p = piece_len(addr, len);

		addr += p;
		len -= p;
		n++;
	}
	return n;
}

static void hw_take(struct gdb_breakpoints *b, unsigned type, uint64_t addr, unsigned len,
		    uint64_t gdb_addr, uint64_t gdb_kind)
{
	for (unsigned i = 0; i < GDB_NR_DEBUGREGS; i++) {
		if (b->hw[i].used)
			continue;
		b->hw[i] = (struct gdb_hw_slot){true, type, addr, len, gdb_addr, gdb_kind};
		return;
	}
}

static int hw_add(struct gdb_breakpoints *b, unsigned type, uint64_t addr, uint64_t kind)
{
	uint64_t a = addr, len = kind;
	int need;

	if (hw_exists(b, type, addr, kind))
		return 0;
	if (type == GDB_BP_HW) {
		if (free_slots(b) < 1)
			return -ENOSPC;
		hw_take(b, type, addr, 1, addr, kind);
		return 0;
	}
	if (len == 0 || len > 8 * GDB_NR_DEBUGREGS)
		return -EINVAL;
	need = pieces_needed(addr, len);
	if (need > free_slots(b))
		return -ENOSPC;
	while (len) {
		unsigned p = piece_len(a, len);

		hw_take(b, type, a, p, addr, kind);
		a += p;
		len -= p;
	}
	return 0;
}

int gdb_bp_add(struct gdb_breakpoints *b, struct gdb_target *t, unsigned type, uint64_t addr,
	       uint64_t kind)
{
	switch (type) {
	case GDB_BP_SW:
		return sw_add(b, t, addr, kind);
	case GDB_BP_HW:
	case GDB_WP_WRITE:
	case GDB_WP_READ:
	case GDB_WP_ACCESS:
		return hw_add(b, type, addr, kind);
	default:
		return -EINVAL;
	}
}

int gdb_bp_remove(struct gdb_breakpoints *b, unsigned type, uint64_t addr, uint64_t kind)
{
	int i, found = 0;

	if (type == GDB_BP_SW && (i = sw_find(b, addr)) >= 0) {
		b->sw[i] = b->sw[--b->nr_sw];
		return 0;
	}
	if (type > GDB_WP_ACCESS)
		return -EINVAL;
	for (i = 0; i < GDB_NR_DEBUGREGS; i++) {
		struct gdb_hw_slot *s = &b->hw[i];

		if (s->used && s->type == type && s->gdb_addr == addr && s->gdb_kind == kind) {
			s->used = false;
			found = 1;
		}
	}
	return found ? 0 : -ENOENT;
}

void gdb_bp_insert_sw(struct gdb_breakpoints *b, struct gdb_target *t)
{
	static const uint8_t int3 = INT3;

	for (unsigned i = 0; i < b->nr_sw; i++) {
		struct gdb_sw_bp *bp = &b->sw[i];

		if (bp->inserted || t->read_mem(t, bp->addr, &bp->saved, 1) != 1)
			continue;
		bp->inserted = t->write_mem(t, bp->addr, &int3, 1) == 1;
	}
}

void gdb_bp_remove_sw(struct gdb_breakpoints *b, struct gdb_target *t)
{
	for (unsigned i = 0; i < b->nr_sw; i++) {
		struct gdb_sw_bp *bp = &b->sw[i];

		/* the guest may have remapped the page meanwhile: best effort, as any stub */
		if (bp->inserted)
			t->write_mem(t, bp->addr, &bp->saved, 1);
		bp->inserted = false;
	}
}

static uint64_t dr7_bits(const struct gdb_hw_slot *s, unsigned i)
{
	static const unsigned len_code[9] = {[1] = 0, [2] = 1, [4] = 3, [8] = 2};
	bool exec = s->type == GDB_BP_HW || s->type == GDB_BP_SW;
	unsigned rw = exec ? 0 : s->type == GDB_WP_WRITE ? 1 : 3;
	unsigned len = exec ? 0 : len_code[s->len];

	return (1ULL << (2 * i)) | ((uint64_t)(rw | len << 2) << (16 + 4 * i));
}

void gdb_bp_guest_debug(const struct gdb_breakpoints *b, bool step, struct vcpu_guest_debug *d)
{
	memset(d, 0, sizeof(*d));
	d->single_step = step;
	d->sw_bp = b->nr_sw > 0;
	for (unsigned i = 0; i < GDB_NR_DEBUGREGS; i++) {
		if (!b->hw[i].used)
			continue;
		d->hw_bp = true;
		d->addr[i] = b->hw[i].addr;
		d->dr7 |= dr7_bits(&b->hw[i], i);
	}
}

const struct gdb_hw_slot *gdb_bp_hit(const struct gdb_breakpoints *b, uint64_t dr6)
{
	for (unsigned i = 0; i < GDB_NR_DEBUGREGS; i++)
		if ((dr6 >> i) & 1 && b->hw[i].used)
			return &b->hw[i];
	return NULL;
}
