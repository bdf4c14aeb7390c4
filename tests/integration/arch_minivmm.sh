#!/bin/bash
# SPDX-License-Identifier: MIT
# Each OS-architecture guest (mono, micro, exo) runs the shared workload
# under minivmm on every usable provider: the same "workload:" lines as the
# host oracle computes, the output area and checksum right on the image,
# one stats line, and its hostile programs stopped by the kernel while the
# run goes on to exit 0. On kvm, a failure that QEMU -accel kvm on this
# same host shows too is a limitation of the host's KVM (the kvm_pvm module
# fails INT n and ring-3 syscall: /work/shared/REFERENCE.md) and is
# reported as skipped with that evidence.
. "$(dirname "$0")/arch_common.bash"
need_python
need_minivmm_disk
usable_providers

# host_kvm_fails_too ARCH: QEMU with -accel kvm does not run the case right either.
host_kvm_fails_too() {
	command -v qemu-system-x86_64 >/dev/null 2>&1 || return 1
	local img=$DISK_TMP/$1-qemukvm.img out=$DISK_TMP/$1-qemukvm.out saved=$fail
	arch_image "$img"
	arch_run_qemu "$1" "$img" "$out" kvm
	fail=0
	check_arch_run "$1" "$1 on QEMU kvm" "$out" "$img" >/dev/null
	[ "$fail" = 1 ]
	local rc=$?
	fail=$saved
	return $rc
}

for p in "${PROVIDERS[@]}"; do
	for arch in "${ARCHS[@]}"; do
		img=$DISK_TMP/$arch-$p.img
		out=$DISK_TMP/$arch-$p.out
		arch_image "$img"
		run_vm "$p" "$out" -d "$img" -a "$ARCH_APPEND" "guest-kernels/$arch.elf"
		before=$fail
		fail=0
		check_arch_run "$arch" "$arch on $p" "$out" "$img"
		if [ "$fail" = 1 ] && [ "$p" = kvm ] && host_kvm_fails_too "$arch"; then
			echo "skipped: $arch on kvm: QEMU -accel kvm on this host fails it as well"
			fail=0
		fi
		fail=$((before | fail))
	done
done
finish "architecture guests (${ARCHS[*]}) under minivmm (${PROVIDERS[*]}) match the workload oracle"
