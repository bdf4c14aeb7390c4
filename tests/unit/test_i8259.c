// SPDX-License-Identifier: MIT
/*
 * The 8259A pair. Expected values come from the Intel 8259A datasheet
 * (ICW/OCW formats, priority and rotation rules, AEOI, poll word, special
 * mask and special fully nested modes, the default IR7 on a request that
 * went away), the PIIX ELCR (which IRQs can be level), the programming
 * sequence Linux's arch/x86/kernel/i8259.c uses, and for the reset state
 * KVM_GET_IRQCHIP of a fresh kernel irqchip (compared live where /dev/kvm
 * opens), not from the model's code.
 */
#include <check.h>
#include <string.h>

#include "support/run_suite.h"
#include "test_irqchip_kernel.h"
#include "vcpu/soft/i8259.h"

enum { M_CMD = 0x20, M_DATA = 0x21, S_CMD = 0xa0, S_DATA = 0xa1, ELCR0 = 0x4d0, ELCR1 = 0x4d1 };
enum { M_BASE = 0x30, S_BASE = 0x38 };

static struct i8259 pic;

static void out(uint16_t port, uint8_t v)
{
	ck_assert(i8259_io(&pic, port, true, &v));
}

static uint8_t in(uint16_t port)
{
	uint8_t v = 0xcc;

	ck_assert(i8259_io(&pic, port, false, &v));
	return v;
}

/* Linux's init_8259A(): edge, cascade on IR2, 8086 mode; icw4 adds AEOI (0x03) or SFNM (0x11). */
static void program(uint8_t master_icw4, uint8_t slave_icw4)
{
	out(M_CMD, 0x11);
	out(M_DATA, M_BASE);
	out(M_DATA, 0x04);
	out(M_DATA, master_icw4);
	out(S_CMD, 0x11);
	out(S_DATA, S_BASE);
	out(S_DATA, 0x02);
	out(S_DATA, slave_icw4);
	out(M_DATA, 0x00);
	out(S_DATA, 0x00);
}

static void setup(void)
{
	i8259_init(&pic);
	program(0x01, 0x01);
}

static uint8_t irr(uint16_t cmd)
{
	out(cmd, 0x0a);
	return in(cmd);
}

static uint8_t isr(uint16_t cmd)
{
	out(cmd, 0x0b);
	return in(cmd);
}

static void pulse(unsigned irq)
{
	i8259_set_irq(&pic, irq, 1);
	i8259_set_irq(&pic, irq, 0);
}

START_TEST(reset_state_is_the_kernels)
{
	struct kvm_pic_state want[2] = {{.elcr_mask = 0xf8}, {.elcr_mask = 0xde}}, got;
	struct kvm_irqchip chip;
	int sys, vm;

	i8259_init(&pic);
	for (unsigned c = 0; c < 2; c++) {
		i8259_get_chip(&pic, c, &got);
		ck_assert_mem_eq(&got, &want[c], sizeof(got));
	}
	ck_assert(!i8259_int_output(&pic));
	vm = kernel_irqchip_vm(&sys, false);
	if (vm < 0) {
		kt_note_skip("i8259 reset state against KVM_GET_IRQCHIP");
		return;
	}
	for (unsigned c = 0; c < 2; c++) {
		memset(&chip, 0, sizeof(chip));
		chip.chip_id = c;
		ck_assert_int_eq(kvm_provider_kernel.ioctl(vm, KVM_GET_IRQCHIP, &chip), 0);
		i8259_get_chip(&pic, c, &got);
		ck_assert_mem_eq(&got, &chip.chip.pic, sizeof(got));
	}
	kernel_irqchip_close(sys, vm);
}
END_TEST

START_TEST(other_ports_are_not_the_pics)
{
	static const uint16_t ports[] = {0x1f, 0x22, 0x40, 0x9f, 0xa2, 0x4cf, 0x4d2};
	uint8_t v = 0;

	for (unsigned i = 0; i < sizeof(ports) / sizeof(ports[0]); i++) {
		ck_assert(!i8259_io(&pic, ports[i], false, &v));
		ck_assert(!i8259_io(&pic, ports[i], true, &v));
	}
}
END_TEST

START_TEST(icw_sequence_sets_vector_base)
{
	i8259_set_irq(&pic, 0, 1);
	ck_assert(i8259_int_output(&pic));
	ck_assert_uint_eq(i8259_acknowledge(&pic), M_BASE + 0);
	ck_assert_uint_eq(isr(M_CMD), 0x01);
	/* ICW2's low three bits are ignored in x86 mode (T7-T3 only). */
	out(M_CMD, 0x11);
	out(M_DATA, 0x47);
	out(M_DATA, 0x04);
	out(M_DATA, 0x01);
	pulse(1);
	ck_assert_uint_eq(i8259_acknowledge(&pic), 0x41);
}
END_TEST

START_TEST(icw1_resets_mask_priority_and_read_select)
{
	out(M_DATA, 0xff);
	out(M_CMD, 0xc3); /* IR3 lowest */
	out(M_CMD, 0x0b); /* read ISR */
	out(M_CMD, 0x11);
	out(M_DATA, M_BASE);
	out(M_DATA, 0x04);
	out(M_DATA, 0x01);
	ck_assert_uint_eq(in(M_DATA), 0x00);
	pulse(7);
	ck_assert_uint_eq(in(M_CMD), 0x80); /* IRR, not ISR */
	pulse(0);
	ck_assert_uint_eq(i8259_acknowledge(&pic), M_BASE + 0); /* IR0 highest again */
}
END_TEST

START_TEST(single_mode_skips_icw3)
{
	out(M_CMD, 0x13); /* SNGL, IC4 */
	out(M_DATA, 0x50);
	out(M_DATA, 0x03); /* ICW4 follows ICW2 directly: AEOI */
	out(M_DATA, 0xfe); /* now OCW1 */
	ck_assert_uint_eq(in(M_DATA), 0xfe);
	pulse(0);
	ck_assert_uint_eq(i8259_acknowledge(&pic), 0x50);
	ck_assert_uint_eq(isr(M_CMD), 0); /* AEOI */
}
END_TEST

START_TEST(without_ic4_icw4_functions_are_zero)
{
	program(0x03, 0x01); /* master AEOI */
	out(M_CMD, 0x10);    /* ICW1 without IC4 */
	out(M_DATA, M_BASE);
	out(M_DATA, 0x04);
	out(M_DATA, 0x00); /* OCW1: no ICW4 expected */
	ck_assert_uint_eq(in(M_DATA), 0x00);
	pulse(4);
	ck_assert_uint_eq(i8259_acknowledge(&pic), M_BASE + 4);
	ck_assert_uint_eq(isr(M_CMD), 0x10); /* not auto-EOI any more */
}
END_TEST

START_TEST(imr_reads_back_and_masks)
{
	out(M_DATA, 0xa5);
	out(S_DATA, 0x5a);
	ck_assert_uint_eq(in(M_DATA), 0xa5);
	ck_assert_uint_eq(in(S_DATA), 0x5a);
	out(M_DATA, 0x08);
	pulse(3);
	ck_assert_uint_eq(irr(M_CMD), 0x08); /* requested, IRR shows it */
	ck_assert(!i8259_int_output(&pic));  /* but masked */
	out(M_DATA, 0x00);
	ck_assert(i8259_int_output(&pic));
	ck_assert_uint_eq(i8259_acknowledge(&pic), M_BASE + 3);
}
END_TEST

/*
 * The IRQs acknowledged (KVM's ack notifiers: pic_clear_isr at a specific
 * or non-specific EOI, and at INTA in AEOI mode): IRQ 0 and slave IRQ 8.
 */
START_TEST(eois_are_reported_per_irq)
{
	i8259_take_eois(&pic);
	i8259_set_irq(&pic, 0, 1);
	ck_assert_uint_eq(i8259_acknowledge(&pic), M_BASE);
	ck_assert_uint_eq(i8259_take_eois(&pic), 0); /* in service, not acknowledged */
	out(M_CMD, 0x20);			     /* non-specific EOI */
	ck_assert_uint_eq(i8259_take_eois(&pic), 1u << 0);
	ck_assert_uint_eq(i8259_take_eois(&pic), 0);
	i8259_set_irq(&pic, 8, 1);
	ck_assert_uint_eq(i8259_acknowledge(&pic), S_BASE);
	out(S_CMD, 0x60); /* specific EOI, IR0 of the slave */
	out(M_CMD, 0x62); /* specific EOI, IR2 (the cascade) */
	ck_assert_uint_eq(i8259_take_eois(&pic), (1u << 8) | (1u << 2));
	program(0x03, 0x01); /* master AEOI */
	i8259_take_eois(&pic);
	i8259_set_irq(&pic, 0, 0);
	i8259_set_irq(&pic, 0, 1);
	ck_assert_uint_eq(i8259_acknowledge(&pic), M_BASE);
	ck_assert_uint_eq(i8259_take_eois(&pic), 1u << 0);
}
END_TEST

START_TEST(edge_line_held_high_requests_once)
{
	i8259_set_irq(&pic, 4, 1);
	ck_assert_uint_eq(i8259_acknowledge(&pic), M_BASE + 4);
	out(M_CMD, 0x20);
	i8259_set_irq(&pic, 4, 1); /* still high: no new edge */
	ck_assert_uint_eq(irr(M_CMD), 0);
	ck_assert(!i8259_int_output(&pic));
	i8259_set_irq(&pic, 4, 0);
	i8259_set_irq(&pic, 4, 1);
	ck_assert(i8259_int_output(&pic));
	ck_assert_uint_eq(i8259_acknowledge(&pic), M_BASE + 4);
}
END_TEST

START_TEST(elcr_level_line_requests_while_high)
{
	out(ELCR0, 0x20); /* IRQ 5 level */
	i8259_set_irq(&pic, 5, 1);
	ck_assert_uint_eq(i8259_acknowledge(&pic), M_BASE + 5);
	ck_assert_uint_eq(irr(M_CMD), 0x20); /* INTA does not clear a level request */
	out(M_CMD, 0x20);
	ck_assert(i8259_int_output(&pic)); /* still asserted: again */
	ck_assert_uint_eq(i8259_acknowledge(&pic), M_BASE + 5);
	out(M_CMD, 0x20);
	i8259_set_irq(&pic, 5, 0);
	ck_assert_uint_eq(irr(M_CMD), 0);
	ck_assert(!i8259_int_output(&pic));
}
END_TEST

START_TEST(elcr_cannot_make_0_1_2_8_13_level)
{
	out(ELCR0, 0xff);
	out(ELCR1, 0xff);
	ck_assert_uint_eq(in(ELCR0), 0xf8);
	ck_assert_uint_eq(in(ELCR1), 0xde);
	/* IRQ 8 stays edge: one request for a line held high. */
	i8259_set_irq(&pic, 8, 1);
	ck_assert_uint_eq(i8259_acknowledge(&pic), S_BASE + 0);
	out(S_CMD, 0x20);
	out(M_CMD, 0x20);
	ck_assert(!i8259_int_output(&pic));
}
END_TEST

START_TEST(ltim_makes_every_ir_level)
{
	out(M_CMD, 0x19); /* LTIM, IC4 */
	out(M_DATA, M_BASE);
	out(M_DATA, 0x04);
	out(M_DATA, 0x01);
	i8259_set_irq(&pic, 1, 1);
	ck_assert_uint_eq(i8259_acknowledge(&pic), M_BASE + 1);
	out(M_CMD, 0x20);
	ck_assert(i8259_int_output(&pic));
	i8259_set_irq(&pic, 1, 0);
	ck_assert(!i8259_int_output(&pic));
	ck_assert_uint_eq(irr(M_CMD), 0);
}
END_TEST

START_TEST(fully_nested_priority)
{
	pulse(5);
	pulse(3);
	ck_assert_uint_eq(i8259_acknowledge(&pic), M_BASE + 3); /* lower number first */
	ck_assert(!i8259_int_output(&pic));			/* 5 waits while 3 is served */
	pulse(1);
	ck_assert(i8259_int_output(&pic)); /* 1 nests over 3 */
	ck_assert_uint_eq(i8259_acknowledge(&pic), M_BASE + 1);
	ck_assert_uint_eq(isr(M_CMD), 0x0a);
	out(M_CMD, 0x20); /* non-specific EOI: the highest, IR1 */
	ck_assert_uint_eq(isr(M_CMD), 0x08);
	ck_assert(!i8259_int_output(&pic));
	out(M_CMD, 0x20);
	ck_assert_uint_eq(i8259_acknowledge(&pic), M_BASE + 5);
}
END_TEST

START_TEST(specific_eoi_clears_the_named_level)
{
	pulse(6);
	ck_assert_uint_eq(i8259_acknowledge(&pic), M_BASE + 6);
	pulse(4);
	ck_assert_uint_eq(i8259_acknowledge(&pic), M_BASE + 4);
	ck_assert_uint_eq(isr(M_CMD), 0x50);
	out(M_CMD, 0x66); /* specific EOI IR6, although IR4 is higher */
	ck_assert_uint_eq(isr(M_CMD), 0x10);
}
END_TEST

START_TEST(rotate_on_nonspecific_eoi_makes_served_level_lowest)
{
	pulse(3);
	ck_assert_uint_eq(i8259_acknowledge(&pic), M_BASE + 3);
	out(M_CMD, 0xa0); /* rotate on non-specific EOI: IR3 lowest, IR4 highest */
	pulse(3);
	pulse(5);
	pulse(0);
	ck_assert_uint_eq(i8259_acknowledge(&pic), M_BASE + 5);
	ck_assert(!i8259_int_output(&pic)); /* 0 and 3 now rank below 5 */
	out(M_CMD, 0x20);
	ck_assert_uint_eq(i8259_acknowledge(&pic), M_BASE + 0);
	out(M_CMD, 0x20);
	ck_assert_uint_eq(i8259_acknowledge(&pic), M_BASE + 3);
}
END_TEST

START_TEST(set_priority_command)
{
	out(M_CMD, 0xc5); /* IR5 lowest: order 6,7,0,1,2,3,4,5 */
	pulse(5);
	pulse(7);
	pulse(0);
	ck_assert_uint_eq(i8259_acknowledge(&pic), M_BASE + 7);
	out(M_CMD, 0x20);
	ck_assert_uint_eq(i8259_acknowledge(&pic), M_BASE + 0);
	out(M_CMD, 0x20);
	ck_assert_uint_eq(i8259_acknowledge(&pic), M_BASE + 5);
}
END_TEST

START_TEST(rotate_on_specific_eoi)
{
	pulse(6);
	ck_assert_uint_eq(i8259_acknowledge(&pic), M_BASE + 6);
	out(M_CMD, 0xe1); /* EOI IR... L=1: clears ISR1 (not set) and makes IR1 lowest */
	ck_assert_uint_eq(isr(M_CMD), 0x40);
	out(M_CMD, 0xe6); /* EOI IR6, IR6 lowest: order 7,0,...,6 */
	ck_assert_uint_eq(isr(M_CMD), 0x00);
	pulse(6);
	pulse(1);
	pulse(7);
	ck_assert_uint_eq(i8259_acknowledge(&pic), M_BASE + 7);
}
END_TEST

START_TEST(auto_eoi_leaves_isr_clear)
{
	program(0x03, 0x03);
	pulse(3);
	ck_assert_uint_eq(i8259_acknowledge(&pic), M_BASE + 3);
	ck_assert_uint_eq(isr(M_CMD), 0);
	pulse(5);
	ck_assert(i8259_int_output(&pic)); /* nothing in service blocks it */
	ck_assert_uint_eq(i8259_acknowledge(&pic), M_BASE + 5);
	/* Slave through the master, both AEOI. */
	pulse(12);
	ck_assert_uint_eq(i8259_acknowledge(&pic), S_BASE + 4);
	ck_assert_uint_eq(isr(M_CMD), 0);
	ck_assert_uint_eq(isr(S_CMD), 0);
}
END_TEST

START_TEST(rotate_in_auto_eoi_mode)
{
	program(0x03, 0x01);
	out(M_CMD, 0x80); /* rotate in AEOI: set */
	pulse(1);
	ck_assert_uint_eq(i8259_acknowledge(&pic), M_BASE + 1); /* IR1 now lowest */
	pulse(1);
	pulse(6);
	ck_assert_uint_eq(i8259_acknowledge(&pic), M_BASE + 6);
	out(M_CMD, 0x00);					/* rotate in AEOI: clear */
	ck_assert_uint_eq(i8259_acknowledge(&pic), M_BASE + 1); /* order 7,0,1,...: IR1 next */
	pulse(1);
	pulse(3);
	/* IR1 still ranks above IR3: that acknowledge rotated nothing. */
	ck_assert_uint_eq(i8259_acknowledge(&pic), M_BASE + 1);
}
END_TEST

START_TEST(poll_mode)
{
	out(M_DATA, 0x01);
	pulse(6);
	pulse(4);
	out(M_CMD, 0x0c);
	ck_assert_uint_eq(in(M_CMD), 0x84);  /* I=1, W=4 */
	ck_assert_uint_eq(isr(M_CMD), 0x10); /* the read acknowledged it */
	out(M_CMD, 0x0c);
	ck_assert_uint_eq(in(M_DATA)&0x80, 0); /* 6 is below 4 in service: I = 0 */
	out(M_CMD, 0x20);
	out(M_CMD, 0x0c);
	ck_assert_uint_eq(in(M_DATA), 0x86); /* either port answers a poll */
	ck_assert_uint_eq(in(M_DATA), 0x01); /* one read only: the IMR again */
	out(M_CMD, 0x20);
	out(M_CMD, 0x0c);
	ck_assert_uint_eq(in(M_CMD)&0x80, 0);
}
END_TEST

START_TEST(special_mask_mode_lets_lower_levels_in)
{
	pulse(3);
	ck_assert_uint_eq(i8259_acknowledge(&pic), M_BASE + 3);
	out(M_DATA, 0x08); /* the IR3 routine masks its own level */
	pulse(5);
	ck_assert(!i8259_int_output(&pic)); /* plain mask: IR3 in service still blocks 5 */
	out(M_CMD, 0x68);		    /* ESMM|SMM: set special mask */
	ck_assert(i8259_int_output(&pic));
	ck_assert_uint_eq(i8259_acknowledge(&pic), M_BASE + 5);
	out(M_CMD, 0x65); /* specific EOI IR5 */
	out(M_CMD, 0x48); /* reset special mask */
	pulse(6);
	ck_assert(!i8259_int_output(&pic));
	out(M_CMD, 0x28); /* SMM without ESMM: no change */
	ck_assert(!i8259_int_output(&pic));
	out(M_CMD, 0x63);
	ck_assert(i8259_int_output(&pic));
}
END_TEST

START_TEST(cascade_delivers_slave_vector)
{
	pulse(9);
	ck_assert_uint_eq(irr(M_CMD), 0x04);
	ck_assert(i8259_int_output(&pic));
	ck_assert_uint_eq(i8259_acknowledge(&pic), S_BASE + 1);
	ck_assert_uint_eq(isr(M_CMD), 0x04);
	ck_assert_uint_eq(isr(S_CMD), 0x02);
	/* Master IMR bit 2 masks the whole slave. */
	out(S_CMD, 0x20);
	out(M_CMD, 0x20);
	out(M_DATA, 0x04);
	pulse(15);
	ck_assert(!i8259_int_output(&pic));
	out(M_DATA, 0x00);
	ck_assert_uint_eq(i8259_acknowledge(&pic), S_BASE + 7);
	ck_assert_uint_eq(isr(S_CMD), 0x80); /* a real IR7 request: in service */
	/* Slave requests rank at master IR2: below IR0/1, above IR3. */
	out(S_CMD, 0x20);
	out(M_CMD, 0x20);
	pulse(3);
	pulse(14);
	pulse(1);
	ck_assert_uint_eq(i8259_acknowledge(&pic), M_BASE + 1);
	out(M_CMD, 0x20);
	ck_assert_uint_eq(i8259_acknowledge(&pic), S_BASE + 6);
	out(S_CMD, 0x20);
	out(M_CMD, 0x20);
	ck_assert_uint_eq(i8259_acknowledge(&pic), M_BASE + 3);
}
END_TEST

START_TEST(second_slave_request_after_eoi)
{
	pulse(10);
	pulse(12);
	ck_assert_uint_eq(i8259_acknowledge(&pic), S_BASE + 2);
	out(S_CMD, 0x20);
	out(M_CMD, 0x20);
	ck_assert(i8259_int_output(&pic));
	ck_assert_uint_eq(i8259_acknowledge(&pic), S_BASE + 4);
}
END_TEST

START_TEST(special_fully_nested_mode)
{
	/* Without SFNM, a higher slave request waits while the slave is served. */
	pulse(11);
	ck_assert_uint_eq(i8259_acknowledge(&pic), S_BASE + 3);
	pulse(9);
	ck_assert(!i8259_int_output(&pic));
	/* With SFNM in the master, it is recognised. */
	i8259_init(&pic);
	program(0x11, 0x01);
	pulse(11);
	ck_assert_uint_eq(i8259_acknowledge(&pic), S_BASE + 3);
	pulse(9);
	ck_assert(i8259_int_output(&pic));
	ck_assert_uint_eq(i8259_acknowledge(&pic), S_BASE + 1);
	/* A lower one on the same slave still waits. */
	pulse(13);
	ck_assert(!i8259_int_output(&pic));
	/* The datasheet's exit check: EOI the slave, read its ISR, EOI the master only when empty.
	 */
	out(S_CMD, 0x20);
	ck_assert_uint_eq(isr(S_CMD), 0x08);
}
END_TEST

START_TEST(spurious_irq7_when_request_is_gone)
{
	out(ELCR0, 0x20);
	i8259_set_irq(&pic, 5, 1);
	ck_assert(i8259_int_output(&pic));
	i8259_set_irq(&pic, 5, 0); /* gone before INTA */
	ck_assert_uint_eq(i8259_acknowledge(&pic), M_BASE + 7);
	ck_assert_uint_eq(isr(M_CMD), 0); /* IR7 not put in service */
	/* Nothing at all: the same default vector. */
	ck_assert_uint_eq(i8259_acknowledge(&pic), M_BASE + 7);
	ck_assert_uint_eq(isr(M_CMD), 0);
}
END_TEST

START_TEST(spurious_irq15_on_the_slave)
{
	out(ELCR1, 0x04); /* IRQ 10 level */
	i8259_set_irq(&pic, 10, 1);
	ck_assert(i8259_int_output(&pic));
	i8259_set_irq(&pic, 10, 0);
	ck_assert_uint_eq(i8259_acknowledge(&pic), S_BASE + 7);
	ck_assert_uint_eq(isr(S_CMD), 0);
	ck_assert_uint_eq(isr(M_CMD), 0x04); /* the master did serve IR2: it needs its EOI */
}
END_TEST

START_TEST(state_round_trip)
{
	struct kvm_pic_state s[2], again;
	struct i8259 other;

	program(0x11, 0x03);
	out(ELCR1, 0x0c);
	out(M_CMD, 0xc4);
	out(M_CMD, 0x0b);
	out(S_DATA, 0x40);
	pulse(3);
	pulse(5);
	i8259_set_irq(&pic, 11, 1);
	ck_assert_uint_eq(i8259_acknowledge(&pic), M_BASE + 5);
	for (unsigned c = 0; c < 2; c++)
		i8259_get_chip(&pic, c, &s[c]);
	ck_assert_uint_eq(s[0].irq_base, M_BASE);
	ck_assert_uint_eq(s[1].irq_base, S_BASE);
	ck_assert_uint_eq(s[0].special_fully_nested_mode, 1);
	ck_assert_uint_eq(s[1].auto_eoi, 1);
	ck_assert_uint_eq(s[1].elcr, 0x0c);
	ck_assert_uint_eq(s[0].read_reg_select, 1);
	ck_assert_uint_eq(s[0].isr, 0x20);
	ck_assert_uint_eq(s[1].imr, 0x40);
	ck_assert_uint_eq(s[0].priority_add, 5); /* IR5 first after "IR4 lowest" */
	i8259_init(&other);
	for (unsigned c = 0; c < 2; c++) {
		i8259_set_chip(&other, c, &s[c]);
		i8259_get_chip(&other, c, &again);
		ck_assert_mem_eq(&again, &s[c], sizeof(again));
	}
	/* Both now behave the same. */
	for (unsigned n = 0; n < 4; n++) {
		uint8_t eoi = 0x20;

		ck_assert_uint_eq(i8259_acknowledge(&pic), i8259_acknowledge(&other));
		ck_assert(i8259_io(&pic, M_CMD, true, &eoi));
		ck_assert(i8259_io(&other, M_CMD, true, &eoi));
	}
}
END_TEST

static Suite *i8259_suite(void)
{
	Suite *s = suite_create("i8259");
	TCase *tc = tcase_create("datasheet");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, reset_state_is_the_kernels);
	tcase_add_test(tc, other_ports_are_not_the_pics);
	tcase_add_test(tc, icw_sequence_sets_vector_base);
	tcase_add_test(tc, icw1_resets_mask_priority_and_read_select);
	tcase_add_test(tc, single_mode_skips_icw3);
	tcase_add_test(tc, without_ic4_icw4_functions_are_zero);
	tcase_add_test(tc, imr_reads_back_and_masks);
	tcase_add_test(tc, edge_line_held_high_requests_once);
	tcase_add_test(tc, eois_are_reported_per_irq);
	tcase_add_test(tc, elcr_level_line_requests_while_high);
	tcase_add_test(tc, elcr_cannot_make_0_1_2_8_13_level);
	tcase_add_test(tc, ltim_makes_every_ir_level);
	tcase_add_test(tc, fully_nested_priority);
	tcase_add_test(tc, specific_eoi_clears_the_named_level);
	tcase_add_test(tc, rotate_on_nonspecific_eoi_makes_served_level_lowest);
	tcase_add_test(tc, set_priority_command);
	tcase_add_test(tc, rotate_on_specific_eoi);
	tcase_add_test(tc, auto_eoi_leaves_isr_clear);
	tcase_add_test(tc, rotate_in_auto_eoi_mode);
	tcase_add_test(tc, poll_mode);
	tcase_add_test(tc, special_mask_mode_lets_lower_levels_in);
	tcase_add_test(tc, cascade_delivers_slave_vector);
	tcase_add_test(tc, second_slave_request_after_eoi);
	tcase_add_test(tc, special_fully_nested_mode);
	tcase_add_test(tc, spurious_irq7_when_request_is_gone);
	tcase_add_test(tc, spurious_irq15_on_the_slave);
	tcase_add_test(tc, state_round_trip);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run_suite(i8259_suite());
}
