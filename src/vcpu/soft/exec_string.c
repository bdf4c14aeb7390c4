// SPDX-License-Identifier: MIT
/*
 * String instructions movs/stos/lods/cmps/scas with rep/repe/repne, both
 * directions, at every element and address size. A rep instruction is
 * interruptible like on hardware: registers are committed per element,
 * so a fault, an MMIO exit or the run loop's string work budget leaves a
 * state from which re-executing the instruction continues where it stopped.
 */
#include <string.h>

#include <Zydis/Zydis.h>

#include "vcpu/soft/exec.h"

enum str_kind { ST_MOVS, ST_STOS, ST_LODS, ST_CMPS, ST_SCAS };

struct str_desc {
	uint16_t mnemonic;
	uint8_t kind, size;
};

static const struct str_desc str_table[] = {
	{ ZYDIS_MNEMONIC_MOVSB, ST_MOVS, 1 }, { ZYDIS_MNEMONIC_MOVSW, ST_MOVS, 2 },
	{ ZYDIS_MNEMONIC_MOVSD, ST_MOVS, 4 }, { ZYDIS_MNEMONIC_MOVSQ, ST_MOVS, 8 },
	{ ZYDIS_MNEMONIC_STOSB, ST_STOS, 1 }, { ZYDIS_MNEMONIC_STOSW, ST_STOS, 2 },
	{ ZYDIS_MNEMONIC_STOSD, ST_STOS, 4 }, { ZYDIS_MNEMONIC_STOSQ, ST_STOS, 8 },
	{ ZYDIS_MNEMONIC_LODSB, ST_LODS, 1 }, { ZYDIS_MNEMONIC_LODSW, ST_LODS, 2 },
	{ ZYDIS_MNEMONIC_LODSD, ST_LODS, 4 }, { ZYDIS_MNEMONIC_LODSQ, ST_LODS, 8 },
	{ ZYDIS_MNEMONIC_CMPSB, ST_CMPS, 1 }, { ZYDIS_MNEMONIC_CMPSW, ST_CMPS, 2 },
	{ ZYDIS_MNEMONIC_CMPSD, ST_CMPS, 4 }, { ZYDIS_MNEMONIC_CMPSQ, ST_CMPS, 8 },
	{ ZYDIS_MNEMONIC_SCASB, ST_SCAS, 1 }, { ZYDIS_MNEMONIC_SCASW, ST_SCAS, 2 },
	{ ZYDIS_MNEMONIC_SCASD, ST_SCAS, 4 }, { ZYDIS_MNEMONIC_SCASQ, ST_SCAS, 8 },
};

static const struct str_desc *desc_of(unsigned mnemonic)
{
	unsigned i;

	for (i = 0; i < sizeof(str_table) / sizeof(str_table[0]); i++)
		if (str_table[i].mnemonic == mnemonic)
			return &str_table[i];
	return NULL;
}

/* One element; the registers are updated only when it completed. */
static int element(struct soft_cpu *cpu, const struct insn *in, unsigned kind, unsigned size,
		   uint64_t step)
{
	unsigned as = in->addrsize;
	uint64_t am = size_mask(as), si = cpu->gpr[R_RSI] & am, di = cpu->gpr[R_RDI] & am;
	uint64_t a = 0, b = 0;
	int rc;

	switch (kind) {
	case ST_MOVS:
		rc = mem_read(cpu, in->aux, si, &a, size);
		if (rc)
			return rc;
		rc = mem_write(cpu, SEG_ES, di, &a, size);
		if (rc)
			return rc;
		reg_set(cpu, R_RSI, as, si + step);
		reg_set(cpu, R_RDI, as, di + step);
		return EXEC_OK;
	case ST_STOS:
		a = cpu->gpr[R_RAX];
		rc = mem_write(cpu, SEG_ES, di, &a, size);
		if (rc)
			return rc;
		reg_set(cpu, R_RDI, as, di + step);
		return EXEC_OK;
	case ST_LODS:
		rc = mem_read(cpu, in->aux, si, &a, size);
		if (rc)
			return rc;
		reg_set(cpu, R_RAX, size, a);
		reg_set(cpu, R_RSI, as, si + step);
		return EXEC_OK;
	case ST_CMPS:
		rc = mem_read(cpu, in->aux, si, &a, size);
		if (rc)
			return rc;
		rc = mem_read(cpu, SEG_ES, di, &b, size);
		if (rc)
			return rc;
		lf_set(cpu, LF_SUB, size, a, b, (a - b) & size_mask(size));
		reg_set(cpu, R_RSI, as, si + step);
		reg_set(cpu, R_RDI, as, di + step);
		return EXEC_OK;
	default: /* SCAS */
		a = cpu->gpr[R_RAX] & size_mask(size);
		rc = mem_read(cpu, SEG_ES, di, &b, size);
		if (rc)
			return rc;
		lf_set(cpu, LF_SUB, size, a, b, (a - b) & size_mask(size));
		reg_set(cpu, R_RDI, as, di + step);
		return EXEC_OK;
	}
}

/*
 * rep stos forward in 64-bit mode, a page at a time through one host
 * pointer (RAM only; MMIO and page-straddling elements go element by
 * element). Returns EXEC_OK with *done set when it made progress.
 */
/* Whole elements of size bytes in room bytes, at most cx of them (0: none fits). */
static unsigned bulk_count(unsigned room, unsigned size, uint64_t cx)
{
	unsigned n = room / size;

	return n > cx ? (unsigned)cx : n;
}

static int stos_bulk(struct soft_cpu *cpu, const struct insn *in, unsigned size, bool *done)
{
	uint64_t di = cpu->gpr[R_RDI], cx = cpu->gpr[R_RCX], v = cpu->gpr[R_RAX], w;
	unsigned n = bulk_count(4096 - (unsigned)(di & 0xfff), size, cx), i;
	uint8_t *p;
	int rc;

	*done = false;
	if (!n)
		return EXEC_OK;
	p = mem_rmw_ptr(cpu, SEG_ES, di, n * size, &rc);
	if (!p)
		return rc;
	w = v & size_mask(size);
	if (w == (w & 0xff) * (0x0101010101010101ULL & size_mask(size))) {
		/* one byte repeated (Linux's clear_page: rep stosq of 0) */
		memset(p, (int)(v & 0xff), (size_t)n * size);
	} else if (size == 8) {
		for (i = 0; i < n; i++) /* constant sizes: plain moves, not a rep movs per element */
			memcpy(p + 8 * i, &v, 8);
	} else if (size == 4) {
		for (i = 0; i < n; i++)
			memcpy(p + 4 * i, &v, 4);
	} else {
		for (i = 0; i < n; i++)
			memcpy(p + 2 * i, &v, 2);
	}
	cpu->gpr[R_RDI] = di + (uint64_t)n * size;
	cpu->gpr[R_RCX] = cx - n;
	*done = true;
	return EXEC_OK;
}

/*
 * rep movs forward in 64-bit mode, as much as lies in one page of the
 * source and one of the destination, through host pointers (RAM only).
 * The source is translated first, as an element reads before it writes,
 * so the same fault comes first. Overlapping ranges (a forward copy onto
 * itself replicates its first bytes, which memmove would not) go element
 * by element.
 */
static int movs_bulk(struct soft_cpu *cpu, const struct insn *in, unsigned size, bool *done)
{
	uint64_t si = cpu->gpr[R_RSI], di = cpu->gpr[R_RDI], cx = cpu->gpr[R_RCX];
	unsigned rs = 4096 - (unsigned)(si & 0xfff), rd = 4096 - (unsigned)(di & 0xfff);
	unsigned n = bulk_count(rs < rd ? rs : rd, size, cx), len = n * size;
	const uint8_t *src;
	uint8_t *dst;
	int rc;

	*done = false;
	if (!n)
		return EXEC_OK;
	src = mem_read_ptr(cpu, in->aux, si, len, &rc);
	if (!src)
		return rc;
	dst = mem_rmw_ptr(cpu, SEG_ES, di, len, &rc);
	if (!dst)
		return rc;
	if (dst != src && dst < src + len && src < dst + len)
		return EXEC_OK;
	memmove(dst, src, len);
	cpu->gpr[R_RSI] = si + len;
	cpu->gpr[R_RDI] = di + len;
	cpu->gpr[R_RCX] = cx - n;
	*done = true;
	return EXEC_OK;
}

/* Elements of the loop's string work that a bulk chunk of bytes costs: one per 64 bytes. */
static inline int32_t bulk_units(uint64_t bytes)
{
	return (int32_t)(bytes / 64) + 1;
}

/*
 * The rep loop. Every element (and every bulk chunk) spends the run
 * loop's string work, also when it completes the instruction; once the
 * work is gone the instruction stops after its progress (a partial rep
 * re-executes at rip) and returns EXEC_YIELD, so that the loop looks at
 * kicks within a bounded time whatever RCX the guest chose.
 */
static int rep_loop(struct soft_cpu *cpu, const struct insn *in, const struct str_desc *d,
		    uint64_t step)
{
	unsigned as = in->addrsize;
	uint64_t am = size_mask(as);
	bool cond = d->kind == ST_CMPS || d->kind == ST_SCAS;
	bool bulk = (d->kind == ST_STOS || d->kind == ST_MOVS) && as == 8 && cpu->code_bits == 64 &&
		    !(cpu->rflags & FL_DF);
	int32_t work = cpu->string_work;
	int rc = EXEC_OK;

	for (;;) {
		uint64_t cx = cpu->gpr[R_RCX] & am;

		if (!cx)
			break;
		if (bulk && cx > 1) {
			bool done;

			rc = d->kind == ST_STOS ? stos_bulk(cpu, in, d->size, &done)
						: movs_bulk(cpu, in, d->size, &done);
			if (rc)
				break;
			if (done) {
				work -= bulk_units((cx - cpu->gpr[R_RCX]) * d->size);
				if (!cpu->gpr[R_RCX])
					break;
				if (work <= 0)
					goto yield;
				continue;
			}
		}
		rc = element(cpu, in, d->kind, d->size, step);
		if (rc)
			break;
		reg_set(cpu, R_RCX, as, cx - 1);
		work--;
		if (cond) {
			bool zf = cpu_cond(cpu, 4);

			if ((in->prefix & PFX_REPNE) ? zf : !zf)
				break;
		}
		if (cx == 1)
			break;
		if (cpu->io.exit_after_commit | cpu->io.replay) {
			/*
			 * More to do: run this instruction again after the exit,
			 * or, when this element took I/O data the VMM completed,
			 * afresh, so that the next element's reads are new ones.
			 */
			cpu->next_rip = cpu->rip;
			break;
		}
		if (work <= 0)
			goto yield;
	}
	cpu->string_work = work;
	return rc == EXEC_OK && work <= 0 ? EXEC_YIELD : rc;
yield:
	cpu->string_work = work;
	cpu->next_rip = cpu->rip; /* the rest after the loop has looked at kicks */
	return EXEC_YIELD;
}

int exec_string(struct soft_cpu *cpu, const struct insn *in)
{
	const struct str_desc *d = desc_of(in->mnemonic);
	uint64_t step;

	if (!d)
		return cpu_undefined(cpu, in);
	step = (cpu->rflags & FL_DF) ? -(uint64_t)d->size : d->size;
	if (!(in->prefix & (PFX_REP | PFX_REPNE)))
		return element(cpu, in, d->kind, d->size, step);
	return rep_loop(cpu, in, d, step);
}
