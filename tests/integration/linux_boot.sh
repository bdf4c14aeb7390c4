#!/bin/bash
# SPDX-License-Identifier: MIT
# The Linux boot protocol end to end on every provider present, with a
# bzImage written here (Documentation/arch/x86/boot.rst: a setup sector,
# the setup header at 0x1f1, the protected-mode kernel after the setup
# sectors, startup_64 at +0x200). Its 64-bit code checks what a kernel's
# startup_64 relies on, from the zero page in RSI: the "HdrS" header
# copied, type_of_loader 0xff, the ACPI RSDP at acpi_rsdp_addr, and prints
# the command line and the initrd's bytes through COM1. Then damaged
# headers are refused with one line and status 3.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/boot_common.bash

require_minivmm
test_providers

cat >"$BOOT_TMP/bz.S" <<'S'
	.code64
	.org 0x1f1
	.byte 1                 /* setup_sects: the setup code is 2 sectors */
	.org 0x1fe
	.word 0xaa55            /* boot_flag */
	.byte 0xeb, 0x66        /* jump: the header ends at 0x202 + 0x66 */
	.ascii "HdrS"
	.word 0x020f            /* version 2.15 */
	.org 0x211
	.byte 1                 /* loadflags: LOADED_HIGH */
	.org 0x22c
	.long 0x7fffffff        /* initrd_addr_max */
	.long 0x200000          /* kernel_alignment */
	.byte 1, 0              /* relocatable_kernel, min_alignment */
	.word 1                 /* xloadflags: XLF_KERNEL_64 */
	.long 255               /* cmdline_size */
	.org 0x258
	.quad 0x200000          /* pref_address */
	.long 0x100000          /* init_size */
	.org 0x400 + 0x200      /* startup_64: the protected-mode kernel + 0x200 */
	cmpl $0x53726448, 0x202(%rsi)  /* "HdrS" in the zero page's copy of the header */
	jne bad
	cmpb $0xff, 0x210(%rsi)        /* type_of_loader */
	jne bad
	mov 0x70(%rsi), %rax           /* acpi_rsdp_addr */
	mov $0x2052545020445352, %rbx  /* "RSD PTR " */
	cmp (%rax), %rbx
	jne bad
	mov 0x228(%rsi), %ebx          /* cmd_line_ptr */
	call puts
	mov 0x218(%rsi), %ebx          /* ramdisk_image */
	mov 0x21c(%rsi), %ecx          /* ramdisk_size */
1:	mov (%rbx), %al
	call putc
	inc %rbx
	loop 1b
	xor %al, %al
	out %al, $0xf4
bad:	mov $1, %al
	out %al, $0xf4
puts:	mov (%rbx), %al
	test %al, %al
	jz 2f
	call putc
	inc %rbx
	jmp puts
2:	mov $'\n', %al
putc:	mov $0x3f8, %dx
	out %al, %dx
	ret
	.org 0x1000
S
gcc -c -o "$BOOT_TMP/bz.o" "$BOOT_TMP/bz.S" &&
	objcopy -O binary -j .text "$BOOT_TMP/bz.o" "$BOOT_TMP/bzImage" ||
	{ echo "FAIL: cannot build the test bzImage"; exit 1; }
printf 'initrd bytes\n' >"$BOOT_TMP/initrd"

for p in "${PROVIDERS[@]}"; do
	run "$p-bz" -- --accel "$p" -v -a "console=ttyS0 root=/dev/vda" --initrd "$BOOT_TMP/initrd" \
		"$BOOT_TMP/bzImage"
	expect_rc "$p: bzImage" 0
	expect_err "$p: bzImage" "Linux boot protocol, 64-bit entry at 0x100200"
	[ "$(cat "$OUT")" = "console=ttyS0 root=/dev/vda
initrd bytes" ] || fail "$p: bzImage printed '$(cat "$OUT")'"
done

# Damaged headers: one line naming the file and the reason, status 3.
refused() { # NAME OFFSET BYTES(printf) MENTION [ARGS...]
	local name=$1 off=$2 bytes=$3 mention=$4
	shift 4
	head -c "${LEN:-4096}" "$BOOT_TMP/bzImage" >"$BOOT_TMP/$name"
	printf "$bytes" | dd of="$BOOT_TMP/$name" bs=1 seek=$((off)) conv=notrunc status=none
	run "refuse-$name" -- --accel soft "$@" "$BOOT_TMP/$name"
	expect_rc "refused $name" 3 || return
	[ "$(wc -l <"$ERR")" -eq 1 ] || fail "refused $name: $(wc -l <"$ERR") lines on stderr"
	expect_err "refused $name" "$BOOT_TMP/$name: "
	expect_err "refused $name" "$mention"
}
refused magic 0x202 'HdrX' '"HdrS"'
refused old 0x206 '\x0b\x02' '2.11 is too old'
refused zimage 0x211 '\x00' 'LOADED_HIGH'
refused 32bit 0x236 '\x00' 'XLF_KERNEL_64'
refused huge 0x260 '\x00\x00\x00\x40' 'to decompress' # init_size 1 GiB
LEN=1280 refused short 0 '' 'truncated' # 0x100 bytes of kernel: no startup_64
refused cmdline 0x238 '\x04\x00\x00\x00' 'at most 4' -a "console=ttyS0"
finish
