#!/bin/bash
# SPDX-License-Identifier: MIT
# rings.elf is linked in the higher half (0xffffffff80000000 + ...): gdb
# reads its memory through the guest's own page tables (KVM_TRANSLATE).
# The bytes gdb shows at guest_main must be the ELF's (objdump, not
# minivmm); an address the guest never mapped is an error, not a crash;
# after detach the guest runs to its normal end.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/boot_common.bash
. tests/integration/gdb_common.bash

RINGS=guest-kernels/rings.elf
require_minivmm
require_gdb
[ -f "$RINGS" ] || { echo "skipped: $RINGS is not built (run make all)"; exit 77; }
test_providers
MAIN=$(sym_addr "$RINGS" guest_main)
case "$MAIN" in ffffffff8*) ;; *) fail "guest_main of $RINGS is not in the higher half: $MAIN" ;; esac
# the first 8 code bytes of guest_main as "0x41 0x57 ...", from the ELF file
WANT=$(objdump -d --start-address="0x$MAIN" --stop-address="$(printf '0x%x' $((0x$MAIN + 8)))" "$RINGS" |
	awk -F'\t' '/^ *[0-9a-f]+:\t/ { print $2 }' | tr -s ' \n' ' ' | sed 's/ *$//; s/\([0-9a-f][0-9a-f]\)/0x\1/g')

for p in "${PROVIDERS[@]}"; do
	vm_start "$p-rings" -- --accel "$p" --gdb-wait "$RINGS" || continue
	gdb_batch "$p-rings" "$RINGS" <<'GDB'
hbreak guest_main
continue
x/8xb guest_main
print/x $cr3
print seen
print *(long *)0xffff800000000000
detach
GDB
	vm_wait
	w="$p: rings"
	expect_gdb "$w" "Breakpoint 1, guest_main"
	got=$(grep -F "<guest_main>:" "$GDB_OUT" | head -1 | cut -f2- | tr -s '\t ' ' ' | sed 's/^ *//; s/ *$//')
	[ "$got" = "${WANT:0:39}" ] || fail "$w: gdb read '$got' at guest_main, the ELF has '${WANT:0:39}'"
	expect_gdb "$w" "pf = 0, gp = 0"
	expect_gdb "$w" "Cannot access memory at address 0xffff800000000000"
	expect_rc "$w" 0
	expect_out "$w" "rings: all checks passed"

	# a software breakpoint on the higher half before the guest maps it (a debug
	# register stands in for the int3), then detach: the guest runs to its end
	vm_start "$p-detach" -- --accel "$p" --gdb-wait "$RINGS" || continue
	gdb_batch "$p-detach" "$RINGS" <<'GDB'
break guest_main
continue
detach
GDB
	vm_wait
	w="$p: detach"
	expect_gdb "$w" "Breakpoint 1, guest_main"
	expect_gdb "$w" "[Inferior 1 (Remote target) detached]"
	expect_rc "$w" 0
	expect_out "$w" "rings: all checks passed"
done
finish
