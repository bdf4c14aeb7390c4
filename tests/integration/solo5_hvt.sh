#!/bin/bash
# SPDX-License-Identifier: MIT
# The Solo5 hvt protocol with the bundled hvttest guest, on every provider:
# every hypercall against host-side oracles (the image bytes written by the
# guest, the host clock, -m, the command line), the bad block requests a
# tender answers with SOLO5_R_EINVAL, the ABI violations that stop the
# guest with status 5, and writes to the segments without PF_W (by the
# guest or by a hypercall): solo5-hvt's "host/guest translation fault",
# status 1 (one case per run).
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/boot_common.bash

require_minivmm
GUEST=guest-kernels/hvttest.elf
[ -f "$GUEST" ] || { echo "skipped: $GUEST is not built (make all)"; exit 77; }
test_providers

# A 64 KiB image whose block 0 starts with a string the guest prints back.
new_image() { # PATH SIZE
	head -c "$2" /dev/zero >"$1"
	printf 'HOSTDATA-block0!' | dd of="$1" conv=notrunc status=none
}

# Block 2 (offset 2 * bs) must hold byte i = (i * 7 + 3) mod 256: recomputed here.
check_block2() { # WHAT IMAGE BS
	python3 - "$2" "$3" <<'PY' || fail "$1: block 2 of the image is not the guest's pattern"
import sys
path, bs = sys.argv[1], int(sys.argv[2])
data = open(path, "rb").read()[2 * bs:3 * bs]
sys.exit(0 if data == bytes((i * 7 + 3) & 0xff for i in range(bs)) else 1)
PY
}

for p in "${PROVIDERS[@]}"; do
	img=$BOOT_TMP/$p.img
	new_image "$img" 65536
	before=$(date +%s)
	run "$p-all" -- --accel "$p" -m 37M -a "first" -d "$img,name=storage" "$GUEST" -- \
		second "third word" exit=9
	after=$(date +%s)
	expect_rc "$p: hvttest" 9
	expect_out "$p: PUTS" "hvttest: hello via PUTS"
	# -m 37M: hvt rounds guest memory down to 2 MiB multiples.
	expect_out "$p: mem_size" "mem_size=$((36 << 20)) "
	expect_out "$p: command line" "cmdline='first second third word exit=9'"
	expect_out "$p: manifest" "manifest version=1 entries=2"
	expect_out "$p: attached disk" "entry 1 type=1 name='storage' attached=1 capacity=65536 block_size=512"
	expect_out "$p: POLL" "poll ret=0 ready_set=0"
	expect_out "$p: block write/read" "block write ret=0 read ret=0 readback=same"
	expect_out "$p: block 0 from the host" "block 0 ret=0 starts 'HOSTDATA-block0!'"
	check_block2 "$p" "$img" 512
	t=$(sed -n 's/.*walltime_s=\([0-9]*\).*/\1/p' "$OUT")
	[ -n "$t" ] && [ "$t" -ge $((before - 1)) ] && [ "$t" -le $((after + 1)) ] ||
		fail "$p: WALLTIME $t s is not between $before and $after"
	ms=$(sed -n 's/.*slept_ms=\([0-9]*\).*/\1/p' "$OUT")
	[ -n "$ms" ] && [ "$ms" -ge 100 ] && [ "$ms" -lt 5000 ] || fail "$p: POLL(100 ms) slept $ms ms"
	hz=$(sed -n 's/.*tsc_hz=\([0-9]*\).*/\1/p' "$OUT")
	[ -n "$hz" ] && [ "$hz" -ge 100000000 ] && [ "$hz" -le 10000000000 ] ||
		fail "$p: TSC frequency $hz Hz is not plausible"
	n=$(grep -c 'hvttest: bad request .*: ret=2$' "$OUT")
	[ "$n" -eq 10 ] || fail "$p: $n of 10 bad requests answered SOLO5_R_EINVAL (2): $(grep 'bad request' "$OUT")"
	grep -q '^minivmm' "$ERR" && ! grep -q 'KVM_CAP_READONLY_MEM' "$ERR" &&
		fail "$p: a clean run wrote to stderr: $(cat "$ERR")"

	# sector=4096: the manifest says so; the pattern lands at 2 * 4096.
	new_image "$img" 65536
	run "$p-4k" -- --accel "$p" -d "$img,name=storage,sector=4096" "$GUEST"
	expect_rc "$p: sector=4096" 0
	expect_out "$p: sector=4096" "capacity=65536 block_size=4096"
	check_block2 "$p sector=4096" "$img" 4096

	# -v names the protocol; the guest's HALT status is not reported without it.
	run "$p-v" -- --accel "$p" -v -d "$img,name=storage" "$GUEST"
	expect_err "$p: -v" "Solo5 hvt protocol"
	expect_err "$p: -v" "HALT hypercall"

	# A read-only disk: writes are refused, the guest goes on.
	run "$p-ro" -- --accel "$p" -d "$img,name=storage,ro" "$GUEST" case=rowrite
	expect_rc "$p: ro" 0
	expect_out "$p: ro" "write to a read-only disk: ret=2"

	# ABI violations: one line naming the cause, status 5.
	for c in "badarg:PUTS: argument [0xfffffff0, +16) is outside guest RAM" \
		"badbuf:PUTS: buffer [0xfffff000, +0x10) is outside guest RAM" \
		"bigputs:+0x10000000000) is outside guest RAM" \
		"blockbuf:BLOCK_READ: buffer [0x7ffff000, +0x1000) is outside guest RAM" \
		"badcookie:HALT: buffer [0x7fffff00, +0x200)" \
		"badport:IN32 of port 0x501" \
		"port0:OUT32 of port 0x500" \
		"bootinfo:triple fault"; do
		run "$p-${c%%:*}" -- --accel "$p" -d "$img,name=storage" "$GUEST" "case=${c%%:*}"
		expect_rc "$p: case ${c%%:*}" 5 && expect_err "$p: case ${c%%:*}" "${c#*:}"
		grep -q 'still running' "$OUT" && fail "$p: case ${c%%:*}: the guest went on"
	done

	# solo5_abort(): status 255; -v shows the trap frame the cookie points at.
	run "$p-abort" -- --accel "$p" -v -d "$img,name=storage" "$GUEST" case=abort
	expect_rc "$p: abort" 255
	expect_err "$p: abort cookie" "rip=0x1234"

	# The read-only slots: the PT_LOADs without PF_W, page-rounded, adjacent
	# ones joined (read from the ELF here, as solo5-hvt's elf.c reads them).
	run "$p-slots" -- --accel "$p" -v -d "$img,name=storage" "$GUEST" case=none
	want=$(python3 - "$GUEST" <<'PY'
import struct, sys
b = open(sys.argv[1], "rb").read()
phoff, = struct.unpack_from("<Q", b, 32)
phentsize, phnum = struct.unpack_from("<HH", b, 54)
r = []
for i in range(phnum):
    t, fl, _, va, pa, fs, ms, al = struct.unpack_from("<IIQQQQQQ", b, phoff + i * phentsize)
    if t == 1 and ms and not fl & 2:
        lo, hi = pa, (pa + ms + 4095) & ~4095
        if r and r[-1][1] == lo: r[-1][1] = hi
        else: r.append([lo, hi])
print(" ".join("[0x%x, 0x%x)" % (lo, hi) for lo, hi in r))
PY
)
	got=$(sed -n 's/^minivmm: read-only slot (KVM_MEM_READONLY): //p' "$ERR" | tr '\n' ' ' | sed 's/ $//')
	if grep -q 'no KVM_CAP_READONLY_MEM' "$ERR"; then
		echo "skipped: $p: read-only segments: the provider has no KVM_CAP_READONLY_MEM"
	else
		[ "$got" = "$want" ] || fail "$p: read-only slots '$got', the ELF says '$want'"
		# Writes there: the guest's own (text, rodata), a hypercall's OUT
		# fields, BLOCK_READ data: status 1 and solo5-hvt's words.
		for c in "textwrite:the Solo5 guest wrote [0x" "rodatawrite:the Solo5 guest wrote [0x" \
			"rodataarg:hypercall WALLTIME would write [0x" \
			"readtotext:hypercall BLOCK_READ would write [0x"; do
			run "$p-${c%%:*}" -- --accel "$p" -d "$img,name=storage" "$GUEST" "case=${c%%:*}"
			expect_rc "$p: case ${c%%:*}" 1 &&
				expect_err "$p: case ${c%%:*}" "host/guest translation fault: ${c#*:}"
			grep -q 'still running\|ret=' "$OUT" && fail "$p: case ${c%%:*}: the guest went on"
		done
	fi

	# POLL for an hour honours --timeout.
	start=$(date +%s)
	run "$p-sleep" -- --accel "$p" --timeout 1 -d "$img,name=storage" "$GUEST" case=sleep
	expect_rc "$p: POLL under --timeout" 124
	[ $(($(date +%s) - start)) -le 5 ] || fail "$p: POLL did not stop within 5 s of --timeout 1"
done
finish
