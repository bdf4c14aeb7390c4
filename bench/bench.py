#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""make bench: minivmm beside QEMU 7.2 microvm (TCG), four tables.

  launch    launch-to-exit wall time and peak RSS of hello.elf
  exitcost  host instructions per handled exit (callgrind), CPU provider excluded
  blk       virtio-blk sequential read/write throughput seen by the guest
  cpu       guest instructions per second on cpubench.elf
  fp        x87 + SSE2 rounds per second on fpbench.elf
  linux     Debian's Linux 6.1 to /init (the linux-demo initramfs)
  xen       Xen 4.17 + Linux PV dom0: launch to dom0's /init (minutes)

Each table is measured side by side in one run (runs interleaved), medians
of BENCH_RUNS repetitions with min and max. A piece that cannot run here
(yet) is reported as such, never estimated. Results go to
bench/results/<UTC time>.md (+ .json) and bench/results/latest.md.

Environment: BENCH_RUNS (repetitions), BENCH_ONLY=launch,exitcost,blk,cpu,fp,linux,xen.
"""

import datetime
import json
import os
import platform
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import benchlib as bl  # noqa: E402
import bench_blk  # noqa: E402
import bench_cpu  # noqa: E402
import bench_exitcost  # noqa: E402
import bench_fp  # noqa: E402
import bench_launch  # noqa: E402
import bench_linux  # noqa: E402
import bench_xen  # noqa: E402

SECTIONS = [
    ("launch", bench_launch),
    ("exitcost", bench_exitcost),
    ("blk", bench_blk),
    ("cpu", bench_cpu),
    ("fp", bench_fp),
    ("linux", bench_linux),
    ("xen", bench_xen),
]


def machine_line():
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    qemu = "not installed"
    if bl.QEMU:
        qemu = subprocess.run([bl.QEMU, "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    commit = subprocess.run(["git", "-C", bl.REPO, "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    return "%s, %d CPUs, Linux %s; %s; /dev/kvm %s; minivmm %s" % (
        cpu, os.cpu_count(), platform.release(), qemu, "usable" if bl.kvm_usable() else "absent", commit or "?")


def main():
    only = os.environ.get("BENCH_ONLY")
    chosen = [s for s in SECTIONS if not only or s[0] in only.split(",")]
    now = datetime.datetime.now(datetime.timezone.utc)
    parts = ["# minivmm benchmarks (%s)" % now.strftime("%Y-%m-%d %H:%M UTC"), "",
             "Machine: " + machine_line(), "",
             "Reproduce: `make bench` (%s)." % (
                 "BENCH_RUNS=%s for every table" % os.environ["BENCH_RUNS"] if os.environ.get("BENCH_RUNS")
                 else "default repetitions: launch 50, disk 7 (+3 for disktest), cpu 5 rounds; "
                 "BENCH_RUNS=n sets them all"), ""]
    raw = {}
    for name, mod in chosen:
        print("== %s" % name, flush=True)
        try:
            md, data = mod.run()
        except bl.Unavailable as e:
            md, data = "## %s\n\nNot measured: %s\n" % (mod.TITLE, e), {"unavailable": str(e)}
        print(md, flush=True)
        parts.append(md)
        raw[name] = data
    text = "\n".join(parts) + "\n"
    outdir = os.path.join(bl.REPO, "bench", "results")
    os.makedirs(outdir, exist_ok=True)
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    with open(os.path.join(outdir, stamp + ".md"), "w") as f:
        f.write(text)
    with open(os.path.join(outdir, stamp + ".json"), "w") as f:
        json.dump(raw, f, indent=1)
    if not only:
        with open(os.path.join(outdir, "latest.md"), "w") as f:
            f.write(text)
    print("written: bench/results/%s.md%s" % (stamp, "" if only else " and bench/results/latest.md"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
