# SPDX-License-Identifier: MIT
# Helpers for tests/integration/arch_*.sh (sourced, not run): the
# OS-architecture guests (guest-kernels/{mono,micro,exo}) on one workload.
#
# The oracle is guest-kernels/lib/workload.py, written from the workload's
# definition in lib/workload.h: it prints the "workload:" lines a guest must
# print for the input area the test put on the image, and re-derives the
# output area and checksum from the image the guest wrote.
# shellcheck disable=SC2034
. "$(dirname "${BASH_SOURCE[0]}")/disk_common.bash"

ARCH_RECORDS=48
ARCH_EVERY=16
ARCH_OUT=64
ARCH_APPEND="workload.records=$ARCH_RECORDS workload.every=$ARCH_EVERY workload.out=$ARCH_OUT"

# The kernels, and per kernel the lines (extended regexps) that show its
# hostile programs were stopped, each of which must appear exactly once.
ARCHS=(mono micro exo)
arch_hostile_lines() {
	case "$1" in
	mono)
		# #PF error 0x5 = present | user read (SDM vol. 3, 4.7); #GP(0) for an
		# I/O port the TSS bitmap denies (SDM vol. 1, 18.5.2).
		echo '^mono: killed hostile-memory \(process 1\): #PF error 0x5 at user rip 0x[0-9a-f]+$'
		echo '^mono: killed hostile-port \(process 2\): #GP error 0x0 at user rip 0x[0-9a-f]+$'
		echo '^hostile: write\(kernel memory\) returned -14$' ;;
	micro)
		# The device window is mapped only in the block server: #PF error 0x4 =
		# not present | user read. COM1 is in the I/O bitmap only for the
		# serial server: #GP(0). -22: a message longer than the IPC window;
		# -1: the block server serves the file server only. Grants (micro/abi.h):
		# -14 for a page the caller does not own, -22 outside a call; a page
		# granted for a call is mapped in the callee (it read the pattern
		# hostile.c wrote) and gone after its reply (#PF, not present).
		echo '^micro: killed hostile-memory \(thread 4\): #PF error 0x4 at user rip 0x[0-9a-f]+$'
		echo '^micro: killed hostile-port \(thread 5\): #GP error 0x0 at user rip 0x[0-9a-f]+$'
		echo '^micro: killed hostile-grantee \(thread 6\): #PF error 0x4 at user rip 0x[0-9a-f]+$'
		echo '^hostile: oversized message returned -22$'
		echo '^hostile: block server write returned -1$'
		echo '^hostile: grant of a kernel address returned -14$'
		echo '^hostile: grant of GRANT_VA, holding none returned -14$'
		echo '^hostile: grant with a send returned -22$'
		echo '^hostile: grant of its own page returned 0$'
		echo '^hostile: the grantee read 0x6772616e74656421$' ;;
	exo)
		# Blocks and pages of the library OSes are bound to them: -1 is E_PERM;
		# the other's cache page is not mapped here: #PF error 0x4.
		echo '^hostile: block_read\(a block of libos-direct\) returned -1$'
		echo '^hostile: block_bind\(a block of libos-direct\) returned -1$'
		echo '^hostile: block_read\(a range wrapping past 2\^64\) returned -22$'
		echo '^hostile: page_free\(libos-batched.s cache page\) returned -1$'
		echo '^exo: killed hostile \(env 2\): #PF error 0x4 at user rip 0x[0-9a-f]+$'
		# The heir (exo/user/heir.c) is refused the library OSes' blocks while
		# they run and gets them, and every page of the pool (EXO_FRAMES, 32,
		# exo/abi.h) zeroed, once they have exited: their bindings were revoked.
		echo '^heir: block_bind\(the library OSes. areas, while they run\) returned -1$'
		echo '^heir: block_bind\(the library OSes. areas, after they exited\) returned 0$'
		echo '^heir: block_read\(libos-direct.s first output block\) returned 0$'
		echo '^heir: page_alloc gave 32 pages, all zeroed$'
		echo '^exo: library OS exits 0 and 0, heir 0, hostile programs killed 1$' ;;
	esac
}

# check_preemption ARCH LABEL OUT [required]: mono and micro preempt with the
# 8254 PIT when the machine has one (they say so): then a hostile program
# that never calls the kernel is killed by the timer after 5 ticks (HOG_TICKS
# in mono/main.c and micro/interrupts.c) and counts among the killed; without
# a PIT they stay cooperative and start no such program. "required": the
# machine has a PIT (QEMU microvm), so cooperative is a failure.
check_preemption() {
	local arch=$1 label=$2 out=$3 killed
	case "$arch" in
	mono) killed=2 ;;
	micro) killed=3 ;;
	*) return 0 ;;
	esac
	if grep -qE "^$arch: preemptive, PIT at 1000 Hz" "$out"; then
		[ "$(grep -cE "^$arch: killed hostile-hog \((process|thread) [0-9]\): 5 timer ticks without a system call$" "$out")" = 1 ] ||
			problem "$label: the timer did not stop the hog exactly once"
		killed=$((killed + 1))
	elif [ "${4:-}" = required ]; then
		problem "$label: not preemptive on a machine with a PIT"
	else
		grep -qE "^$arch: no PIT: cooperative" "$out" || problem "$label: says neither preemptive nor cooperative"
		grep -q "hostile-hog" "$out" && problem "$label: a hog ran without a timer"
	fi
	grep -qE "^$arch: workload exit 0, hostile programs killed $killed$" "$out" ||
		problem "$label: expected $killed hostile programs killed"
	return 0
}

wl() {
	python3 guest-kernels/lib/workload.py "$@"
}

# arch_image IMG: a 256 KiB image with the input records at sector 0.
arch_image() {
	rm -f "$1"
	wl fill "$1" 0 "$ARCH_RECORDS" 7 && truncate -s 256K "$1"
}

# check_exo_batched LABEL OUT IMG: exo's second library OS ran the workload on
# its own 16 records right after the main output area, with its own policy.
check_exo_batched() {
	local first=$((ARCH_OUT + ARCH_RECORDS)) sum want
	want=$(wl check "$3" "$first" $((first + 16)) 16) || problem "$1: libos-batched's output area: $want"
	sum=$(sed -n 's/^libos-batched: workload: done 16 records, checksum \([0-9a-f]*\)$/\1/p' "$2")
	[ -n "$sum" ] && [ "$sum" = "$want" ] || problem "$1: libos-batched checksum '$sum', image says '$want'"
	grep -q '^libos-batched: read-ahead hits 14 misses 2, write-behind flushes 2$' "$2" ||
		problem "$1: libos-batched did not batch 8 blocks per kernel call"
}

# check_arch_run ARCH LABEL OUT IMG: the run that wrote OUT (exit status in
# RUN_RC) and IMG printed what the oracle says and left the right image.
check_arch_run() {
	local arch=$1 label=$2 out=$3 img=$4 sum want_sum line
	if [ "$RUN_RC" != 0 ]; then
		problem "$label: exit status $RUN_RC, expected 0"
		show "$out"
		return
	fi
	wl expect "$img" 0 "$ARCH_OUT" "$ARCH_RECORDS" "$ARCH_EVERY" >"$out.expect"
	grep '^workload: ' "$out" >"$out.workload"
	cmp -s "$out.expect" "$out.workload" ||
		{ problem "$label: workload lines differ from the oracle"; diff "$out.expect" "$out.workload" | head; }
	want_sum=$(wl check "$img" 0 "$ARCH_OUT" "$ARCH_RECORDS") ||
		problem "$label: output area differs from the transform of the input: $want_sum"
	sum=$(sed -n 's/^workload: done [0-9]* records, checksum \([0-9a-f]*\)$/\1/p' "$out")
	[ -n "$sum" ] && [ "$sum" = "$want_sum" ] || problem "$label: checksum '$sum', image says '$want_sum'"
	[ "$(grep -c "^stats: arch=$arch records=$ARCH_RECORDS " "$out")" = 1 ] ||
		problem "$label: no single stats line"
	[ "$arch" != exo ] || check_exo_batched "$label" "$out" "$img"
	check_preemption "$arch" "$label" "$out" "${ARCH_NEED_PIT:-}"
	while read -r line; do
		[ "$(grep -cE "$line" "$out")" = 1 ] || { problem "$label: expected once: $line"; show "$out"; }
	done < <(arch_hostile_lines "$arch")
}

# arch_run_qemu ARCH IMG OUT [ACCEL]: the guest under QEMU microvm (TCG unless
# ACCEL) with IMG as its virtio-blk disk; RUN_RC = the guest's own exit code
# ((status - 1) / 2 for isa-debug-exit) or "qemu:STATUS".
arch_run_qemu() {
	local rc
	timeout "$DISK_TIMEOUT" qemu-system-x86_64 -accel "${4:-tcg}" -M microvm,acpi=off -nodefaults \
		-no-user-config -display none -serial stdio -device isa-debug-exit,iobase=0xf4,iosize=4 \
		-global virtio-mmio.force-legacy=false \
		-drive "id=d0,format=raw,if=none,file=$2" -device virtio-blk-device,drive=d0 \
		-kernel "guest-kernels/$1.elf" -append "$ARCH_APPEND" >"$3.raw" 2>"$3.err"
	rc=$?
	tr -d '\r' <"$3.raw" >"$3"
	RUN_RC=$(((rc - 1) / 2))
	[ $((rc % 2)) = 1 ] || RUN_RC="qemu:$rc"
}
