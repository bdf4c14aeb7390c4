// SPDX-License-Identifier: MIT
/*
 * System instructions of the soft CPU: control and debug registers,
 * descriptor-table registers, HLT, CLI/STI, PUSHF/POPF, software
 * interrupts and IRET, SYSCALL/SYSRET, SYSENTER/SYSEXIT, SWAPGS, RDTSC,
 * CPUID, RDMSR/WRMSR, INVLPG and the cache/fence no-ops. Every check
 * follows the SDM's pseudo-code for the instruction; state changes only
 * after every check passed.
 */
#include <Zydis/Zydis.h>

#include "vcpu/soft/irqchip.h"
#include "vcpu/soft/sys.h"

static int need_cpl0(struct soft_cpu *cpu)
{
	return cpu->cpl ? cpu_fault(cpu, X_GP, 0) : EXEC_OK;
}

/* ---- control registers ---- */

uint64_t cpu_read_cr(struct soft_cpu *cpu, unsigned n)
{
	switch (n) {
	case 0:
		return cpu->cr0;
	case 2:
		return cpu->cr2;
	case 3:
		return cpu->cr3;
	case 4:
		return cpu->cr4;
	default:
		/* with a local APIC, CR8 is its TPR[7:4] (SDM 10.8.6.5) */
		return cpu->lapic ? irqchip_cr8(cpu) : cpu->cr8;
	}
}

#define CR4_SUPPORTED (CR4_VME | CR4_PVI | CR4_TSD | CR4_DE | CR4_PSE | CR4_PAE | CR4_MCE | \
		       CR4_PGE | CR4_PCE | CR4_OSFXSR | CR4_OSXMMEXCPT | CR4_OSXSAVE)

/* OSXSAVE is reserved unless the guest's CPUID has XSAVE (KVM: __cr4_reserved_bits). */
bool cpu_cr4_valid(const struct soft_cpu *cpu, uint64_t v)
{
	if (v & ~CR4_SUPPORTED)
		return false;
	return !(v & CR4_OSXSAVE) || cpuid_guest_has_xsave(cpu);
}

int cpu_write_cr(struct soft_cpu *cpu, unsigned n, uint64_t v)
{
	uint64_t old;

	switch (n) {
	case 0:
		old = cpu->cr0;
		if (v >> 32)
			return cpu_fault(cpu, X_GP, 0);
		if (((v & CR0_PG) && !(v & CR0_PE)) || ((v & CR0_NW) && !(v & CR0_CD)))
			return cpu_fault(cpu, X_GP, 0);
		if ((v & CR0_PG) && !(old & CR0_PG) && (cpu->efer & EFER_LME)) {
			/* entering long mode: needs PAE, and not from a 64-bit CS */
			if (!(cpu->cr4 & CR4_PAE) || cpu->seg[SEG_CS].l)
				return cpu_fault(cpu, X_GP, 0);
		}
		if (!(v & CR0_PG) && (old & CR0_PG) && cpu->code_bits == 64)
			return cpu_fault(cpu, X_GP, 0);
		/* reserved bits of the low half are ignored; ET is hardwired */
		v &= CR0_PE | CR0_MP | CR0_EM | CR0_TS | CR0_NE | CR0_WP | CR0_AM | CR0_NW |
		     CR0_CD | CR0_PG;
		v |= CR0_ET;
		cpu->cr0 = v;
		if ((v & CR0_PG) && !(old & CR0_PG) && (cpu->efer & EFER_LME))
			cpu->efer |= EFER_LMA;
		if (!(v & CR0_PG) && (old & CR0_PG))
			cpu->efer &= ~EFER_LMA;
		if ((old ^ v) & (CR0_PG | CR0_WP | CR0_PE))
			tlb_flush(cpu);
		cpu_update_mode(cpu);
		return EXEC_OK;
	case 2:
		cpu->cr2 = v;
		return EXEC_OK;
	case 3:
		if (cpu_long_mode(cpu) && (v >> SOFT_MAXPHYADDR))
			return cpu_fault(cpu, X_GP, 0);
		cpu->cr3 = cpu_long_mode(cpu) ? v : (uint32_t)v;
		tlb_flush_nonglobal(cpu);
		return EXEC_OK;
	case 4:
		old = cpu->cr4;
		if (!cpu_cr4_valid(cpu, v))
			return cpu_fault(cpu, X_GP, 0);
		if (cpu_long_mode(cpu) && !(v & CR4_PAE))
			return cpu_fault(cpu, X_GP, 0);
		cpu->cr4 = v;
		if ((old ^ v) & (CR4_PSE | CR4_PAE | CR4_PGE))
			tlb_flush(cpu);
		return EXEC_OK;
	case 8:
		if (v & ~15ULL)
			return cpu_fault(cpu, X_GP, 0);
		if (cpu->lapic)
			irqchip_set_cr8(cpu, v);
		else
			cpu->cr8 = v;
		return EXEC_OK;
	}
	return cpu_fault_noerr(cpu, X_UD);
}

int exec_mov_cr(struct soft_cpu *cpu, const struct insn *in)
{
	bool to_cr = in->op[0].kind == OP_REG && in->op[0].reg >= R_CR0 && in->op[0].reg < R_CR0 + 16;
	const struct operand *cr = &in->op[to_cr ? 0 : 1];
	unsigned n = cr->reg - R_CR0;
	uint64_t v;
	int rc;

	if (n != 0 && n != 2 && n != 3 && n != 4 && n != 8)
		return cpu_fault_noerr(cpu, X_UD);
	rc = need_cpl0(cpu);
	if (rc)
		return rc;
	if (!to_cr) {
		v = cpu_read_cr(cpu, n);
		reg_set(cpu, in->op[0].reg, cpu->code_bits == 64 ? 8 : 4, v);
		return EXEC_OK;
	}
	v = reg_get(cpu, in->op[1].reg, cpu->code_bits == 64 ? 8 : 4);
	return cpu_write_cr(cpu, n, v);
}

int exec_mov_dr(struct soft_cpu *cpu, const struct insn *in)
{
	bool to_dr = in->op[0].kind == OP_REG && in->op[0].reg >= R_DR0 && in->op[0].reg < R_DR0 + 8;
	const struct operand *dr = &in->op[to_dr ? 0 : 1];
	unsigned n = dr->reg - R_DR0, size = cpu->code_bits == 64 ? 8 : 4;
	uint64_t v;
	int rc;

	rc = need_cpl0(cpu);
	if (rc)
		return rc;
	if (n == 4 || n == 5) {
		if (cpu->cr4 & CR4_DE)
			return cpu_fault_noerr(cpu, X_UD);
		n += 2;
	}
	if (!to_dr) {
		reg_set(cpu, in->op[0].reg, size, cpu->dr[n]);
		return EXEC_OK;
	}
	v = reg_get(cpu, in->op[1].reg, size);
	if (n >= 6 && (v >> 32))
		return cpu_fault(cpu, X_GP, 0);
	if (n == 6)
		v = (v & 0x1e00fULL) | 0xffff0ff0ULL;
	else if (n == 7)
		v = (v & 0xffff2bffULL) | 0x400;
	cpu->dr[n] = v;
	return EXEC_OK;
}

/* ---- LGDT/LIDT/SGDT/SIDT, SMSW/LMSW, CLTS ---- */

int exec_lgdt_lidt(struct soft_cpu *cpu, const struct insn *in)
{
	const struct operand *o = &in->op[0];
	uint16_t limit;
	uint64_t off, base = 0;
	int rc;

	if (o->kind != OP_MEM)
		return cpu_fault_noerr(cpu, X_UD);
	rc = need_cpl0(cpu);
	off = op_ea(cpu, in, 0);
	if (!rc)
		rc = mem_read(cpu, o->seg, off, &limit, 2);
	if (!rc)
		rc = mem_read(cpu, o->seg, off + 2, &base, cpu->code_bits == 64 ? 8 : 4);
	if (rc)
		return rc;
	if (cpu->code_bits == 64) {
		if (!is_canonical(base))
			return cpu_fault(cpu, X_GP, 0);
	} else if (in->opsize == 2) {
		base &= 0xffffff;
	}
	if (in->mnemonic == ZYDIS_MNEMONIC_LGDT) {
		cpu->gdtr.base = base;
		cpu->gdtr.limit = limit;
	} else {
		cpu->idtr.base = base;
		cpu->idtr.limit = limit;
	}
	return EXEC_OK;
}

int exec_sgdt_sidt(struct soft_cpu *cpu, const struct insn *in)
{
	const struct operand *o = &in->op[0];
	const struct dtable *t = in->mnemonic == ZYDIS_MNEMONIC_SGDT ? &cpu->gdtr : &cpu->idtr;
	uint8_t buf[10];
	unsigned n = cpu->code_bits == 64 ? 10 : 6;
	uint64_t off;

	if (o->kind != OP_MEM)
		return cpu_fault_noerr(cpu, X_UD);
	off = op_ea(cpu, in, 0);
	buf[0] = (uint8_t)t->limit;
	buf[1] = (uint8_t)(t->limit >> 8);
	for (unsigned i = 0; i < 8; i++)
		buf[2 + i] = (uint8_t)(t->base >> (8 * i));
	return mem_write(cpu, o->seg, off, buf, n);
}

int exec_smsw(struct soft_cpu *cpu, const struct insn *in)
{
	if (in->op[0].kind == OP_MEM) {
		uint16_t v = (uint16_t)cpu->cr0;

		return mem_write(cpu, in->op[0].seg, op_ea(cpu, in, 0), &v, 2);
	}
	return op_write(cpu, in, 0, cpu->cr0);
}

int exec_lmsw(struct soft_cpu *cpu, const struct insn *in)
{
	uint64_t v;
	int rc = need_cpl0(cpu);

	if (!rc)
		rc = op_read(cpu, in, 0, &v);
	if (rc)
		return rc;
	/* only PE, MP, EM, TS; PE can be set but not cleared */
	v = (cpu->cr0 & ~0xeULL) | (v & 0xf) | (cpu->cr0 & CR0_PE);
	return cpu_write_cr(cpu, 0, v);
}

int exec_clts(struct soft_cpu *cpu, const struct insn *in)
{
	int rc = need_cpl0(cpu);

	if (!rc)
		cpu->cr0 &= ~CR0_TS;
	return rc;
}

/* ---- HLT, CLI/STI, PUSHF/POPF ---- */

int exec_hlt(struct soft_cpu *cpu, const struct insn *in)
{
	int rc = need_cpl0(cpu);

	if (rc)
		return rc;
	cpu->stats.hlt++;
	/* with the in-"kernel" irqchip the vCPU sleeps in the run loop (irqchip_halt_wait) */
	if (cpu->lapic) {
		cpu->halted = true;
		return EXEC_OK;
	}
	/* KVM with a userspace irqchip: exit with RIP after the HLT */
	/*
	 * Under KVM_GUESTDBG_SINGLESTEP this host's /dev/kvm reports the
	 * step (KVM_EXIT_DEBUG after the HLT) instead of KVM_EXIT_HLT; the
	 * run loop makes that exit when no other one is pending.
	 */
	if ((cpu->debug_control & (KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP)) ==
	    (KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP))
		return EXEC_OK;
	cpu->run->exit_reason = KVM_EXIT_HLT;
	cpu->io.exit_after_commit = true;
	return EXEC_OK;
}

static unsigned iopl(const struct soft_cpu *cpu)
{
	return (cpu->rflags >> 12) & 3;
}

int exec_cli_sti(struct soft_cpu *cpu, const struct insn *in)
{
	uint64_t f = cpu_get_rflags(cpu);

	if (cpu_protected(cpu) && cpu->cpl > iopl(cpu))
		return cpu_fault(cpu, X_GP, 0);
	if (in->mnemonic == ZYDIS_MNEMONIC_CLI) {
		cpu_set_rflags(cpu, f & ~FL_IF);
	} else {
		/* interrupts stay blocked until after the next instruction */
		if (!(f & FL_IF))
			cpu->int_shadow = true;
		cpu_set_rflags(cpu, f | FL_IF);
	}
	return EXEC_OK;
}

int exec_pushf(struct soft_cpu *cpu, const struct insn *in)
{
	uint64_t f = cpu_get_rflags(cpu) & ~(FL_VM | FL_RF);

	if ((cpu->rflags & FL_VM) && iopl(cpu) < 3)
		return cpu_fault(cpu, X_GP, 0);
	return stack_push(cpu, f, in->opsize);
}

int exec_popf(struct soft_cpu *cpu, const struct insn *in)
{
	uint64_t v, f = cpu_get_rflags(cpu), mask;
	int rc;

	if ((cpu->rflags & FL_VM) && iopl(cpu) < 3)
		return cpu_fault(cpu, X_GP, 0);
	rc = stack_pop(cpu, &v, in->opsize);
	if (rc)
		return rc;
	mask = 0xcd5ULL | FL_TF | FL_DF | FL_NT | FL_AC | FL_ID; /* arithmetic + TF DF NT AC ID */
	if (!cpu_protected(cpu) || cpu->cpl == 0)
		mask |= FL_IOPL | FL_IF;
	else if (cpu->cpl <= iopl(cpu))
		mask |= FL_IF;
	if (in->opsize == 2)
		mask &= 0xffff;
	f = (f & ~mask) | (v & mask);
	f &= ~FL_RF;
	cpu_set_rflags(cpu, f | FL_FIXED);
	return EXEC_OK;
}

/* ---- INT n, INT3, INTO, INT1, IRET ---- */

int exec_int(struct soft_cpu *cpu, const struct insn *in)
{
	uint64_t v = 0;

	switch (in->mnemonic) {
	case ZYDIS_MNEMONIC_INT3:
		return cpu_soft_interrupt(cpu, X_BP);
	case ZYDIS_MNEMONIC_INTO:
		if (!(cpu_get_rflags(cpu) & (1ULL << 11)))
			return EXEC_OK;
		return cpu_soft_interrupt(cpu, X_OF);
	case ZYDIS_MNEMONIC_INT1:
		return cpu_deliver_event(cpu, X_DB, false, 0, EV_ICEBP);
	default:
		if ((cpu->rflags & FL_VM) && iopl(cpu) < 3)
			return cpu_fault(cpu, X_GP, 0);
		op_read(cpu, in, 0, &v);
		return cpu_soft_interrupt(cpu, (int)(v & 0xff));
	}
}

static int iret_real(struct soft_cpu *cpu, unsigned osz)
{
	uint64_t ip = 0, cs = 0, fl = 0, f, mask;
	int rc;

	rc = stack_read(cpu, 0, osz, &ip);
	if (!rc)
		rc = stack_read(cpu, osz, osz, &cs);
	if (!rc)
		rc = stack_read(cpu, 2 * osz, osz, &fl);
	if (rc)
		return rc;
	mask = osz == 2 ? 0xffffULL : 0x257fd5ULL;
	f = (cpu_get_rflags(cpu) & ~mask) | (fl & mask);
	cpu_set_rflags(cpu, (f & ~FL_VM) | FL_FIXED);
	cpu->seg[SEG_CS].sel = (uint16_t)cs;
	cpu->seg[SEG_CS].base = (cs & 0xffff) << 4;
	cpu->next_rip = osz == 2 ? ip & 0xffff : ip & 0xffffffffULL;
	stack_set_sp(cpu, stack_width(cpu), cpu->gpr[R_RSP] + 3 * osz);
	return EXEC_OK;
}

int exec_iret(struct soft_cpu *cpu, const struct insn *in)
{
	unsigned osz = in->mnemonic == ZYDIS_MNEMONIC_IRETQ ? 8
		       : in->mnemonic == ZYDIS_MNEMONIC_IRETD ? 4 : 2;
	uint64_t ip = 0, csv = 0, fl = 0, nsp = 0, ssv = 0, d, dss = 0, f, mask;
	unsigned rpl, old_cpl = cpu->cpl;
	bool pop_ss;
	struct seg cs, ss;
	int rc;

	/* IRET ends NMI blocking, even when it faults (SDM 6.7.1) */
	cpu->nmi_masked = false;
	if (!cpu_protected(cpu))
		return iret_real(cpu, osz);
	if ((cpu->rflags & FL_VM) || ((cpu->rflags & FL_NT) && !cpu_long_mode(cpu)))
		return cpu_fault(cpu, X_GP, 0); /* v8086 and task returns: not implemented */
	rc = stack_read(cpu, 0, osz, &ip);
	if (!rc)
		rc = stack_read(cpu, osz, osz, &csv);
	if (!rc)
		rc = stack_read(cpu, 2 * osz, osz, &fl);
	if (rc)
		return rc;
	if ((cpu->rflags & FL_NT) && cpu_long_mode(cpu))
		return cpu_fault(cpu, X_GP, 0);
	if ((fl & FL_VM) && old_cpl == 0 && osz == 4 && !cpu_long_mode(cpu))
		return cpu_fault(cpu, X_GP, 0); /* return to v8086: not implemented */
	rpl = csv & 3;
	if ((csv & 0xfffc) == 0)
		return cpu_fault(cpu, X_GP, 0);
	rc = seg_read_desc(cpu, (uint16_t)csv, &d, X_GP);
	if (rc)
		return rc;
	seg_from_desc(&cs, (uint16_t)csv, d);
	if (rpl < old_cpl || !cs.s || !(cs.type & SEG_TYPE_CODE) ||
	    ((cs.type & SEG_TYPE_DC) ? cs.dpl > rpl : cs.dpl != rpl))
		return cpu_fault(cpu, X_GP, csv & 0xfffc);
	if (cpu_long_mode(cpu) && cs.l && cs.db)
		return cpu_fault(cpu, X_GP, csv & 0xfffc);
	if (!cs.present)
		return cpu_fault(cpu, X_NP, csv & 0xfffc);
	pop_ss = rpl > old_cpl || cpu->code_bits == 64;
	if (pop_ss) {
		rc = stack_read(cpu, 3 * osz, osz, &nsp);
		if (!rc)
			rc = stack_read(cpu, 4 * osz, osz, &ssv);
		if (!rc)
			rc = stack_return_ss(cpu, (uint16_t)ssv, rpl, &cs, &ss, &dss);
		if (rc)
			return rc;
	}
	ip = ip_mask(ip, osz);
	if (cpu_long_mode(cpu) && cs.l) {
		if (!is_canonical(ip))
			return cpu_fault(cpu, X_GP, 0);
	} else if (ip > cs.limit) {
		return cpu_fault(cpu, X_GP, 0);
	}
	/* commit */
	rc = seg_set_accessed(cpu, (uint16_t)csv, d);
	if (!rc && pop_ss && dss)
		rc = seg_set_accessed(cpu, (uint16_t)ssv, dss);
	if (rc)
		return rc;
	mask = 0xcd5ULL | FL_TF | FL_DF | FL_NT | FL_AC | FL_ID | FL_RF;
	if (old_cpl == 0)
		mask |= FL_IOPL | FL_VIF | FL_VIP;
	if (old_cpl <= iopl(cpu))
		mask |= FL_IF;
	if (osz == 2)
		mask &= 0xffff;
	f = (cpu_get_rflags(cpu) & ~mask) | (fl & mask);
	cpu_set_rflags(cpu, f | FL_FIXED);
	cs.type |= SEG_TYPE_ACCESSED;
	cpu->seg[SEG_CS] = cs;
	if (pop_ss) {
		if (dss)
			ss.type |= SEG_TYPE_ACCESSED;
		cpu->seg[SEG_SS] = ss;
	}
	/* at the width of the new SS, in the mode IRET ran in (64-bit: the whole RSP) */
	if (pop_ss)
		stack_set_sp(cpu, stack_width_of(cpu, &ss), nsp);
	else
		stack_set_sp(cpu, stack_width(cpu), cpu->gpr[R_RSP] + 3 * osz);
	cpu_update_mode(cpu);
	cpu->next_rip = ip;
	if (rpl > old_cpl)
		seg_null_outer(cpu);
	return EXEC_OK;
}

/* ---- SYSCALL/SYSRET, SYSENTER/SYSEXIT, SWAPGS ---- */

static void flat_seg(struct seg *s, uint16_t sel, bool code, unsigned dpl, bool l64)
{
	s->sel = sel;
	s->base = 0;
	s->limit = 0xffffffff;
	s->type = code ? 0xb : 0x3;
	s->s = 1;
	s->dpl = (uint8_t)dpl;
	s->present = 1;
	s->avl = 0;
	s->l = code && l64;
	s->db = !(code && l64);
	s->g = 1;
	s->unusable = 0;
}

int exec_syscall(struct soft_cpu *cpu, const struct insn *in)
{
	uint16_t sel = (uint16_t)(cpu->star >> 32) & 0xfffc;
	uint64_t f = cpu_get_rflags(cpu);

	if (!(cpu->efer & EFER_SCE) || !cpu_protected(cpu))
		return cpu_fault_noerr(cpu, X_UD);
	if (cpu_long_mode(cpu)) {
		cpu->gpr[R_RCX] = cpu->next_rip;
		cpu->gpr[R_R11] = f & ~FL_RF;
		flat_seg(&cpu->seg[SEG_CS], sel, true, 0, true);
		flat_seg(&cpu->seg[SEG_SS], (uint16_t)(sel + 8), false, 0, false);
		cpu->next_rip = cpu->code_bits == 64 ? cpu->lstar : cpu->cstar;
		cpu_set_rflags(cpu, (f & ~(cpu->fmask | FL_RF)) | FL_FIXED);
	} else {
		cpu->gpr[R_RCX] = (uint32_t)cpu->next_rip;
		flat_seg(&cpu->seg[SEG_CS], sel, true, 0, false);
		flat_seg(&cpu->seg[SEG_SS], (uint16_t)(sel + 8), false, 0, false);
		cpu->next_rip = (uint32_t)cpu->star;
		cpu_set_rflags(cpu, f & ~(FL_VM | FL_IF | FL_RF));
	}
	cpu_update_mode(cpu);
	return EXEC_OK;
}

int exec_sysret(struct soft_cpu *cpu, const struct insn *in)
{
	uint16_t sel = (uint16_t)(cpu->star >> 48);
	bool to64 = in->opsize == 8;

	if (!(cpu->efer & EFER_SCE) || !cpu_protected(cpu))
		return cpu_fault_noerr(cpu, X_UD);
	if (cpu->cpl)
		return cpu_fault(cpu, X_GP, 0);
	if (to64 && !is_canonical(cpu->gpr[R_RCX]))
		return cpu_fault(cpu, X_GP, 0);
	if (to64) {
		flat_seg(&cpu->seg[SEG_CS], (uint16_t)((sel + 16) | 3), true, 3, true);
		cpu->next_rip = cpu->gpr[R_RCX];
	} else {
		flat_seg(&cpu->seg[SEG_CS], (uint16_t)(sel | 3), true, 3, false);
		cpu->next_rip = (uint32_t)cpu->gpr[R_RCX];
	}
	/* SS keeps a selector from STAR; the cached attributes are fixed (SDM SYSRET) */
	flat_seg(&cpu->seg[SEG_SS], (uint16_t)((sel + 8) | 3), false, 3, false);
	if (cpu_long_mode(cpu))
		cpu_set_rflags(cpu, (cpu->gpr[R_R11] & 0x3c7fd7ULL) | FL_FIXED);
	else
		cpu_set_rflags(cpu, cpu_get_rflags(cpu) | FL_IF);
	cpu_update_mode(cpu);
	return EXEC_OK;
}

int exec_sysenter(struct soft_cpu *cpu, const struct insn *in)
{
	uint16_t sel = (uint16_t)cpu->sysenter_cs & 0xfffc;
	bool lm = cpu_long_mode(cpu);

	if (!cpu_protected(cpu) || !sel)
		return cpu_fault(cpu, X_GP, 0);
	cpu_set_rflags(cpu, cpu_get_rflags(cpu) & ~(FL_VM | FL_IF | FL_RF));
	flat_seg(&cpu->seg[SEG_CS], sel, true, 0, lm);
	flat_seg(&cpu->seg[SEG_SS], (uint16_t)(sel + 8), false, 0, false);
	cpu->gpr[R_RSP] = lm ? cpu->sysenter_esp : (uint32_t)cpu->sysenter_esp;
	cpu->next_rip = lm ? cpu->sysenter_eip : (uint32_t)cpu->sysenter_eip;
	cpu_update_mode(cpu);
	return EXEC_OK;
}

int exec_sysexit(struct soft_cpu *cpu, const struct insn *in)
{
	uint16_t sel = (uint16_t)cpu->sysenter_cs & 0xfffc;
	bool to64 = in->opsize == 8;

	if (!cpu_protected(cpu) || cpu->cpl || !sel)
		return cpu_fault(cpu, X_GP, 0);
	if (to64) {
		if (!is_canonical(cpu->gpr[R_RDX]) || !is_canonical(cpu->gpr[R_RCX]))
			return cpu_fault(cpu, X_GP, 0);
		flat_seg(&cpu->seg[SEG_CS], (uint16_t)((sel + 32) | 3), true, 3, true);
		flat_seg(&cpu->seg[SEG_SS], (uint16_t)((sel + 40) | 3), false, 3, false);
		cpu->gpr[R_RSP] = cpu->gpr[R_RCX];
		cpu->next_rip = cpu->gpr[R_RDX];
	} else {
		flat_seg(&cpu->seg[SEG_CS], (uint16_t)((sel + 16) | 3), true, 3, false);
		flat_seg(&cpu->seg[SEG_SS], (uint16_t)((sel + 24) | 3), false, 3, false);
		cpu->gpr[R_RSP] = (uint32_t)cpu->gpr[R_RCX];
		cpu->next_rip = (uint32_t)cpu->gpr[R_RDX];
	}
	cpu_update_mode(cpu);
	return EXEC_OK;
}

int exec_swapgs(struct soft_cpu *cpu, const struct insn *in)
{
	uint64_t t;

	if (cpu->code_bits != 64)
		return cpu_fault_noerr(cpu, X_UD);
	if (cpu->cpl)
		return cpu_fault(cpu, X_GP, 0);
	t = cpu->seg[SEG_GS].base;
	cpu->seg[SEG_GS].base = cpu->kernel_gs_base;
	cpu->kernel_gs_base = t;
	return EXEC_OK;
}

/* ---- RDTSC/RDTSCP, CPUID, RDMSR/WRMSR ---- */

static void set_edx_eax(struct soft_cpu *cpu, uint64_t v)
{
	cpu->gpr[R_RAX] = (uint32_t)v;
	cpu->gpr[R_RDX] = v >> 32;
}

int exec_rdtsc(struct soft_cpu *cpu, const struct insn *in)
{
	if ((cpu->cr4 & CR4_TSD) && cpu->cpl && cpu_protected(cpu))
		return cpu_fault(cpu, X_GP, 0);
	set_edx_eax(cpu, cpu_tsc(cpu));
	if (in->mnemonic == ZYDIS_MNEMONIC_RDTSCP)
		cpu->gpr[R_RCX] = (uint32_t)cpu->tsc_aux;
	return EXEC_OK;
}

int exec_cpuid(struct soft_cpu *cpu, const struct insn *in)
{
	uint32_t r[4];

	cpuid_query(cpu, (uint32_t)cpu->gpr[R_RAX], (uint32_t)cpu->gpr[R_RCX], r);
	cpu->gpr[R_RAX] = r[0];
	cpu->gpr[R_RBX] = r[1];
	cpu->gpr[R_RCX] = r[2];
	cpu->gpr[R_RDX] = r[3];
	cpu->stats.cpuid++;
	return EXEC_OK;
}

int exec_rdmsr(struct soft_cpu *cpu, const struct insn *in)
{
	uint64_t v;
	int rc = need_cpl0(cpu);

	if (rc)
		return rc;
	if (msr_read(cpu, (uint32_t)cpu->gpr[R_RCX], &v))
		return cpu_fault(cpu, X_GP, 0);
	set_edx_eax(cpu, v);
	cpu->stats.msr_read++;
	return EXEC_OK;
}

int exec_wrmsr(struct soft_cpu *cpu, const struct insn *in)
{
	uint64_t v = (cpu->gpr[R_RDX] << 32) | (uint32_t)cpu->gpr[R_RAX];
	int rc = need_cpl0(cpu);

	if (rc)
		return rc;
	if (msr_write(cpu, (uint32_t)cpu->gpr[R_RCX], v))
		return cpu_fault(cpu, X_GP, 0);
	cpu->stats.msr_write++;
	return EXEC_OK;
}

/* ---- INVLPG, no-ops, UD2 ---- */

int exec_invlpg(struct soft_cpu *cpu, const struct insn *in)
{
	uint64_t off, lin;
	int rc = need_cpl0(cpu);

	if (rc)
		return rc;
	off = op_ea(cpu, in, 0);
	if (cpu->code_bits == 64) {
		lin = off;
		if (in->op[0].seg == SEG_FS || in->op[0].seg == SEG_GS)
			lin += cpu->seg[in->op[0].seg].base;
	} else {
		lin = (cpu->seg[in->op[0].seg < SEG_NONE ? in->op[0].seg : SEG_DS].base + off) &
		      0xffffffffULL;
	}
	tlb_flush_page(cpu, lin);
	return EXEC_OK;
}

int exec_priv_nop(struct soft_cpu *cpu, const struct insn *in)
{
	return need_cpl0(cpu);
}

int exec_ud2(struct soft_cpu *cpu, const struct insn *in)
{
	return cpu_fault_noerr(cpu, X_UD);
}
