# SPDX-License-Identifier: MIT
"""Table (a): launch-to-exit wall time and peak RSS of hello.elf."""

import json
import os
import re
import shutil
import subprocess
import tempfile

import benchlib as bl

TITLE = "Launch to exit: hello.elf"
GUEST = os.path.join(bl.GUESTS, "hello.elf")
# Extra column only: this host's /dev/kvm (kvm_pvm) emulates every guest
# instruction, so it times the host's KVM, not minivmm.
KVM_COL = "minivmm kvm (host kvm_pvm; extra)"


def configs():
    """(column name, command, expected exit status) for each side present."""
    out = []
    if os.path.exists(bl.MINIVMM):
        out.append(("minivmm soft", bl.minivmm_cmd(GUEST, "soft"), 0))
        if bl.kvm_usable():
            out.append((KVM_COL, bl.minivmm_cmd(GUEST, "kvm"), 0))
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
    n = bl.runs_count(50)
    wall = {c[0]: [] for c in cfgs}
    rss = {c[0]: [] for c in cfgs}
    cpu = {c[0]: [] for c in cfgs}
    failed = {}
    true_ms = []
    # one warm-up each (page cache), then interleaved so drift hits all alike
    for i in range(n + 1):
        t = bl.run_measured(["/bin/true"])
        if i:
            true_ms.append(t[1] * 1000)
        for name, cmd, want in cfgs:
            if name in failed:
                continue
            m = bl.run_measured(cmd, timeout=120)
            rc, secs, kib, err = m
            if rc != want:
                failed[name] = "exit status %d (want %d): %s" % (rc, want, bl.why(err))
                continue
            if i:
                wall[name].append(secs * 1000)
                rss[name].append(kib / 1024)
                cpu[name].append(m.cpu * 1000)

    cols = [c[0] for c in cfgs]
    sw = {k: bl.summary(v) for k, v in wall.items()}
    sr = {k: bl.summary(v) for k, v in rss.items()}
    sc = {k: bl.summary(v) for k, v in cpu.items()}
    q = "QEMU microvm TCG"
    header = ["", *cols]
    rows = [["wall ms, median (min–max)", *[fmt(sw[c], failed.get(c)) for c in cols]],
            ["host CPU ms (user + system), median (min–max)", *[fmt(sc[c], failed.get(c)) for c in cols]],
            ["peak RSS MiB, median (min–max)", *[fmt(sr[c], failed.get(c)) for c in cols]]]
    lines = ["## %s" % TITLE, "",
             "%d runs each after one warm-up, interleaved; wall time from fork to reaped exit, "
             "peak RSS = the process's ru_maxrss (bench/measure.c)." % n, "",
             bl.md_table(header, rows), ""]
    for c in cols:
        if c != q and sw.get(c) and sw.get(q):
            tw, tf, tr = sw[q][0] / sw[c][0], sw[q][1] / sw[c][1], sr[q][0] / sr[c][0]
            verdict = {(True, True): "met", (False, False): "NOT met",
                       (True, False): "met by the medians, NOT by the fastest runs (load slows QEMU's longer "
                                      "runs more)",
                       (False, True): "NOT met by the medians, met by the fastest runs"}[(tw >= 20, tf >= 20)]
            lines.append("- %s: QEMU takes %.1f× its wall time (ratio of medians; ratio of the fastest runs %.1f×; "
                         "target ≥ 20×: %s), %s its CPU time, and %.1f× its peak RSS (target ≥ 5×: %s)."
                         % (c, tw, tf, verdict, bl.fmt_ratio(sc[q][0], sc[c][0]), tr, "met" if tr >= 5 else "NOT met"))
    if any(c == KVM_COL for c in cols):
        lines.append("- %s is an extra column: this host's /dev/kvm is the kvm_pvm module, which emulates every "
                     "guest instruction, so it times this host's KVM, not minivmm; targets apply to minivmm soft."
                     % KVM_COL)
    lines.append("- Wall time includes fork, exec, dynamic loading, exit and reaping: /bin/true alone, measured the "
                 "same way in the same rounds, takes %s ms." % (
                     bl.fmt_summary(bl.summary(true_ms), 1, 2) if true_ms else "n/a"))
    split = instruction_split()
    if split:
        total, soft, guest = split
        lines.append("- Where minivmm soft's time goes (callgrind, deterministic): %d host instructions for the whole "
                     "run, %d (%.0f%%) inside the soft CPU (soft_cpu_run) executing %d guest instructions (%.0f host "
                     "instructions each, decoding included: every instruction is new in so short a run); the rest "
                     "is the dynamic loader, set-up, the VMM's exit handling and the console."
                     % (total, soft, 100.0 * soft / total, guest, soft / max(guest, 1)))
    lines += bl.closing_notes(failed, kvm_left_out=False)
    lines.append("Commands: `%s`" % "`, `".join(" ".join(os.path.relpath(a, bl.REPO) if a.startswith(bl.REPO) else a
                                                    for a in cmd) for _, cmd, _ in cfgs))
    lines.append("")
    return "\n".join(lines), {"runs": n, "wall_ms": wall, "cpu_ms": cpu, "rss_mib": rss, "failed": failed}


def instruction_split():
    """(host instructions of the whole soft run, of them inside soft_cpu_run, guest instructions) or None."""
    if not shutil.which("valgrind") or not shutil.which("callgrind_annotate"):
        return None
    with tempfile.TemporaryDirectory() as work:
        out, stats = os.path.join(work, "cg.out"), os.path.join(work, "s.json")
        # --sandbox off: valgrind does not implement seccomp(2).
        p = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out]
                           + bl.minivmm_cmd(GUEST, "soft", extra=["--stats=json:" + stats, "--sandbox", "off"]),
                           stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=300)
        if p.returncode != 0:
            return None
        ann = subprocess.run(["callgrind_annotate", "--inclusive=yes", out], capture_output=True, text=True).stdout
        with open(stats) as f:
            guest = json.load(f).get("provider_counters", {}).get("soft_insns", 0)
    total = re.search(r"^\s*([\d,]+) \(100.0%\)\s+PROGRAM TOTALS", ann, re.M)
    soft = re.search(r"^\s*([\d,]+) \([\d.]+%\)\s+\S*soft_cpu\.c:soft_cpu_run\b", ann, re.M)
    if not total or not soft:
        return None
    return int(total.group(1).replace(",", "")), int(soft.group(1).replace(",", "")), guest


def fmt(s, failure):
    if failure:
        return "failed"
    return bl.fmt_summary(s)
