/* SPDX-License-Identifier: MIT */
/* mono's user programs, built from mono/user/ as flat binaries (mk/22-archs.mk). */
#include "uspace.h"

USER_PROGRAM(prog_workload, "workload.bin")
USER_PROGRAM(prog_hostile, "hostile.bin")

	.section .note.GNU-stack, "", @progbits
