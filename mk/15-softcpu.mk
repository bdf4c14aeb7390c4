# Soft CPU interpreter benchmark (not part of `make check`).
#
#   make bench-cpu [BENCH_CPU_ITERS=n] [BENCH_CPU_RUNS=n]
#       runs a compute-bound 64-bit guest loop through the soft_cpu API
#       and prints guest instructions per second per run and the median.

.PHONY: bench-cpu

BENCH_CPU_ITERS ?= 20000000
BENCH_CPU_RUNS ?= 5

$(BUILD)/bench/cpu_bench: tests/bench/cpu_bench.c $(BUILD)/libminivmm.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $< -o $@ $(BUILD)/libminivmm.a $(LDLIBS)

bench-cpu: $(BUILD)/bench/cpu_bench
	$(BUILD)/bench/cpu_bench $(BENCH_CPU_ITERS) $(BENCH_CPU_RUNS)
