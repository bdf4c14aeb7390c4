#!/bin/bash
# tools/compare-qemu's matching rules on hand-made counts, with the QEMU side
# written as REFERENCE.md describes QEMU 7.2's trace: a `rep outsb` of n
# bytes is n trace entries (one KVM exit with count n); an `inw` from the
# byte-wide UART is traced as two byte reads. No VMM runs here.
set -eu
PYTHONDONTWRITEBYTECODE=1 python3 - <<'PY'
import collections
from importlib.machinery import SourceFileLoader

cq = SourceFileLoader("compare_qemu", "tools/compare-qemu").load_module()
K = cq.Key

def rows(m_exits, m_items, q):
    out = cq.compare(collections.Counter(m_exits), collections.Counter(m_items), collections.Counter(q))
    return {(r[0].offset, r[0].dir, r[0].size): (r[1], r[2], r[3]) for r in out}

thr = K("uart", 0x3F8, "write", 1)
# rep outsb of 13 bytes: 1 exit carrying 13 items vs 13 trace entries -> explained
r = rows({thr: 1}, {thr: 13}, {thr: 13})
assert r[(0x3F8, "write", 1)] == (1, 13, "~"), r
# the same counts without the items evidence -> mismatch
r = rows({thr: 1}, {thr: 1}, {thr: 13})
assert r[(0x3F8, "write", 1)][2] == "!", r
# inw from 0x3f8: one 2-byte exit vs byte reads at 0x3f8 and 0x3f9 -> explained, nothing left over
inw = K("uart", 0x3F8, "read", 2)
r = rows({inw: 3}, {inw: 3}, {K("uart", 0x3F8, "read", 1): 3, K("uart", 0x3F9, "read", 1): 3})
assert r == {(0x3F8, "read", 2): (3, 0, "~")}, r
# ... but only if both halves are there
r = rows({inw: 3}, {inw: 3}, {K("uart", 0x3F8, "read", 1): 3})
assert r[(0x3F8, "read", 2)][2] == "!" and r[(0x3F8, "read", 1)][2] == "!", r
# equal counts are equal; an access only one side made is a mismatch
r = rows({thr: 5}, {thr: 5}, {thr: 5, K("post", 0x80, "write", 1): 1})
assert r[(0x3F8, "write", 1)] == (5, 5, "="), r
assert r[(0x80, "write", 1)] == (0, 1, "!"), r
# serial-length evidence explains only THR writes and LSR reads, and only by the exact delta
lsr = K("uart", 0x3FD, "read", 1)
base = cq.compare(collections.Counter({thr: 10, lsr: 10}), collections.Counter({thr: 10, lsr: 10}),
                  collections.Counter({thr: 7, lsr: 7}))
ok = cq.explain_device_differences(base, {}, 3)
assert all(r[3] == "~" for r in ok), ok
bad = cq.explain_device_differences(base, {}, 2)
assert all(r[3] == "!" for r in bad), bad
# a size_max read is explained only when QEMU's offered features lack VIRTIO_BLK_F_SIZE_MAX (bit 1)
smax = K("virtio#0", 0x108, "read", 4)
base = cq.compare(collections.Counter({smax: 1}), collections.Counter({smax: 1}), collections.Counter())
assert cq.explain_device_differences(base, {"virtio#0": 1 << 32}, 0)[0][3] == "~"
assert cq.explain_device_differences(base, {"virtio#0": (1 << 32) | 2}, 0)[0][3] == "!"
# QEMU addresses map to (n-th virtio device from the top, offset)
assert cq.qemu_key("write", 0xFEB00E50, 4) == K("virtio#0", 0x50, "write", 4)
assert cq.qemu_key("read", 0xFEB00C70, 4) == K("virtio#1", 0x70, "read", 4)
print("compare-qemu matching rules: ok")
PY
