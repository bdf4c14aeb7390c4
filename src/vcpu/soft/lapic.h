/* SPDX-License-Identifier: MIT */
/*
 * The local APIC of one soft vCPU (Intel SDM vol. 3 ch. 11), the
 * software provider's in-"kernel" device behind KVM_CREATE_IRQCHIP
 * (issue 11): xAPIC MMIO page and x2APIC MSRs 0x800-0x8ff, TPR/PPR, ISR,
 * TMR, IRR, EOI, LDR/DFR, SVR, ESR, ICR, the LVTs and the timer (one-shot,
 * periodic, TSC-deadline).
 *
 * The registers live in a 1 KiB page laid out as KVM's struct
 * kvm_lapic_state, so KVM_GET/SET_LAPIC are a copy (plus the fix-ups KVM
 * makes: the current count, and the x2APIC ID shown in xAPIC format).
 *
 * A plain state machine: time is passed in (`now`, VM-clock ns; `tsc`,
 * the guest TSC at that instant), no locks (irqchip.c holds its lock
 * around every call), no CPU: the vCPU asks lapic_pending() at an
 * instruction boundary and lapic_ack() when it delivers. Messages to
 * other local APICs (IPIs) and level-triggered EOIs leave through ops.
 */
#ifndef MINIVMM_SOFT_LAPIC_H
#define MINIVMM_SOFT_LAPIC_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/kvm.h>

#include "vcpu/soft/ioapic.h" /* struct apic_msg, enum apic_delivery */

#define LAPIC_DEFAULT_BASE 0xfee00000ULL
#define LAPIC_MMIO_SIZE 0x1000
/* As KVM: the timer counts a 1 GHz bus clock (1 ns per tick before the divider). */
#define LAPIC_BUS_HZ 1000000000ULL

/* IA32_APIC_BASE bits */
#define APIC_BASE_BSP (1ULL << 8)
#define APIC_BASE_EXTD (1ULL << 10) /* x2APIC mode */
#define APIC_BASE_EN (1ULL << 11)

/* MSRs the local APIC answers besides IA32_APIC_BASE */
#define MSR_X2APIC_FIRST 0x800
#define MSR_X2APIC_LAST 0x8ff
#define MSR_TSC_DEADLINE 0x6e0
#define MSR_IA32_APIC_BASE 0x1b

/* Register offsets in the page (SDM table 11-1); x2APIC MSR = 0x800 + off / 16. */
enum {
	APIC_ID = 0x20,
	APIC_LVR = 0x30,
	APIC_TASKPRI = 0x80,
	APIC_ARBPRI = 0x90,
	APIC_PROCPRI = 0xa0,
	APIC_EOI = 0xb0,
	APIC_RRR = 0xc0,
	APIC_LDR = 0xd0,
	APIC_DFR = 0xe0,
	APIC_SPIV = 0xf0,
	APIC_ISR = 0x100,
	APIC_TMR = 0x180,
	APIC_IRR = 0x200,
	APIC_ESR = 0x280,
	APIC_LVTCMCI = 0x2f0,
	APIC_ICR = 0x300,
	APIC_ICR2 = 0x310,
	APIC_LVTT = 0x320,
	APIC_LVTTHMR = 0x330,
	APIC_LVTPC = 0x340,
	APIC_LVT0 = 0x350,
	APIC_LVT1 = 0x360,
	APIC_LVTERR = 0x370,
	APIC_TMICT = 0x380,
	APIC_TMCCT = 0x390,
	APIC_TDCR = 0x3e0,
	APIC_SELF_IPI = 0x3f0,
};

/* Version register: version 0x14, 6 LVT entries (max LVT index 5), as KVM without CMCI. */
#define LAPIC_VERSION 0x50014u

/* LVT and ICR fields */
#define APIC_LVT_MASKED (1u << 16)
#define APIC_LVT_LEVEL (1u << 15)
#define APIC_LVT_REMOTE_IRR (1u << 14)
#define APIC_DELIVERY_STATUS (1u << 12)
#define APIC_ICR_LOGICAL (1u << 11)
#define APIC_ICR_ASSERT (1u << 14)
#define APIC_SVR_ENABLE (1u << 8)
#define APIC_TIMER_MODE_SHIFT 17
enum { APIC_TIMER_ONESHOT = 0, APIC_TIMER_PERIODIC = 1, APIC_TIMER_TSCDEADLINE = 2 };
/* ICR destination shorthand (bits 19:18) */
enum { APIC_DEST_NOSH = 0, APIC_DEST_SELF = 1, APIC_DEST_ALLINC = 2, APIC_DEST_ALLBUT = 3 };
/* ESR bits */
#define APIC_ESR_SEND_ILLEGAL (1u << 5)
#define APIC_ESR_RECV_ILLEGAL (1u << 6)
#define APIC_ESR_ILLEGAL_REG (1u << 7)

struct lapic;

struct lapic_ops {
	/* EOI of a vector whose TMR bit was set: the IOAPIC clears its remote IRR. */
	void (*eoi)(void *opaque, uint8_t vector);
	/* An ICR write to other local APICs (shorthand APIC_DEST_*; self is done here). */
	void (*ipi)(void *opaque, struct lapic *from, const struct apic_msg *m, unsigned shorthand);
	/* EOI of an edge vector (TMR clear): KVM still acks the IOAPIC pins with it (the PIT's). */
	void (*eoi_edge)(void *opaque, uint8_t vector);
};

struct lapic {
	uint8_t regs[KVM_APIC_REG_SIZE]; /* as struct kvm_lapic_state */
	uint64_t base;			 /* IA32_APIC_BASE */
	uint32_t id;			 /* initial APIC ID (the x2APIC ID) */
	uint32_t esr_pending;		 /* errors since the last ESR write */
	uint64_t tsc_khz;		 /* guest TSC rate: TSC-deadline -> ns */
	/* timer: when the current count was loaded, and the next expiry (VM-clock ns) */
	uint64_t timer_load_ns, timer_expiry_ns; /* expiry UINT64_MAX: not armed */
	uint64_t tsc_deadline;			 /* IA32_TSC_DEADLINE */
	uint64_t timer_expiries;		 /* counter: every expiry, masked or not */
	/* events for the vCPU besides vectors in IRR */
	bool nmi_pending, extint_pending, init_pending, sipi_pending;
	uint8_t sipi_vector;
	const struct lapic_ops *ops;
	void *opaque;
};

/* Power-on state for the vCPU with APIC ID id (BSP: IA32_APIC_BASE.BSP, LINT0 ExtINT as KVM). */
void lapic_init(struct lapic *l, uint32_t id, bool bsp, uint64_t tsc_khz,
		const struct lapic_ops *ops, void *opaque);

/* IA32_APIC_BASE write; host (KVM_SET_MSRS/SREGS) skips the mode-transition checks. -1: #GP. */
int lapic_set_base(struct lapic *l, uint64_t v, bool host, uint64_t now);

static inline bool lapic_hw_enabled(const struct lapic *l)
{
	return l->base & APIC_BASE_EN;
}

static inline bool lapic_x2apic(const struct lapic *l)
{
	return (l->base & (APIC_BASE_EN | APIC_BASE_EXTD)) == (APIC_BASE_EN | APIC_BASE_EXTD);
}

static inline uint32_t lapic_reg(const struct lapic *l, unsigned off)
{
	uint32_t v;

	__builtin_memcpy(&v, l->regs + off, 4);
	return v;
}

/* The xAPIC page is decoded at gpa (hardware-enabled, not x2APIC). */
bool lapic_mmio_claims(const struct lapic *l, uint64_t gpa);
/* xAPIC MMIO access at offset off (size 1..8; a register is the aligned 4 bytes of its 16). */
void lapic_mmio_read(struct lapic *l, uint64_t off, void *data, unsigned size, uint64_t now);
void lapic_mmio_write(struct lapic *l, uint64_t off, const void *data, unsigned size, uint64_t now);

/* x2APIC MSRs 0x800-0x8ff with the SDM's #GP rules: 0, or -1 for #GP. */
int lapic_msr_read(struct lapic *l, uint32_t msr, uint64_t *v, uint64_t now);
int lapic_msr_write(struct lapic *l, uint32_t msr, uint64_t v, uint64_t now);

/* IA32_TSC_DEADLINE (only meaningful in TSC-deadline mode, as KVM: else reads 0, writes ignored).
 */
uint64_t lapic_tsc_deadline_read(const struct lapic *l);
void lapic_tsc_deadline_write(struct lapic *l, uint64_t v, uint64_t now, uint64_t tsc);

/* CR8 is TPR[7:4]. */
uint64_t lapic_cr8(const struct lapic *l);
void lapic_set_cr8(struct lapic *l, uint64_t cr8);

/* A message for this local APIC (from the IOAPIC, an MSI or an IPI): IRR/TMR, NMI, INIT... */
void lapic_deliver(struct lapic *l, const struct apic_msg *m);
/* Whether a message to dest (physical APIC ID or logical) addresses this local APIC. */
bool lapic_match_dest(const struct lapic *l, uint32_t dest, bool logical);

/* The highest IRR vector above the PPR's class, or -1 (software disabled APICs still deliver IRR).
 */
int lapic_pending(const struct lapic *l);
/* INTA: move vector from IRR to ISR (PPR follows). */
void lapic_ack(struct lapic *l, uint8_t vector);
/* As KVM's kvm_apic_accept_pic_intr: the PIC reaches the CPU through LINT0 or a disabled APIC. */
bool lapic_accepts_pic(const struct lapic *l);

/* Fire the timer if due at now; true when an interrupt was raised. */
bool lapic_advance(struct lapic *l, uint64_t now);
/* The next expiry in VM-clock ns, UINT64_MAX when none is armed. */
static inline uint64_t lapic_next_event(const struct lapic *l)
{
	return l->timer_expiry_ns;
}

/* ---- between lapic.c and lapic_timer.c ---- */
void lapic_set_reg(struct lapic *l, unsigned off, uint32_t v);
/* Raise the interrupt an LVT entry describes (unless masked). */
void lapic_raise_lvt(struct lapic *l, unsigned lvt_off);
/* Writes of the timer registers LVTT, TMICT, TDCR; TMCCT's read. */
void lapic_timer_write(struct lapic *l, unsigned off, uint32_t v, uint64_t now);
uint32_t lapic_timer_current(const struct lapic *l, uint64_t now);
/* After KVM_SET_LAPIC: re-arm from TMICT/TMCCT (and IA32_TSC_DEADLINE). */
void lapic_timer_restore(struct lapic *l, uint64_t now, uint64_t tsc);

/* KVM_GET/SET_LAPIC. */
void lapic_get_state(const struct lapic *l, struct kvm_lapic_state *s, uint64_t now);
void lapic_set_state(struct lapic *l, const struct kvm_lapic_state *s, uint64_t now, uint64_t tsc);

#endif
