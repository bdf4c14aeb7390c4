#!/bin/bash
# SPDX-License-Identifier: MIT
# The bundled guest under ./minivmm on every provider present: banner,
# the command line echoed back from start_info, exit status 0, nothing on
# stdout with --serial none, and the verbose report of what was loaded.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/boot_common.bash

HELLO=guest-kernels/hello.elf
require_minivmm
if [ ! -f "$HELLO" ]; then
	echo "skipped: $HELLO is not built (run make all)"
	exit 77
fi
test_providers

for p in "${PROVIDERS[@]}"; do
	run "$p-hello" -- --accel "$p" -a "console=ttyS0 hello from the test" "$HELLO"
	expect_rc "$p: hello" 0
	expect_out "$p: hello" "minivmm hello guest"
	expect_out "$p: hello" 'cmdline: "console=ttyS0 hello from the test"'
	expect_out "$p: hello" "hello: done, exiting with 0"
	# A clean debug-exit 0 is silent on stderr.
	[ -s "$ERR" ] && fail "$p: hello: unexpected stderr: $(head -c 300 "$ERR")"

	run "$p-empty" -- --accel "$p" "$HELLO"
	expect_rc "$p: no --append" 0
	expect_out "$p: no --append" 'cmdline: ""'

	run "$p-none" -- --accel "$p" --serial none "$HELLO"
	expect_rc "$p: --serial none" 0
	[ -s "$OUT" ] && fail "$p: --serial none: the guest's output reached stdout"

	run "$p-verbose" -- --accel "$p" -v -m 32M "$HELLO"
	expect_rc "$p: --verbose" 0
	expect_err "$p: --verbose" "PVH 32-bit entry"
	expect_err "$p: --verbose" "32 MiB of RAM"
	expect_err "$p: --verbose" "isa-debug-exit (status 0)"

	# Input on a pipe does not disturb a guest that never reads it.
	OUT=$BOOT_TMP/$p-pipe.out
	echo "typed input" | timeout -k 5 30 "$MINIVMM" --accel "$p" "$HELLO" >"$OUT" 2>"$BOOT_TMP/$p-pipe.err"
	RC=$?
	ERR=$BOOT_TMP/$p-pipe.err
	expect_rc "$p: stdin on a pipe" 0
done
finish
