#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Everything the Linux demo and its test boot, fetched at run time into a
# cache (nothing of it is committed): Debian's kernel (scripts/debian-linux.sh),
# busybox-static, and an initramfs built from them (scripts/linux-initramfs.py:
# busybox, /init = scripts/linux-init.sh, and the kernel package's own
# virtio-mmio, virtio-blk and ext4 modules with their dependencies).
# The ext4 disk is made with the host's mke2fs (e2fsprogs is part of every
# Debian system); only where it is missing are e2fsprogs and its libraries
# fetched with apt-get download too (LINUX_FETCH_E2FSPROGS=1 forces that).
#
# usage: scripts/linux-prepare.sh [CACHE_DIR]   (default build/debian-cache)
# prints "bzimage PATH", "vmlinux PATH", "initrd PATH", "mke2fs PATH" and
# "debugfs PATH"; exit status 77 with the reason on stderr when a package
# cannot be fetched, 1 on any other failure.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${1:-build/debian-cache}
mkdir -p "$CACHE"
CACHE=$(cd "$CACHE" && pwd)
MODULES="virtio_ring virtio virtio_mmio virtio_blk ext4"

paths=$("$TOP/scripts/debian-linux.sh" "$CACHE")
bzimage=$(awk '$1 == "bzimage" {print $2}' <<<"$paths")
vmlinux=$(awk '$1 == "vmlinux" {print $2}' <<<"$paths")
version=${vmlinux##*/vmlinux-}

# fetch PACKAGE: its .deb in the cache (apt-get download once), extracted
# under $CACHE/root-PACKAGE; prints that directory.
fetch() {
	local pkg=$1 deb
	if ! ls "$CACHE/$pkg"_*.deb >/dev/null 2>&1; then
		if ! (cd "$CACHE" && apt-get download "$pkg" >"download-$pkg.log" 2>&1); then
			echo "linux-prepare: apt-get download $pkg failed: $(tail -1 "$CACHE/download-$pkg.log")" >&2
			exit 77
		fi
	fi
	deb=$(ls "$CACHE/$pkg"_*.deb | sort -V | tail -1)
	if [ ! -d "$CACHE/root-$pkg" ] || [ "$deb" -nt "$CACHE/root-$pkg" ]; then
		rm -rf "$CACHE/root-$pkg"
		mkdir -p "$CACHE/root-$pkg.tmp"
		dpkg-deb -x "$deb" "$CACHE/root-$pkg.tmp"
		mv "$CACHE/root-$pkg.tmp" "$CACHE/root-$pkg"
	fi
	echo "$CACHE/root-$pkg"
}

kernel_deb=$(ls "$CACHE"/linux-image-"$version"-unsigned_*.deb | sort -V | tail -1)
busybox=$(fetch busybox-static)/bin/busybox

initrd=$CACHE/linux-demo-$version.cpio
if [ ! -f "$initrd" ] || [ "$busybox" -nt "$initrd" ] || [ "$kernel_deb" -nt "$initrd" ] ||
	[ "$TOP/scripts/linux-init.sh" -nt "$initrd" ] ||
	[ "$TOP/scripts/linux-initramfs.py" -nt "$initrd" ]; then
	python3 "$TOP/scripts/linux-initramfs.py" "$initrd" "$busybox" "$TOP/scripts/linux-init.sh" \
		"$kernel_deb" "$version" $MODULES >"$CACHE/initrd-modules.txt"
fi

mke2fs=$(PATH=$PATH:/sbin:/usr/sbin command -v mke2fs || true)
debugfs=$(PATH=$PATH:/sbin:/usr/sbin command -v debugfs || true)
if [ -z "$mke2fs" ] || [ -z "$debugfs" ] || [ -n "${LINUX_FETCH_E2FSPROGS:-}" ]; then
	# e2fsprogs' programs with its libraries from the same archive, run
	# through wrappers that point the loader at them.
	libs=""
	for pkg in e2fsprogs libext2fs2 libcom-err2 libss2; do
		libs="$libs:$(fetch $pkg)/lib/x86_64-linux-gnu:$CACHE/root-$pkg/usr/lib/x86_64-linux-gnu"
	done
	for prog in mke2fs debugfs; do
		printf '#!/bin/sh\nLD_LIBRARY_PATH=%s exec %s "$@"\n' "${libs#:}" \
			"$CACHE/root-e2fsprogs/sbin/$prog" >"$CACHE/$prog"
		chmod +x "$CACHE/$prog"
	done
	mke2fs=$CACHE/mke2fs
	debugfs=$CACHE/debugfs
fi
echo "bzimage $bzimage"
echo "vmlinux $vmlinux"
echo "initrd $initrd"
echo "mke2fs $mke2fs"
echo "debugfs $debugfs"
