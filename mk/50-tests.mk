# Unit tests: every tests/unit/test_*.c is one Check program, linked with
# all library code and the shared test support (tests/unit/support/*.c:
# descriptor and page tables for test guests, the common main()), each
# compiled once per build. Each test is built twice: plain, and with ASan+UBSan.
# A test that needs Unicorn names itself test_unicorn_*.c; other extra
# libraries are named per test below (TEST_LIBS_<name>).
# Integration tests: every tests/integration/*.sh, run from the top dir
# with ./minivmm built; exit 0 pass, 77 skipped (prints why), else fail.

CHECK_LIBS   := $(shell pkg-config --libs check 2>/dev/null || echo -lcheck -lsubunit -lm -lrt -lpthread)
UNIT_SRCS    := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS    := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
UNIT_SANBINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/san/%)
INTEG_TESTS  := $(sort $(wildcard tests/integration/*.sh))

# test_stats reads the JSON report back with Jansson (an independent parser).
TEST_LIBS_test_stats := -ljansson
# test_fpu_diff has Unicorn as its second oracle.
TEST_LIBS_test_fpu_diff := -lunicorn
SUPPORT_SRCS     := $(sort $(wildcard tests/unit/support/*.c))
SUPPORT_OBJS     := $(SUPPORT_SRCS:%.c=$(BUILD)/obj/%.o)
SUPPORT_SAN_OBJS := $(SUPPORT_SRCS:%.c=$(BUILD)/san/%.o)

$(BUILD)/obj/tests/unit/support/%.o: tests/unit/support/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests/unit -c $< -o $@

$(BUILD)/san/tests/unit/support/%.o: tests/unit/support/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -O1 $(SAN_FLAGS) -Itests/unit -c $< -o $@

unit_extra_libs = $(if $(findstring test_unicorn_,$(1)),-lunicorn) $(TEST_LIBS_$(1))

$(BUILD)/tests/%: tests/unit/%.c $(SUPPORT_OBJS) $(BUILD)/libminivmm.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests/unit $< -o $@ $(SUPPORT_OBJS) $(BUILD)/libminivmm.a $(LDLIBS) $(CHECK_LIBS) $(call unit_extra_libs,$*)

$(BUILD)/tests/san/%: tests/unit/%.c $(SUPPORT_SAN_OBJS) $(BUILD)/libminivmm-san.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -O1 $(SAN_FLAGS) -Itests/unit $< -o $@ $(SUPPORT_SAN_OBJS) $(BUILD)/libminivmm-san.a $(LDLIBS) $(CHECK_LIBS) $(call unit_extra_libs,$*)

.PHONY: unit unit-san integration
# The translator translates a block on its third run by default; tests
# have it translate at once, so that everything they run is translated
# (mk/15-softcpu.mk's check-engine too).
unit unit-san integration check-slow: export MINIVMM_BT_HOT := 1
# Every test program runs even after a failure; the target fails at the end.
unit: $(UNIT_BINS)
	@fail=""; for t in $(UNIT_BINS); do echo "== $$t"; CK_FORK=yes $$t || fail="$$fail $$t"; done; \
	if [ -n "$$fail" ]; then echo "FAILED:$$fail"; exit 1; fi

# Check forks each test; ASan's leak checker does not follow forks well,
# so run the sanitizer builds with CK_FORK=no (a failure still fails).
unit-san: $(UNIT_SANBINS)
	@fail=""; for t in $(UNIT_SANBINS); do echo "== $$t"; \
	  CK_FORK=no ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 $$t || fail="$$fail $$t"; done; \
	if [ -n "$$fail" ]; then echo "FAILED:$$fail"; exit 1; fi

integration: all
	@fail=0; for t in $(INTEG_TESTS); do \
	  echo "== $$t"; rc=0; bash $$t || rc=$$?; \
	  if [ $$rc -eq 77 ]; then echo "   (skipped)"; elif [ $$rc -ne 0 ]; then echo "   FAILED ($$rc)"; fail=1; fi; \
	done; exit $$fail

check: deps layers all unit unit-san integration
	@echo "make check: all tests passed"

# make check-slow: long runs on real kernels fetched at run time (not part
# of make check): tests/slow/*.sh, same conventions as the integration tests.
SLOW_TESTS := $(sort $(wildcard tests/slow/*.sh))
.PHONY: check-slow
check-slow: all
	@fail=0; for t in $(SLOW_TESTS); do \
	  echo "== $$t"; rc=0; bash $$t || rc=$$?; \
	  if [ $$rc -eq 77 ]; then echo "   (skipped)"; elif [ $$rc -ne 0 ]; then echo "   FAILED ($$rc)"; fail=1; fi; \
	done; exit $$fail
