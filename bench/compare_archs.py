#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""make compare-archs: the OS-architecture guests (guest-kernels/{mono,micro,
exo} and the Solo5 unikernel uni when it is built) on one workload, side by
side, on every provider this machine has.

Each guest runs the shared workload (guest-kernels/lib/workload.h) over
ARCHS_RECORDS records (default 256) of an image that
guest-kernels/lib/workload.py filled; the script checks the output area and
the checksum on the host (all guests must agree), then reads:
  - from minivmm --stats=json: VM exits, and guest instructions (soft CPU);
  - from the guest's own "stats:" line: ring transitions, interrupts
    taken (timer and, in micro, the disk's line), messages (system calls,
    IPC messages or kernel calls, as the design has them),
    address-space switches and TSC cycles per record;
  - wall time of the whole run, median of ARCHS_RUNS runs (default 3).
The table goes to stdout, to bench/results/archs-<UTC time>.md and to
bench/results/archs-latest.md.
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402

WORKLOAD = os.path.join(benchlib.REPO, "guest-kernels", "lib", "workload.py")
RESULTS = os.path.join(benchlib.REPO, "bench", "results")
RECORDS = int(os.environ.get("ARCHS_RECORDS", "256"))
RUNS = int(os.environ.get("ARCHS_RUNS", "3"))
EVERY = 64
OUT = 1024  # first sector of the output area
ARCHS = ["mono", "micro", "exo", "uni"]


def workload_py(*args):
    return subprocess.run([sys.executable, WORKLOAD] + [str(a) for a in args], check=True,
                          capture_output=True, text=True).stdout.strip()


def command(arch, provider, image, stats_path):
    append = "workload.records=%d workload.every=%d workload.out=%d" % (RECORDS, EVERY, OUT)
    extra = ["--stats=json:" + stats_path, "--timeout", "120"]
    guest = os.path.join(benchlib.GUESTS, arch + ".elf")
    if arch == "uni":
        # The Solo5 hvt unikernel: the disk is bound to its manifest entry by
        # name and the arguments follow the kernel (issue 12, What to build 3).
        return [benchlib.MINIVMM, "--accel", provider, "-d", image + ",name=storage"] + extra + \
            [guest, "--"] + append.split()
    return benchlib.minivmm_cmd(guest, provider, append=append, disk=image, extra=extra)


def guest_stats(text):
    """The key=value pairs of the guest's "stats:" line."""
    for line in text.splitlines():
        if line.startswith("stats: "):
            return dict(kv.split("=", 1) for kv in line.split()[1:] if "=" in kv)
    return {}


def run_one(arch, provider, tmp):
    image = os.path.join(tmp, "%s-%s.img" % (arch, provider))
    stats_path = image + ".json"
    walls = []
    for _ in range(RUNS):
        if os.path.exists(image):
            os.unlink(image)
        workload_py("fill", image, 0, RECORDS, 5)
        # Room after the output area: exo's second library OS works there.
        os.truncate(image, (OUT + RECORDS + 64) * 512)
        cmd = command(arch, provider, image, stats_path)
        t0 = time.perf_counter()
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True)
        walls.append(time.perf_counter() - t0)
        if p.returncode != 0:
            last = (p.stderr.strip().splitlines() or p.stdout.strip().splitlines() or ["?"])[-1]
            raise benchlib.Unavailable("exit %d: %s" % (p.returncode, last.strip()))
    want = workload_py("check", image, 0, OUT, RECORDS)
    serial = p.stdout.replace("\r", "")
    done = [ln for ln in serial.splitlines() if ln.startswith("workload: done ")]
    if not done or not done[0].endswith(want):
        raise benchlib.Unavailable("checksum differs from the image's %s" % want)
    with open(stats_path) as f:
        vmm = json.load(f)
    # The guest's own checksum, which the check above held to the image's.
    return {"checksum": want, "guest_sum": done[0].split()[-1],
            "wall": statistics.median(walls), "vmm": vmm, "guest": guest_stats(serial)}


def providers():
    found = ["soft"]
    if benchlib.kvm_usable():
        found.insert(0, "kvm")
    return found


def row(arch, provider, r):
    g, v = r["guest"], r["vmm"]
    insns = v.get("provider_counters", {}).get("soft_insns")
    exits = v["exits"]
    return ["`%s`" % arch, provider, "`%s`" % r["guest_sum"], str(exits), "%.1f" % (exits / RECORDS),
            g.get("ring_transitions", "—"), g.get("interrupts", "—"), g.get("messages", "—"),
            g.get("as_switches", "—"),
            str(insns) if insns is not None else "—", g.get("cycles_per_record", "—"),
            "%.0f ms" % (r["wall"] * 1000)]


HEADER = ["architecture", "provider", "checksum (guest)", "VM exits", "exits/record", "ring transitions",
          "timer/device interrupts", "messages", "address-space switches", "guest instructions", "cycles/record",
          "wall time"]


def main():
    rows, notes, sums, failed = [], [], set(), 0
    with tempfile.TemporaryDirectory() as tmp:
        for provider in providers():
            for arch in ARCHS:
                if not os.path.exists(os.path.join(benchlib.GUESTS, arch + ".elf")):
                    notes.append("`%s`: guest-kernels/%s.elf is not built (not on main yet)"
                                 % (arch, arch))
                    continue
                try:
                    r = run_one(arch, provider, tmp)
                except benchlib.Unavailable as e:
                    notes.append("`%s` on %s: %s" % (arch, provider, e))
                    failed += 1
                    continue
                sums.add(r["checksum"])
                rows.append(row(arch, provider, r))
    if not benchlib.kvm_usable():
        notes.append("kvm provider: no usable /dev/kvm on this machine")
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    text = ["# OS architectures on one workload (`make compare-archs`, %s)" % stamp, "",
            "%d records of 512 bytes read, transformed, checksummed and written back, "
            "one progress line every %d; wall time is the median of %d runs; counts from "
            "the last. Checksum of the output area, from the image on the host: %s; each "
            "guest's own (its last workload line) must equal it." %
            (RECORDS, EVERY, RUNS, ", ".join(sorted(sums)) or "none"),
            "Ring transitions, messages, address-space switches and cycles/record are the "
            "guest's own counts for the workload program's lifetime; VM exits and guest "
            "instructions are minivmm's (--stats=json) for the whole run. mono and micro "
            "preempt with the PIT where the machine has one: ring transitions then include "
            "two per interrupt taken in ring 3, whose number follows the run's wall time "
            "(—: the kernel takes no interrupts).", ""] + lines
    if notes:
        text += [""] + ["- " + n for n in notes]
    if len(sums) > 1:
        text += ["", "**The checksums differ between architectures.**"]
    out = "\n".join(text) + "\n"
    print(out, end="")
    os.makedirs(RESULTS, exist_ok=True)
    name = "archs-" + time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()) + ".md"
    for path in (os.path.join(RESULTS, name), os.path.join(RESULTS, "archs-latest.md")):
        with open(path, "w") as f:
            f.write(out)
    return 1 if len(sums) > 1 or not rows or failed else 0


if __name__ == "__main__":
    sys.exit(main())
