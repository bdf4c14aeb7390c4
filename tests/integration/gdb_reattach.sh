#!/bin/bash
# SPDX-License-Identifier: MIT
# A debugger that detached can come back: gdb attaches with --gdb-wait,
# detaches (the guest runs on in cpubench's long workload), and a second
# gdb that connects later stops the running guest, reads its registers
# and kills it. Before the fix the second gdb waited forever: nothing
# watched the listening socket once the first client was gone.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/boot_common.bash
. tests/integration/gdb_common.bash

BENCH=guest-kernels/cpubench.elf
require_minivmm
require_gdb
[ -f "$BENCH" ] || { echo "skipped: $BENCH is not built (run make all)"; exit 77; }
test_providers

for p in "${PROVIDERS[@]}"; do
	vm_start "$p-re" -- --accel "$p" --gdb-wait -a iters=100000000000 "$BENCH" || continue
	gdb_batch "$p-re1" "$BENCH" <<'GDB'
detach
GDB
	w="$p: first gdb"
	expect_gdb "$w" "[Inferior 1 (Remote target) detached]"
	sleep 0.5
	gdb_batch "$p-re2" "$BENCH" <<'GDB'
info registers rip
kill
GDB
	vm_wait
	w="$p: gdb after a detach"
	expect_gdb_re "$w" "^rip +0x[0-9a-f]+"
	expect_gdb "$w" "[Inferior 1 (Remote target) killed]"
	expect_rc "$w" 137
	expect_err "$w" "killed by the debugger"
done
finish
