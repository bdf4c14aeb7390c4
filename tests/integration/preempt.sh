#!/bin/bash
# SPDX-License-Identifier: MIT
# Interrupts end to end with guest-kernels/preempt.elf: PIT ticks taken in
# HLT (a guest halted with interrupts on wakes on its timer), two tasks
# switched by the LAPIC timer, then serial input typed into a pseudo-
# terminal and taken by interrupt with every timer stopped (it wakes on
# serial input alone). The "preempt:" lines under minivmm must equal
# QEMU microvm's, the reference machine with the same PIC, PIT and LAPIC.
# A provider whose KVM API lacks the in-kernel irqchip (minivmm -v says
# "interrupt controllers: none") is skipped with that reason.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/boot_common.bash

require_minivmm
if ! command -v python3 >/dev/null; then
	echo "skipped: python3 is not installed (needed for a pseudo-terminal)"
	exit 77
fi
make -s guest-kernels/preempt.elf >"$BOOT_TMP/make.log" 2>&1 || {
	cat "$BOOT_TMP/make.log"
	echo "FAIL: building guest-kernels/preempt.elf"
	exit 1
}
GUEST=guest-kernels/preempt.elf
APPEND="preempt.ticks=200 preempt.calib=50 preempt.echo=5"
TYPED="hello"

# on_pty OUT CMD...: run CMD on a pty, type $TYPED once the guest waits for
# it, keep its output (\r removed) in OUT; prints the exit status.
on_pty() {
	python3 - "$TYPED" "$@" <<'PY'
import os, pty, select, subprocess, sys, time
typed, out, cmd = sys.argv[1], sys.argv[2], sys.argv[3:]
master, slave = pty.openpty()
p = subprocess.Popen(cmd, stdin=slave, stdout=slave, stderr=open(out + ".err", "wb"))
os.close(slave)
buf, sent, deadline = b"", False, time.time() + 120
while time.time() < deadline:
    r, _, _ = select.select([master], [], [], 0.2)
    if r:
        try:
            chunk = os.read(master, 4096)
        except OSError:
            break
        if not chunk:
            break
        buf += chunk
    if not sent and b"echo: waiting" in buf:
        os.write(master, typed.encode())
        sent = True
    if p.poll() is not None and not r:
        break
if p.poll() is None:
    p.kill()
p.wait()
open(out, "wb").write(buf.replace(b"\r", b""))
print(p.returncode)
PY
}

report() {
	grep '^preempt:' "$1" | sed 's/^preempt: echo: waiting.*//' | grep -v '^$'
}

if ! command -v qemu-system-x86_64 >/dev/null; then
	echo "skipped: qemu-system-x86_64 not installed (the reference report)"
	exit 77
fi
rc=$(on_pty "$BOOT_TMP/qemu.out" timeout 120 qemu-system-x86_64 -accel tcg -M microvm \
	-nodefaults -no-user-config -display none -serial stdio \
	-device isa-debug-exit,iobase=0xf4,iosize=4 -kernel "$GUEST" -append "$APPEND")
if [ "$rc" != 1 ]; then # QEMU reports (0 << 1) | 1
	echo "FAIL: preempt under QEMU: status $rc"
	sed 's/^/  /' "$BOOT_TMP/qemu.out" | tail -5
	exit 1
fi
report "$BOOT_TMP/qemu.out" >"$BOOT_TMP/qemu.report"
grep -q "got 5 bytes \"$TYPED\"" "$BOOT_TMP/qemu.report" || {
	echo "FAIL: QEMU's report lacks the echoed input"
	cat "$BOOT_TMP/qemu.report"
	exit 1
}
echo "ok: preempt under QEMU microvm: $(grep -c . "$BOOT_TMP/qemu.report") report lines"
grep '^measure:' "$BOOT_TMP/qemu.out" | sed 's/^/  qemu /'

cat >"$BOOT_TMP/exit0.S" <<'S'
	.globl _start
_start:	mov $0, %al
	out %al, $0xf4
S
asm_guest exit0
test_providers
for p in "${PROVIDERS[@]}"; do
	if "$MINIVMM" --accel "$p" -v "$BOOT_TMP/exit0.elf" 2>&1 >/dev/null </dev/null |
		grep -q 'interrupt controllers: none'; then
		echo "skipped: $p provider: its KVM API has no in-kernel irqchip (KVM_CAP_IRQCHIP) yet"
		continue
	fi
	rc=$(on_pty "$BOOT_TMP/$p.out" "$MINIVMM" --accel "$p" --timeout 100 -a "$APPEND" "$GUEST")
	if [ "$rc" != 0 ]; then
		echo "FAIL: preempt on $p: status $rc"
		sed 's/^/  /' "$BOOT_TMP/$p.out" "$BOOT_TMP/$p.out.err" | tail -8
		FAILS=$((FAILS + 1))
		continue
	fi
	report "$BOOT_TMP/$p.out" >"$BOOT_TMP/$p.report"
	if ! diff -u "$BOOT_TMP/qemu.report" "$BOOT_TMP/$p.report"; then
		echo "FAIL: preempt on $p: report differs from QEMU's (above)"
		FAILS=$((FAILS + 1))
		continue
	fi
	echo "ok: preempt on $p: same report as QEMU"
	grep '^measure:' "$BOOT_TMP/$p.out" | sed "s/^/  $p /"
done
finish
