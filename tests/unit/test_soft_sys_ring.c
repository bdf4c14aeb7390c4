// SPDX-License-Identifier: MIT
/*
 * Soft CPU system tests of privilege changes and address spaces in long
 * mode: to ring 3 with IRETQ, back with INT 0x80 (stack from TSS.RSP0)
 * and SYSCALL, return with SYSRETQ; a higher-half kernel whose virtual
 * addresses map to other physical ones; a non-identity data mapping.
 * Expected values from the Intel SDM (vol. 2 SYSCALL/SYSRET/IRET, vol. 3
 * 6.14 64-bit interrupt handling); each also runs on /dev/kvm if present.
 */
#include "test_soft_sys_harness.h"

/* Snippets, assembled with GNU as (.intel_syntax noprefix, .code64) at the given address. */
/*
 *   mov ecx, 0xc0000081
 *   xor eax, eax
 *   mov edx, 0x00230008
 *   wrmsr
 *   mov ecx, 0xc0000082
 *   mov eax, 0x8100
 *   xor edx, edx
 *   wrmsr
 *   mov ecx, 0xc0000084
 *   mov eax, 0x200
 *   xor edx, edx
 *   wrmsr
 *   push 0x2b
 *   push 0x24000
 *   push 0x202
 *   push 0x33
 *   push 0x8200
 *   iretq
 */
static const uint8_t c_ring_kernel[] = {
	0xb9, 0x81, 0x00, 0x00, 0xc0, 0x31, 0xc0, 0xba, 0x08, 0x00, 0x23, 0x00,
	0x0f, 0x30, 0xb9, 0x82, 0x00, 0x00, 0xc0, 0xb8, 0x00, 0x81, 0x00, 0x00,
	0x31, 0xd2, 0x0f, 0x30, 0xb9, 0x84, 0x00, 0x00, 0xc0, 0xb8, 0x00, 0x02,
	0x00, 0x00, 0x31, 0xd2, 0x0f, 0x30, 0x6a, 0x2b, 0x68, 0x00, 0x40, 0x02,
	0x00, 0x68, 0x02, 0x02, 0x00, 0x00, 0x6a, 0x33, 0x68, 0x00, 0x82, 0x00,
	0x00, 0x48, 0xcf,
};
/*
 *   mov r8, rcx
 *   mov r9, r11
 *   mov r10, rsp
 *   pushfq
 *   pop rdi
 *   sysretq
 */
static const uint8_t c_ring_syscall[] = {
	0x49, 0x89, 0xc8, 0x4d, 0x89, 0xd9, 0x49, 0x89, 0xe2, 0x9c, 0x5f, 0x48,
	0x0f, 0x07,
};
/*
 *   mov rbx, 0x1111
 *   int 0x80
 *   mov r12, rax
 *   syscall
 *   mov r13, 0x3333
 *   ud2
 */
static const uint8_t c_ring_user[] = {
	0x48, 0xc7, 0xc3, 0x11, 0x11, 0x00, 0x00, 0xcd, 0x80, 0x49, 0x89, 0xc4,
	0x0f, 0x05, 0x49, 0xc7, 0xc5, 0x33, 0x33, 0x00, 0x00, 0x0f, 0x0b,
};
/*
 *   mov rax, rsp
 *   mov r14, [rsp+8]
 *   mov r15, [rsp+32]
 *   iretq
 */
static const uint8_t c_ring_int80[] = {
	0x48, 0x89, 0xe0, 0x4c, 0x8b, 0x74, 0x24, 0x08, 0x4c, 0x8b, 0x7c, 0x24,
	0x20, 0x48, 0xcf,
};
/*
 *   lea rax, [rip]
 *   mov rbx, 0xffffffff80001000
 *   mov dword ptr [rbx], 0x5678
 *   mov ecx, [0x1b000]
 *   mov dword ptr [0x1b004], 0xcafe
 *   hlt
 */
static const uint8_t c_higher_half[] = {
	0x48, 0x8d, 0x05, 0x00, 0x00, 0x00, 0x00, 0x48, 0xc7, 0xc3, 0x00, 0x10,
	0x00, 0x80, 0xc7, 0x03, 0x78, 0x56, 0x00, 0x00, 0x8b, 0x0c, 0x25, 0x00,
	0xb0, 0x01, 0x00, 0xc7, 0x04, 0x25, 0x04, 0xb0, 0x01, 0x00, 0xfe, 0xca,
	0x00, 0x00, 0xf4,
};

#define SYSCALL_ENTRY 0x8100
#define USER_CODE 0x8200
#define INT80_ENTRY 0x8300
#define HH_BASE 0xffffffff80000000ULL
#define HH_PHYS 0x200000

START_TEST(ring3_int80_syscall_sysret)
{
	struct kvm_regs r;
	struct kvm_sregs s;
	uint64_t sp;

	struct h h;
	/*
	 * The /dev/kvm of these machines is kvm-pvm, which answers INT n from
	 * ring 3 with #UD (only INT3 gets through): nothing to compare there.
	 */
	if (_i == 1) {
		printf("skipped on /dev/kvm (kvm-pvm: INT n from ring 3 raises #UD)\n");
		return;
	}
	if (!h_open(&h, _i))
		return;
	setup_long(&h);
	put_code(&h, CODE, c_ring_kernel, sizeof(c_ring_kernel));
	put_code(&h, SYSCALL_ENTRY, c_ring_syscall, sizeof(c_ring_syscall));
	put_code(&h, USER_CODE, c_ring_user, sizeof(c_ring_user));
	put_code(&h, INT80_ENTRY, c_ring_int80, sizeof(c_ring_int80));
	/* user-accessible: the code page and the user stack page */
	wr64(&h, PTE_OF(CODE), CODE | X86_PTE_P | X86_PTE_U | X86_PTE_A | X86_PTE_D);
	wr64(&h, PTE_OF(USTACK_TOP - 4096),
	     (USTACK_TOP - 4096) | X86_PTE_P | X86_PTE_W | X86_PTE_U | X86_PTE_A | X86_PTE_D);
	/* int 0x80: an interrupt gate ring 3 may use */
	idt64_gate(&h, 0x80, INT80_ENTRY, 0xe, 3, 0);

	/* the run ends with ud2 in ring 3: #UD, delivered on the RSP0 stack */
	ck_assert_uint_eq(h_run(&h), KVM_EXIT_HLT);
	h_get_regs(&h, &r);
	ck_assert_uint_eq(r.rip, HANDLER + 6 * 16 + 1);
	ck_assert_uint_eq(r.rsp, RSP0_TOP - 40);
	sp = r.rsp;
	ck_assert_uint_eq(rd64(&h, sp), USER_CODE + 21);    /* rip of ud2 */
	ck_assert_uint_eq(rd64(&h, sp + 8), SEL_UCODE64);   /* cs */
	ck_assert_uint_eq(rd64(&h, sp + 16) & ~0x10000ULL, 0x202); /* rflags */
	ck_assert_uint_eq(rd64(&h, sp + 24), USTACK_TOP);   /* rsp */
	ck_assert_uint_eq(rd64(&h, sp + 32), SEL_UDATA);    /* ss */

	/* int 0x80 from ring 3: handler stack = RSP0 - 5 qwords, frame holds CS/SS of ring 3 */
	ck_assert_uint_eq(r.r12, RSP0_TOP - 40);
	ck_assert_uint_eq(r.r14, SEL_UCODE64);
	ck_assert_uint_eq(r.r15, SEL_UDATA);
	/* syscall: RCX = next rip, R11 = rflags, no stack switch, IF masked by FMASK */
	ck_assert_uint_eq(r.r8, USER_CODE + 14);
	ck_assert_uint_eq(r.r9, 0x202);
	ck_assert_uint_eq(r.r10, USTACK_TOP);
	ck_assert_uint_eq(r.rdi & 0x200, 0);
	/* sysretq came back to ring 3 */
	ck_assert_uint_eq(r.r13, 0x3333);
	ck_assert_uint_eq(r.rbx, 0x1111);

	h_get_sregs(&h, &s);
	ck_assert_uint_eq(s.cs.selector, SEL_KCODE64);
	ck_assert_uint_eq(s.ss.selector, 0);
	h_close(&h);
}
END_TEST

START_TEST(higher_half_and_non_identity_data)
{
	struct kvm_regs r;

	struct h h;
	if (!h_open(&h, _i))
		return;
	setup_long(&h);
	/* PML4[511] -> 0x31000, PDPT[510] -> 0x32000, PD[0] = 2 MiB page at HH_PHYS */
	memset(h.mem + 0x31000, 0, 0x2000);
	wr64(&h, PML4 + 511 * 8, 0x31000 | X86_PTE_P | X86_PTE_W | X86_PTE_A);
	wr64(&h, 0x31000 + 510 * 8, 0x32000 | X86_PTE_P | X86_PTE_W | X86_PTE_A);
	wr64(&h, 0x32000, HH_PHYS | X86_PTE_P | X86_PTE_W | X86_PTE_PS | X86_PTE_A | X86_PTE_D);
	put_code(&h, HH_PHYS, c_higher_half, sizeof(c_higher_half));
	/* linear 0x1b000 -> physical 0x1c000 */
	wr64(&h, PTE_OF(0x1b000), 0x1c000 | X86_PTE_P | X86_PTE_W | X86_PTE_A | X86_PTE_D);
	wr32(&h, 0x1b000, 0x1111);
	wr32(&h, 0x1c000, 0x2222);
	h_get_regs(&h, &r);
	r.rip = HH_BASE;
	h_set_regs(&h, &r);

	ck_assert_uint_eq(h_run(&h), KVM_EXIT_HLT);
	h_get_regs(&h, &r);
	ck_assert_uint_eq(r.rip, HH_BASE + sizeof(c_higher_half));
	ck_assert_uint_eq(r.rax, HH_BASE + 7);
	ck_assert_uint_eq(rd32(&h, HH_PHYS + 0x1000), 0x5678);
	ck_assert_uint_eq(r.rcx, 0x2222);
	ck_assert_uint_eq(rd32(&h, 0x1c004), 0xcafe);
	ck_assert_uint_eq(rd32(&h, 0x1b004), 0);
	h_close(&h);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("soft_sys_ring");
	TCase *tc = tcase_create("ring");

	/* _i = 0: soft CPU, 1: /dev/kvm (skipped where absent) */
	tcase_add_loop_test(tc, ring3_int80_syscall_sysret, 0, 2);
	tcase_add_loop_test(tc, higher_half_and_non_identity_data, 0, 2);
	tcase_set_timeout(tc, 20);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run_suite(suite());
}
