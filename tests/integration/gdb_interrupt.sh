#!/bin/bash
# SPDX-License-Identifier: MIT
# Ctrl-C in gdb stops a guest that is busy computing: cpubench with a
# workload far longer than the test runs. SIGINT goes to gdb (as the
# terminal would send it), gdb sends 0x03, the guest stops with SIGINT
# inside cpubench's workload (the backtrace names its functions, from
# the ELF's debug info), and gdb's kill ends minivmm with 128 + SIGKILL.
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
	vm_start "$p-intr" -- --accel "$p" --gdb-wait -a iters=100000000000 "$BENCH" || continue
	gdb_batch "$p-intr" "$BENCH" <<'GDB' &
continue
bt
kill
GDB
	GDB_JOB=$!
	# Ctrl-C once gdb has resumed the guest; again if it was not ready yet (bounded).
	for i in $(seq 20); do
		sleep 0.5
		gdb_pid=$(pgrep -P "$GDB_JOB" -x timeout | head -1)
		gdb_pid=$(pgrep -P "${gdb_pid:-$GDB_JOB}" -x gdb | head -1)
		[ -n "$gdb_pid" ] || break
		grep -q "received signal SIGINT" "$BOOT_TMP/$p-intr.gdb.out" 2>/dev/null && break
		[ "$i" -ge 2 ] && kill -INT "$gdb_pid" 2>/dev/null
	done
	wait "$GDB_JOB"
	GDB_OUT=$BOOT_TMP/$p-intr.gdb.out
	vm_wait
	w="$p: Ctrl-C"
	expect_gdb "$w" "Program received signal SIGINT, Interrupt."
	expect_gdb_re "$w" "#0 +(0x[0-9a-f]+ in )?[a-z0-9_]+ \\(.*guest-kernels/cpubench/"
	expect_gdb "$w" 'cpubench_run (iters=100000000000)'
	expect_gdb "$w" "[Inferior 1 (Remote target) killed]"
	expect_rc "$w" 137
	expect_err "$w" "killed by the debugger"
done
finish
