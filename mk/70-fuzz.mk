# Fuzzing (issue 9): every tests/fuzz/fuzz_NAME.c is a libFuzzer target
# built with Debian's clang, ASan and UBSan, linked with the library code
# compiled the same way (with -fsanitize=fuzzer-no-link for coverage).
# Each target has a committed seed corpus, tests/fuzz/corpus/NAME/, which
# also holds every input that once crashed or hung, and may have a
# dictionary, tests/fuzz/NAME.dict.
#
#   make fuzz [FUZZ_SECONDS=n] [FUZZ_TARGETS='uart virtio']
#       fuzzes each target for FUZZ_SECONDS (default 10); new inputs go to
#       build/fuzz/corpus/NAME, crashes and hangs to build/fuzz/artifacts/,
#       and the final statistics (executions, coverage) are printed per
#       target. The targets' own stderr (device log lines) is closed;
#       rerun build/fuzz/fuzz_NAME ARTIFACT to see a finding in full.
#   make fuzz-regress (part of `make check`)
#       runs each target once over its committed corpus: no fuzzing.
#   make soak
#       1,000 launches of hello.elf and 100 of the disk workload, watching
#       file descriptors and memory (bench/soak.py; not part of check).

FUZZ_CC      := clang
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS  := -O1 -g -std=gnu11 $(WARN) -D_GNU_SOURCE -Isrc -MMD -MP $(FUZZ_SAN)
FUZZ_SECONDS ?= 10
# One input running longer than this (seconds) is a finding: a hang.
FUZZ_TIMEOUT ?= 10
FUZZ_ALL     := $(sort $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c)))
FUZZ_TARGETS ?= $(FUZZ_ALL)
FUZZ_BINS    := $(FUZZ_ALL:%=$(BUILD)/fuzz/fuzz_%)
FUZZ_OBJS    := $(LIB_SRCS:%.c=$(BUILD)/fuzz/obj/%.o)
# The unit tests' x86 table builders (not their shared main(): libFuzzer has one).
FUZZ_SUPPORT := $(patsubst %.c,$(BUILD)/fuzz/obj/%.o,$(filter-out %/run_suite.c,$(SUPPORT_SRCS)))

$(BUILD)/fuzz/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(BUILD)/fuzz/obj/tests/unit/support/%.o: tests/unit/support/%.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Itests/unit -fsanitize=fuzzer-no-link -c $< -o $@

$(BUILD)/libminivmm-fuzz.a: $(FUZZ_OBJS)
	@rm -f $@
	ar rcs $@ $^

# Check is linked for the unit-test harness headers some targets share;
# those use gnu11's KVM structs with a flexible array followed by entries.
$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz_input.h $(FUZZ_SUPPORT) \
		$(BUILD)/libminivmm-fuzz.a
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Wno-gnu-variable-sized-type-not-at-end -fsanitize=fuzzer \
		-Itests/fuzz -Itests/unit $< -o $@ $(FUZZ_SUPPORT) \
		$(BUILD)/libminivmm-fuzz.a $(LDLIBS) $(CHECK_LIBS) -lpthread

.PHONY: fuzz fuzz-build fuzz-regress soak
fuzz-build: $(FUZZ_BINS)

fuzz: $(FUZZ_TARGETS:%=$(BUILD)/fuzz/fuzz_%)
	@mkdir -p $(BUILD)/fuzz/artifacts
	@fail=""; for t in $(FUZZ_TARGETS); do \
	  echo "== fuzz_$$t for $(FUZZ_SECONDS) s"; mkdir -p $(BUILD)/fuzz/corpus/$$t; \
	  dict=""; [ -f tests/fuzz/$$t.dict ] && dict="-dict=tests/fuzz/$$t.dict"; \
	  $(BUILD)/fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 $$dict \
	    -timeout=$(FUZZ_TIMEOUT) -close_fd_mask=2 \
	    -artifact_prefix=$(BUILD)/fuzz/artifacts/$$t- $(BUILD)/fuzz/corpus/$$t tests/fuzz/corpus/$$t \
	    2>$(BUILD)/fuzz/$$t.log || fail="$$fail $$t"; \
	  grep -E '^(stat::|#[0-9]+[[:space:]]+DONE)' $(BUILD)/fuzz/$$t.log; \
	done; \
	if [ -n "$$fail" ]; then echo "FINDINGS in:$$fail (logs: $(BUILD)/fuzz/NAME.log)"; exit 1; fi

# Each committed input once; a crash, sanitizer report or oracle abort fails.
# The soft CPU's stop bound is the fuzzer's own (100 ms of the vCPU thread's
# CPU time, as long asleep): neither grows when the machine is loaded.
fuzz-regress: $(FUZZ_BINS)
	@fail=""; for t in $(FUZZ_ALL); do \
	  echo "== fuzz_$$t over tests/fuzz/corpus/$$t"; \
	  $(BUILD)/fuzz/fuzz_$$t -runs=0 -timeout=$(FUZZ_TIMEOUT) tests/fuzz/corpus/$$t \
	    >$(BUILD)/fuzz/$$t-regress.log 2>&1 \
	    || { fail="$$fail $$t"; tail -40 $(BUILD)/fuzz/$$t-regress.log; }; \
	done; \
	if [ -n "$$fail" ]; then echo "FAILED:$$fail"; exit 1; fi

check: fuzz-regress

# SOAK_ARGS passes options to bench/soak.py, e.g. SOAK_ARGS='--hello 100 --disk 10'.
soak: all $(BUILD)/bench/measure guest-kernels/disktest.elf
	python3 bench/soak.py $(if $(ACCEL),--accel $(ACCEL)) $(SOAK_ARGS)

# tests/fuzz/known/NAME/: inputs that find a bug whose fix has not landed
# yet (not run by check). Each moves to tests/fuzz/corpus/NAME/ with its fix;
# `make fuzz-known` shows which still fail.
.PHONY: fuzz-known
fuzz-known: $(FUZZ_BINS)
	@for d in $(wildcard tests/fuzz/known/*); do t=$$(basename $$d); \
	  for f in $$d/*; do \
	    if $(BUILD)/fuzz/fuzz_$$t $$f >/dev/null 2>&1; then echo "fixed: $$f"; \
	    else echo "still fails: $$f"; fi; \
	  done; done
