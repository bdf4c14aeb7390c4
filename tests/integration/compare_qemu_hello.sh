#!/bin/bash
# hello.elf under minivmm and QEMU microvm: the device accesses from the
# guest's marker on must be equal, per port, direction and size, on every
# provider present (soft always; kvm where /dev/kvm opens).
set -u
. tests/integration/compare_qemu_common.bash

need_qemu
need_file guest-kernels/hello.elf "the bundled hello guest"
need_stats_option

for accel in $(providers); do
	echo "-- hello.elf, --accel $accel"
	tools/compare-qemu --strict --quiet --accel "$accel" \
		--append "compare qemu hello" guest-kernels/hello.elf || exit 1
done
