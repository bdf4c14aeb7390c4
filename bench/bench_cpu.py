# SPDX-License-Identifier: MIT
"""Table (d): guest instructions per second on the compute-bound cpubench.elf.

The instruction count is the soft CPU's own retired-instruction counter
(soft_insns, read through KVM_GET_STATS_FD into minivmm --stats). The
guest is deterministic, so every VMM executes that same count; each side's
rate is count / (wall(cpubench) - wall(hello)), the hello run of the same
VMM standing for its start-up and tear-down.
"""

import json
import os
import tempfile

import benchlib as bl

TITLE = "Guest instructions per second: cpubench.elf"
GUEST = os.path.join(bl.GUESTS, "cpubench.elf")
HELLO = os.path.join(bl.GUESTS, "hello.elf")
TARGET = 50e6


def soft_insns(stats_path):
    with open(stats_path) as f:
        st = json.load(f)
    return st.get("provider_counters", {}).get("soft_insns")


def run():
    if not os.path.exists(GUEST):
        raise bl.Unavailable("guest-kernels/cpubench.elf is not built")
    if not os.path.exists(bl.MINIVMM):
        raise bl.Unavailable("./minivmm is not built")
    n = bl.runs_count(5)
    with tempfile.TemporaryDirectory() as work:
        stats = os.path.join(work, "s.json")
        rc, secs, _, err = bl.run_measured(bl.minivmm_cmd(GUEST, "soft", extra=["--stats=json:" + stats]), timeout=600)
        if rc != 0:
            raise bl.Unavailable("cpubench.elf does not run to completion on the soft CPU yet "
                                 "(exit %d: %s)" % (rc, (err.strip().splitlines() or [""])[-1]))
        insns = soft_insns(stats)
        if not insns:
            raise bl.Unavailable("minivmm --stats reports no soft_insns counter")

    cfgs = [("minivmm soft", bl.minivmm_cmd(GUEST, "soft"), bl.minivmm_cmd(HELLO, "soft"), 0)]
    if bl.kvm_usable():
        cfgs.append(("minivmm kvm", bl.minivmm_cmd(GUEST, "kvm"), bl.minivmm_cmd(HELLO, "kvm"), 0))
    if bl.QEMU:
        cfgs.append(("QEMU microvm TCG", bl.qemu_cmd(GUEST), bl.qemu_cmd(HELLO), 1))
    rates = {c[0]: [] for c in cfgs}
    walls = {c[0]: [] for c in cfgs}
    failed = {}
    for _ in range(n):
        for name, cmd, base, want in cfgs:
            if name in failed:
                continue
            rc0, t0, _, _ = bl.run_measured(base, timeout=120)
            rc, t, _, err = bl.run_measured(cmd, timeout=600)
            if rc != want or rc0 != want:
                failed[name] = "exit status %d/%d (want %d)" % (rc0, rc, want)
                continue
            walls[name].append(t)
            rates[name].append(insns / max(t - t0, 1e-6))
    cols = [c[0] for c in cfgs]
    sr = {c: bl.summary(rates[c]) for c in cols}
    sw = {c: bl.summary(walls[c]) for c in cols}
    rows = [["guest Minsn/s, median (min–max)", *["failed" if c in failed else bl.fmt_summary(sr[c], 1e-6) for c in cols]],
            ["cpubench wall s, median (min–max)", *["failed" if c in failed else bl.fmt_summary(sw[c], 1, 3) for c in cols]]]
    md = ["## %s" % TITLE, "",
          "%d runs each; %.3g guest instructions (the soft CPU's soft_insns counter); rate = instructions / "
          "(wall(cpubench) − wall(hello)) per VMM, interleaved." % (n, insns), "",
          bl.md_table(["", *cols], rows), ""]
    q = "QEMU microvm TCG"
    if sr.get("minivmm soft"):
        md.append("- soft CPU: %.1f M guest instructions/s (issue 2 target ≥ 50 M: %s)"
                  % (sr["minivmm soft"][0] / 1e6, "met" if sr["minivmm soft"][0] >= TARGET else "NOT met"))
        if sr.get(q):
            md.append("- QEMU TCG runs it at %s the soft CPU's rate" % bl.fmt_ratio(sr[q][0], sr["minivmm soft"][0]))
    for c, why in failed.items():
        md.append("- %s failed: %s" % (c, why))
    md.append("")
    return "\n".join(md), {"insns": insns, "rates": rates, "walls": walls, "failed": failed}
