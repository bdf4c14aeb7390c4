#!/bin/bash
# SPDX-License-Identifier: MIT
# tools/check-layers (run by the build) passes on the tree and FAILS, naming
# the rule, on copies of src/ given one bad include each: a device that
# includes the vCPU, stats that includes the vCPU, the loader and a device
# that include <linux/kvm.h>, the run loop reaching into the soft CPU's
# internals, the soft CPU including a device, and a directory in no layer.
set -u
cd "$(dirname "$0")/../.." || exit 1
command -v python3 >/dev/null || { echo "skipped: python3 is not installed"; exit 77; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/layers-check.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fail=0

if ! tools/check-layers 2>"$tmp/clean.err"; then
	echo "FAIL: the tree itself violates the layering:"
	sed 's/^/  /' "$tmp/clean.err"
	fail=1
fi

# violation NAME FILE LINE PATTERN: add LINE to a copy of src/FILE; the
# checker must exit 1 with one message naming FILE and matching PATTERN.
violation() {
	local name=$1 file=$2 line=$3 pat=$4 rc
	rm -rf "$tmp/tree" && mkdir -p "$tmp/tree" && cp -r src "$tmp/tree/"
	mkdir -p "$(dirname "$tmp/tree/src/$file")"
	printf '%s\n' "$line" >>"$tmp/tree/src/$file"
	tools/check-layers --root "$tmp/tree" 2>"$tmp/err"
	rc=$?
	if [ "$rc" != 1 ] || [ "$(wc -l <"$tmp/err")" != 1 ] ||
		! grep -q "src/$file" "$tmp/err" || ! grep -q -- "$pat" "$tmp/err"; then
		echo "FAIL: $name: exit $rc, want 1 with one line naming src/$file and /$pat/:"
		sed 's/^/  /' "$tmp/err"
		fail=1
	fi
}

violation "device includes the vCPU" devices/uart.c '#include "vcpu/vcpu.h"' \
	"layer devices may include memory, sandbox, abi (devices never see a vCPU"
violation "stats includes the vCPU" stats.c '#include "vcpu/kvm_stats.h"' \
	"layer stats may include nothing outside itself (stats is a leaf"
violation "stats includes the bus" stats.h '#include "devices/bus.h"' "stats is a leaf"
violation "loader includes KVM" loader/loader.c '#include <linux/kvm.h>' \
	"only src/vcpu/ sees the KVM API"
violation "device includes KVM" devices/virtio_blk.c '#  include <linux/kvm.h>' \
	"only src/vcpu/ sees the KVM API"
violation "run loop reaches into the soft CPU" vcpu/run_loop.c '#include "vcpu/soft/cpu.h"' \
	"only through soft_kvm.h"
violation "soft CPU includes a device" vcpu/soft/io.c '#include "devices/bus.h"' \
	"knows nothing of the VMM"
violation "device includes the VM" devices/bus.c '#include "vm.h"' "layer devices"
violation "relative include is resolved" devices/i8042.c '#include "../vcpu/vcpu.h"' \
	"layer devices"
violation "a directory in no layer" hypercall/stub.c '#include "vm.h"' "in no layer"
violation "the debugger stub includes a device" gdb/stub.c '#include "devices/uart.h"' \
	"layer gdb may include memory, vcpu"

[ "$fail" = 0 ] && echo "PASS: check-layers passes the tree and names the rule for each violation"
exit "$fail"
