# Exit accounting beside QEMU, and benchmarks (not part of `make check`).
#
#   make compare-qemu GUEST=guest-kernels/hello.elf [APPEND='...'] [DISK=img] [ACCEL=soft|kvm|auto]
#       runs the guest under minivmm --stats and under QEMU microvm with a
#       trace, prints both device-access counts side by side (tools/compare-qemu).
#   make bench
#       the side-by-side tables (bench/bench.py); results under
#       bench/results/, the latest in bench/results/latest.md.
#       BENCH_RUNS=n repeats each timed run n times; BENCH_ONLY=launch,exitcost,blk,cpu,fp,linux,xen
#       picks tables.

.PHONY: compare-qemu bench

BENCH_TOOLS := $(BUILD)/bench/measure $(BUILD)/bench/exit_cost $(BUILD)/bench/blkstream.elf

compare-qemu: all
	@test -n "$(GUEST)" || { echo "usage: make compare-qemu GUEST=file.elf [APPEND='cmdline'] [DISK=image] [ACCEL=auto|kvm|soft]" >&2; exit 2; }
	tools/compare-qemu $(if $(ACCEL),--accel $(ACCEL)) $(if $(DISK),--disk '$(DISK)') --append '$(APPEND)' '$(GUEST)'

# A tiny static launcher, so the peak RSS it reports is the VMM's own.
$(BUILD)/bench/measure: bench/measure.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -static $(WARN) -D_GNU_SOURCE -o $@ $<

# Drives the real run loop with a scripted provider (callgrind table).
$(BUILD)/bench/exit_cost: bench/exit_cost.c $(BUILD)/libminivmm.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $< -o $@ $(BUILD)/libminivmm.a $(LDLIBS)

# The disk-throughput guest (table c): built like the bundled guests
# (mk/20-guests.mk's flags, entry, library and flat linker script), kept
# under bench/ because only the benchmark runs it.
BLKSTREAM_OBJS := $(GUEST_BUILD)/bench/guests/blkstream/main.c.o
$(BUILD)/bench/blkstream.elf: $(BLKSTREAM_OBJS) $(GUEST_CRT_OBJS) $(GUEST_LIB) guest-kernels/lib/flat.ld
	@mkdir -p $(dir $@)
	$(GUEST_CC) $(GUEST_LDFLAGS) -T guest-kernels/lib/flat.ld -o $@ $(GUEST_CRT_OBJS) $(BLKSTREAM_OBJS) $(GUEST_LIB)

bench: all $(BENCH_TOOLS) $(BUILD)/bench/cpu_bench
	python3 bench/bench.py
