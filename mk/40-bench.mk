# Exit accounting beside QEMU, and benchmarks (not part of `make check`).
#
#   make compare-qemu GUEST=guest-kernels/hello.elf [APPEND='...'] [DISK=img] [ACCEL=soft|kvm|auto]
#       runs the guest under minivmm --stats and under QEMU microvm with a
#       trace, prints both device-access counts side by side (tools/compare-qemu).
#   make bench
#       the four side-by-side tables (bench/bench.py); results under
#       bench/results/, the latest in bench/results/latest.md.
#       BENCH_RUNS=n repeats each timed run n times; BENCH_ONLY=launch,exitcost,blk,cpu
#       picks tables.

.PHONY: compare-qemu bench

BENCH_TOOLS := $(BUILD)/bench/measure $(BUILD)/bench/exit_cost

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

bench: all $(BENCH_TOOLS)
	python3 bench/bench.py
