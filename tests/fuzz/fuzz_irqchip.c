// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the soft provider's in-"kernel" interrupt devices, the
 * 8259A pair (i8259.c), the 8254 PIT (i8254*.c) and the I/O APIC
 * (ioapic.c), wired as on a PC (PIT OUT0 to PIC IRQ 0 and IOAPIC pin 2),
 * fed a stream of operations on one monotonic VM clock.
 *
 * Input: a sequence of ops; each starts with a byte whose low four bits
 * pick the op and whose high four bits are its small argument:
 *   0/1 PIC port write/read (port from the argument; then the value byte)
 *   2   PIC line: irq byte, level = argument bit 0
 *   3   INTA;  15 INTA then non-specific EOI to both chips (a handler)
 *   4/5 PIT port write/read (port from the argument; then the value byte)
 *   6   the clock moves on: u16 << (5 * (argument & 7)) ns, PIT edges to IRQ 0
 *   7/8 IOAPIC MMIO write (u32)/read at 0x00, 0x10, 0x20 or 0x40
 *   9   IOAPIC pin (byte, 24..255 out of range), level = argument bit 0
 *   10  IOAPIC EOI (vector byte)
 *   11  KVM state round trips of all three
 *   12/13/14 KVM_SET_IRQCHIP (PIC chip from the argument) / SET_PIT2 /
 *       IOAPIC state straight from the input bytes
 *
 * Oracles besides ASan/UBSan (and libFuzzer's -timeout for a loop):
 *  - 8259A: an ISR bit appears only through an INTA or a poll read, for
 *    the IR the returned vector or poll word names (master IR2 for a
 *    slave vector), never more than one per chip; an IRR bit appears only
 *    for the line just raised, or on master IR2 (the cascade); the state
 *    stays in range (priority_add < 8, init_state < 4);
 *  - 8254: after i8254_advance(t), i8254_next_edge(t) lies after t, OUT0 is
 *    low just before it and high at it, and a later advance with no PIT
 *    access in between counts no edge before that time and at least one
 *    from it on; the state read back is in range;
 *  - IOAPIC: a line change sends at most one message, with that entry's
 *    vector, and a level message leaves remote IRR set; an EOI sends only
 *    that vector, and afterwards exactly the entries it re-sent wait for an
 *    EOI again; delivery status always reads 0;
 *  - KVM state round trips (get, set into a fresh device, get) are exact
 *    (for the IOAPIC: its table and registers).
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz_input.h"
#include "vcpu/soft/i8254.h"
#include "vcpu/soft/i8259.h"
#include "vcpu/soft/ioapic.h"

#define PIT_TO_IOAPIC_PIN 2 /* the PC's (and KVM's default routing's) IRQ 0 override */

struct sent {
	unsigned count;
	uint8_t vectors[IOAPIC_PINS + 1];
	bool level[IOAPIC_PINS + 1];
};

struct rig {
	struct i8259 pic;
	struct i8254 pit;
	struct ioapic io;
	struct sent sent;
	uint64_t now;
	uint64_t pit_edge; /* next_edge after the last advance, UINT64_MAX: unknown */
	bool raw_ioapic;   /* an IOAPIC state came from the input: table invariants off */
	/*
	 * The PIC's state may be off the cascade's fixed point: a raw state, or
	 * master IR2 driven as a line (KVM routes GSI 2 there too) can leave the
	 * slave's request unlatched until the next update, as in KVM.
	 */
	bool pic_unsettled;
};

#define check(cond)                                                                                \
	do {                                                                                       \
		if (!(cond))                                                                       \
			abort();                                                                   \
	} while (0)

static void record(void *opaque, const struct apic_msg *m)
{
	struct sent *s = opaque;

	check(s->count <= IOAPIC_PINS);
	s->vectors[s->count] = m->vector;
	s->level[s->count] = m->level;
	s->count++;
}

/* ------------------------------------------------------------------ 8259A */

struct pic_snap {
	struct kvm_pic_state c[2];
};

static void pic_snap(const struct i8259 *p, struct pic_snap *s)
{
	i8259_get_chip(p, 0, &s->c[0]);
	i8259_get_chip(p, 1, &s->c[1]);
	for (unsigned i = 0; i < 2; i++)
		check(s->c[i].priority_add < 8 && s->c[i].init_state < 4);
}

/* ISR bits gained between two snapshots, per chip, must be within allowed[]. */
static void pic_check_gain(const struct pic_snap *a, const struct pic_snap *b,
			   const uint8_t isr_ok[2], const uint8_t irr_ok[2])
{
	for (unsigned i = 0; i < 2; i++) {
		uint8_t isr_new = b->c[i].isr & (uint8_t)~a->c[i].isr;
		uint8_t irr_new = b->c[i].irr & (uint8_t)~a->c[i].irr;

		check(!(isr_new & (uint8_t)~isr_ok[i]));
		check(!(isr_new & (uint8_t)(isr_new - 1))); /* at most one */
		check(!(irr_new & (uint8_t)~irr_ok[i]));
	}
}

/* The IR a vector names on a chip whose base is base, as a bit (0 if none). */
static uint8_t ir_bit(uint8_t vector, uint8_t base)
{
	return (uint8_t)((vector & 0xf8) == base ? 1u << (vector & 7) : 0);
}

static void pic_inta(struct rig *r, bool then_eoi)
{
	struct pic_snap a, b;
	uint8_t v, isr_ok[2], irr_ok[2] = {1u << 2, 0}, eoi = 0x20;

	pic_snap(&r->pic, &a);
	v = i8259_acknowledge(&r->pic);
	pic_snap(&r->pic, &b);
	isr_ok[0] = (uint8_t)(ir_bit(v, a.c[0].irq_base) | (ir_bit(v, a.c[1].irq_base) ? 4 : 0));
	isr_ok[1] = ir_bit(v, a.c[1].irq_base);
	pic_check_gain(&a, &b, isr_ok, irr_ok);
	if (then_eoi) {
		i8259_io(&r->pic, 0xa0, true, &eoi);
		i8259_io(&r->pic, 0x20, true, &eoi);
	}
}

static const uint16_t pic_ports[8] = {0x20, 0x21, 0xa0, 0xa1, 0x4d0, 0x4d1, 0x22, 0x4d2};

static void pic_port(struct rig *r, struct fuzz_in *in, unsigned arg, bool write)
{
	uint16_t port = pic_ports[arg & 7];
	struct pic_snap a, b;
	uint8_t val = write ? fin_u8(in) : 0, isr_ok[2] = {0, 0}, irr_ok[2] = {1u << 2, 0};
	bool mine;

	pic_snap(&r->pic, &a);
	mine = i8259_io(&r->pic, port, write, &val);
	check(mine == (arg & 7) < 6);
	pic_snap(&r->pic, &b);
	/* A poll read of a chip's own port acknowledges the IR it reports. */
	if (!write && (arg & 7) < 4 && a.c[(arg & 7) >> 1].poll && (val & 0x80))
		isr_ok[(arg & 7) >> 1] = (uint8_t)(1u << (val & 7));
	pic_check_gain(&a, &b, isr_ok, irr_ok);
}

static void pic_line(struct rig *r, unsigned irq, int level)
{
	struct pic_snap a, b;
	uint8_t isr_ok[2] = {0, 0}, irr_ok[2] = {1u << 2, 0};

	if (irq < 16)
		irr_ok[irq >> 3] |= (uint8_t)(1u << (irq & 7));
	pic_snap(&r->pic, &a);
	i8259_set_irq(&r->pic, irq, level);
	pic_snap(&r->pic, &b);
	pic_check_gain(&a, &b, isr_ok, irr_ok);
}

static void ioapic_line(struct rig *r, unsigned pin, int level);

/* ------------------------------------------------------------------ 8254 */

static void pit_check_state(const struct i8254 *p)
{
	struct kvm_pit_state2 s;

	i8254_get_state(p, &s);
	for (unsigned i = 0; i < 3; i++) {
		const struct kvm_pit_channel_state *c = &s.channels[i];

		check(c->count >= 1 && c->count <= 0x10000);
		check(c->mode <= 5 || c->mode == 0xff);
		check(c->rw_mode <= 3 && c->read_state <= 4 && c->write_state <= 4);
		check(c->count_latched <= 3 && c->bcd <= 1 && c->gate <= 1);
	}
}

static const uint16_t pit_ports[8] = {0x40, 0x41, 0x42, 0x43, 0x43, 0x61, 0x44, 0x60};

static void pit_port(struct rig *r, struct fuzz_in *in, unsigned arg, bool write)
{
	uint8_t val = write ? fin_u8(in) : 0;
	bool mine = i8254_io(&r->pit, pit_ports[arg & 7], write, &val, r->now);

	check(mine == (arg & 7) < 6);
	r->pit_edge = UINT64_MAX; /* the program may have changed: no prediction */
	pit_check_state(&r->pit);
}

static void clock_moves(struct rig *r, struct fuzz_in *in, unsigned arg)
{
	uint64_t delta = (uint64_t)fin_u16(in) << (5 * (arg & 7)), before = r->now;
	unsigned edges;

	if (delta > UINT64_MAX - r->now)
		delta = UINT64_MAX - r->now;
	r->now += delta;
	/* The predicted edge is where OUT0 rises (asked before advance settles the counter). */
	if (r->pit_edge != UINT64_MAX && !(r->pit.flags & KVM_PIT_FLAGS_HPET_LEGACY))
		check(i8254_out0(&r->pit, r->pit_edge) && !i8254_out0(&r->pit, r->pit_edge - 1));
	edges = i8254_advance(&r->pit, r->now);
	if (r->pit_edge != UINT64_MAX) {
		check(r->pit_edge > before);
		check(r->now < r->pit_edge ? edges == 0 : edges >= 1);
	}
	r->pit_edge = i8254_next_edge(&r->pit, r->now);
	check(r->pit_edge > r->now);
	/* The PIC and IOAPIC coalesce: two pulses show the same as many. */
	for (unsigned i = 0; i < edges && i < 2; i++) {
		pic_line(r, 0, 1);
		pic_line(r, 0, 0);
		ioapic_line(r, PIT_TO_IOAPIC_PIN, 1);
		ioapic_line(r, PIT_TO_IOAPIC_PIN, 0);
	}
}

/* ------------------------------------------------------------------ IOAPIC */

static void ioapic_check_table(const struct rig *r)
{
	for (unsigned i = 0; i < IOAPIC_PINS; i++) {
		uint64_t e = r->io.redir[i];

		check(!(e & (1u << 12))); /* delivery status: always idle */
		if (!r->raw_ioapic)
			check(!(e & (1u << 14)) || (e & (1u << 15))); /* remote IRR only if level */
	}
}

static void ioapic_line(struct rig *r, unsigned pin, int level)
{
	r->sent.count = 0;
	ioapic_set_irq(&r->io, pin, level);
	check(r->sent.count <= 1);
	if (r->sent.count) {
		check(pin < IOAPIC_PINS && r->sent.vectors[0] == (uint8_t)r->io.redir[pin]);
		check(!r->sent.level[0] || (r->io.redir[pin] & (1u << 14)));
	}
	ioapic_check_table(r);
}

static void ioapic_eoi_vector(struct rig *r, uint8_t vector)
{
	unsigned waiting = 0, resent = 0;

	r->sent.count = 0;
	ioapic_eoi(&r->io, vector);
	for (unsigned i = 0; i < r->sent.count; i++) {
		check(r->sent.vectors[i] == vector);
		resent += r->sent.level[i];
	}
	for (unsigned i = 0; i < IOAPIC_PINS; i++)
		waiting += (uint8_t)r->io.redir[i] == vector && (r->io.redir[i] & (1u << 14));
	check(waiting == resent);
	ioapic_check_table(r);
}

static void ioapic_access(struct rig *r, struct fuzz_in *in, unsigned arg, bool write)
{
	static const uint64_t offs[4] = {0x00, 0x10, 0x20, 0x40};
	uint32_t val = write ? fin_u32(in) : 0;

	r->sent.count = 0;
	ioapic_mmio(&r->io, offs[arg & 3], write, &val);
	check(r->sent.count <= 1); /* one entry written, at most one message */
	ioapic_check_table(r);
}

/* ------------------------------------------------------------------ KVM state */

static void round_trips(struct rig *r)
{
	struct kvm_pic_state pa, pb;
	struct kvm_pit_state2 ta, tb;
	struct kvm_ioapic_state ia, ib;
	struct sent ignored = {0};
	struct rig *copy = calloc(1, sizeof(*copy));

	check(copy != NULL);
	i8259_init(&copy->pic);
	if (!r->pic.chip[0].level_all && !r->pic.chip[1].level_all && !r->pic_unsettled) {
		for (unsigned c = 0; c < 2; c++) {
			i8259_get_chip(&r->pic, c, &pa);
			i8259_set_chip(&copy->pic, c, &pa);
		}
		for (unsigned c = 0; c < 2; c++) {
			i8259_get_chip(&r->pic, c, &pa);
			i8259_get_chip(&copy->pic, c, &pb);
			check(!memcmp(&pa, &pb, sizeof(pa)));
		}
	}
	i8254_init(&copy->pit, 0);
	i8254_get_state(&r->pit, &ta);
	i8254_set_state(&copy->pit, &ta, r->now);
	i8254_get_state(&copy->pit, &tb);
	check(!memcmp(&ta, &tb, sizeof(ta)));
	ioapic_init(&copy->io, record, &ignored);
	ioapic_get_state(&r->io, &ia);
	ioapic_set_state(&copy->io, &ia);
	ioapic_get_state(&copy->io, &ib);
	check(ia.ioregsel == ib.ioregsel && ia.id == ib.id && ia.base_address == ib.base_address);
	for (unsigned i = 0; i < IOAPIC_PINS; i++)
		check((ia.redirtbl[i].bits & ~(1ULL << 14)) ==
		      (ib.redirtbl[i].bits & ~(1ULL << 14)));
	free(copy);
}

static void raw_state(struct rig *r, struct fuzz_in *in, unsigned op, unsigned arg)
{
	struct kvm_pic_state pic;
	struct kvm_pit_state2 pit;
	struct kvm_ioapic_state io;

	switch (op) {
	case 12:
		fin_bytes(in, &pic, sizeof(pic));
		i8259_set_chip(&r->pic, arg & 3, &pic); /* chips 2, 3 do not exist */
		r->pic_unsettled = true;
		pic_snap(&r->pic, &(struct pic_snap){0});
		break;
	case 13:
		fin_bytes(in, &pit, sizeof(pit));
		i8254_set_state(&r->pit, &pit, r->now);
		r->pit_edge = UINT64_MAX;
		pit_check_state(&r->pit);
		break;
	default:
		fin_bytes(in, &io, sizeof(io));
		r->sent.count = 0;
		ioapic_set_state(&r->io, &io);
		r->raw_ioapic = true;
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rig *r = calloc(1, sizeof(*r));
	struct fuzz_in in;

	check(r != NULL);
	fin_init(&in, data, size);
	r->now = 1000000000ULL;
	i8259_init(&r->pic);
	i8254_init(&r->pit, r->now);
	ioapic_init(&r->io, record, &r->sent);
	r->pit_edge = UINT64_MAX;
	while (fin_left(&in)) {
		uint8_t op = fin_u8(&in);
		unsigned kind = op & 15, arg = op >> 4;

		switch (kind) {
		case 0:
		case 1:
			pic_port(r, &in, arg, kind == 0);
			break;
		case 2:
			kind = fin_u8(&in);
			r->pic_unsettled |= kind == 2;
			pic_line(r, kind, arg & 1);
			break;
		case 3:
		case 15:
			pic_inta(r, kind == 15);
			break;
		case 4:
		case 5:
			pit_port(r, &in, arg, kind == 4);
			break;
		case 6:
			clock_moves(r, &in, arg);
			break;
		case 7:
		case 8:
			ioapic_access(r, &in, arg, kind == 7);
			break;
		case 9:
			ioapic_line(r, fin_u8(&in), arg & 1);
			break;
		case 10:
			ioapic_eoi_vector(r, fin_u8(&in));
			break;
		case 11:
			round_trips(r);
			break;
		default:
			raw_state(r, &in, kind, arg);
			break;
		}
	}
	free(r);
	return 0;
}
