#!/bin/bash
# The disk workload (disktest.elf: write a pattern, FLUSH, read back,
# verify) under minivmm and QEMU microvm with a virtio-blk disk: every
# virtio-mmio register access, per register, direction and size, must be
# equal. The two machines' devices differ, and the guest sees that (it
# prints the device's address, IRQ and features, and reads size_max only
# where VIRTIO_BLK_F_SIZE_MAX is offered, which QEMU 7.2 does not);
# tools/compare-qemu checks those differences against the serial outputs
# and QEMU's offered features and accepts only them.
set -u
. tests/integration/compare_qemu_common.bash

need_qemu
need_file guest-kernels/disktest.elf "the disk workload guest"
need_stats_option
./minivmm --help 2>&1 | grep -q -- '--disk' || skip "./minivmm has no --disk option yet"

img=$(mktemp /tmp/compare-qemu-disk.XXXXXX)
trap 'rm -f "$img"' EXIT
truncate -s 4M "$img"

# 2 MiB in 64 KiB requests, 4 in flight, indirect descriptors and EVENT_IDX on.
compare_on_providers --quiet --disk "$img" \
	--append "disktest.sectors=4096 disktest.req=65536" guest-kernels/disktest.elf
