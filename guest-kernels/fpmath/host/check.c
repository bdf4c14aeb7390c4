// SPDX-License-Identifier: MIT
/* Host build of fpmath's computations: the lines the guest must print after its banner. */
#include <stdio.h>

#include "../fp.h"

static void emit(const char *line)
{
	fputs(line, stdout);
}

int main(void)
{
	fpmath_run(emit);
	return 0;
}
