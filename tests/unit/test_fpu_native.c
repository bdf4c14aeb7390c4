// SPDX-License-Identifier: MIT
/*
 * The native FP executor's guarantees that no differential oracle shows:
 * W^X (no mapping of the process is writable and executable, the stubs'
 * memfd is mapped read+execute), precise faults (a #PF on the memory
 * operand leaves the registers as they were, CR2 names the address), the
 * alignment #GP of the aligned legacy SSE forms (SDM vol. 2 MOVAPS), and
 * an unmasked SIMD exception (#XM, SDM vol. 1 11.5.2.3) that leaves the
 * destination unchanged and sets the flag in MXCSR, and an SSE
 * instruction leaving the x87 state as the host's FX round trip does.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "support/run_suite.h"
#include "test_soft_isa_harness.h"

static struct guest g;

static void setup(void)
{
	struct kvm_sregs s;
	uint32_t mxcsr = 0x1f80;
	uint16_t fcw = 0x37f;

	guest_init(&g);
	soft_cpu_get_sregs(g.cpu, &s);
	s.cr4 |= CR4_OSFXSR | CR4_OSXMMEXCPT;
	ck_assert_int_eq(soft_cpu_set_sregs(g.cpu, &s), 0);
	memcpy(g.cpu->fpu.area + FPU_OFF_MXCSR, &mxcsr, 4);
	memcpy(g.cpu->fpu.area + FPU_OFF_FCW, &fcw, 2);
}

static void teardown(void)
{
	guest_fini(&g);
}

/* Run code (hlt appended) with rbx = rbx_val; the exception vector, or -1. */
static int run(const uint8_t *code, unsigned len, uint64_t rbx_val, struct kvm_regs *r)
{
	uint8_t buf[32];

	memcpy(buf, code, len);
	buf[len] = 0xf4;
	guest_code(&g, G_CODE, buf, len + 1);
	memset(r, 0, sizeof(*r));
	r->rip = G_CODE;
	r->rflags = 2;
	r->rsp = G_STACK - 0x100;
	r->rax = 0x1122334455667788ULL;
	r->rbx = rbx_val;
	soft_cpu_set_regs(g.cpu, r);
	ck_assert_int_eq(guest_run(&g, 4), KVM_EXIT_HLT);
	soft_cpu_get_regs(g.cpu, r);
	return guest_exception(&g, r->rip);
}

START_TEST(test_no_writable_executable_mapping)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512], perms[8];
	unsigned stubs = 0;

	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f)) {
		ck_assert_int_eq(sscanf(line, "%*s %7s", perms), 1);
		ck_assert_msg(!(perms[1] == 'w' && perms[2] == 'x'), "W+X mapping: %s", line);
		if (strstr(line, "minivmm-fpu-stubs") && perms[2] == 'x')
			stubs++;
	}
	fclose(f);
	ck_assert_uint_ge(stubs, 1);
}
END_TEST

START_TEST(test_pf_on_source_is_precise)
{
	/* movdqu xmm0, [rbx]; add rax, 1 never runs */
	static const uint8_t code[] = {0xf3, 0x0f, 0x6f, 0x03};
	uint8_t before[16], after[16];
	struct kvm_regs r;
	struct kvm_sregs s;

	memcpy(before, g.cpu->fpu.area + FPU_OFF_XMM(0), 16);
	ck_assert_int_eq(run(code, sizeof(code), 0x40000000, &r), X_PF);
	memcpy(after, g.cpu->fpu.area + FPU_OFF_XMM(0), 16);
	ck_assert(!memcmp(before, after, 16));
	ck_assert_uint_eq(r.rax, 0x1122334455667788ULL);
	ck_assert_uint_eq(r.rbx, 0x40000000);
	soft_cpu_get_sregs(g.cpu, &s);
	ck_assert_uint_eq(s.cr2, 0x40000000);
}
END_TEST

START_TEST(test_unaligned_movaps_gp)
{
	static const uint8_t movaps[] = {0x0f, 0x28, 0x03}; /* movaps xmm0, [rbx] */
	static const uint8_t movups[] = {0x0f, 0x10, 0x03}; /* movups xmm0, [rbx] */
	static const uint8_t pcmpistri[] = {0x66, 0x0f, 0x3a, 0x63, 0x03, 0x0c};
	struct kvm_regs r;

	memset(g.ram + G_DATA, 0x5a, 64);
	ck_assert_int_eq(run(movaps, sizeof(movaps), G_DATA + 8, &r), X_GP);
	ck_assert_int_eq(run(movaps, sizeof(movaps), G_DATA + 16, &r), -1);
	ck_assert_int_eq(g.cpu->fpu.area[FPU_OFF_XMM(0)], 0x5a);
	/* the unaligned forms the SDM lists take any address */
	ck_assert_int_eq(run(movups, sizeof(movups), G_DATA + 3, &r), -1);
	ck_assert_int_eq(run(pcmpistri, sizeof(pcmpistri), G_DATA + 5, &r), -1);
}
END_TEST

START_TEST(test_unmasked_divide_by_zero_xm)
{
	static const uint8_t divss[] = {0xf3, 0x0f, 0x5e, 0xc1};  /* divss xmm0, xmm1 */
	uint32_t mxcsr = 0x1f80 & ~0x200u, one = 0x3f800000, got; /* ZM clear */
	struct kvm_regs r;

	memcpy(g.cpu->fpu.area + FPU_OFF_MXCSR, &mxcsr, 4);
	memcpy(g.cpu->fpu.area + FPU_OFF_XMM(0), &one, 4);
	memset(g.cpu->fpu.area + FPU_OFF_XMM(1), 0, 16);
	ck_assert_int_eq(run(divss, sizeof(divss), G_DATA, &r), X_XM);
	memcpy(&got, g.cpu->fpu.area + FPU_OFF_XMM(0), 4);
	ck_assert_uint_eq(got, one);
	memcpy(&got, g.cpu->fpu.area + FPU_OFF_MXCSR, 4);
	ck_assert_uint_eq(got, mxcsr | 0x4); /* ZE */
	/* masked: the result is +inf, ZE set, no exception */
	memcpy(g.cpu->fpu.area + FPU_OFF_MXCSR, &(uint32_t){0x1f80}, 4);
	ck_assert_int_eq(run(divss, sizeof(divss), G_DATA, &r), -1);
	memcpy(&got, g.cpu->fpu.area + FPU_OFF_XMM(0), 4);
	ck_assert_uint_eq(got, 0x7f800000);
}
END_TEST

/*
 * An SSE instruction cannot change the x87 state; the executor once ran
 * every instruction between the host's FXRSTOR64 and FXSAVE64 and kept
 * what came out, which the host normalises (reserved FCW bits, reserved
 * bytes). Whatever path an SSE instruction takes now, the x87 part of the
 * image afterwards must be the host's own round trip of it (the host CPU
 * as oracle), with FOP/FIP/FDP kept (only x87 instructions set them).
 */
START_TEST(test_sse_keeps_x87_as_host_round_trip)
{
	static const uint8_t code[] = {0x0f, 0x58, 0xc1,	/* addps xmm0, xmm1 */
				       0x66, 0x0f, 0xef, 0xd2,	/* pxor xmm2, xmm2 */
				       0xf3, 0x0f, 0xb8, 0xc3}; /* popcnt eax, ebx */
	_Alignas(64) uint8_t img[512], host[512], want[512];
	uint8_t *a = g.cpu->fpu.area;
	uint16_t fcw = 0xe3bf, fsw = 0x5a21; /* reserved FCW bits; TOP 3, flags all masked */
	struct kvm_regs r;
	unsigned i;

	for (i = 0; i < 8; i++) /* values, and junk in each slot's reserved bytes 10-15 */
		memset(a + FPU_OFF_ST(i), 0x11 * (i + 1), 16);
	memcpy(a + FPU_OFF_FCW, &fcw, 2);
	memcpy(a + FPU_OFF_FSW, &fsw, 2);
	a[FPU_OFF_FTW] = 0x5a;
	a[FPU_OFF_FTW + 1] = 0xcc;
	memset(a + FPU_OFF_FOP, 0x77, FPU_OFF_MXCSR - FPU_OFF_FOP);
	memcpy(img, a, sizeof(img));
	memcpy(img + FPU_OFF_MXCSR_MASK, &(uint32_t){0}, 4);
	__asm__ volatile("fxsave64 %[h]\n\tfxrstor64 %[i]\n\tfxsave64 %[w]\n\t"
			 "fninit\n\tfxrstor64 %[h]"
			 : [h] "+m"(host), [w] "=m"(want)
			 : [i] "m"(img));
	ck_assert_int_eq(run(code, sizeof(code), G_DATA, &r), -1);
	ck_assert_mem_eq(a + FPU_OFF_FCW, want + FPU_OFF_FCW, FPU_OFF_FOP);
	ck_assert_mem_eq(a + FPU_OFF_ST(0), want + FPU_OFF_ST(0), FPU_OFF_XMM(0) - FPU_OFF_ST(0));
	for (i = FPU_OFF_FOP; i < FPU_OFF_MXCSR; i++)
		ck_assert_uint_eq(a[i], 0x77);
}
END_TEST

static Suite *fpu_native_suite(void)
{
	Suite *s = suite_create("fpu_native");
	TCase *tc = tcase_create("native");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_no_writable_executable_mapping);
	tcase_add_test(tc, test_pf_on_source_is_precise);
	tcase_add_test(tc, test_unaligned_movaps_gp);
	tcase_add_test(tc, test_unmasked_divide_by_zero_xm);
	tcase_add_test(tc, test_sse_keeps_x87_as_host_round_trip);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run_suite(fpu_native_suite());
}
