#!/bin/bash
# SPDX-License-Identifier: MIT
# Multiboot2: guest-kernels/mb2test.elf (ELF32, a Multiboot2 header with an
# information request, an entry address tag, console flags and module
# alignment) with two modules on every provider present. QEMU 7.2's -kernel
# speaks only Multiboot v1, so the oracle is the specification (the guest
# checks the information's structure, the requested tags and the RSDP
# copies against the legacy scan itself) and GRUB 2's documented strings
# (the command line without the kernel's name, a module's string its
# arguments); the expected lines are derived here from the inputs. Then
# broken headers are refused with one line and status 3.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/boot_common.bash

MB=guest-kernels/mb2test.elf
require_minivmm
[ -f "$MB" ] || { echo "skipped: $MB is not built (run make all)"; exit 77; }
test_providers

printf 'first module: Multiboot2\n' >"$BOOT_TMP/a.txt"
printf 'second' >"$BOOT_TMP/b.bin"
A="$BOOT_TMP/a.txt alpha beta"
B="$BOOT_TMP/b.bin"

cat >"$BOOT_TMP/want" <<W
mb2test: magic ok
mb2test: tags well formed
mb2test: every requested tag present: yes
mb2test: cmdline "hello world"
mb2test: modules: 2
mb2test: module 0: string "alpha beta", $(stat -c %s "$BOOT_TMP/a.txt") bytes, page aligned: yes, in available RAM: yes, contents "first module: Multiboot2."
mb2test: module 1: string "", 6 bytes, page aligned: yes, in available RAM: yes, contents "second"
mb2test: old RSDP: equals the legacy scan's, checksums ok
mb2test: new RSDP: equals the legacy scan's, checksums ok
mb2test: done
W

for p in "${PROVIDERS[@]}"; do
	run "$p-mb2" -- --accel "$p" -v -a "hello world" --module "$A" --module "$B" "$MB"
	expect_rc "$p: mb2test" 0
	expect_err "$p: mb2test" "Multiboot2 protocol, 32-bit entry"
	grep '^mb2test:' "$OUT" >"$BOOT_TMP/$p.got"
	diff -u "$BOOT_TMP/want" "$BOOT_TMP/$p.got" >"$BOOT_TMP/$p.diff" ||
		fail "$p: mb2test output differs from what was given: $(cat "$BOOT_TMP/$p.diff")"
	expect_out "$p: mb2test" 'loader "minivmm"'
done

# Broken headers: one line naming the file and the reason, status 3.
refused() { # NAME MENTION
	run "refuse-$1" -- --accel soft "$BOOT_TMP/$1"
	expect_rc "refused $1" 3 || return
	[ "$(wc -l <"$ERR")" -eq 1 ] || fail "refused $1: $(wc -l <"$ERR") lines on stderr"
	expect_err "refused $1" "$BOOT_TMP/$1: "
	expect_err "refused $1" "$2"
}
# patch NAME PYTHON: a copy of mb2test whose header the Python lines change
# (h = the header's offset in d; fix() recomputes the checksum).
patch() {
	cp "$MB" "$BOOT_TMP/$1"
	python3 - "$BOOT_TMP/$1" "$2" <<'P'
import struct, sys
p = sys.argv[1]; d = bytearray(open(p, 'rb').read())
h = d.find(struct.pack('<I', 0xE85250D6))
def fix():
    m, a, l = struct.unpack_from('<III', d, h)
    struct.pack_into('<I', d, h + 12, (-(m + a + l)) & 0xffffffff)
def tag(t):  # offset of the first header tag of type t
    o = h + 16
    while True:
        ty, fl, sz = struct.unpack_from('<HHI', d, o)
        if ty == t or ty == 0: return o
        o += (sz + 7) & ~7
exec(sys.argv[2])
open(p, 'wb').write(d)
P
}
patch arch.elf "struct.pack_into('<I', d, h + 4, 4); fix()"
refused arch.elf "architecture 4 is not i386"
patch request.elf "struct.pack_into('<I', d, tag(1) + 8, 8)"
refused request.elf "requires boot information tag type 8"
patch console.elf "struct.pack_into('<HHII', d, tag(4), 4, 0, 12, 1)"
refused console.elf "requires a console"
patch unknown.elf "struct.pack_into('<H', d, tag(6), 42)"
refused unknown.elf "required tag of unknown type 42"
patch overrun.elf "struct.pack_into('<I', d, tag(3) + 4, 4096)"
refused overrun.elf "outside the header"
patch entry.elf "struct.pack_into('<I', d, tag(3) + 8, 0x800000)"
refused entry.elf "entry address 0x800000 is outside the loaded image"
# An unknown tag the header marks optional is ignored: the guest still boots.
patch optional.elf "struct.pack_into('<HH', d, tag(6), 42, 1)"
run optional -- --accel soft "$BOOT_TMP/optional.elf"
expect_rc "optional unknown tag" 0
# A bad checksum is no Multiboot2 header: the file is then an ELF32 without
# a v1 header or PVH note, which minivmm refuses as such (still one line).
patch checksum.elf "struct.pack_into('<I', d, h + 12, 0)"
refused checksum.elf "ELF"
finish
