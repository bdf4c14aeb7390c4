#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Soak (issue 9): many launches in a row, looking for anything that grows.

  bench/soak.py [--hello N] [--disk N] [--accel soft|kvm|auto] [--valgrind K]

Runs hello.elf N times (default 1,000) and then the disk workload
(disktest.elf with its defaults: 1 MiB written, flushed, read back and
verified) N times (default 100) on one image, each launch waiting for the
previous one. minivmm is one process per VM, so a leak inside the VMM
dies with it; what can still grow is what a launch leaves behind or what
one launch holds that it should not. So it checks:

  - every launch exits 0 (the disk one also verifies its data, and would
    fail to lock the image if an earlier launch had left its lock);
  - peak RSS per launch (bench/measure): the median of the last tenth of
    the launches against the first tenth;
  - what the host is left with: this script's own open descriptors, its
    child processes, temporary files and /dev/shm entries, before and after;
  - on a sample of K launches of each kind (default 5, spread over the
    run), valgrind --leak-check=full --track-fds=yes: no byte definitely or
    indirectly lost, and no descriptor open at exit beyond stdin, stdout
    and stderr (the launch inherits nothing else).

Writes a summary to stdout and bench/results/soak-latest.md; exits 1 when
a check fails. `make soak` builds what it needs and runs it. Not part of
`make check` (about 10 minutes on the soft CPU on a quiet machine).
"""

import argparse
import glob
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import benchlib as bl

MEASURE = os.path.join(bl.REPO, "build", "bench", "measure")
HELLO = os.path.join(bl.GUESTS, "hello.elf")
DISKTEST = os.path.join(bl.GUESTS, "disktest.elf")
DISK_BYTES = 1 << 20  # disktest's default: 2048 sectors
RSS_GROWTH_LIMIT = 1.10  # last tenth's median peak RSS over the first tenth's


def measured_run(cmd):
    """Run cmd under bench/measure; (exit status, peak RSS KiB, stdout)."""
    r, w = os.pipe()
    env = dict(os.environ, MEASURE_FD=str(w))
    p = subprocess.run([MEASURE] + cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                       stdin=subprocess.DEVNULL, env=env, pass_fds=(w,), timeout=120)
    os.close(w)
    with os.fdopen(r) as f:
        status, _wall, rss, _cpu = f.read().split()
    if p.returncode != 0:
        raise RuntimeError("measure failed: %s" % " ".join(cmd))
    return int(status), int(rss), p.stdout.decode(errors="replace")


VG_LOST = re.compile(r"(definitely|indirectly) lost: ([\d,]+) bytes")
VG_FDS = re.compile(r"FILE DESCRIPTORS: (\d+) open \((\d+) std\) at exit")
VG_OPEN = re.compile(r"Open (?:file descriptor|AF_\w+ socket) (\d+): ?(.*)")


def no_sandbox(cmd):
    """valgrind does not implement seccomp(2): minivmm runs under it with --sandbox off."""
    return cmd[:1] + ["--sandbox", "off"] + cmd[1:]


def valgrind_run(cmd):
    """(exit status, bytes lost, descriptors open at exit beyond std, log).

    valgrind lists its own log file among the open descriptors; that one
    is not counted."""
    with tempfile.NamedTemporaryFile("r", suffix=".vg") as log:
        p = subprocess.run(["valgrind", "-q", "--leak-check=full", "--track-fds=yes",
                            "--log-file=" + log.name] + no_sandbox(cmd), stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, timeout=600)
        text = log.read()
    lost = sum(int(n.replace(",", "")) for _, n in VG_LOST.findall(text))
    if not VG_FDS.search(text):
        return p.returncode, lost, -1, text
    extra_fds = sum(1 for fd, path in VG_OPEN.findall(text)
                    if int(fd) > 2 and path.strip() != log.name)
    return p.returncode, lost, extra_fds, text


def host_state():
    """What a launch could leave behind on the host, as comparable numbers."""
    return {
        "own fds": len(os.listdir("/proc/self/fd")),
        "children": len(subprocess.run(["pgrep", "-P", str(os.getpid())],
                                       stdout=subprocess.PIPE).stdout.split()),
        "/tmp entries": len(glob.glob("/tmp/*")),
        "/dev/shm entries": len(glob.glob("/dev/shm/*")),
    }


def soak(name, cmd, n, nvg, check_out):
    """n launches of cmd; nvg of them (spread out) under valgrind instead."""
    print("== %s: %d launches, %d under valgrind" % (name, n, nvg), flush=True)
    vg_at = {round(i * (n - 1) / max(nvg - 1, 1)) for i in range(nvg)} if nvg else set()
    rss, problems, vg_rows = [], [], []
    t0 = time.monotonic()
    for i in range(n):
        if i in vg_at:
            rc, lost, fds, text = valgrind_run(cmd)
            vg_rows.append((i + 1, rc, lost, fds))
            if rc != 0 or lost != 0 or fds != 0:
                problems.append("launch %d under valgrind: exit %d, %d bytes lost, "
                                "%d extra fds open at exit" % (i + 1, rc, lost, fds))
                print(text, file=sys.stderr)
            continue
        status, kib, out = measured_run(cmd)
        rss.append(kib)
        if status != 0 or not check_out(out):
            problems.append("launch %d: exit status %d, output:\n%s" % (i + 1, status, out))
        if (i + 1) % max(n // 10, 1) == 0:
            print("   %d/%d, %.0f s" % (i + 1, n, time.monotonic() - t0), flush=True)
    tenth = max(len(rss) // 10, 1)
    first, last = statistics.median(rss[:tenth]), statistics.median(rss[-tenth:])
    if last > first * RSS_GROWTH_LIMIT:
        problems.append("peak RSS grew: median %d KiB over the first %d launches, %d KiB "
                        "over the last %d" % (first, tenth, last, tenth))
    return {"name": name, "n": n, "rss_first": first, "rss_last": last, "rss_max": max(rss),
            "tenth": tenth, "vg": vg_rows, "problems": problems,
            "seconds": time.monotonic() - t0}


def report(results, before, after, accel):
    md = ["# Soak: %s" % time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "",
          "`make soak` (bench/soak.py), accelerator `%s`, on a shared 2-CPU VM." % accel, "",
          "| workload | launches | time | peak RSS, median first tenth | last tenth | max |",
          "|---|---|---|---|---|---|"]
    for r in results:
        md.append("| %s | %d | %.0f s | %d KiB | %d KiB | %d KiB |" % (
            r["name"], r["n"], r["seconds"], r["rss_first"], r["rss_last"], r["rss_max"]))
    md += ["", "valgrind --leak-check=full --track-fds=yes on a sample:", "",
           "| workload | launch | exit | bytes definitely + indirectly lost | fds open at exit beyond std |",
           "|---|---|---|---|---|"]
    for r in results:
        for i, rc, lost, fds in r["vg"]:
            md.append("| %s | %d | %d | %d | %d |" % (r["name"], i, rc, lost, fds))
    md += ["", "Host state before and after all launches:", "", "| what | before | after |",
           "|---|---|---|"]
    for k in before:
        md.append("| %s | %d | %d |" % (k, before[k], after[k]))
    problems = [p for r in results for p in r["problems"]]
    for k in ("own fds", "children", "/dev/shm entries"):
        if after[k] > before[k]:
            problems.append("%s grew from %d to %d" % (k, before[k], after[k]))
    if after["/tmp entries"] > before["/tmp entries"]:
        # Others share /tmp: only a note, not a failure.
        md += ["", "Note: /tmp gained entries during the run (shared with other processes)."]
    md += ["", "Result: " + ("PASS" if not problems else "FAIL")]
    md += ["- " + p for p in problems]
    return "\n".join(md) + "\n", problems


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--hello", type=int, default=1000)
    ap.add_argument("--disk", type=int, default=100)
    ap.add_argument("--valgrind", type=int, default=5, help="launches of each kind under valgrind")
    ap.add_argument("--accel", default="auto")
    ap.add_argument("--out", default=os.path.join(bl.REPO, "bench", "results", "soak-latest.md"))
    args = ap.parse_args()
    for tool in (MEASURE, bl.MINIVMM, HELLO, DISKTEST):
        if not os.path.exists(tool):
            sys.exit("soak: %s missing: run `make soak`" % tool)
    if args.valgrind and not shutil.which("valgrind"):
        sys.exit("soak: valgrind missing: run `make deps`")
    workdir = tempfile.mkdtemp(prefix="minivmm-soak-")
    image = os.path.join(workdir, "disk.img")
    with open(image, "wb") as f:
        f.truncate(DISK_BYTES)
    before = host_state()
    try:
        results = [
            soak("hello.elf", bl.minivmm_cmd(HELLO, args.accel), args.hello, args.valgrind,
                 lambda out: "hello: done" in out),
            soak("disktest.elf (1 MiB verify)", bl.minivmm_cmd(DISKTEST, args.accel, disk=image),
                 args.disk, args.valgrind, lambda out: "PASS" in out),
        ]
    finally:
        shutil.rmtree(workdir)
    after = host_state()
    text, problems = report(results, before, after, args.accel)
    print(text)
    with open(args.out, "w") as f:
        f.write(text)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
