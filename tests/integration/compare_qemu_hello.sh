#!/bin/bash
# hello.elf under minivmm and QEMU microvm: the device accesses from the
# guest's marker on must be equal, per port, direction and size (--strict:
# not even an explained difference is allowed), on every provider present.
set -u
. tests/integration/compare_qemu_common.bash

need_qemu
need_file guest-kernels/hello.elf "the bundled hello guest"
need_stats_option

compare_on_providers --strict --quiet --append "compare qemu hello" guest-kernels/hello.elf
