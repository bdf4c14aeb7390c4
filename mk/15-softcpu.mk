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

# The engine matrix (issue 16): `make check` runs the soft-CPU unit tests
# and the integration boots once more under the engine that is not the
# default (MINIVMM_SOFT_ENGINE, read when a soft vCPU is created), so
# every one of them must pass under both the interpreter and the
# translator. `make check-engine ENGINE=interp|bt` runs that pass alone.
ENGINE ?= interp
ENGINE_UNIT := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(filter tests/unit/test_soft_% \
	tests/unit/test_unicorn_% tests/unit/test_fpu_diff.c tests/unit/test_dma_coherence.c \
	tests/unit/test_kvm_abi.c tests/unit/test_provider_parity.c \
	tests/unit/test_irqchip_setup.c tests/unit/test_stats_kvm.c,$(wildcard tests/unit/test_*.c)))
ENGINE_INTEG := $(filter $(addprefix tests/integration/,boot_hello.sh boot_machine.sh \
	guest_minivmm.sh fpmath.sh preempt.sh multiboot.sh multiboot2.sh disk_rw.sh \
	solo5_hvt.sh solo5_uni.sh arch_minivmm.sh reboot.sh rtc.sh halt.sh acpi_power.sh \
	linux_boot.sh stats_json.sh),$(wildcard tests/integration/*.sh))

.PHONY: check-engine
check-engine: all $(ENGINE_UNIT)
	@fail=""; export MINIVMM_SOFT_ENGINE=$(ENGINE) MINIVMM_BT_HOT=1; \
	for t in $(ENGINE_UNIT); do echo "== [$(ENGINE)] $$t"; CK_FORK=yes $$t || fail="$$fail $$t"; done; \
	for t in $(ENGINE_INTEG); do echo "== [$(ENGINE)] $$t"; rc=0; bash $$t || rc=$$?; \
	  if [ $$rc -eq 77 ]; then echo "   (skipped)"; elif [ $$rc -ne 0 ]; then fail="$$fail $$t"; fi; done; \
	if [ -n "$$fail" ]; then echo "FAILED under $(ENGINE):$$fail"; exit 1; fi

check: check-engine
