#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Host-side oracle for disktest's pattern, written from its definition
(guest-kernels/disktest/main.c), not from the guest code:

  the disk is a sequence of little-endian 64-bit words; the word at byte
  offset o is w = (o / 8) * 0x9e3779b97f4a7c15 + seed (mod 2^64), then
  w ^= w >> 29; the checksum is FNV-1a 64 over those words.

  check.py check IMG START SECTORS SEED [--expect HEX]
      verify the image holds the pattern there; print the checksum
      (exit 1 on a difference, or when it differs from --expect)
  check.py write IMG START SECTORS SEED
      write the pattern into IMG in place
"""
import struct
import sys

M = (1 << 64) - 1


def words(start, sectors, seed):
    first = start * 512 // 8
    for i in range(first, first + sectors * 64):
        w = (i * 0x9e3779b97f4a7c15 + seed) & M
        yield w ^ (w >> 29)


def main(argv):
    if len(argv) not in (5, 7) or argv[0] not in ("check", "write"):
        sys.exit(__doc__)
    op, path = argv[0], argv[1]
    start, sectors, seed = (int(a, 0) for a in argv[2:5])
    want = list(words(start, sectors, seed))
    if op == "write":
        with open(path, "r+b") as f:
            f.seek(start * 512)
            f.write(struct.pack("<%dQ" % len(want), *want))
        return 0
    with open(path, "rb") as f:
        f.seek(start * 512)
        data = f.read(sectors * 512)
    if len(data) != sectors * 512:
        print("%s: shorter than sector %d" % (path, start + sectors))
        return 1
    h = 0xcbf29ce484222325
    for i, (w, have) in enumerate(zip(want, struct.unpack("<%dQ" % len(want), data))):
        if w != have:
            print("%s: differs from the pattern at byte %d" % (path, start * 512 + 8 * i))
            return 1
        h = ((h ^ w) * 0x100000001b3) & M
    print("%016x" % h)
    if len(argv) == 7 and argv[5] == "--expect" and argv[6] != "%016x" % h:
        print("checksum differs from the expected %s" % argv[6])
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
