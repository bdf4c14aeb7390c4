#!/bin/bash
# Durability: the guest writes a pattern, FLUSHes, prints "flush complete"
# and then spins (disktest.hang=1). As soon as that line appears, minivmm
# is killed with SIGKILL; the flushed data must be in the image.
. "$(dirname "$0")/disk_common.bash"
need_python
need_minivmm_disk
usable_providers

img=$DISK_TMP/dur.img
for p in "${PROVIDERS[@]}"; do
	make_image "$img" $((512 * 1024)) 00
	out=$DISK_TMP/dur-$p
	# Started directly (not under timeout(1)) so that $! is minivmm itself;
	# the loop below bounds the wait.
	"$MINIVMM" --accel "$p" -d "$img" \
		-a "disktest.sectors=512 disktest.req=32768 disktest.seed=5 disktest.hang=1" \
		"$DISKTEST" >"$out" 2>"$out.err" &
	pid=$!
	for _ in $(seq 1 $((DISK_TIMEOUT * 10))); do
		grep -q 'disktest: flush complete' "$out" && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if ! grep -q 'disktest: flush complete' "$out"; then
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		problem "$p: the guest never reported a completed FLUSH"; show "$out"
		continue
	fi
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null
	rc=$?
	[ "$rc" = 137 ] || problem "$p: minivmm was not running when killed (exit $rc); the test proves nothing"
	pattern check "$img" 0 512 5 >/dev/null || problem "$p: flushed data missing after SIGKILL: $(pattern check "$img" 0 512 5)"
done
finish "data flushed before SIGKILL is in the image on ${PROVIDERS[*]}"
