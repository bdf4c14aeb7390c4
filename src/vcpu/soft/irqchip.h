/* SPDX-License-Identifier: MIT */
/*
 * The soft provider's in-"kernel" interrupt hardware behind
 * KVM_CREATE_IRQCHIP and KVM_CREATE_PIT2 (issue 11): the 8259A pair, the
 * IOAPIC, the 8254 and the local APICs of the vCPUs, under one mutex, and
 * their wiring:
 *
 *  - GSI routing is KVM's default (no KVM_SET_GSI_ROUTING): GSI 0-15 drive
 *    both the PIC line and the IOAPIC pin of the same number, GSI 16-23 the
 *    IOAPIC pin only. There is no interrupt source override: ISA IRQ n is
 *    IOAPIC pin n, so the PIT's IRQ 0 is pin 0 (not 2). The MADT the VMM
 *    builds describes exactly this.
 *  - The PIT pulses IRQ 0 for the rising edges of counter 0's output
 *    (i8254_advance), counted when a vCPU looks at its timers: in KVM's
 *    reinject mode (the default) one pulse per edge, the next when the
 *    last was acknowledged (PIC EOI/AEOI, IOAPIC EOI of pin 0's vector);
 *    with KVM_REINJECT_CONTROL off one pulse for all edges since the last
 *    look (irqchip_pit.c).
 *  - IOAPIC messages and MSIs go to the local APIC(s) they address
 *    (fixed, lowest priority = the first match, NMI, ExtINT; physical or
 *    logical destination); IPIs likewise.
 *  - The PIC reaches a vCPU through LINT0 (ExtINT mode) or when its local
 *    APIC is hardware-disabled, as KVM's kvm_apic_accept_pic_intr().
 *
 * Any thread may raise a line (KVM_IRQ_LINE from the VMM's device
 * threads): it takes the lock, changes the state and wakes the vCPUs
 * concerned (irq_work; a futex wake when one sleeps in HLT). The vCPU
 * thread handles the ports and MMIO pages of these devices without an
 * exit, and takes interrupts between blocks (irqchip_service).
 */
#ifndef MINIVMM_SOFT_IRQCHIP_H
#define MINIVMM_SOFT_IRQCHIP_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "vcpu/soft/cpu.h"
#include "vcpu/soft/i8254.h"
#include "vcpu/soft/i8259.h"
#include "vcpu/soft/ioapic.h"
#include "vcpu/soft/lapic.h"

#define IRQCHIP_NR_GSI IOAPIC_PINS /* KVM's default routing covers GSI 0-23 */

struct soft_irqchip {
	pthread_mutex_t lock;
	struct i8259 pic;
	struct ioapic ioapic;
	struct i8254 pit;
	bool has_pit;
	bool pit_speaker_dummy; /* KVM_PIT_SPEAKER_DUMMY: port 0x61 is handled here */
	struct soft_vm *vm;
	struct soft_cpu **cpus; /* the vCPUs, each with its struct lapic */
	unsigned ncpus, cap;
	uint64_t line_raised[IRQCHIP_NR_GSI]; /* KVM_IRQ_LINE 0->1 per GSI (stats) */
	uint64_t pit_edges;		      /* OUT0 rises of the PIT */
	struct i8254_reinject pit_reinject;
	uint32_t pit_count_writes_seen; /* counter 0's count_writes at the last update */
};

/* ---- VM side (irqchip.c) ---- */
void soft_vm_irqchip_destroy(struct soft_vm *vm);
int irqchip_attach_cpu(struct soft_irqchip *c, struct soft_cpu *cpu); /* creates its LAPIC */
void irqchip_detach_cpu(struct soft_irqchip *c, struct soft_cpu *cpu);
/* Make cpu look at its interrupts soon; wake it if it sleeps in HLT. */
void irqchip_wake(struct soft_cpu *cpu);
void irqchip_wake_all(struct soft_irqchip *c);

/* ---- the PIT's IRQ 0 (irqchip_pit.c), all under the lock ---- */
/* Run the PIT up to now (pulsing IRQ 0); the next edge or UINT64_MAX. */
uint64_t irqchip_pit_advance(struct soft_irqchip *c, uint64_t now);
/* IRQ 0's masks (bit 0 the PIC's IMR, bit 1 IOAPIC pin 0), to pass to irqchip_pit_update(). */
unsigned irqchip_pit_masks(const struct soft_irqchip *c);
/*
 * After the guest used the PIC, the PIT or the IOAPIC: IRQ 0 acknowledged,
 * unmasked since masks, or counter 0 given a new count.
 */
void irqchip_pit_update(struct soft_irqchip *c, unsigned masks);
/* A local APIC's EOI of vector: acknowledges the PIT when it is IOAPIC pin 0's. */
void irqchip_pit_ioapic_eoi(struct soft_irqchip *c, uint8_t vector);
/* Under the lock: a message to the local APIC(s) it addresses. */
void irqchip_route_msg(struct soft_irqchip *c, const struct apic_msg *m);

/* ---- vCPU side (irqchip_cpu.c) ---- */
/* Ports and MMIO pages of the in-"kernel" devices: true when handled here (no exit). */
bool irqchip_pio(struct soft_cpu *cpu, bool write, uint16_t port, unsigned size, unsigned count,
		 uint8_t *data);
bool irqchip_mmio(struct soft_cpu *cpu, bool write, uint64_t gpa, unsigned size, uint8_t *data);
/*
 * Between blocks: timers, then the highest event the CPU may take now
 * (NMI, then ExtINT from the PIC, then the LAPIC's IRR above PPR),
 * delivered through the IDT. 0 go on, 1 kvm_run holds an exit (shutdown).
 */
int irqchip_service(struct soft_cpu *cpu);
/* HLT: sleep until an event may be taken or a timer is due. 0, or -EINTR after a kick. */
int irqchip_halt_wait(struct soft_cpu *cpu);
/* MSRs of the LAPIC (APIC base, x2APIC, TSC deadline): 0, -1 (#GP), or 1 when not one of them. */
int irqchip_msr_read(struct soft_cpu *cpu, uint32_t index, uint64_t *v);
int irqchip_msr_write(struct soft_cpu *cpu, uint32_t index, uint64_t v, bool host);
uint64_t irqchip_cr8(struct soft_cpu *cpu);
/* IA32_APIC_BASE: the local APIC's when there is one, else the plain MSR value. */
static inline uint64_t cpu_apic_base(const struct soft_cpu *cpu)
{
	return cpu->lapic ? cpu->lapic->base : cpu->apic_base;
}
void irqchip_set_cr8(struct soft_cpu *cpu, uint64_t cr8);

#endif
