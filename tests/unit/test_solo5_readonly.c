// SPDX-License-Identifier: MIT
/*
 * Which guest memory a Solo5 hvt guest gets read-only: solo5-hvt's rule
 * (tenders/common/elf.c) is that each PT_LOAD segment is protected by its
 * p_flags from p_vaddr, which must be page aligned, to its end rounded up
 * to a page, and that a writable executable segment is refused. minivmm
 * maps the segments without PF_W as KVM_MEM_READONLY slots, which KVM
 * wants page aligned and not overlapping (api.rst), so the ranges come out
 * sorted with neighbours joined, whatever the program header order.
 */
#include <check.h>
#include <elf.h>
#include <string.h>

#include "loader/loader.h"
#include "loader/solo5.h"
#include "support/run_suite.h"

static struct elf_image elf;
static struct boot_state boot;
static char err[256];

static void seg(uint64_t paddr, uint64_t memsz, uint32_t flags)
{
	elf.seg[elf.nr_segments] = (struct elf_segment){
	    .paddr = paddr, .memsz = memsz, .flags = flags, .phdr = elf.nr_segments};
	elf.nr_segments++;
}

static void reset(void)
{
	memset(&elf, 0, sizeof(elf));
	memset(&boot, 0, sizeof(boot));
	err[0] = '\0';
}

static void expect_range(unsigned i, uint64_t lo, uint64_t hi)
{
	ck_assert_uint_gt(boot.nr_readonly, i);
	ck_assert_msg(boot.readonly[i].gpa == lo && boot.readonly[i].size == hi - lo,
		      "range %u is [0x%llx, +0x%llx), want [0x%llx, 0x%llx)", i,
		      (unsigned long long)boot.readonly[i].gpa,
		      (unsigned long long)boot.readonly[i].size, (unsigned long long)lo,
		      (unsigned long long)hi);
}

/* Solo5 0.12's layout: text (X only), rodata (R), data (RW), tdata (R), bss (RW). */
START_TEST(solo5_layout)
{
	reset();
	seg(0x100000, 0x41d4, PF_X);
	seg(0x105000, 0x1154, PF_R);
	seg(0x107000, 0x128, PF_R | PF_W);
	seg(0x108000, 0x1000, PF_R);
	seg(0x109000, 0x213cc0, PF_R | PF_W);
	ck_assert_int_eq(solo5_hvt_readonly(&elf, &boot, err, sizeof(err)), 0);
	ck_assert_uint_eq(boot.nr_readonly, 2);
	expect_range(0, 0x100000, 0x107000); /* text and rodata joined */
	expect_range(1, 0x108000, 0x109000);
}
END_TEST

/* Program headers out of address order still give sorted, joined ranges. */
START_TEST(any_order)
{
	reset();
	seg(0x300000, 0x10, PF_R);
	seg(0x100000, 0x1000, PF_R | PF_X);
	seg(0x200000, 0x2000, PF_R | PF_W);
	seg(0x101000, 0x1001, PF_R); /* joins text at its end, rounds up to 0x103000 */
	seg(0x0ff000, 0x1000, PF_R); /* joins text at its start */
	seg(0x400000, 0x1000, PF_R | PF_W);
	ck_assert_int_eq(solo5_hvt_readonly(&elf, &boot, err, sizeof(err)), 0);
	ck_assert_uint_eq(boot.nr_readonly, 2);
	expect_range(0, 0x0ff000, 0x103000);
	expect_range(1, 0x300000, 0x301000);
}
END_TEST

START_TEST(refusals)
{
	reset();
	seg(0x100000, 0x1000, PF_R | PF_X);
	seg(0x101800, 0x100, PF_R | PF_W); /* shares the text's page */
	ck_assert_int_eq(solo5_hvt_readonly(&elf, &boot, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "segment 1 starts at 0x101800, not on a page"));

	reset();
	seg(0x100000, 0x1000, PF_R | PF_W | PF_X);
	ck_assert_int_eq(solo5_hvt_readonly(&elf, &boot, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "both writable and executable"));

	/* More separate read-only ranges than minivmm maps: refused, not dropped. */
	reset();
	for (unsigned i = 0; i <= BOOT_MAX_READONLY; i++)
		seg(0x100000 + i * 0x2000ULL, 0x1000, PF_R);
	ck_assert_int_eq(solo5_hvt_readonly(&elf, &boot, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "read-only segments"));

	/* As many as fit, and writable segments between them: fine. */
	reset();
	for (unsigned i = 0; i < 2 * BOOT_MAX_READONLY; i++)
		seg(0x100000 + i * 0x1000ULL, 0x1000, i % 2 ? PF_R | PF_W : PF_R);
	ck_assert_int_eq(solo5_hvt_readonly(&elf, &boot, err, sizeof(err)), 0);
	ck_assert_uint_eq(boot.nr_readonly, BOOT_MAX_READONLY);
	expect_range(BOOT_MAX_READONLY - 1, 0x100000 + (2 * BOOT_MAX_READONLY - 2) * 0x1000ULL,
		     0x100000 + (2 * BOOT_MAX_READONLY - 1) * 0x1000ULL);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("solo5_readonly");
	TCase *tc = tcase_create("ranges");

	tcase_add_test(tc, solo5_layout);
	tcase_add_test(tc, any_order);
	tcase_add_test(tc, refusals);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run_suite(suite());
}
