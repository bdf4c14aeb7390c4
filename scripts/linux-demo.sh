#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# make linux-demo: Debian's Linux 6.1 on minivmm with a busybox shell on the
# serial console and an ext4 disk on /dev/vda (virtio-mmio, found through
# minivmm's ACPI tables). scripts/linux-prepare.sh fetches the packages with
# apt-get download and builds the initramfs; the disk image is made once
# (build/linux-demo/disk.img, ext4, kept between runs: delete it to start
# afresh). `poweroff` in the guest ends minivmm with status 0.
#
# Environment: ACCEL (soft, the default, or kvm/auto), LINUX_BOOT (pvh, the
# default: the vmlinux by Xen PVH; or bzimage: the Linux boot protocol),
# LINUX_APPEND (default "console=ttyS0"), DEBIAN_CACHE (build/debian-cache),
# LINUX_DEMO_DIR (build/linux-demo), MINIVMM (./minivmm).
set -euo pipefail
cd "$(dirname "$0")/.."

MINIVMM=${MINIVMM:-./minivmm}
DIR=${LINUX_DEMO_DIR:-build/linux-demo}
case ${LINUX_BOOT:-pvh} in
pvh) want=vmlinux ;;
bzimage) want=bzimage ;;
*)
	echo "linux-demo: LINUX_BOOT must be pvh or bzimage, not '$LINUX_BOOT'" >&2
	exit 2
	;;
esac

paths=$(scripts/linux-prepare.sh "${DEBIAN_CACHE:-build/debian-cache}")
kernel=$(awk -v w="$want" '$1 == w {print $2}' <<<"$paths")
initrd=$(awk '$1 == "initrd" {print $2}' <<<"$paths")
mke2fs=$(awk '$1 == "mke2fs" {print $2}' <<<"$paths")

mkdir -p "$DIR"
if [ ! -f "$DIR/disk.img" ]; then
	rm -rf "$DIR/files"
	mkdir -p "$DIR/files"
	cat >"$DIR/files/hello.txt" <<-EOF
		This file was written on the host by scripts/linux-demo.sh on $(date -u +%Y-%m-%d)
		into an ext4 image that Linux reads through minivmm's virtio-blk disk.
	EOF
	"$mke2fs" -q -t ext4 -L minivmm-demo -d "$DIR/files" "$DIR/disk.img" 64M
fi

echo "linux-demo: $(basename "$kernel") with $(basename "$initrd"), disk $DIR/disk.img (kept between runs)" >&2
echo "linux-demo: booting takes a while on the software CPU; type 'poweroff' to leave" >&2
exec "$MINIVMM" --accel "${ACCEL:-soft}" -m 256M -d "$DIR/disk.img" --initrd "$initrd" \
	-a "${LINUX_APPEND:-console=ttyS0}" "$kernel"
