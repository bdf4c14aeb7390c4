# minivmm top-level Makefile.
#
# Each part of the tree owns one fragment under mk/ (mk/vmm.mk, mk/soft.mk,
# mk/guests.mk, mk/virtio.mk, mk/tests.mk, ...). This file only holds the
# common flags and includes them, so parts can grow without touching it.

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
LDLIBS  := -Wl,-Bstatic -lelf -lz -Wl,-Bdynamic -lZydis

SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

.PHONY: all check run bench install clean deps
all:

include $(sort $(wildcard mk/*.mk))

clean:
	rm -rf $(BUILD) minivmm guest-kernels/*.elf

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
