#!/bin/bash
# SPDX-License-Identifier: MIT
# Resets and --reboot, on every provider present (soft always), with small
# guests of this test's own: each prints "boot N" where N is a byte of its
# .data that it then increments, and resets the machine by the method its
# name says: the i8042 (0xfe to port 0x64), the ACPI reset register (0x06
# to 0xcf9, Linux's reboot=acpi) or a triple fault (an int3 with an empty
# IDT, which is what Linux's reboot=t does).
#  - Without --reboot: i8042 and ACPI resets end minivmm with status 0 and
#    one line naming the reset; a triple fault with status 5 (a crash: it
#    cannot be told from one) and the register dump.
#  - With --reboot=2: the guest boots three times, each time from its file
#    again (it prints "boot A" every time: its .data was reloaded, not kept),
#    two "restart k of 2" lines, then the third reset ends minivmm with that
#    reset's status (0, or 5 for the triple fault) and a line saying so.
#  - --timeout counts over all boots: a guest that resets forever under
#    --reboot=1000000 --timeout 2 ends with 124 after about 2 s.
#  - A guest that exits through isa-debug-exit under --reboot keeps its status;
#    SIGTERM to minivmm ends the running boot (143) and restarts nothing.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/boot_common.bash

require_minivmm
test_providers

guest() { # NAME RESET-INSTRUCTIONS
	cat >"$BOOT_TMP/$1.S" <<S
	.globl _start
_start:	lea msg(%rip), %rsi
1:	lodsb
	test %al, %al
	jz 2f
	mov \$0x3f8, %dx
	out %al, %dx
	jmp 1b
2:	incb count(%rip)
$2
	jmp .
	.data
msg:	.ascii "boot "
count:	.byte 'A'
	.byte '\\n', 0
S
	asm_guest "$1"
}
guest kbd '	mov $0xfe, %al
	out %al, $0x64'
guest acpi '	mov $0x06, %al
	mov $0xcf9, %dx
	out %al, %dx'
guest triple '	lidt zero_idt(%rip)
	int3
	.data
zero_idt: .word 0
	.quad 0
	.text'
cat >"$BOOT_TMP/exit7.S" <<'S'
	.globl _start
_start:	mov $7, %al
	out %al, $0xf4
S
asm_guest exit7
printf '\t.globl _start\n_start:\tjmp .\n' >"$BOOT_TMP/spin.S"
asm_guest spin

boots() { # WANT: number of "boot A" lines, and no other boot line
	local n
	n=$(grep -c '^boot A$' "$OUT")
	[ "$n" = "$1" ] && ! grep -v '^boot A$' "$OUT" | grep -q . ||
		fail "$2: want $1 times 'boot A', got: $(head -c 200 "$OUT")"
}

for p in "${PROVIDERS[@]}"; do
	for g in kbd acpi triple; do
		want=0
		[ $g = triple ] && want=5
		run "$p-$g" -- --accel "$p" "$BOOT_TMP/$g.elf"
		expect_rc "$p: $g reset" "$want"
		boots 1 "$p: $g reset"
		case $g in
		kbd) expect_err "$p: kbd" "reset the machine via the i8042" ;;
		acpi) expect_err "$p: acpi" "ACPI reset register" ;;
		triple) expect_err "$p: triple" "triple fault" && expect_err "$p: triple" "rip=" ;;
		esac

		run "$p-$g-reboot" -- --accel "$p" --reboot=2 "$BOOT_TMP/$g.elf"
		expect_rc "$p: $g --reboot=2" "$want"
		boots 3 "$p: $g --reboot=2"
		expect_err "$p: $g --reboot=2" "restart 1 of 2"
		expect_err "$p: $g --reboot=2" "restart 2 of 2"
		expect_err "$p: $g --reboot=2" "after 2 restarts, the most allowed: stopping (status $want)"
		grep -q 'rip=' "$ERR" && fail "$p: $g --reboot=2: a register dump for a reset"
	done

	start=$(date +%s%N)
	run "$p-forever" -- --accel "$p" --reboot=1000000 --timeout 2 "$BOOT_TMP/kbd.elf"
	took=$((($(date +%s%N) - start) / 1000000))
	expect_rc "$p: --timeout over all boots" 124
	[ "$took" -lt 10000 ] || fail "$p: --timeout 2 over reboots took $took ms"
	[ "$(grep -c '^boot A$' "$OUT")" -ge 2 ] || fail "$p: fewer than 2 boots in 2 s"

	run "$p-exit7" -- --accel "$p" --reboot "$BOOT_TMP/exit7.elf"
	expect_rc "$p: isa-debug-exit under --reboot" 7

	# SIGTERM to minivmm reaches the running boot and ends it: 143, no restart.
	"$MINIVMM" --accel "$p" --reboot "$BOOT_TMP/spin.elf" </dev/null >/dev/null 2>"$BOOT_TMP/term.err" &
	pid=$!
	sleep 1
	kill -TERM "$pid"
	wait "$pid"
	RC=$? ERR=$BOOT_TMP/term.err
	expect_rc "$p: SIGTERM under --reboot" 143
	expect_err "$p: SIGTERM under --reboot" "stopped by signal 15"
	grep -q restart "$ERR" && fail "$p: SIGTERM under --reboot restarted the guest"
done

# Usage errors: one line, status 2.
for bad in --reboot=0 --reboot=x --reboot=1000001 "--reboot --gdb tcp:0"; do
	# shellcheck disable=SC2086
	run usage -- $bad "$BOOT_TMP/kbd.elf"
	expect_rc "usage $bad" 2
	[ "$(wc -l <"$ERR")" -eq 1 ] || fail "usage $bad: $(wc -l <"$ERR") lines on stderr"
done
finish
