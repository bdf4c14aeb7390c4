#!/bin/bash
# SPDX-License-Identifier: MIT
# The machine model and the run loop, end to end, with tiny guests written
# here in assembly (built with the host gcc): each checks one behaviour the
# man page promises (exit statuses, devices, string I/O, MMIO, HLT, crash,
# timeout, signals, serial input) on every provider present.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/boot_common.bash

require_minivmm

# 64-bit guests (no PVH note): entered in long mode, RDI = start_info.
EXIT='mov $0, %al; out %al, $0xf4'
cat >"$BOOT_TMP/exit42.S" <<'S'
	.globl _start
_start:	mov $42, %al
	out %al, $0xf4
	jmp .
S
cat >"$BOOT_TMP/uart.S" <<S
	.globl _start
_start:	mov \$0x3f8, %dx
	mov \$'A', %al
	out %al, %dx
	mov \$'\n', %al
	out %al, %dx
	$EXIT
S
cat >"$BOOT_TMP/outsb.S" <<S
	.globl _start
_start:	lea msg(%rip), %rsi
	mov \$(end - msg), %ecx
	mov \$0x3f8, %dx
	rep outsb
	$EXIT
msg:	.ascii "string I/O: rep outsb reached the UART\n"
end:
S
cat >"$BOOT_TMP/insb.S" <<'S'
	.globl _start
_start:	lea buf(%rip), %rdi
	movl $0, (%rdi)
	mov $4, %ecx
	mov $0x2e8, %dx		/* no device: every byte reads as 0xff */
	rep insb
	cmpl $0xffffffff, buf(%rip)
	jne 1f
	mov $0, %al
	out %al, $0xf4
1:	mov $1, %al
	out %al, $0xf4
	.data
buf:	.long 0
S
cat >"$BOOT_TMP/unclaimed.S" <<'S'
	.globl _start
_start:	mov $0x2e8, %dx
	in %dx, %al
	out %al, $0xf4		/* exit status = what the unclaimed port read */
S
cat >"$BOOT_TMP/mmio.S" <<'S'
	.globl _start
_start:	mov $0xd0f00000, %rbx	/* in the MMIO hole, identity mapped, no device */
	movl $0x12345678, (%rbx)	/* dropped */
	mov (%rbx), %eax
	cmp $0xffffffff, %eax
	jne 1f
	mov $0, %al
	out %al, $0xf4
1:	mov $1, %al
	out %al, $0xf4
S
cat >"$BOOT_TMP/startinfo64.S" <<'S'
	.globl _start
_start:	cmpl $0x336ec578, (%rdi)	/* start_info magic, RDI as promised */
	jne 1f
	mov 16(%rdi), %rbx		/* modlist_paddr ... */
	mov 24(%rdi), %rsi		/* cmdline_paddr */
	cmpb $'Q', (%rsi)
	jne 1f
	mov $0, %al
	out %al, $0xf4
1:	mov $1, %al
	out %al, $0xf4
S
cat >"$BOOT_TMP/hlt.S" <<'S'
	.globl _start
_start:	cli
	hlt
	mov $9, %al
	out %al, $0xf4
S
cat >"$BOOT_TMP/crash.S" <<'S'
	.globl _start
_start:	mov $0x1234abcd, %r12
	ud2			/* no IDT: #UD -> #DF -> triple fault */
S
cat >"$BOOT_TMP/reset.S" <<'S'
	.globl _start
_start:	mov $0xfe, %al
	out %al, $0x64
	jmp .
S
cat >"$BOOT_TMP/spin.S" <<'S'
	.globl _start
_start:	jmp .
S
# Echo serial input back until a newline, polling LSR.DR as a driver would.
cat >"$BOOT_TMP/echo.S" <<'S'
	.globl _start
_start:	mov $0x3fd, %dx
1:	in %dx, %al
	test $1, %al
	jz 1b
	mov $0x3f8, %dx
	in %dx, %al
	out %al, %dx
	mov $0x3fd, %dx
	cmp $'\n', %al
	jne 1b
	mov $0, %al
	out %al, $0xf4
S
# A PVH guest: 32-bit protected mode, EBX = start_info.
cat >"$BOOT_TMP/pvh.S" <<'S'
	.code32
	.globl _start
_start:	cmpl $0x336ec578, (%ebx)
	jne 1f
	mov %cr0, %eax
	test $0x80000000, %eax	/* paging off */
	jnz 1f
	mov $7, %al
	out %al, $0xf4
1:	mov $1, %al
	out %al, $0xf4
	.section .note.Xen, "a", @note
	.align 4
	.long 4, 4, 18		/* namesz, descsz, XEN_ELFNOTE_PHYS32_ENTRY */
	.asciz "Xen"
	.long _start
S
for g in exit42 uart outsb insb unclaimed mmio startinfo64 hlt crash reset spin echo pvh; do
	asm_guest $g
done

test_providers
for p in "${PROVIDERS[@]}"; do
	A=(--accel "$p")
	run "$p-exit42" -- "${A[@]}" "$BOOT_TMP/exit42.elf"
	expect_rc "$p: isa-debug-exit 42" 42

	run "$p-uart" -- "${A[@]}" "$BOOT_TMP/uart.elf"
	expect_rc "$p: uart" 0 && [ "$(cat "$OUT")" = "A" ] || fail "$p: uart: stdout '$(cat "$OUT")', want 'A'"

	run "$p-outsb" -- "${A[@]}" "$BOOT_TMP/outsb.elf"
	expect_rc "$p: rep outsb" 0 && expect_out "$p: rep outsb" "string I/O: rep outsb reached the UART"

	run "$p-insb" -- "${A[@]}" "$BOOT_TMP/insb.elf"
	expect_rc "$p: rep insb from an unclaimed port reads all ones" 0

	run "$p-unclaimed" -- "${A[@]}" -v "$BOOT_TMP/unclaimed.elf"
	expect_rc "$p: unclaimed port read" 255 && expect_err "$p: unclaimed named under -v" "0x2e8"

	run "$p-mmio" -- "${A[@]}" -v "$BOOT_TMP/mmio.elf"
	expect_rc "$p: unclaimed MMIO reads all ones" 0 &&
		expect_err "$p: unclaimed MMIO named under -v" "0xd0f00000"

	run "$p-si64" -- "${A[@]}" -a "Q=1" "$BOOT_TMP/startinfo64.elf"
	expect_rc "$p: 64-bit entry gets start_info in RDI" 0

	run "$p-pvh" -- "${A[@]}" "$BOOT_TMP/pvh.elf"
	expect_rc "$p: PVH entry gets start_info in EBX, paging off" 7

	run "$p-hlt" -- "${A[@]}" "$BOOT_TMP/hlt.elf"
	expect_rc "$p: hlt" 0 && expect_err "$p: hlt" "halted"

	run "$p-crash" -- "${A[@]}" "$BOOT_TMP/crash.elf"
	expect_rc "$p: triple fault" 5 && expect_err "$p: triple fault" "triple fault" &&
		expect_err "$p: register dump" "r12=0x000000001234abcd"

	run "$p-reset" -- "${A[@]}" "$BOOT_TMP/reset.elf"
	expect_rc "$p: i8042 reset" 0 && expect_err "$p: i8042 reset" "i8042"

	run "$p-timeout" -- "${A[@]}" --timeout 0.5 "$BOOT_TMP/spin.elf"
	expect_rc "$p: --timeout" 124 && expect_err "$p: --timeout" "timeout"

	OUT=$BOOT_TMP/$p-term.out ERR=$BOOT_TMP/$p-term.err
	timeout -k 5 --preserve-status -s TERM 0.5 "$MINIVMM" "${A[@]}" "$BOOT_TMP/spin.elf" \
		</dev/null >"$OUT" 2>"$ERR"
	RC=$?
	expect_rc "$p: SIGTERM" 143 && expect_err "$p: SIGTERM" "signal 15"

	OUT=$BOOT_TMP/$p-echo.out ERR=$BOOT_TMP/$p-echo.err
	printf 'ping over a pipe\n' | timeout -k 5 30 "$MINIVMM" "${A[@]}" "$BOOT_TMP/echo.elf" \
		>"$OUT" 2>"$ERR"
	RC=$?
	expect_rc "$p: serial input from a pipe" 0 && expect_out "$p: serial input" "ping over a pipe"
done
finish
