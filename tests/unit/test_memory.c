// SPDX-License-Identifier: MIT
/*
 * The checked guest-physical accessor: every range inside one region is
 * reachable, everything else (past the end, straddling regions or the
 * MMIO hole, wrapping around 2^64) is NULL.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "memory.h"
#include "support/run_suite.h"

START_TEST(ptr_bounds_in_one_region)
{
	static uint8_t buf[0x4000];
	struct guest_mem m = {0};

	ck_assert_int_eq(guest_mem_add_region(&m, 0x10000, sizeof(buf), buf), 0);
	ck_assert_ptr_eq(guest_mem_ptr(&m, 0x10000, 1), buf);
	ck_assert_ptr_eq(guest_mem_ptr(&m, 0x13fff, 1), buf + 0x3fff);
	ck_assert_ptr_eq(guest_mem_ptr(&m, 0x10000, sizeof(buf)), buf);
	ck_assert_ptr_null(guest_mem_ptr(&m, 0x10000, sizeof(buf) + 1));
	ck_assert_ptr_null(guest_mem_ptr(&m, 0x13fff, 2));
	ck_assert_ptr_null(guest_mem_ptr(&m, 0xffff, 1));
	ck_assert_ptr_null(guest_mem_ptr(&m, 0x14000, 1));
	/* len 0 at the end of the region is valid, past it is not. */
	ck_assert_ptr_eq(guest_mem_ptr(&m, 0x14000, 0), buf + sizeof(buf));
	ck_assert_ptr_null(guest_mem_ptr(&m, 0x14001, 0));
}
END_TEST

START_TEST(ptr_rejects_wrapping_lengths)
{
	static uint8_t buf[0x1000];
	struct guest_mem m = {0};

	ck_assert_int_eq(guest_mem_add_region(&m, 0, sizeof(buf), buf), 0);
	ck_assert_ptr_null(guest_mem_ptr(&m, 0x10, UINT64_MAX));
	ck_assert_ptr_null(guest_mem_ptr(&m, 0x10, UINT64_MAX - 0xf + 1));
	ck_assert_ptr_null(guest_mem_ptr(&m, UINT64_MAX, 2));
	ck_assert_ptr_null(guest_mem_ptr(&m, UINT64_MAX - 0xfff, 0x1000));
}
END_TEST

START_TEST(ptr_never_straddles_regions)
{
	static uint8_t a[0x1000], b[0x1000];
	struct guest_mem m = {0};

	/* Adjacent in guest-physical space, not in host memory. */
	ck_assert_int_eq(guest_mem_add_region(&m, 0x0, sizeof(a), a), 0);
	ck_assert_int_eq(guest_mem_add_region(&m, 0x1000, sizeof(b), b), 0);
	ck_assert_ptr_eq(guest_mem_ptr(&m, 0xff0, 0x10), a + 0xff0);
	ck_assert_ptr_eq(guest_mem_ptr(&m, 0x1000, 0x10), b);
	ck_assert_ptr_null(guest_mem_ptr(&m, 0xff0, 0x20));
	ck_assert_uint_eq(m.ram_size, 0x2000);
}
END_TEST

START_TEST(add_region_limits)
{
	static uint8_t buf[0x1000];
	struct guest_mem m = {0};

	ck_assert_int_eq(guest_mem_add_region(&m, 0, 0, buf), -EINVAL);
	ck_assert_int_eq(guest_mem_add_region(&m, UINT64_MAX - 0x10, 0x1000, buf), -EINVAL);
	for (unsigned i = 0; i < GUEST_MEM_MAX_REGIONS; i++)
		ck_assert_int_eq(guest_mem_add_region(&m, i * 0x1000ULL, 0x1000, buf), 0);
	ck_assert_int_eq(guest_mem_add_region(&m, 0x100000, 0x1000, buf), -EINVAL);
}
END_TEST

START_TEST(read_write_helpers)
{
	static uint8_t buf[0x1000];
	struct guest_mem m = {0};
	uint32_t v = 0xdeadbeef, r = 0;

	ck_assert_int_eq(guest_mem_add_region(&m, 0x1000, sizeof(buf), buf), 0);
	ck_assert_int_eq(guest_mem_write(&m, 0x1ffc, &v, 4), 0);
	ck_assert_int_eq(guest_mem_read(&m, 0x1ffc, &r, 4), 0);
	ck_assert_uint_eq(r, 0xdeadbeef);
	ck_assert_int_eq(guest_mem_write(&m, 0x1ffd, &v, 4), -EFAULT);
	ck_assert_int_eq(guest_mem_read(&m, 0xffe, &r, 4), -EFAULT);
}
END_TEST

START_TEST(init_splits_around_the_mmio_hole)
{
	struct guest_mem m;
	uint64_t size = GUEST_MMIO_HOLE_START + (64ULL << 20);

	/* MAP_NORESERVE: 3 GiB + 64 MiB of address space, never touched. */
	ck_assert_int_eq(guest_mem_init(&m, size), 0);
	ck_assert_uint_eq(m.nr_regions, 2);
	ck_assert_uint_eq(m.ram_size, size);
	ck_assert_uint_eq(m.region[0].gpa, 0);
	ck_assert_uint_eq(m.region[0].size, GUEST_MMIO_HOLE_START);
	ck_assert_uint_eq(m.region[1].gpa, GUEST_HIGH_RAM_START);
	ck_assert_uint_eq(m.region[1].size, 64ULL << 20);
	ck_assert_ptr_null(guest_mem_ptr(&m, GUEST_MMIO_HOLE_START, 1));
	ck_assert_ptr_null(guest_mem_ptr(&m, GUEST_MMIO_HOLE_START - 1, 2));
	ck_assert_ptr_nonnull(guest_mem_ptr(&m, GUEST_HIGH_RAM_START, 1));
	*(volatile uint8_t *)guest_mem_ptr(&m, GUEST_HIGH_RAM_START + 5, 1) = 7;
	guest_mem_destroy(&m);
	ck_assert_uint_eq(m.nr_regions, 0);

	ck_assert_int_eq(guest_mem_init(&m, 64ULL << 20), 0);
	ck_assert_uint_eq(m.nr_regions, 1);
	guest_mem_destroy(&m);
	ck_assert_int_eq(guest_mem_init(&m, 0), -EINVAL);
	ck_assert_int_eq(guest_mem_init(&m, 4097), -EINVAL);
}
END_TEST

static Suite *memory_suite(void)
{
	Suite *s = suite_create("memory");
	TCase *tc = tcase_create("accessor");

	tcase_add_test(tc, ptr_bounds_in_one_region);
	tcase_add_test(tc, ptr_rejects_wrapping_lengths);
	tcase_add_test(tc, ptr_never_straddles_regions);
	tcase_add_test(tc, add_region_limits);
	tcase_add_test(tc, read_write_helpers);
	tcase_add_test(tc, init_splits_around_the_mmio_hole);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run_suite(memory_suite());
}
