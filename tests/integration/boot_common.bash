# SPDX-License-Identifier: MIT
# Helpers for tests/integration/boot_*.sh (sourced): which providers to run
# on, and running ./minivmm with a time bound, capturing stdout, stderr and
# the exit status.
MINIVMM=${MINIVMM:-./minivmm}
BOOT_TMP=$(mktemp -d "${TMPDIR:-/tmp}/boot-test.XXXXXX")
trap 'rm -rf "$BOOT_TMP"' EXIT
FAILS=0

fail() {
	echo "FAIL: $*"
	FAILS=$((FAILS + 1))
}

# Providers to test: kvm when /dev/kvm opens read-write; soft always (a
# soft provider that cannot run the guest is a failure, not a skip).
providers() {
	PROVIDERS=(soft)
	if (exec 3<>/dev/kvm) 2>/dev/null; then
		PROVIDERS=(kvm soft)
	else
		echo "skipped: kvm provider: no /dev/kvm (cannot open it read-write)"
	fi
}

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
