#!/bin/bash
# SPDX-License-Identifier: MIT
# virtio-blk end to end on every provider that can run a guest: disktest
# writes a pattern, FLUSHes, reads it back and prints a checksum; the host
# then checks the image bytes and the checksum with its own Python oracle,
# and that nothing outside the written range changed (the 100-byte tail of
# an image whose size is not a multiple of 512 included). Then the other
# direction: the host writes the pattern, the guest reads and verifies it,
# and with the wrong seed must report a mismatch (exit 1).
. "$(dirname "$0")/disk_common.bash"
need_python
need_minivmm_disk
usable_providers

img=$DISK_TMP/disk.img
size=$((1024 * 1024 + 100))

for p in "${PROVIDERS[@]}"; do
	# Indirect tables + EVENT_IDX, 4 requests per kick, 4 KiB segments.
	make_image "$img" "$size" 00
	out=$DISK_TMP/rw-$p
	run_vm "$p" "$out" -d "$img" \
		-a "disktest.start=8 disktest.sectors=256 disktest.req=16384 disktest.seg=4096 disktest.seed=3" \
		"$DISKTEST"
	sum=$(pattern check "$img" 8 256 3)
	if [ "$RUN_RC" != 0 ] || ! grep -qx 'disktest: flush complete' "$out"; then
		problem "$p: write/verify run: exit $RUN_RC"; show "$out"
	elif [ "$(guest_checksum "$out")" != "$sum" ]; then
		problem "$p: guest checksum '$(guest_checksum "$out")' != host '$sum'"
	fi
	bytes_are "$img" 0 4096 00 || problem "$p: sectors before the range changed"
	bytes_are "$img" $((264 * 512)) $((size - 264 * 512)) 00 ||
		problem "$p: bytes after the range (incl. the partial tail) changed"
	[ "$(stat -c %s "$img")" = "$size" ] || problem "$p: image size changed"

	# Direct descriptors, no EVENT_IDX: every request as a plain chain.
	make_image "$img" "$size" 00
	out=$DISK_TMP/direct-$p
	run_vm "$p" "$out" -d "$img" \
		-a "disktest.sectors=64 disktest.req=8192 disktest.seg=1024 disktest.depth=2 disktest.noindirect=1 disktest.noeventidx=1 disktest.seed=4" \
		"$DISKTEST"
	sum=$(pattern check "$img" 0 64 4)
	if [ "$RUN_RC" != 0 ] || [ "$(guest_checksum "$out")" != "$sum" ]; then
		problem "$p: direct-descriptor run: exit $RUN_RC, checksum '$(guest_checksum "$out")' vs '$sum'"
		show "$out"
	fi

	# GET_ID: minivmm's serial is "minivmm-" and the image's inode in hex.
	out=$DISK_TMP/id-$p
	run_vm "$p" "$out" -d "$img" -a "disktest.getid=1 disktest.sectors=8" "$DISKTEST"
	want_id=$(printf 'minivmm-%x' "$(stat -c %i "$img")" | cut -c1-20)
	grep -qx "disktest: id '$want_id'" "$out" || { problem "$p: GET_ID, want '$want_id'"; show "$out"; }

	# Host writes, guest reads and verifies.
	make_image "$img" "$size" 00
	pattern write "$img" 100 128 9
	sum=$(pattern check "$img" 100 128 9)
	out=$DISK_TMP/read-$p
	run_vm "$p" "$out" -d "$img" -a "disktest.mode=read disktest.start=100 disktest.sectors=128 disktest.seed=9" "$DISKTEST"
	if [ "$RUN_RC" != 0 ] || [ "$(guest_checksum "$out")" != "$sum" ]; then
		problem "$p: guest reading a host-written pattern: exit $RUN_RC"; show "$out"
	fi
	out=$DISK_TMP/mismatch-$p
	run_vm "$p" "$out" -d "$img" -a "disktest.mode=read disktest.start=100 disktest.sectors=128 disktest.seed=10" "$DISKTEST"
	if [ "$RUN_RC" != 1 ] || ! grep -q 'disktest: FAIL: mismatch at byte 51200:' "$out"; then
		problem "$p: wrong seed must be a mismatch at byte 51200 with exit 1, got exit $RUN_RC"; show "$out"
	fi
done
finish "disk read/write on ${PROVIDERS[*]}"
