#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Fetch what the Xen demo boots, with `apt-get download` at run time into a
# cache directory (never committed): Debian's Xen hypervisor
# (xen-hypervisor-*-amd64: /boot/xen-*.gz gunzipped is a Multiboot ELF32),
# Debian's Linux bzImage (scripts/debian-linux.sh) for the PV dom0, and
# busybox-static for dom0's initramfs (scripts/xen-initramfs.py with
# scripts/xen-init.sh as /init).
#
# usage: scripts/xen-prepare.sh [CACHE_DIR]   (default build/debian-cache)
# prints "xen PATH", "vmlinuz PATH" (the bzImage), "vmlinux PATH" (the ELF
# inside it) and "initrd PATH"; exit status 77 with
# the reason on stderr when a package cannot be fetched.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=${1:-build/debian-cache}
mkdir -p "$CACHE"
CACHE=$(cd "$CACHE" && pwd)
linux=$("$HERE/debian-linux.sh" "$CACHE") || exit $?
vmlinuz=$(awk '$1 == "bzimage" {print $2}' <<<"$linux")
vmlinux=$(awk '$1 == "vmlinux" {print $2}' <<<"$linux")
cd "$CACHE"

# fetch PATTERN: the newest package whose name matches, downloaded once; prints its .deb.
fetch() {
	local pkg
	pkg=$(apt-cache search --names-only "$1" 2>/dev/null | awk '{print $1}' | sort -V | tail -1)
	if [ -z "$pkg" ]; then
		echo "xen-prepare: no package $1 in apt's lists (apt-get update?)" >&2
		exit 77
	fi
	if ! ls "$pkg"_*.deb >/dev/null 2>&1 && ! apt-get download "$pkg" >download.log 2>&1; then
		echo "xen-prepare: apt-get download $pkg failed: $(tail -1 download.log)" >&2
		exit 77
	fi
	ls "$pkg"_*.deb | sort -V | tail -1
}

deb=$(fetch '^xen-hypervisor-[0-9.]+-amd64$')
mkdir -p xen
gz=$(dpkg-deb -c "$deb" | awk '{print $6}' | grep -E '^\./boot/xen-[0-9.]+-amd64\.gz$' | head -1)
xen=xen/$(basename "$gz" .gz).elf
if [ ! -f "$xen" ]; then
	dpkg-deb --fsys-tarfile "$deb" | tar -xO "$gz" | gunzip >"$xen.tmp"
	mv "$xen.tmp" "$xen"
fi

deb=$(fetch '^busybox-static$')
if [ ! -f xen/busybox ]; then
	dpkg-deb --fsys-tarfile "$deb" | tar -xO ./bin/busybox >xen/busybox.tmp
	chmod +x xen/busybox.tmp
	mv xen/busybox.tmp xen/busybox
fi
# rebuilt each time: cheap, and it follows edits of the /init script
python3 "$HERE/xen-initramfs.py" xen/initrd.cpio xen/busybox "$HERE/xen-init.sh"

echo "xen $CACHE/$xen"
echo "vmlinuz $vmlinuz"
echo "vmlinux $vmlinux"
echo "initrd $CACHE/xen/initrd.cpio"
