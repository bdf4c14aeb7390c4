// SPDX-License-Identifier: MIT
/*
 * The x87/SSE save and restore instructions of the soft CPU, with the
 * host CPU as the oracle: the guest loads a state with FXRSTOR64 or
 * XRSTOR64 and saves it with FXSAVE/FXSAVE64, XSAVE/XSAVE64, FNSTENV
 * (32- and 16-bit), FNSAVE and FXSAVE again after FRSTOR; the test process
 * does the same natively and every byte must match (SDM vol. 1, 10.5 and
 * 13.7-13.8; vol. 2 FXSAVE, FSTENV, FSAVE, XSAVE). XRSTOR's #GP checks
 * from the SDM. Each also runs on /dev/kvm where it opens.
 */
#include "test_soft_sys_fpu.h"

/* Snippets, assembled with GNU as (.intel_syntax noprefix, .code64). */
/*
 *   fxrstor64 [0xa000]
 *   fxsave64 [0xb000]
 *   fxsave [0xc000]
 *   hlt
 */
static const uint8_t c_fx_save[] = {0x48, 0x0f, 0xae, 0x0c, 0x25, 0x00, 0xa0, 0x00, 0x00,
				    0x48, 0x0f, 0xae, 0x04, 0x25, 0x00, 0xb0, 0x00, 0x00,
				    0x0f, 0xae, 0x04, 0x25, 0x00, 0xc0, 0x00, 0x00, 0xf4};
/*
 *   xor ecx,ecx
 *   mov eax,3
 *   xor edx,edx
 *   xsetbv
 *   xrstor64 [0xa000]
 *   xsave64 [0xb000]
 *   xsave [0xc000]
 *   mov eax,1
 *   xsave64 [0xd000]
 *   hlt
 */
static const uint8_t c_xs_save[] = {
    0x31, 0xc9, 0xb8, 0x03, 0x00, 0x00, 0x00, 0x31, 0xd2, 0x0f, 0x01, 0xd1, 0x48, 0x0f,
    0xae, 0x2c, 0x25, 0x00, 0xa0, 0x00, 0x00, 0x48, 0x0f, 0xae, 0x24, 0x25, 0x00, 0xb0,
    0x00, 0x00, 0x0f, 0xae, 0x24, 0x25, 0x00, 0xc0, 0x00, 0x00, 0xb8, 0x01, 0x00, 0x00,
    0x00, 0x48, 0x0f, 0xae, 0x24, 0x25, 0x00, 0xd0, 0x00, 0x00, 0xf4};
/*
 *   xor ecx,ecx
 *   mov eax,3
 *   xor edx,edx
 *   xsetbv
 *   xrstor64 [rbx]
 *   mov r8d,1
 *   hlt
 */
static const uint8_t c_xs_rstor_rbx[] = {0x31, 0xc9, 0xb8, 0x03, 0x00, 0x00, 0x00, 0x31,
					 0xd2, 0x0f, 0x01, 0xd1, 0x48, 0x0f, 0xae, 0x2b,
					 0x41, 0xb8, 0x01, 0x00, 0x00, 0x00, 0xf4};
/*
 *   fxrstor64 [0xa000]
 *   fnstenv [0xb000]
 *   fxsave64 [0xc000]
 *   data16 fnstenv [0xd000]
 *   fnsave [0xe000]
 *   fxsave64 [0xf000]
 *   frstor [0xe000]
 *   fxsave64 [0x10000]
 *   hlt
 */
static const uint8_t c_env[] = {0x48, 0x0f, 0xae, 0x0c, 0x25, 0x00, 0xa0, 0x00, 0x00, 0xd9, 0x34,
				0x25, 0x00, 0xb0, 0x00, 0x00, 0x48, 0x0f, 0xae, 0x04, 0x25, 0x00,
				0xc0, 0x00, 0x00, 0x66, 0xd9, 0x34, 0x25, 0x00, 0xd0, 0x00, 0x00,
				0xdd, 0x34, 0x25, 0x00, 0xe0, 0x00, 0x00, 0x48, 0x0f, 0xae, 0x04,
				0x25, 0x00, 0xf0, 0x00, 0x00, 0xdd, 0x24, 0x25, 0x00, 0xe0, 0x00,
				0x00, 0x48, 0x0f, 0xae, 0x04, 0x25, 0x00, 0x00, 0x01, 0x00, 0xf4};

START_TEST(fxsave_matches_host)
{
	_Alignas(64) uint8_t img[576], host64[512], host32[512];
	struct host_fpu hs;
	struct h h;

	if (!h_open(&h, _i))
		return;
	fpu_setup(&h, c_fx_save, sizeof(c_fx_save));
	fpu_test_image(img);
	memcpy(h.mem + IMG, img, 512);
	memset(h.mem + 0xb000, 0xcc, 0x2000);
	memset(host64, 0xcc, 512);
	memset(host32, 0xcc, 512);
	host_enter(&hs);
	host_fxrstor64(img);
	host_fxsave64(host64);
	host_fxsave(host32);
	host_leave(&hs);

	ck_assert_int_eq(run_vector(&h), -1);
	same_as_host(&h, h.mem + 0xb000, host64, 512, true, "fxsave64");
	same_as_host(&h, h.mem + 0xc000, host32, 512, true, "fxsave");
	h_close(&h);
}
END_TEST

/* XSAVE64 and XSAVE of RFBM 3 and XSAVE64 of RFBM 1 after XRSTOR64 of XSTATE_BV bv. */
static void xsave_case(int kvm, uint8_t bv)
{
	_Alignas(64) uint8_t img[576], out[3][1024];
	struct host_fpu hs;
	struct h h;

	if (!h_open(&h, kvm))
		return;
	fpu_setup(&h, c_xs_save, sizeof(c_xs_save));
	fpu_test_image(img);
	img[512] = bv;
	memcpy(h.mem + IMG, img, 576);
	/* the header beyond XSTATE_BV and the bytes 416..511 are not written: fill them */
	memset(h.mem + 0xb000, 0xcc, 0x3000);
	memset(out, 0xcc, sizeof(out));
	host_enter(&hs);
	host_xrstor64(img, 3);
	host_xsave64(out[0], 3);
	host_xsave(out[1], 3);
	host_xsave64(out[2], 1);
	host_leave(&hs);

	ck_assert_int_eq(run_vector(&h), -1);
	same_as_host(&h, h.mem + 0xb000, out[0], 1024, true, "xsave64");
	same_as_host(&h, h.mem + 0xc000, out[1], 1024, true, "xsave");
	same_as_host(&h, h.mem + 0xd000, out[2], 1024, true, "xsave64 rfbm 1");
	h_close(&h);
}

START_TEST(xsave_matches_host)
{
	xsave_case(_i, 3);
	xsave_case(_i, 0); /* both components initialized by XRSTOR */
	xsave_case(_i, 1); /* SSE initialized */
}
END_TEST

/* XRSTOR64 of a bad area: the vector it raises (-1: none). */
static int xrstor_vector(int kvm, unsigned at, unsigned byte, uint8_t val)
{
	_Alignas(64) uint8_t img[576];
	struct h h;
	int v;

	if (!h_open(&h, kvm))
		return -2;
	fpu_setup(&h, c_xs_rstor_rbx, sizeof(c_xs_rstor_rbx));
	fpu_test_image(img);
	img[byte] = val;
	memcpy(h.mem + at, img, 576);
	set_rbx_rcx_rax_rdx(&h, at, 0, 0, 0);
	v = run_vector(&h);
	h_close(&h);
	return v;
}

/* SDM vol. 2 XRSTOR, protected-mode exceptions: #GP(0) for each of these. */
START_TEST(xrstor_gp)
{
	int ok = xrstor_vector(_i, IMG, 0, 0x7f);

	if (ok == -2)
		return;
	ck_assert_int_eq(ok, -1);
	ck_assert_int_eq(xrstor_vector(_i, IMG + 16, 0, 0x7f), V_GP); /* not 64-aligned */
	ck_assert_int_eq(xrstor_vector(_i, IMG, 512, 0x07), V_GP); /* XSTATE_BV[2], XCR0[2] = 0 */
	ck_assert_int_eq(xrstor_vector(_i, IMG, 520, 0x01), V_GP); /* XCOMP_BV */
	ck_assert_int_eq(xrstor_vector(_i, IMG, 535, 0x01), V_GP); /* header byte 23 */
	ck_assert_int_eq(xrstor_vector(_i, IMG, 26, 0x01), V_GP);  /* MXCSR bit 16 */
	ck_assert_int_eq(xrstor_vector(_i, IMG, 540, 0x01), -1);   /* byte 28: not checked */
}
END_TEST

/*
 * FNSTENV in the 32-bit and 16-bit formats, FNSAVE, FXSAVE64 after each
 * (FNSTENV masks every exception, FNSAVE initializes), FRSTOR back.
 */
START_TEST(fnstenv_fnsave_frstor_match_host)
{
	_Alignas(64) uint8_t img[576], host[6][512];
	struct host_fpu hs;
	struct h h;

	if (!h_open(&h, _i))
		return;
	fpu_setup(&h, c_env, sizeof(c_env));
	fpu_test_image(img);
	memcpy(h.mem + IMG, img, 512);
	memset(h.mem + 0xb000, 0xcc, 0x6000);
	memset(host, 0xcc, sizeof(host));
	host_enter(&hs);
	host_fxrstor64(img);
	__asm__ volatile("fnstenv (%0)" : : "r"(host[0]) : "memory");
	host_fxsave64(host[1]);
	__asm__ volatile("data16 fnstenv (%0)" : : "r"(host[2]) : "memory");
	__asm__ volatile("fnsave (%0)" : : "r"(host[3]) : "memory");
	host_fxsave64(host[4]);
	__asm__ volatile("frstor (%0)" : : "r"(host[3]) : "memory");
	host_fxsave64(host[5]);
	host_leave(&hs);

	ck_assert_int_eq(run_vector(&h), -1);
	same_as_host(&h, h.mem + 0xb000, host[0], 28, false, "fnstenv");
	same_as_host(&h, h.mem + 0xc000, host[1], 512, true, "fxsave64 after fnstenv");
	same_as_host(&h, h.mem + 0xd000, host[2], 14, false, "fnstenv 16-bit");
	same_as_host(&h, h.mem + 0xe000, host[3], 108, false, "fnsave");
	same_as_host(&h, h.mem + 0xf000, host[4], 512, true, "fxsave64 after fnsave");
	same_as_host(&h, h.mem + 0x10000, host[5], 512, true, "fxsave64 after frstor");
	/* the tag word from the registers' classes (SDM vol. 1, figure 8-7) */
	ck_assert_uint_eq(rd32(&h, 0xb008) & 0xffff, 0x93fa);
	h_close(&h);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("soft_sys_fpu_save");
	TCase *tc = tcase_create("save");

	/* _i = 0: soft CPU, 1: /dev/kvm (skipped where absent) */
	tcase_add_loop_test(tc, fxsave_matches_host, 0, 2);
	tcase_add_loop_test(tc, xsave_matches_host, 0, 2);
	tcase_add_loop_test(tc, xrstor_gp, 0, 2);
	tcase_add_loop_test(tc, fnstenv_fnsave_frstor_match_host, 0, 2);
	tcase_set_timeout(tc, 20);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run_suite(suite());
}
