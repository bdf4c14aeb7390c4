# minivmm top-level Makefile.
#
# This file only holds the common flags and includes the fragments under
# mk/ in name order, so parts can grow without touching it:
#   mk/00-core.mk     the library of src/ (plain and ASan/UBSan objects) and
#                     the layering check every build runs (tools/check-layers)
#   mk/05-deps.mk     make deps (scripts/install-deps.sh)
#   mk/10-vmm.mk      the minivmm binary, make run, install, uninstall
#   mk/15-softcpu.mk  make bench-cpu (the soft CPU's compute benchmark)
#   mk/20-guests.mk   the bundled guest kernels (guest-kernels/)
#   mk/22-archs.mk    the OS-architecture guests (mono, micro, exo), make compare-archs
#   mk/30-virtio.mk   the disk workload guest and make disk-demo
#   mk/40-bench.mk    make compare-qemu and make bench
#   mk/50-tests.mk    unit tests (plain and sanitizer builds), integration
#                     tests, make check

CC      ?= gcc
PREFIX  ?= /usr/local
DESTDIR ?=
BUILD   := build

WARN    := -Wall -Wextra -Werror -Wno-unused-parameter -Wshadow -Wstrict-prototypes \
           -Wmissing-prototypes -Wformat=2 -Wvla
CFLAGS  ?= -O2 -g
CFLAGS  += -std=gnu11 $(WARN) -D_GNU_SOURCE -Isrc -MMD -MP
# libelf and zlib are linked statically: two fewer shared libraries to load
# cut ~0.1 ms (7%) from a ~1.5 ms launch-to-exit of hello.elf (issue 5's
# launch benchmark). Zydis stays shared: Debian ships no static libZydis.
LDLIBS  := -Wl,-Bstatic -lelf -lz -lseccomp -Wl,-Bdynamic -lZydis

SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

.PHONY: all check run bench install clean deps
all:

include $(sort $(wildcard mk/*.mk))

clean:
	rm -rf $(BUILD) minivmm guest-kernels/*.elf

-include $(shell find $(BUILD) -name '*.d' -type f 2>/dev/null)
