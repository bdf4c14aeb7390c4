// SPDX-License-Identifier: MIT
/* The main() every Check test program shares (see run_suite.h). */
#include "support/run_suite.h"

#include <stdlib.h>

int test_run_suite(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
