#!/bin/bash
# Disk images minivmm must refuse before the guest starts, with one line
# on stderr naming the file and exit status 2: missing, a directory,
# locked by another process (flock, as a second VM would hold it), a bad
# option, more than 8 disks. Also: a read-only user of an image blocks a
# writer but not another reader.
. "$(dirname "$0")/disk_common.bash"
need_minivmm_disk
command -v flock >/dev/null 2>&1 || skip "flock(1) is not installed"

img=$DISK_TMP/lock.img
truncate -s 64K "$img"

refused() { # WHAT PATTERN ARGS...
	local what=$1 pat=$2
	shift 2
	timeout 30 "$MINIVMM" "$@" "$HELLO" >"$DISK_TMP/out" 2>"$DISK_TMP/err"
	local rc=$? lines
	lines=$(wc -l <"$DISK_TMP/err")
	if [ "$rc" != 2 ] || [ "$lines" != 1 ] || ! grep -q -- "$pat" "$DISK_TMP/err"; then
		problem "$what: exit $rc (want 2), $lines stderr lines (want 1) matching '$pat':"
		sed 's/^/    /' "$DISK_TMP/err" | head -5
	fi
	[ -s "$DISK_TMP/out" ] && problem "$what: the guest ran (it printed something)"
}

refused "missing image" "$DISK_TMP/nope.img.*No such file" -d "$DISK_TMP/nope.img"
refused "directory" "$DISK_TMP: \(Is a directory\|not a regular file\)" -d "$DISK_TMP"
refused "directory (ro)" "$DISK_TMP: not a regular file" -d "$DISK_TMP,ro"
refused "bad option" "unknown option 'sync'" -d "$img,sync"

# The holder is one process (the subshell becomes sleep), so killing it drops the lock.
hold() { # -x|-s
	(exec 9<"$img" && flock "$1" 9 && exec sleep 60) &
	holder=$!
}
hold -x
sleep 0.5
refused "image locked by another process" "$img.*locked by another process" -d "$img"
refused "image locked by another process (ro)" "$img.*locked by another process" -d "$img,ro"
kill "$holder"
wait "$holder" 2>/dev/null

hold -s
sleep 0.5
refused "writer while another process reads" "$img.*locked by another process" -d "$img"
# Readers share: a read-only disk boots while another process reads the image.
test_providers
for p in "${PROVIDERS[@]}"; do
	timeout 30 "$MINIVMM" --accel "$p" -d "$img,ro" "$HELLO" >"$DISK_TMP/out" 2>"$DISK_TMP/err"
	rc=$?
	[ "$rc" = 0 ] || problem "$p: read-only disk next to another reader: exit $rc: $(head -1 "$DISK_TMP/err")"
done
kill "$holder"
wait "$holder" 2>/dev/null

nine=()
for _ in $(seq 9); do nine+=(-d "$img"); done
refused "nine disks" "disk" "${nine[@]}"
finish "bad disk images refused with one line and status 2"
