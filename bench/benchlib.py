# SPDX-License-Identifier: MIT
"""Shared pieces of the benchmarks: running a command and measuring it,
medians with min/max, markdown tables, and the commands for both VMMs."""

import os
import shutil
import signal
import statistics
import subprocess
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MINIVMM = os.path.join(REPO, "minivmm")
GUESTS = os.path.join(REPO, "guest-kernels")
QEMU = shutil.which("qemu-system-x86_64")


class Unavailable(Exception):
    """A measurement that cannot run here (yet); the table says why."""


def kvm_usable():
    try:
        fd = os.open("/dev/kvm", os.O_RDWR)
    except OSError:
        return False
    os.close(fd)
    return True


def minivmm_cmd(guest, accel, append=None, disk=None, mem=None, extra=()):
    cmd = [MINIVMM, "--accel", accel]
    if mem:
        cmd += ["-m", mem]
    if append:
        cmd += ["-a", append]
    if disk:
        cmd += ["-d", disk]
    return cmd + list(extra) + [guest]


def qemu_cmd(guest, append=None, disk=None, mem="64M", extra=()):
    machine = "microvm,acpi=off" if disk else "microvm"
    cmd = [QEMU, "-accel", "tcg", "-M", machine, "-m", mem, "-nodefaults", "-no-user-config",
           "-display", "none", "-serial", "stdio",
           "-device", "isa-debug-exit,iobase=0xf4,iosize=4", "-kernel", guest]
    if append:
        cmd += ["-append", append]
    if disk:
        cmd += ["-global", "virtio-mmio.force-legacy=false",
                "-drive", "id=d0,file=%s,format=raw,if=none,cache=writeback" % disk,
                "-device", "virtio-blk-device,drive=d0"]
    return cmd + list(extra)


def qemu_guest_status(rc):
    """isa-debug-exit makes QEMU exit with (v << 1) | 1 for a guest write of v."""
    return (rc - 1) >> 1 if rc > 0 and rc % 2 == 1 else None


MEASURE = os.path.join(REPO, "build", "bench", "measure")


class Measured(tuple):
    """(exit status, wall seconds, peak RSS KiB, stderr text) of one run, plus .cpu:
    the run's user + system CPU seconds, all its threads."""
    cpu = 0.0


def run_measured(cmd, timeout=300, stdout=subprocess.DEVNULL):
    """(exit status, wall seconds, peak RSS KiB, stderr text) of one run (a Measured).

    The command runs under bench/measure.c, which forks, execs and reaps it
    with wait4() (see there why not from Python) and reports on a pipe.
    """
    r, w = os.pipe()
    with tempfile.TemporaryFile() as errf:
        p = subprocess.Popen([MEASURE] + list(cmd), stdin=subprocess.DEVNULL, stdout=stdout,
                             stderr=errf, pass_fds=(w,), env=dict(os.environ, MEASURE_FD=str(w)),
                             start_new_session=True)
        os.close(w)
        try:
            p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            # kill the whole measured tree: measure leads its own process group
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
            os.close(r)
            raise Unavailable("%s timed out after %ss" % (os.path.basename(cmd[0]), timeout))
        report = os.read(r, 256).decode()
        os.close(r)
        errf.seek(0)
        err = errf.read().decode(errors="replace")
    if p.returncode != 0 or not report:
        raise Unavailable("could not measure %s: %s" % (cmd[0], err.strip()[-200:]))
    status, wall_ns, rss, cpu_ns = (int(x) for x in report.split())
    m = Measured((status, wall_ns / 1e9, rss, err))
    m.cpu = cpu_ns / 1e9
    return m


def why(err):
    """The line of a failed run's stderr that says why: minivmm's own one-line reason if any."""
    lines = [l.strip() for l in err.strip().splitlines() if l.strip()]
    for l in lines:
        if l.startswith("minivmm:"):
            return l
    return lines[-1] if lines else "no message"


KVM_NOTE = ("- minivmm --accel kvm is not measured here: this machine's /dev/kvm emulates every guest "
            "instruction (cpubench iters=2000: ~40 s and 24 M insn_emulation, under minivmm and under "
            "QEMU -accel kvm alike), so its numbers would describe the host, not minivmm.")


def closing_notes(failed, kvm_left_out=True):
    """The lines under a table: why kvm is absent, and every side that failed."""
    out = [KVM_NOTE] if kvm_left_out and kvm_usable() else []
    out += ["- %s failed: %s" % (c, reason) for c, reason in failed.items()]
    return out + [""]


def summary(values):
    """(median, min, max) or None."""
    if not values:
        return None
    return statistics.median(values), min(values), max(values)


def fmt_summary(s, unit_scale=1.0, digits=1):
    if s is None:
        return "n/a"
    med, lo, hi = (v * unit_scale for v in s)
    return "%.*f (%.*f–%.*f)" % (digits, med, digits, lo, digits, hi)


def fmt_ratio(num, den, digits=1):
    if num is None or den is None or den == 0:
        return "n/a"
    return "%.*f×" % (digits, num / den)


def md_table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    for r in rows:
        lines.append("| " + " | ".join(str(c) for c in r) + " |")
    return "\n".join(lines)


def runs_count(default):
    return int(os.environ.get("BENCH_RUNS", default))
