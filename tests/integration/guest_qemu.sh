#!/bin/bash
# SPDX-License-Identifier: MIT
# The bundled guests under QEMU 7.2 microvm (TCG), the reference machine:
# each must print exactly its expected text and exit with its own code
# through isa-debug-exit. Skipped when qemu-system-x86_64 is not installed.
set -u
cd "$(dirname "$0")/../.." || exit 1
. guest-kernels/testlib.sh

if ! have_qemu; then
	echo "skipped: qemu-system-x86_64 not installed (apt-get install qemu-system-x86)"
	exit 77
fi
build_guests

fail=0
for c in "${GUEST_CASES[@]}"; do
	IFS='|' read -r name elf append want_rc <<<"$c"
	ok=1
	expected_text "$name" "$append" >"$GUEST_TMP/$name.want"
	run_qemu "$elf" "$append" "$GUEST_TMP/$name.qemu"
	if [ "$RUN_RC" != "$want_rc" ]; then
		echo "FAIL: $name under QEMU: guest exit code $RUN_RC, want $want_rc"
		sed 's/^/  qemu stderr: /' "$GUEST_TMP/$name.qemu.err" | head -5
		ok=0
	fi
	if ! same_text "$name under QEMU" "$GUEST_TMP/$name.want" "$GUEST_TMP/$name.qemu"; then
		ok=0
	fi
	[ $ok -eq 0 ] && fail=1
	[ $ok -eq 1 ] && echo "ok: $name under QEMU (exit code $RUN_RC, $(wc -l <"$GUEST_TMP/$name.qemu") lines)"
done
exit $fail
