// SPDX-License-Identifier: MIT
/*
 * The 8254 PIT on a virtual clock (no sleeps). Expected values come from
 * the Intel 82C54 datasheet (control word and read-back formats, status
 * byte, each mode's OUT waveform and gate behaviour, BCD counting, latch
 * rules), the PC's port 0x61 layout, the sequences Linux uses
 * (pit_calibrate_tsc, the periodic and one-shot clockevent), and for the
 * reset state KVM_GET_PIT2 of a fresh kernel PIT (compared live where
 * /dev/kvm opens), not from the model's code.
 *
 * Times are given in input clocks of 1.193182 MHz after the count was
 * written, sampled half a clock after the pulse, where the datasheet's
 * level is settled.
 */
#include <check.h>
#include <string.h>

#include "support/run_suite.h"
#include "test_irqchip_kernel.h"
#include "vcpu/soft/i8254.h"

enum { CNT0 = 0x40, CNT1 = 0x41, CNT2 = 0x42, CTRL = 0x43, PORTB = 0x61 };

#define T0 1000000000ULL /* the VM clock when the tests program the PIT */

static struct i8254 pit;

/* Half a clock after the k-th input clock pulse counted from t. */
static uint64_t at(uint64_t t, uint64_t k)
{
	return t + (k * 1000000000ULL + 500000000ULL) / 1193182;
}

static uint64_t clk(uint64_t k)
{
	return at(T0, k);
}

static void out(uint16_t port, uint8_t v, uint64_t now)
{
	ck_assert(i8254_io(&pit, port, true, &v, now));
}

static uint8_t in(uint16_t port, uint64_t now)
{
	uint8_t v = 0xcc;

	ck_assert(i8254_io(&pit, port, false, &v, now));
	return v;
}

/* Control word then a 16-bit count, LSB then MSB, both at now. */
static void program(unsigned counter, unsigned mode, uint16_t count, uint64_t now)
{
	out(CTRL, (uint8_t)(counter << 6 | 0x30 | mode << 1), now);
	out((uint16_t)(CNT0 + counter), (uint8_t)count, now);
	out((uint16_t)(CNT0 + counter), (uint8_t)(count >> 8), now);
}

/* Counter latch command, then LSB and MSB. */
static uint16_t latched(unsigned counter, uint64_t now)
{
	uint16_t v;

	out(CTRL, (uint8_t)(counter << 6), now);
	v = in((uint16_t)(CNT0 + counter), now);
	return (uint16_t)(v | in((uint16_t)(CNT0 + counter), now) << 8);
}

static bool out2(uint64_t now)
{
	return in(PORTB, now) & 0x20;
}

static void gate2(bool level, uint64_t now)
{
	out(PORTB, level ? 1 : 0, now);
}

static void setup(void)
{
	i8254_init(&pit, 0);
}

START_TEST(reset_state_is_the_kernels)
{
	struct kvm_pit_state2 got, want;
	int sys, vm;

	i8254_get_state(&pit, &got);
	memset(&want, 0, sizeof(want));
	for (unsigned i = 0; i < 3; i++) {
		want.channels[i].count = 0x10000;
		want.channels[i].mode = 0xff;
		want.channels[i].gate = i != 2;
		got.channels[i].count_load_time = 0; /* the kernel's is its own clock */
	}
	ck_assert_mem_eq(&got, &want, sizeof(got));
	vm = kernel_irqchip_vm(&sys, true);
	if (vm < 0) {
		kt_note_skip("i8254 reset state against KVM_GET_PIT2");
		return;
	}
	ck_assert_int_eq(kvm_provider_kernel.ioctl(vm, KVM_GET_PIT2, &want), 0);
	for (unsigned i = 0; i < 3; i++)
		want.channels[i].count_load_time = 0;
	ck_assert_mem_eq(&got, &want, sizeof(got));
	kernel_irqchip_close(sys, vm);
}
END_TEST

START_TEST(ports)
{
	static const uint16_t mine[] = {0x40, 0x41, 0x42, 0x43, 0x61};
	static const uint16_t others[] = {0x3f, 0x44, 0x48, 0x60, 0x62};
	uint8_t v = 0;

	for (unsigned i = 0; i < 5; i++) {
		ck_assert(i8254_io(&pit, mine[i], false, &v, T0));
		ck_assert(!i8254_io(&pit, others[i], false, &v, T0));
		ck_assert(!i8254_io(&pit, others[i], true, &v, T0));
	}
}
END_TEST

START_TEST(mode0_interrupt_on_terminal_count)
{
	program(0, 0, 100, T0);
	ck_assert(!i8254_out0(&pit, T0));
	ck_assert(!i8254_out0(&pit, clk(99)));
	ck_assert_uint_eq(i8254_advance(&pit, clk(99)), 0);
	ck_assert_uint_eq(latched(0, clk(30)), 70);
	ck_assert(i8254_out0(&pit, clk(100)));
	ck_assert_uint_eq(i8254_advance(&pit, clk(100)), 1);
	/* OUT stays high; the count wraps to FFFF and goes on. */
	ck_assert(i8254_out0(&pit, clk(5000)));
	ck_assert_uint_eq(latched(0, clk(105)), 0xfffb);
	ck_assert_uint_eq(i8254_advance(&pit, clk(200000)), 0);
	ck_assert_uint_eq(i8254_next_edge(&pit, clk(200000)), UINT64_MAX);
}
END_TEST

START_TEST(mode0_next_edge_is_the_terminal_count)
{
	uint64_t e;

	program(0, 0, 1000, T0);
	e = i8254_next_edge(&pit, T0);
	ck_assert_uint_gt(e, clk(999));
	ck_assert_uint_le(e, clk(1000));
	ck_assert(!i8254_out0(&pit, e - 1));
	ck_assert(i8254_out0(&pit, e));
	ck_assert_uint_eq(i8254_advance(&pit, e - 1), 0);
	ck_assert_uint_eq(i8254_advance(&pit, e), 1);
}
END_TEST

START_TEST(mode0_first_byte_stops_counting)
{
	program(0, 0, 10, T0);
	ck_assert(i8254_out0(&pit, clk(20)));
	ck_assert_uint_eq(i8254_advance(&pit, clk(20)), 1);
	out(CNT0, 50, clk(20)); /* LSB: OUT low at once, counting stops */
	ck_assert(!i8254_out0(&pit, clk(20)));
	ck_assert(!i8254_out0(&pit, clk(500)));
	out(CNT0, 0, clk(500)); /* MSB: count 50 from here */
	ck_assert(!i8254_out0(&pit, at(clk(500), 49)));
	ck_assert(i8254_out0(&pit, at(clk(500), 50)));
	ck_assert_uint_eq(i8254_advance(&pit, at(clk(500), 100)), 1);
}
END_TEST

START_TEST(mode0_gate_low_suspends_counting)
{
	uint64_t up = clk(100), down, up2;

	program(2, 0, 50, T0); /* counter 2: gate low after reset */
	ck_assert_uint_eq(latched(2, clk(100)), 50);
	ck_assert(!out2(clk(100)));

	gate2(true, up);
	down = at(up, 20);
	ck_assert_uint_eq(latched(2, down), 30);
	gate2(false, down);
	up2 = at(down, 280);
	ck_assert_uint_eq(latched(2, up2), 30);
	gate2(true, up2);
	/* 20.5 clocks were counted: 29.5 to go. */
	ck_assert(!out2(at(up2, 27)));
	ck_assert(out2(at(up2, 30)));
}
END_TEST

START_TEST(mode1_retriggerable_one_shot)
{
	uint64_t trigger = clk(100);

	program(2, 1, 10, T0);
	ck_assert(out2(T0)); /* high until triggered */
	ck_assert(out2(clk(100)));
	gate2(true, trigger);
	ck_assert(!out2(at(trigger, 0)));
	ck_assert(!out2(at(trigger, 9)));
	ck_assert(out2(at(trigger, 10)));
	/* Retrigger during the pulse: low for a full count from the new trigger. */
	gate2(false, clk(200));
	gate2(true, clk(201));
	gate2(false, clk(205));
	trigger = clk(206);
	gate2(true, trigger);
	ck_assert(!out2(at(trigger, 9)));
	ck_assert(out2(at(trigger, 10)));
	/* A new count waits for the next trigger. */
	program(2, 1, 10, clk(300));
	out(CNT2, 30, clk(300));
	out(CNT2, 0, clk(300));
	ck_assert(out2(clk(300)));
	gate2(false, clk(310));
	trigger = clk(320);
	gate2(true, trigger);
	ck_assert(!out2(at(trigger, 29)));
	ck_assert(out2(at(trigger, 30)));
}
END_TEST

START_TEST(mode1_on_counter0_needs_a_trigger)
{
	/* Counter 0's gate is tied high: it never sees a rising edge. */
	program(0, 1, 10, T0);
	ck_assert(i8254_out0(&pit, clk(100)));
	ck_assert_uint_eq(i8254_advance(&pit, clk(1000)), 0);
}
END_TEST

START_TEST(mode2_rate_generator)
{
	program(0, 2, 10, T0);
	ck_assert(i8254_out0(&pit, T0));
	ck_assert(i8254_out0(&pit, clk(8)));
	ck_assert(!i8254_out0(&pit, clk(9))); /* one clock low at count 1 */
	ck_assert(i8254_out0(&pit, clk(10)));
	ck_assert(!i8254_out0(&pit, clk(19)));
	ck_assert_uint_eq(latched(0, clk(13)), 7);
	ck_assert_uint_eq(i8254_advance(&pit, clk(35)), 3); /* rises at 10, 20, 30 */
	ck_assert_uint_eq(i8254_advance(&pit, clk(39)), 0);
	ck_assert_uint_eq(i8254_advance(&pit, clk(40)), 1);
	ck_assert_uint_gt(i8254_next_edge(&pit, clk(40)), clk(49));
	ck_assert_uint_le(i8254_next_edge(&pit, clk(40)), clk(50));
}
END_TEST

START_TEST(mode2_new_count_waits_for_the_cycle_end)
{
	program(0, 2, 10, T0);
	out(CNT0, 4, clk(13));
	out(CNT0, 0, clk(13));
	ck_assert_uint_eq(latched(0, clk(15)), 5); /* still the old cycle */
	/* Rises at 10 and 20 (end of the old cycle), then every 4: 24, 28. */
	ck_assert_uint_eq(i8254_advance(&pit, clk(29)), 4);
	ck_assert_uint_eq(latched(0, clk(29)), 3);
}
END_TEST

START_TEST(mode2_gate_forces_out_high_and_reloads)
{
	uint64_t up = clk(50);

	program(2, 2, 10, T0);
	gate2(true, T0);
	ck_assert(!out2(clk(9)));
	gate2(false, clk(9)); /* low forces OUT high at once */
	ck_assert(out2(clk(9)));
	ck_assert_uint_eq(latched(2, clk(50)), 1); /* counting suspended */
	gate2(true, up);			   /* the rising edge reloads the count */
	ck_assert_uint_eq(latched(2, at(up, 3)), 7);
	ck_assert(out2(at(up, 8)));
	ck_assert(!out2(at(up, 9)));
}
END_TEST

START_TEST(mode3_square_wave_even)
{
	program(0, 3, 10, T0);
	for (unsigned k = 0; k < 5; k++)
		ck_assert(i8254_out0(&pit, clk(k)));
	for (unsigned k = 5; k < 10; k++)
		ck_assert(!i8254_out0(&pit, clk(k)));
	ck_assert(i8254_out0(&pit, clk(10)));
	/* The count goes down by two in each half. */
	ck_assert_uint_eq(latched(0, clk(1)), 8);
	ck_assert_uint_eq(latched(0, clk(4)), 2);
	ck_assert_uint_eq(latched(0, clk(6)), 8);
	ck_assert_uint_eq(i8254_advance(&pit, clk(1000)), 100);
}
END_TEST

START_TEST(mode3_square_wave_odd)
{
	/* Odd count N: high (N+1)/2 clocks, low (N-1)/2. */
	program(0, 3, 5, T0);
	ck_assert(i8254_out0(&pit, clk(0)));
	ck_assert(i8254_out0(&pit, clk(2)));
	ck_assert(!i8254_out0(&pit, clk(3)));
	ck_assert(!i8254_out0(&pit, clk(4)));
	ck_assert(i8254_out0(&pit, clk(5)));
	ck_assert_uint_eq(latched(0, clk(1)), 4); /* loaded, then down by one, then by two */
	ck_assert_uint_eq(latched(0, clk(2)), 2);
	ck_assert_uint_eq(latched(0, clk(4)), 2); /* reloaded, down by three */
	ck_assert_uint_eq(i8254_advance(&pit, clk(50)), 10);
}
END_TEST

START_TEST(mode3_new_count_at_the_half_cycle_end)
{
	/* Written in the high half of 10: taken at its end (5), starting with 6's low half. */
	program(0, 3, 10, T0);
	out(CNT0, 6, clk(2));
	out(CNT0, 0, clk(2));
	ck_assert_uint_gt(i8254_next_edge(&pit, clk(3)), clk(7)); /* the next rise is at 8 */
	ck_assert_uint_le(i8254_next_edge(&pit, clk(3)), clk(8));
	ck_assert(i8254_out0(&pit, clk(4)));
	ck_assert(!i8254_out0(&pit, clk(5)));
	ck_assert_uint_eq(latched(0, clk(6)), 4);
	ck_assert(!i8254_out0(&pit, clk(7)));
	ck_assert(i8254_out0(&pit, clk(8)));
	ck_assert(i8254_out0(&pit, clk(10)));
	ck_assert(!i8254_out0(&pit, clk(11)));
	ck_assert(i8254_out0(&pit, clk(14)));
	ck_assert_uint_eq(i8254_advance(&pit, clk(15)), 2); /* rises at 8 and 14 */
}
END_TEST

START_TEST(mode3_new_count_in_the_low_half_waits_for_the_cycle)
{
	program(0, 3, 10, T0);
	out(CNT0, 6, clk(7));
	out(CNT0, 0, clk(7));
	ck_assert(!i8254_out0(&pit, clk(9)));
	ck_assert(i8254_out0(&pit, clk(12)));
	ck_assert(!i8254_out0(&pit, clk(13)));
	ck_assert(!i8254_out0(&pit, clk(15)));
	ck_assert(i8254_out0(&pit, clk(16)));
	ck_assert_uint_eq(i8254_advance(&pit, clk(17)), 2); /* rises at 10 and 16 */
}
END_TEST

START_TEST(mode3_linux_hz_rate_over_ten_seconds)
{
	/* LATCH for HZ=100: 11932. 10 s are 11,931,820 clocks: 999 full periods. */
	program(0, 3, 11932, T0);
	ck_assert_uint_eq(i8254_advance(&pit, T0 + 10000000000ULL), 999);
}
END_TEST

START_TEST(mode4_software_strobe)
{
	program(0, 4, 20, T0);
	ck_assert(i8254_out0(&pit, clk(19)));
	ck_assert(!i8254_out0(&pit, clk(20))); /* one clock low at zero */
	ck_assert(i8254_out0(&pit, clk(21)));
	ck_assert_uint_eq(i8254_advance(&pit, clk(20)), 0);
	ck_assert_uint_eq(i8254_advance(&pit, clk(21)), 1); /* IRQ 0 on the rise back */
	ck_assert_uint_eq(i8254_advance(&pit, clk(100000)), 0);
	/* A new count restarts it. */
	out(CNT0, 10, clk(100000));
	out(CNT0, 0, clk(100000));
	ck_assert(i8254_out0(&pit, at(clk(100000), 9)));
	ck_assert(!i8254_out0(&pit, at(clk(100000), 10)));
	ck_assert_uint_eq(i8254_advance(&pit, at(clk(100000), 11)), 1);
}
END_TEST

START_TEST(mode4_gate_low_suspends)
{
	uint64_t up = clk(100);

	program(2, 4, 20, T0);
	ck_assert(out2(clk(100))); /* gate low: no count, no strobe */
	gate2(true, up);
	ck_assert(out2(at(up, 19)));
	ck_assert(!out2(at(up, 20)));
	ck_assert(out2(at(up, 21)));
}
END_TEST

START_TEST(mode5_hardware_strobe)
{
	uint64_t trigger = clk(101);

	gate2(true, T0);
	program(2, 5, 20, T0);
	ck_assert(out2(clk(20))); /* the gate was already high: the write is no trigger */
	ck_assert(out2(clk(100)));
	gate2(false, clk(100));
	gate2(true, trigger);
	ck_assert(out2(at(trigger, 19)));
	ck_assert(!out2(at(trigger, 20)));
	ck_assert(out2(at(trigger, 21)));
}
END_TEST

START_TEST(bcd_counting)
{
	out(CTRL, 0x31, T0); /* counter 0, LSB/MSB, mode 0, BCD */
	out(CNT0, 0x00, T0);
	out(CNT0, 0x01, T0); /* 100 decimal */
	ck_assert_uint_eq(latched(0, clk(1)), 0x0099);
	ck_assert_uint_eq(latched(0, clk(55)), 0x0045);
	ck_assert(!i8254_out0(&pit, clk(99)));
	ck_assert(i8254_out0(&pit, clk(100)));
	ck_assert_uint_eq(latched(0, clk(101)), 0x9999); /* wraps to 9999 */
	ck_assert_uint_eq(i8254_advance(&pit, clk(150)), 1);
	/* 0 is 10^4 in BCD. */
	out(CTRL, 0x35, clk(200)); /* mode 2, BCD */
	out(CNT0, 0, clk(200));
	out(CNT0, 0, clk(200));
	ck_assert_uint_eq(latched(0, at(clk(200), 1)), 0x9999);
	ck_assert_uint_eq(i8254_advance(&pit, at(clk(200), 30000)), 3);
}
END_TEST

START_TEST(lsb_only_and_msb_only_access)
{
	out(CTRL, 0x14, T0); /* counter 0, LSB only, mode 2 */
	out(CNT0, 0x50, T0);
	ck_assert_uint_eq(in(CNT0, clk(0x10)), 0x40);
	ck_assert_uint_eq(in(CNT0, clk(0x10)), 0x40);	      /* every read is the LSB */
	ck_assert_uint_eq(i8254_advance(&pit, clk(999)), 12); /* every 0x50 clocks */
	out(CTRL, 0x24, clk(1000));			      /* MSB only */
	out(CNT0, 0x01, clk(1000));			      /* count 0x100 */
	ck_assert_uint_eq(in(CNT0, at(clk(1000), 0x30)), 0x00);
	ck_assert_uint_eq(i8254_advance(&pit, at(clk(1000), 0x100)), 1);
}
END_TEST

START_TEST(counter_latch_holds_until_read)
{
	program(0, 2, 1000, T0);
	out(CTRL, 0x00, clk(100));
	out(CTRL, 0x00, clk(300)); /* ignored: already latched */
	ck_assert_uint_eq(in(CNT0, clk(500)), 900 & 0xff);
	ck_assert_uint_eq(in(CNT0, clk(600)), 900 >> 8);
	/* Unlatched reads follow the count (LSB, then MSB). */
	ck_assert_uint_eq(in(CNT0, clk(700)), 300 & 0xff);
	ck_assert_uint_eq(in(CNT0, clk(700)), 300 >> 8);
}
END_TEST

START_TEST(read_back_status_and_count)
{
	out(CTRL, 0x34, T0);		       /* counter 0, LSB/MSB, mode 2 */
	out(CTRL, 0xe2, T0);		       /* read-back status of counter 0 */
	ck_assert_uint_eq(in(CNT0, T0), 0xf4); /* OUT 1, NULL 1, RW 3, mode 2 */
	out(CTRL, 0xe2, T0);
	out(CNT0, 0x00, T0);
	out(CNT0, 0x01, T0);			    /* 256 */
	ck_assert_uint_eq(in(CNT0, T0), 0xf4);	    /* the latched status stays until read */
	out(CTRL, 0xc2, clk(16));		    /* count and status */
	out(CTRL, 0xc2, clk(32));		    /* ignored: both already latched */
	ck_assert_uint_eq(in(CNT0, clk(40)), 0xb4); /* status first: NULL count now 0 */
	ck_assert_uint_eq(in(CNT0, clk(40)), 240);
	ck_assert_uint_eq(in(CNT0, clk(40)), 0);
	/* Several counters at once; mode 0 OUT low, BCD bit. */
	out(CTRL, 0x71, T0); /* counter 1, LSB/MSB, mode 0, BCD */
	out(CNT1, 0x50, T0);
	out(CNT1, 0x00, T0);
	out(CTRL, 0xb0, T0);	  /* counter 2, LSB/MSB, mode 0 */
	out(CTRL, 0xcc, clk(10)); /* read-back counters 1 and 2, count and status */
	ck_assert_uint_eq(in(CNT1, clk(20)), 0x31);
	ck_assert_uint_eq(in(CNT1, clk(20)), 0x40);
	ck_assert_uint_eq(in(CNT1, clk(20)), 0x00);
	ck_assert_uint_eq(in(CNT2, clk(20)), 0x70); /* no count written yet: NULL count */
}
END_TEST

START_TEST(null_count_until_mode2_cycle_end)
{
	program(0, 2, 100, T0);
	out(CNT0, 10, clk(30));
	out(CNT0, 0, clk(30));
	out(CTRL, 0xe2, clk(50));
	ck_assert_uint_eq(in(CNT0, clk(50)) & 0x40, 0x40);
	out(CTRL, 0xe2, clk(101));
	ck_assert_uint_eq(in(CNT0, clk(101)) & 0x40, 0);
}
END_TEST

START_TEST(port_61_gate_speaker_out2_refresh)
{
	uint8_t first;

	ck_assert_uint_eq(in(PORTB, T0) & 0x03, 0x00);
	out(PORTB, 0x03, T0);
	ck_assert_uint_eq(in(PORTB, T0) & 0x03, 0x03);
	out(PORTB, 0x02, T0);
	ck_assert_uint_eq(in(PORTB, T0) & 0x03, 0x02);
	/* Bit 4 toggles with the refresh request, about every 15 us. */
	first = in(PORTB, T0) & 0x10;
	ck_assert_uint_ne(in(PORTB, T0 + 15100) & 0x10, first);
	ck_assert_uint_eq(in(PORTB, T0 + 30200) & 0x10, first);
	/* Bit 5 is OUT2: mode 3 square wave with the gate up. */
	program(2, 3, 100, T0);
	out(PORTB, 0x01, T0);
	ck_assert(out2(clk(10)));
	ck_assert(!out2(clk(60)));
}
END_TEST

START_TEST(linux_pit_calibrate_tsc_sequence)
{
	/* pit_calibrate_tsc(): gate high, speaker off, counter 2 mode 0, wait for OUT2. */
	uint16_t latch = 1193182 / 20; /* 50 ms */

	out(PORTB, (uint8_t)((in(PORTB, T0) & ~0x02) | 0x01), T0);
	out(CTRL, 0xb0, T0);
	out(CNT2, (uint8_t)latch, T0);
	out(CNT2, (uint8_t)(latch >> 8), T0);
	ck_assert(!out2(T0 + 49990000));
	ck_assert(out2(T0 + 50000000));
}
END_TEST

START_TEST(reprogramming_keeps_earlier_edges)
{
	program(0, 2, 10, T0);
	program(0, 0, 1000, clk(35)); /* three rises happened before this */
	ck_assert_uint_eq(i8254_advance(&pit, clk(36)), 3);
	/* Mode 0 waiting (OUT low) switched to mode 2 (OUT high): that rise is an edge. */
	out(CTRL, 0x34, clk(100));
	ck_assert_uint_eq(i8254_next_edge(&pit, clk(100)), clk(100));
	ck_assert_uint_eq(i8254_advance(&pit, clk(100)), 1);
}
END_TEST

START_TEST(hpet_legacy_silences_irq0)
{
	struct kvm_pit_state2 s;

	i8254_get_state(&pit, &s);
	s.flags = KVM_PIT_FLAGS_HPET_LEGACY;
	i8254_set_state(&pit, &s, T0);
	program(0, 2, 10, T0);
	ck_assert_uint_eq(i8254_advance(&pit, clk(100)), 0);
	ck_assert_uint_eq(i8254_next_edge(&pit, clk(100)), UINT64_MAX);
	i8254_get_state(&pit, &s);
	ck_assert_uint_eq(s.flags, KVM_PIT_FLAGS_HPET_LEGACY);
}
END_TEST

START_TEST(state_round_trip)
{
	struct kvm_pit_state2 s, again;
	struct i8254 other;

	program(0, 2, 1000, T0);
	out(CTRL, 0x00, clk(10)); /* latch pending */
	out(CTRL, 0x55, clk(10)); /* counter 1 LSB only, mode 2, BCD */
	out(CNT1, 0x99, clk(10));
	program(2, 3, 300, clk(10));
	out(PORTB, 0x03, clk(10));
	i8254_get_state(&pit, &s);
	ck_assert_uint_eq(s.channels[0].count, 1000);
	ck_assert_uint_eq(s.channels[0].mode, 2);
	ck_assert_uint_eq(s.channels[0].rw_mode, 3);
	ck_assert_uint_eq(s.channels[0].count_latched, 3);
	ck_assert_uint_eq(s.channels[0].latched_count, 990);
	ck_assert_uint_eq(s.channels[1].bcd, 1);
	ck_assert_uint_eq(s.channels[1].count, 0x99);
	ck_assert_uint_eq(s.channels[2].gate, 1);
	ck_assert_uint_eq((uint64_t)s.channels[0].count_load_time, T0);
	ck_assert_uint_eq(s.flags, KVM_PIT_FLAGS_SPEAKER_DATA_ON);
	i8254_init(&other, 0);
	i8254_set_state(&other, &s, clk(20));
	i8254_get_state(&other, &again);
	ck_assert_mem_eq(&again, &s, sizeof(s));
	for (unsigned k = 20; k < 2000; k += 97) {
		uint8_t b, c;

		ck_assert_uint_eq(i8254_out0(&pit, clk(k)), i8254_out0(&other, clk(k)));
		ck_assert(i8254_io(&pit, CNT1, false, &b, clk(k)));
		ck_assert(i8254_io(&other, CNT1, false, &c, clk(k)));
		ck_assert_uint_eq(b, c);
		ck_assert(i8254_io(&pit, PORTB, false, &b, clk(k)));
		ck_assert(i8254_io(&other, PORTB, false, &c, clk(k)));
		ck_assert_uint_eq(b, c);
	}
}
END_TEST

/*
 * Reinjection (KVM's default): one pulse in flight, the rest counted and
 * sent one per acknowledge. KVM keeps any number; minivmm keeps at most
 * I8254_MAX_PENDING (a second of ticks at 1 kHz, the README's deviation),
 * so 1500 missed ticks give the pulse in flight and 999 more.
 */
START_TEST(reinject_one_pulse_per_ack_capped)
{
	struct i8254_reinject r = {.on = true};
	unsigned pulses = 0;

	i8254_reinject_reset(&r);
	ck_assert(i8254_reinject_tick(&r, 1500));
	ck_assert(!i8254_reinject_tick(&r, 1)); /* waits for the acknowledge */
	while (i8254_reinject_ack(&r))
		pulses++;
	ck_assert_uint_eq(pulses, I8254_MAX_PENDING - 1);
	ck_assert(i8254_reinject_tick(&r, 1)); /* all acknowledged: the next goes at once */
	r.on = false;
	i8254_reinject_reset(&r);
	ck_assert(i8254_reinject_tick(&r, 7)); /* off: one pulse for all, every time */
	ck_assert(i8254_reinject_tick(&r, 7));
	ck_assert(!i8254_reinject_ack(&r));
}
END_TEST

static Suite *i8254_suite(void)
{
	Suite *s = suite_create("i8254");
	TCase *tc = tcase_create("datasheet");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, reset_state_is_the_kernels);
	tcase_add_test(tc, ports);
	tcase_add_test(tc, mode0_interrupt_on_terminal_count);
	tcase_add_test(tc, mode0_next_edge_is_the_terminal_count);
	tcase_add_test(tc, mode0_first_byte_stops_counting);
	tcase_add_test(tc, mode0_gate_low_suspends_counting);
	tcase_add_test(tc, mode1_retriggerable_one_shot);
	tcase_add_test(tc, mode1_on_counter0_needs_a_trigger);
	tcase_add_test(tc, mode2_rate_generator);
	tcase_add_test(tc, mode2_new_count_waits_for_the_cycle_end);
	tcase_add_test(tc, mode2_gate_forces_out_high_and_reloads);
	tcase_add_test(tc, mode3_square_wave_even);
	tcase_add_test(tc, mode3_square_wave_odd);
	tcase_add_test(tc, mode3_new_count_at_the_half_cycle_end);
	tcase_add_test(tc, mode3_new_count_in_the_low_half_waits_for_the_cycle);
	tcase_add_test(tc, mode3_linux_hz_rate_over_ten_seconds);
	tcase_add_test(tc, mode4_software_strobe);
	tcase_add_test(tc, mode4_gate_low_suspends);
	tcase_add_test(tc, mode5_hardware_strobe);
	tcase_add_test(tc, bcd_counting);
	tcase_add_test(tc, lsb_only_and_msb_only_access);
	tcase_add_test(tc, counter_latch_holds_until_read);
	tcase_add_test(tc, read_back_status_and_count);
	tcase_add_test(tc, null_count_until_mode2_cycle_end);
	tcase_add_test(tc, port_61_gate_speaker_out2_refresh);
	tcase_add_test(tc, linux_pit_calibrate_tsc_sequence);
	tcase_add_test(tc, reprogramming_keeps_earlier_edges);
	tcase_add_test(tc, hpet_legacy_silences_irq0);
	tcase_add_test(tc, state_round_trip);
	tcase_add_test(tc, reinject_one_pulse_per_ack_capped);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run_suite(i8254_suite());
}
