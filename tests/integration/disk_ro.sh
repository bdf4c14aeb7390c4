#!/bin/bash
# A read-only disk (-d IMG,ro): the guest's write must come back as
# VIRTIO_BLK_S_IOERR while reads work, and the image must be byte-for-byte
# unchanged (sha256 before and after). Also: a guest that expects its
# writes to succeed on that disk must see the failure (exit 2).
. "$(dirname "$0")/disk_common.bash"
need_python
need_minivmm_disk
usable_providers

img=$DISK_TMP/ro.img
head -c $((256 * 1024)) /dev/urandom >"$img"
before=$(sha256sum <"$img")

for p in "${PROVIDERS[@]}"; do
	out=$DISK_TMP/ro-$p
	run_vm "$p" "$out" -d "$img,ro" -a "disktest.ro=1 disktest.sectors=64 disktest.req=4096" "$DISKTEST"
	if [ "$RUN_RC" != 0 ] || ! grep -q '^disktest: write refused with IOERR as expected (read-only: offered)$' "$out" ||
		! grep -qx 'disktest: read-only disk reads fine' "$out"; then
		problem "$p: read-only run: exit $RUN_RC"; show "$out"
	fi
	grep -q 'write to a read-only disk' "$out.err" || problem "$p: minivmm did not log the refused write"
	out=$DISK_TMP/rw-on-ro-$p
	run_vm "$p" "$out" -d "$img,ro" -a "disktest.sectors=64 disktest.req=4096" "$DISKTEST"
	if [ "$RUN_RC" != 2 ] || ! grep -q '^disktest: FAIL: write at sector 0: status 1$' "$out"; then
		problem "$p: writing workload on a read-only disk: exit $RUN_RC, want 2 with status 1"; show "$out"
	fi
	[ "$(sha256sum <"$img")" = "$before" ] || problem "$p: the read-only image changed"
done
finish "read-only disk on ${PROVIDERS[*]}"
