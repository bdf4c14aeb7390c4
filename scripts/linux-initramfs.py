#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Write the Linux demo's initramfs: a newc cpio archive (the format the
kernel unpacks, Documentation/driver-api/early-userspace/buffer-format.rst)
with busybox (a link in /bin for each applet the
host can list by running the static binary), the kernel modules for a virtio-mmio disk and ext4, and an
/init shell script (scripts/linux-init.sh).

usage: linux-initramfs.py OUT.cpio BUSYBOX INIT KERNEL.deb VERSION MODULE...

MODULE names are looked up in the kernel package (/lib/modules/VERSION,
read from the .deb without unpacking it to disk); their dependencies (the .modinfo "depends=" list,
and "softdep=pre:" names resolved through the modules' aliases) are added
and the whole set is written in load order to /etc/modules. The archive is
written by this script, so /dev/console can be a device node without root.
"""
import os
import struct
import subprocess
import tarfile
import sys


def modinfo(data, what):
    """The key=value strings of a module's .modinfo section."""
    if data[:4] != b"\x7fELF" or data[4] != 2:
        sys.exit(f"linux-initramfs: {what} is not an ELF64 module")
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3a)
    secs = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize) for i in range(shnum)]
    names = secs[shstrndx][4]
    for sec in secs:
        end = data.index(b"\0", names + sec[0])
        if data[names + sec[0]:end] == b".modinfo":
            raw = data[sec[4]:sec[4] + sec[5]]
            return [s.decode() for s in raw.split(b"\0") if b"=" in s]
    return []


def package_modules(deb, version, wanted=None):
    """Reads the kernel package's data archive (dpkg-deb --fsys-tarfile, one
    pass): without WANTED, module name (dashes as underscores) -> its
    .modinfo strings for every module; with WANTED, name -> contents of
    those modules only."""
    prefix = f"./lib/modules/{version}/kernel/"
    found = {}
    with subprocess.Popen(["dpkg-deb", "--fsys-tarfile", deb], stdout=subprocess.PIPE) as p:
        with tarfile.open(fileobj=p.stdout, mode="r|") as tar:
            for m in tar:
                if not (m.isfile() and m.name.startswith(prefix) and m.name.endswith(".ko")):
                    continue
                name = os.path.basename(m.name)[:-3].replace("-", "_")
                if wanted is not None and name not in wanted:
                    continue
                data = tar.extractfile(m).read()
                found[name] = data if wanted is not None else modinfo(data, m.name)
    if p.returncode:
        sys.exit(f"linux-initramfs: dpkg-deb --fsys-tarfile {deb} failed")
    return found


def provider_of(alias, modules):
    """The module whose alias= names ALIAS: a softdep such as crypto-crc32c.
    The generic C implementation is preferred (it needs no CPU feature)."""
    stem = alias.removeprefix("crypto-").replace("-", "_")
    candidates = sorted((n for n in modules if n.startswith(stem)),
                        key=lambda n: (not n.endswith("_generic"), n))
    for name in candidates:
        if f"alias={alias}" in modules[name] or name == alias:
            return name
    return None


def load_order(wanted, modules):
    """WANTED and their dependencies, each after what it depends on."""
    order = []

    def visit(name, chain):
        name = name.replace("-", "_")
        if name in order:
            return
        if name in chain:
            sys.exit(f"linux-initramfs: module dependency loop through {name}")
        if name not in modules:
            sys.exit(f"linux-initramfs: no module {name}.ko in the kernel package")
        deps = []
        for kv in modules[name]:
            key, _, value = kv.partition("=")
            if key == "depends":
                deps += [d for d in value.split(",") if d]
            elif key == "softdep":
                words = value.split()
                pre = words[words.index("pre:") + 1:] if "pre:" in words else []
                for alias in pre:
                    if alias.endswith(":"):
                        break
                    dep = provider_of(alias, modules)
                    if dep:
                        deps.append(dep)
        for dep in deps:
            visit(dep, chain + [name])
        order.append(name)

    for name in wanted:
        visit(name, [])
    return order


class Cpio:
    def __init__(self):
        self.out = bytearray()
        self.ino = 1

    def entry(self, name, mode, data=b"", rdev=(0, 0)):
        hdr = "070701" + "".join(f"{v:08x}" for v in (
            self.ino, mode, 0, 0, 1, 0, len(data), 0, 0, rdev[0], rdev[1],
            len(name) + 1, 0))
        self.ino += 1
        self.out += hdr.encode() + name.encode() + b"\0"
        self.out += b"\0" * (-len(self.out) % 4)
        self.out += data
        self.out += b"\0" * (-len(self.out) % 4)

    def dir(self, name):
        self.entry(name, 0o040755)

    def file(self, name, data, mode=0o644):
        self.entry(name, 0o100000 | mode, data)

    def symlink(self, name, target):
        self.entry(name, 0o120777, target.encode())

    def chardev(self, name, major, minor):
        self.entry(name, 0o020600, rdev=(major, minor))

    def finish(self):
        self.entry("TRAILER!!!", 0)
        return bytes(self.out)


def main():
    if len(sys.argv) < 7:
        sys.exit(__doc__.split("\n\n")[1])
    out, busybox, init, deb, version = sys.argv[1:6]
    order = load_order(sys.argv[6:], package_modules(deb, version))
    contents = package_modules(deb, version, set(order))
    c = Cpio()
    for d in ("bin", "dev", "etc", "lib", "lib/modules", "mnt", "proc", "sys", "tmp", "root"):
        c.dir(d)
    c.chardev("dev/console", 5, 1)
    c.file("bin/busybox", open(busybox, "rb").read(), 0o755)
    applets = subprocess.run([busybox, "--list"], capture_output=True, text=True, check=True)
    for applet in applets.stdout.split():
        if applet != "busybox":
            c.symlink(f"bin/{applet}", "busybox")
    c.file("init", open(init, "rb").read(), 0o755)
    c.file("etc/modules", ("\n".join(order) + "\n").encode())
    c.file("etc/profile", b"export PATH=/bin\nPS1='\\w # '\ncd /mnt 2>/dev/null\n"
           b"echo 'minivmm Linux demo: busybox shell, the disk is on /mnt; poweroff ends the VM'\n")
    for name in order:
        c.file(f"lib/modules/{name}.ko", contents[name])
    with open(out + ".tmp", "wb") as f:
        f.write(c.finish())
    os.replace(out + ".tmp", out)
    print(" ".join(order))


if __name__ == "__main__":
    main()
