#!/bin/bash
# SPDX-License-Identifier: MIT
# The OS-architecture guests, unchanged, under QEMU 7.2 microvm (TCG) with
# a virtio-blk-device it hands over on the command line (acpi=off): the
# same workload output as the oracle, the image checked on the host, the
# hostile programs stopped. QEMU's exit status is (code << 1) | 1.
. "$(dirname "$0")/arch_common.bash"
need_python
command -v qemu-system-x86_64 >/dev/null 2>&1 || skip "qemu-system-x86_64 is not installed"

for arch in "${ARCHS[@]}"; do
	img=$DISK_TMP/$arch-qemu.img
	out=$DISK_TMP/$arch-qemu.out
	arch_image "$img"
	timeout "$DISK_TIMEOUT" qemu-system-x86_64 -M microvm,acpi=off -nodefaults -no-user-config \
		-display none -serial stdio -device isa-debug-exit,iobase=0xf4,iosize=4 \
		-global virtio-mmio.force-legacy=false \
		-drive "id=d0,format=raw,if=none,file=$img" -device virtio-blk-device,drive=d0 \
		-kernel "guest-kernels/$arch.elf" -append "$ARCH_APPEND" >"$out.raw" 2>"$out.err"
	rc=$?
	tr -d '\r' <"$out.raw" >"$out"
	RUN_RC=$(((rc - 1) / 2))
	[ $((rc % 2)) = 1 ] || RUN_RC="qemu:$rc"
	check_arch_run "$arch" "$arch on QEMU" "$out" "$img"
done
finish "architecture guests (${ARCHS[*]}) under QEMU microvm match the workload oracle"
