#!/bin/bash
# SPDX-License-Identifier: MIT
# The ACPI power registers the FADT describes, from a guest on every
# provider present, written the way Linux's poweroff and reboot write them:
# S5 (SLP_TYP 5 | SLP_EN to PM1a control, port 0x604) ends the VM with
# status 0, silently; the reset register (0x06 to port 0xcf9) with status 0
# and one line naming the reset; another sleep type does not end the VM.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/boot_common.bash

require_minivmm
test_providers

cat >"$BOOT_TMP/poweroff.S" <<'S'
	.globl _start
_start:	mov $0x604, %dx
	in %dx, %ax           /* SCI_EN reads as 1: always in ACPI mode */
	test $1, %ax
	jz bad
	mov $((5 << 10) | (1 << 13)), %ax
	out %ax, %dx
bad:	mov $7, %al
	out %al, $0xf4
S
cat >"$BOOT_TMP/reset.S" <<'S'
	.globl _start
_start:	mov $0x06, %al
	mov $0xcf9, %dx
	out %al, %dx
	mov $7, %al
	out %al, $0xf4
S
cat >"$BOOT_TMP/s1.S" <<'S'
	.globl _start
_start:	mov $0x604, %dx
	mov $((1 << 10) | (1 << 13)), %ax  /* S1: not offered, ignored */
	out %ax, %dx
	mov $9, %al
	out %al, $0xf4
S
for g in poweroff reset s1; do asm_guest "$g"; done

for p in "${PROVIDERS[@]}"; do
	run "$p-poweroff" -- --accel "$p" "$BOOT_TMP/poweroff.elf"
	expect_rc "$p: ACPI S5" 0
	[ -s "$ERR" ] && fail "$p: ACPI S5: stderr not empty: $(head -c 300 "$ERR")"
	run "$p-poweroff-v" -- --accel "$p" -v "$BOOT_TMP/poweroff.elf"
	expect_err "$p: ACPI S5 -v" "powered off (ACPI S5)"
	run "$p-reset" -- --accel "$p" "$BOOT_TMP/reset.elf"
	expect_rc "$p: ACPI reset" 0
	expect_err "$p: ACPI reset" "ACPI reset register"
	run "$p-s1" -- --accel "$p" "$BOOT_TMP/s1.elf"
	expect_rc "$p: S1 ignored" 9
done
finish
