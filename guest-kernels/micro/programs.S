/* SPDX-License-Identifier: MIT */
/* micro's servers and programs, built from micro/user/ as flat binaries (mk/22-archs.mk). */
#include "uspace.h"

USER_PROGRAM(prog_serial, "serial.bin")
USER_PROGRAM(prog_block, "block.bin")
USER_PROGRAM(prog_file, "file.bin")
USER_PROGRAM(prog_workload, "workload.bin")
USER_PROGRAM(prog_hostile, "hostile.bin")

	.section .note.GNU-stack, "", @progbits
