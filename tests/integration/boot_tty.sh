#!/bin/bash
# SPDX-License-Identifier: MIT
# The terminal: with stdin a terminal, minivmm puts it in raw mode (no echo,
# no canonical input, ISIG kept) while the guest runs, and gives back the
# exact settings on every way out: guest exit, --timeout, SIGTERM, SIGINT,
# and a fatal signal (minivmm dies of it, but not with a raw terminal).
# Uses a pseudo-terminal from python3's pty module.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/boot_common.bash

require_minivmm
if ! command -v python3 >/dev/null; then
	echo "skipped: python3 is not installed (needed for a pseudo-terminal)"
	exit 77
fi

cat >"$BOOT_TMP/spin.S" <<'S'
	.globl _start
_start:	jmp .
S
cat >"$BOOT_TMP/exit0.S" <<'S'
	.globl _start
_start:	mov $0, %al
	out %al, $0xf4
S
asm_guest spin
asm_guest exit0

# tty_case PROVIDER HOW WANT_STATUS: run minivmm on a pty; while it runs
# check raw mode; after it stops check the settings are back.
tty_case() {
	python3 - "$MINIVMM" "$1" "$2" "$3" "$BOOT_TMP" <<'PY'
import os, pty, signal, subprocess, sys, termios, time
minivmm, accel, how, want, tmp = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
master, slave = pty.openpty()
before = termios.tcgetattr(slave)
args = [minivmm, "--accel", accel]
guest = tmp + "/spin.elf"
if how == "exit":
    guest = tmp + "/exit0.elf"
elif how == "timeout":
    args += ["--timeout", "1"]
p = subprocess.Popen(args + [guest], stdin=slave, stdout=slave, stderr=subprocess.PIPE)
problems = []
if how != "exit":
    # Wait until minivmm has switched the terminal to raw mode (or gave up).
    raw = False
    for _ in range(100):
        lflag = termios.tcgetattr(slave)[3]
        if not (lflag & termios.ECHO) and not (lflag & termios.ICANON):
            raw = True
            break
        if p.poll() is not None:
            break
        time.sleep(0.01)
    if not raw:
        problems.append("terminal never went into raw mode (no ECHO, no ICANON)")
    elif not (termios.tcgetattr(slave)[3] & termios.ISIG):
        problems.append("raw mode dropped ISIG: Ctrl-C would not stop minivmm")
    if how == "term":
        p.send_signal(signal.SIGTERM)
    elif how == "int":
        p.send_signal(signal.SIGINT)
    elif how == "quit":
        p.send_signal(signal.SIGQUIT)  # stands for any fatal signal (a crash of minivmm)
try:
    err = p.communicate(timeout=20)[1].decode(errors="replace")
except subprocess.TimeoutExpired:
    p.kill()
    print("FAIL: %s/%s: minivmm did not stop" % (accel, how))
    sys.exit(1)
after = termios.tcgetattr(slave)
if after != before:
    problems.append("terminal settings not restored: %r -> %r" % (before, after))
if p.returncode != want:
    problems.append("exit status %d, want %d (stderr: %s)" % (p.returncode, want, err[:300]))
for m in problems:
    print("FAIL: %s/%s: %s" % (accel, how, m))
sys.exit(1 if problems else 0)
PY
	[ $? -eq 0 ] || FAILS=$((FAILS + 1))
}

test_providers
for p in "${PROVIDERS[@]}"; do
	tty_case "$p" exit 0
	tty_case "$p" timeout 124
	tty_case "$p" term 143
	tty_case "$p" int 130
	tty_case "$p" quit -3 # killed by SIGQUIT, after restoring the terminal
done
finish
