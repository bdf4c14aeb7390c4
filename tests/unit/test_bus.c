// SPDX-License-Identifier: MIT
/* Device bus: registration rules, routing, unclaimed accesses, stop requests. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devices/bus.h"
#include "devices/devices.h"
#include "support/run_suite.h"

struct probe {
	uint64_t offset;
	unsigned size, calls;
	bool is_write;
	uint8_t last[8];
};

static void probe_fn(void *opaque, uint64_t offset, uint8_t *data, unsigned size, bool is_write)
{
	struct probe *p = opaque;

	p->offset = offset;
	p->size = size;
	p->is_write = is_write;
	p->calls++;
	if (is_write)
		memcpy(p->last, data, size);
	else
		memset(data, 0x5a, size);
}

static struct bus *new_bus(void)
{
	struct bus *b = calloc(1, sizeof(*b));

	ck_assert_ptr_nonnull(b);
	return b;
}

START_TEST(register_rejects_overlap_in_same_space_only)
{
	struct bus *b = new_bus();
	struct probe p = {0};

	ck_assert_int_eq(bus_register(b, BUS_PIO, 0x3f8, 8, "a", probe_fn, &p), 0);
	ck_assert_int_eq(bus_register(b, BUS_PIO, 0x3ff, 1, "b", probe_fn, &p), -EBUSY);
	ck_assert_int_eq(bus_register(b, BUS_PIO, 0x3f0, 9, "c", probe_fn, &p), -EBUSY);
	ck_assert_int_eq(bus_register(b, BUS_PIO, 0x3f0, 0x20, "d", probe_fn, &p), -EBUSY);
	/* Adjacent ranges are fine. */
	ck_assert_int_eq(bus_register(b, BUS_PIO, 0x3f0, 8, "e", probe_fn, &p), 0);
	ck_assert_int_eq(bus_register(b, BUS_PIO, 0x400, 1, "f", probe_fn, &p), 0);
	/* The same numbers in MMIO space do not collide with ports. */
	ck_assert_int_eq(bus_register(b, BUS_MMIO, 0x3f8, 8, "g", probe_fn, &p), 0);
	ck_assert_uint_eq(b->nr_ranges, 4);
	free(b);
}
END_TEST

START_TEST(register_rejects_bad_ranges)
{
	struct bus *b = new_bus();
	struct probe p = {0};

	ck_assert_int_eq(bus_register(b, BUS_PIO, 0x10, 0, "zero", probe_fn, &p), -EINVAL);
	ck_assert_int_eq(bus_register(b, BUS_PIO, 0x10, 1, "nofn", NULL, &p), -EINVAL);
	ck_assert_int_eq(bus_register(b, BUS_PIO, 0xffff, 2, "past 64K", probe_fn, &p), -EINVAL);
	ck_assert_int_eq(bus_register(b, BUS_MMIO, UINT64_MAX - 1, 4, "wraps", probe_fn, &p),
			 -EINVAL);
	ck_assert_int_eq(bus_register(b, BUS_MMIO, UINT64_MAX, 1, "last byte", probe_fn, &p), 0);
	ck_assert_int_eq(bus_register(b, BUS_PIO, 0xffff, 1, "last port", probe_fn, &p), 0);
	free(b);
}
END_TEST

START_TEST(register_is_bounded)
{
	struct bus *b = new_bus();
	struct probe p = {0};

	for (unsigned i = 0; i < BUS_MAX_DEVICES; i++)
		ck_assert_int_eq(
		    bus_register(b, BUS_MMIO, 0x1000ULL * i, 0x1000, "x", probe_fn, &p), 0);
	ck_assert_int_eq(bus_register(b, BUS_MMIO, 0x1000000, 1, "one too many", probe_fn, &p),
			 -ENOSPC);
	free(b);
}
END_TEST

START_TEST(dispatch_routes_with_offset)
{
	struct bus *b = new_bus();
	struct probe a = {0}, m = {0};
	uint8_t data[4] = {1, 2, 3, 4};

	ck_assert_int_eq(bus_register(b, BUS_PIO, 0x60, 1, "a0", probe_fn, &a), 0);
	ck_assert_int_eq(bus_register(b, BUS_MMIO, 0xd0000000, 0x1000, "mmio", probe_fn, &m), 0);
	ck_assert_int_eq(bus_dispatch(b, BUS_MMIO, 0xd0000ffc, data, 4, true), 1);
	ck_assert_uint_eq(m.offset, 0xffc);
	ck_assert_uint_eq(m.size, 4);
	ck_assert(m.is_write);
	ck_assert_mem_eq(m.last, data, 4);
	ck_assert_int_eq(bus_dispatch(b, BUS_PIO, 0x60, data, 1, false), 0);
	ck_assert_uint_eq(a.calls, 1);
	ck_assert_uint_eq(a.offset, 0);
	ck_assert_uint_eq(data[0], 0x5a);
	/* One past the end of the MMIO window is not the device's. */
	ck_assert_int_eq(bus_dispatch(b, BUS_MMIO, 0xd0001000, data, 4, false), -1);
	ck_assert_uint_eq(m.calls, 1);
	ck_assert_uint_eq(b->unclaimed, 1);
	free(b);
}
END_TEST

START_TEST(unclaimed_reads_all_ones_and_writes_are_dropped)
{
	struct bus *b = new_bus();
	uint8_t data[8];

	memset(data, 0, sizeof(data));
	ck_assert_int_eq(bus_dispatch(b, BUS_PIO, 0x1234, data, 2, false), -1);
	ck_assert_uint_eq(data[0], 0xff);
	ck_assert_uint_eq(data[1], 0xff);
	ck_assert_uint_eq(data[2], 0); /* only `size` bytes written */
	memset(data, 0x11, sizeof(data));
	ck_assert_int_eq(bus_dispatch(b, BUS_MMIO, 0xfee00000, data, 8, true), -1);
	ck_assert_uint_eq(data[7], 0x11);
	ck_assert_uint_eq(b->unclaimed, 2);
	free(b);
}
END_TEST

START_TEST(verbose_names_an_unclaimed_address_once)
{
	struct bus *b = new_bus();
	uint8_t data[1] = {0};
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	FILE *saved = stderr;

	ck_assert_ptr_nonnull(mem);
	b->verbose = true;
	stderr = mem;
	bus_dispatch(b, BUS_PIO, 0x2e8, data, 1, true);
	bus_dispatch(b, BUS_PIO, 0x2e8, data, 1, false);
	bus_dispatch(b, BUS_PIO, 0x2e9, data, 1, false);
	stderr = saved;
	fclose(mem);
	/* Two distinct ports named, each once; all three accesses counted. */
	ck_assert_ptr_nonnull(strstr(buf, "0x2e8"));
	ck_assert_ptr_null(strstr(strstr(buf, "0x2e8") + 1, "0x2e8"));
	ck_assert_ptr_nonnull(strstr(buf, "0x2e9"));
	ck_assert_uint_eq(b->unclaimed, 3);
	free(buf);
	free(b);
}
END_TEST

/* Each bus keeps its own set of named addresses: a second VM names them again. */
START_TEST(each_bus_names_its_unclaimed_addresses)
{
	struct bus *a = new_bus(), *b = new_bus();
	uint8_t data[1] = {0};
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	FILE *saved = stderr;
	const char *first;

	ck_assert_ptr_nonnull(mem);
	a->verbose = b->verbose = true;
	stderr = mem;
	bus_dispatch(a, BUS_PIO, 0x2e8, data, 1, true);
	bus_dispatch(b, BUS_PIO, 0x2e8, data, 1, true);
	stderr = saved;
	fclose(mem);
	first = strstr(buf, "0x2e8");
	ck_assert_ptr_nonnull(first);
	ck_assert_ptr_nonnull(strstr(first + 1, "0x2e8"));
	ck_assert_uint_eq(a->unclaimed_named.nr_named, 1);
	ck_assert_uint_eq(b->unclaimed_named.nr_named, 1);
	free(buf);
	free(a);
	free(b);
}
END_TEST

START_TEST(first_stop_request_wins)
{
	struct bus *b = new_bus();

	ck_assert(!b->stop_requested);
	ck_assert_int_eq(b->stop_kind, BUS_STOP_NONE);
	bus_request_stop(b, BUS_STOP_GUEST_EXIT, 7, "first");
	bus_request_stop(b, BUS_STOP_GUEST_RESET, 0, "second");
	ck_assert(b->stop_requested);
	ck_assert_int_eq(b->stop_kind, BUS_STOP_GUEST_EXIT);
	ck_assert_int_eq(b->stop_status, 7);
	ck_assert_str_eq(b->stop_reason, "first");
	free(b);
}
END_TEST

/* The platform devices, driven through the bus as a guest would. */
START_TEST(debug_exit_stops_with_guest_value)
{
	struct bus *b = new_bus();
	uint8_t v[4] = {0x2a, 0, 0, 0};

	ck_assert_int_eq(platform_devices_register(b), 0);
	ck_assert_int_ge(bus_dispatch(b, BUS_PIO, 0xf4, v, 4, true), 0);
	ck_assert(b->stop_requested);
	ck_assert_int_eq(b->stop_status, 42);
	ck_assert_int_eq(b->stop_kind, BUS_STOP_GUEST_EXIT);
	free(b);
}
END_TEST

START_TEST(debug_exit_byte_write_and_truncation)
{
	struct bus *b = new_bus();
	uint8_t one = 3, four[4] = {0x01, 0x02, 0, 0};

	ck_assert_int_eq(platform_devices_register(b), 0);
	/* A byte write at 0xf5 (inside the 4-port window, as with QEMU's iosize=4). */
	ck_assert_int_ge(bus_dispatch(b, BUS_PIO, 0xf5, &one, 1, true), 0);
	ck_assert_int_eq(b->stop_status, 3);
	free(b);
	b = new_bus();
	ck_assert_int_eq(platform_devices_register(b), 0);
	bus_dispatch(b, BUS_PIO, 0xf4, four, 4, true);
	ck_assert_int_eq(b->stop_status, 0x01); /* 0x201: a process status keeps 8 bits */
	free(b);
}
END_TEST

START_TEST(i8042_reset_stops_cleanly_other_commands_do_not)
{
	struct bus *b = new_bus();
	uint8_t cmd = 0xd1, status = 0;

	ck_assert_int_eq(platform_devices_register(b), 0);
	ck_assert_int_ge(bus_dispatch(b, BUS_PIO, 0x64, &status, 1, false), 0);
	ck_assert_uint_eq(status & 0x03, 0); /* output and input buffers empty: no spinning */
	bus_dispatch(b, BUS_PIO, 0x64, &cmd, 1, true);
	ck_assert(!b->stop_requested);
	cmd = 0xf1; /* pulse output port bits 1-3: not the reset line (bit 0) */
	bus_dispatch(b, BUS_PIO, 0x64, &cmd, 1, true);
	ck_assert(!b->stop_requested);
	cmd = 0xf0; /* pulse bits 0-3: a reset, as 0xfe (8042 "pulse output port") */
	bus_dispatch(b, BUS_PIO, 0x64, &cmd, 1, true);
	ck_assert(b->stop_requested);
	ck_assert_int_eq(b->stop_kind, BUS_STOP_GUEST_RESET);
	ck_assert_int_eq(b->stop_status, 0);
	b->stop_requested = false;
	cmd = 0xfe;
	bus_dispatch(b, BUS_PIO, 0x64, &cmd, 1, true);
	ck_assert(b->stop_requested);
	free(b);
}
END_TEST

START_TEST(post_port_is_claimed_and_silent)
{
	struct bus *b = new_bus();
	uint8_t v = 0xa5;

	ck_assert_int_eq(platform_devices_register(b), 0);
	ck_assert_int_ge(bus_dispatch(b, BUS_PIO, 0x80, &v, 1, true), 0);
	ck_assert(!b->stop_requested);
	ck_assert_uint_eq(b->unclaimed, 0);
	free(b);
}
END_TEST

static Suite *bus_suite(void)
{
	Suite *s = suite_create("bus");
	TCase *tc = tcase_create("bus");

	tcase_add_test(tc, register_rejects_overlap_in_same_space_only);
	tcase_add_test(tc, register_rejects_bad_ranges);
	tcase_add_test(tc, register_is_bounded);
	tcase_add_test(tc, dispatch_routes_with_offset);
	tcase_add_test(tc, unclaimed_reads_all_ones_and_writes_are_dropped);
	tcase_add_test(tc, verbose_names_an_unclaimed_address_once);
	tcase_add_test(tc, each_bus_names_its_unclaimed_addresses);
	tcase_add_test(tc, first_stop_request_wins);
	tcase_add_test(tc, debug_exit_stops_with_guest_value);
	tcase_add_test(tc, debug_exit_byte_write_and_truncation);
	tcase_add_test(tc, i8042_reset_stops_cleanly_other_commands_do_not);
	tcase_add_test(tc, post_port_is_claimed_and_silent);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run_suite(bus_suite());
}
