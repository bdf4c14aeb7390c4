// SPDX-License-Identifier: MIT
/*
 * Control of the x87/SSE state on the soft CPU, with the SDM's rules as
 * the expectations: XSETBV/XGETBV (vol. 2: #UD without CR4.OSXSAVE, #GP
 * at CPL > 0, for ECX != 0 and for an XCR0 without x87 or with a bit the
 * CPU lacks), CR4.OSXSAVE only with CPUID's XSAVE and CPUID.1:ECX.OSXSAVE
 * following it, lazy FPU switching as Linux did it (CR0.TS: the first SSE
 * instruction raises #NM, the handler runs CLTS and FXRSTOR and returns),
 * the SSE control instructions' #UD without CR4.OSFXSR, FWAIT's #MF, the
 * KVM_SET_XSAVE state as the guest's XSAVE stores it, and the real-mode
 * environment formats of FNSTENV/FNSAVE (vol. 1, figures 8-10 and 8-12).
 * Each also runs on /dev/kvm where it opens.
 */
#include "test_soft_sys_fpu.h"

#define NM_HANDLER 0x9800

/* Snippets, assembled with GNU as (.intel_syntax noprefix, .code64 unless said). */
/*
 *   xsetbv
 *   xor ecx,ecx
 *   xgetbv
 *   mov r8d,1
 *   hlt
 */
static const uint8_t c_xsetbv[] = {0x0f, 0x01, 0xd1, 0x31, 0xc9, 0x0f, 0x01, 0xd0,
				   0x41, 0xb8, 0x01, 0x00, 0x00, 0x00, 0xf4};
/*
 *   mov eax,1
 *   cpuid
 *   mov r9,rcx
 *   mov rax,cr4
 *   and eax,0xfffbffff
 *   mov cr4,rax
 *   mov eax,1
 *   cpuid
 *   mov r10,rcx
 *   mov rax,cr4
 *   or eax,0x40000
 *   mov cr4,rax
 *   mov r8d,1
 *   hlt
 */
static const uint8_t c_cr4_osxsave[] = {0xb8, 0x01, 0x00, 0x00, 0x00, 0x0f, 0xa2, 0x49, 0x89, 0xc9,
					0x0f, 0x20, 0xe0, 0x25, 0xff, 0xff, 0xfb, 0xff, 0x0f, 0x22,
					0xe0, 0xb8, 0x01, 0x00, 0x00, 0x00, 0x0f, 0xa2, 0x49, 0x89,
					0xca, 0x0f, 0x20, 0xe0, 0x0d, 0x00, 0x00, 0x04, 0x00, 0x0f,
					0x22, 0xe0, 0x41, 0xb8, 0x01, 0x00, 0x00, 0x00, 0xf4};
/*
 *   stmxcsr [0xb000]
 *   fxsave64 [0xc000]
 *   mov r8d,1
 *   hlt
 */
static const uint8_t c_nm_main[] = {0x0f, 0xae, 0x1c, 0x25, 0x00, 0xb0, 0x00, 0x00,
				    0x48, 0x0f, 0xae, 0x04, 0x25, 0x00, 0xc0, 0x00,
				    0x00, 0x41, 0xb8, 0x01, 0x00, 0x00, 0x00, 0xf4};
/*
 *   inc r15
 *   clts
 *   fxrstor64 [0xa000]
 *   iretq
 */
static const uint8_t c_nm_handler[] = {0x49, 0xff, 0xc7, 0x0f, 0x06, 0x48, 0x0f, 0xae,
				       0x0c, 0x25, 0x00, 0xa0, 0x00, 0x00, 0x48, 0xcf};
/*
 *   fxsave64 [0xb000]
 *   ldmxcsr [0xa018]
 *   mov r8d,1
 *   hlt
 */
static const uint8_t c_sse_ctl[] = {0x48, 0x0f, 0xae, 0x04, 0x25, 0x00, 0xb0, 0x00,
				    0x00, 0x0f, 0xae, 0x14, 0x25, 0x18, 0xa0, 0x00,
				    0x00, 0x41, 0xb8, 0x01, 0x00, 0x00, 0x00, 0xf4};
/*
 *   fwait
 *   fnclex
 *   fwait
 *   mov r8d,1
 *   hlt
 */
static const uint8_t c_fwait[] = {0x9b, 0xdb, 0xe2, 0x9b, 0x41, 0xb8, 0x01, 0x00, 0x00, 0x00, 0xf4};
/*
 *   xor ecx,ecx
 *   mov eax,3
 *   xor edx,edx
 *   xsetbv
 *   xsave64 [0xb000]
 *   fxrstor64 [0xa000]
 *   mov r8d,1
 *   hlt
 */
static const uint8_t c_xsave_only[] = {0x31, 0xc9, 0xb8, 0x03, 0x00, 0x00, 0x00, 0x31, 0xd2, 0x0f,
				       0x01, 0xd1, 0x48, 0x0f, 0xae, 0x24, 0x25, 0x00, 0xb0, 0x00,
				       0x00, 0x48, 0x0f, 0xae, 0x0c, 0x25, 0x00, 0xa0, 0x00, 0x00,
				       0x41, 0xb8, 0x01, 0x00, 0x00, 0x00, 0xf4};
/* .code16 */
/*
 *   data32 fnstenv [0x100]
 *   fnstenv [0x200]
 *   data32 fnsave [0x300]
 *   hlt
 */
static const uint8_t c_env_real[] = {0x66, 0xd9, 0x36, 0x00, 0x01, 0xd9, 0x36, 0x00,
				     0x02, 0x66, 0xdd, 0x36, 0x00, 0x03, 0xf4};

/* XSETBV with ECX, EDX:EAX; then XGETBV of XCR0 into EDX:EAX. The vector (-1: none). */
static int xsetbv_vector(int kvm, uint32_t ecx, uint64_t v, bool osxsave, bool user, uint64_t *xcr0)
{
	struct kvm_regs r;
	struct h h;
	int vec;

	if (!h_open(&h, kvm))
		return -2;
	fpu_setup(&h, c_xsetbv, sizeof(c_xsetbv));
	if (!osxsave)
		h_cr(&h, 0, 0, 0, CR4_OSXSAVE);
	if (user) {
		wr64(&h, PTE_OF(CODE), CODE | X86_PTE_P | X86_PTE_U | X86_PTE_A | X86_PTE_D);
		user_segs(&h, true);
	}
	set_rbx_rcx_rax_rdx(&h, 0, ecx, (uint32_t)v, v >> 32);
	vec = run_vector(&h);
	h_get_regs(&h, &r);
	*xcr0 = r.rdx << 32 | (uint32_t)r.rax;
	h_close(&h);
	return vec;
}

START_TEST(xsetbv_xgetbv_rules)
{
	uint64_t x = 0;

	if (xsetbv_vector(_i, 0, 3, true, false, &x) == -2)
		return;
	ck_assert_int_eq(xsetbv_vector(_i, 0, 3, true, false, &x), -1);
	ck_assert_uint_eq(x, 3);
	ck_assert_int_eq(xsetbv_vector(_i, 0, 1, true, false, &x), -1);
	ck_assert_uint_eq(x, 1);
	ck_assert_int_eq(xsetbv_vector(_i, 0, 0, true, false, &x), V_GP); /* x87 bit clear */
	ck_assert_int_eq(xsetbv_vector(_i, 0, 2, true, false, &x), V_GP); /* x87 bit clear */
	ck_assert_int_eq(xsetbv_vector(_i, 0, 3ULL | 1ULL << 62, true, false, &x), V_GP);
	ck_assert_int_eq(xsetbv_vector(_i, 1, 3, true, false, &x), V_GP);  /* XCR1 */
	ck_assert_int_eq(xsetbv_vector(_i, 0, 3, false, false, &x), V_UD); /* !CR4.OSXSAVE */
	ck_assert_int_eq(xsetbv_vector(_i, 0, 3, true, true, &x), V_GP);   /* CPL 3 */
}
END_TEST

/* Leaf 1 of h's CPUID table with ECX bit 26 (XSAVE) as given. */
static void set_cpuid_xsave(struct h *h, bool xsave)
{
	struct {
		struct kvm_cpuid2 c;
		struct kvm_cpuid_entry2 e[128];
	} t;

	cpuid_full(h, &t.c, 128);
	for (unsigned i = 0; i < t.c.nent; i++)
		if (t.e[i].function == 1)
			t.e[i].ecx = xsave ? t.e[i].ecx | 1u << 26 : t.e[i].ecx & ~(1u << 26);
	h_set_cpuid(h, &t.c);
}

START_TEST(cr4_osxsave_follows_cpuid)
{
	struct kvm_regs r;
	struct kvm_sregs s;
	struct h h;
	int rc;

	if (!h_open(&h, _i))
		return;
	fpu_setup(&h, c_cr4_osxsave, sizeof(c_cr4_osxsave));
	ck_assert_int_eq(run_vector(&h), -1);
	h_get_regs(&h, &r);
	ck_assert_uint_eq((r.r9 >> 27) & 1, 1);	 /* CPUID.1:ECX.OSXSAVE with CR4.OSXSAVE */
	ck_assert_uint_eq((r.r10 >> 27) & 1, 0); /* and without */
	h_close(&h);

	ck_assert(h_open(&h, _i));
	setup_long(&h);
	set_cpuid_xsave(&h, false);
	put_code(&h, CODE, c_cr4_osxsave, sizeof(c_cr4_osxsave));
	ck_assert_int_eq(run_vector(&h), V_GP); /* MOV to CR4 sets a reserved bit */
	h_get_sregs(&h, &s);
	s.cr4 |= CR4_OSXSAVE;
	rc = h.kvm ? (ioctl(h.cfd, KVM_SET_SREGS, &s) < 0 ? -errno : 0)
		   : soft_cpu_set_sregs(h.cpu, &s);
	ck_assert_int_eq(rc, -EINVAL);
	h_close(&h);
}
END_TEST

START_TEST(lazy_fpu_nm_clts_fxrstor)
{
	_Alignas(64) uint8_t img[576];
	struct kvm_regs r;
	struct kvm_sregs s;
	struct h h;

	if (!h_open(&h, _i))
		return;
	fpu_setup(&h, c_nm_main, sizeof(c_nm_main));
	put_code(&h, NM_HANDLER, c_nm_handler, sizeof(c_nm_handler));
	idt64_gate(&h, V_NM, NM_HANDLER, 0xe, 0, 0);
	fpu_test_image(img);
	memcpy(h.mem + IMG, img, 512);
	memset(h.mem + 0xb000, 0xcc, 0x2000);
	h_cr(&h, CR0_TS, 0, 0, 0);

	ck_assert_int_eq(run_vector(&h), -1);
	h_get_regs(&h, &r);
	ck_assert_uint_eq(r.r15, 1);		     /* one #NM */
	ck_assert_uint_eq(r.r8, 1);		     /* resumed and finished */
	ck_assert_uint_eq(rd32(&h, 0xb000), 0x7fa1); /* STMXCSR of the restored context */
	h_get_sregs(&h, &s);
	ck_assert_uint_eq(s.cr0 & CR0_TS, 0);
	/* the whole context is the one restored (MXCSR_MASK aside: the CPU's own) */
	ck_assert_mem_eq(h.mem + 0xc000, img, MXCSR_MASK_OFF);
	ck_assert_mem_eq(h.mem + 0xc000 + 32, img + 32, 416 - 32);
	h_close(&h);
}
END_TEST

/* The sse_ctl snippet with these CR0/CR4 bits and MXCSR image: the vector. */
static int sse_ctl_vector(int kvm, uint32_t cr0_set, uint32_t cr4_clr, uint32_t mxcsr)
{
	struct h h;
	int v;

	if (!h_open(&h, kvm))
		return -2;
	fpu_setup(&h, c_sse_ctl, sizeof(c_sse_ctl));
	h_cr(&h, cr0_set, 0, 0, cr4_clr);
	wr32(&h, IMG + 0x18, mxcsr);
	v = run_vector(&h);
	h_close(&h);
	return v;
}

/* SDM vol. 2 LDMXCSR/FXSAVE and vol. 3 table 2-2 */
START_TEST(sse_control_exceptions)
{
	if (sse_ctl_vector(_i, 0, 0, 0x1f80) == -2)
		return;
	ck_assert_int_eq(sse_ctl_vector(_i, 0, 0, 0x1f80), -1);
	ck_assert_int_eq(sse_ctl_vector(_i, 0, 0, 0x10000), V_GP); /* reserved MXCSR bit */
	/* FXSAVE runs without OSFXSR, LDMXCSR does not */
	ck_assert_int_eq(sse_ctl_vector(_i, 0, CR4_OSFXSR, 0x1f80), V_UD);
	ck_assert_int_eq(sse_ctl_vector(_i, CR0_EM, 0, 0x1f80), V_NM); /* FXSAVE with EM */
	ck_assert_int_eq(sse_ctl_vector(_i, CR0_TS, 0, 0x1f80), V_NM);
}
END_TEST

static int fwait_vector(int kvm, uint16_t fcw, uint16_t fsw, uint32_t cr0_set, uint32_t cr0_clr)
{
	struct kvm_fpu f;
	struct h h;
	int v;

	if (!h_open(&h, kvm))
		return -2;
	fpu_setup(&h, c_fwait, sizeof(c_fwait));
	h_cr(&h, cr0_set, cr0_clr, 0, 0);
	h_get_fpu(&h, &f);
	f.fcw = fcw;
	f.fsw = fsw;
	h_set_fpu(&h, &f);
	v = run_vector(&h);
	h_close(&h);
	return v;
}

/* SDM vol. 2 WAIT/FWAIT: #NM if CR0.MP and CR0.TS, #MF for a pending unmasked exception. */
START_TEST(fwait_mf_nm)
{
	if (fwait_vector(_i, 0x37f, 0, 0, 0) == -2)
		return;
	ck_assert_int_eq(fwait_vector(_i, 0x37f, 0, 0, 0), -1);
	ck_assert_int_eq(fwait_vector(_i, 0x37f, 0x0081, 0, 0), -1); /* IE masked */
	ck_assert_int_eq(fwait_vector(_i, 0x37e, 0x0081, 0, 0), V_MF);
	ck_assert_int_eq(fwait_vector(_i, 0x37f, 0, CR0_TS, 0), V_NM);
}
END_TEST

/* KVM_SET_XSAVE's state is what the guest's XSAVE stores; the guest's FXRSTOR is what KVM_GET_FPU
 * shows. */
START_TEST(ioctl_state_is_guest_state)
{
	_Alignas(64) uint8_t img[576];
	struct kvm_xsave *x = calloc(1, 8192);
	struct kvm_fpu f;
	struct h h;

	ck_assert_ptr_nonnull(x);
	if (!h_open(&h, _i)) {
		free(x);
		return;
	}
	fpu_setup(&h, c_xsave_only, sizeof(c_xsave_only));
	fpu_test_image(img);
	memcpy(x->region, img, 576);
	h_set_xsave(&h, x);
	for (unsigned i = 160; i < 416; i++)
		img[i] ^= 0x5a;
	memcpy(h.mem + IMG, img, 512);
	memset(h.mem + 0xb000, 0xcc, 0x1000);

	ck_assert_int_eq(run_vector(&h), -1);
	ck_assert_mem_eq(h.mem + 0xb000, x->region, MXCSR_MASK_OFF);
	ck_assert_mem_eq(h.mem + 0xb000 + 32, (uint8_t *)x->region + 32, 416 - 32);
	ck_assert_uint_eq(h.mem[0xb000 + 512] & 3, 3);
	h_get_fpu(&h, &f);
	ck_assert_mem_eq(f.xmm, img + 160, 256);
	ck_assert_mem_eq(f.fpr, img + 32, 128);
	ck_assert_uint_eq(f.fcw, 0x27f);
	h_close(&h);
	free(x);
}
END_TEST

START_TEST(real_mode_env_formats)
{
	static const uint8_t one_and_half[10] = {0, 0, 0, 0, 0, 0, 0, 0xc0, 0xff, 0x3f};
	struct kvm_sregs s;
	struct kvm_regs r = {.rip = CODE, .rflags = 2};
	struct kvm_fpu f;
	struct h h;

	if (!h_open(&h, _i))
		return;
	put_code(&h, CODE, c_env_real, sizeof(c_env_real));
	h_get_sregs(&h, &s);
	s.cs.base = 0;
	s.cs.selector = 0;
	h_set_sregs(&h, &s);
	h_set_regs(&h, &r);
	h_get_fpu(&h, &f);
	f.fcw = 0x37f;
	f.fsw = 0x3800; /* TOP 7 */
	f.ftwx = 0x80;	/* physical register 7 = ST(0) valid */
	memcpy(f.fpr[0], one_and_half, 10);
	f.last_ip = 0x12345;
	f.last_dp = 0x6789a;
	f.last_opcode = 0x1e8;
	h_set_fpu(&h, &f);

	ck_assert_uint_eq(h_run(&h), KVM_EXIT_HLT);
	/* figure 8-10, 32-bit real-address mode: pointer bits 31:16 in bits 27:12 */
	ck_assert_uint_eq(rd32(&h, 0x100) & 0xffff, 0x37f);
	ck_assert_uint_eq(rd32(&h, 0x104) & 0xffff, 0x3800);
	ck_assert_uint_eq(rd32(&h, 0x108) & 0xffff, 0x3fff); /* ST(0) valid, others empty */
	ck_assert_uint_eq(rd32(&h, 0x10c) & 0xffff, 0x2345);
	ck_assert_uint_eq(rd32(&h, 0x110), 0x000011e8);
	ck_assert_uint_eq(rd32(&h, 0x114) & 0xffff, 0x789a);
	ck_assert_uint_eq(rd32(&h, 0x118), 0x00006000);
	/* figure 8-12, 16-bit real-address mode: pointer bits 19:16 in bits 15:12 */
	ck_assert_uint_eq(rd32(&h, 0x200), 0x3800037f);
	ck_assert_uint_eq(rd32(&h, 0x204), 0x23453fff);
	ck_assert_uint_eq(rd32(&h, 0x208), 0x789a11e8);
	ck_assert_uint_eq(rd32(&h, 0x20c) & 0xffff, 0x6000);
	/* FNSAVE: the same environment, then ST(0); then the FPU is initialized */
	ck_assert_mem_eq(h.mem + 0x300 + 12, h.mem + 0x100 + 12, 16);
	ck_assert_mem_eq(h.mem + 0x300 + 28, one_and_half, 10);
	h_get_fpu(&h, &f);
	ck_assert_uint_eq(f.fcw, 0x37f);
	ck_assert_uint_eq(f.fsw, 0);
	ck_assert_uint_eq(f.ftwx, 0);
	h_close(&h);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("soft_sys_fpu_ctl");
	TCase *tc = tcase_create("ctl");

	/* _i = 0: soft CPU, 1: /dev/kvm (skipped where absent) */
	tcase_add_loop_test(tc, xsetbv_xgetbv_rules, 0, 2);
	tcase_add_loop_test(tc, cr4_osxsave_follows_cpuid, 0, 2);
	tcase_add_loop_test(tc, lazy_fpu_nm_clts_fxrstor, 0, 2);
	tcase_add_loop_test(tc, sse_control_exceptions, 0, 2);
	tcase_add_loop_test(tc, fwait_mf_nm, 0, 2);
	tcase_add_loop_test(tc, ioctl_state_is_guest_state, 0, 2);
	tcase_add_loop_test(tc, real_mode_env_formats, 0, 2);
	tcase_set_timeout(tc, 20);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run_suite(suite());
}
