#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Write the Xen demo's dom0 initramfs: a newc cpio archive (the format
Linux unpacks, Documentation/driver-api/early-userspace/buffer-format.rst)
with a static busybox in /bin, a link for each applet the host lists by
running it, /dev/console, and INIT as /init.

usage: xen-initramfs.py OUT.cpio BUSYBOX INIT
"""
import subprocess
import sys


def entry(out, ino, name, mode, data=b"", rdev=(0, 0)):
    """One newc header, the NUL-terminated name and the data, each padded to 4 bytes."""
    name_b = name.encode() + b"\0"
    fields = [ino, mode, 0, 0, 1, 0, len(data), 0, 0, rdev[0], rdev[1], len(name_b), 0]
    out += b"070701" + b"".join(b"%08X" % f for f in fields) + name_b
    out += b"\0" * (-len(out) % 4) + data
    out += b"\0" * (-len(out) % 4)


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__.strip().splitlines()[-1])
    path, busybox, init = sys.argv[1:]
    applets = subprocess.run([busybox, "--list"], capture_output=True, text=True,
                             check=True).stdout.split()
    out = bytearray()
    ino = 1
    for d in ("bin", "dev", "proc", "sys", "tmp", "root"):
        entry(out, ino, d, 0o40755)
        ino += 1
    entry(out, ino, "dev/console", 0o20600, rdev=(5, 1))
    ino += 1
    entry(out, ino, "bin/busybox", 0o100755, open(busybox, "rb").read())
    ino += 1
    for a in applets:
        if a != "busybox":
            entry(out, ino, "bin/" + a, 0o120777, b"busybox")
            ino += 1
    entry(out, ino, "init", 0o100755, open(init, "rb").read())
    entry(out, 0, "TRAILER!!!", 0)
    open(path, "wb").write(out)


main()
