#!/bin/bash
# SPDX-License-Identifier: MIT
# The CMOS RTC through the real binary, under the sandbox: a guest reads
# the minutes register (BCD) and exits with it, which must be the host's
# UTC minute (date(1) just before and after, so a minute boundary in
# between is allowed); a guest that enables the periodic interrupt (PIE,
# which starts the RTC's timer thread while the sandbox is on) and polls
# register C until PF shows must see it and exit cleanly.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/boot_common.bash

require_minivmm
cat >"$BOOT_TMP/minutes.S" <<'S'
	.globl _start
_start:	mov $0x02, %al		/* minutes */
	out %al, $0x70
	in $0x71, %al
	out %al, $0xf4
S
cat >"$BOOT_TMP/periodic.S" <<'S'
	.globl _start
_start:	mov $0x0b, %al		/* register B: PIE, 24-hour, BCD */
	out %al, $0x70
	mov $0x42, %al
	out %al, $0x71
	mov $0x0c, %al		/* register C until PF (0x40) */
	out %al, $0x70
1:	in $0x71, %al
	test $0x40, %al
	jz 1b
	mov $0x40, %al
	out %al, $0xf4
S
asm_guest minutes
asm_guest periodic

test_providers
for p in "${PROVIDERS[@]}"; do
	before=$((10#$(date -u +%M)))
	run "$p-minutes" -- --accel "$p" "$BOOT_TMP/minutes.elf"
	after=$((10#$(date -u +%M)))
	got=$(printf '%x' "$RC") # BCD: the hex digits are the decimal minute
	if [ "$((10#$got))" != "$before" ] && [ "$((10#$got))" != "$after" ]; then
		fail "$p: RTC minutes 0x$got (status $RC), host says $before..$after"
	fi
	run "$p-periodic" -- --accel "$p" --timeout 10 "$BOOT_TMP/periodic.elf"
	expect_rc "$p: periodic flag with PIE, sandboxed timer thread" 64
done
finish
