#!/bin/bash
# SPDX-License-Identifier: MIT
# The real gdb against hello.elf through --gdb on every provider present:
# a breakpoint on a C function by symbol, an argument and a global, step
# and next, a hardware breakpoint, a watchpoint on a variable, the guest's
# exit status (W) after continue, and gdb making guest_main return 7 so the
# exit status it reports is the one gdb chose. Expected values come from
# the guest's source (the #UD handler bumps
# undefined_opcodes from 0 to 1; vector 6 is #UD in the SDM) and from the
# command line the test passes. All of it runs under the seccomp sandbox,
# which must be on while gdb is attached, and the socket file goes at the end.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/boot_common.bash
. tests/integration/gdb_common.bash

HELLO=guest-kernels/hello.elf
require_minivmm
require_gdb
[ -f "$HELLO" ] || { echo "skipped: $HELLO is not built (run make all)"; exit 77; }
test_providers

for p in "${PROVIDERS[@]}"; do
	vm_start "$p-break" -- --accel "$p" --gdb-wait -a "x y" "$HELLO" || continue
	# The guest waits for gdb inside the run: the seccomp filter is already on
	# (mode 2 in /proc/PID/status), and gdb's session below runs under it.
	vmm_pid=$(pgrep -P "$VM_PID" minivmm)
	grep -q '^Seccomp:[[:space:]]*2$' "/proc/$vmm_pid/status" ||
		fail "$p: --gdb runs without the sandbox ($(grep Seccomp: "/proc/$vmm_pid/status"))"
	gdb_batch "$p-break" "$HELLO" <<'GDB'
info registers rip
break guest_main
continue
print cmdline
print undefined_opcodes
next
next
step
bt 1
info registers cr0 efer
continue
GDB
	vm_wait
	w="$p: break/step/next"
	expect_gdb "$w" "<pvh_start32>"                   # --gdb-wait: stopped at the ELF entry
	expect_gdb "$w" "Breakpoint 1 at 0x"
	expect_gdb "$w" "Breakpoint 1, guest_main"
	expect_gdb "$w" '$1 = 0x'
	expect_gdb "$w" '"x y"'
	expect_gdb "$w" '$2 = 0'
	expect_gdb_re "$w" "^(#0  )?read_cr0 \\(\\)|in read_cr0"  # step entered the inline helper
	expect_gdb_re "$w" "efer +0x5[0-9a-f]{2}"       # LME|LMA: long mode (SDM)
	expect_gdb "$w" "[Inferior 1 (Remote target) exited normally]"
	expect_rc "$w" 0
	expect_out "$w" "hello: done, exiting with 0"
	[ ! -e "$SOCK" ] || fail "$w: the unix socket $SOCK is left behind under the sandbox"

	vm_start "$p-watch" -- --accel "$p" --gdb-wait "$HELLO" || continue
	gdb_batch "$p-watch" "$HELLO" <<'GDB'
hbreak guest_main
continue
delete
watch undefined_opcodes
continue
print tf->vector
delete
continue
GDB
	vm_wait
	w="$p: hbreak/watch"
	expect_gdb "$w" "Hardware assisted breakpoint 1 at"
	expect_gdb "$w" "Breakpoint 1, guest_main"
	expect_gdb "$w" "Hardware watchpoint 2: undefined_opcodes"
	expect_gdb "$w" "Old value = 0"
	expect_gdb "$w" "New value = 1"
	expect_gdb_re "$w" "on_invalid_opcode \\(tf=0x[0-9a-f]+\\)"
	expect_gdb "$w" '$1 = 6'
	expect_gdb "$w" "exited normally"
	expect_rc "$w" 0

	vm_start "$p-return" -- --accel "$p" --gdb-wait "$HELLO" || continue
	gdb_batch "$p-return" "$HELLO" <<'GDB'
break guest_main
continue
return 7
continue
GDB
	vm_wait
	w="$p: exit status chosen in gdb"
	expect_gdb "$w" "[Inferior 1 (Remote target) exited with code 07]"
	expect_rc "$w" 7
done
finish
