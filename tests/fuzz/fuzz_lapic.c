// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the soft provider's local APIC (src/vcpu/soft/lapic.c,
 * lapic_timer.c) as a hostile guest drives it: xAPIC MMIO reads and writes
 * of every size and offset of its page, x2APIC MSRs, IA32_APIC_BASE and
 * IA32_TSC_DEADLINE, CR8, messages from the IOAPIC or other CPUs, INTA
 * and the VM clock moving on, and KVM_GET/SET_LAPIC from raw bytes.
 *
 * Input: a sequence of records, each an op byte, a u16 offset and a u32
 * value, the op's low three bits choosing:
 *   0/1 MMIO write/read of the value at the offset (in the page), size
 *       from op bits 4:3
 *   2   MSR write (then a byte and a u64): x2APIC MSR 0x800 + byte,
 *       IA32_APIC_BASE or IA32_TSC_DEADLINE
 *   3   a message: the value's vector, delivery mode and level bits
 *   4   INTA of what lapic_pending() offers (as the vCPU does), or EOI
 *   5   the clock moves on by (u16) value << (4 * (op >> 5)) ns, timers fire
 *   6   CR8 write
 *   7   KVM_SET_LAPIC of 64 raw bytes (then a u16 place and the bytes)
 *       over the current state
 *
 * Oracles besides ASan/UBSan, from the SDM (vol. 3 ch. 11): PPR is TPR
 * when TPR[7:4] >= ISRV[7:4], else ISRV[7:4]:0 (11.8.3.1); a vector
 * offered by lapic_pending() is set in IRR and of a class above PPR's;
 * an INTA moves exactly that vector from IRR to ISR; an EOI clears the
 * highest ISR bit only, and tells the IOAPIC (ops.eoi) exactly when that
 * vector's TMR bit was set; the current count never exceeds the initial
 * count; the version register is always the one reported; KVM_GET_LAPIC
 * after KVM_SET_LAPIC gives back the same page but for the current count.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz_input.h"
#include "vcpu/soft/lapic.h"

struct eoi_log {
	int vector; /* the vector ops.eoi was called with, or -1 */
	unsigned calls;
};

static void on_eoi(void *opaque, uint8_t vector)
{
	struct eoi_log *e = opaque;

	e->vector = vector;
	e->calls++;
}

static void on_ipi(void *opaque, struct lapic *from, const struct apic_msg *m, unsigned sh)
{
	(void)opaque;
	(void)from;
	(void)m;
	if (sh > APIC_DEST_ALLBUT)
		abort();
}

static const struct lapic_ops ops = {.eoi = on_eoi, .ipi = on_ipi}; /* no eoi_edge: no PIT here */

static bool bit(const struct lapic *l, unsigned bank, unsigned v)
{
	return (lapic_reg(l, bank + (v / 32) * 16) >> (v % 32)) & 1;
}

static int highest(const struct lapic *l, unsigned bank)
{
	for (int v = 255; v >= 0; v--)
		if (bit(l, bank, (unsigned)v))
			return v;
	return -1;
}

static uint32_t mmio_read32(struct lapic *l, unsigned off, uint64_t now)
{
	uint32_t v = 0;

	lapic_mmio_read(l, off, &v, 4, now);
	return v;
}

static void check(struct lapic *l, uint64_t now)
{
	uint32_t tpr = lapic_reg(l, APIC_TASKPRI) & 0xff, ppr, want;
	int isrv = highest(l, APIC_ISR), v = lapic_pending(l);

	if (lapic_x2apic(l) || !lapic_hw_enabled(l))
		return; /* the xAPIC page reads as nothing then */
	ppr = mmio_read32(l, APIC_PROCPRI, now) & 0xff;
	want = isrv < 0 || (tpr >> 4) >= ((unsigned)isrv >> 4) ? tpr : (unsigned)isrv & 0xf0;
	if (ppr != want)
		abort();
	if (v >= 0 && (!bit(l, APIC_IRR, (unsigned)v) || ((unsigned)v >> 4) <= (ppr >> 4)))
		abort();
	if ((mmio_read32(l, APIC_LVR, now) & 0xff00ff) != (LAPIC_VERSION & 0xff00ff))
		abort();
	if (mmio_read32(l, APIC_TMCCT, now) > mmio_read32(l, APIC_TMICT, now))
		abort();
}

static void inta_or_eoi(struct lapic *l, struct eoi_log *e, uint8_t op, uint64_t now)
{
	int v = lapic_pending(l), isrv = highest(l, APIC_ISR);
	uint32_t zero = 0;

	if (op & 0x80) { /* EOI */
		bool level = isrv >= 0 && bit(l, APIC_TMR, (unsigned)isrv);
		unsigned calls = e->calls;

		lapic_mmio_write(l, APIC_EOI, &zero, 4, now);
		if (!lapic_hw_enabled(l) || lapic_x2apic(l))
			return;
		if (isrv >= 0 && bit(l, APIC_ISR, (unsigned)isrv))
			abort(); /* the highest in-service vector is still in service */
		if (isrv >= 0 && level != (e->calls == calls + 1 && e->vector == isrv))
			abort();
		if (isrv < 0 && e->calls != calls)
			abort();
		return;
	}
	if (v < 0)
		return;
	lapic_ack(l, (uint8_t)v);
	if (!bit(l, APIC_ISR, (unsigned)v) || bit(l, APIC_IRR, (unsigned)v))
		abort();
}

static void msr_write(struct lapic *l, struct fuzz_in *in, uint8_t op, uint64_t now)
{
	uint8_t which = fin_u8(in);
	uint64_t v = fin_u64(in);

	switch (op >> 6) {
	case 0:
		lapic_set_base(l, v, op & 0x20, now);
		break;
	case 1:
		lapic_tsc_deadline_write(l, v, now, now);
		break;
	default:
		lapic_msr_write(l, MSR_X2APIC_FIRST + which, v, now);
		break;
	}
}

static void set_state(struct lapic *l, struct fuzz_in *in, uint64_t now)
{
	struct kvm_lapic_state s, back;
	uint16_t at = fin_u16(in) % (KVM_APIC_REG_SIZE - 64);

	lapic_get_state(l, &s, now);
	fin_bytes(in, s.regs + at, 64);
	lapic_set_state(l, &s, now, now);
	lapic_get_state(l, &s, now);
	lapic_set_state(l, &s, now, now);
	lapic_get_state(l, &back, now);
	/* Everything round-trips but the current count, which the state does not set. */
	memset(s.regs + APIC_TMCCT, 0, 4);
	memset(back.regs + APIC_TMCCT, 0, 4);
	if (memcmp(s.regs, back.regs, sizeof(s.regs)))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct eoi_log e = {-1, 0};
	struct lapic l;
	struct fuzz_in in;
	uint64_t now = 1000000000ULL;

	lapic_init(&l, 0, true, 2000000, &ops, &e);
	fin_init(&in, data, size);
	while (fin_left(&in)) {
		uint8_t op = fin_u8(&in);
		uint16_t off = fin_u16(&in) & (LAPIC_MMIO_SIZE - 1);
		uint64_t v = fin_u32(&in); /* room for an 8-byte access */
		struct apic_msg m;

		switch (op & 7) {
		case 0:
		case 1:
			if (op & 1)
				lapic_mmio_read(&l, off, &v, 1u << ((op >> 3) & 3), now);
			else
				lapic_mmio_write(&l, off, &v, 1u << ((op >> 3) & 3), now);
			break;
		case 2:
			msr_write(&l, &in, op, now);
			break;
		case 3:
			m = (struct apic_msg){.vector = (uint8_t)v,
					      .delivery = (uint8_t)((v >> 8) & 7),
					      .dest = 0,
					      .level = (v >> 11) & 1};
			lapic_deliver(&l, &m);
			break;
		case 4:
			inta_or_eoi(&l, &e, op, now);
			break;
		case 5:
			now += (uint64_t)(uint16_t)v << (4 * (op >> 5));
			lapic_advance(&l, now);
			break;
		case 6:
			lapic_set_cr8(&l, v & 15);
			break;
		default:
			set_state(&l, &in, now);
			break;
		}
		check(&l, now);
	}
	return 0;
}
