# SPDX-License-Identifier: MIT
"""Table (a): launch-to-exit wall time and peak RSS of hello.elf."""

import os

import benchlib as bl

TITLE = "Launch to exit: hello.elf"
GUEST = os.path.join(bl.GUESTS, "hello.elf")


def configs():
    """(column name, command, expected exit status) for each side present."""
    out = []
    if os.path.exists(bl.MINIVMM):
        out.append(("minivmm soft", bl.minivmm_cmd(GUEST, "soft"), 0))
        if bl.kvm_usable():
            out.append(("minivmm kvm", bl.minivmm_cmd(GUEST, "kvm"), 0))
    if bl.QEMU:
        # isa-debug-exit: the guest's 0 comes back as (0 << 1) | 1
        out.append(("QEMU microvm TCG", bl.qemu_cmd(GUEST), 1))
    return out


def run():
    if not os.path.exists(GUEST):
        raise bl.Unavailable("guest-kernels/hello.elf is not built")
    cfgs = configs()
    if not cfgs:
        raise bl.Unavailable("neither ./minivmm nor qemu-system-x86_64 is available")
    n = bl.runs_count(20)
    wall = {c[0]: [] for c in cfgs}
    rss = {c[0]: [] for c in cfgs}
    failed = {}
    # one warm-up each (page cache), then interleaved so drift hits all alike
    for i in range(n + 1):
        for name, cmd, want in cfgs:
            if name in failed:
                continue
            rc, secs, kib, err = bl.run_measured(cmd, timeout=120)
            if rc != want:
                failed[name] = "exit status %d (want %d): %s" % (rc, want, bl.why(err))
                continue
            if i:
                wall[name].append(secs * 1000)
                rss[name].append(kib / 1024)

    cols = [c[0] for c in cfgs]
    sw = {k: bl.summary(v) for k, v in wall.items()}
    sr = {k: bl.summary(v) for k, v in rss.items()}
    q = "QEMU microvm TCG"
    header = ["", *cols]
    rows = [["wall ms, median (min–max)", *[fmt(sw[c], failed.get(c)) for c in cols]],
            ["peak RSS MiB, median (min–max)", *[fmt(sr[c], failed.get(c)) for c in cols]]]
    lines = ["## %s" % TITLE, "",
             "%d runs each after one warm-up, interleaved; wall time from fork to reaped exit, "
             "peak RSS = the process's ru_maxrss (bench/measure.c)." % n, "",
             bl.md_table(header, rows), ""]
    for c in cols:
        if c != q and sw.get(c) and sw.get(q):
            lines.append("- %s: QEMU takes %s its time and %s its peak RSS (targets: ≥20× and ≥5×)."
                         % (c, bl.fmt_ratio(sw[q][0], sw[c][0]), bl.fmt_ratio(sr[q][0], sr[c][0])))
    lines += bl.closing_notes(failed, kvm_left_out=False)
    lines.append("Commands: `%s`" % "`, `".join(" ".join(os.path.relpath(a, bl.REPO) if a.startswith(bl.REPO) else a
                                                    for a in cmd) for _, cmd, _ in cfgs))
    lines.append("")
    return "\n".join(lines), {"runs": n, "wall_ms": wall, "rss_mib": rss, "failed": failed}


def fmt(s, failure):
    if failure:
        return "failed"
    return bl.fmt_summary(s)
