#!/bin/bash
# SPDX-License-Identifier: MIT
# Multiboot v1: guest-kernels/mbtest.elf (ELF32, a Multiboot header, no PVH
# note) with two modules on every provider present, then the same kernel and
# modules under QEMU 7.2 -M pc -kernel (SeaBIOS's Multiboot loader, modules
# as -initrd "FILE ARGS,FILE"): the magic, the command line, each module's
# string, size and contents must be what was given (checked here from the
# files themselves) and the same under both. Then broken Multiboot headers
# are refused with one line and status 3.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/boot_common.bash

MB=guest-kernels/mbtest.elf
require_minivmm
[ -f "$MB" ] || { echo "skipped: $MB is not built (run make all)"; exit 77; }
test_providers

printf 'first module: Multiboot\n' >"$BOOT_TMP/a.txt"
printf 'second' >"$BOOT_TMP/b.bin"
A="$BOOT_TMP/a.txt alpha beta"
B="$BOOT_TMP/b.bin"

# What the guest must print, derived from the inputs, not from a run.
cat >"$BOOT_TMP/want" <<W
mbtest: magic ok
mbtest: cmdline "$MB hello world"
mbtest: modules: 2
mbtest: module 0: string "$A", $(stat -c %s "$BOOT_TMP/a.txt") bytes, page aligned: yes, in available RAM: yes, contents "first module: Multiboot."
mbtest: module 1: string "$B", 6 bytes, page aligned: yes, in available RAM: yes, contents "second"
mbtest: done
W

for p in "${PROVIDERS[@]}"; do
	run "$p-mb" -- --accel "$p" -v -a "hello world" --module "$A" --module "$B" "$MB"
	expect_rc "$p: mbtest" 0
	expect_err "$p: mbtest" "Multiboot protocol, 32-bit entry"
	grep '^mbtest:' "$OUT" >"$BOOT_TMP/$p.got"
	diff -u "$BOOT_TMP/want" "$BOOT_TMP/$p.got" >"$BOOT_TMP/$p.diff" ||
		fail "$p: mbtest output differs from what was given: $(cat "$BOOT_TMP/$p.diff")"
	expect_out "$p: mbtest" 'loader "minivmm"'

	# --initrd is the one-module shorthand: the whole argument is the path.
	run "$p-initrd" -- --accel "$p" --initrd "$BOOT_TMP/b.bin" "$MB"
	expect_rc "$p: mbtest --initrd" 0
	expect_out "$p: mbtest --initrd" "mbtest: module 0: string \"$B\", 6 bytes"
done

if command -v qemu-system-x86_64 >/dev/null 2>&1; then
	timeout -k 5 60 qemu-system-x86_64 -accel tcg -M pc -nodefaults -no-user-config \
		-display none -serial stdio -device isa-debug-exit,iobase=0xf4,iosize=4 \
		-kernel "$MB" -append "hello world" -initrd "$A,$B" </dev/null \
		>"$BOOT_TMP/qemu.raw" 2>"$BOOT_TMP/qemu.err"
	qrc=$?
	[ "$qrc" = 1 ] || fail "QEMU: exit status $qrc, want 1 (guest wrote 0): $(head -c 300 "$BOOT_TMP/qemu.err")"
	tr -d '\r' <"$BOOT_TMP/qemu.raw" | grep '^mbtest:' >"$BOOT_TMP/qemu.got"
	diff -u "$BOOT_TMP/qemu.got" "$BOOT_TMP/soft.got" >"$BOOT_TMP/qemu.diff" ||
		fail "minivmm and QEMU -M pc differ: $(cat "$BOOT_TMP/qemu.diff")"
else
	echo "skipped: the QEMU comparison: qemu-system-x86_64 not installed"
fi

# Broken headers: one line naming the file and the reason, status 3.
refused() { # NAME MENTION
	run "refuse-$1" -- --accel soft "$BOOT_TMP/$1"
	expect_rc "refused $1" 3 || return
	[ "$(wc -l <"$ERR")" -eq 1 ] || fail "refused $1: $(wc -l <"$ERR") lines on stderr"
	expect_err "refused $1" "$BOOT_TMP/$1: "
	expect_err "refused $1" "$2"
}
# mbtest's header sits at file offset 0x1000 (its first segment): flags, checksum.
cp "$MB" "$BOOT_TMP/flags.elf" # require bit 3 (unknown), fix the checksum to match
python3 - "$BOOT_TMP/flags.elf" <<'P'
import struct, sys
p = sys.argv[1]; d = bytearray(open(p, 'rb').read())
off = d.find(struct.pack('<I', 0x1BADB002))
flags = struct.unpack_from('<I', d, off + 4)[0] | 8
struct.pack_into('<II', d, off + 4, flags, (-(0x1BADB002 + flags)) & 0xffffffff)
open(p, 'wb').write(d)
P
refused flags.elf "requires features 0x8"
cp "$MB" "$BOOT_TMP/kludge.elf" # a.out kludge with load_addr above header_addr
python3 - "$BOOT_TMP/kludge.elf" <<'P'
import struct, sys
p = sys.argv[1]; d = bytearray(open(p, 'rb').read())
off = d.find(struct.pack('<I', 0x1BADB002))
flags = struct.unpack_from('<I', d, off + 4)[0] | 0x10000
struct.pack_into('<IIIIIII', d, off + 4, flags, (-(0x1BADB002 + flags)) & 0xffffffff,
                 0x100000, 0x200000, 0, 0, 0x100000)
open(p, 'wb').write(d)
P
refused kludge.elf "a.out kludge"
finish
