# SPDX-License-Identifier: MIT
"""Table (f): Debian's Xen 4.17 with Debian's Linux 6.1 as its PV dom0, time
to dom0's /init.

The files are those of `make xen-demo` (scripts/xen-prepare.sh: fetched
with apt-get download, dom0's initramfs built with busybox-static). Dom0's
command line carries xen_exit=7, so its /init prints a marker and writes 7
to port 0xf4 at once: launch-to-exit is the time to /init. minivmm boots
Xen by Multiboot2 on the soft CPU, QEMU 7.2 by Multiboot v1 on -M pc (TCG,
SeaBIOS), the only QEMU machine that boots Multiboot kernels. Each run
must print Xen's banner and /init's marker and exit with 7.
"""

import os
import subprocess
import tempfile

import benchlib as bl

TITLE = "Xen 4.17 + Linux 6.1 PV dom0: time to dom0's /init"
SOFT, QEMU_COL = "minivmm soft", "QEMU -M pc TCG"
XEN_ARGS = "console=com1 com1=115200,8n1 dom0_mem=512M noreboot"
DOM0_ARGS = "console=hvc0 earlyprintk=xen panic=-1 xen_exit=7"
MARKER = "xen-demo: dom0 /init started"


def files():
    p = subprocess.run([os.path.join(bl.REPO, "scripts", "xen-prepare.sh"),
                        os.path.join(bl.REPO, "build", "debian-cache")], capture_output=True, text=True)
    if p.returncode != 0:
        raise bl.Unavailable("scripts/xen-prepare.sh: %s" % (p.stderr.strip().splitlines() or ["failed"])[-1])
    return dict(line.split(None, 1) for line in p.stdout.splitlines())


def commands(f):
    # Xen boots by Multiboot v1 here as under QEMU: the file name leads each string
    soft = [bl.MINIVMM, "--accel", "soft", "-m", "1G", "--timeout", "1800", "-a", XEN_ARGS,
            "--module", "%s %s" % (f["vmlinuz"], DOM0_ARGS), "--module", f["initrd"], f["xen"]]
    # QEMU's Multiboot v1 puts the file name first itself; modules are comma-separated
    qemu = [bl.QEMU, "-accel", "tcg", "-M", "pc", "-m", "1G", "-nodefaults", "-no-user-config",
            "-display", "none", "-serial", "stdio", "-device", "isa-debug-exit,iobase=0xf4,iosize=4",
            "-kernel", f["xen"], "-append", XEN_ARGS,
            "-initrd", "%s %s,%s" % (f["vmlinuz"], DOM0_ARGS, f["initrd"])]
    return [(SOFT, soft, lambda rc: rc), (QEMU_COL, qemu, bl.qemu_guest_status)]


def timed(cmd, status_of, work):
    out = os.path.join(work, "out.txt")
    with open(out, "w") as fo:
        m = bl.run_measured(cmd, timeout=1900, stdout=fo)
    with open(out, errors="replace") as fi:
        text = fi.read().replace("\r", "")
    last = text.strip().splitlines()[-1] if text.strip() else bl.why(m[3])
    if status_of(m[0]) != 7 or MARKER not in text or "(XEN) Xen version" not in text:
        raise bl.Unavailable("%s: exit status %d, last line: %s" % (os.path.basename(cmd[0]), m[0], last))
    return m[1]


def run():
    if not bl.QEMU:
        raise bl.Unavailable("qemu-system-x86_64 is not installed")
    f = files()
    n = bl.runs_count(1)
    cols = [c for c in commands(f) if c[0] == SOFT or bl.QEMU]
    times = {c[0]: [] for c in cols}
    failed = {}
    with tempfile.TemporaryDirectory() as work:
        for _ in range(n):
            for name, cmd, status_of in cols:
                if name in failed:
                    continue
                try:
                    times[name].append(timed(cmd, status_of, work))
                except bl.Unavailable as e:
                    failed[name] = str(e)
    s = {c[0]: bl.summary(times[c[0]]) for c in cols}
    header = ["", *[c[0] for c in cols]]
    rows = [["launch to dom0's /init, s, median (min–max)",
             *["failed" if c[0] in failed else bl.fmt_summary(s[c[0]], 1.0, 1) for c in cols]]]
    md = ["## %s" % TITLE, "",
          "%d run(s) each (BENCH_RUNS; one Xen boot at a time), interleaved; Xen `%s`, dom0 `%s`, "
          "busybox initramfs; every run printed Xen's banner and /init's marker and exited with 7."
          % (n, XEN_ARGS, DOM0_ARGS), "", bl.md_table(header, rows), ""]
    if s.get(SOFT) and s.get(QEMU_COL) and not failed:
        md.append("- QEMU TCG reaches dom0's /init %s sooner than the soft CPU." % bl.fmt_ratio(
            s[SOFT][0], s[QEMU_COL][0]))
    md += bl.closing_notes(failed)
    return "\n".join(md), {"times": times, "failed": failed}
