#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Fetch Debian's Linux (linux-image-*-amd64-unsigned) with `apt-get download`
# into a cache directory at run time (never committed) and extract from it
# the bzImage and, for the PVH path, the vmlinux ELF inside the bzImage's
# xz payload (CONFIG_PVH=y puts a Xen PVH note in it).
#
# usage: scripts/debian-linux.sh [CACHE_DIR]   (default build/debian-cache)
# prints two lines, "bzimage PATH" and "vmlinux PATH"; exit status 77 with
# the reason on stderr when the package cannot be fetched.
set -euo pipefail

CACHE=${1:-build/debian-cache}
mkdir -p "$CACHE"
cd "$CACHE"

# The newest linux-image-VERSION-amd64-unsigned the configured archive offers.
pkg=$(apt-cache search --names-only '^linux-image-[0-9.]+-[0-9]+-amd64-unsigned$' 2>/dev/null |
	awk '{print $1}' | sort -V | tail -1)
if [ -z "$pkg" ]; then
	echo "debian-linux: no linux-image-*-amd64-unsigned in apt's lists (apt-get update?)" >&2
	exit 77
fi
if ! ls "$pkg"_*.deb >/dev/null 2>&1; then
	if ! apt-get download "$pkg" >download.log 2>&1; then
		echo "debian-linux: apt-get download $pkg failed: $(tail -1 download.log)" >&2
		exit 77
	fi
fi
deb=$(ls "$pkg"_*.deb | sort -V | tail -1)
version=${pkg#linux-image-}
version=${version%-unsigned}
if [ ! -f "boot/vmlinuz-$version" ]; then
	dpkg-deb --fsys-tarfile "$deb" | tar -x "./boot/vmlinuz-$version"
fi
if [ ! -f "vmlinux-$version" ]; then
	python3 - "boot/vmlinuz-$version" "vmlinux-$version" <<'P'
import lzma, sys
data = open(sys.argv[1], "rb").read()
start = data.find(b"\xfd7zXZ\x00")  # the payload of an xz-compressed bzImage
if start < 0:
    sys.exit("debian-linux: no xz payload in " + sys.argv[1])
out = lzma.LZMADecompressor(format=lzma.FORMAT_XZ).decompress(data[start:])
if out[:4] != b"\x7fELF":
    sys.exit("debian-linux: the payload is not an ELF file")
open(sys.argv[2], "wb").write(out)
P
fi
echo "bzimage $PWD/boot/vmlinuz-$version"
echo "vmlinux $PWD/vmlinux-$version"
