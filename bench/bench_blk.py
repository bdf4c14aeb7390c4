# SPDX-License-Identifier: MIT
"""Table (c): virtio-blk sequential throughput seen by the guest.

disktest.elf streams over a 64 MiB image in requests of 4 KiB or 128 KiB
(4 in flight per kick): mode=write writes its pattern and FLUSHes,
mode=read reads it back and verifies it. The guest has no trustworthy
clock, so each side runs the workload over the whole image and over its
first 4 MiB; the difference of the two wall times is the time the guest
spent moving the other 60 MiB, start-up and boot cancelling out:
throughput = 60 MiB / dt, requests/s = (60 MiB / request size) / dt.
That time includes the guest's own work (filling and checking the
pattern), as a guest's view of its disk does.
"""

import os
import shutil
import tempfile

import benchlib as bl

TITLE = "virtio-blk sequential throughput: disktest.elf, 64 MiB image"
GUEST = os.path.join(bl.GUESTS, "disktest.elf")
IMAGE = 64 << 20
SMALL = 4 << 20
SIZES = (4096, 128 << 10)
MODES = ("write", "read")


def append(mode, req, nbytes):
    return "disktest.mode=%s disktest.sectors=%d disktest.req=%d" % (mode, nbytes // 512, req)


def sides(work):
    out = []
    if os.path.exists(bl.MINIVMM):
        img = os.path.join(work, "minivmm.img")
        out.append(("minivmm soft", img, lambda a, img=img: bl.minivmm_cmd(GUEST, "soft", append=a, disk=img), 0))
    if bl.QEMU:
        img = os.path.join(work, "qemu.img")
        out.append(("QEMU microvm TCG", img, lambda a, img=img: bl.qemu_cmd(GUEST, append=a, disk=img), 1))
    return out


def run():
    if not os.path.exists(GUEST):
        raise bl.Unavailable("guest-kernels/disktest.elf is not built")
    n = bl.runs_count(5)
    work = tempfile.mkdtemp(prefix="bench-blk.", dir=os.environ.get("BENCH_TMPDIR"))
    try:
        cfgs = sides(work)
        failed = {}
        for name, img, _, _ in cfgs:
            with open(img, "wb") as f:
                f.truncate(IMAGE)
        rates = {}
        for req in SIZES:
            for mode in MODES:
                for name, img, cmd, want in cfgs:
                    rates[(req, mode, name)] = []
                for _ in range(n):
                    for name, img, cmd, want in cfgs:
                        if name in failed:
                            continue
                        rc0, t0, _, e0 = bl.run_measured(cmd(append(mode, req, SMALL)), timeout=900)
                        rc1, t1, _, e1 = bl.run_measured(cmd(append(mode, req, IMAGE)), timeout=900)
                        if rc0 != want or rc1 != want:
                            failed[name] = "%s %d B: exit status %d/%d (want %d) %s" % (
                                mode, req, rc0, rc1, want, bl.why(e1 or e0))
                            continue
                        rates[(req, mode, name)].append((IMAGE - SMALL) / max(t1 - t0, 1e-6))
        cols = [c[0] for c in cfgs]
        q = "QEMU microvm TCG"
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
                ms = bl.summary(rates[(req, mode, cols[0])]) if cols and cols[0] != q else None
                qs = bl.summary(rates[(req, mode, q)]) if q in cols else None
                row.append(bl.fmt_ratio(ms[0], qs[0], 2) if ms and qs else "n/a")
                rows.append(row)
        md = ["## %s" % TITLE, "",
              "%d runs each, interleaved. Throughput = 60 MiB / (t(64 MiB) − t(4 MiB)) per side (start-up and "
              "boot cancel); MiB/s median (min–max), requests/s from the median. Target: minivmm ≥ 2× QEMU "
              "at 128 KiB." % n, "",
              bl.md_table(["workload", *cols, "minivmm / QEMU"], rows), ""]
        md += bl.closing_notes(failed)
        return "\n".join(md), {"rates_bytes_per_s": {"%d/%s/%s" % k: v for k, v in rates.items()},
                               "failed": failed}
    finally:
        shutil.rmtree(work, ignore_errors=True)
