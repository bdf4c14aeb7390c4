#!/bin/bash
# SPDX-License-Identifier: MIT
# HLT with and without interrupts. With an in-kernel irqchip HLT never
# exits to the VMM; a guest that halts with interrupts off must still end
# the VM at once with status 0 and the same message as without one (the
# idle tick looks at KVM_GET_MP_STATE and RFLAGS.IF), a guest that halts
# with interrupts on sleeps until --timeout (124) or a signal (128+N)
# stops it within a bound. Without an irqchip (a provider that lacks
# KVM_CAP_IRQCHIP) HLT with IF=1 ends the VM as before: nothing could
# wake it.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/boot_common.bash

require_minivmm
cat >"$BOOT_TMP/clihlt.S" <<'S'
	.globl _start
_start:	cli
	hlt
	jmp _start
S
cat >"$BOOT_TMP/stihlt.S" <<'S'
	.globl _start
_start:	sti
	hlt
	jmp _start
S
asm_guest clihlt
asm_guest stihlt

now_ms() { date +%s%3N; }

test_providers
for p in "${PROVIDERS[@]}"; do
	t0=$(now_ms)
	run "$p-cli" -- --accel "$p" -v "$BOOT_TMP/clihlt.elf"
	t=$(($(now_ms) - t0))
	expect_rc "$p: cli; hlt" 0 && expect_err "$p: cli; hlt" "guest halted with interrupts disabled"
	[ "$t" -lt 5000 ] || fail "$p: cli; hlt took $t ms to end the VM"
	if grep -q 'interrupt controllers: none' "$ERR"; then
		run "$p-sti" -- --accel "$p" "$BOOT_TMP/stihlt.elf"
		expect_rc "$p: sti; hlt without an irqchip" 0 &&
			expect_err "$p: sti; hlt without an irqchip" "no interrupt source exists"
		echo "skipped: $p provider: no in-kernel irqchip, so HLT with IF=1 cannot sleep"
		continue
	fi
	t0=$(now_ms)
	run "$p-sti" -- --accel "$p" --timeout 1 "$BOOT_TMP/stihlt.elf"
	t=$(($(now_ms) - t0))
	expect_rc "$p: sti; hlt sleeps until --timeout" 124
	[ "$t" -lt 3000 ] || fail "$p: --timeout 1 took $t ms to stop a halted guest"
	# A signal stops a sleeping vCPU too.
	timeout --preserve-status -s TERM 1 "$MINIVMM" --accel "$p" "$BOOT_TMP/stihlt.elf" </dev/null >/dev/null 2>&1
	RC=$?
	[ "$RC" = 143 ] || fail "$p: SIGTERM to a halted guest: status $RC, want 143"
done
finish
