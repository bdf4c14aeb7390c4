#!/bin/bash
# SPDX-License-Identifier: MIT
# The OS-architecture guests, unchanged, under QEMU 7.2 microvm (TCG) with
# a virtio-blk-device it hands over on the command line (acpi=off): the
# same workload output as the oracle, the image checked on the host, the
# hostile programs stopped, mono and micro preemptive. QEMU's exit status
# is (code << 1) | 1.
. "$(dirname "$0")/arch_common.bash"
need_python
command -v qemu-system-x86_64 >/dev/null 2>&1 || skip "qemu-system-x86_64 is not installed"

# QEMU microvm has the 8254 PIT and the 8259A (pit=on, pic=on by default).
ARCH_NEED_PIT=required
for arch in "${ARCHS[@]}"; do
	img=$DISK_TMP/$arch-qemu.img
	out=$DISK_TMP/$arch-qemu.out
	arch_image "$img"
	arch_run_qemu "$arch" "$img" "$out"
	check_arch_run "$arch" "$arch on QEMU" "$out" "$img"
done
finish "architecture guests (${ARCHS[*]}) under QEMU microvm match the workload oracle"
