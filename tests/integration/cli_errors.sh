#!/bin/bash
# SPDX-License-Identifier: MIT
# Every bad input is refused with exactly one line on stderr that names the
# option or file, nothing on stdout, the documented exit status, and
# before any accelerator is opened (checked with -v, which would name it).
#   2: bad option or option value, bad disk image
#   3: kernel or initrd refused
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/boot_common.bash

require_minivmm

# A good kernel to pair with bad options: a tiny 64-bit guest built here.
cat >"$BOOT_TMP/ok.S" <<'S'
	.globl _start
_start:	mov $0, %al
	out %al, $0xf4
S
asm_guest ok
asm_guest high 0x10000000 ok # 256 MiB: outside the default 64 MiB of RAM
asm_guest low 0x3000 ok      # inside the boot area minivmm reserves
OK=$BOOT_TMP/ok.elf

# Malformed variants of the good file.
printf 'not an elf\n' >"$BOOT_TMP/text"
head -c 100 "$OK" >"$BOOT_TMP/truncated.elf"
cp "$OK" "$BOOT_TMP/arm.elf"
printf '\xb7\x00' | dd of="$BOOT_TMP/arm.elf" bs=1 seek=18 conv=notrunc status=none # EM_AARCH64
cp "$OK" "$BOOT_TMP/phent.elf" # e_phentsize (offset 54) 32, below sizeof(Elf64_Phdr) = 56
printf '\x20\x00' | dd of="$BOOT_TMP/phent.elf" bs=1 seek=54 conv=notrunc status=none
: >"$BOOT_TMP/empty"
head -c 5000 /dev/zero | tr '\0' 'a' >"$BOOT_TMP/longcmd"

# case WANT_STATUS MENTION ARGS...: one line mentioning MENTION, status WANT.
case_() {
	local want=$1 mention=$2
	shift 2
	run case -- "$@"
	local what="minivmm $*"
	expect_rc "$what" "$want" || return
	[ "$(wc -l <"$ERR")" -eq 1 ] || fail "$what: $(wc -l <"$ERR") lines on stderr, want 1: $(cat "$ERR")"
	grep -q '^minivmm: ' "$ERR" || fail "$what: message not prefixed 'minivmm: ': $(cat "$ERR")"
	grep -qF -- "$mention" "$ERR" || fail "$what: message does not mention '$mention': $(cat "$ERR")"
	[ -s "$OUT" ] && fail "$what: wrote to stdout"
	# Same again under -v: still refused before any accelerator was chosen.
	run case-v -- -v "$@"
	grep -q 'accelerator:' "$ERR" && fail "$what: an accelerator was opened before refusing"
	return 0
}

# Usage errors: 2.
case_ 2 "no kernel"
case_ 2 "--bogus" --bogus "$OK"
case_ 2 "--mem" -m 12Q "$OK"
case_ 2 "--mem" -m 1M "$OK"
case_ 2 "--mem" --mem 100G "$OK"
case_ 2 "--accel" --accel qemu "$OK"
case_ 2 "--serial" --serial tcp "$OK"
case_ 2 "--stats" --stats=yaml "$OK"
case_ 2 "--timeout" --timeout never "$OK"
case_ 2 "sector" -d "$BOOT_TMP/x.img,sector=1000" "$OK"
case_ 2 "unknown option 'sync'" -d "$BOOT_TMP/x.img,sync" "$OK"
case_ 2 "--append" -a "$(cat "$BOOT_TMP/longcmd")" "$OK"
case_ 2 "$BOOT_TMP/no-such-disk.img" -d "$BOOT_TMP/no-such-disk.img" "$OK"

# Kernel and initrd refused: 3.
case_ 3 "$BOOT_TMP/missing.elf" "$BOOT_TMP/missing.elf"
case_ 3 "not an ELF file" "$BOOT_TMP/text"
case_ 3 "$BOOT_TMP/empty" "$BOOT_TMP/empty"
case_ 3 "not a regular file" "$BOOT_TMP"
case_ 3 "truncated" "$BOOT_TMP/truncated.elf"
case_ 3 "wrong machine" "$BOOT_TMP/arm.elf"
case_ 3 "e_phentsize 32" "$BOOT_TMP/phent.elf"
case_ 3 "outside guest RAM" "$BOOT_TMP/high.elf"
case_ 3 "boot area" "$BOOT_TMP/low.elf"
case_ 3 "$BOOT_TMP/missing.img" --initrd "$BOOT_TMP/missing.img" "$OK"
case_ 3 "$BOOT_TMP/empty" --initrd "$BOOT_TMP/empty" "$OK"

# --help and --version: stdout, status 0.
run good -- --help
expect_rc "--help" 0
grep -q 'Usage: minivmm' "$OUT" || fail "--help does not print the usage on stdout"
run version -- -V
expect_rc "-V" 0
grep -q '^minivmm [0-9]' "$OUT" || fail "-V does not print the version on stdout"
finish
