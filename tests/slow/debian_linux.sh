#!/bin/bash
# SPDX-License-Identifier: MIT
# Debian's Linux 6.1 on the soft provider to userspace (make check-slow: the
# bzImage alone takes about two minutes of interpreted x86 here), with what
# `make linux-demo` uses (scripts/linux-prepare.sh: the kernel package,
# busybox-static, an initramfs with the package's own virtio-mmio,
# virtio-blk and ext4 modules):
#   1. the vmlinux by PVH and the bzImage by the Linux boot protocol, each
#      with only "console=ttyS0 panic=-1": /init runs, loads the modules,
#      mounts /dev/vda (ext4, found through minivmm's ACPI DSDT), runs the
#      disk's autorun.sh (reads a file the host wrote, reads the raw
#      superblock, writes a file, counts in shell), powers off: status 0,
#      and the host reads the written file back with debugfs;
#   2. the PVH run under QEMU 7.2 microvm TCG (acpi=on) on a copy of the same
#      disk: the same milestones and the same script output;
#   3. the interactive demo through a pseudo-terminal: commands typed at
#      the busybox prompt, `poweroff`, status 0, the typed file on the disk.
# No "unchecked MSR access", "Call Trace" or "BUG" on minivmm's console.
# SLOW_TIMEOUT (default 400 s) bounds each minivmm run.
# Skipped (77) with the reason only when a package cannot be fetched.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/boot_common.bash

require_minivmm
paths=$(scripts/linux-prepare.sh "${DEBIAN_CACHE:-build/debian-cache}") || exit $?
get() { awk -v w="$1" '$1 == w {print $2}' <<<"$paths"; }
BZ=$(get bzimage)
VMLINUX=$(get vmlinux)
INITRD=$(get initrd)
MKE2FS=$(get mke2fs)
DEBUGFS=$(get debugfs)
T=${SLOW_TIMEOUT:-400}
CMD="console=ttyS0 panic=-1"

# The disk: a file from the host and the script /init runs (output lines
# "autorun: ..." are compared with QEMU's; "info: ..." differ by design).
mkdir -p "$BOOT_TMP/files"
echo "written by the host" >"$BOOT_TMP/files/hello.txt"
cat >"$BOOT_TMP/files/autorun.sh" <<'EOF'
echo "autorun: read: $(cat hello.txt)"
echo "autorun: superblock magic: $(dd if=/dev/vda bs=1 skip=1080 count=2 2>/dev/null | od -An -tx2 | tr -d ' ')"
n=0; s=0
while [ $n -lt 100 ]; do n=$((n + 1)); s=$((s + n)); done
echo "sum 1..100 = $s, kernel $(uname -r)" >f
sync
echo "autorun: wrote: $(cat f)"
echo "autorun: modules: $(cut -d' ' -f1 /proc/modules | sort | tr '\n' ' ')"
echo "info: clocksource $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"
grep -E 'LOC:|ttyS0|virtio' /proc/interrupts | tr -s ' ' | sed 's/^/info: interrupts /'
EOF
make_disk() { # IMAGE
	rm -f "$1"
	"$MKE2FS" -q -t ext4 -L slowtest -d "$BOOT_TMP/files" "$1" 16M || fail "mke2fs $1"
}
WANT_F="sum 1..100 = 5050, kernel ${VMLINUX##*/vmlinux-}"

# boot NAME KERNEL: one run with the time bound; OUT, ERR, RC, DISK.
boot() {
	local name=$1 kernel=$2 start
	DISK=$BOOT_TMP/$name.img
	OUT=$BOOT_TMP/$name.out
	ERR=$BOOT_TMP/$name.err
	make_disk "$DISK"
	start=$(date +%s)
	timeout -k 5 $((T + 30)) "$MINIVMM" --accel soft -m 256M --timeout "$T" -d "$DISK" \
		--initrd "$INITRD" -a "$CMD" "$kernel" </dev/null 2>"$ERR" | tr -d '\r' >"$OUT"
	RC=${PIPESTATUS[0]}
	echo "$name: status $RC after $(($(date +%s) - start)) s; last line: $(grep -v '^$' "$OUT" | tail -1)"
}

# check_run NAME: what every run to userspace must show.
check_run() {
	local name=$1 want
	[ "$RC" = 0 ] || fail "$name: exit status $RC, want 0 (stderr: $(head -c 300 "$ERR"))"
	for want in "Command line: $CMD" "Run /init as init process" "linux-demo: /init started" \
		"512-byte logical blocks (16.8 MB/16.0 MiB)" "linux-demo: /dev/vda mounted on /mnt" \
		"autorun: read: written by the host" "autorun: superblock magic: ef53" \
		"autorun: wrote: $WANT_F" "linux-demo: autorun.sh exit status 0" \
		"ACPI: PM: Preparing to enter system sleep state S5" "reboot: Power down"; do
		grep -qF -- "$want" "$OUT" || fail "$name: no '$want' on the console"
	done
	grep -q "unchecked MSR access\|Call Trace\|BUG:\|WARNING:" "$OUT" &&
		fail "$name: $(grep -m1 "unchecked MSR access\|Call Trace\|BUG:\|WARNING:" "$OUT")"
	[ "$("$DEBUGFS" -R 'cat /f' "$DISK" 2>/dev/null)" = "$WANT_F" ] ||
		fail "$name: the host reads '$("$DEBUGFS" -R 'cat /f' "$DISK" 2>&1 | tail -1)' from /f, want '$WANT_F'"
}

# milestones FILE: the lines both VMMs must print alike, timestamps cut.
milestones() {
	sed -n 's/^\[ *[0-9.]*\] //; /virtio_blk virtio0: \[vda\]/p; /^linux-demo: /p; /^autorun: /p;
		/Preparing to enter system sleep state S5/p; /reboot: Power down/p' "$1"
}

boot pvh "$VMLINUX"
check_run pvh
# issue 11: no lpj=, no nolapic/noapic: kvm-clock, the LAPIC timer, the scheduler
for want in "kvm-clock: Using msrs 4b564d01 and 4b564d00" "clocksource: Switched to clocksource kvm-clock" \
	"info: clocksource kvm-clock" "Freeing unused kernel image"; do
	grep -qF -- "$want" "$OUT" || fail "pvh: no '$want' on the console"
done
grep "^info:" "$OUT" | sed 's/^/pvh: /'
milestones "$OUT" >"$BOOT_TMP/minivmm.milestones"

boot bzimage "$BZ"
check_run bzimage
grep -qF "Linux version 6.1" "$OUT" || fail "bzimage: no banner"

if command -v qemu-system-x86_64 >/dev/null; then
	# -icount: plain TCG on this loaded 2-CPU host fails Linux's PIT
	# calibration ("tsc: Unable to calibrate against PIT") and hangs
	# before the first tick; with instruction counting QEMU's clocks follow
	# the guest's progress and it boots the same files.
	make_disk "$BOOT_TMP/qemu.img"
	timeout -k 5 300 qemu-system-x86_64 -accel tcg -icount shift=auto -M microvm,acpi=on -m 256M \
		-nodefaults -no-user-config -display none -serial stdio -no-reboot \
		-kernel "$VMLINUX" -initrd "$INITRD" -append "$CMD" \
		-drive id=d0,file="$BOOT_TMP/qemu.img",format=raw,if=none -device virtio-blk-device,drive=d0 \
		</dev/null 2>"$BOOT_TMP/qemu.err" | tr -d '\r' >"$BOOT_TMP/qemu.out"
	echo "qemu: status ${PIPESTATUS[0]}; last line: $(grep -v '^$' "$BOOT_TMP/qemu.out" | tail -1)"
	milestones "$BOOT_TMP/qemu.out" >"$BOOT_TMP/qemu.milestones"
	[ -s "$BOOT_TMP/qemu.milestones" ] || fail "qemu: no milestone at all"
	diff -u "$BOOT_TMP/qemu.milestones" "$BOOT_TMP/minivmm.milestones" ||
		fail "minivmm's milestones differ from QEMU microvm's (diff above: - QEMU, + minivmm)"
	[ "$("$DEBUGFS" -R 'cat /f' "$BOOT_TMP/qemu.img" 2>/dev/null)" = "$WANT_F" ] ||
		fail "qemu: /f on its disk is not '$WANT_F'"
else
	echo "qemu: qemu-system-x86_64 is not installed, comparison not run"
fi

# The demo as a user runs it, at a terminal.
printf '%s\n' 'cat hello.txt' 'echo typed at the prompt > typed.txt; uname -r' 'poweroff' |
	timeout -k 5 $((T + 60)) python3 tests/slow/linux_pty.py "$T" "$BOOT_TMP/pty.out" \
		env LINUX_DEMO_DIR="$BOOT_TMP/demo" DEBIAN_CACHE="${DEBIAN_CACHE:-build/debian-cache}" \
		MINIVMM="$MINIVMM" scripts/linux-demo.sh
RC=$?
echo "demo: status $RC"
[ "$RC" = 0 ] || fail "demo: exit status $RC, want 0 (last: $(tail -c 200 "$BOOT_TMP/pty.out"))"
grep -q "^6.1.0-" "$BOOT_TMP/pty.out" || fail "demo: uname -r typed at the prompt printed nothing"
grep -qF "into an ext4 image that Linux reads" "$BOOT_TMP/pty.out" || fail "demo: cat hello.txt printed nothing"
[ "$("$DEBUGFS" -R 'cat /typed.txt' "$BOOT_TMP/demo/disk.img" 2>/dev/null)" = "typed at the prompt" ] ||
	fail "demo: typed.txt is not on the disk"
finish
