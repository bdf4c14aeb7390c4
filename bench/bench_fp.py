# SPDX-License-Identifier: MIT
"""Table (e): floating-point work, fpbench.elf (x87 long double + SSE2 double).

fpbench runs `iters=N` rounds of a fixed x87 + SSE2 workload and prints a
checksum; host/check.c computes the same checksum on the host CPU, and
every run here must print it (a wrong result is a failure, not a number).
Each VMM runs a small and a large N; the time difference cancels start-up
and boot, so the table shows rounds per second and QEMU's rate over
minivmm's, from one interleaved series of runs.
"""

import os
import subprocess
import tempfile

import benchlib as bl

TITLE = "Floating point: fpbench.elf (x87 + SSE2)"
GUEST = os.path.join(bl.GUESTS, "fpbench.elf")
SOFT, QEMU_COL = "minivmm soft", "QEMU microvm TCG"


def host_checksum(iters, work):
    exe = os.path.join(work, "fpbench-check")
    if not os.path.exists(exe):
        src = os.path.join(bl.GUESTS, "fpbench")
        subprocess.run(["gcc", "-O2", "-fno-math-errno", "-o", exe, os.path.join(src, "host", "check.c"),
                        os.path.join(src, "work.c")], check=True)
    return subprocess.run([exe, str(iters)], capture_output=True, text=True, check=True).stdout.strip()


def timed(cmd, want_rc, want_line, work):
    out = os.path.join(work, "out.txt")
    with open(out, "w") as f:
        m = bl.run_measured(cmd, timeout=900, stdout=f)
    with open(out) as f:
        text = f.read().replace("\r", "")
    if m[0] != want_rc:
        raise bl.Unavailable("%s: exit status %d (want %d): %s" % (
            os.path.basename(cmd[0]), m[0], want_rc, text.strip().splitlines()[-1] if text.strip() else bl.why(m[3])))
    if want_line not in text.splitlines():
        raise bl.Unavailable("%s printed a checksum other than the host CPU's" % os.path.basename(cmd[0]))
    return m[1]


def run():
    if not os.path.exists(GUEST):
        raise bl.Unavailable("guest-kernels/fpbench.elf is not built")
    big = int(os.environ.get("BENCH_FP_ITERS", 5000))
    small = big // 10
    n = bl.runs_count(5)
    cols = [(SOFT, lambda a: bl.minivmm_cmd(GUEST, "soft", append=a), 0)]
    if bl.QEMU:
        cols.append((QEMU_COL, lambda a: bl.qemu_cmd(GUEST, append=a), 1))
    rates = {c[0]: [] for c in cols}
    failed = {}
    with tempfile.TemporaryDirectory() as work:
        want = {i: host_checksum(i, work) for i in (small, big)}
        for _ in range(n):
            for name, mk, rc in cols:
                if name in failed:
                    continue
                try:
                    ts = timed(mk("iters=%d" % small), rc, want[small], work)
                    tb = timed(mk("iters=%d" % big), rc, want[big], work)
                except bl.Unavailable as e:
                    failed[name] = str(e)
                    continue
                rates[name].append((big - small) / max(tb - ts, 1e-6))
    sr = {c[0]: bl.summary(rates[c[0]]) for c in cols}
    header = ["", *[c[0] for c in cols]]
    rows = [["fpbench rounds/s, median (min–max)",
             *["failed" if c[0] in failed else bl.fmt_summary(sr[c[0]], 1.0, 0) for c in cols]]]
    md = ["## %s" % TITLE, "",
          "%d rounds, interleaved; iters=%d vs iters=%d, rate = %d rounds / (t(big) − t(small)); every run's "
          "checksum equals the host CPU's." % (n, big, small, big - small), "", bl.md_table(header, rows), ""]
    s, q = sr.get(SOFT), sr.get(QEMU_COL)
    if s and q and SOFT not in failed and QEMU_COL not in failed:
        md.append("- QEMU TCG runs this floating-point guest %s faster than the soft CPU." % bl.fmt_ratio(q[0], s[0]))
    md += bl.closing_notes(failed)
    return "\n".join(md), {"iters": [small, big], "rates": rates, "failed": failed}
