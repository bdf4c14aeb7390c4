#!/bin/bash
# SPDX-License-Identifier: MIT
# guest-kernels/fpmath.elf (double math and SSE2 string routines, built
# with gcc's x86-64 defaults) on every provider present: its text must be
# byte-identical to QEMU microvm TCG's and to the same computations run by
# the host CPU (guest-kernels/fpmath/host/check.c), exit status 0. And
# guest-kernels/fpbench.elf (x87 long double and SSE2 double work, the
# `make bench` guest): its text, checksum included, the same as QEMU's and
# as fpbench/host/check.c's for the same iters=.
# A provider whose CPUID lacks FXSR/SSE/SSE2 gets exit status 3 from the
# guest, which then ran no SSE code: a failure like any other (the soft
# CPU advertises them since issue 10; a provider never skips).
set -u
cd "$(dirname "$0")/../.." || exit 1
. guest-kernels/testlib.sh

if [ ! -x "$MINIVMM" ]; then
	echo "skipped: $MINIVMM is not built yet"
	exit 77
fi
build_guests
gcc -O2 -Wall -Wextra -Werror -fno-math-errno -o "$GUEST_TMP/fpmath-check" \
	guest-kernels/fpmath/host/check.c guest-kernels/fpmath/fp.c || {
	echo "FAIL: building the host fpmath checker"
	exit 1
}
gcc -O2 -Wall -Wextra -Werror -fno-math-errno -o "$GUEST_TMP/fpbench-check" \
	guest-kernels/fpbench/host/check.c guest-kernels/fpbench/work.c || {
	echo "FAIL: building the host fpbench checker"
	exit 1
}
. tests/integration/providers.bash
test_providers

FPBENCH_ITERS=40
{
	echo "minivmm fpmath guest"
	"$GUEST_TMP/fpmath-check"
} >"$GUEST_TMP/want.fpmath"
{
	echo "minivmm fpbench guest"
	echo "fpbench: iters=$FPBENCH_ITERS"
	"$GUEST_TMP/fpbench-check" $FPBENCH_ITERS
} >"$GUEST_TMP/want.fpbench"

fail=0 passed=0
# one_guest NAME CMDLINE: on QEMU (if installed) and every provider, against want.NAME
one_guest() {
	local name=$1 args=$2 elf=guest-kernels/$1.elf want=$GUEST_TMP/want.$1 p out

	if have_qemu; then
		run_qemu "$elf" "$args" "$GUEST_TMP/qemu.$name"
		if [ "$RUN_RC" != 0 ] || ! same_text "$name under QEMU vs the host CPU" "$want" "$GUEST_TMP/qemu.$name"; then
			echo "FAIL: $name under QEMU (guest exit code $RUN_RC)"
			fail=1
		else
			echo "ok: $name under QEMU microvm TCG: same text as the host CPU"
		fi
	else
		echo "skipped: $name: QEMU comparison: qemu-system-x86_64 not installed"
	fi
	for p in "${PROVIDERS[@]}"; do
		out="$GUEST_TMP/$name.$p"
		run_minivmm "$p" "$elf" "$args" "$out"
		if [ "$RUN_RC" != 0 ]; then
			echo "FAIL: $name on $p: exit status $RUN_RC, want 0"
			sed 's/^/  minivmm stderr: /' "$out.err" | head -8
			fail=1
		elif same_text "$name on $p vs the host CPU" "$want" "$out"; then
			echo "ok: $name on $p (same text as the host CPU)"
			passed=$((passed + 1))
		else
			fail=1
		fi
	done
}
one_guest fpmath ""
one_guest fpbench "iters=$FPBENCH_ITERS"
[ $fail -ne 0 ] && exit 1
[ $passed -eq 0 ] && exit 77
exit 0
