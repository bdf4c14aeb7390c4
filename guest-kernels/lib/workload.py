#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Host side of the architecture workload (guest-kernels/lib/workload.h),
written from the definition in that header, not from the guest code:

  output record i word j = rotl64(w, 17) ^ ((i + 1) * 0x9e3779b97f4a7c15) ^ j
  where w is input record i word j (records are 512 bytes = 64 LE words);
  checksum = FNV-1a 64 over every output word in order.

  workload.py fill IMG IN N [SEED]
      create/extend IMG and put N input records at sector IN: word k of the
      area is ((k * 0xd6e8feb86659fd93 + SEED) mod 2^64) ^ (that >> 31)
  workload.py check IMG IN OUT N [--expect HEX]
      verify that the output area is the transform of the input area; print
      the checksum (exit 1 on a difference, or when it is not HEX)
  workload.py expect IMG IN OUT N EVERY
      print the "workload:" lines a guest must print for these arguments,
      computed from the input area alone
"""
import os
import struct
import sys

M = (1 << 64) - 1
WORDS = 64


def fill(path, first, n, seed):
    words = []
    for k in range(n * WORDS):
        v = (k * 0xD6E8FEB86659FD93 + seed) & M
        words.append(v ^ (v >> 31))
    mode = "r+b" if os.path.exists(path) else "w+b"
    with open(path, mode) as f:
        f.seek(first * 512)
        f.write(struct.pack("<%dQ" % len(words), *words))


def read_words(f, sector, n):
    f.seek(sector * 512)
    data = f.read(n * 512)
    if len(data) != n * 512:
        return None
    return struct.unpack("<%dQ" % (n * WORDS), data)


def transform(src, i):
    """Output record i from the input words; yields its 64 words."""
    key = ((i + 1) * 0x9E3779B97F4A7C15) & M
    for j in range(WORDS):
        w = src[i * WORDS + j]
        yield (((w << 17) | (w >> 47)) & M) ^ key ^ j


def expect(path, first_in, first_out, n, every):
    with open(path, "rb") as f:
        src = read_words(f, first_in, n)
    if src is None:
        print("%s: too short for %d records at sector %d" % (path, n, first_in))
        return 1
    print("workload: records=%d every=%d in=%d out=%d" % (n, every, first_in, first_out))
    h = 0xCBF29CE484222325
    for i in range(n):
        for o in transform(src, i):
            h = ((h ^ o) * 0x100000001B3) & M
        if every and (i + 1) % every == 0 and i + 1 < n:
            print("workload: %d/%d records, checksum %016x" % (i + 1, n, h))
    print("workload: done %d records, checksum %016x" % (n, h))
    return 0


def check(path, first_in, first_out, n):
    with open(path, "rb") as f:
        src = read_words(f, first_in, n)
        dst = read_words(f, first_out, n)
    if src is None or dst is None:
        print("%s: too short for %d records at sectors %d and %d" % (path, n, first_in, first_out))
        return None
    h = 0xCBF29CE484222325
    for i in range(n):
        for j, o in enumerate(transform(src, i)):
            if dst[i * WORDS + j] != o:
                print("%s: output record %d word %d is %#x, not %#x"
                      % (path, i, j, dst[i * WORDS + j], o))
                return None
            h = ((h ^ o) * 0x100000001B3) & M
    return h


def main(argv):
    if len(argv) in (4, 5) and argv[0] == "fill":
        seed = int(argv[4], 0) if len(argv) == 5 else 1
        fill(argv[1], int(argv[2], 0), int(argv[3], 0), seed)
        return 0
    if len(argv) == 6 and argv[0] == "expect":
        return expect(argv[1], *(int(a, 0) for a in argv[2:6]))
    if len(argv) in (5, 7) and argv[0] == "check":
        h = check(argv[1], *(int(a, 0) for a in argv[2:5]))
        if h is None:
            return 1
        print("%016x" % h)
        if len(argv) == 7 and (argv[5] != "--expect" or argv[6] != "%016x" % h):
            print("checksum differs from the expected %s" % argv[6])
            return 1
        return 0
    sys.exit(__doc__)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
