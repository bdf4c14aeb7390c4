// SPDX-License-Identifier: MIT
/*
 * The soft CPU's memory path: segmentation (limits, types, canonical
 * checks), paging (32-bit with PSE, PAE, 4-level long mode; U/S, R/W, NX,
 * CR0.WP; accessed/dirty bits; 4 KiB/2 MiB/4 MiB/1 GiB pages; #PF with the
 * exact error code and CR2), and a direct-mapped software TLB that caches
 * the host pointer of each linear page so that a hit costs a compare.
 * Guest-physical addresses outside RAM slots are MMIO: io_read/io_write.
 */
#include <string.h>

#include "vcpu/soft/sys.h"

#define TLB_VALID 1ULL
/* Permission bits of a TLB entry: supervisor R/W/X, user R/W/X. */
enum {
	TP_RS = 1,
	TP_WS = 2,
	TP_XS = 4,
	TP_RU = 8,
	TP_WU = 16,
	TP_XU = 32,
	TP_GLOBAL = 64, /* from a global page (CR4.PGE): kept over CR3 writes */
	TP_LARGE = 128, /* from a 2M/4M/1G page: INVLPG cannot find it by index */
};

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

static inline bool acc_user(const struct soft_cpu *cpu, int acc)
{
	return cpu->cpl == 3 && !(acc & ACC_SUPER);
}

static inline unsigned tlb_need(const struct soft_cpu *cpu, int acc)
{
	unsigned bit = (acc & ACC_WRITE) ? TP_WS : (acc & ACC_EXEC) ? TP_XS : TP_RS;

	return acc_user(cpu, acc) ? bit << 3 : bit;
}

static inline struct tlb_entry *tlb_slot(struct soft_cpu *cpu, uint64_t lin)
{
	return &cpu->tlb[(lin >> 12) & (TLB_ENTRIES - 1)];
}

void tlb_flush(struct soft_cpu *cpu)
{
	unsigned i;

	for (i = 0; i < TLB_ENTRIES; i++)
		cpu->tlb[i].vpage = 0;
	cpu->tlb_generation = cpu->vm->generation;
	cpu->tlb_flushes++;
}

void tlb_flush_nonglobal(struct soft_cpu *cpu)
{
	unsigned i;

	for (i = 0; i < TLB_ENTRIES; i++)
		if (!(cpu->tlb[i].perm & TP_GLOBAL))
			cpu->tlb[i].vpage = 0;
	cpu->tlb_flushes++;
}

void tlb_flush_page(struct soft_cpu *cpu, uint64_t lin)
{
	uint64_t vp = (lin & ~0xfffULL) | TLB_VALID;
	bool large = false; /* a large page's entry went: more than one page may change */
	unsigned i;

	/*
	 * Entries of a large page sit at other indices too: drop those of the
	 * 1 GiB region that holds lin (a 2M, 4M or 1G page lies in one). The
	 * others translate other addresses, which INVLPG leaves alone; Linux
	 * flushes kernel ranges page by page, and dropping every large entry
	 * each time (the direct map, the kernel image) cost a miss on each
	 * kernel access after it.
	 */
	for (i = 0; i < TLB_ENTRIES; i++) {
		if (cpu->tlb[i].vpage == vp) {
			large |= (cpu->tlb[i].perm & TP_LARGE) != 0;
			cpu->tlb[i].vpage = 0;
		} else if ((cpu->tlb[i].perm & TP_LARGE) && !((cpu->tlb[i].vpage ^ lin) >> 30)) {
			cpu->tlb[i].vpage = 0;
			large = true;
		}
	}
	cpu->tlb_flushes++;
	if (!large)
		cpu->tlb_page_ring[cpu->tlb_page_seq++ % TLB_PAGE_RING] = lin >> 12;
}

/* ---- segmentation ---- */

static int seg_fault(struct soft_cpu *cpu, int seg)
{
	return cpu_fault(cpu, seg == SEG_SS ? X_SS : X_GP, 0);
}

int seg_linear(struct soft_cpu *cpu, int seg, uint64_t off, unsigned size, int acc, uint64_t *lin)
{
	const struct seg *s;
	uint64_t last = off + (size ? size - 1 : 0);

	if (cpu->code_bits == 64) {
		uint64_t l = off;

		if (seg == SEG_FS || seg == SEG_GS)
			l += cpu->seg[seg].base;
		if (unlikely(!is_canonical(l) || !is_canonical(l + (size ? size - 1 : 0))))
			return seg_fault(cpu, seg);
		*lin = l;
		return EXEC_OK;
	}
	if (seg == SEG_NONE || seg > SEG_GS) {
		*lin = off & 0xffffffffULL;
		return EXEC_OK;
	}
	s = &cpu->seg[seg];
	if (cpu_protected(cpu) && !(cpu->rflags & FL_VM)) {
		if (s->unusable)
			return seg_fault(cpu, seg);
		if (acc & ACC_WRITE) {
			if ((s->type & SEG_TYPE_CODE) || !(s->type & SEG_TYPE_WR))
				return seg_fault(cpu, seg);
		} else if ((acc & ACC_READ) &&
			   (s->type & (SEG_TYPE_CODE | SEG_TYPE_WR)) == SEG_TYPE_CODE) {
			return seg_fault(cpu, seg); /* execute-only code */
		}
	}
	if (!(s->type & SEG_TYPE_CODE) && (s->type & SEG_TYPE_DC)) {
		/* expand-down data segment: valid offsets are (limit, top] */
		uint64_t top = s->db ? 0xffffffffULL : 0xffffULL;

		if (off <= s->limit || last > top || last < off)
			return seg_fault(cpu, seg);
	} else if (last > s->limit || last < off) {
		return seg_fault(cpu, seg);
	}
	*lin = (s->base + off) & 0xffffffffULL;
	return EXEC_OK;
}

/* ---- paging ---- */

static int page_fault(struct soft_cpu *cpu, uint64_t lin, int acc, uint32_t err)
{
	if (acc & ACC_PROBE)
		return EXEC_FAULT; /* a debugger's look changes nothing the guest sees */
	if (acc & ACC_WRITE)
		err |= PF_W;
	if (acc_user(cpu, acc))
		err |= PF_U;
	if ((acc & ACC_EXEC) && (cpu->efer & EFER_NXE) && (cpu->cr4 & CR4_PAE))
		err |= PF_ID;
	cpu->cr2 = lin;
	return cpu_fault(cpu, X_PF, err);
}

/*
 * The walk so far: the entries read (A/D are set only once the access is
 * known to succeed), the rights they combine to, and the leaf's address.
 */
struct walk {
	struct {
		uint8_t *host; /* NULL: no A/D update (PAE PDPTE, read-only slot) */
		uint64_t gpa;
	} lv[4];
	uint64_t ent[4];
	unsigned n;
	bool wide; /* 8-byte entries */
	bool rw, us, nx, large;
	uint64_t gpa;
};

/*
 * Read the entry at gpa into the next level of w. False when it is not
 * present: an entry outside RAM reads as not present.
 */
static bool walk_read(struct soft_cpu *cpu, struct walk *w, uint64_t gpa, uint64_t *e)
{
	unsigned len = w->wide ? 8 : 4;
	const struct soft_slot *s = soft_vm_slot(cpu->vm, gpa, len);
	uint8_t *p;

	if (!s)
		return false;
	p = s->hva + (gpa - s->gpa);
	if (w->wide)
		*e = __atomic_load_n((uint64_t *)p, __ATOMIC_RELAXED);
	else
		*e = __atomic_load_n((uint32_t *)p, __ATOMIC_RELAXED);
	if (!(*e & PTE_P))
		return false;
	/* as KVM: the walker does not set A/D in a read-only slot */
	w->lv[w->n].host = (s->flags & KVM_MEM_READONLY) ? NULL : p;
	w->lv[w->n].gpa = gpa;
	w->ent[w->n++] = *e;
	return true;
}

/* The rights of a table entry restrict those of the levels above it. */
static void walk_rights(struct walk *w, uint64_t e)
{
	w->rw &= !!(e & PTE_W);
	w->us &= !!(e & PTE_U);
	w->nx |= !!(e & PTE_NX);
}

static void walk_leaf(struct walk *w, uint64_t frame, uint64_t lin, uint64_t page_mask, bool large)
{
	w->gpa = (frame & ~page_mask) | (lin & page_mask);
	w->large = large;
}

/* Bits 51:MAXPHYADDR of an 8-byte entry, and NX while EFER.NXE=0. */
static uint64_t rsvd_bits(const struct soft_cpu *cpu)
{
	uint64_t hi = ((1ULL << 52) - 1) & ~((1ULL << SOFT_MAXPHYADDR) - 1);

	return hi | ((cpu->efer & EFER_NXE) ? 0 : PTE_NX);
}

#define PT_ADDR_MASK (((1ULL << SOFT_MAXPHYADDR) - 1) & ~0xfffULL)

/* 32-bit paging: PDE (4 MiB with CR4.PSE), PTE; 4-byte entries. */
static int walk_32bit(struct soft_cpu *cpu, uint64_t lin, int acc, struct walk *w)
{
	uint64_t e, addr = (cpu->cr3 & 0xfffff000ULL) | ((lin >> 20) & 0xffc);

	if (!walk_read(cpu, w, addr, &e))
		return page_fault(cpu, lin, acc, 0);
	walk_rights(w, e);
	if ((e & PTE_PS) && (cpu->cr4 & CR4_PSE)) {
		if (e & (1ULL << 21))
			return page_fault(cpu, lin, acc, PF_P | PF_RSVD);
		/* PSE-36: bits 20:13 of the PDE are physical bits 39:32 */
		walk_leaf(w, (e & 0xffc00000ULL) | ((e & 0x1fe000ULL) << 19), lin, 0x3fffff, true);
		return EXEC_OK;
	}
	addr = (e & 0xfffff000ULL) | ((lin >> 10) & 0xffc);
	if (!walk_read(cpu, w, addr, &e))
		return page_fault(cpu, lin, acc, 0);
	walk_rights(w, e);
	walk_leaf(w, e & 0xfffff000ULL, lin, 0xfff, false);
	return EXEC_OK;
}

/* PAE paging: PDPTE from CR3, PDE (2 MiB), PTE; 8-byte entries. */
static int walk_pae(struct soft_cpu *cpu, uint64_t lin, int acc, struct walk *w)
{
	uint64_t e, rsvd = rsvd_bits(cpu);
	uint64_t addr = (cpu->cr3 & 0xffffffe0ULL) | (((lin >> 30) & 3) << 3);

	if (!walk_read(cpu, w, addr, &e))
		return page_fault(cpu, lin, acc, 0);
	/* PDPTEs have no R/W, U/S, NX, A or D (bits 2:1, 8:5 and 63 are reserved) */
	if (e & (rsvd | PTE_NX | 0x1e6ULL))
		return page_fault(cpu, lin, acc, PF_P | PF_RSVD);
	w->lv[w->n - 1].host = NULL;
	addr = (e & PT_ADDR_MASK) | (((lin >> 21) & 0x1ff) << 3);
	if (!walk_read(cpu, w, addr, &e))
		return page_fault(cpu, lin, acc, 0);
	if (e & (rsvd | ((e & PTE_PS) ? 0x1fe000ULL : 0)))
		return page_fault(cpu, lin, acc, PF_P | PF_RSVD);
	walk_rights(w, e);
	if (e & PTE_PS) {
		walk_leaf(w, e & PT_ADDR_MASK, lin, 0x1fffff, true);
		return EXEC_OK;
	}
	addr = (e & PT_ADDR_MASK) | (((lin >> 12) & 0x1ff) << 3);
	if (!walk_read(cpu, w, addr, &e))
		return page_fault(cpu, lin, acc, 0);
	if (e & rsvd)
		return page_fault(cpu, lin, acc, PF_P | PF_RSVD);
	walk_rights(w, e);
	walk_leaf(w, e & PT_ADDR_MASK, lin, 0xfff, false);
	return EXEC_OK;
}

/* 4-level paging: PML4E, PDPTE (1 GiB), PDE (2 MiB), PTE; 8-byte entries. */
static int walk_4level(struct soft_cpu *cpu, uint64_t lin, int acc, struct walk *w)
{
	static const unsigned shift[4] = {39, 30, 21, 12};
	uint64_t e, addr = cpu->cr3 & PT_ADDR_MASK;
	unsigned i;

	for (i = 0; i < 4; i++) {
		uint64_t rsvd = rsvd_bits(cpu), page_mask = (1ULL << shift[i]) - 1;
		bool leaf;

		addr |= ((lin >> shift[i]) & 0x1ff) << 3;
		if (!walk_read(cpu, w, addr, &e))
			return page_fault(cpu, lin, acc, 0);
		leaf = i == 3 || (e & PTE_PS);
		if (i == 0)
			rsvd |= PTE_PS; /* no 512 GiB pages */
		else if (leaf && i < 3)
			rsvd |= page_mask & ~0x1fffULL; /* 1G: 29:13, 2M: 20:13 */
		if (e & rsvd)
			return page_fault(cpu, lin, acc, PF_P | PF_RSVD);
		walk_rights(w, e);
		if (leaf) {
			walk_leaf(w, e & PT_ADDR_MASK, lin, page_mask, i < 3);
			return EXEC_OK;
		}
		addr = e & PT_ADDR_MASK;
	}
	return EXEC_OK; /* not reached: level 3 is always a leaf */
}

/* Set bits in the entry a walk read at level i (atomically: another vCPU may walk too). */
static void walk_set_bits(struct soft_cpu *cpu, const struct walk *w, unsigned i, uint64_t bits)
{
	uint8_t *p = w->lv[i].host;

	if (!p || (w->ent[i] & bits) == bits)
		return;
	if (w->wide)
		__atomic_fetch_or((uint64_t *)p, bits, __ATOMIC_SEQ_CST);
	else
		__atomic_fetch_or((uint32_t *)p, (uint32_t)bits, __ATOMIC_SEQ_CST);
	/* a page table may share its page with code */
	code_cache_note_write(cpu->vm, w->lv[i].gpa, w->wide ? 8 : 4);
}

/*
 * The one permission check of every paging mode (SDM 4.6): the rights
 * the walk combined, as TLB permissions for every kind of access. On
 * success the accessed bits are set, and dirty in the leaf on a write.
 */
static int walk_check(struct soft_cpu *cpu, uint64_t lin, int acc, const struct walk *w,
		      unsigned *perm)
{
	uint64_t leaf = w->ent[w->n - 1];
	unsigned p = TP_RS, i;

	/* supervisor writes to read-only pages only with CR0.WP=0 */
	if (w->rw || !(cpu->cr0 & CR0_WP))
		p |= TP_WS;
	if (!w->nx)
		p |= TP_XS;
	if (w->us) {
		p |= TP_RU;
		if (w->rw)
			p |= TP_WU;
		if (!w->nx)
			p |= TP_XU;
	}
	if (!(p & tlb_need(cpu, acc)))
		return page_fault(cpu, lin, acc, PF_P);

	for (i = 0; i < w->n && !(acc & ACC_PROBE); i++)
		walk_set_bits(cpu, w, i, PTE_A);
	if (acc & ACC_WRITE)
		walk_set_bits(cpu, w, w->n - 1, PTE_D);
	else if (!(leaf & PTE_D))
		p &= ~(unsigned)(TP_WS | TP_WU); /* a later write must walk to set D */
	if ((leaf & PTE_G) && (cpu->cr4 & CR4_PGE))
		p |= TP_GLOBAL;
	if (w->large)
		p |= TP_LARGE;
	*perm = p;
	return EXEC_OK;
}

/*
 * Translate lin for an access acc: on success *gpa and the permissions
 * of the page for every kind of access (TP_*), with A/D set as the access
 * requires. On failure #PF is queued (EXEC_FAULT).
 */
static int walk(struct soft_cpu *cpu, uint64_t lin, int acc, uint64_t *gpa, unsigned *perm)
{
	struct walk w = {.rw = true, .us = true, .wide = cpu->cr4 & CR4_PAE};
	int rc;

	if (!(cpu->cr0 & CR0_PG)) {
		*gpa = cpu_long_mode(cpu) ? lin : lin & 0xffffffffULL;
		*perm = TP_RS | TP_WS | TP_XS | TP_RU | TP_WU | TP_XU;
		return EXEC_OK;
	}
	if (!w.wide)
		rc = walk_32bit(cpu, lin, acc, &w);
	else if (cpu_long_mode(cpu))
		rc = walk_4level(cpu, lin, acc, &w);
	else
		rc = walk_pae(cpu, lin, acc, &w);
	if (rc)
		return rc;
	*gpa = w.gpa;
	return walk_check(cpu, lin, acc, &w, perm);
}

/*
 * Translate one linear page for access acc. *host is NULL when the
 * guest-physical address is not RAM (MMIO), else the host pointer of lin.
 */
static int translate(struct soft_cpu *cpu, uint64_t lin, int acc, uint64_t *gpa, uint8_t **host)
{
	struct tlb_entry *e = tlb_slot(cpu, lin);
	unsigned need = tlb_need(cpu, acc), perm = 0;
	const struct soft_slot *slot;
	uint64_t g = 0;
	uint8_t *h;
	int rc;

	if (unlikely(cpu->tlb_generation != cpu->vm->generation))
		tlb_flush(cpu);
	if (e->vpage == ((lin & ~0xfffULL) | TLB_VALID) && (e->perm & need)) {
		*gpa = e->gpage | (lin & 0xfff);
		*host = e->host + (lin & 0xfff);
		return EXEC_OK;
	}
	/* the tail of an access that starts canonical may not be (checked per page) */
	if (cpu_long_mode(cpu) && !is_canonical(lin))
		return cpu_fault(cpu, X_GP, 0);
	rc = walk(cpu, lin, acc, &g, &perm);
	if (rc)
		return rc;
	*gpa = g;
	slot = soft_vm_slot(cpu->vm, g & ~0xfffULL, 4096);
	if (!slot) {
		*host = NULL;
		return EXEC_OK;
	}
	h = slot->hva + ((g & ~0xfffULL) - slot->gpa);
	if (slot->flags & KVM_MEM_READONLY) {
		/* as KVM: a write to a read-only slot is an MMIO exit, never cached */
		perm &= ~(unsigned)(TP_WS | TP_WU);
		if (acc & ACC_WRITE) {
			*host = NULL;
			return EXEC_OK;
		}
	}
	*host = h + (lin & 0xfff);
	if (unlikely(cpu->watch_mask) && watch_page(cpu, lin))
		return EXEC_OK; /* uncached: every access must reach watch_access() */
	e->vpage = (lin & ~0xfffULL) | TLB_VALID;
	e->host = h;
	e->gpage = g & ~0xfffULL;
	e->perm = (uint8_t)perm;
	e->code_mask = (g >> 12) < cpu->vm->code_bitmap_pages ? (uint8_t)(1u << ((g >> 12) & 7)) : 0;
	e->code_byte = (uint32_t)(g >> 15);
	return EXEC_OK;
}

bool mem_probe_translate(struct soft_cpu *cpu, uint64_t lin, uint64_t *gpa, bool *writeable)
{
	unsigned perm = 0;

	if (!(cpu->cr0 & CR0_PG)) {
		/* as KVM's nonpaging_gva_to_gpa: the address is the physical one, untruncated */
		*gpa = lin;
		*writeable = true;
		return true;
	}
	if (cpu_long_mode(cpu) ? !is_canonical(lin) : lin > 0xffffffffULL)
		return false;
	if (walk(cpu, lin, ACC_READ | ACC_SUPER | ACC_PROBE, gpa, &perm) != EXEC_OK)
		return false;
	*writeable = perm & TP_WS;
	return true;
}

static uint64_t lin_add(const struct soft_cpu *cpu, uint64_t lin, uint64_t n)
{
	return cpu_long_mode(cpu) ? lin + n : (lin + n) & 0xffffffffULL;
}

/* ---- linear accesses ---- */

/* Copies of the common operand sizes compile to one move each. */
static inline void copy_small(void *d, const void *src, unsigned size)
{
	switch (size) {
	case 1:
		memcpy(d, src, 1);
		break;
	case 2:
		memcpy(d, src, 2);
		break;
	case 4:
		memcpy(d, src, 4);
		break;
	case 8:
		memcpy(d, src, 8);
		break;
	default:
		memcpy(d, src, size);
	}
}

static inline bool tlb_hit(struct soft_cpu *cpu, const struct tlb_entry *e, uint64_t lin,
			   unsigned size, int acc)
{
	return likely(e->vpage == ((lin & ~0xfffULL) | TLB_VALID) &&
		      (e->perm & tlb_need(cpu, acc)) && (lin & 0xfff) + size <= 4096);
}

/* A read past the TLB: a miss, MMIO, or a page crossing. */
static __attribute__((noinline)) int read_slow(struct soft_cpu *cpu, uint64_t lin, void *dst,
					       unsigned size, int acc)
{
	uint8_t *d = dst;
	unsigned done = 0;

	if (size > 4096)
		return cpu_fault(cpu, X_GP, 0);
	while (done < size) {
		uint64_t l = lin_add(cpu, lin, done), gpa;
		unsigned n = 4096 - (l & 0xfff);
		uint8_t *h;
		int rc;

		if (n > size - done)
			n = size - done;
		rc = translate(cpu, l, acc, &gpa, &h);
		if (rc)
			return rc;
		if (h) {
			memcpy(d + done, h, n);
		} else {
			rc = io_read(cpu, true, gpa, n, 1, d + done);
			if (rc)
				return rc;
		}
		if (unlikely(cpu->watch_mask))
			watch_access(cpu, l, n, false);
		done += n;
	}
	return EXEC_OK;
}

/* Every read of guest memory: a TLB hit here, anything else in read_slow(). */
static inline int read_lin(struct soft_cpu *cpu, uint64_t lin, void *dst, unsigned size, int acc)
{
	const struct tlb_entry *e = tlb_slot(cpu, lin);

	if (unlikely(!tlb_hit(cpu, e, lin, size, acc)))
		return read_slow(cpu, lin, dst, size, acc);
	copy_small(dst, e->host + (lin & 0xfff), size);
	return EXEC_OK;
}

/*
 * A write past the TLB: a miss, MMIO, a read-only slot, or a page
 * crossing. Every page is translated before any byte is written, so that
 * a fault on the second leaves memory untouched.
 */
static __attribute__((noinline)) int write_slow(struct soft_cpu *cpu, uint64_t lin, const void *src,
						unsigned size, int acc)
{
	const uint8_t *s = src;
	uint64_t gpa[2];
	uint8_t *h[2];
	unsigned n[2], parts, i;
	int rc;

	if (size > 4096)
		return cpu_fault(cpu, X_GP, 0);
	n[0] = 4096 - (lin & 0xfff);
	if (n[0] >= size) {
		n[0] = size;
		parts = 1;
	} else {
		n[1] = size - n[0];
		parts = 2;
	}
	for (i = 0; i < parts; i++) {
		rc = translate(cpu, lin_add(cpu, lin, i ? n[0] : 0), acc, &gpa[i], &h[i]);
		if (rc)
			return rc;
	}
	for (i = 0; i < parts; i++) {
		const uint8_t *p = s + (i ? n[0] : 0);

		if (h[i]) {
			memcpy(h[i], p, n[i]);
			code_cache_note_write(cpu->vm, gpa[i], n[i]);
		} else {
			rc = io_write(cpu, true, gpa[i], n[i], 1, p);
			if (rc)
				return rc;
		}
	}
	if (unlikely(cpu->watch_mask))
		watch_access(cpu, lin, size, true);
	return EXEC_OK;
}

static __attribute__((noinline)) int write_hit_code(struct soft_vm *vm, uint64_t gpage)
{
	code_cache_invalidate_page(vm, gpage);
	return EXEC_OK;
}

/*
 * Every write to guest memory: a TLB hit within one page here, without
 * a call (so the code bitmap needs one test), anything else in
 * write_slow().
 */
static inline int write_lin(struct soft_cpu *cpu, uint64_t lin, const void *src, unsigned size,
			    int acc)
{
	const struct tlb_entry *e = tlb_slot(cpu, lin);
	struct soft_vm *vm = cpu->vm;
	uint64_t gpage;

	if (unlikely(!tlb_hit(cpu, e, lin, size, acc)))
		return write_slow(cpu, lin, src, size, acc);
	copy_small(e->host + (lin & 0xfff), src, size);
	gpage = e->gpage >> 12;
	if (unlikely(gpage < vm->code_bitmap_pages &&
		     (vm->code_bitmap[gpage >> 3] >> (gpage & 7)) & 1))
		return write_hit_code(vm, gpage);
	return EXEC_OK;
}

int mem_read_lin(struct soft_cpu *cpu, uint64_t lin, void *dst, unsigned size, int acc)
{
	return read_lin(cpu, lin, dst, size, acc | ACC_READ);
}

int mem_write_lin(struct soft_cpu *cpu, uint64_t lin, const void *src, unsigned size, int acc)
{
	return write_lin(cpu, lin, src, size, acc | ACC_WRITE);
}

/* ---- logical (segment-relative) accesses: the hot path of every handler ---- */

static inline int to_linear(struct soft_cpu *cpu, int seg, uint64_t off, unsigned size, int acc,
			    uint64_t *lin)
{
	if (likely(cpu->code_bits == 64)) {
		uint64_t l = off;

		if (seg == SEG_FS || seg == SEG_GS)
			l += cpu->seg[seg].base;
		if (likely(is_canonical(l))) {
			*lin = l;
			return EXEC_OK;
		}
	} else if ((unsigned)seg <= SEG_GS) {
		/*
		 * Writable expand-up data segments (the flat ones of a 32-bit
		 * boot) pass every check of seg_linear() in every mode but the
		 * limit: decide those here, everything else there.
		 */
		const struct seg *s = &cpu->seg[seg];
		uint64_t last = off + (size ? size - 1 : 0);

		if (likely(!s->unusable &&
			   (s->type & (SEG_TYPE_CODE | SEG_TYPE_DC | SEG_TYPE_WR)) == SEG_TYPE_WR &&
			   last <= s->limit && last >= off)) {
			*lin = (s->base + off) & 0xffffffffULL;
			return EXEC_OK;
		}
	}
	return seg_linear(cpu, seg, off, size, acc, lin);
}

int mem_read(struct soft_cpu *cpu, int seg, uint64_t off, void *dst, unsigned size)
{
	uint64_t lin;

	if (unlikely(to_linear(cpu, seg, off, size, ACC_READ, &lin)))
		return EXEC_FAULT;
	return read_lin(cpu, lin, dst, size, ACC_READ);
}

int mem_write(struct soft_cpu *cpu, int seg, uint64_t off, const void *src, unsigned size)
{
	uint64_t lin;

	if (unlikely(to_linear(cpu, seg, off, size, ACC_WRITE, &lin)))
		return EXEC_FAULT;
	return write_lin(cpu, lin, src, size, ACC_WRITE);
}

/* A host pointer to [off, off + size) of seg, one page, RAM only (else NULL, *rc 0 unless a fault). */
static void *span_ptr(struct soft_cpu *cpu, int seg, uint64_t off, unsigned size, int acc, int *rc)
{
	uint64_t lin, gpa;
	uint8_t *h;

	*rc = to_linear(cpu, seg, off, size, acc, &lin);
	if (*rc)
		return NULL;
	if ((lin & 0xfff) + size > 4096)
		return NULL; /* legal but split: the caller goes element by element */
	*rc = translate(cpu, lin, acc, &gpa, &h);
	if (*rc || !h)
		return NULL;
	if (unlikely(cpu->watch_mask))
		watch_access(cpu, lin, size, acc & ACC_WRITE);
	if (acc & ACC_WRITE)
		code_cache_note_write(cpu->vm, gpa, size);
	return h;
}

void *mem_rmw_ptr(struct soft_cpu *cpu, int seg, uint64_t off, unsigned size, int *rc)
{
	return span_ptr(cpu, seg, off, size, ACC_READ | ACC_WRITE, rc);
}

const void *mem_read_ptr(struct soft_cpu *cpu, int seg, uint64_t off, unsigned size, int *rc)
{
	return span_ptr(cpu, seg, off, size, ACC_READ, rc);
}

int mem_lin_is_ram(struct soft_cpu *cpu, uint64_t lin, int acc, bool *ram)
{
	uint64_t gpa;
	uint8_t *h = NULL;
	int rc = translate(cpu, lin, acc, &gpa, &h);

	*ram = h != NULL;
	return rc;
}

int mem_fetch_translate(struct soft_cpu *cpu, uint64_t lin, uint64_t *gpa, const uint8_t **host,
			unsigned *avail)
{
	uint8_t *h;
	int rc;

	rc = translate(cpu, lin, ACC_EXEC, gpa, &h);
	if (rc)
		return rc;
	if (!h) {
		/* Code outside RAM: KVM reports an emulation failure. */
		memset(&cpu->run->internal, 0, sizeof(cpu->run->internal));
		cpu->run->exit_reason = KVM_EXIT_INTERNAL_ERROR;
		cpu->run->internal.suberror = KVM_INTERNAL_ERROR_EMULATION;
		return EXEC_EXIT;
	}
	*host = h;
	*avail = 4096 - (unsigned)(lin & 0xfff);
	return EXEC_OK;
}
