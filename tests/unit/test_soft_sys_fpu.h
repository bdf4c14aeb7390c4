/* SPDX-License-Identifier: MIT */
/*
 * Helpers of the x87/SSE state system tests (test_soft_sys_fpu_*.c): the
 * FPU ioctls on either provider, the CR4 bits the snippets need, the
 * vector a snippet ended in, and the host CPU as the oracle (the test
 * process loads a state with FXRSTOR64/XRSTOR64 and saves it with the
 * very instruction the guest ran, its own state kept around that).
 */
#ifndef TEST_SOFT_SYS_FPU_H
#define TEST_SOFT_SYS_FPU_H

#include "test_soft_sys_harness.h"

#define IMG 0xa000 /* the state image the snippets load (64-byte aligned) */
#define CR4_OSFXSR (1u << 9)
#define CR4_OSXMMEXCPT (1u << 10)
#define CR4_OSXSAVE (1u << 18)
#define CR0_MP (1u << 1)
#define CR0_EM (1u << 2)
#define CR0_TS (1u << 3)
#define MXCSR_MASK_OFF 28

/* exception vectors the snippets end in */
enum { V_UD = 6, V_NM = 7, V_GP = 13, V_MF = 16 };

static inline void h_get_fpu(struct h *h, struct kvm_fpu *f)
{
	if (h->kvm)
		ck_assert_int_eq(ioctl(h->cfd, KVM_GET_FPU, f), 0);
	else
		soft_cpu_get_fpu(h->cpu, f);
}

static inline void h_set_fpu(struct h *h, const struct kvm_fpu *f)
{
	if (h->kvm)
		ck_assert_int_eq(ioctl(h->cfd, KVM_SET_FPU, f), 0);
	else
		soft_cpu_set_fpu(h->cpu, f);
}

static inline void h_set_xsave(struct h *h, const struct kvm_xsave *x)
{
	if (h->kvm)
		ck_assert_int_eq(ioctl(h->cfd, KVM_SET_XSAVE, x), 0);
	else
		ck_assert_int_eq(soft_cpu_set_xsave(h->cpu, x), 0);
}

/* Set and clear CR0 and CR4 bits with KVM_SET_SREGS. */
static inline void h_cr(struct h *h, uint32_t cr0_set, uint32_t cr0_clr, uint32_t cr4_set,
			uint32_t cr4_clr)
{
	struct kvm_sregs s;

	h_get_sregs(h, &s);
	s.cr0 = (s.cr0 | cr0_set) & ~(uint64_t)cr0_clr;
	s.cr4 = (s.cr4 | cr4_set) & ~(uint64_t)cr4_clr;
	h_set_sregs(h, &s);
}

/* Long mode with OSFXSR, OSXMMEXCPT and OSXSAVE, and code at CODE. */
static inline void fpu_setup(struct h *h, const uint8_t *code, size_t len)
{
	setup_long(h);
	h_cr(h, 0, 0, CR4_OSFXSR | CR4_OSXMMEXCPT | CR4_OSXSAVE, 0);
	put_code(h, CODE, code, len);
}

/*
 * Run to the hlt that ends the snippet (-1) or to the hlt of the
 * exception handler the layout points every vector at (the vector).
 */
static inline int run_vector(struct h *h)
{
	uint64_t rip;

	ck_assert_uint_eq(h_run(h), KVM_EXIT_HLT);
	rip = h_rip(h);
	if (rip > HANDLER && rip <= HANDLER + 256 * 16 && (rip - HANDLER - 1) % 16 == 0)
		return (int)((rip - HANDLER - 1) / 16);
	return -1;
}

static inline void set_rbx_rcx_rax_rdx(struct h *h, uint64_t rbx, uint64_t rcx, uint64_t rax,
				       uint64_t rdx)
{
	struct kvm_regs r;

	h_get_regs(h, &r);
	r.rbx = rbx;
	r.rcx = rcx;
	r.rax = rax;
	r.rdx = rdx;
	h_set_regs(h, &r);
}

/*
 * A state to load (FXSAVE64 layout + XSAVE header, XSTATE_BV 3) with
 * registers of every tag class: TOP 5, physical registers 5, 6, 7, 0, 1
 * valid holding a normal, a zero, an infinity, a denormal and an
 * unnormal; the empty ones hold bits too. FIP/FDP/FOP are 0: AMD's
 * FXSAVE and XSAVE store them only while FSW.ES is set, Intel's always.
 */
static inline void fpu_test_image(uint8_t *img)
{
	static const uint8_t st[8][10] = {
	    {0, 0, 0, 0, 0, 0, 0, 0xc0, 0xff, 0x3f},	   /* 1.5 */
	    {0},					   /* +0 */
	    {0, 0, 0, 0, 0, 0, 0, 0x80, 0xff, 0x7f},	   /* +inf */
	    {0x34, 0x12, 0, 0, 0, 0, 0, 0, 0, 0},	   /* denormal */
	    {0x55, 0x55, 0, 0, 0, 0, 0, 0x40, 0x00, 0x40}, /* unnormal */
	    {1, 2, 3, 4, 5, 6, 7, 8, 9, 10},
	    {0xff, 0xee, 0xdd, 0xcc, 0xbb, 0xaa, 0x99, 0x88, 0x77, 0x66},
	    {0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x80, 0x90, 0x1f},
	};
	unsigned i;

	memset(img, 0, 576);
	img[0] = 0x7f, img[1] = 0x02;	/* FCW 027FH: all masked, 53-bit precision */
	img[2] = 0x00, img[3] = 0x2a;	/* FSW: TOP 5, C1 */
	img[4] = 0xe3;			/* abridged tags: 0, 1, 5, 6, 7 valid */
	img[24] = 0xa1, img[25] = 0x7f; /* MXCSR 7FA1H: RC 11b, IE and PE set */
	img[28] = 0xff, img[29] = 0xff; /* MXCSR_MASK */
	for (i = 0; i < 8; i++)
		memcpy(img + 32 + 16 * i, st[i], 10);
	for (i = 160; i < 416; i++)
		img[i] = (uint8_t)(i * 37 + 11);
	img[512] = 3;
}

/* ---- the host CPU as the oracle (its own x87/SSE state saved around each use) ---- */

struct host_fpu {
	_Alignas(64) uint8_t saved[4096];
};

static inline void host_enter(struct host_fpu *s)
{
	__asm__ volatile("fxsave64 (%0)" : : "r"(s->saved) : "memory");
}

static inline void host_leave(struct host_fpu *s)
{
	__asm__ volatile("fxrstor64 (%0)" : : "r"(s->saved) : "memory");
}

static inline void host_fxrstor64(const void *p)
{
	__asm__ volatile("fxrstor64 (%0)" : : "r"(p) : "memory");
}

static inline void host_fxsave64(void *p)
{
	__asm__ volatile("fxsave64 (%0)" : : "r"(p) : "memory");
}

static inline void host_fxsave(void *p)
{
	__asm__ volatile("fxsave (%0)" : : "r"(p) : "memory");
}

static inline void host_xrstor64(const void *p, uint32_t rfbm)
{
	__asm__ volatile("xrstor64 (%0)" : : "r"(p), "a"(rfbm), "d"(0) : "memory");
}

static inline void host_xsave64(void *p, uint32_t rfbm)
{
	__asm__ volatile("xsave64 (%0)" : : "r"(p), "a"(rfbm), "d"(0) : "memory");
}

static inline void host_xsave(void *p, uint32_t rfbm)
{
	__asm__ volatile("xsave (%0)" : : "r"(p), "a"(rfbm), "d"(0) : "memory");
}

/*
 * Guest bytes against the host's. In a legacy region (legacy set) the
 * MXCSR_MASK the host writes is its own (AMD has 2FFFFH, Intel FFFFH or
 * FFBFH), and so is the guest's under /dev/kvm; the soft CPU's is FFFFH.
 */
static inline void same_as_host(struct h *h, const uint8_t *guest, const uint8_t *host,
				unsigned len, bool legacy, const char *what)
{
	bool mask_written =
	    legacy && (host[MXCSR_MASK_OFF] != 0xcc || host[MXCSR_MASK_OFF + 3] != 0xcc);

	for (unsigned i = 0; i < len; i++) {
		if (mask_written && !h->kvm && i >= MXCSR_MASK_OFF && i < MXCSR_MASK_OFF + 4)
			continue;
		ck_assert_msg(guest[i] == host[i], "%s: byte %u: guest %02x, host %02x", what, i,
			      guest[i], host[i]);
	}
	if (mask_written && !h->kvm)
		ck_assert_uint_eq(guest[MXCSR_MASK_OFF] | guest[MXCSR_MASK_OFF + 1] << 8 |
				      guest[MXCSR_MASK_OFF + 2] << 16 |
				      (uint32_t)guest[MXCSR_MASK_OFF + 3] << 24,
				  0xffff);
}

#endif
