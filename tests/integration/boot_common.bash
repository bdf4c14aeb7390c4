# SPDX-License-Identifier: MIT
# Helpers for tests/integration/boot_*.sh (sourced): which providers to run
# on, and running ./minivmm with a time bound, capturing stdout, stderr and
# the exit status.
MINIVMM=${MINIVMM:-./minivmm}
BOOT_TMP=$(mktemp -d "${TMPDIR:-/tmp}/boot-test.XXXXXX")
trap 'rm -rf "$BOOT_TMP"' EXIT
FAILS=0

# Skip (77) when the binary is not there: integration runs after `make all`.
require_minivmm() {
	if [ ! -x "$MINIVMM" ]; then
		echo "skipped: $MINIVMM is not built (run make all)"
		exit 77
	fi
}

# asm_guest NAME [ADDRESS]: link $BOOT_TMP/NAME.S (written by the caller) into
# $BOOT_TMP/NAME.elf with .text at ADDRESS (default 1 MiB), entry _start.
asm_guest() {
	gcc -nostdlib -static -no-pie -Wl,-Ttext="${2:-0x100000}" -Wl,-e,_start \
		-Wl,--build-id=none -Wl,-z,max-page-size=4096 -Wl,--no-warn-rwx-segments \
		-o "$BOOT_TMP/$1.elf" "$BOOT_TMP/${3:-$1}.S" ||
		{ echo "FAIL: cannot assemble test guest $1"; exit 1; }
}

fail() {
	echo "FAIL: $*"
	FAILS=$((FAILS + 1))
}

# Providers to test: test_providers sets PROVIDERS (soft always, never skipped).
. "$(dirname "${BASH_SOURCE[0]}")/providers.bash"

# run NAME -- ARGS...: runs minivmm with stdin from /dev/null, 30 s bound;
# sets RC, OUT (file), ERR (file). Carriage returns are dropped from OUT.
run() {
	local name=$1
	shift 2
	OUT=$BOOT_TMP/$name.out
	ERR=$BOOT_TMP/$name.err
	timeout -k 5 30 "$MINIVMM" "$@" </dev/null >"$OUT.raw" 2>"$ERR"
	RC=$?
	tr -d '\r' <"$OUT.raw" >"$OUT"
}

expect_rc() { # WHAT WANT
	if [ "$RC" != "$2" ]; then
		fail "$1: exit status $RC, want $2 (stderr: $(head -c 600 "$ERR"))"
		return 1
	fi
}

expect_out() { # WHAT FIXED-STRING
	grep -qF -- "$2" "$OUT" || { fail "$1: stdout lacks '$2' (got: $(head -c 300 "$OUT"))"; return 1; }
}

expect_err() { # WHAT FIXED-STRING
	grep -qF -- "$2" "$ERR" || { fail "$1: stderr lacks '$2' (got: $(head -c 600 "$ERR"))"; return 1; }
}

finish() {
	if [ "$FAILS" -ne 0 ]; then
		echo "$FAILS failure(s)"
		exit 1
	fi
	echo "ok"
	exit 0
}
