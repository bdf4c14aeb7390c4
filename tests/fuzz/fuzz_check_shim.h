/* SPDX-License-Identifier: MIT */
/*
 * Lets a fuzz target use the unit tests' harness headers (which assert
 * with Check) outside a Check run: Check's ck_assert records the location
 * of every assertion through its test runner, which a fuzzer does not
 * have, so here a failed assertion aborts instead (a finding).
 * Include this before the harness headers.
 */
#ifndef FUZZ_CHECK_SHIM_H
#define FUZZ_CHECK_SHIM_H

#include <check.h>
#include <stdlib.h>

#undef ck_assert
#undef ck_assert_msg
#define ck_assert(expr) ((expr) ? (void)0 : abort())
#define ck_assert_msg(expr, ...) ck_assert(expr)

#endif
