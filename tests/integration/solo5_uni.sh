#!/bin/bash
# SPDX-License-Identifier: MIT
# The uni unikernel (Solo5 hvt) runs the shared OS-architecture workload on
# every provider: its checksum and output area agree with the host's
# re-derivation from the image (guest-kernels/lib/workload.py, written from
# workload.h), it counts no ring transitions, and its block I/O is one
# hypercall per record each way (so at least 2N VM exits, per --stats).
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/boot_common.bash

require_minivmm
GUEST=guest-kernels/uni.elf
[ -f "$GUEST" ] || { echo "skipped: $GUEST is not built (make all)"; exit 77; }
test_providers
WL=guest-kernels/lib/workload.py
N=48

for p in "${PROVIDERS[@]}"; do
	img=$BOOT_TMP/$p.img
	python3 "$WL" fill "$img" 0 $N 11 || { fail "$p: workload.py fill"; continue; }
	truncate -s $(((1024 + N) * 512)) "$img"
	run "$p" -- --accel "$p" --stats=json:"$BOOT_TMP/$p.json" -d "$img,name=storage" "$GUEST" \
		-- workload.records=$N workload.every=16 workload.out=1024
	expect_rc "$p: uni" 0 || continue
	want=$(python3 "$WL" check "$img" 0 1024 $N) || { fail "$p: the output area is not the workload's"; continue; }
	expect_out "$p: checksum" "workload: done $N records, checksum $want"
	expect_out "$p: no ring switches" "stats: arch=uni records=$N syscalls=0 int80=0 ring_transitions=0 messages=0 as_switches=0"
	expect_out "$p: one hypercall per record each way" "hypercalls=$((2 * N)) "
	exits=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["exits"])' "$BOOT_TMP/$p.json")
	[ "$exits" -ge $((2 * N)) ] || fail "$p: $exits VM exits for $((2 * N)) block hypercalls"
done
finish
