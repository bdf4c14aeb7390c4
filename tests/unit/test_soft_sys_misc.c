// SPDX-License-Identifier: MIT
/*
 * Soft CPU system tests, miscellany in long mode: compatibility mode
 * entered with RETF and left with a far JMP, self-modifying code, a
 * page-crossing write that faults on its second page, a read-modify-write
 * on MMIO, the TSS I/O permission bitmap and IOPL at CPL 3, and
 * LAR/LSL/VERR/VERW. Expected values from the Intel SDM; each runs on
 * /dev/kvm too where it opens (and kvm-pvm can run it).
 */
#include "test_soft_sys_harness.h"

/* Snippets, assembled with GNU as (.intel_syntax noprefix) at the given address. */
/*
 *   push 0x18
 *   lea rax, [rip + compat]
 *   push rax
 *   retfq
 * compat:
 *   .code32
 *   mov eax, 0x11
 *   ljmp 0x08, 0x8100
 */
static const uint8_t c_compat[] = {
	0x6a, 0x18, 0x48, 0x8d, 0x05, 0x03, 0x00, 0x00, 0x00, 0x50, 0x48, 0xcb,
	0xb8, 0x11, 0x00, 0x00, 0x00, 0xea, 0x00, 0x81, 0x00, 0x00, 0x08, 0x00,
};
/*
 *   mov rbx, 0x22
 *   hlt
 */
static const uint8_t c_compat_back[] = {
	0x48, 0xc7, 0xc3, 0x22, 0x00, 0x00, 0x00, 0xf4,
};
/*
 *   xor ebx, ebx
 * again:
 * target:
 *   mov eax, 0x11
 *   add ebx, eax
 *   mov byte ptr [rip + target + 1], 0x77
 *   cmp ebx, 0x11
 *   je again
 *   hlt
 */
static const uint8_t c_smc[] = {
	0x31, 0xdb, 0xb8, 0x11, 0x00, 0x00, 0x00, 0x01, 0xc3, 0xc6, 0x05, 0xf3,
	0xff, 0xff, 0xff, 0x77, 0x83, 0xfb, 0x11, 0x74, 0xed, 0xf4,
};
/*
 *   mov rax, -1
 *   mov [0x19ffc], rax
 *   hlt
 */
static const uint8_t c_cross[] = {
	0x48, 0xc7, 0xc0, 0xff, 0xff, 0xff, 0xff, 0x48, 0x89, 0x04, 0x25, 0xfc,
	0x9f, 0x01, 0x00, 0xf4,
};
/*
 *   mov rcx, 0xd0000000
 *   add dword ptr [rcx], 5
 *   hlt
 */
static const uint8_t c_mmio_rmw[] = {
	0x48, 0xb9, 0x00, 0x00, 0x00, 0xd0, 0x00, 0x00, 0x00, 0x00, 0x83, 0x01,
	0x05, 0xf4,
};
/*
 *   mov dx, 0x80
 *   in al, dx
 *   mov dx, 0x81
 *   in al, dx
 */
static const uint8_t c_user_in[] = {
	0x66, 0xba, 0x80, 0x00, 0xec, 0x66, 0xba, 0x81, 0x00, 0xec,
};
/*
 *   cli
 */
static const uint8_t c_user_cli[] = {
	0xfa,
};
/*
 *   mov ecx, 0x2b
 *   lar eax, ecx
 *   setz bl
 *   lsl edx, ecx
 *   setz bh
 *   verr cx
 *   setz r8b
 *   mov ecx, 0x33
 *   verw cx
 *   setz r9b
 *   xor ecx, ecx
 *   lar esi, ecx
 *   setz r10b
 *   hlt
 */
static const uint8_t c_lar[] = {
	0xb9, 0x2b, 0x00, 0x00, 0x00, 0x0f, 0x02, 0xc1, 0x0f, 0x94, 0xc3, 0x0f,
	0x03, 0xd1, 0x0f, 0x94, 0xc7, 0x0f, 0x00, 0xe1, 0x41, 0x0f, 0x94, 0xc0,
	0xb9, 0x33, 0x00, 0x00, 0x00, 0x0f, 0x00, 0xe9, 0x41, 0x0f, 0x94, 0xc1,
	0x31, 0xc9, 0x0f, 0x02, 0xf1, 0x41, 0x0f, 0x94, 0xc2, 0xf4,
};

/*
 *   mov eax, [0x1d000]
 *   hlt
 */
static const uint8_t c_demand[] = {
	0x8b, 0x04, 0x25, 0x00, 0xd0, 0x01, 0x00, 0xf4,
};
/*
 *   mov qword ptr [0x40e8], 0x1e063
 *   add rsp, 8
 *   iretq
 */
static const uint8_t c_demand_pf[] = {
	0x48, 0xc7, 0x04, 0x25, 0xe8, 0x40, 0x00, 0x00, 0x63, 0xe0, 0x01, 0x00,
	0x48, 0x83, 0xc4, 0x08, 0x48, 0xcf,
};

#define OPEN_LONG(h)            \
	struct h h;             \
	if (!h_open(&h, _i))    \
		return;         \
	setup_long(&h)

static void expect_frame(struct h *h, unsigned vec, uint64_t *err, uint64_t *rip)
{
	struct kvm_regs r;

	ck_assert_uint_eq(h_run(h), KVM_EXIT_HLT);
	h_get_regs(h, &r);
	ck_assert_uint_eq(r.rip, HANDLER + vec * 16 + 1);
	*err = rd64(h, r.rsp);
	*rip = rd64(h, r.rsp + 8);
}

/* CPL 3, 64-bit code at rip; the code page and the user stack page user-accessible. */
static void to_ring3(struct h *h, uint64_t rip)
{
	struct kvm_regs r;

	wr64(h, PTE_OF(CODE), CODE | X86_PTE_P | X86_PTE_U | X86_PTE_A | X86_PTE_D);
	wr64(h, PTE_OF(USTACK_TOP - 4096),
	     (USTACK_TOP - 4096) | X86_PTE_P | X86_PTE_W | X86_PTE_U | X86_PTE_A | X86_PTE_D);
	user_segs(h, true);
	h_get_regs(h, &r);
	r.rip = rip;
	r.rsp = USTACK_TOP;
	h_set_regs(h, &r);
}

START_TEST(compat_mode_via_retf_and_far_jmp)
{
	struct kvm_regs r;
	struct kvm_sregs s;

	OPEN_LONG(h);
	put_code(&h, CODE, c_compat, sizeof(c_compat));
	put_code(&h, 0x8100, c_compat_back, sizeof(c_compat_back));
	ck_assert_uint_eq(h_run(&h), KVM_EXIT_HLT);
	h_get_regs(&h, &r);
	ck_assert_uint_eq(r.rip, 0x8100 + sizeof(c_compat_back));
	ck_assert_uint_eq(r.rax, 0x11);
	ck_assert_uint_eq(r.rbx, 0x22);
	ck_assert_uint_eq(r.rsp, STACK_TOP);
	h_get_sregs(&h, &s);
	ck_assert_uint_eq(s.cs.selector, SEL_KCODE64);
	ck_assert_uint_eq(s.cs.l, 1);
	h_close(&h);
}
END_TEST

START_TEST(self_modifying_code)
{
	struct kvm_regs r;

	OPEN_LONG(h);
	put_code(&h, CODE, c_smc, sizeof(c_smc));
	ck_assert_uint_eq(h_run(&h), KVM_EXIT_HLT);
	h_get_regs(&h, &r);
	/* the second pass runs the patched immediate: 0x11 + 0x77 */
	ck_assert_uint_eq(r.rbx, 0x88);
	h_close(&h);
}
END_TEST

START_TEST(page_crossing_write_faults_on_second_page)
{
	uint64_t err, rip;
	struct kvm_sregs s;

	OPEN_LONG(h);
	put_code(&h, CODE, c_cross, sizeof(c_cross));
	wr64(&h, PTE_OF(0x1a000), 0);
	expect_frame(&h, 14, &err, &rip);
	ck_assert_uint_eq(err, 2); /* not present, write */
	ck_assert_uint_eq(rip, CODE + 7);
	h_get_sregs(&h, &s);
	ck_assert_uint_eq(s.cr2, 0x1a000);
	/*
	 * The SDM does not promise that the first page stays unwritten (kvm-pvm
	 * writes it); the soft CPU translates both pages before writing either.
	 */
	if (!h.kvm)
		ck_assert_uint_eq(rd32(&h, 0x19ffc), 0);
	h_close(&h);
}
END_TEST

START_TEST(mmio_read_modify_write)
{
	uint32_t v = 10, w;

	OPEN_LONG(h);
	put_code(&h, CODE, c_mmio_rmw, sizeof(c_mmio_rmw));
	ck_assert_uint_eq(h_run(&h), KVM_EXIT_MMIO);
	ck_assert_uint_eq(h.run->mmio.is_write, 0);
	ck_assert_uint_eq(h.run->mmio.phys_addr, 0xd0000000ULL);
	ck_assert_uint_eq(h.run->mmio.len, 4);
	memcpy(h.run->mmio.data, &v, 4);
	ck_assert_uint_eq(h_run(&h), KVM_EXIT_MMIO);
	ck_assert_uint_eq(h.run->mmio.is_write, 1);
	ck_assert_uint_eq(h.run->mmio.phys_addr, 0xd0000000ULL);
	memcpy(&w, h.run->mmio.data, 4);
	ck_assert_uint_eq(w, 15);
	ck_assert_uint_eq(h_run(&h), KVM_EXIT_HLT);
	h_close(&h);
}
END_TEST

/* CPL 3 > IOPL 0: each port goes by its bit in the TSS I/O bitmap (SDM vol. 1 19.5.2). */
START_TEST(io_bitmap_at_cpl3)
{
	uint64_t err, rip;
	struct kvm_sregs s;

	OPEN_LONG(h);
	put_code(&h, 0x8200, c_user_in, sizeof(c_user_in));
	memset(h.mem + TSS + 0x68, 0, 0x21);
	wr32(&h, TSS + 0x64, 0x68 << 16);     /* bitmap at TSS + 0x68 */
	h.mem[TSS + 0x68 + 0x81 / 8] = 1 << (0x81 % 8); /* port 0x81 denied */
	h.mem[TSS + 0x68 + 0x20] = 0xff;
	h_get_sregs(&h, &s);
	s.tr.limit = 0x68 + 0x20;
	h_set_sregs(&h, &s);
	to_ring3(&h, 0x8200);
	ck_assert_uint_eq(h_run(&h), KVM_EXIT_IO);
	ck_assert_uint_eq(h.run->io.port, 0x80);
	expect_frame(&h, 13, &err, &rip);
	ck_assert_uint_eq(err, 0);
	ck_assert_uint_eq(rip, 0x8200 + 9);
	h_close(&h);
}
END_TEST

START_TEST(cli_at_cpl3_gp)
{
	uint64_t err, rip;

	OPEN_LONG(h);
	put_code(&h, 0x8200, c_user_cli, sizeof(c_user_cli));
	to_ring3(&h, 0x8200);
	expect_frame(&h, 13, &err, &rip);
	ck_assert_uint_eq(err, 0);
	ck_assert_uint_eq(rip, 0x8200);
	h_close(&h);
}
END_TEST

START_TEST(lar_lsl_verr_verw)
{
	struct kvm_regs r;
	struct h h;

	if (_i == 1) {
		printf("skipped on /dev/kvm (kvm-pvm: LAR is an emulation failure there)\n");
		return;
	}
	if (!h_open(&h, false))
		return;
	setup_long(&h);
	put_code(&h, CODE, c_lar, sizeof(c_lar));
	ck_assert_uint_eq(h_run(&h), KVM_EXIT_HLT);
	h_get_regs(&h, &r);
	/* user data: G D, P, DPL 3, S, type 3 (bits 19:16 of LAR are undefined) */
	ck_assert_uint_eq(r.rax & 0x00f0ff00, 0x00c0f300);
	ck_assert_uint_eq(r.rbx & 0xffff, 0x0101); /* ZF after LAR and LSL */
	ck_assert_uint_eq(r.rdx, 0xffffffff);
	ck_assert_uint_eq(r.r8 & 0xff, 1);  /* data is readable */
	ck_assert_uint_eq(r.r9 & 0xff, 0);  /* code is not writable */
	ck_assert_uint_eq(r.r10 & 0xff, 0); /* null selector */
	h_close(&h);
}
END_TEST

/* Demand paging: the #PF handler maps the page, pops the error code, IRETQ restarts the access. */
START_TEST(page_fault_handler_maps_and_restarts)
{
	struct kvm_regs r;

	OPEN_LONG(h);
	put_code(&h, CODE, c_demand, sizeof(c_demand));
	put_code(&h, 0x8100, c_demand_pf, sizeof(c_demand_pf));
	idt64_gate(&h, 14, 0x8100, 0xe, 0, 0);
	wr64(&h, PTE_OF(0x1d000), 0);
	wr32(&h, 0x1e000, 0xfeed);
	ck_assert_uint_eq(h_run(&h), KVM_EXIT_HLT);
	h_get_regs(&h, &r);
	ck_assert_uint_eq(r.rip, CODE + sizeof(c_demand));
	ck_assert_uint_eq(r.rax, 0xfeed);
	ck_assert_uint_eq(r.rsp, STACK_TOP);
	h_close(&h);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("soft_sys_misc");
	TCase *tc = tcase_create("misc");

	/* _i = 0: soft CPU, 1: /dev/kvm (skipped where absent) */
	tcase_add_loop_test(tc, compat_mode_via_retf_and_far_jmp, 0, 2);
	tcase_add_loop_test(tc, self_modifying_code, 0, 2);
	tcase_add_loop_test(tc, page_crossing_write_faults_on_second_page, 0, 2);
	tcase_add_loop_test(tc, mmio_read_modify_write, 0, 2);
	tcase_add_loop_test(tc, io_bitmap_at_cpl3, 0, 2);
	tcase_add_loop_test(tc, cli_at_cpl3_gp, 0, 2);
	tcase_add_loop_test(tc, lar_lsl_verr_verw, 0, 2);
	tcase_add_loop_test(tc, page_fault_handler_maps_and_restarts, 0, 2);
	tcase_set_timeout(tc, 20);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run_suite(suite());
}
