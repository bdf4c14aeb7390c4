# Bundled guest kernels (guest-kernels/), built with the host gcc as
# freestanding x86-64 ELF files carrying a Xen PVH note.
#
# guest-kernels/lib/ is a static library every guest links; each guest is a
# directory guest-kernels/NAME/ whose *.c and *.S files are linked with
# entry.o/start.o and the library into guest-kernels/NAME.elf. Another
# fragment adds a guest with:
#     $(eval $(call guest_rules,NAME,LINKER_SCRIPT))
# (LINKER_SCRIPT empty = guest-kernels/lib/flat.ld, identity at 1 MiB).
# Everything is built with -mcmodel=kernel so the same library links both
# at 1 MiB and in the top 2 GiB (higher-half kernels such as rings).

GUEST_CC      := gcc
GUEST_BUILD   := $(BUILD)/guests
GUEST_CFLAGS  := -std=gnu11 -O2 -g -ffreestanding -fno-pic -fno-pie -mno-red-zone \
                 -mno-sse -mno-mmx -mno-avx -mgeneral-regs-only -fno-stack-protector \
                 -mcmodel=kernel -fno-asynchronous-unwind-tables -fno-tree-loop-distribute-patterns \
                 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
                 -Wformat=2 -Wvla -Iguest-kernels/lib -MMD -MP
GUEST_LDFLAGS := -nostdlib -static -no-pie -Wl,--build-id=none -Wl,-z,noexecstack \
                 -Wl,-z,max-page-size=4096 -Wl,--fatal-warnings

GUEST_LIB_SRCS := $(sort $(wildcard guest-kernels/lib/*.c guest-kernels/lib/*.S))
GUEST_LIB_OBJS := $(patsubst %,$(GUEST_BUILD)/%.o,$(GUEST_LIB_SRCS))
# Always linked (the entry is not referenced by anything, lib_start only by it).
GUEST_CRT_OBJS := $(GUEST_BUILD)/guest-kernels/lib/entry.S.o $(GUEST_BUILD)/guest-kernels/lib/start.c.o
GUEST_LIB      := $(GUEST_BUILD)/libguest.a

$(GUEST_BUILD)/%.c.o: %.c
	@mkdir -p $(dir $@)
	$(GUEST_CC) $(GUEST_CFLAGS) -c $< -o $@

$(GUEST_BUILD)/%.S.o: %.S
	@mkdir -p $(dir $@)
	$(GUEST_CC) $(GUEST_CFLAGS) -c $< -o $@

$(GUEST_LIB): $(filter-out $(GUEST_CRT_OBJS),$(GUEST_LIB_OBJS))
	@rm -f $@
	ar rcs $@ $^

# guest_rules NAME [LINKER_SCRIPT]
define guest_rules
GUEST_$(1)_LDS  := $(if $(2),$(2),guest-kernels/lib/flat.ld)
GUEST_$(1)_OBJS := $$(patsubst %,$(GUEST_BUILD)/%.o,$$(sort $$(wildcard guest-kernels/$(1)/*.c guest-kernels/$(1)/*.S)))
guest-kernels/$(1).elf: $$(GUEST_$(1)_OBJS) $(GUEST_CRT_OBJS) $(GUEST_LIB) $$(GUEST_$(1)_LDS)
	$(GUEST_CC) $(GUEST_LDFLAGS) -T $$(GUEST_$(1)_LDS) -o $$@ $(GUEST_CRT_OBJS) $$(GUEST_$(1)_OBJS) $(GUEST_LIB)
all: guest-kernels/$(1).elf
GUEST_ELFS += guest-kernels/$(1).elf
endef

$(eval $(call guest_rules,hello,))
$(eval $(call guest_rules,rings,guest-kernels/rings/rings.ld))
$(eval $(call guest_rules,cpubench,))
$(eval $(call guest_rules,gdbregs,))

.PHONY: guests
guests: $(GUEST_ELFS)

# guest-kernels/mbtest.elf: a Multiboot v1 guest, an ELF32 i386 kernel (the
# other guests are 64-bit with a PVH note), built on its own with -m32 and
# the multiboot package's <multiboot/multiboot.h>.
MBTEST_CFLAGS := -m32 -std=gnu11 -O2 -ffreestanding -fno-pic -fno-pie -fno-stack-protector \
                 -mno-sse -mno-mmx -fno-asynchronous-unwind-tables -Wall -Wextra -Werror \
                 -Wstrict-prototypes -Wmissing-prototypes -MMD -MP
MBTEST_OBJS   := $(GUEST_BUILD)/mbtest/entry.S.o $(GUEST_BUILD)/mbtest/main.c.o \
                 $(GUEST_BUILD)/mbtest/io.c.o
# guest-kernels/mb2test.elf: the Multiboot2 guest, built the same way.
MB2TEST_OBJS  := $(GUEST_BUILD)/mbtest/mb2_entry.S.o $(GUEST_BUILD)/mbtest/mb2_main.c.o \
                 $(GUEST_BUILD)/mbtest/io.c.o

$(GUEST_BUILD)/mbtest/%.o: guest-kernels/mbtest/%
	@mkdir -p $(dir $@)
	$(GUEST_CC) $(MBTEST_CFLAGS) -c $< -o $@

guest-kernels/mbtest.elf: $(MBTEST_OBJS) guest-kernels/mbtest/mbtest.ld
	$(GUEST_CC) -m32 -nostdlib -static -no-pie -Wl,--build-id=none -Wl,-z,noexecstack \
		-Wl,--fatal-warnings -T guest-kernels/mbtest/mbtest.ld -o $@ $(MBTEST_OBJS)
all: guest-kernels/mbtest.elf

guest-kernels/mb2test.elf: $(MB2TEST_OBJS) guest-kernels/mbtest/mb2test.ld
	$(GUEST_CC) -m32 -nostdlib -static -no-pie -Wl,--build-id=none -Wl,-z,noexecstack \
		-Wl,--fatal-warnings -T guest-kernels/mbtest/mb2test.ld -o $@ $(MB2TEST_OBJS)
all: guest-kernels/mb2test.elf
