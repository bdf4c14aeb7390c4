# SPDX-License-Identifier: MIT
"""Table (f): Debian's Linux 6.1 to /init, minivmm soft beside QEMU microvm.

The kernel, initramfs and disk of `make linux-demo` (scripts/linux-prepare.sh
fetches them; Unavailable when it cannot): the vmlinux by PVH with
"console=ttyS0 panic=-1", 256 MiB, an ext4 disk whose autorun.sh is empty,
so /init loads the modules, mounts the disk and powers off. Time to /init =
wall time from starting the VMM to the first line /init prints
("linux-demo: /init started"), read from the serial console as it comes;
the whole run ends with the guest's poweroff. QEMU runs with -icount
shift=auto: without it, on this loaded host, Linux's PIT calibration fails
under QEMU TCG ("tsc: Unable to calibrate against PIT") and the boot hangs
before its first timer tick.
"""

import os
import re
import shlex
import subprocess
import tempfile
import time

import benchlib as bl

TITLE = "Linux: Debian 6.1 (PVH) to /init"
SOFT, QEMU_COL = "minivmm soft", "QEMU microvm TCG (-icount shift=auto)"
CMDLINE = "console=ttyS0 panic=-1"
MARK = "linux-demo: /init started"


def prepare(work):
    p = subprocess.run([os.path.join(bl.REPO, "scripts", "linux-prepare.sh"),
                        os.path.join(bl.REPO, "build", "debian-cache")], capture_output=True, text=True)
    if p.returncode:
        raise bl.Unavailable("scripts/linux-prepare.sh: " + (p.stderr.strip().splitlines() or ["failed"])[-1])
    paths = dict(line.split(" ", 1) for line in p.stdout.splitlines())
    files = os.path.join(work, "files")
    os.makedirs(files, exist_ok=True)
    open(os.path.join(files, "autorun.sh"), "w").close()
    return paths, files


def one_run(cmd, timeout=600):
    """(seconds to MARK, seconds to exit, guest seconds at 'Run /init', exit status)."""
    start = time.monotonic()
    t_init = guest = None
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        for raw in p.stdout:
            line = raw.decode(errors="replace").replace("\r", "")
            if t_init is None and line.startswith(MARK):
                t_init = time.monotonic() - start
            m = re.match(r"\[ *([0-9.]+)\] Run /init as init process", line)
            if m:
                guest = float(m.group(1))
            if time.monotonic() - start > timeout:
                p.kill()
        rc = p.wait(timeout=max(1, timeout - (time.monotonic() - start)))
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
        raise bl.Unavailable("%s timed out after %d s" % (os.path.basename(cmd[0]), timeout))
    if t_init is None:
        raise bl.Unavailable("%s: /init never ran (exit status %d)" % (os.path.basename(cmd[0]), rc))
    return t_init, time.monotonic() - start, guest, rc


def commands(paths, disk):
    soft = [bl.MINIVMM, "--accel", "soft", "-m", "256M", "--timeout", "600", "-d", disk,
            "--initrd", paths["initrd"], "-a", CMDLINE, paths["vmlinux"]]
    qemu = [bl.QEMU, "-accel", "tcg", "-icount", "shift=auto", "-M", "microvm,acpi=on", "-m", "256M",
            "-nodefaults", "-no-user-config", "-display", "none", "-serial", "stdio", "-no-reboot",
            "-kernel", paths["vmlinux"], "-initrd", paths["initrd"], "-append", CMDLINE,
            "-drive", "id=d0,file=%s,format=raw,if=none" % disk, "-device", "virtio-blk-device,drive=d0"]
    return [(SOFT, soft)] + ([(QEMU_COL, qemu)] if bl.QEMU else [])


def shown(cmd, work):
    """A command as a reader can retype it: paths relative to the repository, the disk as disk.img."""
    text = shlex.join(cmd).replace(os.path.join(work, ""), "")
    return text.replace(os.path.join(bl.REPO, ""), "")


def run():
    n = bl.runs_count(3)
    with tempfile.TemporaryDirectory() as work:
        paths, files = prepare(work)
        disk = os.path.join(work, "disk.img")
        cols = commands(paths, disk)
        res = {c[0]: {"init": [], "total": [], "guest": []} for c in cols}
        failed = {}
        for _ in range(n):
            for name, cmd in cols:
                if name in failed:
                    continue
                subprocess.run([paths["mke2fs"], "-q", "-F", "-t", "ext4", "-d", files, disk, "16M"], check=True)
                try:
                    t_init, total, guest, rc = one_run(cmd)
                except bl.Unavailable as e:
                    failed[name] = str(e)
                    continue
                if rc != 0:
                    failed[name] = "exit status %d after poweroff (want 0)" % rc
                    continue
                res[name]["init"].append(t_init)
                res[name]["total"].append(total)
                if guest is not None:
                    res[name]["guest"].append(guest)
    s = {c[0]: {k: bl.summary(v) for k, v in res[c[0]].items()} for c in cols}
    header = ["", *[c[0] for c in cols]]

    def row(label, key):
        return [label, *["failed" if c[0] in failed else bl.fmt_summary(s[c[0]][key], 1.0, 1) for c in cols]]

    rows = [row("wall s to /init, median (min–max)", "init"),
            row("wall s to poweroff (VMM exit)", "total"),
            row("guest clock at 'Run /init' (s)", "guest")]
    md = ["## %s" % TITLE, "",
          "%d runs each, interleaved; the time to /init is taken when /init's first line reaches the "
          "serial console; kernel `%s`, initramfs `%s` (scripts/linux-prepare.sh), `-a \"%s\"`, 256 MiB, "
          "a 16 MiB ext4 disk." % (n, os.path.basename(paths["vmlinux"]), os.path.basename(paths["initrd"]),
                                    CMDLINE), "",
          bl.md_table(header, rows), ""]
    a, b = s[SOFT]["init"], s.get(QEMU_COL, {}).get("init")
    if a and b and SOFT not in failed and QEMU_COL not in failed:
        md.append("- minivmm soft takes %s QEMU's time to /init (ratio of medians)." % bl.fmt_ratio(a[0], b[0]))
    md.append("- QEMU runs with -icount shift=auto: plain TCG on this loaded host fails Linux's PIT calibration "
              "and hangs before the first timer tick (measured 2026-12-05).")
    md.append("")
    md.append("Commands: %s" % ", ".join("`%s`" % shown(c[1], work) for c in cols))
    md += [""] + bl.closing_notes(failed)
    return "\n".join(md), {"runs": res, "failed": failed}
