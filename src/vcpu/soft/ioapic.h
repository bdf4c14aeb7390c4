/* SPDX-License-Identifier: MIT */
/*
 * The 82093AA I/O APIC at 0xfec00000 (24 pins, redirection table,
 * level-triggered remote IRR and EOI), as the software provider's
 * in-"kernel" device behind KVM_CREATE_IRQCHIP (issue 11). It delivers by
 * calling back into irqchip.c, which routes the message to the local
 * APIC(s); no locks here (the caller holds irqchip's).
 */
#ifndef MINIVMM_SOFT_IOAPIC_H
#define MINIVMM_SOFT_IOAPIC_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/kvm.h>

#define IOAPIC_BASE 0xfec00000ULL
#define IOAPIC_MMIO_SIZE 0x1000
#define IOAPIC_PINS 24 /* KVM_IOAPIC_NUM_PINS */

/* Delivery modes of an interrupt message (SDM vol. 3, 11.6.1; ICR, LVT, redirection entry). */
enum apic_delivery {
	APIC_DM_FIXED = 0, APIC_DM_LOWEST = 1, APIC_DM_SMI = 2, APIC_DM_NMI = 4,
	APIC_DM_INIT = 5, APIC_DM_SIPI = 6, APIC_DM_EXTINT = 7,
};

/* One interrupt message, as an IOAPIC entry, an MSI or an IPI carries it. */
struct apic_msg {
	uint8_t vector;
	uint8_t delivery; /* enum apic_delivery */
	uint32_t dest;	  /* APIC ID (physical) or logical destination */
	bool dest_logical;
	bool level; /* level-triggered: the local APIC sets TMR and broadcasts EOI */
};

typedef void (*ioapic_deliver_fn)(void *opaque, const struct apic_msg *m);

struct ioapic {
	uint32_t ioregsel, id;
	uint64_t redir[IOAPIC_PINS];
	uint32_t irr;	    /* pins asserted (level) / latched (edge) */
	uint32_t line;	    /* current input levels, for edge detection */
	ioapic_deliver_fn deliver;
	void *opaque;
};

void ioapic_init(struct ioapic *io, ioapic_deliver_fn deliver, void *opaque);

/* Drive input pin (0..23) to level; delivers through the callback when it should. */
void ioapic_set_irq(struct ioapic *io, unsigned pin, int level);

/* 32-bit access at offset off of the MMIO page (IOREGSEL 0x00, IOWIN 0x10; others ignored). */
void ioapic_mmio(struct ioapic *io, uint64_t off, bool write, uint32_t *val);

/* A local APIC's EOI of a level-triggered vector: clear remote IRR, redeliver if still asserted. */
void ioapic_eoi(struct ioapic *io, uint8_t vector);

/* KVM_GET/SET_IRQCHIP (KVM_IRQCHIP_IOAPIC). */
void ioapic_get_state(const struct ioapic *io, struct kvm_ioapic_state *s);
void ioapic_set_state(struct ioapic *io, const struct kvm_ioapic_state *s);

#endif
