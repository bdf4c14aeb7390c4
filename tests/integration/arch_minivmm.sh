#!/bin/bash
# SPDX-License-Identifier: MIT
# Each OS-architecture guest (mono, micro, exo) runs the shared workload
# under minivmm on every usable provider: the same "workload:" lines as the
# host oracle computes, the output area and checksum right on the image,
# one stats line, and its hostile programs stopped by the kernel while the
# run goes on to exit 0.
. "$(dirname "$0")/arch_common.bash"
need_python
need_minivmm_disk
usable_providers

for p in "${PROVIDERS[@]}"; do
	for arch in "${ARCHS[@]}"; do
		img=$DISK_TMP/$arch-$p.img
		out=$DISK_TMP/$arch-$p.out
		arch_image "$img"
		run_vm "$p" "$out" -d "$img" -a "$ARCH_APPEND" "guest-kernels/$arch.elf"
		check_arch_run "$arch" "$arch on $p" "$out" "$img"
	done
done
finish "architecture guests (${ARCHS[*]}) under minivmm (${PROVIDERS[*]}) match the workload oracle"
