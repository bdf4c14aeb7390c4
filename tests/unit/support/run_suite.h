/* SPDX-License-Identifier: MIT */
/* The main() every Check test program shares. */
#ifndef TEST_SUPPORT_RUN_SUITE_H
#define TEST_SUPPORT_RUN_SUITE_H

#include <check.h>

/* Run every test of s (CK_FORK from the environment); EXIT_SUCCESS when none failed. */
int test_run_suite(Suite *s);

#endif
