#!/bin/bash
# SPDX-License-Identifier: MIT
# The integration tests themselves: a soft provider that cannot start a
# guest must FAIL them (exit 1), never pass or skip (77). A stand-in for
# ./minivmm that does what a broken soft CPU would (exit 4, "could not
# start the guest", no output) is run through the tests that boot guests
# (the bundled guests, disks, the OS-architecture guests, --stats).
set -u
cd "$(dirname "$0")/../.." || exit 1
if [ ! -x ./minivmm ]; then
	echo "skipped: ./minivmm is not built (run make all)"
	exit 77
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/soft-never-skips.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/minivmm" <<'EOS'
#!/bin/sh
echo "minivmm: KVM_CREATE_VM: Cannot allocate memory" >&2
exit 4
EOS
chmod +x "$tmp/minivmm"

fail=0
for t in boot_hello guest_minivmm disk_ro arch_minivmm stats_json; do
	MINIVMM="$tmp/minivmm" bash "tests/integration/$t.sh" >"$tmp/$t.log" 2>&1
	rc=$?
	if [ "$rc" = 0 ] || [ "$rc" = 77 ]; then
		echo "FAIL: $t with a soft provider that cannot start a guest: exit $rc, want a failure"
		sed 's/^/  /' "$tmp/$t.log" | tail -5
		fail=1
	fi
done
[ "$fail" = 0 ] && echo "PASS: a soft provider that cannot start a guest fails every boot test"
exit "$fail"
