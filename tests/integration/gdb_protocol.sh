#!/bin/bash
# SPDX-License-Identifier: MIT
# The gdb server against a hostile or confused client (a Python client
# written from the GDB manual's framing rules, not from minivmm's code):
# wrong checksums are answered '-', '-' makes the server resend its last
# reply, noise and overlong packets are survived, a huge m length gets a
# bounded answer, a second client is refused while one is attached, and a
# client that vanishes mid-packet leaves the guest running to its end.
# Also: attaching the real gdb over TCP to a guest that is already running
# (it stops), bad --gdb values (status 2), an unusable socket path (4),
# and no socket at all without --gdb.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/boot_common.bash
. tests/integration/gdb_common.bash

HELLO=guest-kernels/hello.elf
BENCH=guest-kernels/cpubench.elf
require_minivmm
require_gdb
command -v python3 >/dev/null || { echo "skipped: python3 is not installed"; exit 77; }
[ -f "$HELLO" ] && [ -f "$BENCH" ] || { echo "skipped: guests not built (run make all)"; exit 77; }
test_providers

cat >"$BOOT_TMP/client.py" <<'PY'
import socket, sys, time

def frame(payload):
    return b"$" + payload + b"#%02x" % (sum(payload) % 256)

def conn(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(path)
    return s

def read_until(s, n=1, pred=None):
    buf = b""
    while True:
        c = s.recv(65536)
        if not c:
            return buf
        buf += c
        if pred is None and len(buf) >= n:
            return buf
        if pred is not None and pred(buf):
            return buf

def one_reply(s):
    # '+' then "$...#xx"
    buf = read_until(s, pred=lambda b: b"#" in b[b.find(b"$"):] and len(b) - b.rfind(b"#") >= 3)
    return buf

def check(cond, what):
    if not cond:
        print("FAIL: " + what)
        sys.exit(1)

path = sys.argv[1]
s = conn(path)
s.sendall(b"$g#00")                         # wrong checksum ('g' is 0x67)
check(read_until(s, 1) == b"-", "bad checksum not answered '-'")
s.sendall(frame(b"?"))
r = one_reply(s)
check(r.startswith(b"+$T05"), "'?' not answered with a T05 stop: %r" % r)
body = r[r.find(b"$") + 1:r.rfind(b"#")]
check(r[-2:] == b"%02x" % (sum(body) % 256), "reply checksum wrong: %r" % r)
s.sendall(b"-")                             # we claim it arrived damaged
r2 = read_until(s, pred=lambda b: len(b) >= len(r) - 1)
check(r2 == r[1:], "'-' did not resend the same reply: %r vs %r" % (r2, r))
s.sendall(b"noise\x00\xff\r\n+" + frame(b"qC"))
r = one_reply(s)
check(r.endswith(frame(b"QC1")), "qC after noise: %r" % r)
s.sendall(b"+" + frame(b"A" * 5000))        # longer than PacketSize
check(read_until(s, 1) == b"-", "overlong packet not answered '-'")
s.sendall(frame(b"m100000,ffffffff"))       # huge length
r = one_reply(s)
body = r[r.find(b"$") + 1:r.rfind(b"#")]
check(0 < len(body) <= 4096 and len(body) % 2 == 0, "huge m: %d bytes" % len(body))
s.sendall(b"+" + frame(b"mffff800000000000,4"))   # nothing is mapped there before paging
r = one_reply(s)
check(b"$E" in r, "unmapped m not an error: %r" % r)
s.sendall(b"+" + frame(b"Z0,100000,1;X2,0101"))   # a condition list: not announced, must not crash
r = one_reply(s)
check(b"$" in r, "Z0 with conditions: no reply")
# a second debugger is hung up on while this one is attached
s2 = conn(path)
check(read_until(s2, 1) == b"", "second client was not refused")
s2.close()
s.sendall(b"+" + frame(b"z0,100000,1"))
one_reply(s)
# vanish in the middle of a packet: the guest must run on to its end
s.sendall(b"+$m10")
s.close()
print("client ok")
PY

for p in "${PROVIDERS[@]}"; do
	vm_start "$p-hostile" -- --accel "$p" --gdb-wait "$HELLO" || continue
	out=$(timeout -k 5 30 python3 "$BOOT_TMP/client.py" "$SOCK" 2>&1)
	[ "$out" = "client ok" ] || fail "$p: hostile client: $out"
	vm_wait
	w="$p: after the client vanished"
	expect_rc "$w" 0
	expect_out "$w" "hello: done, exiting with 0"
	expect_err "$w" "refused a second connection"
	expect_err "$w" "debugger disconnected; the guest runs on"

	# TCP on a port the kernel picks, attaching to a guest that is already running
	ERR=$BOOT_TMP/$p-tcp.err
	OUT=$BOOT_TMP/$p-tcp.out
	timeout -k 5 60 "$MINIVMM" --accel "$p" --gdb tcp:127.0.0.1:0 -a iters=100000000000 "$BENCH" \
		</dev/null >"$OUT" 2>"$ERR" &
	VM_PID=$!
	port=
	for i in $(seq 100); do
		port=$(sed -n 's/.*listening on tcp:127\.0\.0\.1:\([0-9]*\).*/\1/p' "$ERR")
		[ -n "$port" ] && break
		sleep 0.1
	done
	sleep 0.5 # let the guest get going
	SOCK=":$port"
	gdb_batch "$p-tcp" "$BENCH" <<'GDB'
set print frame-arguments none
bt 2
kill
GDB
	vm_wait
	w="$p: gdb attaching over tcp to a running guest"
	[ -n "$port" ] || fail "$w: no port on stderr ($(head -c 300 "$ERR"))"
	expect_gdb_re "$w" "#0 +(0x[0-9a-f]+ in )?[a-z0-9_]+ \\(.*guest-kernels/cpubench/"
	expect_gdb "$w" "[Inferior 1 (Remote target) killed]"
	expect_rc "$w" 137
done

# bad values: one line on stderr, status 2, nothing started
for bad in "foo" "tcp:" "tcp:99999" "tcp:12ab" "unix:" "udp:1234"; do
	run "bad-gdb" -- --gdb "$bad" "$HELLO"
	expect_rc "--gdb $bad" 2
	expect_err "--gdb $bad" "minivmm: --gdb:"
	[ "$(wc -l <"$ERR")" -eq 1 ] || fail "--gdb $bad: not one line: $(cat "$ERR")"
done
run "wait-alone" -- --gdb-wait "$HELLO"
expect_rc "--gdb-wait alone" 2
expect_err "--gdb-wait alone" "--gdb-wait needs --gdb"
: >"$BOOT_TMP/regular-file"
run "not-a-socket" -- --accel soft --gdb "unix:$BOOT_TMP/regular-file" "$HELLO"
expect_rc "--gdb on a regular file" 4
expect_err "--gdb on a regular file" "exists and is not a socket"

# without --gdb nothing listens: the process owns no socket at all
timeout -k 5 30 "$MINIVMM" --accel soft --serial none -a iters=100000000000 "$BENCH" </dev/null 2>/dev/null &
VM_PID=$!
sleep 0.5
if ls -l "/proc/$VM_PID/fd" 2>/dev/null | grep -q 'socket:'; then
	fail "without --gdb: minivmm has a socket open"
fi
kill -TERM "$VM_PID"
wait "$VM_PID"
finish
