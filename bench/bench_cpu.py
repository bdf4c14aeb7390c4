# SPDX-License-Identifier: MIT
"""Table (d): guest instructions per second on the compute-bound cpubench.elf.

cpubench runs `iters=N` rounds of an integer workload. Each VMM runs it
with a small and a large N; the difference cancels start-up, boot and
tear-down, so rate = (I(large) - I(small)) / (t(large) - t(small)).
I(N), the guest instructions, is the soft CPU's own retired-instruction
counter (soft_insns, read through KVM_GET_STATS_FD into minivmm --stats);
the guest is deterministic, so every VMM executes that same count.
"""

import json
import os
import tempfile

import benchlib as bl

TITLE = "Guest instructions per second: cpubench.elf"
GUEST = os.path.join(bl.GUESTS, "cpubench.elf")
TARGET = 50e6


def soft_insns(iters, work):
    stats = os.path.join(work, "s.json")
    rc, _, _, err = bl.run_measured(
        bl.minivmm_cmd(GUEST, "soft", append="iters=%d" % iters, extra=["--stats=json:" + stats]), timeout=900)
    if rc != 0:
        raise bl.Unavailable("cpubench.elf does not run to completion on the soft CPU yet "
                             "(exit %d: %s)" % (rc, bl.why(err)))
    with open(stats) as f:
        v = json.load(f).get("provider_counters", {}).get("soft_insns")
    if not v:
        raise bl.Unavailable("minivmm --stats reports no soft_insns counter")
    return v


def run():
    if not os.path.exists(GUEST):
        raise bl.Unavailable("guest-kernels/cpubench.elf is not built")
    if not os.path.exists(bl.MINIVMM):
        raise bl.Unavailable("./minivmm is not built")
    big = int(os.environ.get("BENCH_CPU_ITERS", 50000))
    small = big // 10
    n = bl.runs_count(5)
    with tempfile.TemporaryDirectory() as work:
        i_small, i_big = soft_insns(small, work), soft_insns(big, work)
    insns = i_big - i_small

    def cmds(iters):
        a = "iters=%d" % iters
        out = [("minivmm soft", bl.minivmm_cmd(GUEST, "soft", append=a), 0)]
        if bl.QEMU:
            out.append(("QEMU microvm TCG", bl.qemu_cmd(GUEST, append=a), 1))
        return out

    cols = [c[0] for c in cmds(small)]
    rates = {c: [] for c in cols}
    failed = {}
    for _ in range(n):
        for (name, cs, want), (_, cb, _) in zip(cmds(small), cmds(big)):
            if name in failed:
                continue
            rs, ts, _, _ = bl.run_measured(cs, timeout=900)
            rb, tb, _, _ = bl.run_measured(cb, timeout=900)
            if rs != want or rb != want:
                failed[name] = "exit status %d/%d (want %d)" % (rs, rb, want)
                continue
            rates[name].append(insns / max(tb - ts, 1e-6))
    sr = {c: bl.summary(rates[c]) for c in cols}
    rows = [["guest M instructions/s, median (min–max)",
             *["failed" if c in failed else bl.fmt_summary(sr[c], 1e-6) for c in cols]]]
    md = ["## %s" % TITLE, "",
          "%d runs each, interleaved. iters=%d vs iters=%d: %d more guest instructions (soft_insns); "
          "rate = that / (t(iters=%d) − t(iters=%d)), which cancels start-up and boot." % (
              n, big, small, insns, big, small), "",
          bl.md_table(["", *cols], rows), ""]
    soft, q = sr.get("minivmm soft"), sr.get("QEMU microvm TCG")
    if soft:
        md.append("- soft CPU: %.1f M guest instructions/s (issue 2 target ≥ 50 M: %s)"
                  % (soft[0] / 1e6, "met" if soft[0] >= TARGET else "NOT met"))
        if q:
            md.append("- QEMU TCG: %s the soft CPU's rate" % bl.fmt_ratio(q[0], soft[0]))
    md += bl.closing_notes(failed)
    return "\n".join(md), {"iters": [small, big], "insns": insns, "rates": rates, "failed": failed}
