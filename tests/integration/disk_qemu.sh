#!/bin/bash
# The same guest and workload, unchanged, under QEMU 7.2 microvm (TCG) with
# a virtio-blk-device: QEMU hands the device over on the command line the
# same way (acpi=off), so this checks the guest driver against a device
# nobody here wrote. The image bytes and checksum are checked by the same
# Python oracle; QEMU's exit status is (code << 1) | 1.
. "$(dirname "$0")/disk_common.bash"
need_python
command -v qemu-system-x86_64 >/dev/null 2>&1 || skip "qemu-system-x86_64 is not installed"
[ -f "$DISKTEST" ] || skip "$DISKTEST is not built yet"

run_qemu() { # OUT DRIVE_OPTS APPEND
	timeout "$DISK_TIMEOUT" qemu-system-x86_64 -M microvm,acpi=off -nodefaults -no-user-config \
		-display none -serial stdio -device isa-debug-exit,iobase=0xf4,iosize=4 \
		-global virtio-mmio.force-legacy=false \
		-drive "id=d0,format=raw,if=none,$2" -device virtio-blk-device,drive=d0 \
		-kernel "$DISKTEST" -append "$3" >"$1.raw" 2>"$1.err"
	RUN_RC=$?
	tr -d '\r' <"$1.raw" >"$1"
}

img=$DISK_TMP/q.img
size=$((2 * 1024 * 1024 + 100))

make_image "$img" "$size" 00
out=$DISK_TMP/q-verify
run_qemu "$out" "file=$img" "disktest.start=8 disktest.sectors=2048 disktest.req=65536 disktest.seg=8192 disktest.seed=3"
sum=$(pattern check "$img" 8 2048 3)
if [ "$RUN_RC" != 1 ] || ! grep -qx 'disktest: flush complete' "$out" || [ "$(guest_checksum "$out")" != "$sum" ]; then
	problem "qemu: write/verify: exit $RUN_RC, checksum '$(guest_checksum "$out")' vs host '$sum'"; show "$out"
fi
grep -q '^disktest: virtio-blk at 0xfeb00e00 irq 12:' "$out" || problem "qemu: device not found where QEMU puts it"
bytes_are "$img" 0 4096 00 || problem "qemu: sectors before the range changed"
bytes_are "$img" $((2056 * 512)) $((size - 2056 * 512)) 00 || problem "qemu: bytes after the range changed"

make_image "$img" "$size" 00
out=$DISK_TMP/q-direct
run_qemu "$out" "file=$img" "disktest.sectors=256 disktest.req=8192 disktest.seg=1024 disktest.depth=2 disktest.noindirect=1 disktest.noeventidx=1 disktest.seed=4"
sum=$(pattern check "$img" 0 256 4)
[ "$RUN_RC" = 1 ] && [ "$(guest_checksum "$out")" = "$sum" ] ||
	{ problem "qemu: direct descriptors: exit $RUN_RC"; show "$out"; }

pattern write "$img" 100 128 9
sum=$(pattern check "$img" 100 128 9)
out=$DISK_TMP/q-read
run_qemu "$out" "file=$img" "disktest.mode=read disktest.start=100 disktest.sectors=128 disktest.seed=9"
[ "$RUN_RC" = 1 ] && [ "$(guest_checksum "$out")" = "$sum" ] ||
	{ problem "qemu: guest reading a host-written pattern: exit $RUN_RC"; show "$out"; }

before=$(sha256sum <"$img")
out=$DISK_TMP/q-ro
run_qemu "$out" "file=$img,readonly=on" "disktest.ro=1 disktest.sectors=64 disktest.req=4096"
if [ "$RUN_RC" != 1 ] || ! grep -q '^disktest: write refused with IOERR as expected (read-only: offered)$' "$out"; then
	problem "qemu: read-only disk: exit $RUN_RC"; show "$out"
fi
[ "$(sha256sum <"$img")" = "$before" ] || problem "qemu: read-only image changed"
finish "disktest under QEMU microvm matches the host oracle"
