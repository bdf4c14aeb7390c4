// SPDX-License-Identifier: MIT
/*
 * The soft provider's local APIC (src/vcpu/soft/lapic.c) against the
 * Intel SDM vol. 3 ch. 11 (section numbers below): reset state,
 * TPR/PPR/CR8, IRR/ISR priority, EOI and its broadcast for level
 * vectors, ESR, software disable, logical destinations, the ICR, the
 * timer in its three modes with every divide value (a virtual clock: no
 * sleeps), x2APIC MSRs with their #GP rules, IA32_APIC_BASE transitions,
 * and KVM_GET/SET_LAPIC. Values that are KVM's choice (version register,
 * LINT0 after reset) are from Linux's arch/x86/kvm/lapic.c.
 */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "support/run_suite.h"
#include "vcpu/soft/lapic.h"

#define TSC_KHZ 2000000ULL /* a 2 GHz guest TSC: 2 ticks per ns */

static unsigned eoi_count;
static uint8_t eoi_vector;

static void on_eoi(void *opaque, uint8_t vector)
{
	eoi_count++;
	eoi_vector = vector;
}

static const struct lapic_ops ops = {.eoi = on_eoi};

static struct lapic l;

static void setup(void)
{
	lapic_init(&l, 0, true, TSC_KHZ, &ops, NULL);
	eoi_count = 0;
	eoi_vector = 0;
}

static uint32_t rd(unsigned off)
{
	uint32_t v;

	lapic_mmio_read(&l, off, &v, 4, 0);
	return v;
}

static void wr_at(unsigned off, uint32_t v, uint64_t now)
{
	lapic_mmio_write(&l, off, &v, 4, now);
}

static void wr(unsigned off, uint32_t v)
{
	wr_at(off, v, 0);
}

static void enable(void)
{
	wr(APIC_SPIV, 0x1ff);
}

static void fixed(uint8_t vector, bool level)
{
	struct apic_msg m = {.vector = vector, .delivery = APIC_DM_FIXED, .level = level};

	lapic_deliver(&l, &m);
}

static bool irr(unsigned v)
{
	return (rd(APIC_IRR + (v / 32) * 16) >> (v % 32)) & 1;
}

static bool isr(unsigned v)
{
	return (rd(APIC_ISR + (v / 32) * 16) >> (v % 32)) & 1;
}

/* 11.4.7.1 power-up state; KVM: version 0x50014, LINT0 ExtINT on the BSP. */
START_TEST(reset_state)
{
	ck_assert_uint_eq(l.base, 0xfee00900ULL);
	ck_assert_uint_eq(rd(APIC_ID), 0);
	ck_assert_uint_eq(rd(APIC_LVR), 0x50014);
	ck_assert_uint_eq(rd(APIC_SPIV), 0xff);
	ck_assert_uint_eq(rd(APIC_DFR), 0xffffffffu);
	ck_assert_uint_eq(rd(APIC_LVTT), 0x10000);
	ck_assert_uint_eq(rd(APIC_LVT1), 0x10000);
	ck_assert_uint_eq(rd(APIC_LVTERR), 0x10000);
	ck_assert_uint_eq(rd(APIC_LVT0), 0x700);
	ck_assert(lapic_accepts_pic(&l));
	lapic_init(&l, 3, false, TSC_KHZ, &ops, NULL);
	ck_assert_uint_eq(rd(APIC_ID), 3u << 24);
	ck_assert_uint_eq(l.base, 0xfee00800ULL);
	ck_assert_uint_eq(rd(APIC_LVT0), 0x10000);
	ck_assert(!lapic_accepts_pic(&l));
}
END_TEST

/* 11.8.3.1: PPR = TPR if TPR[7:4] >= ISRV[7:4], else ISRV[7:4] << 4; CR8 is TPR[7:4] (10.8.6.5). */
START_TEST(tpr_ppr_cr8)
{
	enable();
	wr(APIC_TASKPRI, 0x35);
	ck_assert_uint_eq(rd(APIC_PROCPRI), 0x35);
	ck_assert_uint_eq(lapic_cr8(&l), 3);
	fixed(0x41, false);
	ck_assert_int_eq(lapic_pending(&l), 0x41);
	lapic_ack(&l, 0x41);
	ck_assert_uint_eq(rd(APIC_PROCPRI), 0x40);
	wr(APIC_TASKPRI, 0x52);
	ck_assert_uint_eq(rd(APIC_PROCPRI), 0x52);
	lapic_set_cr8(&l, 2);
	ck_assert_uint_eq(rd(APIC_TASKPRI), 0x20);
	ck_assert_uint_eq(rd(APIC_PROCPRI), 0x40);
	wr(APIC_TASKPRI, 0x1ff); /* bits above 7 are reserved */
	ck_assert_uint_eq(rd(APIC_TASKPRI), 0xff);
}
END_TEST

/* 11.8.3/11.8.4: the highest IRR above PPR's class is taken; EOI clears the highest ISR. */
START_TEST(priority_and_eoi)
{
	enable();
	fixed(0x31, false);
	fixed(0x62, false);
	fixed(0x45, false);
	ck_assert_int_eq(lapic_pending(&l), 0x62);
	lapic_ack(&l, 0x62);
	ck_assert(isr(0x62) && !irr(0x62));
	/* 0x45 is of a lower class than the one in service */
	ck_assert_int_eq(lapic_pending(&l), -1);
	fixed(0x6f, false); /* same class as in service: still blocked */
	ck_assert_int_eq(lapic_pending(&l), -1);
	fixed(0x70, false);
	ck_assert_int_eq(lapic_pending(&l), 0x70);
	lapic_ack(&l, 0x70);
	wr(APIC_EOI, 0);
	ck_assert(!isr(0x70) && isr(0x62));
	wr(APIC_EOI, 0);
	ck_assert(!isr(0x62));
	ck_assert_int_eq(lapic_pending(&l), 0x6f);
	ck_assert_uint_eq(eoi_count, 0); /* edge vectors: no EOI broadcast */
	wr(APIC_EOI, 0);		 /* nothing in service: no effect */
	ck_assert_int_eq(lapic_pending(&l), 0x6f);
}
END_TEST

/* TPR masks a class and below; raising it hides pending vectors, lowering it shows them. */
START_TEST(tpr_masks)
{
	enable();
	fixed(0x45, false);
	wr(APIC_TASKPRI, 0x40);
	ck_assert_int_eq(lapic_pending(&l), -1);
	fixed(0x51, false);
	ck_assert_int_eq(lapic_pending(&l), 0x51);
	wr(APIC_TASKPRI, 0xf0);
	ck_assert_int_eq(lapic_pending(&l), -1);
	lapic_set_cr8(&l, 0);
	ck_assert_int_eq(lapic_pending(&l), 0x51);
}
END_TEST

/* 11.8.5: a level-triggered vector sets TMR; its EOI goes to the IOAPIC (KVM: kvm_ioapic_send_eoi).
 */
START_TEST(level_eoi_broadcast)
{
	enable();
	fixed(0x80, true);
	ck_assert((rd(APIC_TMR + 4 * 16) & 1) == 1);
	lapic_ack(&l, 0x80);
	wr(APIC_EOI, 0);
	ck_assert_uint_eq(eoi_count, 1);
	ck_assert_uint_eq(eoi_vector, 0x80);
	fixed(0x80, false); /* the same vector edge-triggered clears TMR */
	ck_assert((rd(APIC_TMR + 4 * 16) & 1) == 0);
}
END_TEST

/* 11.5.3: illegal vectors are errors, ESR shows them after a write; LVT error raises its vector. */
START_TEST(esr_illegal_vector)
{
	enable();
	wr(APIC_LVTERR, 0xfe);
	fixed(5, false);
	ck_assert(!irr(5));
	ck_assert_uint_eq(rd(APIC_ESR), 0); /* not latched before the write */
	wr(APIC_ESR, 0);
	ck_assert_uint_eq(rd(APIC_ESR), APIC_ESR_RECV_ILLEGAL);
	ck_assert(irr(0xfe));
	wr(APIC_ICR, 0x000c4007); /* self IPI, fixed vector 7: a send error */
	wr(APIC_ESR, 0);
	ck_assert_uint_eq(rd(APIC_ESR), APIC_ESR_SEND_ILLEGAL);
	wr(APIC_ESR, 0);
	ck_assert_uint_eq(rd(APIC_ESR), 0);
}
END_TEST

/* 11.4.7.2: software disable masks the LVTs (and keeps them masked), fixed messages are dropped. */
START_TEST(software_disable)
{
	wr(APIC_LVTT, 0x30);
	ck_assert_uint_eq(rd(APIC_LVTT), 0x10030);
	fixed(0x40, false);
	ck_assert(!irr(0x40));
	enable();
	wr(APIC_LVTT, 0x30);
	ck_assert_uint_eq(rd(APIC_LVTT), 0x30);
	fixed(0x40, false);
	ck_assert(irr(0x40));
	wr(APIC_SPIV, 0xff);
	ck_assert_uint_eq(rd(APIC_LVTT), 0x10030);
	ck_assert(irr(0x40)); /* held, not lost */
}
END_TEST

/* 11.6.2.2: flat and cluster logical destinations; 11.6.2.1 physical and broadcast. */
START_TEST(logical_destination)
{
	lapic_init(&l, 2, false, TSC_KHZ, &ops, NULL);
	ck_assert(lapic_match_dest(&l, 2, false));
	ck_assert(!lapic_match_dest(&l, 1, false));
	ck_assert(lapic_match_dest(&l, 0xff, false));
	wr(APIC_LDR, 0x04000000);
	ck_assert_uint_eq(rd(APIC_LDR), 0x04000000);
	ck_assert(lapic_match_dest(&l, 0x06, true));
	ck_assert(!lapic_match_dest(&l, 0x03, true));
	wr(APIC_DFR, 0x0);
	ck_assert_uint_eq(rd(APIC_DFR), 0x0fffffff);
	wr(APIC_LDR, 0x32000000); /* cluster 3, member bit 1 */
	ck_assert(lapic_match_dest(&l, 0x32, true));
	ck_assert(lapic_match_dest(&l, 0x3f, true));
	ck_assert(!lapic_match_dest(&l, 0x22, true));
	ck_assert(!lapic_match_dest(&l, 0x31, true));
}
END_TEST

static unsigned ipi_count;
static struct apic_msg ipi_msg;
static unsigned ipi_sh;

static void on_ipi(void *opaque, struct lapic *from, const struct apic_msg *m, unsigned sh)
{
	ipi_count++;
	ipi_msg = *m;
	ipi_sh = sh;
}

static const struct lapic_ops ipi_ops = {.ipi = on_ipi};

/* 11.6.1: the ICR: self shorthand, physical to itself, NMI, others through the bus. */
START_TEST(icr)
{
	lapic_init(&l, 0, true, TSC_KHZ, &ipi_ops, NULL);
	ipi_count = 0;
	enable();
	wr(APIC_ICR, 0x00040050); /* self, fixed 0x50 */
	ck_assert(irr(0x50));
	ck_assert_uint_eq(ipi_count, 0);
	ck_assert_uint_eq(rd(APIC_ICR) & APIC_DELIVERY_STATUS, 0);
	wr(APIC_ICR2, 0x00000000);
	wr(APIC_ICR, 0x00000051); /* physical, to ID 0: itself, also offered to the others */
	ck_assert(irr(0x51));
	ck_assert_uint_eq(ipi_count, 1);
	wr(APIC_ICR2, 0x05000000);
	wr(APIC_ICR, 0x00000452); /* NMI to ID 5 */
	ck_assert(!l.nmi_pending);
	ck_assert_uint_eq(ipi_count, 2);
	ck_assert_uint_eq(ipi_msg.dest, 5);
	ck_assert_uint_eq(ipi_msg.delivery, APIC_DM_NMI);
	wr(APIC_ICR, 0x00080400); /* NMI to all including self */
	ck_assert(l.nmi_pending);
	ck_assert_uint_eq(ipi_sh, APIC_DEST_ALLINC);
	wr(APIC_ICR, 0x000c4500); /* INIT assert to all but self: recorded by the others */
	ck_assert(!l.init_pending);
	ck_assert_uint_eq(ipi_msg.delivery, APIC_DM_INIT);
	wr(APIC_ICR, 0x00044608); /* SIPI to self: recorded */
	ck_assert(l.sipi_pending);
	ck_assert_uint_eq(l.sipi_vector, 8);
}
END_TEST

/* 11.5.4: divide configuration: bits 3,1:0 = 000..110 -> 2..128, 111 -> 1. */
START_TEST(timer_divide_values)
{
	static const struct {
		uint32_t tdcr;
		uint64_t div;
	} t[] = {{0x0, 2},  {0x1, 4},  {0x2, 8},   {0x3, 16},
		 {0x8, 32}, {0x9, 64}, {0xa, 128}, {0xb, 1}};

	enable();
	for (unsigned i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		uint64_t t0 = 1000000 * (i + 1);

		wr(APIC_LVTT, 0x40);
		wr_at(APIC_TDCR, t[i].tdcr, t0);
		wr_at(APIC_TMICT, 10, t0);
		ck_assert_uint_eq(lapic_next_event(&l), t0 + 10 * t[i].div);
		ck_assert(!lapic_advance(&l, t0 + 10 * t[i].div - 1));
		ck_assert(lapic_advance(&l, t0 + 10 * t[i].div));
		lapic_ack(&l, 0x40);
		wr(APIC_EOI, 0);
	}
}
END_TEST

/* One-shot: TMCCT counts down from TMICT, the interrupt at zero, then it stays zero. */
START_TEST(timer_oneshot)
{
	enable();
	wr(APIC_TDCR, 0x1); /* divide by 4 */
	wr(APIC_LVTT, 0x40);
	wr_at(APIC_TMICT, 1000, 5000);
	ck_assert_uint_eq(rd(APIC_TMICT), 1000);
	ck_assert_uint_eq(lapic_timer_current(&l, 5000), 1000);
	ck_assert_uint_eq(lapic_timer_current(&l, 5000 + 4 * 400), 600);
	ck_assert(!lapic_advance(&l, 8999));
	ck_assert(!irr(0x40));
	ck_assert(lapic_advance(&l, 9000));
	ck_assert(irr(0x40));
	ck_assert_uint_eq(lapic_timer_current(&l, 9000), 0);
	ck_assert_uint_eq(lapic_next_event(&l), UINT64_MAX);
	ck_assert_uint_eq(l.timer_expiries, 1);
	/* TMICT = 0 stops a running count */
	wr_at(APIC_TMICT, 50, 10000);
	wr_at(APIC_TMICT, 0, 10001);
	ck_assert_uint_eq(lapic_next_event(&l), UINT64_MAX);
	/* a masked timer counts and expires without an interrupt */
	wr(APIC_LVTT, 0x10041);
	wr_at(APIC_TMICT, 1, 20000);
	ck_assert(!lapic_advance(&l, 20004));
	ck_assert(!irr(0x41));
	ck_assert_uint_eq(l.timer_expiries, 2);
}
END_TEST

/* Periodic: reloads from TMICT; missed periods give one interrupt and are all counted. */
START_TEST(timer_periodic)
{
	enable();
	wr(APIC_TDCR, 0x0); /* divide by 2 */
	wr(APIC_LVTT, 0x20050);
	wr_at(APIC_TMICT, 100, 0);
	ck_assert(lapic_advance(&l, 200));
	ck_assert_uint_eq(lapic_next_event(&l), 400);
	ck_assert_uint_eq(lapic_timer_current(&l, 250), 75);
	lapic_ack(&l, 0x50);
	wr(APIC_EOI, 0);
	ck_assert(lapic_advance(&l, 1000)); /* periods at 400, 600, 800, 1000 */
	ck_assert_uint_eq(l.timer_expiries, 5);
	ck_assert_uint_eq(lapic_next_event(&l), 1200);
	ck_assert_int_eq(lapic_pending(&l), 0x50);
	/* a new divide goes on from the current count */
	wr_at(APIC_TDCR, 0xb, 1100); /* 50 counts left, now 1 ns each */
	ck_assert_uint_eq(lapic_next_event(&l), 1150);
	ck_assert_uint_eq(lapic_timer_current(&l, 1100), 50);
}
END_TEST

/* 11.5.4.1: TSC-deadline mode: IA32_TSC_DEADLINE arms, fires when the TSC reaches it, reads 0
 * after. */
START_TEST(timer_tsc_deadline)
{
	enable();
	wr(APIC_LVTT, 0x60); /* one-shot */
	lapic_tsc_deadline_write(&l, 5000, 0, 0);
	ck_assert_uint_eq(lapic_tsc_deadline_read(&l), 0); /* ignored outside deadline mode */
	wr(APIC_LVTT, 0x40060);
	wr_at(APIC_TMICT, 5, 0); /* TMICT is ignored in this mode */
	ck_assert_uint_eq(rd(APIC_TMICT), 0);
	/* at VM time 1000 ns the TSC reads 3000: 2000 ticks more is 1000 ns later */
	lapic_tsc_deadline_write(&l, 5000, 1000, 3000);
	ck_assert_uint_eq(lapic_tsc_deadline_read(&l), 5000);
	ck_assert_uint_eq(lapic_next_event(&l), 2000);
	ck_assert(!lapic_advance(&l, 1999));
	ck_assert(lapic_advance(&l, 2000));
	ck_assert(irr(0x60));
	ck_assert_uint_eq(lapic_tsc_deadline_read(&l), 0);
	/* a deadline already passed fires at once; 0 disarms */
	lapic_tsc_deadline_write(&l, 100, 3000, 7000);
	ck_assert_uint_eq(lapic_next_event(&l), 3000);
	lapic_tsc_deadline_write(&l, 0, 3000, 7000);
	ck_assert_uint_eq(lapic_next_event(&l), UINT64_MAX);
	/* leaving deadline mode disarms it */
	lapic_tsc_deadline_write(&l, 90000, 3000, 7000);
	wr(APIC_LVTT, 0x60);
	ck_assert_uint_eq(lapic_next_event(&l), UINT64_MAX);
}
END_TEST

static int msr_rd(uint32_t msr, uint64_t *v)
{
	return lapic_msr_read(&l, msr, v, 0);
}

static int msr_wr(uint32_t msr, uint64_t v)
{
	return lapic_msr_write(&l, msr, v, 0);
}

/* 11.12.1-11.12.5: x2APIC MSRs, their #GP rules, and the mode transitions. */
START_TEST(x2apic_msrs)
{
	uint64_t v;

	lapic_init(&l, 0x13, false, TSC_KHZ, &ops, NULL);
	ck_assert_int_eq(msr_rd(0x802, &v), -1); /* xAPIC mode: #GP */
	ck_assert_int_eq(lapic_set_base(&l, 0xfee00000ULL | APIC_BASE_EXTD, false, 0), -1);
	ck_assert_int_eq(
	    lapic_set_base(&l, 0xfee00000ULL | APIC_BASE_EN | APIC_BASE_EXTD, false, 0), 0);
	ck_assert(lapic_x2apic(&l));
	ck_assert(!lapic_mmio_claims(&l, 0xfee00020));
	ck_assert_int_eq(msr_rd(0x802, &v), 0);
	ck_assert_uint_eq(v, 0x13);
	ck_assert_int_eq(msr_rd(0x80d, &v), 0); /* LDR: cluster 1, bit 3 */
	ck_assert_uint_eq(v, (1u << 16) | (1u << 3));
	ck_assert_int_eq(msr_rd(0x803, &v), 0);
	ck_assert_uint_eq(v, 0x50014);
	/* write-only, read-only, reserved */
	ck_assert_int_eq(msr_rd(0x80b, &v), -1);
	ck_assert_int_eq(msr_rd(0x83f, &v), -1);
	ck_assert_int_eq(msr_rd(0x80e, &v), -1);
	ck_assert_int_eq(msr_rd(0x831, &v), -1);
	ck_assert_int_eq(msr_rd(0x809, &v), -1);
	ck_assert_int_eq(msr_wr(0x802, 0), -1);
	ck_assert_int_eq(msr_wr(0x80d, 0), -1);
	ck_assert_int_eq(msr_wr(0x80a, 0), -1);
	ck_assert_int_eq(msr_wr(0x839, 0), -1);
	ck_assert_int_eq(msr_wr(0x80e, 0), -1);
	ck_assert_int_eq(msr_wr(0x80b, 1), -1);	    /* EOI takes only 0 */
	ck_assert_int_eq(msr_wr(0x808, 0x100), -1); /* TPR reserved bits */
	ck_assert_int_eq(msr_wr(0x83f, 0x100), -1);
	ck_assert_int_eq(msr_wr(0x808, 0x20), 0);
	ck_assert_uint_eq(lapic_cr8(&l), 2);
	ck_assert_int_eq(msr_wr(0x80f, 0x1ff), 0);
	/* LINT0 as Linux's disconnect_bsp_APIC() writes it: ExtINT with the
	 * read-only delivery status and remote IRR bits set (ignored) */
	ck_assert_int_eq(msr_wr(0x835, 0x5700), 0);
	ck_assert_int_eq(msr_rd(0x835, &v), 0);
	ck_assert_uint_eq(v, 0x700);
	ck_assert_int_eq(msr_wr(0x835, 0x20700), -1); /* bit 17 is reserved */
	ck_assert_int_eq(msr_wr(0x832, 0x1030), 0);   /* timer: delivery status ignored */
	ck_assert_int_eq(msr_rd(0x832, &v), 0);
	ck_assert_uint_eq(v, 0x30);
	ck_assert_int_eq(msr_wr(0x832, 0x4030), -1); /* no remote IRR in the timer LVT */
	ck_assert_int_eq(msr_wr(0x83f, 0x66), 0); /* SELF IPI */
	ck_assert_int_eq(lapic_pending(&l), 0x66);
	ck_assert_int_eq(msr_wr(0x830, (0x13ULL << 32) | 0x67), 0); /* ICR: physical to 0x13 */
	ck_assert_int_eq(msr_rd(0x830, &v), 0);
	ck_assert_uint_eq(v, (0x13ULL << 32) | 0x67);
	ck_assert_int_eq(lapic_pending(&l), 0x67);
	lapic_ack(&l, 0x67);
	ck_assert_int_eq(msr_wr(0x80b, 0), 0);
	ck_assert_int_eq(lapic_pending(&l), 0x66);
	/* x2APIC -> xAPIC is #GP; disable first, then xAPIC again */
	ck_assert_int_eq(lapic_set_base(&l, 0xfee00000ULL | APIC_BASE_EN, false, 0), -1);
	ck_assert_int_eq(lapic_set_base(&l, 0xfee00000ULL, false, 0), 0);
	ck_assert_int_eq(
	    lapic_set_base(&l, 0xfee00000ULL | APIC_BASE_EN | APIC_BASE_EXTD, false, 0), -1);
	ck_assert_int_eq(lapic_set_base(&l, 0xfee00000ULL | APIC_BASE_EN, false, 0), 0);
	ck_assert_uint_eq(rd(APIC_ID), 0x13u << 24);
	ck_assert_int_eq(lapic_set_base(&l, 0xfee00000ULL | APIC_BASE_EN | 1, false, 0), -1);
}
END_TEST

/* 11.4.4: the page moves with IA32_APIC_BASE; a disabled APIC decodes nothing; KVM's MMIO rules. */
START_TEST(mmio_relocate_and_sizes)
{
	uint8_t b = 0xaa;
	uint64_t q = ~0ULL;

	ck_assert(lapic_mmio_claims(&l, 0xfee00fff));
	ck_assert(!lapic_mmio_claims(&l, 0xfee01000));
	ck_assert_int_eq(lapic_set_base(&l, 0xfed00000ULL | APIC_BASE_EN | APIC_BASE_BSP, false, 0),
			 0);
	ck_assert(lapic_mmio_claims(&l, 0xfed00080));
	ck_assert(!lapic_mmio_claims(&l, 0xfee00080));
	ck_assert_int_eq(lapic_set_base(&l, 0xfed00000ULL, false, 0), 0);
	ck_assert(!lapic_mmio_claims(&l, 0xfed00080));
	ck_assert(lapic_accepts_pic(&l)); /* hardware-disabled: the PIC goes straight to the CPU */
	lapic_init(&l, 0x12, true, TSC_KHZ, &ops, NULL);
	lapic_mmio_read(&l, APIC_ID + 3, &b, 1, 0);
	ck_assert_uint_eq(b, 0x12);
	lapic_mmio_read(&l, APIC_ID + 2, &q, 4, 0); /* crosses the register: zeros */
	ck_assert_uint_eq(q & 0xffffffffu, 0);
	lapic_mmio_write(&l, APIC_TASKPRI + 1, &b, 1, 0); /* not an aligned dword: ignored */
	ck_assert_uint_eq(rd(APIC_TASKPRI), 0);
}
END_TEST

/* KVM_GET/SET_LAPIC: the register page, with the current count filled in, restores the timer. */
START_TEST(state_roundtrip)
{
	struct kvm_lapic_state s;
	struct lapic copy;
	uint32_t cur;

	enable();
	wr(APIC_TASKPRI, 0x20);
	fixed(0x90, false);
	lapic_ack(&l, 0x90);
	wr(APIC_LVTT, 0x20045);
	wr(APIC_TDCR, 0xb);
	wr_at(APIC_TMICT, 1000, 0);
	lapic_get_state(&l, &s, 300);
	memcpy(&cur, s.regs + APIC_TMCCT, 4);
	ck_assert_uint_eq(cur, 700);
	lapic_init(&copy, 0, true, TSC_KHZ, &ops, NULL);
	lapic_set_state(&copy, &s, 10000, 0);
	ck_assert_uint_eq(lapic_reg(&copy, APIC_PROCPRI), 0x90);
	ck_assert_uint_eq(lapic_next_event(&copy), 10700);
	ck_assert_uint_eq(lapic_timer_current(&copy, 10100), 600);
	ck_assert(lapic_advance(&copy, 10700));
	ck_assert_uint_eq(lapic_next_event(&copy), 11700);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("lapic");
	TCase *tc = tcase_create("sdm");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, reset_state);
	tcase_add_test(tc, tpr_ppr_cr8);
	tcase_add_test(tc, priority_and_eoi);
	tcase_add_test(tc, tpr_masks);
	tcase_add_test(tc, level_eoi_broadcast);
	tcase_add_test(tc, esr_illegal_vector);
	tcase_add_test(tc, software_disable);
	tcase_add_test(tc, logical_destination);
	tcase_add_test(tc, icr);
	tcase_add_test(tc, timer_divide_values);
	tcase_add_test(tc, timer_oneshot);
	tcase_add_test(tc, timer_periodic);
	tcase_add_test(tc, timer_tsc_deadline);
	tcase_add_test(tc, x2apic_msrs);
	tcase_add_test(tc, mmio_relocate_and_sizes);
	tcase_add_test(tc, state_roundtrip);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run_suite(suite());
}
