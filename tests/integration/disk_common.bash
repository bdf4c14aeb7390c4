# SPDX-License-Identifier: MIT
# Helpers for tests/integration/disk_*.sh (sourced, not run).
#
# The disk workload is guest-kernels/disktest.elf. Its pattern and checksum
# are recomputed on the host by guest-kernels/disktest/host/check.py, a
# Python oracle written from the pattern's definition (not from the guest
# code), and checked against the image file the VMM wrote.
# shellcheck disable=SC2034
set -u
cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 1

MINIVMM=${MINIVMM:-./minivmm}
DISKTEST=guest-kernels/disktest.elf
HELLO=guest-kernels/hello.elf
DISK_TIMEOUT=${DISK_TIMEOUT:-120}
DISK_TMP=$(mktemp -d "${TMPDIR:-/tmp}/disk-test.XXXXXX")
trap 'rm -rf "$DISK_TMP"' EXIT

skip() {
	echo "skipped: $*"
	exit 77
}

fail=0
problem() {
	echo "FAIL: $*"
	fail=1
}

need_python() {
	command -v python3 >/dev/null 2>&1 || skip "python3 is not installed (host-side image checks)"
}

need_minivmm_disk() {
	[ -x "$MINIVMM" ] || skip "$MINIVMM is not built yet"
	[ -f "$DISKTEST" ] || skip "$DISKTEST is not built yet"
}

# pattern check IMG START SECTORS SEED: print the checksum, or say where it differs (exit 1).
# pattern write IMG START SECTORS SEED: write the pattern into IMG (in place).
pattern() {
	python3 guest-kernels/disktest/host/check.py "$@"
}

# make_image PATH BYTES FILLBYTE: an image of BYTES bytes, every byte FILLBYTE (hex, e.g. ab).
make_image() {
	python3 -c "import sys; open(sys.argv[1],'wb').write(bytes([int(sys.argv[3],16)])*int(sys.argv[2]))" "$1" "$2" "$3"
}

# bytes_are PATH OFFSET LEN FILLBYTE: true when that range holds only FILLBYTE.
bytes_are() {
	python3 -c "
import sys
f = open(sys.argv[1], 'rb'); f.seek(int(sys.argv[2])); d = f.read(int(sys.argv[3]))
sys.exit(0 if len(d) == int(sys.argv[3]) and d == bytes([int(sys.argv[4], 16)]) * len(d) else 1)" "$@"
}

# run_vm PROVIDER OUT ARGS...: run minivmm; serial output in OUT ("\r" dropped), stderr in OUT.err.
run_vm() {
	local p=$1 out=$2
	shift 2
	timeout "$DISK_TIMEOUT" "$MINIVMM" --accel "$p" "$@" >"$out.raw" 2>"$out.err"
	RUN_RC=$?
	tr -d '\r' <"$out.raw" >"$out"
}

. "$(dirname "${BASH_SOURCE[0]}")/providers.bash"

# The providers to test (providers.bash: soft always, kvm when /dev/kvm
# opens). Each must boot the bundled hello guest first: one that cannot is
# a failure (exit 1), never a skip.
usable_providers() {
	local p
	test_providers
	for p in "${PROVIDERS[@]}"; do
		run_vm "$p" "$DISK_TMP/hello-$p" "$HELLO"
		if [ "$RUN_RC" != 0 ] || ! grep -q 'hello' "$DISK_TMP/hello-$p"; then
			echo "FAIL: $p provider cannot run $HELLO (exit $RUN_RC: $(head -1 "$DISK_TMP/hello-$p.err"))"
			exit 1
		fi
	done
}

# guest_checksum OUT: the checksum the guest printed.
guest_checksum() {
	sed -n 's/^disktest: read back .* checksum \([0-9a-f]*\)$/\1/p' "$1"
}

show() { # OUT: the guest's and minivmm's output, indented, for a failure report
	sed 's/^/    guest: /' "$1" | tail -12
	sed 's/^/    minivmm: /' "$1.err" | head -8
}

finish() {
	if [ "$fail" = 0 ]; then
		echo "PASS: $*"
		exit 0
	fi
	exit 1
}
