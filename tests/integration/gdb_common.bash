# SPDX-License-Identifier: MIT
# Helpers for tests/integration/gdb_*.sh (sourced, after boot_common.bash):
# a minivmm with --gdb in the background and the real gdb in batch mode
# against it, both bounded in time so nothing can hang `make check`.

require_gdb() {
	if ! command -v gdb >/dev/null; then
		echo "skipped: gdb is not installed (Debian package gdb)"
		exit 77
	fi
}

# vm_start NAME -- ARGS...: minivmm ARGS in the background (VM_PID), with
# OUT/ERR files; --gdb unix:$SOCK is added by the caller. Waits until
# the socket exists (at most 10 s).
vm_start() {
	local name=$1 i
	shift 2
	OUT=$BOOT_TMP/$name.out
	ERR=$BOOT_TMP/$name.err
	SOCK=$BOOT_TMP/$name.sock
	timeout -k 5 60 "$MINIVMM" --gdb "unix:$SOCK" "$@" </dev/null >"$OUT" 2>"$ERR" &
	VM_PID=$!
	for i in $(seq 100); do
		[ -S "$SOCK" ] && return 0
		sleep 0.1
	done
	fail "$name: minivmm never listened on $SOCK ($(head -c 300 "$ERR"))"
	return 1
}

# vm_wait: exit status of the background minivmm into RC (bounded by its timeout).
vm_wait() {
	wait "$VM_PID"
	RC=$?
}

# gdb_batch NAME ELF: gdb -batch with the commands on stdin (a file), 30 s bound;
# GDB_OUT holds everything gdb printed.
gdb_batch() {
	local name=$1 elf=$2
	GDB_CMDS=$BOOT_TMP/$name.gdb
	GDB_OUT=$BOOT_TMP/$name.gdb.out
	{
		echo "set pagination off"
		echo "set confirm off"
		echo "target remote $SOCK"
		cat
	} >"$GDB_CMDS"
	timeout -k 5 30 gdb -batch -nx -x "$GDB_CMDS" "$elf" </dev/null >"$GDB_OUT" 2>&1
	GDB_RC=$?
}

expect_gdb() { # WHAT FIXED-STRING
	grep -qF -- "$2" "$GDB_OUT" || { fail "$1: gdb did not print '$2' (got: $(tail -c 800 "$GDB_OUT"))"; return 1; }
}

expect_gdb_re() { # WHAT EXTENDED-REGEX
	LC_ALL=C grep -qE -- "$2" "$GDB_OUT" || { fail "$1: gdb output lacks /$2/ (got: $(tail -c 800 "$GDB_OUT"))"; return 1; }
}

# The address of SYMBOL in ELF in lowercase hex without 0x or leading zeros,
# from nm (not from minivmm or gdb).
sym_addr() {
	local a
	a=$(nm "$1" | awk -v s="$2" '$3 == s { print $1; exit }')
	[ -n "$a" ] && printf '%x\n' "0x$a"
}
