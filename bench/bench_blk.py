# SPDX-License-Identifier: MIT
"""Table (c): virtio-blk sequential throughput seen by the guest."""

import os

import benchlib as bl

TITLE = "virtio-blk sequential throughput: disktest.elf, 64 MiB image"
GUEST = os.path.join(bl.GUESTS, "disktest.elf")


def run():
    if not os.path.exists(GUEST):
        raise bl.Unavailable("guest-kernels/disktest.elf is not built yet")
    raise bl.Unavailable("the disk workload's command line is not wired into the benchmark yet")
