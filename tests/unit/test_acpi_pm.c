// SPDX-License-Identifier: MIT
/*
 * The ACPI power device through the bus, with the register semantics of
 * the ACPI 6.x spec (4.8.3): what Linux's acpi_enter_sleep_state(S5) and
 * acpi_reboot() write, and what must not end the VM.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "devices/acpi_pm.h"
#include "devices/bus.h"
#include "support/run_suite.h"

static struct bus *bus;
static struct acpi_pm pm;

static void setup(void)
{
	bus = calloc(1, sizeof(*bus));
	ck_assert_ptr_nonnull(bus);
	ck_assert_int_eq(acpi_pm_register(&pm, bus), 0);
}

static void teardown(void)
{
	free(bus);
}

static void out16(uint16_t port, uint16_t v)
{
	uint8_t d[2] = {(uint8_t)v, (uint8_t)(v >> 8)};

	ck_assert_int_ge(bus_dispatch(bus, BUS_PIO, port, d, 2, true), 0);
}

static uint16_t in16(uint16_t port)
{
	uint8_t d[2];

	ck_assert_int_ge(bus_dispatch(bus, BUS_PIO, port, d, 2, false), 0);
	return (uint16_t)(d[0] | d[1] << 8);
}

START_TEST(s5_with_slp_en_powers_off)
{
	ck_assert_uint_eq(in16(0x604) & 1, 1); /* SCI_EN: always in ACPI mode */
	out16(0x604, 5 << 10);		       /* SLP_TYP without SLP_EN: nothing yet */
	ck_assert(!bus->stop_requested);
	out16(0x604, (5 << 10) | (1 << 13));
	ck_assert(bus->stop_requested);
	ck_assert_int_eq(bus->stop_kind, BUS_STOP_GUEST_EXIT);
	ck_assert_int_eq(bus->stop_status, 0);
}
END_TEST

START_TEST(other_sleep_types_are_ignored)
{
	for (unsigned typ = 0; typ < 8; typ++)
		if (typ != 5)
			out16(0x604, (uint16_t)((typ << 10) | (1 << 13)));
	ck_assert(!bus->stop_requested);
	ck_assert_uint_eq(in16(0x604) & (1 << 13), 0); /* SLP_EN reads as 0 */
}
END_TEST

START_TEST(reset_register)
{
	uint8_t v = 0x02;

	bus_dispatch(bus, BUS_PIO, 0xcf9, &v, 1, true); /* not the reset value */
	ck_assert(!bus->stop_requested);
	v = 0x06;
	bus_dispatch(bus, BUS_PIO, 0xcf9, &v, 1, true);
	ck_assert(bus->stop_requested);
	ck_assert_int_eq(bus->stop_kind, BUS_STOP_GUEST_RESET);
	ck_assert_int_eq(bus->stop_status, 0);
	bus->stop_requested = false;
	v = 0x0e; /* Linux's reboot=pci cold reset: RST_CPU with FULL_RST */
	bus_dispatch(bus, BUS_PIO, 0xcf9, &v, 1, true);
	ck_assert(bus->stop_requested);
}
END_TEST

START_TEST(event_block_status_and_enable)
{
	uint8_t d[4];

	out16(0x602, 0x0121); /* enable */
	ck_assert_uint_eq(in16(0x602), 0x0121);
	ck_assert_uint_eq(in16(0x600), 0); /* no event ever fires */
	out16(0x600, 0xffff);		   /* write one to clear: still 0 */
	ck_assert_uint_eq(in16(0x600), 0);
	ck_assert_int_ge(bus_dispatch(bus, BUS_PIO, 0x600, d, 4, false), 0);
	ck_assert_mem_eq(d, "\x00\x00\x21\x01", 4);
}
END_TEST

static Suite *acpi_pm_suite(void)
{
	Suite *s = suite_create("acpi_pm");
	TCase *tc = tcase_create("registers");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, s5_with_slp_en_powers_off);
	tcase_add_test(tc, other_sleep_types_are_ignored);
	tcase_add_test(tc, reset_register);
	tcase_add_test(tc, event_block_status_and_enable);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run_suite(acpi_pm_suite());
}
