// SPDX-License-Identifier: MIT
/*
 * The local APIC's registers, interrupt acceptance (IRR -> ISR, PPR),
 * EOI, interprocessor messages and the xAPIC/x2APIC access paths (Intel
 * SDM vol. 3 ch. 11). Where the SDM leaves a choice, KVM's behaviour is
 * followed so that a guest sees the same on both providers: the version
 * register (0x50014), LINT0 in ExtINT mode on the BSP after reset,
 * misaligned or non-32-bit MMIO writes ignored, fixed messages dropped
 * while the APIC is software-disabled. The timer is in lapic_timer.c.
 */
#include "vcpu/soft/lapic.h"

#include <string.h>

/* Writable bits of each LVT (vector, delivery mode, polarity, trigger, mask, timer mode). */
#define LVT_VEC_MASK (0xffu | APIC_LVT_MASKED)
#define LVT_MODE_MASK (7u << 8)
#define LVT_LINT_MASK (LVT_VEC_MASK | LVT_MODE_MASK | (1u << 13) | APIC_LVT_LEVEL)
#define LVT_TIMER_MASK (LVT_VEC_MASK | (3u << APIC_TIMER_MODE_SHIFT))
#define SVR_MASK 0x3ffu /* spurious vector, APIC enable, focus check (no EOI suppression) */

static const unsigned lvt_regs[] = {APIC_LVTT, APIC_LVTTHMR, APIC_LVTPC,
				    APIC_LVT0, APIC_LVT1,    APIC_LVTERR};

void lapic_set_reg(struct lapic *l, unsigned off, uint32_t v)
{
	memcpy(l->regs + off, &v, 4);
}

static bool bank_test(const struct lapic *l, unsigned bank, unsigned vec)
{
	return (lapic_reg(l, bank + (vec / 32) * 16) >> (vec % 32)) & 1;
}

static void bank_set(struct lapic *l, unsigned bank, unsigned vec, bool on)
{
	unsigned off = bank + (vec / 32) * 16;
	uint32_t w = lapic_reg(l, off), bit = 1u << (vec % 32);

	lapic_set_reg(l, off, on ? w | bit : w & ~bit);
}

/* The highest vector set in a 256-bit bank (ISR, TMR, IRR), or -1. */
static int bank_highest(const struct lapic *l, unsigned bank)
{
	for (int i = 7; i >= 0; i--) {
		uint32_t w = lapic_reg(l, bank + (unsigned)i * 16);

		if (w)
			return i * 32 + 31 - __builtin_clz(w);
	}
	return -1;
}

static bool sw_enabled(const struct lapic *l)
{
	return lapic_reg(l, APIC_SPIV) & APIC_SVR_ENABLE;
}

/* SDM 11.8.3.1: PPR is TPR, or ISRV's class when that is higher. */
static void update_ppr(struct lapic *l)
{
	uint32_t tpr = lapic_reg(l, APIC_TASKPRI) & 0xff;
	int isrv = bank_highest(l, APIC_ISR);
	uint32_t cls = isrv < 0 ? 0 : (uint32_t)isrv & 0xf0;

	lapic_set_reg(l, APIC_PROCPRI, (tpr & 0xf0) >= cls ? tpr : cls);
}

static void x2apic_ids(struct lapic *l)
{
	lapic_set_reg(l, APIC_ID, l->id);
	lapic_set_reg(l, APIC_LDR, ((l->id >> 4) << 16) | (1u << (l->id & 0xf)));
}

/* The register page at power-on (SDM 11.4.7.1), as KVM's kvm_lapic_reset(). */
static void reset_regs(struct lapic *l)
{
	memset(l->regs, 0, sizeof(l->regs));
	lapic_set_reg(l, APIC_ID, l->id << 24);
	lapic_set_reg(l, APIC_LVR, LAPIC_VERSION);
	lapic_set_reg(l, APIC_DFR, 0xffffffffu);
	lapic_set_reg(l, APIC_SPIV, 0xff);
	for (unsigned i = 0; i < sizeof(lvt_regs) / sizeof(lvt_regs[0]); i++)
		lapic_set_reg(l, lvt_regs[i], APIC_LVT_MASKED);
	/* KVM_X86_QUIRK_LINT0_REENABLED: the BSP's LINT0 takes the PIC at once */
	if (l->base & APIC_BASE_BSP)
		lapic_set_reg(l, APIC_LVT0, (uint32_t)APIC_DM_EXTINT << 8);
	l->esr_pending = 0;
	l->timer_expiry_ns = UINT64_MAX;
	l->tsc_deadline = 0;
	l->nmi_pending = l->extint_pending = l->init_pending = l->sipi_pending = false;
	if (lapic_x2apic(l))
		x2apic_ids(l);
}

void lapic_init(struct lapic *l, uint32_t id, bool bsp, uint64_t tsc_khz,
		const struct lapic_ops *ops, void *opaque)
{
	memset(l, 0, sizeof(*l));
	l->id = id;
	l->tsc_khz = tsc_khz;
	l->ops = ops;
	l->opaque = opaque;
	l->base = LAPIC_DEFAULT_BASE | APIC_BASE_EN | (bsp ? APIC_BASE_BSP : 0);
	reset_regs(l);
}

int lapic_set_base(struct lapic *l, uint64_t v, bool host, uint64_t now)
{
	bool was_x2 = lapic_x2apic(l), was_en = lapic_hw_enabled(l);
	bool en = v & APIC_BASE_EN, x2 = en && (v & APIC_BASE_EXTD);

	/* bits 0-7 and 9 are reserved; EXTD without EN is the invalid mode (SDM 11.12.5) */
	if ((v & 0x2ffULL) || ((v & APIC_BASE_EXTD) && !en))
		return -1;
	/* x2APIC -> xAPIC and disabled -> x2APIC are illegal transitions for the guest */
	if (!host && ((was_x2 && en && !x2) || (!was_en && x2)))
		return -1;
	l->base = v;
	if (!en) {
		/* a disabled APIC loses its state; it comes back as after power-on */
		reset_regs(l);
		return 0;
	}
	if (!was_en)
		reset_regs(l);
	if (x2 && !was_x2)
		x2apic_ids(l);
	(void)now;
	return 0;
}

bool lapic_mmio_claims(const struct lapic *l, uint64_t gpa)
{
	uint64_t page = l->base & ~0xfffULL & ((1ULL << 52) - 1);

	return lapic_hw_enabled(l) && !lapic_x2apic(l) && gpa - page < LAPIC_MMIO_SIZE;
}

/* ---- messages ---- */

static void set_error(struct lapic *l, uint32_t bits)
{
	bool first = !(l->esr_pending & bits);

	l->esr_pending |= bits;
	if (first)
		lapic_raise_lvt(l, APIC_LVTERR);
}

/* A fixed interrupt arriving: IRR, and TMR for level-triggered ones. */
static void accept_fixed(struct lapic *l, uint8_t vector, bool level)
{
	if (vector < 16) {
		set_error(l, APIC_ESR_RECV_ILLEGAL);
		return;
	}
	bank_set(l, APIC_IRR, vector, true);
	bank_set(l, APIC_TMR, vector, level);
}

void lapic_deliver(struct lapic *l, const struct apic_msg *m)
{
	switch (m->delivery) {
	case APIC_DM_FIXED:
	case APIC_DM_LOWEST:
		if (lapic_hw_enabled(l) && sw_enabled(l))
			accept_fixed(l, m->vector, m->level);
		break;
	case APIC_DM_NMI:
		l->nmi_pending = true;
		break;
	case APIC_DM_INIT:
		l->init_pending = true; /* recorded for SMP; a lone BSP ignores INIT */
		break;
	case APIC_DM_SIPI:
		l->sipi_pending = true;
		l->sipi_vector = m->vector;
		break;
	case APIC_DM_EXTINT:
		l->extint_pending = true;
		break;
	default: /* SMI: no SMM */
		break;
	}
}

void lapic_raise_lvt(struct lapic *l, unsigned lvt_off)
{
	uint32_t lvt = lapic_reg(l, lvt_off);
	struct apic_msg m = {.vector = lvt & 0xff, .delivery = (lvt >> 8) & 7};

	if ((lvt & APIC_LVT_MASKED) || !lapic_hw_enabled(l))
		return;
	if (lvt_off == APIC_LVTT || lvt_off == APIC_LVTERR)
		m.delivery = APIC_DM_FIXED; /* these LVTs have no delivery mode field */
	if (m.delivery == APIC_DM_FIXED && m.vector < 16) {
		/* an illegal vector in an LVT is a receive error (not recursively for LVTERR) */
		if (lvt_off != APIC_LVTERR)
			set_error(l, APIC_ESR_RECV_ILLEGAL);
		else
			l->esr_pending |= APIC_ESR_RECV_ILLEGAL;
		return;
	}
	if (m.delivery == APIC_DM_FIXED)
		accept_fixed(l, m.vector, false);
	else
		lapic_deliver(l, &m);
}

bool lapic_match_dest(const struct lapic *l, uint32_t dest, bool logical)
{
	uint32_t ldr = lapic_reg(l, APIC_LDR);

	if (lapic_x2apic(l)) {
		if (dest == 0xffffffffu)
			return true;
		if (!logical)
			return dest == l->id;
		return (dest >> 16) == (ldr >> 16) && (dest & ldr & 0xffff);
	}
	dest &= 0xff;
	if (dest == 0xff)
		return true;
	if (!logical)
		return dest == lapic_reg(l, APIC_ID) >> 24;
	if ((lapic_reg(l, APIC_DFR) >> 28) == 0xf) /* flat model */
		return (ldr >> 24) & dest;
	/* cluster model: cluster in bits 7:4, member bitmap in 3:0 */
	return (dest >> 4) == (ldr >> 28) && (dest & (ldr >> 24) & 0xf);
}

/* An ICR write (SDM 11.6.1): this APIC's share here, the others' through ops->ipi. */
static void send_ipi(struct lapic *l, uint32_t low, uint32_t dest)
{
	unsigned sh = (low >> 18) & 3;
	struct apic_msg m = {
	    .vector = low & 0xff,
	    .delivery = (low >> 8) & 7,
	    .dest = dest,
	    .dest_logical = low & APIC_ICR_LOGICAL,
	};
	bool self;

	/* INIT level de-assert only synchronises arbitration IDs: nothing to deliver */
	if (m.delivery == APIC_DM_INIT && (low & APIC_LVT_LEVEL) && !(low & APIC_ICR_ASSERT))
		return;
	if ((m.delivery == APIC_DM_FIXED || m.delivery == APIC_DM_LOWEST) && m.vector < 16) {
		set_error(l, APIC_ESR_SEND_ILLEGAL);
		return;
	}
	if (sh == APIC_DEST_SELF)
		self = true;
	else if (sh == APIC_DEST_ALLINC)
		self = true;
	else if (sh == APIC_DEST_ALLBUT)
		self = false;
	else
		self = lapic_match_dest(l, dest, m.dest_logical);
	if (self)
		lapic_deliver(l, &m);
	if (sh != APIC_DEST_SELF && l->ops && l->ops->ipi)
		l->ops->ipi(l->opaque, l, &m, sh);
}

static void eoi(struct lapic *l)
{
	int v = bank_highest(l, APIC_ISR);

	if (v < 0)
		return;
	bank_set(l, APIC_ISR, (unsigned)v, false);
	update_ppr(l);
	if (!l->ops)
		return;
	if (bank_test(l, APIC_TMR, (unsigned)v)) {
		if (l->ops->eoi)
			l->ops->eoi(l->opaque, (uint8_t)v);
	} else if (l->ops->eoi_edge) {
		l->ops->eoi_edge(l->opaque, (uint8_t)v);
	}
}

int lapic_pending(const struct lapic *l)
{
	int v;

	if (!lapic_hw_enabled(l))
		return -1;
	v = bank_highest(l, APIC_IRR);
	if (v < 0 || ((unsigned)v & 0xf0) <= (lapic_reg(l, APIC_PROCPRI) & 0xf0))
		return -1;
	return v;
}

void lapic_ack(struct lapic *l, uint8_t vector)
{
	bank_set(l, APIC_IRR, vector, false);
	bank_set(l, APIC_ISR, vector, true);
	update_ppr(l);
}

bool lapic_accepts_pic(const struct lapic *l)
{
	uint32_t lvt0 = lapic_reg(l, APIC_LVT0);

	if (!lapic_hw_enabled(l))
		return true;
	return !(lvt0 & APIC_LVT_MASKED) && ((lvt0 >> 8) & 7) == APIC_DM_EXTINT;
}

uint64_t lapic_cr8(const struct lapic *l)
{
	return (lapic_reg(l, APIC_TASKPRI) >> 4) & 15;
}

void lapic_set_cr8(struct lapic *l, uint64_t cr8)
{
	lapic_set_reg(l, APIC_TASKPRI, (uint32_t)(cr8 & 15) << 4);
	update_ppr(l);
}

/* ---- register reads and writes shared by MMIO and MSRs ---- */

static bool is_lvt(unsigned off)
{
	for (unsigned i = 0; i < sizeof(lvt_regs) / sizeof(lvt_regs[0]); i++)
		if (lvt_regs[i] == off)
			return true;
	return false;
}

/* Whether off is a register the current mode can read. */
static bool readable(const struct lapic *l, unsigned off)
{
	bool x2 = lapic_x2apic(l);

	if (off >= APIC_ISR && off < APIC_IRR + 0x80)
		return true;
	if (is_lvt(off))
		return true;
	switch (off) {
	case APIC_ID:
	case APIC_LVR:
	case APIC_TASKPRI:
	case APIC_PROCPRI:
	case APIC_LDR:
	case APIC_SPIV:
	case APIC_ESR:
	case APIC_ICR:
	case APIC_TMICT:
	case APIC_TMCCT:
	case APIC_TDCR:
		return true;
	case APIC_ARBPRI:
	case APIC_DFR:
	case APIC_ICR2:
		return !x2;
	default:
		return false;
	}
}

static uint32_t read_reg(const struct lapic *l, unsigned off, uint64_t now)
{
	switch (off) {
	case APIC_ARBPRI:
		return 0; /* as KVM: no bus arbitration to report */
	case APIC_TMCCT:
		return lapic_timer_current(l, now);
	default:
		return lapic_reg(l, off);
	}
}

static uint32_t lvt_write_mask(unsigned off)
{
	switch (off) {
	case APIC_LVTT:
		return LVT_TIMER_MASK;
	case APIC_LVT0:
	case APIC_LVT1:
		return LVT_LINT_MASK;
	case APIC_LVTERR:
		return LVT_VEC_MASK;
	default:
		return LVT_VEC_MASK | LVT_MODE_MASK;
	}
}

static void write_svr(struct lapic *l, uint32_t v)
{
	lapic_set_reg(l, APIC_SPIV, v & SVR_MASK);
	if (v & APIC_SVR_ENABLE)
		return;
	/* software disable masks every LVT (SDM 11.4.7.2) */
	for (unsigned i = 0; i < sizeof(lvt_regs) / sizeof(lvt_regs[0]); i++)
		lapic_set_reg(l, lvt_regs[i], lapic_reg(l, lvt_regs[i]) | APIC_LVT_MASKED);
}

/* A write of a 32-bit register (the ICR's low half sends, with dest from ICR2). */
static void write_reg(struct lapic *l, unsigned off, uint32_t v, uint64_t now)
{
	if (is_lvt(off) || off == APIC_TMICT || off == APIC_TDCR) {
		if (is_lvt(off)) {
			v &= lvt_write_mask(off);
			if (!sw_enabled(l))
				v |= APIC_LVT_MASKED;
		}
		if (off == APIC_LVTT || off == APIC_TMICT || off == APIC_TDCR)
			lapic_timer_write(l, off, v, now);
		else
			lapic_set_reg(l, off, v);
		return;
	}
	switch (off) {
	case APIC_ID:
		if (!lapic_x2apic(l))
			lapic_set_reg(l, APIC_ID, v & 0xff000000u);
		break;
	case APIC_TASKPRI:
		lapic_set_reg(l, APIC_TASKPRI, v & 0xff);
		update_ppr(l);
		break;
	case APIC_EOI:
		eoi(l);
		break;
	case APIC_LDR:
		lapic_set_reg(l, APIC_LDR, v & 0xff000000u);
		break;
	case APIC_DFR:
		lapic_set_reg(l, APIC_DFR, v | 0x0fffffffu);
		break;
	case APIC_SPIV:
		write_svr(l, v);
		break;
	case APIC_ESR:
		/* a write latches the errors seen since the last one (SDM 11.5.3) */
		lapic_set_reg(l, APIC_ESR, l->esr_pending);
		l->esr_pending = 0;
		break;
	case APIC_ICR2:
		lapic_set_reg(l, APIC_ICR2, v & 0xff000000u);
		break;
	case APIC_ICR:
		lapic_set_reg(l, APIC_ICR, v & ~APIC_DELIVERY_STATUS);
		send_ipi(l, v,
			 lapic_x2apic(l) ? lapic_reg(l, APIC_ICR2) : lapic_reg(l, APIC_ICR2) >> 24);
		break;
	case APIC_SELF_IPI: /* an x2APIC register only */
		if (lapic_x2apic(l))
			send_ipi(l, (v & 0xff) | (APIC_DEST_SELF << 18), 0);
		break;
	default: /* read-only or reserved: ignored */
		break;
	}
}

/* ---- xAPIC MMIO ---- */

void lapic_mmio_read(struct lapic *l, uint64_t off, void *data, unsigned size, uint64_t now)
{
	unsigned reg = off & 0xff0, align = off & 0xf;
	uint32_t v = 0;

	/* as KVM: a read crossing the register's 32 bits, or of no register, yields zeros */
	if (align + size <= 4 && readable(l, reg))
		v = read_reg(l, reg, now) >> (align * 8);
	memset(data, 0, size);
	memcpy(data, &v, size < 4 ? size : 4);
}

void lapic_mmio_write(struct lapic *l, uint64_t off, const void *data, unsigned size, uint64_t now)
{
	uint32_t v;

	/* as KVM: only aligned 32-bit writes reach a register */
	if (size != 4 || (off & 0xf))
		return;
	memcpy(&v, data, 4);
	write_reg(l, (unsigned)(off & 0xff0), v, now);
}

/* ---- x2APIC MSRs (SDM 11.12.1) ---- */

int lapic_msr_read(struct lapic *l, uint32_t msr, uint64_t *v, uint64_t now)
{
	unsigned off = (msr - MSR_X2APIC_FIRST) << 4;

	if (!lapic_x2apic(l) || msr < MSR_X2APIC_FIRST || msr > MSR_X2APIC_LAST)
		return -1;
	if (!readable(l, off))
		return -1; /* reserved, or write-only (EOI, SELF IPI) */
	*v = read_reg(l, off, now);
	if (off == APIC_ICR)
		*v |= (uint64_t)lapic_reg(l, APIC_ICR2) << 32;
	return 0;
}

/*
 * Bits a WRMSR may set in each x2APIC register; 0: the register is not
 * writable. An LVT's read-only status bits (delivery status, and remote
 * IRR in LINT0/LINT1; SDM figure "Local Vector Table") are not reserved:
 * a write ignores them. Linux's disconnect_bsp_APIC() writes LINT0 with
 * both set at poweroff.
 */
static uint64_t x2apic_writable(unsigned off)
{
	if (off == APIC_LVT0 || off == APIC_LVT1)
		return lvt_write_mask(off) | APIC_DELIVERY_STATUS | APIC_LVT_REMOTE_IRR;
	if (is_lvt(off))
		return lvt_write_mask(off) | APIC_DELIVERY_STATUS;
	switch (off) {
	case APIC_TASKPRI:
	case APIC_SELF_IPI:
		return 0xff;
	case APIC_SPIV:
		return SVR_MASK;
	case APIC_ICR:
		return ~0ULL;
	case APIC_TMICT:
		return 0xffffffffu;
	case APIC_TDCR:
		return 0xb;
	default:
		return 0;
	}
}

int lapic_msr_write(struct lapic *l, uint32_t msr, uint64_t v, uint64_t now)
{
	unsigned off = (msr - MSR_X2APIC_FIRST) << 4;
	uint64_t ok;

	if (!lapic_x2apic(l) || msr < MSR_X2APIC_FIRST || msr > MSR_X2APIC_LAST)
		return -1;
	/* EOI and ESR take only zero */
	if (off == APIC_EOI || off == APIC_ESR) {
		if (v)
			return -1;
		write_reg(l, off, 0, now);
		return 0;
	}
	ok = x2apic_writable(off);
	if (!ok || (v & ~ok))
		return -1; /* read-only, reserved, or reserved bits set */
	if (off == APIC_ICR) {
		/* one 64-bit register: destination in the high half */
		lapic_set_reg(l, APIC_ICR2, (uint32_t)(v >> 32));
	}
	write_reg(l, off, (uint32_t)v, now);
	return 0;
}

/* ---- KVM_GET/SET_LAPIC ---- */

void lapic_get_state(const struct lapic *l, struct kvm_lapic_state *s, uint64_t now)
{
	uint32_t v;

	memcpy(s->regs, l->regs, sizeof(s->regs));
	v = lapic_timer_current(l, now);
	memcpy(s->regs + APIC_TMCCT, &v, 4);
	/* without KVM_CAP_X2APIC_API, KVM shows the x2APIC ID in xAPIC format */
	if (lapic_x2apic(l)) {
		v = l->id << 24;
		memcpy(s->regs + APIC_ID, &v, 4);
	}
}

void lapic_set_state(struct lapic *l, const struct kvm_lapic_state *s, uint64_t now, uint64_t tsc)
{
	memcpy(l->regs, s->regs, sizeof(l->regs));
	lapic_set_reg(l, APIC_LVR, LAPIC_VERSION);
	if (lapic_x2apic(l))
		x2apic_ids(l);
	update_ppr(l);
	lapic_timer_restore(l, now, tsc);
}
