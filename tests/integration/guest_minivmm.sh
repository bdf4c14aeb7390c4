#!/bin/bash
# SPDX-License-Identifier: MIT
# The bundled guests under ./minivmm, on every provider present (kvm when
# /dev/kvm opens, soft always): each must print the SAME text as under
# QEMU microvm TCG (run here as the reference when installed, else the
# guest's expected text) and exit with the guest's own isa-debug-exit code.
# Independent checks on top: the banner line, and cpubench's checksum
# against the host CPU.
#
# Skips (exit 77, reason printed): no ./minivmm. The soft provider is never
# skipped (tests/integration/providers.bash): if it cannot start a guest,
# every case fails; kvm is skipped only when /dev/kvm is absent. On kvm, a case that QEMU
# -accel kvm on this same host cannot run either is a limitation of the
# host's KVM (e.g. the PVM module here fails INT n and ring-3 syscall), and
# is reported as skipped with that evidence rather than failed.
set -u
cd "$(dirname "$0")/../.." || exit 1
. guest-kernels/testlib.sh

if [ ! -x "$MINIVMM" ]; then
	echo "skipped: $MINIVMM is not built yet"
	exit 77
fi
build_guests
. tests/integration/providers.bash
test_providers

# The reference text of each case: QEMU's output when QEMU is installed.
reference_for() { # NAME ELF APPEND WANT_RC -> $GUEST_TMP/NAME.ref
	expected_text "$1" "$3" >"$GUEST_TMP/$1.ref"
	if have_qemu; then
		run_qemu "$2" "$3" "$GUEST_TMP/$1.qemu"
		if [ "$RUN_RC" != "$4" ] || ! cmp -s "$GUEST_TMP/$1.qemu" "$GUEST_TMP/$1.ref"; then
			echo "FAIL: $1: the QEMU reference itself is off (see guest_qemu.sh)"
			return 1
		fi
		cp "$GUEST_TMP/$1.qemu" "$GUEST_TMP/$1.ref"
		REF_NAME="QEMU microvm TCG"
	else
		REF_NAME="expected text (qemu-system-x86_64 not installed)"
	fi
}

# Does QEMU -accel kvm on this host fail the case the same way?
host_kvm_cannot_run() { # NAME ELF APPEND WANT_RC
	have_qemu || return 1
	GUEST_TIMEOUT=15 QEMU_ACCEL=kvm run_qemu "$2" "$3" "$GUEST_TMP/$1.qemukvm"
	[ "$RUN_RC" != "$4" ] || ! cmp -s "$GUEST_TMP/$1.qemukvm" "$GUEST_TMP/$1.ref"
}

# check_case NAME PROVIDER APPEND WANT_RC OUT: print every problem, nothing when it is right.
check_case() {
	if [ "$RUN_RC" != "$4" ]; then
		echo "FAIL: $1 on $2: exit status $RUN_RC, want $4"
		sed 's/^/  minivmm stderr: /' "$5.err" | head -8
	fi
	same_text "$1 on $2 vs $REF_NAME" "$GUEST_TMP/$1.ref" "$5" || true
	# Independent of the reference: the banner, and cpubench's checksum.
	head -1 "$5" | grep -qx 'minivmm [a-z]* guest' ||
		echo "FAIL: $1 on $2: no banner on the first line"
	if [ "$1" = cpubench ] && ! grep -qxF "$("$GUEST_TMP/cpubench-check" "${3#iters=}")" "$5"; then
		echo "FAIL: $1 on $2: checksum differs from the host CPU's"
	fi
}

host_kvm_module() {
	local m
	for m in /sys/module/kvm_*; do
		[ -e "$m" ] && printf '%s ' "${m##*/}"
	done
}

fail=0 passed=0 skipped=0
for c in "${GUEST_CASES[@]}"; do
	IFS='|' read -r name elf append want_rc <<<"$c"
	reference_for "$name" "$elf" "$append" "$want_rc" || { fail=1; continue; }
	for p in "${PROVIDERS[@]}"; do
		out="$GUEST_TMP/$name.$p"
		run_minivmm "$p" "$elf" "$append" "$out"
		check_case "$name" "$p" "$append" "$want_rc" "$out" >"$out.problems"
		if [ -s "$out.problems" ] && [ "$p" = kvm ] &&
			host_kvm_cannot_run "$name" "$elf" "$append" "$want_rc"; then
			echo "skipped: $name on kvm: this host's KVM cannot run it either under QEMU -accel kvm" \
				"(QEMU: guest exit code $RUN_RC; host module: $(host_kvm_module))"
			sed -n 's/^FAIL: /  minivmm: /p' "$out.problems"
			skipped=$((skipped + 1))
		elif [ -s "$out.problems" ]; then
			cat "$out.problems"
			fail=1
		else
			echo "ok: $name on $p (exit status $want_rc, same text as $REF_NAME)"
			passed=$((passed + 1))
		fi
	done
done
echo "guest_minivmm: $passed passed, $skipped skipped"
[ $fail -ne 0 ] && exit 1
[ $passed -eq 0 ] && exit 77
exit 0
