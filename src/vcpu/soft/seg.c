// SPDX-License-Identifier: MIT
/*
 * Segmentation state changes: descriptor loads from the GDT/LDT with the
 * SDM's checks and error codes, MOV/POP to segment registers, far
 * JMP/CALL/RET, and the mode bookkeeping (CPL, 16/32/64-bit code) that
 * follows CS, CR0.PE and EFER.LMA.
 */
#include <string.h>

#include <Zydis/Zydis.h>

#include "vcpu/soft/sys.h"

void cpu_update_mode(struct soft_cpu *cpu)
{
	const struct seg *cs = &cpu->seg[SEG_CS];

	if (!cpu_protected(cpu)) {
		cpu->cpl = 0;
		cpu->code_bits = 16;
	} else if (cpu->rflags & FL_VM) {
		cpu->cpl = 3;
		cpu->code_bits = 16;
	} else {
		/* As VMX and KVM: the CPL is SS.DPL (equal to CS.RPL except in transitions). */
		cpu->cpl = cpu->seg[SEG_SS].dpl;
		if (cpu_long_mode(cpu) && cs->l)
			cpu->code_bits = 64;
		else
			cpu->code_bits = cs->db ? 32 : 16;
	}
}

void seg_from_desc(struct seg *s, uint16_t sel, uint64_t d)
{
	s->sel = sel;
	s->base = ((d >> 16) & 0xffffff) | (((d >> 56) & 0xff) << 24);
	s->limit = (uint32_t)((d & 0xffff) | ((d >> 32) & 0xf0000));
	s->type = (d >> 40) & 15;
	s->s = (d >> 44) & 1;
	s->dpl = (d >> 45) & 3;
	s->present = (d >> 47) & 1;
	s->avl = (d >> 52) & 1;
	s->l = (d >> 53) & 1;
	s->db = (d >> 54) & 1;
	s->g = (d >> 55) & 1;
	if (s->g)
		s->limit = (s->limit << 12) | 0xfff;
	s->unusable = 0;
}

void seg_load_null(struct seg *s, uint16_t sel)
{
	memset(s, 0, sizeof(*s));
	s->sel = sel;
	s->unusable = 1;
}

int seg_read_desc(struct soft_cpu *cpu, uint16_t sel, uint64_t *desc, int fault_vec)
{
	const struct dtable *t = &cpu->gdtr;
	struct dtable ldt;
	uint32_t idx = sel & ~7u;

	if (sel & 4) {
		if (cpu->ldtr.unusable || !cpu->ldtr.present)
			return cpu_fault(cpu, fault_vec, sel & 0xfffc);
		ldt.base = cpu->ldtr.base;
		ldt.limit = (uint16_t)(cpu->ldtr.limit > 0xffff ? 0xffff : cpu->ldtr.limit);
		if (idx + 7 > cpu->ldtr.limit)
			return cpu_fault(cpu, fault_vec, sel & 0xfffc);
		t = &ldt;
	} else if (idx + 7 > t->limit) {
		return cpu_fault(cpu, fault_vec, sel & 0xfffc);
	}
	return mem_read_lin(cpu, t->base + idx, desc, 8, ACC_SUPER);
}

int seg_set_accessed(struct soft_cpu *cpu, uint16_t sel, uint64_t desc)
{
	uint64_t base = (sel & 4) ? cpu->ldtr.base : cpu->gdtr.base;
	uint8_t b = (uint8_t)(desc >> 40);

	if (b & 1)
		return EXEC_OK;
	b |= 1;
	return mem_write_lin(cpu, base + (sel & ~7u) + 5, &b, 1, ACC_SUPER);
}

/* 16-byte system descriptors of long mode: the upper half holds base 63:32. */
static int read_desc_hi(struct soft_cpu *cpu, uint16_t sel, uint32_t *hi)
{
	uint64_t d;
	int rc;

	rc = seg_read_desc(cpu, (uint16_t)(sel + 8), &d, X_GP);
	if (rc)
		return rc;
	*hi = (uint32_t)d;
	return EXEC_OK;
}

int seg_load(struct soft_cpu *cpu, int seg, uint16_t sel)
{
	struct seg *s = &cpu->seg[seg];
	uint16_t rpl = sel & 3;
	uint64_t d;
	struct seg n;
	int rc;

	if (seg == SEG_CS || seg > SEG_GS)
		return cpu_fault_noerr(cpu, X_UD);
	if (!cpu_protected(cpu) || (cpu->rflags & FL_VM)) {
		s->sel = sel;
		s->base = (uint64_t)sel << 4;
		s->unusable = 0;
		if (seg == SEG_SS)
			cpu->int_shadow = true;
		return EXEC_OK;
	}
	if ((sel & ~3u) == 0) {
		if (seg == SEG_SS && !(cpu->code_bits == 64 && cpu->cpl < 3 && rpl == cpu->cpl))
			return cpu_fault(cpu, X_GP, 0);
		seg_load_null(s, sel);
		if (seg == SEG_SS) {
			s->dpl = cpu->cpl; /* 64-bit null SS keeps the CPL */
			s->db = 1;
			cpu->int_shadow = true;
		}
		return EXEC_OK;
	}
	rc = seg_read_desc(cpu, sel, &d, X_GP);
	if (rc)
		return rc;
	seg_from_desc(&n, sel, d);
	if (seg == SEG_SS) {
		if (rpl != cpu->cpl || !n.s ||
		    (n.type & (SEG_TYPE_CODE | SEG_TYPE_WR)) != SEG_TYPE_WR || n.dpl != cpu->cpl)
			return cpu_fault(cpu, X_GP, sel & 0xfffc);
		if (!n.present)
			return cpu_fault(cpu, X_SS, sel & 0xfffc);
	} else {
		if (!n.s || (n.type & (SEG_TYPE_CODE | SEG_TYPE_WR)) == SEG_TYPE_CODE)
			return cpu_fault(cpu, X_GP, sel & 0xfffc);
		/* data or non-conforming code: RPL and CPL must not exceed DPL */
		if ((!(n.type & SEG_TYPE_CODE) || !(n.type & SEG_TYPE_DC)) &&
		    (rpl > n.dpl || cpu->cpl > n.dpl))
			return cpu_fault(cpu, X_GP, sel & 0xfffc);
		if (!n.present)
			return cpu_fault(cpu, X_NP, sel & 0xfffc);
	}
	rc = seg_set_accessed(cpu, sel, d);
	if (rc)
		return rc;
	n.type |= SEG_TYPE_ACCESSED;
	*s = n;
	if (seg == SEG_SS)
		cpu->int_shadow = true;
	return EXEC_OK;
}

void seg_null_outer(struct soft_cpu *cpu)
{
	static const int segs[] = { SEG_ES, SEG_DS, SEG_FS, SEG_GS };
	unsigned i;

	for (i = 0; i < 4; i++) {
		struct seg *s = &cpu->seg[segs[i]];
		bool conforming_code =
		    (s->type & (SEG_TYPE_CODE | SEG_TYPE_DC)) == (SEG_TYPE_CODE | SEG_TYPE_DC);

		if (s->unusable || (s->sel & ~3u) == 0)
			continue;
		if (s->dpl < cpu->cpl && !conforming_code) {
			uint64_t base = s->base;

			seg_load_null(s, 0);
			/* 64-bit FS/GS bases are MSR state and survive */
			if (cpu_long_mode(cpu) && (segs[i] == SEG_FS || segs[i] == SEG_GS))
				s->base = base;
		}
	}
}

/* Check a code descriptor as the target of a far JMP/CALL (SDM JMP/CALL pseudo-code). */
static int check_code_target(struct soft_cpu *cpu, uint16_t sel, const struct seg *n)
{
	if (!n->s || !(n->type & SEG_TYPE_CODE))
		return cpu_fault(cpu, X_GP, sel & 0xfffc);
	if (n->type & SEG_TYPE_DC) {
		if (n->dpl > cpu->cpl)
			return cpu_fault(cpu, X_GP, sel & 0xfffc);
	} else if ((sel & 3) > cpu->cpl || n->dpl != cpu->cpl) {
		return cpu_fault(cpu, X_GP, sel & 0xfffc);
	}
	if (!n->present)
		return cpu_fault(cpu, X_NP, sel & 0xfffc);
	if (cpu_long_mode(cpu) && n->l && n->db)
		return cpu_fault(cpu, X_GP, sel & 0xfffc);
	return EXEC_OK;
}

static int check_offset(struct soft_cpu *cpu, const struct seg *n, uint64_t off)
{
	if (cpu_long_mode(cpu) && n->l) {
		if (!is_canonical(off))
			return cpu_fault(cpu, X_GP, 0);
	} else if (off > n->limit) {
		return cpu_fault(cpu, X_GP, 0);
	}
	return EXEC_OK;
}

int seg_far_transfer(struct soft_cpu *cpu, uint16_t sel, uint64_t off, bool call, unsigned opsize)
{
	uint64_t d, sp = cpu->gpr[R_RSP];
	struct seg n;
	int rc;

	if (!cpu_protected(cpu) || (cpu->rflags & FL_VM)) {
		if (opsize == 2)
			off &= 0xffff;
		if (call) {
			uint64_t cs = cpu->seg[SEG_CS].sel, ip = cpu->next_rip;

			rc = stack_write(cpu, opsize, opsize, cs);
			if (!rc)
				rc = stack_write(cpu, 2 * opsize, opsize, ip);
			if (rc)
				return rc;
			stack_set_sp(cpu, stack_width(cpu), sp - 2 * opsize);
		}
		cpu->seg[SEG_CS].sel = sel;
		cpu->seg[SEG_CS].base = (uint64_t)sel << 4;
		cpu->next_rip = off;
		return EXEC_OK;
	}
	if ((sel & ~3u) == 0)
		return cpu_fault(cpu, X_GP, 0);
	rc = seg_read_desc(cpu, sel, &d, X_GP);
	if (rc)
		return rc;
	seg_from_desc(&n, sel, d);
	if (!n.s) /* call gates, task gates and TSS targets are not implemented */
		return cpu_fault(cpu, X_GP, sel & 0xfffc);
	rc = check_code_target(cpu, sel, &n);
	if (rc)
		return rc;
	off = ip_mask(off, opsize);
	rc = check_offset(cpu, &n, off);
	if (rc)
		return rc;
	if (call) {
		uint64_t cs = cpu->seg[SEG_CS].sel, ip = cpu->next_rip;

		rc = stack_write(cpu, opsize, opsize, cs);
		if (!rc)
			rc = stack_write(cpu, 2 * opsize, opsize, ip);
		if (rc)
			return rc;
	}
	rc = seg_set_accessed(cpu, sel, d);
	if (rc)
		return rc;
	if (call)
		stack_set_sp(cpu, stack_width(cpu), sp - 2 * opsize);
	n.type |= SEG_TYPE_ACCESSED;
	n.sel = (uint16_t)((sel & ~3u) | cpu->cpl);
	cpu->seg[SEG_CS] = n;
	cpu->next_rip = off;
	cpu_update_mode(cpu);
	return EXEC_OK;
}

/* Selector and offset of a far pointer operand (ptr16:xx or m16:xx). */
static int far_pointer(struct soft_cpu *cpu, const struct insn *in, uint16_t *sel, uint64_t *off,
		       unsigned *opsize)
{
	const struct operand *o = &in->op[0];
	unsigned osz = in->opsize;
	uint64_t addr, v = 0;
	uint16_t s;
	int rc;

	if (o->kind == OP_PTR) {
		*sel = o->sel;
		*off = (uint64_t)o->disp;
		*opsize = osz;
		return EXEC_OK;
	}
	if (o->kind != OP_MEM)
		return cpu_fault_noerr(cpu, X_UD);
	addr = op_ea(cpu, in, 0);
	rc = mem_read(cpu, o->seg, addr, &v, osz);
	if (!rc)
		rc = mem_read(cpu, o->seg, addr + osz, &s, 2);
	if (rc)
		return rc;
	*sel = s;
	*off = v;
	*opsize = osz;
	return EXEC_OK;
}

int exec_far_jmp(struct soft_cpu *cpu, const struct insn *in)
{
	uint16_t sel;
	uint64_t off;
	unsigned osz;
	int rc = far_pointer(cpu, in, &sel, &off, &osz);

	return rc ? rc : seg_far_transfer(cpu, sel, off, false, osz);
}

int exec_far_call(struct soft_cpu *cpu, const struct insn *in)
{
	uint16_t sel;
	uint64_t off;
	unsigned osz;
	int rc = far_pointer(cpu, in, &sel, &off, &osz);

	return rc ? rc : seg_far_transfer(cpu, sel, off, true, osz);
}

/* RET far [imm16]: SDM RET pseudo-code, same and outer privilege. */
int exec_far_ret(struct soft_cpu *cpu, const struct insn *in)
{
	unsigned osz = in->opsize;
	uint64_t imm = 0, ip, csv, d, sp, ssv = 0;
	uint16_t sel, rpl;
	struct seg n, nss;
	int rc, i;

	for (i = 0; i < in->nops; i++)
		if (in->op[i].kind == OP_IMM)
			imm = (uint64_t)in->op[i].disp & 0xffff;
	rc = stack_read(cpu, 0, osz, &ip);
	if (!rc)
		rc = stack_read(cpu, osz, osz, &csv);
	if (rc)
		return rc;
	sel = (uint16_t)csv;
	rpl = sel & 3;
	sp = cpu->gpr[R_RSP] + 2 * osz + imm;
	if (!cpu_protected(cpu) || (cpu->rflags & FL_VM)) {
		cpu->seg[SEG_CS].sel = sel;
		cpu->seg[SEG_CS].base = (uint64_t)sel << 4;
		cpu->next_rip = osz == 2 ? ip & 0xffff : ip;
		stack_set_sp(cpu, stack_width(cpu), sp);
		return EXEC_OK;
	}
	if ((sel & ~3u) == 0)
		return cpu_fault(cpu, X_GP, 0);
	rc = seg_read_desc(cpu, sel, &d, X_GP);
	if (rc)
		return rc;
	seg_from_desc(&n, sel, d);
	if (rpl < cpu->cpl || !n.s || !(n.type & SEG_TYPE_CODE))
		return cpu_fault(cpu, X_GP, sel & 0xfffc);
	if ((n.type & SEG_TYPE_DC) ? n.dpl > rpl : n.dpl != rpl)
		return cpu_fault(cpu, X_GP, sel & 0xfffc);
	if (!n.present)
		return cpu_fault(cpu, X_NP, sel & 0xfffc);
	if (cpu_long_mode(cpu) && n.l && n.db)
		return cpu_fault(cpu, X_GP, sel & 0xfffc);
	ip = ip_mask(ip, osz);
	rc = check_offset(cpu, &n, ip);
	if (rc)
		return rc;
	if (rpl > cpu->cpl) {
		/* return to an outer level: pop SS:ESP too */
		uint64_t nsp, dss;
		uint16_t ssel;

		rc = stack_read(cpu, 2 * osz + imm, osz, &nsp);
		if (!rc)
			rc = stack_read(cpu, 3 * osz + imm, osz, &ssv);
		if (rc)
			return rc;
		ssel = (uint16_t)ssv;
		rc = stack_return_ss(cpu, ssel, rpl, &n, &nss, &dss);
		if (!rc && dss)
			rc = seg_set_accessed(cpu, ssel, dss);
		if (rc)
			return rc;
		if (dss)
			nss.type |= SEG_TYPE_ACCESSED;
		rc = seg_set_accessed(cpu, sel, d);
		if (rc)
			return rc;
		n.type |= SEG_TYPE_ACCESSED;
		cpu->seg[SEG_CS] = n;
		cpu->seg[SEG_SS] = nss;
		cpu_update_mode(cpu);
		stack_set_sp(cpu, stack_width(cpu), nsp + imm);
		cpu->next_rip = ip;
		seg_null_outer(cpu);
		return EXEC_OK;
	}
	rc = seg_set_accessed(cpu, sel, d);
	if (rc)
		return rc;
	n.type |= SEG_TYPE_ACCESSED;
	cpu->seg[SEG_CS] = n;
	stack_set_sp(cpu, stack_width(cpu), sp);
	cpu->next_rip = ip;
	cpu_update_mode(cpu);
	return EXEC_OK;
}

/* ---- LLDT, LTR, SLDT, STR ---- */

/* The selector operand of LLDT/LTR, after the checks both share (#UD, CPL 0). */
static int system_selector(struct soft_cpu *cpu, const struct insn *in, uint16_t *sel)
{
	uint64_t v = 0;
	int rc;

	*sel = 0;
	if (!cpu_protected(cpu) || (cpu->rflags & FL_VM))
		return cpu_fault_noerr(cpu, X_UD);
	if (cpu->cpl)
		return cpu_fault(cpu, X_GP, 0);
	rc = op_read(cpu, in, 0, &v);
	*sel = (uint16_t)v;
	return rc;
}

/*
 * Load the GDT system descriptor sel (LDT or TSS): types_ok has bit t set
 * for each acceptable type; in long mode the descriptor is 16 bytes.
 */
static int load_system_desc(struct soft_cpu *cpu, uint16_t sel, unsigned types_ok, struct seg *n,
			    uint64_t *d)
{
	uint32_t hi = 0;
	int rc;

	if (sel & 4)
		return cpu_fault(cpu, X_GP, sel & 0xfffc);
	rc = seg_read_desc(cpu, sel, d, X_GP);
	if (rc)
		return rc;
	seg_from_desc(n, sel, *d);
	if (n->s || !((types_ok >> n->type) & 1))
		return cpu_fault(cpu, X_GP, sel & 0xfffc);
	if (!n->present)
		return cpu_fault(cpu, X_NP, sel & 0xfffc);
	if (cpu_long_mode(cpu)) {
		rc = read_desc_hi(cpu, sel, &hi);
		if (rc)
			return rc;
		n->base |= (uint64_t)hi << 32;
	}
	return EXEC_OK;
}

int exec_lldt(struct soft_cpu *cpu, const struct insn *in)
{
	uint64_t d;
	uint16_t sel;
	struct seg n;
	int rc;

	rc = system_selector(cpu, in, &sel);
	if (rc)
		return rc;
	if ((sel & ~3u) == 0) {
		seg_load_null(&cpu->ldtr, sel);
		return EXEC_OK;
	}
	rc = load_system_desc(cpu, sel, 1u << 2, &n, &d);
	if (rc)
		return rc;
	cpu->ldtr = n;
	return EXEC_OK;
}

int exec_ltr(struct soft_cpu *cpu, const struct insn *in)
{
	uint64_t d;
	uint16_t sel;
	struct seg n;
	int rc;

	rc = system_selector(cpu, in, &sel);
	if (rc)
		return rc;
	if ((sel & ~3u) == 0)
		return cpu_fault(cpu, X_GP, 0);
	/* an available TSS: 32/64-bit (9), or 16-bit (1) outside long mode */
	rc = load_system_desc(cpu, sel, (1u << 9) | (cpu_long_mode(cpu) ? 0 : 1u << 1), &n, &d);
	if (rc)
		return rc;
	/* mark the descriptor busy */
	d |= 2ULL << 40;
	rc = mem_write_lin(cpu, cpu->gdtr.base + (sel & ~7u), &d, 8, ACC_SUPER);
	if (rc)
		return rc;
	n.type |= SEG_TYPE_WR;
	cpu->tr = n;
	return EXEC_OK;
}

int exec_sldt_str(struct soft_cpu *cpu, const struct insn *in)
{
	uint16_t sel = in->mnemonic == ZYDIS_MNEMONIC_SLDT ? cpu->ldtr.sel : cpu->tr.sel;

	if (!cpu_protected(cpu) || (cpu->rflags & FL_VM))
		return cpu_fault_noerr(cpu, X_UD);
	/* to a register the selector is zero-extended to the operand size; to memory 16 bits */
	return op_write(cpu, in, 0, sel);
}

/* ---- LAR, LSL, VERR, VERW ---- */

static void set_zf(struct soft_cpu *cpu, bool z)
{
	uint64_t f = cpu_get_rflags(cpu);

	cpu_set_rflags(cpu, z ? f | (1ULL << 6) : f & ~(1ULL << 6));
}

/* Descriptor of sel if it is visible at the current CPL for LAR/LSL/VERR/VERW. */
static bool desc_visible(struct soft_cpu *cpu, uint16_t sel, uint64_t *d, int *rc)
{
	struct seg n;
	uint32_t idx = sel & ~7u;
	uint32_t lim = (sel & 4) ? (cpu->ldtr.unusable ? 0 : cpu->ldtr.limit) : cpu->gdtr.limit;
	uint64_t base = (sel & 4) ? cpu->ldtr.base : cpu->gdtr.base;

	*rc = EXEC_OK;
	if ((sel & ~3u) == 0 || idx + 7 > lim || ((sel & 4) && cpu->ldtr.unusable))
		return false;
	*rc = mem_read_lin(cpu, base + idx, d, 8, ACC_SUPER);
	if (*rc)
		return false;
	seg_from_desc(&n, sel, *d);
	/* conforming code is visible at any level */
	if (n.s && (n.type & (SEG_TYPE_CODE | SEG_TYPE_DC)) == (SEG_TYPE_CODE | SEG_TYPE_DC))
		return true;
	return n.dpl >= cpu->cpl && n.dpl >= (sel & 3);
}

int exec_lar_lsl(struct soft_cpu *cpu, const struct insn *in)
{
	uint64_t v, d = 0;
	struct seg n;
	bool lar = in->mnemonic == ZYDIS_MNEMONIC_LAR, ok;
	int rc;

	if (!cpu_protected(cpu) || (cpu->rflags & FL_VM))
		return cpu_fault_noerr(cpu, X_UD);
	rc = op_read(cpu, in, 1, &v);
	if (rc)
		return rc;
	ok = desc_visible(cpu, (uint16_t)v, &d, &rc);
	if (rc)
		return rc;
	if (ok) {
		seg_from_desc(&n, (uint16_t)v, d);
		if (!n.s) {
			/* system types LAR/LSL accept: TSS, LDT, and (LAR only) gates */
			static const uint16_t lar_ok = 0x1a3e, lsl_ok = 0x0a0e;
			static const uint16_t lar64_ok = 0x1a04, lsl64_ok = 0x0a04;
			uint16_t mask = cpu_long_mode(cpu) ? (lar ? lar64_ok : lsl64_ok)
							  : (lar ? lar_ok : lsl_ok);

			ok = (mask >> n.type) & 1;
		}
	}
	set_zf(cpu, ok);
	if (!ok)
		return EXEC_OK;
	if (lar)
		return op_write(cpu, in, 0, d >> 32 & 0x00f0ff00ULL);
	return op_write(cpu, in, 0, n.limit);
}

int exec_verr_verw(struct soft_cpu *cpu, const struct insn *in)
{
	uint64_t v, d = 0;
	struct seg n;
	bool ok;
	int rc;

	if (!cpu_protected(cpu) || (cpu->rflags & FL_VM))
		return cpu_fault_noerr(cpu, X_UD);
	rc = op_read(cpu, in, 0, &v);
	if (rc)
		return rc;
	ok = desc_visible(cpu, (uint16_t)v, &d, &rc);
	if (rc)
		return rc;
	if (ok) {
		seg_from_desc(&n, (uint16_t)v, d);
		if (!n.s)
			ok = false;
		else if (in->mnemonic == ZYDIS_MNEMONIC_VERW)
			ok = !(n.type & SEG_TYPE_CODE) && (n.type & SEG_TYPE_WR);
		else
			ok = !(n.type & SEG_TYPE_CODE) || (n.type & SEG_TYPE_WR);
	}
	set_zf(cpu, ok);
	return EXEC_OK;
}
