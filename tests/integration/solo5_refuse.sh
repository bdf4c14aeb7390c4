#!/bin/bash
# SPDX-License-Identifier: MIT
# Solo5 hvt executables and command lines minivmm refuses before any vCPU
# exists, each with one line on stderr and the documented status:
#   3: the notes: wrong ABI target, unknown ABI version, bad manifest; a
#      segment both writable and executable, or not starting on a page
#      (solo5-hvt's elf.c refuses both: it protects memory by page)
#   2: disks and manifest disagree: a disk without or with an unknown name=,
#      a manifest device left unattached, an image not a whole number of blocks
# The bad executables are hvttest.elf with one field of a note changed here,
# at offsets found from the note layout (elf_abi.h, mft_abi.h), not from minivmm.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/boot_common.bash

require_minivmm
GUEST=guest-kernels/hvttest.elf
[ -f "$GUEST" ] || { echo "skipped: $GUEST is not built (make all)"; exit 77; }

# patch OUT WHAT: a copy of the guest with one note field changed.
patch() {
	python3 - "$GUEST" "$BOOT_TMP/$1.elf" "$2" <<'PY' || { echo "FAIL: cannot patch $2"; exit 1; }
import struct, sys
src, dst, what = sys.argv[1:]
b = bytearray(open(src, "rb").read())
abi = b.find(struct.pack("<III", 6, 16, 0x31494241) + b"Solo5\0\0\0")
mft = b.find(struct.pack("<I", 0x3154464d) + b"Solo5\0\0\0") - 8
assert abi > 0 and mft > 0
info, m = abi + 20, mft + 24          # the ABI1 content; the manifest after 4 pad bytes
entry = lambda i: m + 8 + 104 * i     # struct mft_entry is 104 bytes
def put32(off, v): b[off:off + 4] = struct.pack("<I", v)
if what == "target-spt": put32(info, 2)
elif what == "abi-v3": put32(info + 4, 3)
elif what == "mft-v2": put32(m, 2)
elif what == "mft-count": put32(m + 4, 1)          # the size no longer matches
elif what == "mft-first": put32(entry(0) + 68, 1)  # entry 0 is not RESERVED_FIRST
elif what == "mft-attached": b[entry(1) + 96] = 1
elif what == "mft-net": put32(entry(1) + 68, 2)    # the block device becomes a network device
elif what == "no-abi": b[abi + 12:abi + 17] = b"Xolo5"
elif what in ("wx", "unaligned"):   # the program headers (Elf64_Phdr, 56 bytes)
    phoff, = struct.unpack_from("<Q", b, 32)
    for i in range(struct.unpack_from("<H", b, 56)[0]):
        ph = phoff + 56 * i
        t, fl = struct.unpack_from("<II", b, ph)
        if what == "wx" and t == 1 and fl & 1:
            put32(ph + 4, 7)
        if what == "unaligned" and t == 1 and fl & 2:
            va, pa = struct.unpack_from("<QQ", b, ph + 16)
            b[ph + 16:ph + 32] = struct.pack("<QQ", va + 0x10, pa + 0x10)
else: sys.exit("unknown patch " + what)
open(dst, "wb").write(b)
PY
}

case_() { # WANT MENTION ARGS...
	local want=$1 mention=$2
	shift 2
	run case -- --accel soft "$@"
	local what="minivmm $*"
	expect_rc "$what" "$want" || return
	[ "$(wc -l <"$ERR")" -eq 1 ] || fail "$what: $(wc -l <"$ERR") lines on stderr, want 1: $(cat "$ERR")"
	grep -qF -- "$mention" "$ERR" || fail "$what: message does not mention '$mention': $(cat "$ERR")"
	[ -s "$OUT" ] && fail "$what: the guest ran: $(head -c 200 "$OUT")"
	return 0
}

img=$BOOT_TMP/disk.img
head -c 65536 /dev/zero >"$img"
head -c 1000 /dev/zero >"$BOOT_TMP/odd.img"
head -c 49152 /dev/zero >"$BOOT_TMP/48k.img"
D=(-d "$img,name=storage")

for w in target-spt abi-v3 mft-v2 mft-count mft-first mft-attached mft-net no-abi wx unaligned; do
	patch "$w" "$w"
done
case_ 3 "ABI target 'spt' (2)" "${D[@]}" "$BOOT_TMP/target-spt.elf"
case_ 3 "hvt ABI version 3: minivmm implements version 2" "${D[@]}" "$BOOT_TMP/abi-v3.elf"
case_ 3 "manifest version 2" "${D[@]}" "$BOOT_TMP/mft-v2.elf"
case_ 3 "bytes for 1 entries" "${D[@]}" "$BOOT_TMP/mft-count.elf"
case_ 3 "entry 0 must be the reserved first entry" "${D[@]}" "$BOOT_TMP/mft-first.elf"
case_ 3 "marked attached in the file" "${D[@]}" "$BOOT_TMP/mft-attached.elf"
case_ 3 "no ABI1 note" "${D[@]}" "$BOOT_TMP/no-abi.elf"
case_ 3 "is both writable and executable" "${D[@]}" "$BOOT_TMP/wx.elf"
case_ 3 "starts at 0x103010, not on a page" "${D[@]}" "$BOOT_TMP/unaligned.elf"
case_ 3 "takes no --initrd" --initrd "$img" "${D[@]}" "$GUEST"

case_ 2 "declares block device 'storage'" "$GUEST"
case_ 2 "must name one of the Solo5 manifest's block devices ('storage')" -d "$img" "$GUEST"
case_ 2 "the name is not one of" -d "$img,name=other" "$GUEST"
case_ 2 "already attached" "${D[@]}" -d "$img,name=storage,ro" "$GUEST"
case_ 2 "not a whole, nonzero number of 512-byte blocks" -d "$BOOT_TMP/odd.img,name=storage" "$GUEST"
case_ 2 "not a whole, nonzero number of 32768-byte blocks" -d "$BOOT_TMP/48k.img,name=storage,sector=32768" "$GUEST"
case_ 2 "network device 'storage'" "$BOOT_TMP/mft-net.elf"
case_ 2 "at most 8191" "${D[@]}" -a "$(head -c 9000 /dev/zero | tr '\0' a)" "$GUEST"
finish
