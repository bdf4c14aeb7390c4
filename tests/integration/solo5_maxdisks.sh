#!/bin/bash
# SPDX-License-Identifier: MIT
# Disk limits per boot protocol. A Solo5 hvt guest takes as many disks as
# its manifest can declare block devices: 63 (SOLO5_MFT_MAX_ENTRIES less
# the reserved first entry; Solo5's own test_mft_maxdevices attaches 63),
# because they are hypercall devices. The bundled mftmax guest declares all
# 63 and reads the first block of each, which the test wrote on the host
# (the image's own number), on every provider. A 64th -d is a usage error,
# and a virtio-blk guest still takes at most 8 (one MMIO window and IRQ
# line each): one line on stderr, status 2, before the guest runs.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/boot_common.bash

require_minivmm
GUEST=guest-kernels/mftmax.elf
[ -f "$GUEST" ] || { echo "skipped: $GUEST is not built (make all)"; exit 77; }
test_providers

disks=()
for i in $(seq 0 63); do
	img=$BOOT_TMP/s$i.img
	python3 -c 'import sys; open(sys.argv[1], "wb").write(bytes([int(sys.argv[2])]) + bytes(4095))' \
		"$img" "$i"
	disks+=(-d "$img,name=storage$i")
done
sixty_three=("${disks[@]:0:126}")

for p in "${PROVIDERS[@]}"; do
	run "$p" -- --accel "$p" "${sixty_three[@]}" "$GUEST"
	expect_rc "$p: mftmax with 63 disks" 0 || continue
	expect_out "$p: manifest" "mftmax: manifest of 64 entries"
	expect_out "$p: every device" "mftmax: 63 of 63 block devices attached and read"
done

# one_line NAME WANT MENTION ARGS...: refused before the guest runs, one line on stderr.
one_line() {
	local name=$1 want=$2 mention=$3
	shift 3
	run "$name" -- --accel soft "$@"
	expect_rc "$name" "$want" || return
	[ "$(wc -l <"$ERR")" -eq 1 ] || fail "$name: $(wc -l <"$ERR") lines on stderr: $(cat "$ERR")"
	grep -qF -- "$mention" "$ERR" || fail "$name: stderr does not mention '$mention': $(cat "$ERR")"
	[ -s "$OUT" ] && fail "$name: the guest ran: $(head -c 200 "$OUT")"
	return 0
}

one_line "64 disks" 2 "at most 63 disks" "${disks[@]}" "$GUEST"
nine=()
for i in $(seq 0 8); do nine+=(-d "$BOOT_TMP/s$i.img"); done
one_line "9 virtio-blk disks" 2 "virtio-blk takes at most 8" "${nine[@]}" guest-kernels/hello.elf
finish
