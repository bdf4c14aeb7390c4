// SPDX-License-Identifier: MIT
/*
 * The I/O APIC. Expected values come from the Intel 82093AA datasheet
 * (register map, IOAPICVER layout, redirection entry bits and which are
 * read-only, edge and level semantics, masked edges being dropped), the
 * KVM API documentation (KVM_IRQ_LINE: level 1 means asserted whatever
 * the programmed polarity, KVM_CAP_X86_IOAPIC_POLARITY_IGNORED), what Linux
 * relies on (switching an entry to edge clears remote IRR) and for the reset
 * state KVM_GET_IRQCHIP of a fresh kernel irqchip (compared live where
 * /dev/kvm opens), not from the model's code.
 */
#include <check.h>
#include <string.h>

#include "support/run_suite.h"
#include "test_irqchip_kernel.h"
#include "vcpu/soft/ioapic.h"

enum { IOREGSEL = 0x00, IOWIN = 0x10 };
enum { REMOTE_IRR = 1 << 14, LEVEL = 1 << 15, MASKED = 1 << 16, ACTIVE_LOW = 1 << 13 };

static struct ioapic io;
static struct apic_msg sent[16];
static unsigned nr_sent;

static void deliver(void *opaque, const struct apic_msg *m)
{
	ck_assert_ptr_eq(opaque, &io);
	ck_assert_uint_lt(nr_sent, 16);
	sent[nr_sent++] = *m;
}

static uint32_t reg_read(uint32_t sel)
{
	uint32_t v = 0xdeadbeef;

	ioapic_mmio(&io, IOREGSEL, true, &sel);
	ioapic_mmio(&io, IOWIN, false, &v);
	return v;
}

static void reg_write(uint32_t sel, uint32_t v)
{
	ioapic_mmio(&io, IOREGSEL, true, &sel);
	ioapic_mmio(&io, IOWIN, true, &v);
}

static void program(unsigned pin, uint32_t low, uint8_t dest)
{
	reg_write(0x11 + 2 * pin, (uint32_t)dest << 24);
	reg_write(0x10 + 2 * pin, low);
}

static void setup(void)
{
	ioapic_init(&io, deliver, &io);
	nr_sent = 0;
}

START_TEST(reset_state_is_the_kernels)
{
	struct kvm_ioapic_state got, want;
	struct kvm_irqchip chip;
	int sys, vm;

	memset(&want, 0, sizeof(want));
	want.base_address = 0xfec00000;
	for (unsigned i = 0; i < 24; i++)
		want.redirtbl[i].fields.mask = 1;
	ioapic_get_state(&io, &got);
	ck_assert_mem_eq(&got, &want, sizeof(got));
	vm = kernel_irqchip_vm(&sys, false);
	if (vm < 0) {
		kt_note_skip("ioapic reset state against KVM_GET_IRQCHIP");
		return;
	}
	memset(&chip, 0, sizeof(chip));
	chip.chip_id = KVM_IRQCHIP_IOAPIC;
	ck_assert_int_eq(kvm_provider_kernel.ioctl(vm, KVM_GET_IRQCHIP, &chip), 0);
	ck_assert_mem_eq(&got, &chip.chip.ioapic, sizeof(got));
	kernel_irqchip_close(sys, vm);
}
END_TEST

START_TEST(id_version_arbitration)
{
	ck_assert_uint_eq(reg_read(0x01), 0x00170011); /* 24 entries, version 0x11 */
	reg_write(0x01, 0);
	ck_assert_uint_eq(reg_read(0x01), 0x00170011);
	reg_write(0x00, 0xfaffffff); /* ID is bits 27:24 */
	ck_assert_uint_eq(reg_read(0x00), 0x0a000000);
	ck_assert_uint_eq(reg_read(0x02), 0x0a000000);
	reg_write(0x02, 0);
	ck_assert_uint_eq(reg_read(0x02), 0x0a000000);
}
END_TEST

START_TEST(ioregsel_is_eight_bits_other_offsets_read_zero)
{
	uint32_t v = 0x12345611;

	ioapic_mmio(&io, IOREGSEL, true, &v);
	ioapic_mmio(&io, IOREGSEL, false, &v);
	ck_assert_uint_eq(v, 0x11);
	v = 0x5555;
	ioapic_mmio(&io, 0x20, true, &v);
	ioapic_mmio(&io, 0x20, false, &v);
	ck_assert_uint_eq(v, 0);
	ioapic_mmio(&io, 0x40, false, &v); /* version 0x11 has no EOI register */
	ck_assert_uint_eq(v, 0);
	/* Selectors naming nothing read all ones. */
	ck_assert_uint_eq(reg_read(0x03), 0xffffffff);
	ck_assert_uint_eq(reg_read(0x40), 0xffffffff);
	ck_assert_uint_eq(reg_read(0xff), 0xffffffff);
}
END_TEST

START_TEST(redirection_entries_read_back_read_only_bits_stay)
{
	for (unsigned pin = 0; pin < 24; pin++) {
		reg_write(0x10 + 2 * pin, 0x0001ffff); /* all low-half bits, incl. RO 12 and 14 */
		reg_write(0x11 + 2 * pin, 0xff000000 | pin);
		ck_assert_uint_eq(reg_read(0x10 + 2 * pin), 0x0001afff);
		ck_assert_uint_eq(reg_read(0x11 + 2 * pin), 0xff000000 | pin);
	}
	ck_assert_uint_eq(nr_sent, 0);
}
END_TEST

START_TEST(edge_delivers_on_rising_edge_only)
{
	program(4, 0x0000 | 0x31, 0x02); /* fixed, physical, edge, high, vector 0x31, APIC 2 */
	ioapic_set_irq(&io, 4, 1);
	ck_assert_uint_eq(nr_sent, 1);
	ck_assert_uint_eq(sent[0].vector, 0x31);
	ck_assert_uint_eq(sent[0].delivery, APIC_DM_FIXED);
	ck_assert_uint_eq(sent[0].dest, 2);
	ck_assert(!sent[0].dest_logical);
	ck_assert(!sent[0].level);
	ioapic_set_irq(&io, 4, 1); /* still high */
	ck_assert_uint_eq(nr_sent, 1);
	ck_assert_uint_eq(reg_read(0x18) & REMOTE_IRR, 0); /* edge: never remote IRR */
	ioapic_set_irq(&io, 4, 0);
	ioapic_set_irq(&io, 4, 1);
	ck_assert_uint_eq(nr_sent, 2);
}
END_TEST

START_TEST(masked_edge_is_dropped)
{
	struct kvm_ioapic_state s;

	program(3, MASKED | 0x33, 0);
	ioapic_set_irq(&io, 3, 1);
	ck_assert_uint_eq(nr_sent, 0);
	ioapic_get_state(&io, &s);
	ck_assert_uint_eq(s.irr, 1u << 3); /* seen, not sent */
	program(3, 0x33, 0);		   /* unmask: not held pending */
	ck_assert_uint_eq(nr_sent, 0);
	ioapic_set_irq(&io, 3, 0);
	ioapic_set_irq(&io, 3, 1);
	ck_assert_uint_eq(nr_sent, 1);
}
END_TEST

START_TEST(level_remote_irr_and_eoi_redelivery)
{
	program(9, LEVEL | 0x49, 0x01);
	ioapic_set_irq(&io, 9, 1);
	ck_assert_uint_eq(nr_sent, 1);
	ck_assert(sent[0].level);
	ck_assert_uint_eq(reg_read(0x22) & REMOTE_IRR, REMOTE_IRR);
	ioapic_set_irq(&io, 9, 1); /* asserted again: remote IRR holds it */
	ck_assert_uint_eq(nr_sent, 1);
	ioapic_eoi(&io, 0x48); /* another vector: nothing */
	ck_assert_uint_eq(reg_read(0x22) & REMOTE_IRR, REMOTE_IRR);
	ioapic_eoi(&io, 0x49); /* still asserted: sent again */
	ck_assert_uint_eq(nr_sent, 2);
	ck_assert_uint_eq(reg_read(0x22) & REMOTE_IRR, REMOTE_IRR);
	ioapic_set_irq(&io, 9, 0);
	ioapic_eoi(&io, 0x49);
	ck_assert_uint_eq(nr_sent, 2);
	ck_assert_uint_eq(reg_read(0x22) & REMOTE_IRR, 0);
}
END_TEST

START_TEST(eoi_serves_every_entry_with_the_vector)
{
	program(10, LEVEL | 0x50, 0);
	program(11, LEVEL | 0x50, 0);
	ioapic_set_irq(&io, 10, 1);
	ioapic_set_irq(&io, 11, 1);
	ck_assert_uint_eq(nr_sent, 2);
	ioapic_set_irq(&io, 10, 0);
	ioapic_eoi(&io, 0x50);
	ck_assert_uint_eq(nr_sent, 3); /* only pin 11 is still asserted */
	ck_assert_uint_eq(reg_read(0x24) & REMOTE_IRR, 0);
	ck_assert_uint_eq(reg_read(0x26) & REMOTE_IRR, REMOTE_IRR);
}
END_TEST

START_TEST(masked_level_delivers_on_unmask)
{
	program(16, MASKED | LEVEL | 0x60, 0);
	ioapic_set_irq(&io, 16, 1);
	ck_assert_uint_eq(nr_sent, 0);
	ck_assert_uint_eq(reg_read(0x30) & REMOTE_IRR, 0);
	program(16, LEVEL | 0x60, 0);
	ck_assert_uint_eq(nr_sent, 1);
	/* Masked while waiting for EOI: the EOI clears remote IRR and sends nothing. */
	program(16, MASKED | LEVEL | 0x60, 0);
	ioapic_eoi(&io, 0x60);
	ck_assert_uint_eq(nr_sent, 1);
	ck_assert_uint_eq(reg_read(0x30) & REMOTE_IRR, 0);
}
END_TEST

START_TEST(switching_to_edge_clears_remote_irr)
{
	program(5, LEVEL | 0x35, 0);
	ioapic_set_irq(&io, 5, 1);
	ck_assert_uint_eq(reg_read(0x1a) & REMOTE_IRR, REMOTE_IRR);
	program(5, MASKED | 0x35, 0); /* Linux's clear_IO_APIC_pin()/EOI-by-edge trick */
	ck_assert_uint_eq(reg_read(0x1a) & REMOTE_IRR, 0);
	program(5, LEVEL | 0x35, 0);
	ck_assert_uint_eq(nr_sent, 2); /* level again, still asserted: sent */
}
END_TEST

START_TEST(active_low_pin_still_takes_asserted_as_one)
{
	program(20, ACTIVE_LOW | LEVEL | 0x70, 0);
	ck_assert_uint_eq(reg_read(0x38) & ACTIVE_LOW, ACTIVE_LOW);
	ioapic_set_irq(&io, 20, 0);
	ck_assert_uint_eq(nr_sent, 0);
	ioapic_set_irq(&io, 20, 1);
	ck_assert_uint_eq(nr_sent, 1);
}
END_TEST

START_TEST(message_fields)
{
	program(7, 0x0800 | 0x0100 | 0x77, 0xf0); /* lowest priority, logical, dest 0xf0 */
	ioapic_set_irq(&io, 7, 1);
	ck_assert_uint_eq(nr_sent, 1);
	ck_assert_uint_eq(sent[0].delivery, APIC_DM_LOWEST);
	ck_assert(sent[0].dest_logical);
	ck_assert_uint_eq(sent[0].dest, 0xf0);
	ck_assert_uint_eq(sent[0].vector, 0x77);
	program(0, 0x0700, 0); /* ExtINT: virtual wire to the 8259A */
	ioapic_set_irq(&io, 0, 1);
	ck_assert_uint_eq(sent[1].delivery, APIC_DM_EXTINT);
}
END_TEST

START_TEST(nmi_smi_init_extint_are_edge_even_if_level)
{
	static const uint32_t modes[] = {0x0200, 0x0400, 0x0500, 0x0700};

	for (unsigned i = 0; i < 4; i++) {
		program(12 + i, LEVEL | modes[i], 0);
		ioapic_set_irq(&io, 12 + i, 1);
		ck_assert_uint_eq(nr_sent, i + 1);
		ck_assert(!sent[i].level);
		ck_assert_uint_eq(reg_read(0x28 + 2 * i) & REMOTE_IRR, 0);
		ioapic_set_irq(&io, 12 + i, 1);
		ck_assert_uint_eq(nr_sent, i + 1);
	}
}
END_TEST

START_TEST(pins_beyond_23_are_ignored)
{
	ioapic_set_irq(&io, 24, 1);
	ioapic_set_irq(&io, 1000, 1);
	reg_write(0x40, 0); /* entry 24 does not exist */
	ck_assert_uint_eq(nr_sent, 0);
}
END_TEST

START_TEST(state_round_trip)
{
	struct kvm_ioapic_state s, again;
	struct ioapic other;

	reg_write(0x00, 0x05000000);
	program(9, LEVEL | 0x49, 0x01);
	program(4, 0x34, 0x00);
	program(6, MASKED | 0x36, 0x00);
	ioapic_set_irq(&io, 9, 1);
	ioapic_set_irq(&io, 4, 1);
	ioapic_set_irq(&io, 6, 1);
	ioapic_mmio(&io, IOREGSEL, true, &(uint32_t){0x12});
	ioapic_get_state(&io, &s);
	ck_assert_uint_eq(s.id, 5);
	ck_assert_uint_eq(s.ioregsel, 0x12);
	ck_assert_uint_eq(s.irr, (1u << 9) | (1u << 6)); /* the delivered edge is not pending */
	ck_assert_uint_eq(s.redirtbl[9].fields.remote_irr, 1);
	ck_assert_uint_eq(s.redirtbl[9].fields.vector, 0x49);
	ck_assert_uint_eq(s.redirtbl[9].fields.dest_id, 0x01);
	ioapic_init(&other, deliver, &io);
	nr_sent = 0;
	ioapic_set_state(&other, &s);
	ck_assert_uint_eq(nr_sent, 0); /* level pin waits for its EOI; the masked edge stays */
	ioapic_get_state(&other, &again);
	ck_assert_mem_eq(&again, &s, sizeof(s));
	ioapic_eoi(&other, 0x49);
	ck_assert_uint_eq(nr_sent, 1);
}
END_TEST

static Suite *ioapic_suite(void)
{
	Suite *s = suite_create("ioapic");
	TCase *tc = tcase_create("datasheet");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, reset_state_is_the_kernels);
	tcase_add_test(tc, id_version_arbitration);
	tcase_add_test(tc, ioregsel_is_eight_bits_other_offsets_read_zero);
	tcase_add_test(tc, redirection_entries_read_back_read_only_bits_stay);
	tcase_add_test(tc, edge_delivers_on_rising_edge_only);
	tcase_add_test(tc, masked_edge_is_dropped);
	tcase_add_test(tc, level_remote_irr_and_eoi_redelivery);
	tcase_add_test(tc, eoi_serves_every_entry_with_the_vector);
	tcase_add_test(tc, masked_level_delivers_on_unmask);
	tcase_add_test(tc, switching_to_edge_clears_remote_irr);
	tcase_add_test(tc, active_low_pin_still_takes_asserted_as_one);
	tcase_add_test(tc, message_fields);
	tcase_add_test(tc, nmi_smi_init_extint_are_edge_even_if_level);
	tcase_add_test(tc, pins_beyond_23_are_ignored);
	tcase_add_test(tc, state_round_trip);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run_suite(ioapic_suite());
}
