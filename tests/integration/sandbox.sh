#!/bin/bash
# SPDX-License-Identifier: MIT
# The seccomp sandbox (on by default) on every provider that can run a
# guest: each legitimate path of the VMM runs under the filter and works.
# A missing rule would kill minivmm with SIGSYS (status 159) and the line
# "minivmm: sandbox: system call N ... is not allowed after set-up".
#  - disk: disktest writes, FLUSHes and reads back 2 MiB in 128 KiB
#    requests (merged reads of 256 KiB and more go half to the worker
#    thread), checked against the host's own pattern oracle; --stats JSON
#    to a file and text to stderr
#  - serial in/out: a guest echoes what arrives on stdin and exits with the
#    first byte as its status
#  - --timeout, SIGTERM, SIGINT while the guest spins; while it runs the
#    process is under a seccomp filter with no_new_privs (/proc)
#  - a guest crash (triple fault) with its register dump (x87/SSE state included)
#  - --sandbox off runs without a filter; a bad value is a usage error
#  - every thread is confined: the stdin reader (minivmm-serial) and the RTC
#    timer (minivmm-rtc) each under a second, narrower filter of its own
#    (/proc/PID/task/TID/status: Seccomp_filters 2, the vCPU thread 1), and
#    still doing their jobs (the echo goes through, the RTC's flag rises)
# The kill of a forbidden call (per thread too) is tests/unit/test_sandbox.c.
. "$(dirname "$0")/disk_common.bash"
need_python
need_minivmm_disk
"$MINIVMM" --help 2>&1 | grep -q -- '--sandbox' || skip "$MINIVMM has no --sandbox option yet"
usable_providers
ulimit -c 0 # a SIGSYS death would dump core

# asm NAME: assemble $DISK_TMP/NAME.S into the ELF64 guest $DISK_TMP/NAME.elf.
asm() {
	gcc -nostdlib -static -no-pie -Wl,-Ttext=0x100000 -Wl,-e,_start -Wl,--build-id=none \
		-Wl,-z,max-page-size=4096 -Wl,--no-warn-rwx-segments \
		-o "$DISK_TMP/$1.elf" "$DISK_TMP/$1.S" || skip "cannot assemble test guest $1"
}

# Echo COM1 input to COM1 until a newline; exit with the first byte.
cat >"$DISK_TMP/echo.S" <<'S'
	.globl _start
_start:	xor %ebx, %ebx
wait:	mov $0x3fd, %dx		/* LSR: data ready? */
	in %dx, %al
	test $1, %al
	jz wait
	mov $0x3f8, %dx		/* RBR */
	in %dx, %al
	test %bl, %bl
	jnz 1f
	mov %al, %bl
1:	out %al, %dx		/* THR */
	cmp $10, %al
	jne wait
	mov %bl, %al
	out %al, $0xf4
	hlt
S
# An empty IDT, then an exception: #UD -> #GP -> #DF -> triple fault.
cat >"$DISK_TMP/crash.S" <<'S'
	.globl _start
_start:	lidt idtr
	ud2
idtr:	.word 0
	.quad 0
S
# The RTC's periodic interrupt enabled (PIE: the timer thread starts); wait
# for its flag in register C, then spin until stopped.
cat >"$DISK_TMP/rtcspin.S" <<'S'
	.globl _start
_start:	mov $0x0b, %al
	out %al, $0x70
	mov $0x42, %al
	out %al, $0x71
	mov $0x0c, %al
	out %al, $0x70
1:	in $0x71, %al
	test $0x40, %al
	jz 1b
	mov $'F', %al		/* flag seen */
	mov $0x3f8, %dx
	out %al, %dx
	mov $10, %al
	out %al, %dx
2:	jmp 2b
S
asm echo
asm crash
asm rtcspin

# check_confined PID: the process runs under a seccomp filter with no_new_privs.
check_confined() {
	local st=/proc/$1/status
	grep -q '^Seccomp:[[:space:]]*2$' "$st" || problem "$p: pid $1 is not under a seccomp filter: $(grep Seccomp "$st")"
	grep -q '^NoNewPrivs:[[:space:]]*1$' "$st" || problem "$p: pid $1 lacks no_new_privs"
}

# spin_then PROVIDER SIGNAL WANT_RC [ARGS]: disktest spins after its FLUSH; send SIGNAL.
spin_then() {
	local prov=$1 sig=$2 want=$3 out=$DISK_TMP/spin-$1-$2 pid i
	shift 3
	make_image "$img" $((1 << 20)) 00
	"$MINIVMM" --accel "$prov" "$@" -d "$img" -a "disktest.sectors=64 disktest.mode=write disktest.hang=1" \
		"$DISKTEST" </dev/null >"$out" 2>"$out.err" &
	pid=$!
	for i in $(seq 300); do
		grep -q 'flush complete' "$out" 2>/dev/null && break
		sleep 0.1
	done
	if [ "$*" = "--sandbox off" ]; then
		grep -q '^Seccomp:[[:space:]]*0$' "/proc/$pid/status" || problem "$p: --sandbox off still filtered"
	else
		check_confined "$pid"
	fi
	[ "$sig" = none ] || kill -s "$sig" "$pid"
	wait "$pid"
	RUN_RC=$?
	[ "$RUN_RC" = "$want" ] || { problem "$p: $sig: exit $RUN_RC, want $want"; show "$out"; }
}

# thread_filters PID COMM: the number of seccomp filters on PID's thread named COMM.
thread_filters() {
	local t
	for t in /proc/"$1"/task/*; do
		[ "$(cat "$t/comm" 2>/dev/null)" = "$2" ] || continue
		awk '/^Seccomp_filters:/ { print $2 }' "$t/status"
		return
	done
	echo none
}

# wait_for FILE TEXT: up to 30 s.
wait_for() {
	local i
	for i in $(seq 300); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# The stdin reader and the RTC timer each under their own filter, doing their job.
device_threads() {
	local p=$1 out=$DISK_TMP/threads-$1 fifo=$DISK_TMP/fifo-$1 pid main i
	rm -f "$fifo"
	mkfifo "$fifo"
	"$MINIVMM" --accel "$p" "$DISK_TMP/echo.elf" <"$fifo" >"$out" 2>"$out.err" &
	pid=$!
	exec 7>"$fifo" # stdin stays open, empty: the guest waits for input
	for i in $(seq 300); do
		[ "$(thread_filters $pid minivmm-serial)" != none ] && break
		sleep 0.1
	done
	main=$(awk '/^Seccomp_filters:/ { print $2 }' /proc/$pid/status)
	[ "$main" = 1 ] || problem "$p: vCPU thread has $main seccomp filters, want 1"
	[ "$(thread_filters $pid minivmm-serial)" = 2 ] ||
		problem "$p: stdin reader: $(thread_filters $pid minivmm-serial) filters, want 2 (its own)"
	printf 'Zz\n' >&7
	exec 7>&-
	wait $pid
	RUN_RC=$?
	[ "$RUN_RC" = 90 ] && [ "$(tr -d '\r' <"$out")" = "Zz" ] ||
		{ problem "$p: echo through the narrowed reader: exit $RUN_RC"; show "$out"; }

	out=$DISK_TMP/rtc-$p
	"$MINIVMM" --accel "$p" "$DISK_TMP/rtcspin.elf" </dev/null >"$out" 2>"$out.err" &
	pid=$!
	if wait_for "$out" F; then
		[ "$(thread_filters $pid minivmm-rtc)" = 2 ] ||
			problem "$p: RTC timer: $(thread_filters $pid minivmm-rtc) filters, want 2 (its own)"
	else
		problem "$p: the RTC's periodic flag never rose under the sandbox"
	fi
	kill -TERM $pid
	wait $pid
	RUN_RC=$?
	[ "$RUN_RC" = 143 ] || { problem "$p: RTC guest after SIGTERM: exit $RUN_RC, want 143"; show "$out"; }
}

img=$DISK_TMP/disk.img
for p in "${PROVIDERS[@]}"; do
	device_threads "$p"

	# Disk I/O incl. the worker's big reads, FLUSH, --stats JSON to a file, -v.
	make_image "$img" $((4 << 20)) 00
	out=$DISK_TMP/disk-$p
	run_vm "$p" "$out" -v -d "$img" --stats=json:"$DISK_TMP/stats-$p.json" \
		-a "disktest.sectors=4096 disktest.req=131072 disktest.seed=5" "$DISKTEST"
	sum=$(pattern check "$img" 0 4096 5)
	if [ "$RUN_RC" != 0 ] || ! grep -qx 'disktest: flush complete' "$out"; then
		problem "$p: disk run under the sandbox: exit $RUN_RC"; show "$out"
	elif [ "$(guest_checksum "$out")" != "$sum" ]; then
		problem "$p: guest checksum '$(guest_checksum "$out")' != host '$sum'"
	fi
	grep -q '^minivmm: sandbox: on: ' "$out.err" || problem "$p: -v does not say the sandbox is on"
	python3 - "$DISK_TMP/stats-$p.json" "$p" <<'PY' || problem "$p: --stats JSON file"
import json, sys
s = json.load(open(sys.argv[1]))
assert s["provider"] == sys.argv[2], s["provider"]
assert s["exits"] > 0 and s["provider_counters"]["exits"] > 0, "no exits or no provider counters"
PY

	# --stats text goes to stderr.
	out=$DISK_TMP/hello-stats-$p
	run_vm "$p" "$out" --stats "$HELLO"
	[ "$RUN_RC" = 0 ] && grep -q 'hello: done' "$out" && grep -qi 'exits' "$out.err" ||
		{ problem "$p: --stats text under the sandbox: exit $RUN_RC"; show "$out"; }

	# Serial input from stdin, echoed out; the guest's exit status (0x51 = 'Q').
	out=$DISK_TMP/echo-$p
	printf 'Qrs\n' | timeout "$DISK_TIMEOUT" "$MINIVMM" --accel "$p" "$DISK_TMP/echo.elf" \
		>"$out" 2>"$out.err"
	RUN_RC=$?
	[ "$RUN_RC" = 81 ] && [ "$(tr -d '\r' <"$out")" = "Qrs" ] ||
		{ problem "$p: serial echo: exit $RUN_RC, output '$(cat "$out")'"; show "$out"; }

	# A crash: status 5 and the register dump (read from the provider after the run).
	out=$DISK_TMP/crash-$p
	run_vm "$p" "$out" "$DISK_TMP/crash.elf"
	# (the x87/SSE part of the dump too: FCW 037FH as reset left it, XMM15)
	[ "$RUN_RC" = 5 ] && grep -q 'triple fault' "$out.err" && grep -q 'rip=' "$out.err" &&
		grep -q 'fcw=0x037f' "$out.err" && grep -q 'xmm15=' "$out.err" ||
		{ problem "$p: crash: exit $RUN_RC"; show "$out"; }

	# --timeout, SIGTERM, SIGINT while the guest spins; --sandbox off has no filter.
	spin_then "$p" none 124 --timeout 2
	grep -q -- '--timeout expired' "$DISK_TMP/spin-$p-none.err" || problem "$p: --timeout message"
	spin_then "$p" TERM 143
	spin_then "$p" INT 130
	spin_then "$p" TERM 143 --sandbox off

	# --sandbox off says so; a bad value is one line and status 2.
	out=$DISK_TMP/off-$p
	run_vm "$p" "$out" -v --sandbox off "$HELLO"
	[ "$RUN_RC" = 0 ] && grep -q '^minivmm: sandbox: off' "$out.err" || problem "$p: --sandbox off"
done

out=$DISK_TMP/bad
run_vm soft "$out" --sandbox maybe "$HELLO"
[ "$RUN_RC" = 2 ] && [ "$(wc -l <"$out.err")" = 1 ] &&
	grep -q -- "--sandbox: 'maybe' is not on or off" "$out.err" || problem "--sandbox maybe: exit $RUN_RC"
# The --stats file is created before the guest starts (nothing is opened later).
run_vm soft "$out" --stats=json:"$DISK_TMP/no/such/dir/s.json" "$HELLO"
[ "$RUN_RC" = 2 ] && grep -q 'cannot write' "$out.err" && ! grep -q 'hello' "$out" ||
	problem "--stats to an unwritable path: exit $RUN_RC"

finish "sandbox on ${PROVIDERS[*]}"
