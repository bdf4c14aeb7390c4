// SPDX-License-Identifier: MIT
/*
 * The 82093AA I/O APIC after its datasheet (IOREGSEL/IOWIN, IOAPICID,
 * IOAPICVER, IOAPICARB, 24 redirection entries), with the choices of KVM's
 * in-kernel IOAPIC where a guest on /dev/kvm would see them: version 0x11
 * (no EOI register: remote IRR is cleared by the local APIC's EOI
 * broadcast, or by making the entry edge-triggered, which Linux and Xen
 * rely on), reads of an undefined register give all ones, and KVM's state
 * layout in struct kvm_ioapic_state.
 *
 * The input level is the logical one, "asserted", whatever the entry's
 * polarity bit says: that is the KVM_IRQ_LINE contract on x86 (api.rst:
 * level 1 always means active; KVM_CAP_X86_IOAPIC_POLARITY_IGNORED), so a
 * guest that programs a pin active-low still sees the device's interrupt.
 * The polarity bit is kept and read back.
 */
#include "vcpu/soft/ioapic.h"

#include <string.h>

#define IOAPIC_VERSION 0x11
#define REG_SELECT 0x00
#define REG_WINDOW 0x10
#define IND_ID 0x00
#define IND_VERSION 0x01
#define IND_ARB 0x02
#define IND_REDIR 0x10

/* Redirection entry fields (82093AA, 3.2.4). */
#define RTE_VECTOR 0xffULL
#define RTE_DELIVERY_SHIFT 8
#define RTE_DEST_LOGICAL (1ULL << 11)
#define RTE_DELIVERY_STATUS (1ULL << 12)
#define RTE_POLARITY_LOW (1ULL << 13)
#define RTE_REMOTE_IRR (1ULL << 14)
#define RTE_LEVEL (1ULL << 15)
#define RTE_MASK (1ULL << 16)
#define RTE_DEST_SHIFT 56
#define RTE_READ_ONLY (RTE_DELIVERY_STATUS | RTE_REMOTE_IRR)

void ioapic_init(struct ioapic *io, ioapic_deliver_fn deliver, void *opaque)
{
	memset(io, 0, sizeof(*io));
	for (unsigned i = 0; i < IOAPIC_PINS; i++)
		io->redir[i] = RTE_MASK;
	io->deliver = deliver;
	io->opaque = opaque;
}

static unsigned delivery_mode(uint64_t rte)
{
	return (rte >> RTE_DELIVERY_SHIFT) & 7;
}

/*
 * Level-sensitive in effect: only fixed and lowest-priority messages can be;
 * SMI, NMI, INIT and ExtINT are taken as edge-triggered whatever the entry
 * says (82093AA, delivery mode), so they never wait for an EOI.
 */
static bool level_triggered(uint64_t rte)
{
	unsigned dm = delivery_mode(rte);

	return (rte & RTE_LEVEL) && (dm == APIC_DM_FIXED || dm == APIC_DM_LOWEST);
}

/* Send pin's message if it may go: unmasked, and for level entries no EOI outstanding. */
static void service(struct ioapic *io, unsigned pin)
{
	uint64_t *rte = &io->redir[pin];
	bool level = level_triggered(*rte);
	struct apic_msg m;

	if ((*rte & RTE_MASK) || (level && (*rte & RTE_REMOTE_IRR)) || !io->deliver)
		return;
	m = (struct apic_msg){
	    .vector = (uint8_t)(*rte & RTE_VECTOR),
	    .delivery = (uint8_t)delivery_mode(*rte),
	    .dest = (uint32_t)(*rte >> RTE_DEST_SHIFT),
	    .dest_logical = *rte & RTE_DEST_LOGICAL,
	    .level = level,
	};
	if (level)
		*rte |= RTE_REMOTE_IRR;
	else
		io->irr &= ~(1u << pin); /* an edge is consumed by its delivery */
	io->deliver(io->opaque, &m);
}

void ioapic_set_irq(struct ioapic *io, unsigned pin, int level)
{
	uint32_t bit;
	bool rising;

	if (pin >= IOAPIC_PINS)
		return;
	bit = 1u << pin;
	if (!level) {
		io->line &= ~bit;
		io->irr &= ~bit;
		return;
	}
	rising = !(io->line & bit);
	io->line |= bit;
	/*
	 * A level entry delivers whenever it may while the input is asserted;
	 * an edge entry only on the rising edge (a masked edge stays visible in
	 * IRR but is never delivered later: 82093AA, mask bit).
	 */
	if (level_triggered(io->redir[pin]) || rising) {
		io->irr |= bit;
		service(io, pin);
	}
}

static uint32_t read_indirect(const struct ioapic *io)
{
	unsigned sel = io->ioregsel, pin;

	switch (sel) {
	case IND_ID:
	case IND_ARB:
		return (io->id & 0xf) << 24;
	case IND_VERSION:
		return (uint32_t)(IOAPIC_PINS - 1) << 16 | IOAPIC_VERSION;
	default:
		if (sel < IND_REDIR || (pin = (sel - IND_REDIR) / 2) >= IOAPIC_PINS)
			return 0xffffffff;
		return (uint32_t)(io->redir[pin] >> (sel & 1 ? 32 : 0));
	}
}

static void write_redir(struct ioapic *io, unsigned pin, bool high, uint32_t val)
{
	uint64_t *rte = &io->redir[pin], keep = *rte & RTE_READ_ONLY;

	if (high)
		*rte = (*rte & 0xffffffffULL) | (uint64_t)val << 32;
	else
		*rte = (*rte & ~0xffffffffULL) | val;
	*rte = (*rte & ~RTE_READ_ONLY) | keep;
	/* Linux and Xen clear a stuck remote IRR by switching the entry to edge and back. */
	if (!(*rte & RTE_LEVEL))
		*rte &= ~RTE_REMOTE_IRR;
	/* A level input still asserted is delivered once the entry lets it through. */
	if (level_triggered(*rte) && (io->line & (1u << pin))) {
		io->irr |= 1u << pin;
		service(io, pin);
	}
}

static void write_indirect(struct ioapic *io, uint32_t val)
{
	unsigned sel = io->ioregsel;

	if (sel == IND_ID)
		io->id = (val >> 24) & 0xf;
	else if (sel >= IND_REDIR && (sel - IND_REDIR) / 2 < IOAPIC_PINS)
		write_redir(io, (sel - IND_REDIR) / 2, sel & 1, val);
	/* IOAPICVER and IOAPICARB are read-only; other selectors name nothing. */
}

void ioapic_mmio(struct ioapic *io, uint64_t off, bool write, uint32_t *val)
{
	switch (off) {
	case REG_SELECT:
		if (write)
			io->ioregsel = *val & 0xff;
		else
			*val = io->ioregsel;
		break;
	case REG_WINDOW:
		if (write)
			write_indirect(io, *val);
		else
			*val = read_indirect(io);
		break;
	default:
		if (!write)
			*val = 0;
		break;
	}
}

void ioapic_eoi(struct ioapic *io, uint8_t vector)
{
	for (unsigned pin = 0; pin < IOAPIC_PINS; pin++) {
		uint64_t *rte = &io->redir[pin];

		if ((*rte & RTE_VECTOR) != vector || !(*rte & RTE_REMOTE_IRR))
			continue;
		*rte &= ~RTE_REMOTE_IRR;
		if (level_triggered(*rte) && (io->line & (1u << pin)))
			service(io, pin);
	}
}

void ioapic_get_state(const struct ioapic *io, struct kvm_ioapic_state *s)
{
	memset(s, 0, sizeof(*s));
	s->base_address = IOAPIC_BASE;
	s->ioregsel = io->ioregsel;
	s->id = io->id;
	s->irr = io->irr;
	for (unsigned i = 0; i < IOAPIC_PINS; i++)
		s->redirtbl[i].bits = io->redir[i];
}

/*
 * As KVM_SET_IRQCHIP does: the table is taken as given, and the pins in irr
 * are asserted again (level entries deliver if they may). The base address
 * is fixed at 0xfec00000 here; another one is ignored.
 */
void ioapic_set_state(struct ioapic *io, const struct kvm_ioapic_state *s)
{
	io->ioregsel = s->ioregsel & 0xff;
	io->id = s->id & 0xf;
	for (unsigned i = 0; i < IOAPIC_PINS; i++)
		io->redir[i] = s->redirtbl[i].bits & ~RTE_DELIVERY_STATUS;
	io->irr = io->line = 0;
	for (unsigned i = 0; i < IOAPIC_PINS; i++)
		if (s->irr & (1u << i))
			ioapic_set_irq(io, i, 1);
}
