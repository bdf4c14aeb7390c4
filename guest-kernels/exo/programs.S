/* SPDX-License-Identifier: MIT */
/* exo's library OSes and programs, built from exo/user/ as flat binaries (mk/22-archs.mk). */
#include "uspace.h"

USER_PROGRAM(prog_libos_direct, "libos_direct.bin")
USER_PROGRAM(prog_libos_batched, "libos_batched.bin")
USER_PROGRAM(prog_hostile, "hostile.bin")
USER_PROGRAM(prog_heir, "heir.bin")

	.section .note.GNU-stack, "", @progbits
