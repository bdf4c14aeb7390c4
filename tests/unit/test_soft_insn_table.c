// SPDX-License-Identifier: MIT
/*
 * The soft CPU's mnemonic -> handler table (src/vcpu/soft/insn_table.c):
 * it builds, every mnemonic it lists is one Zydis knows, and a mnemonic
 * listed twice is refused instead of the later entry silently winning.
 */
#include <check.h>
#include <errno.h>
#include <string.h>

#include <Zydis/Zydis.h>

#include "vcpu/soft/handlers.h"

static struct insn_table table;

START_TEST(test_table_builds)
{
	unsigned m = 0, n = 0;

	ck_assert_int_eq(insn_table_build(&table, insn_groups, insn_ngroups, &m), 0);
	for (unsigned i = 0; i < INSN_TABLE_SIZE; i++) {
		if (!table.fn[i])
			continue;
		n++;
		ck_assert_msg(i > ZYDIS_MNEMONIC_INVALID && i <= ZYDIS_MNEMONIC_MAX_VALUE &&
				  ZydisMnemonicGetString((ZydisMnemonic)i),
			      "mnemonic %u is not a Zydis mnemonic", i);
	}
	ck_assert_uint_gt(n, 100);
	/* spot checks against the SDM's split of user and system instructions */
	ck_assert_ptr_eq(table.fn[ZYDIS_MNEMONIC_ADD], exec_add);
	ck_assert(!table.system[ZYDIS_MNEMONIC_ADD]);
	ck_assert_ptr_eq(table.fn[ZYDIS_MNEMONIC_LGDT], exec_lgdt_lidt);
	ck_assert(table.system[ZYDIS_MNEMONIC_LGDT]);
	ck_assert(table.system[ZYDIS_MNEMONIC_WRMSR]);
}
END_TEST

START_TEST(test_mnemonic_twice_is_refused)
{
	static const struct insn_entry again[] = {
	    {ZYDIS_MNEMONIC_CPUID, exec_cpuid},
	    {ZYDIS_MNEMONIC_XOR, exec_add},
	};
	struct insn_group groups[8];
	unsigned m = 0, n = insn_ngroups;

	ck_assert_uint_lt(n, 8);
	memcpy(groups, insn_groups, n * sizeof(groups[0]));
	groups[n] = (struct insn_group){"again", again, 2, false};
	ck_assert_int_eq(insn_table_build(&table, groups, n + 1, &m), -EEXIST);
	ck_assert_uint_eq(m, ZYDIS_MNEMONIC_CPUID);
	/* within one group too */
	groups[0] = (struct insn_group){"again", again, 2, false};
	groups[1] = (struct insn_group){"again", again + 1, 1, true};
	ck_assert_int_eq(insn_table_build(&table, groups, 2, &m), -EEXIST);
	ck_assert_uint_eq(m, ZYDIS_MNEMONIC_XOR);
}
END_TEST

START_TEST(test_mnemonic_beyond_table_is_refused)
{
	static const struct insn_entry far[] = {{INSN_TABLE_SIZE, exec_add}};
	const struct insn_group g = {"far", far, 1, false};
	unsigned m = 0;

	ck_assert_int_eq(insn_table_build(&table, &g, 1, &m), -ERANGE);
	ck_assert_uint_eq(m, INSN_TABLE_SIZE);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("soft_insn_table");
	TCase *tc = tcase_create("table");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_table_builds);
	tcase_add_test(tc, test_mnemonic_twice_is_refused);
	tcase_add_test(tc, test_mnemonic_beyond_table_is_refused);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
