# The OS-architecture guests of issue 12 (guest-kernels/{mono,micro,exo}):
# kernels whose ring-3 programs are separate flat binaries, built here from
# guest-kernels/KERNEL/user/PROG.c + that kernel's user/ulib.c + a ring-3
# build of the shared guest library (printf, string, cmdline, virtio-blk,
# the workload), and embedded into the kernel by its programs.S.

# Position-independent, so a program links at USER_BASE (0x8000000000) with
# the ordinary small code model; GUEST_USER makes lib code ring-3 aware.
USER_CFLAGS  := $(filter-out -mcmodel=kernel -fno-pic -fno-pie,$(GUEST_CFLAGS)) -fpie -DGUEST_USER
USER_BUILD   := $(GUEST_BUILD)/user
USER_LIB_SRCS := $(addprefix guest-kernels/lib/,printf.c string.c bootinfo.c uart.c virtio_blk.c workload.c)
USER_LIB     := $(USER_BUILD)/libuser.a

$(USER_BUILD)/%.c.o: %.c
	@mkdir -p $(dir $@)
	$(GUEST_CC) $(USER_CFLAGS) -c $< -o $@

$(USER_LIB): $(patsubst %,$(USER_BUILD)/%.o,$(USER_LIB_SRCS))
	@rm -f $@
	ar rcs $@ $^

# user_prog KERNEL PROG
define user_prog
$(USER_BUILD)/$(1)/$(2).elf: $(USER_BUILD)/guest-kernels/$(1)/user/$(2).c.o \
		$(USER_BUILD)/guest-kernels/$(1)/user/ulib.c.o $(USER_LIB) guest-kernels/lib/user.ld
	@mkdir -p $$(dir $$@)
	$(GUEST_CC) $(GUEST_LDFLAGS) -T guest-kernels/lib/user.ld -o $$@ \
		$(USER_BUILD)/guest-kernels/$(1)/user/$(2).c.o $(USER_BUILD)/guest-kernels/$(1)/user/ulib.c.o $(USER_LIB)
$(USER_BUILD)/$(1)/$(2).bin: $(USER_BUILD)/$(1)/$(2).elf
	objcopy -O binary $$< $$@
$(GUEST_BUILD)/guest-kernels/$(1)/programs.S.o: $(USER_BUILD)/$(1)/$(2).bin
endef

# arch_guest KERNEL PROGS...: the kernel, its programs, and where its programs.S finds them.
define arch_guest
$(foreach p,$(2),$(eval $(call user_prog,$(1),$(p))))
$(GUEST_BUILD)/guest-kernels/$(1)/programs.S.o: GUEST_CFLAGS += -Wa,-I,$(USER_BUILD)/$(1)
$(eval $(call guest_rules,$(1),))
guests: guest-kernels/$(1).elf
endef

$(eval $(call arch_guest,mono,workload hostile))
$(eval $(call arch_guest,micro,serial block file workload hostile))
$(eval $(call arch_guest,exo,libos_direct libos_batched hostile heir))

# make compare-archs: the architectures side by side on every provider
# (bench/compare_archs.py; ARCHS_RECORDS=n, ARCHS_RUNS=n). Not part of make check.
.PHONY: compare-archs
compare-archs: minivmm guests
	python3 bench/compare_archs.py
