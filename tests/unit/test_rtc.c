// SPDX-License-Identifier: MIT
/*
 * The CMOS RTC against the MC146818A datasheet: calendar bytes in BCD and
 * binary, 12- and 24-hour mode, register A's UIP window (tBUC = 244 us
 * before each update) and periodic rates (table 5, 32.768 kHz time base),
 * register C's flags and IRQF with the enables of register B, the
 * clear-on-read of C and the IRQ 8 line, the SET bit, the alarm's
 * don't-care bytes, and the CMOS memory bytes a PC BIOS leaves (QEMU's
 * pc_cmos_init layout). Time comes from an injected clock, so nothing
 * sleeps; the epoch seconds of each date were computed with date(1).
 */
#include <check.h>
#include <string.h>

#include "devices/rtc.h"
#include "support/run_suite.h"

#define NS 1000000000ULL

/* 2026-12-04 18:25:37 UTC, a Friday (`date -u -d '2026-12-04 18:25:37' +%s`). */
#define T_FRIDAY 1796408737LL
/* 1999-12-31 23:59:59 UTC: one second before a century rolls over. */
#define T_Y2K_EVE 946684799LL

struct fake_clock {
	uint64_t mono;
	int64_t wall;
};

static struct fake_clock clk;
static struct rtc rtc;
static int line_level = -1;
static unsigned line_gsi, line_raises;

static uint64_t fake_mono(void *ctx)
{
	return ((struct fake_clock *)ctx)->mono;
}

static int64_t fake_wall(void *ctx)
{
	return ((struct fake_clock *)ctx)->wall;
}

static void line_set(void *ctx, unsigned gsi, int level)
{
	line_gsi = gsi;
	if (level && line_level != 1)
		line_raises++;
	line_level = level;
}

static void start_at(int64_t epoch_s, uint64_t frac_ns)
{
	struct rtc_clock c = {fake_mono, fake_wall, &clk};

	clk.mono = 1000 * NS + frac_ns; /* any origin: only differences count */
	clk.wall = epoch_s * (int64_t)NS + (int64_t)frac_ns;
	line_level = -1;
	line_raises = 0;
	rtc_init(&rtc, 64ULL << 20, 0, &c);
	rtc_connect_irq(&rtc, &(struct irq_line){line_set, NULL, RTC_IRQ});
}

static void setup(void)
{
	start_at(T_FRIDAY, 0);
}

static void teardown(void)
{
	rtc_destroy(&rtc);
}

static void out(unsigned port, uint8_t v)
{
	rtc_access(&rtc, port - RTC_PORT, &v, 1, true);
}

static uint8_t in(unsigned port)
{
	uint8_t v = 0;

	rtc_access(&rtc, port - RTC_PORT, &v, 1, false);
	return v;
}

static uint8_t cmos_read(uint8_t index)
{
	out(0x70, index);
	return in(0x71);
}

static void cmos_write(uint8_t index, uint8_t v)
{
	out(0x70, index);
	out(0x71, v);
}

static void advance_ns(uint64_t ns)
{
	clk.mono += ns;
}

START_TEST(reset_registers)
{
	/* A: divider 010 (32.768 kHz), rate 0110 (976.5625 us) as a PC BIOS sets it. */
	ck_assert_uint_eq(cmos_read(0x0a), 0x26);
	ck_assert_uint_eq(cmos_read(0x0b), 0x02); /* 24-hour, BCD, no interrupts */
	ck_assert_uint_eq(cmos_read(0x0c), 0x00);
	ck_assert_uint_eq(cmos_read(0x0d), 0x80); /* VRT: the battery is good */
	ck_assert_int_eq(line_level, 0);
	ck_assert_uint_eq(line_gsi, 8);
}
END_TEST

START_TEST(time_of_day_bcd_24h)
{
	ck_assert_uint_eq(cmos_read(0x00), 0x37);
	ck_assert_uint_eq(cmos_read(0x02), 0x25);
	ck_assert_uint_eq(cmos_read(0x04), 0x18);
	ck_assert_uint_eq(cmos_read(0x06), 0x06); /* Friday: 1 = Sunday */
	ck_assert_uint_eq(cmos_read(0x07), 0x04);
	ck_assert_uint_eq(cmos_read(0x08), 0x12);
	ck_assert_uint_eq(cmos_read(0x09), 0x26);
	ck_assert_uint_eq(cmos_read(0x32), 0x20); /* century */
	advance_ns(23 * NS);
	ck_assert_uint_eq(cmos_read(0x00), 0x00);
	ck_assert_uint_eq(cmos_read(0x02), 0x26);
}
END_TEST

START_TEST(binary_and_12_hour_modes)
{
	cmos_write(0x0b, 0x04); /* binary, 12-hour */
	ck_assert_uint_eq(cmos_read(0x00), 37);
	ck_assert_uint_eq(cmos_read(0x02), 25);
	ck_assert_uint_eq(cmos_read(0x04), 0x80 | 6); /* 6 PM */
	ck_assert_uint_eq(cmos_read(0x09), 26);
	cmos_write(0x0b, 0x00); /* BCD, 12-hour */
	ck_assert_uint_eq(cmos_read(0x04), 0x86);
}
END_TEST

START_TEST(twelve_hour_midnight_and_noon)
{
	start_at(T_FRIDAY - 18 * 3600 - 25 * 60 - 37, 0); /* 00:00:00 */
	cmos_write(0x0b, 0x00);
	ck_assert_uint_eq(cmos_read(0x04), 0x12); /* 12 AM */
	advance_ns(12 * 3600 * NS);
	ck_assert_uint_eq(cmos_read(0x04), 0x92); /* 12 PM */
}
END_TEST

START_TEST(century_rolls_over)
{
	start_at(T_Y2K_EVE, 0);
	ck_assert_uint_eq(cmos_read(0x09), 0x99);
	ck_assert_uint_eq(cmos_read(0x32), 0x19);
	advance_ns(NS);
	ck_assert_uint_eq(cmos_read(0x00), 0x00);
	ck_assert_uint_eq(cmos_read(0x04), 0x00);
	ck_assert_uint_eq(cmos_read(0x07), 0x01);
	ck_assert_uint_eq(cmos_read(0x08), 0x01);
	ck_assert_uint_eq(cmos_read(0x09), 0x00);
	ck_assert_uint_eq(cmos_read(0x32), 0x20);
	ck_assert_uint_eq(cmos_read(0x06), 0x07); /* 2000-01-01 was a Saturday */
}
END_TEST

START_TEST(uip_in_the_last_244us_of_a_second)
{
	start_at(T_FRIDAY, NS - 300000); /* 300 us before the update */
	ck_assert_uint_eq(cmos_read(0x0a) & 0x80, 0);
	advance_ns(100000); /* 200 us before: inside tBUC */
	ck_assert_uint_eq(cmos_read(0x0a) & 0x80, 0x80);
	advance_ns(200000); /* the update happened */
	ck_assert_uint_eq(cmos_read(0x0a) & 0x80, 0);
	ck_assert_uint_eq(cmos_read(0x00), 0x38);
}
END_TEST

START_TEST(set_bit_freezes_and_sets_the_time)
{
	cmos_write(0x0b, 0x82);			      /* SET, 24-hour BCD */
	ck_assert_uint_eq(cmos_read(0x0a) & 0x80, 0); /* no update while SET */
	advance_ns(5 * NS);
	ck_assert_uint_eq(cmos_read(0x00), 0x37); /* frozen */
	/* 2031-07-15 00:30:00 */
	cmos_write(0x00, 0x00);
	cmos_write(0x02, 0x30);
	cmos_write(0x04, 0x00);
	cmos_write(0x07, 0x15);
	cmos_write(0x08, 0x07);
	cmos_write(0x09, 0x31);
	cmos_write(0x0b, 0x02); /* release: the clock runs from the written time */
	advance_ns(3 * NS);
	ck_assert_uint_eq(cmos_read(0x00), 0x03);
	ck_assert_uint_eq(cmos_read(0x02), 0x30);
	ck_assert_uint_eq(cmos_read(0x07), 0x15);
	ck_assert_uint_eq(cmos_read(0x08), 0x07);
	ck_assert_uint_eq(cmos_read(0x09), 0x31);
	ck_assert_uint_eq(cmos_read(0x06), 0x03); /* a Tuesday (`date -d 2031-07-15 +%A`) */
}
END_TEST

START_TEST(periodic_flag_rates)
{
	/* Rate 0110 = 976.5625 us: one period sets PF, without PIE the line stays low. */
	advance_ns(976563);
	ck_assert_uint_eq(cmos_read(0x0c), 0x40);
	ck_assert_int_eq(line_level, 0);
	ck_assert_uint_eq(cmos_read(0x0c), 0x00); /* read clears */
	/* Rate 1111 = 500 ms: 400 ms is not enough, 600 ms is. */
	cmos_write(0x0a, 0x2f);
	cmos_read(0x0c);
	advance_ns(400000000);
	ck_assert_uint_eq(cmos_read(0x0c) & 0x40, 0);
	advance_ns(200000000);
	ck_assert_uint_eq(cmos_read(0x0c) & 0x40, 0x40);
	/* Rate 0000: none. */
	cmos_write(0x0a, 0x20);
	cmos_read(0x0c);
	advance_ns(2 * NS);
	ck_assert_uint_eq(cmos_read(0x0c) & 0x40, 0);
}
END_TEST

START_TEST(periodic_interrupt_raises_irq8_until_c_is_read)
{
	cmos_write(0x0b, 0x42); /* PIE */
	ck_assert_int_eq(line_level, 0);
	advance_ns(1000000);
	rtc_poll(&rtc);
	ck_assert_int_eq(line_level, 1);
	ck_assert_uint_eq(line_gsi, 8);
	ck_assert_uint_eq(cmos_read(0x0c), 0xc0); /* IRQF | PF */
	ck_assert_int_eq(line_level, 0);
	advance_ns(1000000);
	rtc_poll(&rtc);
	ck_assert_int_eq(line_level, 1);
	ck_assert_uint_eq(line_raises, 2);
	/* Disabling PIE takes IRQF and the line down at once. */
	cmos_write(0x0b, 0x02);
	ck_assert_int_eq(line_level, 0);
}
END_TEST

/* A flag that comes due in the very access that reads C carries IRQF with it (fuzz_platform). */
START_TEST(irqf_set_with_a_flag_due_at_the_read_of_c)
{
	cmos_write(0x0b, 0x42); /* PIE */
	out(0x70, 0x0c);
	advance_ns(1000000);
	ck_assert_uint_eq(in(0x71), 0xc0); /* IRQF | PF, not PF alone */
	ck_assert_int_eq(line_level, 0);
}
END_TEST

START_TEST(divider_in_reset_stops_periodic_and_update)
{
	cmos_write(0x0a, 0x76); /* DV = 111: divider chain held in reset */
	cmos_write(0x0b, 0x52); /* PIE | UIE */
	advance_ns(3 * NS);
	ck_assert_uint_eq(cmos_read(0x0c), 0x00);
	ck_assert_int_eq(line_level, 0);
}
END_TEST

START_TEST(update_ended_once_a_second)
{
	start_at(T_FRIDAY, NS / 2);
	cmos_write(0x0b, 0x12); /* UIE */
	advance_ns(NS / 4);
	rtc_poll(&rtc);
	ck_assert_int_eq(line_level, 0);
	advance_ns(NS / 2); /* crosses the second */
	rtc_poll(&rtc);
	ck_assert_int_eq(line_level, 1);
	/* IRQF | UF (PF too: the 1024 Hz periodic flag is set whether or not PIE is) */
	ck_assert_uint_eq(cmos_read(0x0c) & 0xb0, 0x90);
	ck_assert_int_eq(line_level, 0);
}
END_TEST

START_TEST(alarm_with_dont_care_bytes)
{
	/* Alarm at hh:26:00 for any hour: fires at 18:26:00, 23 s from now. */
	cmos_write(0x01, 0x00);
	cmos_write(0x03, 0x26);
	cmos_write(0x05, 0xc0);
	cmos_write(0x0b, 0x22); /* AIE */
	advance_ns(22 * NS);
	rtc_poll(&rtc);
	ck_assert_int_eq(line_level, 0);
	advance_ns(NS);
	rtc_poll(&rtc);
	ck_assert_int_eq(line_level, 1);
	ck_assert_uint_eq(cmos_read(0x0c) & 0xa0, 0xa0); /* IRQF | AF */
}
END_TEST

START_TEST(index_port_nmi_bit_and_reads)
{
	out(0x70, 0x80 | 0x0d);
	ck_assert(rtc.nmi_masked);
	ck_assert_uint_eq(in(0x71), 0x80); /* the index without bit 7: register D */
	ck_assert_uint_eq(in(0x70), 0xff); /* write-only */
	out(0x70, 0x0d);
	ck_assert(!rtc.nmi_masked);
	/* Register C and D are read-only, A's UIP too. */
	cmos_write(0x0d, 0x00);
	ck_assert_uint_eq(cmos_read(0x0d), 0x80);
	cmos_write(0x0a, 0xa6);
	ck_assert_uint_eq(cmos_read(0x0a) & 0x7f, 0x26);
	/* RAM bytes hold what is written. */
	cmos_write(0x40, 0x5a);
	ck_assert_uint_eq(cmos_read(0x40), 0x5a);
}
END_TEST

START_TEST(memory_size_bytes)
{
	struct rtc_clock c = {fake_mono, fake_wall, &clk};

	/* 64 MiB: 640 KiB base, 63 MiB extended = 64512 KiB, 48 MiB above 16 MiB = 768 x 64 KiB. */
	ck_assert_uint_eq(cmos_read(0x15) | cmos_read(0x16) << 8, 640);
	ck_assert_uint_eq(cmos_read(0x17) | cmos_read(0x18) << 8, 64512);
	ck_assert_uint_eq(cmos_read(0x30) | cmos_read(0x31) << 8, 64512);
	ck_assert_uint_eq(cmos_read(0x34) | cmos_read(0x35) << 8, 768);
	ck_assert_uint_eq(cmos_read(0x5b) | cmos_read(0x5c) << 8 | cmos_read(0x5d) << 16, 0);
	rtc_destroy(&rtc);
	/* 3 GiB below the hole, 5 GiB above: the 16-bit fields saturate, 4G counts 64 KiB units. */
	rtc_init(&rtc, 3ULL << 30, 5ULL << 30, &c);
	ck_assert_uint_eq(cmos_read(0x17) | cmos_read(0x18) << 8, 0xffff);
	ck_assert_uint_eq(cmos_read(0x34) | cmos_read(0x35) << 8, 0xbf00);
	ck_assert_uint_eq(cmos_read(0x5b) | cmos_read(0x5c) << 8 | cmos_read(0x5d) << 16,
			  (5ULL << 30) / 65536);
}
END_TEST

START_TEST(hostile_calendar_bytes_stay_bounded)
{
	cmos_write(0x0b, 0x82);
	for (unsigned i = 0; i < 10; i++)
		cmos_write((uint8_t)i, 0xff);
	cmos_write(0x32, 0xff);
	cmos_write(0x0b, 0x02);
	advance_ns(NS);
	/* Whatever date that makes, the registers read back as valid BCD. */
	for (unsigned i = 0; i < 10; i += 2) {
		uint8_t v = cmos_read((uint8_t)i);

		ck_assert_uint_le(v & 0x0f, 9);
		ck_assert_uint_le(v >> 4, 9);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("rtc");
	TCase *tc = tcase_create("mc146818a");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, reset_registers);
	tcase_add_test(tc, time_of_day_bcd_24h);
	tcase_add_test(tc, binary_and_12_hour_modes);
	tcase_add_test(tc, twelve_hour_midnight_and_noon);
	tcase_add_test(tc, century_rolls_over);
	tcase_add_test(tc, uip_in_the_last_244us_of_a_second);
	tcase_add_test(tc, set_bit_freezes_and_sets_the_time);
	tcase_add_test(tc, periodic_flag_rates);
	tcase_add_test(tc, periodic_interrupt_raises_irq8_until_c_is_read);
	tcase_add_test(tc, divider_in_reset_stops_periodic_and_update);
	tcase_add_test(tc, update_ended_once_a_second);
	tcase_add_test(tc, alarm_with_dont_care_bytes);
	tcase_add_test(tc, index_port_nmi_bit_and_reads);
	tcase_add_test(tc, memory_size_bytes);
	tcase_add_test(tc, hostile_calendar_bytes_stay_bounded);
	tcase_add_test(tc, irqf_set_with_a_flag_due_at_the_read_of_c);
	suite_add_tcase(s, tc);
	return test_run_suite(s);
}
