# SPDX-License-Identifier: MIT
"""Table (b): host instructions per handled exit, counted by callgrind.

The harness build/bench/exit_cost (bench/exit_cost.c) drives the real run
loop, bus and devices with a scripted provider. callgrind collects only
inside vcpu_run() and not inside the provider's ioctl, so the count is the
VMM's own work per exit. Two run lengths, N and 2N exits, are subtracted
so the set-up and the final stop cancel out: per exit = (I(2N) - I(N)) / N.
callgrind counts are deterministic; one run of each suffices.
"""

import collections
import json
import os
import re
import shutil
import subprocess
import tempfile

import benchlib as bl

TITLE = "Host instructions per handled exit (callgrind)"
HARNESS = os.path.join(bl.REPO, "build", "bench", "exit_cost")
STREAM = os.path.join(bl.REPO, "build", "bench", "blkstream.elf")
TARGET_UART = 500
CMDLINE_EXTRA = 200


def callgrind_total(cmd, toggles, workdir):
    out = os.path.join(workdir, "callgrind.out")
    args = ["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out, "--collect-atstart=no"]
    args += ["--toggle-collect=" + t for t in toggles]
    # --sandbox off: valgrind does not implement seccomp(2).
    p = subprocess.run(args + cmd[:1] + ["--sandbox", "off"] + cmd[1:], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, text=True, timeout=600)
    if p.returncode != 0:
        raise bl.Unavailable("%s under callgrind failed (exit %d): %s"
                             % (os.path.basename(cmd[0]), p.returncode, bl.why(re.sub(r"(?m)^==\d+==.*$", "", p.stderr))))
    with open(out) as f:
        for line in f:
            m = re.match(r"totals:\s+(\d+)", line)
            if m:
                return int(m.group(1))
    raise bl.Unavailable("no totals in callgrind output")


def per_exit(kind, n, extra, workdir):
    toggles = ["vcpu_run", "scripted_ioctl"]
    a = callgrind_total([HARNESS, kind, str(n)] + extra, toggles, workdir)
    b = callgrind_total([HARNESS, kind, str(2 * n)] + extra, toggles, workdir)
    return (b - a) / n


def hello_per_exit(accel, workdir):
    """VMM instructions per UART exit of the real hello.elf through ./minivmm.

    hello.elf echoes its command line, one THR write and one LSR poll per
    byte: two runs whose command lines differ by CMDLINE_EXTRA bytes differ
    only in 2 x that many UART exits, so (I(long) - I(short)) / (exits
    difference) is the cost of one such exit, set-up and teardown cancelling.
    Collection is on in vcpu_run() and off inside the provider's ioctl.
    """
    guest = os.path.join(bl.GUESTS, "hello.elf")
    provider_fn = {"soft": "soft_kvm_ioctl", "kvm": "kernel_ioctl"}[accel]
    out = []
    for append in ("", "x" * CMDLINE_EXTRA):
        stats = os.path.join(workdir, "stats.json")
        total = callgrind_total(bl.minivmm_cmd(guest, accel, append=append or None,
                                               extra=["--stats=json:" + stats]),
                                ["vcpu_run", provider_fn], workdir)
        with open(stats) as f:
            out.append((total, json.load(f)["exits"]))
    (i0, e0), (i1, e1) = out
    if e1 <= e0:
        raise bl.Unavailable("hello.elf did not make more exits with a longer command line")
    return (i1 - i0) / (e1 - e0), e1 - e0


def blk_per_kick(work):
    """VMM instructions per kick of blkstream.elf (4 x 4 KiB writes) through ./minivmm --accel soft.

    Two runs writing 4 MiB and 8 MiB differ only in 256 kicks, each three
    exits (QueueNotify write, InterruptStatus read, InterruptACK write) and
    four requests (the printed counts have as many digits in both runs, so
    the UART exits are equal; checked). Returns (per kick, exits per kick).
    """
    img = os.path.join(work, "disk.img")
    out = []
    for nbytes in (4 << 20, 8 << 20):
        stats = os.path.join(work, "stats.json")
        total = callgrind_total(bl.minivmm_cmd(STREAM, "soft", disk=img, extra=["--stats=json:" + stats],
                                               append="blkstream.mode=write blkstream.req=4096 blkstream.bytes=%d"
                                               % nbytes), ["vcpu_run", "soft_kvm_ioctl"], work)
        with open(stats) as f:
            js = json.load(f)
        by_dev = collections.Counter()
        for a in js["accesses"]:
            by_dev[a["device"].split("@")[0]] += a["exits"]
        out.append((total, js["exits"], by_dev))
    (i0, e0, d0), (i1, e1, d1) = out
    kicks = (8 << 20) // 4096 // 4 - (4 << 20) // 4096 // 4
    if d1["uart"] != d0["uart"] or d1["virtio-blk"] - d0["virtio-blk"] != e1 - e0:
        raise bl.Unavailable("the two blkstream runs differ in more than virtio-blk exits")
    return (i1 - i0) / kicks, (e1 - e0) / kicks


def run():
    if not shutil.which("valgrind"):
        raise bl.Unavailable("valgrind is not installed")
    if not os.path.exists(HARNESS):
        raise bl.Unavailable("build/bench/exit_cost is not built (make bench builds it)")
    work = tempfile.mkdtemp(prefix="bench-exitcost.")
    try:
        disk = os.path.join(work, "disk.img")
        with open(disk, "wb") as f:
            f.truncate(64 << 20)
        rows = []
        data = {}
        uart = per_exit("uart", 2000, [], work)
        uart_ns = per_exit("uart", 2000, ["--no-stats"], work)
        notify = per_exit("notify", 200, [disk], work)
        notify_ns = per_exit("notify", 200, ["--no-stats", disk], work)
        data.update(uart=uart, uart_no_stats=uart_ns, notify=notify, notify_no_stats=notify_ns)
        rows.append(["UART THR write (OUT 0x3f8)", "%.0f" % uart, "%.0f" % uart_ns,
                     "%.0f" % (uart - uart_ns), "< %d: %s" % (TARGET_UART, "met" if uart < TARGET_UART else "NOT met")])
        rows.append(["virtio-blk QueueNotify (one 4 KiB read)", "%.0f" % notify, "%.0f" % notify_ns,
                     "%.0f" % (notify - notify_ns), "—"])
        e2e = []
        if os.path.exists(bl.MINIVMM) and os.path.exists(os.path.join(bl.GUESTS, "hello.elf")):
            for accel in ["soft"] + (["kvm"] if bl.kvm_usable() else []):
                try:
                    v, exits = hello_per_exit(accel, work)
                    e2e.append("- hello.elf through ./minivmm --accel %s: %.0f instructions per UART exit (half THR "
                               "writes, half LSR polls, console output included), from %d more exits with a "
                               "%d-byte longer command line: (I(long) − I(short)) / %d, provider ioctl excluded."
                               % (accel, v, exits, CMDLINE_EXTRA, exits))
                    data["hello_%s" % accel] = v
                except bl.Unavailable as e:
                    e2e.append("- hello.elf through ./minivmm --accel %s: not measured (%s)" % (accel, e))
        if os.path.exists(bl.MINIVMM) and os.path.exists(STREAM):
            try:
                v, per = blk_per_kick(work)
                e2e.append("- blkstream.elf through ./minivmm --accel soft: %.0f instructions per kick of four 4 KiB "
                           "writes (%.0f exits: QueueNotify, InterruptStatus read, InterruptACK write), from 4 MiB vs "
                           "8 MiB written, provider ioctl excluded; the data copy is inside pwritev (kernel, not "
                           "counted)." % (v, per))
                data["blkstream_per_kick"] = v
            except bl.Unavailable as e:
                e2e.append("- blkstream.elf through ./minivmm --accel soft: not measured (%s)" % e)
        md = ["## %s" % TITLE, "",
              "Instructions the VMM executes per exit, CPU provider excluded: `valgrind --tool=callgrind "
              "--collect-atstart=no --toggle-collect=vcpu_run --toggle-collect=scripted_ioctl "
              "build/bench/exit_cost uart|notify N`, (I(2N) − I(N)) / N. Deterministic.", "",
              bl.md_table(["exit", "instructions", "without accounting", "accounting share", "target"], rows), ""]
        md += e2e
        md.append("")
        return "\n".join(md), data
    finally:
        shutil.rmtree(work, ignore_errors=True)
