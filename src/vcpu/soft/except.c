// SPDX-License-Identifier: MIT
/*
 * Exception and interrupt delivery through the guest's IDT (SDM vol. 3
 * ch. 6): real-mode IVT, 32-bit protected mode (interrupt/trap gates,
 * stack switch from the 32-bit TSS) and long mode (16-byte gates, IST,
 * RSP0 from the 64-bit TSS, aligned stack, null SS on a privilege
 * change). A fault while delivering becomes #DF when the SDM's classes
 * say so; a fault while delivering #DF is a triple fault: KVM_EXIT_SHUTDOWN.
 * Every delivery writes the whole frame before it changes any register,
 * so a fault while delivering leaves the state as it was.
 */
#include <string.h>

#include "vcpu/soft/sys.h"

int cpu_fault(struct soft_cpu *cpu, int vector, uint32_t error)
{
	cpu->exc.pending = true;
	cpu->exc.vector = (uint8_t)vector;
	cpu->exc.has_error = true;
	cpu->exc.error = error;
	return EXEC_FAULT;
}

int cpu_fault_noerr(struct soft_cpu *cpu, int vector)
{
	cpu->exc.pending = true;
	cpu->exc.vector = (uint8_t)vector;
	cpu->exc.has_error = false;
	cpu->exc.error = 0;
	return EXEC_FAULT;
}

/* Faults (as opposed to traps and aborts) push RF=1 (SDM 17.3.1.1). */
static bool fault_class(unsigned v)
{
	switch (v) {
	case X_DE: case X_BR: case X_UD: case X_NM: case X_TS: case X_NP: case X_SS:
	case X_GP: case X_PF: case X_MF: case X_AC: case X_XM:
		return true;
	default:
		return false;
	}
}

struct gate {
	uint16_t sel;
	uint64_t off;
	uint8_t type, dpl, present, ist;
};

struct frame {
	uint64_t v[6];
	unsigned n;
};

static int write_frame(struct soft_cpu *cpu, const struct seg *ss, uint64_t sp, uint64_t mask,
		       unsigned size, const struct frame *f, int acc, uint64_t *new_sp)
{
	unsigned i;
	int rc;

	/* v[0] is pushed first, so it sits highest */
	for (i = 0; i < f->n; i++) {
		uint64_t a = (sp - (uint64_t)(i + 1) * size) & mask;
		uint64_t lin = cpu_long_mode(cpu) && mask == ~0ULL ? a : (ss->base + a) & 0xffffffffULL;

		rc = mem_write_lin(cpu, lin, &f->v[i], size, acc);
		if (rc)
			return rc;
	}
	*new_sp = (sp - (uint64_t)f->n * size) & mask;
	return EXEC_OK;
}

/* Real mode: the IVT at IDTR.base, FLAGS/CS/IP pushed on SS:SP. */
static int deliver_real(struct soft_cpu *cpu, unsigned vec, uint64_t ret)
{
	uint32_t ent;
	uint64_t fl = cpu_get_rflags(cpu), sp;
	struct frame f = { { fl & 0xffff, cpu->seg[SEG_CS].sel, ret & 0xffff }, 3 };
	struct seg *ss = &cpu->seg[SEG_SS];
	unsigned width = stack_width(cpu);
	int rc;

	if (vec * 4 + 3 > cpu->idtr.limit)
		return cpu_fault(cpu, X_GP, 0);
	rc = mem_read_lin(cpu, cpu->idtr.base + vec * 4, &ent, 4, ACC_SUPER);
	if (rc)
		return rc;
	rc = write_frame(cpu, ss, cpu->gpr[R_RSP], size_mask(width), 2, &f, ACC_SUPER, &sp);
	if (rc)
		return rc;
	stack_set_sp(cpu, width, sp);
	cpu_set_rflags(cpu, fl & ~(FL_IF | FL_TF | FL_AC | FL_RF));
	cpu->seg[SEG_CS].sel = (uint16_t)(ent >> 16);
	cpu->seg[SEG_CS].base = (uint64_t)(ent >> 16) << 4;
	cpu->rip = ent & 0xffff;
	cpu->next_rip = cpu->rip;
	return EXEC_OK;
}

/* The code segment a gate points to, checked as the SDM's delivery pseudo-code does. */
static int gate_target(struct soft_cpu *cpu, const struct gate *g, uint32_t ext, struct seg *cs,
		       uint64_t *desc)
{
	int rc;

	if ((g->sel & ~3u) == 0)
		return cpu_fault(cpu, X_GP, ext);
	rc = seg_read_desc(cpu, g->sel, desc, X_GP);
	if (rc) {
		if (cpu->exc.vector == X_GP && cpu->exc.has_error)
			cpu->exc.error |= ext;
		return rc;
	}
	seg_from_desc(cs, g->sel, *desc);
	if (!cs->s || !(cs->type & SEG_TYPE_CODE) || cs->dpl > cpu->cpl)
		return cpu_fault(cpu, X_GP, (g->sel & 0xfffc) | ext);
	if (cpu_long_mode(cpu) && (!cs->l || cs->db))
		return cpu_fault(cpu, X_GP, (g->sel & 0xfffc) | ext);
	if (!cs->present)
		return cpu_fault(cpu, X_NP, (g->sel & 0xfffc) | ext);
	return EXEC_OK;
}

static int read_gate(struct soft_cpu *cpu, unsigned vec, int kind, struct gate *g)
{
	uint32_t ext = kind == EV_SOFT_INT ? 0 : 1;
	uint32_t idt_err = vec * 8 + 2 + ext;
	uint64_t lo, hi = 0;
	unsigned esz = cpu_long_mode(cpu) ? 16 : 8;
	int rc;

	if ((uint64_t)vec * esz + esz - 1 > cpu->idtr.limit)
		return cpu_fault(cpu, X_GP, idt_err);
	rc = mem_read_lin(cpu, cpu->idtr.base + (uint64_t)vec * esz, &lo, 8, ACC_SUPER);
	if (!rc && esz == 16)
		rc = mem_read_lin(cpu, cpu->idtr.base + (uint64_t)vec * esz + 8, &hi, 8, ACC_SUPER);
	if (rc)
		return rc;
	g->sel = (uint16_t)(lo >> 16);
	g->type = (lo >> 40) & 0x1f; /* with the S bit: system gates have it clear */
	g->dpl = (lo >> 45) & 3;
	g->present = (lo >> 47) & 1;
	g->ist = (lo >> 32) & 7;
	g->off = (lo & 0xffff) | ((lo >> 32) & 0xffff0000ULL);
	if (esz == 16) {
		g->off |= hi << 32;
		if (g->type != 0xe && g->type != 0xf)
			return cpu_fault(cpu, X_GP, idt_err);
	} else {
		g->ist = 0;
		if (g->type == 0x6 || g->type == 0x7)
			g->off &= 0xffff;
		else if (g->type != 0xe && g->type != 0xf)
			return cpu_fault(cpu, X_GP, idt_err); /* task gates are not implemented */
	}
	/* software interrupts honour the gate's DPL; exceptions and IRQs do not */
	if (kind == EV_SOFT_INT && g->dpl < cpu->cpl)
		return cpu_fault(cpu, X_GP, vec * 8 + 2);
	if (!g->present)
		return cpu_fault(cpu, X_NP, idt_err);
	return EXEC_OK;
}

static int tss_read(struct soft_cpu *cpu, uint64_t off, void *dst, unsigned size, uint32_t ext)
{
	if (cpu->tr.unusable || off + size - 1 > cpu->tr.limit)
		return cpu_fault(cpu, X_TS, (cpu->tr.sel & 0xfffc) | ext);
	return mem_read_lin(cpu, cpu->tr.base + off, dst, size, ACC_SUPER);
}

static void commit_cs(struct soft_cpu *cpu, struct seg *cs, unsigned cpl, uint64_t rip,
		      uint64_t flags, bool int_gate)
{
	cs->type |= SEG_TYPE_ACCESSED;
	cs->sel = (uint16_t)((cs->sel & ~3u) | cpl);
	cpu->seg[SEG_CS] = *cs;
	flags &= ~(FL_TF | FL_NT | FL_RF | FL_VM);
	if (int_gate)
		flags &= ~FL_IF;
	cpu_set_rflags(cpu, flags);
	cpu->rip = rip;
	cpu->next_rip = rip;
	cpu_update_mode(cpu);
}

static int deliver_long(struct soft_cpu *cpu, unsigned vec, int kind, bool has_err, uint32_t err,
			uint64_t ret, uint64_t pushed_flags)
{
	uint32_t ext = kind == EV_SOFT_INT ? 0 : 1;
	struct gate g;
	struct seg cs;
	uint64_t desc, sp, new_sp;
	unsigned new_cpl;
	struct frame f;
	int rc;

	rc = read_gate(cpu, vec, kind, &g);
	if (!rc)
		rc = gate_target(cpu, &g, ext, &cs, &desc);
	if (rc)
		return rc;
	new_cpl = (cs.type & SEG_TYPE_DC) ? cpu->cpl : cs.dpl;
	if (!is_canonical(g.off))
		return cpu_fault(cpu, X_GP, ext);
	sp = cpu->gpr[R_RSP];
	if (g.ist) {
		rc = tss_read(cpu, 0x24 + (g.ist - 1) * 8, &sp, 8, ext);
	} else if (new_cpl < cpu->cpl) {
		rc = tss_read(cpu, 4 + new_cpl * 8, &sp, 8, ext);
	}
	if (rc)
		return rc;
	if (!is_canonical(sp))
		return cpu_fault(cpu, X_SS, ext);
	sp &= ~0xfULL;
	f.n = 0;
	f.v[f.n++] = cpu->seg[SEG_SS].sel;
	f.v[f.n++] = cpu->gpr[R_RSP];
	f.v[f.n++] = pushed_flags;
	f.v[f.n++] = cpu->seg[SEG_CS].sel;
	f.v[f.n++] = ret;
	if (has_err)
		f.v[f.n++] = err;
	rc = write_frame(cpu, &cpu->seg[SEG_SS], sp, ~0ULL, 8, &f,
			 new_cpl < 3 ? ACC_SUPER : 0, &new_sp);
	if (rc)
		return rc;
	rc = seg_set_accessed(cpu, g.sel, desc);
	if (rc)
		return rc;
	if (new_cpl < cpu->cpl) {
		seg_load_null(&cpu->seg[SEG_SS], (uint16_t)new_cpl);
		cpu->seg[SEG_SS].dpl = (uint8_t)new_cpl;
	}
	cpu->gpr[R_RSP] = new_sp;
	commit_cs(cpu, &cs, new_cpl, g.off, cpu_get_rflags(cpu), !(g.type & 1));
	return EXEC_OK;
}

static int deliver_prot(struct soft_cpu *cpu, unsigned vec, int kind, bool has_err, uint32_t err,
			uint64_t ret, uint64_t pushed_flags)
{
	uint32_t ext = kind == EV_SOFT_INT ? 0 : 1;
	struct gate g;
	struct seg cs, nss;
	uint64_t desc, sp, new_sp, mask, dss;
	unsigned new_cpl, size, width;
	struct frame f;
	int rc;

	if (cpu->rflags & FL_VM)
		return cpu_fault(cpu, X_GP, 0); /* virtual-8086 mode is not implemented */
	rc = read_gate(cpu, vec, kind, &g);
	if (!rc)
		rc = gate_target(cpu, &g, ext, &cs, &desc);
	if (rc)
		return rc;
	new_cpl = (cs.type & SEG_TYPE_DC) ? cpu->cpl : cs.dpl;
	size = (g.type & 8) ? 4 : 2;
	if (g.off > cs.limit)
		return cpu_fault(cpu, X_GP, ext);
	f.n = 0;
	if (new_cpl < cpu->cpl) {
		/* inner stack from the TSS (32-bit TSS: ESPn at 4+8n, SSn at 8+8n) */
		bool tss32 = cpu->tr.type & 8;
		uint32_t esp = 0;
		uint16_t ssel = 0;

		rc = tss_read(cpu, tss32 ? 4 + new_cpl * 8 : 2 + new_cpl * 4, &esp, tss32 ? 4 : 2,
			      ext);
		if (!rc)
			rc = tss_read(cpu, tss32 ? 8 + new_cpl * 8 : 4 + new_cpl * 4, &ssel, 2, ext);
		if (rc)
			return rc;
		if ((ssel & ~3u) == 0)
			return cpu_fault(cpu, X_TS, ext);
		rc = seg_read_desc(cpu, ssel, &dss, X_TS);
		if (rc)
			return rc;
		seg_from_desc(&nss, ssel, dss);
		if ((ssel & 3) != new_cpl || nss.dpl != new_cpl || !nss.s ||
		    (nss.type & (SEG_TYPE_CODE | SEG_TYPE_WR)) != SEG_TYPE_WR)
			return cpu_fault(cpu, X_TS, (ssel & 0xfffc) | ext);
		if (!nss.present)
			return cpu_fault(cpu, X_SS, (ssel & 0xfffc) | ext);
		nss.type |= SEG_TYPE_ACCESSED;
		sp = esp;
		f.v[f.n++] = cpu->seg[SEG_SS].sel;
		f.v[f.n++] = cpu->gpr[R_RSP] & stack_mask(cpu);
	} else {
		nss = cpu->seg[SEG_SS];
		sp = cpu->gpr[R_RSP];
	}
	width = stack_width_of(cpu, &nss);
	mask = size_mask(width);
	f.v[f.n++] = pushed_flags;
	f.v[f.n++] = cpu->seg[SEG_CS].sel;
	f.v[f.n++] = ret;
	if (has_err)
		f.v[f.n++] = err;
	sp &= mask;
	if (!(nss.type & SEG_TYPE_DC) && (sp - f.n * size) > sp)
		return cpu_fault(cpu, X_SS, new_cpl < cpu->cpl ? ((nss.sel & 0xfffc) | ext) : ext);
	rc = write_frame(cpu, &nss, sp, mask, size, &f, new_cpl < 3 ? ACC_SUPER : 0, &new_sp);
	if (rc)
		return rc;
	rc = seg_set_accessed(cpu, g.sel, desc);
	if (rc)
		return rc;
	cpu->seg[SEG_SS] = nss;
	if (new_cpl < cpu->cpl)
		cpu->seg[SEG_SS].dpl = (uint8_t)new_cpl;
	stack_set_sp(cpu, width, new_sp);
	commit_cs(cpu, &cs, new_cpl, g.off, cpu_get_rflags(cpu), !(g.type & 1));
	return EXEC_OK;
}

/*
 * The event as VMX's IDT-vectoring information describes it (SDM vol. 3
 * 25.9.3): valid, type (0 external interrupt, 2 NMI, 3 hardware exception,
 * 4 software interrupt, 5 privileged software exception), error code
 * valid, vector. io.c reports it if the delivery touches memory outside RAM.
 * (INT3 and INTO count as INT n here, type 4 rather than VMX's 6; an NMI
 * is the external event with vector 2, which no PIC or APIC delivers.)
 */
static uint32_t vectoring_info(unsigned vector, bool has_error, int kind)
{
	uint32_t type = kind == EV_EXTERNAL ? (vector == X_NMI ? 2 : 0)
			: kind == EV_SOFT_INT ? 4
			: kind == EV_ICEBP    ? 5
					      : 3;

	return 0x80000000u | type << 8 | (has_error ? 1u << 11 : 0) | (vector & 0xff);
}

static int deliver_event(struct soft_cpu *cpu, unsigned vector, bool has_error, uint32_t error,
			 int kind)
{
	uint64_t ret = (kind == EV_SOFT_INT || kind == EV_ICEBP) ? cpu->next_rip : cpu->rip;
	uint64_t flags = cpu_get_rflags(cpu);

	if (kind == EV_EXCEPTION && fault_class(vector))
		flags |= FL_RF;
	cpu->halted = false;
	cpu->exc.pending = false;
	if (!cpu_protected(cpu))
		return deliver_real(cpu, vector, ret);
	if (cpu_long_mode(cpu))
		return deliver_long(cpu, vector, kind, has_error, error, ret, flags);
	return deliver_prot(cpu, vector, kind, has_error, error, ret, flags);
}

/* Deliver one event; EXEC_FAULT with a new exception queued when delivery faults. */
int cpu_deliver_event(struct soft_cpu *cpu, unsigned vector, bool has_error, uint32_t error,
		      int kind)
{
	int rc;

	cpu->delivering = vectoring_info(vector, has_error, kind);
	rc = deliver_event(cpu, vector, has_error, error, kind);
	cpu->delivering = 0;
	return rc;
}

/* SDM vol. 3 table 6-4/6-5: the exception classes for #DF. */
static bool contributory(unsigned v)
{
	return v == X_DE || v == X_TS || v == X_NP || v == X_SS || v == X_GP;
}

static int shutdown(struct soft_cpu *cpu)
{
	cpu->exc.pending = false;
	cpu->run->exit_reason = KVM_EXIT_SHUTDOWN;
	return EXEC_EXIT;
}

/*
 * Deliver cpu->exc; first is the event whose delivery raised it (-1 for
 * none), which decides between handling it serially and #DF.
 */
static int deliver_chain(struct soft_cpu *cpu, int first)
{
	unsigned tries;

	for (tries = 0; tries < 4; tries++) {
		unsigned v = cpu->exc.vector;
		int rc;

		if (first >= 0) {
			if (first == X_DF)
				return shutdown(cpu);
			if ((contributory((unsigned)first) && contributory(v)) ||
			    (first == X_PF && (contributory(v) || v == X_PF))) {
				cpu_fault(cpu, X_DF, 0);
				v = X_DF;
			}
		}
		rc = cpu_deliver_event(cpu, v, cpu->exc.has_error, cpu->exc.error, EV_EXCEPTION);
		if (rc == EXEC_OK) {
			cpu->stats.exceptions++;
			return EXEC_OK;
		}
		if (rc != EXEC_FAULT)
			return rc;
		first = (int)v;
	}
	return shutdown(cpu);
}

int cpu_deliver_exception(struct soft_cpu *cpu)
{
	if (!cpu->exc.pending)
		return EXEC_OK;
	return deliver_chain(cpu, -1);
}

int cpu_soft_interrupt(struct soft_cpu *cpu, int vector)
{
	int rc = cpu_deliver_event(cpu, (unsigned)vector, false, 0, EV_SOFT_INT);

	if (rc == EXEC_OK)
		cpu->stats.exceptions += vector < 32;
	return rc;
}

/*
 * Returns 1 when the queued interrupt was delivered (or its delivery
 * faulted and that was handled), 0 when none could be delivered now, and
 * EXEC_EXIT (2) after a triple fault while delivering (kvm_run then holds
 * KVM_EXIT_SHUTDOWN) or when the delivery reached memory outside RAM
 * (KVM_EXIT_INTERNAL_ERROR, KVM_INTERNAL_ERROR_DELIVERY_EV, as VMX KVM):
 * the loop must return to the VMM.
 */
int cpu_deliver_irq(struct soft_cpu *cpu)
{
	int rc;

	if (!cpu->irq_pending || !(cpu_get_rflags(cpu) & FL_IF) || cpu->int_shadow)
		return 0;
	cpu->irq_pending = false;
	rc = cpu_deliver_external(cpu, cpu->irq_vector);
	if (rc == 1)
		cpu->stats.irq_injected++;
	return rc;
}

int cpu_deliver_external(struct soft_cpu *cpu, uint8_t vector)
{
	int rc;

	cpu->next_rip = cpu->rip;
	rc = cpu_deliver_event(cpu, vector, false, 0, EV_EXTERNAL);
	/* EXEC_EXIT: the delivery reached memory outside RAM (kvm_run says so). */
	if (rc == EXEC_EXIT || (rc == EXEC_FAULT && deliver_chain(cpu, -1) == EXEC_EXIT))
		return EXEC_EXIT;
	return 1;
}
