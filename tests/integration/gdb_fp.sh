#!/bin/bash
# SPDX-License-Identifier: MIT
# x87 and SSE registers through the debugger. gdbregs (guest-kernels/
# gdbregs) loads known values and stops at fp_loaded: gdb must read them
# as the guest's own source and the SDM say (ST0 = pi from FLDPI, FCW
# 0x37f after FNINIT, TOP = 7 after one push so FSW 0x3800, full tag word
# 0x3fff with only physical register 7 valid, xmm0 the pattern in fp.S,
# MXCSR 0x3f80), and the values gdb writes must be what the guest finds in
# its registers afterwards (it prints them itself).
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/boot_common.bash
. tests/integration/gdb_common.bash

GUEST=guest-kernels/gdbregs.elf
require_minivmm
require_gdb
[ -f "$GUEST" ] || { echo "skipped: $GUEST is not built (run make all)"; exit 77; }
test_providers

for p in "${PROVIDERS[@]}"; do
	vm_start "$p-fp" -- --accel "$p" --gdb-wait "$GUEST" || continue
	gdb_batch "$p-fp" "$GUEST" <<'GDB'
hbreak fp_loaded
continue
print $st0
print/x $fctrl
print/x $fstat
print/x $ftag
print/x $xmm0.uint128
print/x $mxcsr
set $xmm1.v4_int32 = {0x11111111, 0x22222222, 0x33333333, 0x44444444}
set $mxcsr = 0x1f80
set $st0 = 2.5
detach
GDB
	vm_wait
	w="$p: fp registers"
	expect_gdb "$w" "Breakpoint 1, "
	expect_gdb_re "$w" '^\$1 = 3\.14159265358979323[0-9]*$'
	expect_gdb "$w" '$2 = 0x37f'
	expect_gdb "$w" '$3 = 0x3800'
	expect_gdb "$w" '$4 = 0x3fff'
	expect_gdb "$w" '$5 = 0x123456789abcdeffedcba9876543210'
	expect_gdb "$w" '$6 = 0x3f80'
	expect_rc "$w" 0
	# 2.5 as a double is 0x4004000000000000
	expect_out "$w" "gdbregs: xmm1=0x44444444333333332222222211111111 mxcsr=0x1f80 st0=0x4004000000000000"
done
finish
