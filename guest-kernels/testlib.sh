# SPDX-License-Identifier: MIT
# Helpers shared by tests/integration/guest_*.sh (sourced, not run).
# shellcheck disable=SC2034  # GUEST_CASES and RUN_RC are read by the sourcing scripts
# Every run is bounded by timeout(1); the serial output is kept with the
# UART's "\r\n" turned into "\n" so texts compare line by line.

GUEST_TIMEOUT=${GUEST_TIMEOUT:-30}
MINIVMM=${MINIVMM:-./minivmm}
# A guest stuck in a fault loop prints forever: keep the first 256 KiB only
# (the VMM then dies of SIGPIPE, which counts as a failure).
GUEST_OUTPUT_MAX=262144
GUEST_TMP=$(mktemp -d "${TMPDIR:-/tmp}/guest-test.XXXXXX")
trap 'rm -rf "$GUEST_TMP"' EXIT

# The cases every guest test runs: NAME|ELF|APPEND|guest exit code.
# The expected text is guest-kernels/GUEST/expected.txt (checked by hand
# against the SDM: #PF error codes 0x2 and 0x5, #GP(0x48) for selector 0x4b),
# or for cpubench the banner, the iters line and the checksum the host CPU
# computes from the same workload source.
GUEST_CASES=(
	"hello|guest-kernels/hello.elf|x y|0"
	"hello-noargs|guest-kernels/hello.elf||0"
	"rings|guest-kernels/rings.elf||0"
	"cpubench|guest-kernels/cpubench.elf|iters=300|0"
	"cpubench-badargs|guest-kernels/cpubench.elf|iters=12q|2"
)

have_qemu() {
	command -v qemu-system-x86_64 >/dev/null 2>&1
}

# build_guests: the ELF files, the host checksum tool.
build_guests() {
	make -s guests >"$GUEST_TMP/make.log" 2>&1 || {
		cat "$GUEST_TMP/make.log"
		echo "FAIL: building the guests"
		exit 1
	}
	gcc -O2 -Wall -Wextra -Werror -o "$GUEST_TMP/cpubench-check" \
		guest-kernels/cpubench/host/check.c guest-kernels/cpubench/workload.c || {
		echo "FAIL: building the host cpubench checker"
		exit 1
	}
}

# expected_text NAME APPEND: what the guest must print, on stdout.
expected_text() {
	case "$1" in
	hello)
		cat guest-kernels/hello/expected.txt ;;
	hello-noargs)
		sed 's/^cmdline: .*/cmdline: ""/' guest-kernels/hello/expected.txt ;;
	rings)
		cat guest-kernels/rings/expected.txt ;;
	cpubench)
		echo "minivmm cpubench guest"
		echo "cpubench: ${2}"
		"$GUEST_TMP/cpubench-check" "${2#iters=}" ;;
	cpubench-badargs)
		echo "minivmm cpubench guest"
		echo "cpubench: bad iters= on the command line" ;;
	esac
}

# run_qemu ELF APPEND OUT: QEMU microvm with TCG (QEMU_ACCEL overrides); sets RUN_RC to the guest's
# own code ((status - 1) / 2 for isa-debug-exit), or to "qemu:STATUS" otherwise.
run_qemu() {
	local rc accel=${QEMU_ACCEL:-tcg}
	timeout "$GUEST_TIMEOUT" qemu-system-x86_64 -accel "$accel" -M microvm -nodefaults \
		-no-user-config -display none -serial stdio \
		-device isa-debug-exit,iobase=0xf4,iosize=4 \
		-kernel "$1" -append "$2" </dev/null 2>"$3.err" | head -c $GUEST_OUTPUT_MAX >"$3.raw"
	rc=${PIPESTATUS[0]}
	tr -d '\r' <"$3.raw" >"$3"
	if [ $((rc % 2)) -eq 1 ]; then
		RUN_RC=$(((rc - 1) / 2))
	else
		RUN_RC="qemu:$rc"
	fi
}

# run_minivmm ACCEL ELF APPEND OUT: sets RUN_RC to minivmm's exit status.
run_minivmm() {
	timeout "$GUEST_TIMEOUT" "$MINIVMM" --accel "$1" -a "$3" "$2" </dev/null 2>"$4.err" |
		head -c $GUEST_OUTPUT_MAX >"$4.raw"
	RUN_RC=${PIPESTATUS[0]}
	tr -d '\r' <"$4.raw" >"$4"
}

# same_text LABEL EXPECTED ACTUAL: 0 when equal, else a diff and 1.
same_text() {
	if cmp -s "$2" "$3"; then
		return 0
	fi
	echo "FAIL: $1: output differs (expected vs actual):"
	diff -u "$2" "$3" | head -40
	return 1
}
