# Floating-point guests (issue 10): fpmath (double math, SSE2 string
# routines) and fpbench (x87 + SSE work for `make bench`). Their fp.c and
# work.c are compiled with gcc's x86-64 defaults (SSE2 for double, x87 for
# long double, no -mgeneral-regs-only) and -fno-math-errno so sqrt() is
# one instruction; their main.c keeps the guests' integer-only flags,
# because it runs before lib/fpu.c switches SSE on.
GUEST_FP_CFLAGS := $(filter-out -mno-sse -mno-mmx -mgeneral-regs-only,$(GUEST_CFLAGS)) -fno-math-errno

$(GUEST_BUILD)/guest-kernels/fpmath/fp.c.o: GUEST_CFLAGS := $(GUEST_FP_CFLAGS)
$(GUEST_BUILD)/guest-kernels/fpbench/work.c.o: GUEST_CFLAGS := $(GUEST_FP_CFLAGS)

$(eval $(call guest_rules,fpmath,))
$(eval $(call guest_rules,fpbench,))
