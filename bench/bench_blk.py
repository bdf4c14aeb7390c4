# SPDX-License-Identifier: MIT
"""Table (c): virtio-blk sequential throughput seen by the guest, 64 MiB image.

Main table: build/bench/blkstream.elf (bench/guests/blkstream/) streams
over the whole 64 MiB image in requests of 4 KiB or 128 KiB, 4 in flight
per kick, touching only one tag word per request, so the time is the VMM's
and its device's, not the guest CPU's. The guest has no trustworthy clock,
so each side runs 1 pass and 1+P passes over the image; the difference of
the two wall times is the time of P passes (P x 64 MiB), start-up, boot,
the first pass's cold cache and the final FLUSH cancelling out:
throughput = P x 64 MiB / dt, requests/s = (P x 64 MiB / request size) / dt.

Second table: the same with disktest.elf, which fills every word with a
pattern before writing and verifies every word after reading: there the
guest CPU's speed dominates (on the soft CPU almost entirely), so it
measures the interpreter more than the disk; kept because it is the
workload the QEMU comparison and the disk tests use. Its method is the
earlier one: t(64 MiB) - t(4 MiB) over the image.
"""

import os
import shutil
import subprocess
import tempfile

import benchlib as bl

TITLE = "virtio-blk sequential throughput, 64 MiB image"
STREAM = os.path.join(bl.REPO, "build", "bench", "blkstream.elf")
DISKTEST = os.path.join(bl.GUESTS, "disktest.elf")
IMAGE = 64 << 20
SMALL = 4 << 20
SIZES = (4096, 128 << 10)
MODES = ("write", "read")
SOFT, QEMU_COL = "minivmm soft", "QEMU microvm TCG"
TARGET = 2.0


def stream_args(mode, req, passes):
    return "blkstream.mode=%s blkstream.bytes=%d blkstream.req=%d blkstream.passes=%d" % (
        mode, IMAGE, req, passes)


def disktest_args(mode, req, nbytes):
    return "disktest.mode=%s disktest.sectors=%d disktest.req=%d" % (mode, nbytes // 512, req)


def sides(guest, work):
    """(column, command maker) per VMM present, each with its own image."""
    out = []
    for name, present in ((SOFT, os.path.exists(bl.MINIVMM)), (QEMU_COL, bool(bl.QEMU))):
        if not present:
            continue
        img = os.path.join(work, name.split()[0] + ".img")
        with open(img, "wb") as f:
            f.truncate(IMAGE)
        if name == SOFT:
            out.append((name, lambda a, img=img: (bl.minivmm_cmd(guest, "soft", append=a, disk=img), 0)))
        else:
            # isa-debug-exit: the guest's 0 comes back as (0 << 1) | 1
            out.append((name, lambda a, img=img: (bl.qemu_cmd(guest, append=a, disk=img), 1)))
    return out


# {(req, mode, column): [CPU s / wall s]} of the last measure(): how much of
# the wall time the VMM's threads were on a CPU (several threads: above 1).
busy = {}


def measure(cfgs, runs, small_args, big_args, moved):
    """Interleaved runs: {(req, mode, column): [bytes/s]}, {(req, mode, column): [host CPU s per GiB]},
    {column: why it failed}."""
    rates, cpu, failed = {}, {}, {}
    busy.clear()
    for req in SIZES:
        for mode in MODES:  # a write pass first: the read checks what it wrote
            for name, _ in cfgs:
                rates[(req, mode, name)] = []
                cpu[(req, mode, name)] = []
            for _ in range(runs):
                for name, cmd in cfgs:
                    if name in failed:
                        continue
                    c0, want = cmd(small_args(mode, req))
                    c1, _ = cmd(big_args(mode, req))
                    m0 = bl.run_measured(c0, timeout=900)
                    m1 = bl.run_measured(c1, timeout=900)
                    (rc0, t0, _, e0), (rc1, t1, _, e1) = m0, m1
                    if rc0 != want or rc1 != want:
                        failed[name] = "%s %d B: exit status %d/%d (want %d): %s" % (
                            mode, req, rc0, rc1, want, bl.why(e1 if rc1 != want else e0))
                        continue
                    rates[(req, mode, name)].append(moved / max(t1 - t0, 1e-6))
                    cpu[(req, mode, name)].append((m1.cpu - m0.cpu) * (1 << 30) / moved)
                    busy.setdefault((req, mode, name), []).append((m1.cpu - m0.cpu) / max(t1 - t0, 1e-6))
    return rates, cpu, failed


def table(cfgs, rates, failed, target):
    cols = [c for c, _ in cfgs]
    rows = []
    for req in SIZES:
        for mode in MODES:
            row = ["%s, %d KiB requests" % (mode, req >> 10)]
            for c in cols:
                s = bl.summary(rates[(req, mode, c)])
                if c in failed or not s:
                    row.append("failed")
                else:
                    row.append("%s MiB/s, %.0f req/s" % (bl.fmt_summary(s, 1 / 2**20), s[0] / req))
            ms = bl.summary(rates[(req, mode, SOFT)]) if SOFT in cols and SOFT not in failed else None
            qs = bl.summary(rates[(req, mode, QEMU_COL)]) if QEMU_COL in cols and QEMU_COL not in failed else None
            ratio = bl.fmt_ratio(ms[0], qs[0], 2) if ms and qs else "n/a"
            if target and req == SIZES[-1] and ms and qs:
                ratio += " (target ≥ %.0f×: %s)" % (TARGET, "met" if ms[0] >= TARGET * qs[0] else "NOT met")
            row.append(ratio)
            rows.append(row)
    return bl.md_table(["workload", *cols, "minivmm / QEMU"], rows)


def cpu_table(cfgs, cpu, failed):
    cols = [c for c, _ in cfgs if c not in failed]
    rows = []
    for req in SIZES:
        for mode in MODES:
            rows.append(["%s, %d KiB requests" % (mode, req >> 10),
                         *[bl.fmt_summary(bl.summary(cpu[(req, mode, c)]), 1000, 0) for c in cols]])
    return bl.md_table(["host CPU ms per GiB moved (user + system, all threads)", *cols], rows)


def same_accesses(work):
    """One line: does blkstream make the same virtio accesses under both VMMs (tools/compare-qemu)?"""
    if not bl.QEMU or not os.path.exists(bl.MINIVMM):
        return None
    img = os.path.join(work, "compare.img")
    with open(img, "wb") as f:
        f.truncate(8 << 20)
    p = subprocess.run([os.path.join(bl.REPO, "tools", "compare-qemu"), "--accel", "soft", "--disk", img,
                        "--append", "blkstream.mode=write blkstream.bytes=1048576 blkstream.req=4096", STREAM],
                       stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=300)
    result = [l for l in p.stdout.splitlines() if l.startswith("RESULT:")]
    total = [l for l in p.stdout.splitlines() if l.startswith("total")]
    return "- Same work on both sides: `tools/compare-qemu --accel soft` on blkstream.elf (1 MiB in 4 KiB " \
        "requests) says %s (%s)." % (result[0][8:] if result else "nothing (exit %d)" % p.returncode,
                                      " ".join(total[0].split()) if total else "no totals")


def run():
    if not os.path.exists(STREAM):
        raise bl.Unavailable("build/bench/blkstream.elf is not built (make bench builds it)")
    runs = bl.runs_count(7)
    passes = int(os.environ.get("BENCH_BLK_PASSES", 16))
    work = tempfile.mkdtemp(prefix="bench-blk.", dir=os.environ.get("BENCH_TMPDIR"))
    data = {}
    try:
        cfgs = sides(STREAM, work)
        rates, cpu, failed = measure(cfgs, runs, lambda m, r: stream_args(m, r, 1),
                                     lambda m, r: stream_args(m, r, 1 + passes), passes * IMAGE)
        md = ["## %s" % TITLE, "",
              "blkstream.elf (bench/guests/blkstream/): sequential requests over the whole image, 4 in flight "
              "per kick, the guest touching one tag word per request. %d runs per side, interleaved; "
              "throughput = %d × 64 MiB / (t(%d passes) − t(1 pass)), so start-up, boot, the first pass and "
              "the final FLUSH cancel. MiB/s median (min–max); requests/s from the median. Image files in %s; "
              "QEMU `cache=writeback`, minivmm preadv/pwritev. Target: minivmm ≥ 2× QEMU at 128 KiB."
              % (runs, passes, 1 + passes, os.environ.get("BENCH_TMPDIR", "/tmp")), "",
              table(cfgs, rates, failed, True), "",
              "Host CPU time the same runs used for those %d passes (the same difference of two runs; "
              "QEMU's block layer works in its own threads, minivmm's device in the vCPU thread):" % passes, "",
              cpu_table(cfgs, cpu, failed), ""]
        for req in SIZES:
            for mode in MODES:
                b = ["%s %.0f%%" % (c, 100 * bl.summary(busy[(req, mode, c)])[0])
                     for c, _ in cfgs if busy.get((req, mode, c))]
                if b:
                    md.append("- CPU time / wall time over those passes, %s %d KiB (median): %s."
                              % (mode, req >> 10, ", ".join(b)))
        md.append("- Per request, both VMMs end in the host kernel copying the data between the page cache and "
                  "guest RAM (preadv/pwritev). minivmm does one call per request in the vCPU thread; QEMU merges "
                  "the adjacent requests of a kick into one call (strace, 11 read passes: 1408 preadv for 5632 "
                  "requests) and runs them in its worker threads, so it uses more than one CPU (the CPU/wall "
                  "line above).")
        same = same_accesses(work)
        if same:
            md.append(same)
        md += bl.closing_notes(failed)
        data["blkstream"] = {"passes": passes, "runs": runs, "failed": failed,
                             "rates_bytes_per_s": {"%d/%s/%s" % k: v for k, v in rates.items()},
                             "cpu_s_per_gib": {"%d/%s/%s" % k: v for k, v in cpu.items()}}

        pruns = int(os.environ.get("BENCH_BLK_PATTERN_RUNS", 3))
        if pruns > 0 and os.path.exists(DISKTEST):
            cfgs = sides(DISKTEST, work)
            rates, _, failed = measure(cfgs, pruns, lambda m, r: disktest_args(m, r, SMALL),
                                    lambda m, r: disktest_args(m, r, IMAGE), IMAGE - SMALL)
            md += ["### The same with the guest generating and checking every word (disktest.elf)", "",
                   "disktest.elf fills each 64-bit word with a pattern before a write and verifies every word "
                   "after a read (plus a checksum): this measures the guest CPU more than the disk, and the soft "
                   "CPU interprets that loop. %d runs per side; throughput = 60 MiB / (t(64 MiB) − t(4 MiB))."
                   % pruns, "",
                   table(cfgs, rates, failed, False), ""]
            md += ["- %s failed: %s" % (c, r) for c, r in failed.items()] + [""]
            data["disktest"] = {"runs": pruns, "failed": failed,
                                "rates_bytes_per_s": {"%d/%s/%s" % k: v for k, v in rates.items()}}
        return "\n".join(md), data
    finally:
        shutil.rmtree(work, ignore_errors=True)
