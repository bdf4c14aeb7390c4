#!/bin/bash
# SPDX-License-Identifier: MIT
# --stats=json:FILE from the real binary, parsed with Python's json module
# (not string-matched): the schema, the provider that ran, and numbers that
# must agree with each other and with the hello guest's own behaviour
# (it prints through COM1 at 0x3f8, writes the 0xa5 marker to port 0x80 and
# ends through isa-debug-exit at 0xf4).
. "$(dirname "$0")/boot_common.bash"
require_minivmm
command -v python3 >/dev/null || { echo "skipped: python3 is not installed"; exit 77; }
HELLO=guest-kernels/hello.elf

test_providers
for p in "${PROVIDERS[@]}"; do
	json=$BOOT_TMP/stats-$p.json
	run "stats-$p" -- --accel "$p" --stats="json:$json" "$HELLO"
	expect_rc "hello --stats=json on $p" 0 || continue
	python3 - "$json" "$p" <<'EOS' || fail "$p: the JSON report is wrong (above)"
import json, sys
path, provider = sys.argv[1], sys.argv[2]
with open(path) as f:
    d = json.load(f)
problems = []
def want(cond, what):
    if not cond:
        problems.append(what)
want(d["schema"] == "minivmm-stats/1", "schema")
want(d["provider"] == provider, "provider %r, want %r" % (d["provider"], provider))
want(d["exits"] == sum(r["count"] for r in d["reasons"]), "exits != sum of reason counts")
want(d["marker_seen"] is True, "the guest's marker was not seen")
names = {r["reason"] for r in d["reasons"]}
want("IO" in names, "no IO exit reason named: %s" % sorted(names))
devices = {x["device"]: x["count"] for x in d["devices"]}
for dev in ("uart", "post", "debug-exit"):
    want(devices.get(dev, 0) >= 1, "device %s not timed: %s" % (dev, devices))
uart = [a for a in d["accesses"] if a["space"] == "pio" and a["addr"] == 0x3f8 and a["dir"] == "write"]
want(len(uart) == 1 and uart[0]["device"] == "uart" and uart[0]["offset"] == 0, "COM1 THR writes")
want(all(a["offset"] == a["addr"] - 0x3f8 for a in d["accesses"] if a["device"] == "uart"),
     "uart offsets are not relative to 0x3f8")
want(sum(a["exits"] for a in d["accesses"]) + d["accesses_not_itemised"] ==
     sum(r["count"] for r in d["reasons"] if r["reason"] in ("IO", "MMIO")),
     "access exits != IO + MMIO exits")
want(isinstance(d["provider_counters"], dict) and len(d["provider_counters"]) > 0,
     "no provider counters")
for p in problems:
    print("  " + p)
sys.exit(1 if problems else 0)
EOS
done
[ "$FAILS" = 0 ] && echo "PASS: --stats=json parses and adds up on ${PROVIDERS[*]}"
[ "$FAILS" = 0 ]
