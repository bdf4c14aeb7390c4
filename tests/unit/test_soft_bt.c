// SPDX-License-Identifier: MIT
/*
 * Cases aimed at the binary translator (issue 16), run like every soft
 * CPU system test on the soft CPU and on /dev/kvm where present (the
 * expectations come from the SDM; KVM checks them on hardware). `make
 * check` runs this program under both soft engines (check-engine): the
 * same expectations hold for the interpreter and the translator.
 *  - self-modifying code after the code already ran (so it was translated):
 *    a store into the same block, into a later block of the same page,
 *    into a block on another page;
 *  - a #PF from a memory operand in the middle of a loop: the frame's RIP,
 *    the registers and the arithmetic flags are those at that instruction;
 *  - CALL to and RET from another page in a loop (the jump cache), with the
 *    callee rewritten after it ran: the next call must run the new code;
 *  - PUSH/POP, a GS-relative read-modify-write, DIV/IDIV, and a #DE whose
 *    frame holds the DIV's RIP and the registers and flags before it;
 *  - a block looping to itself over several runs' budgets, on the
 *    registers the memory probe borrows; a loop nest whose inner loop
 *    starts in the middle of the block.
 * (Code written by DMA: test_dma_coherence, in the same engine matrix.)
 */
#include "test_soft_sys_harness.h"

/*
 *   mov ecx, 5; xor ebx, ebx
 * 1: mov eax, 1; add ebx, eax
 *   mov dword [rip + 1b + 1], 7   ; the immediate of the mov above
 *   dec ecx; jnz 1b; hlt
 */
static const uint8_t c_same_block[] = {
	0xb9, 0x05, 0x00, 0x00, 0x00, 0x31, 0xdb, 0xb8, 0x01, 0x00, 0x00, 0x00, 0x01, 0xc3, 0xc7,
	0x05, 0xf0, 0xff, 0xff, 0xff, 0x07, 0x00, 0x00, 0x00, 0xff, 0xc9, 0x75, 0xeb, 0xf4,
};
/*
 *   mov ecx, 6; xor ebx, ebx
 * 1: cmp ecx, 3; jne 2f
 *   mov byte [rip + 3f + 1], 0x40  ; once, after 3f ran three times
 * 2: jmp 3f
 *   .p2align 5
 * 3: mov eax, 2; add ebx, eax; dec ecx; jnz 1b; hlt
 */
static const uint8_t c_later_block[] = {
	0xb9, 0x06, 0x00, 0x00, 0x00, 0x31, 0xdb, 0x83, 0xf9, 0x03, 0x75, 0x07, 0xc6, 0x05, 0x0e,
	0x00, 0x00, 0x00, 0x40, 0xeb, 0x0b, 0x66, 0x66, 0x2e, 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00,
	0x00, 0x00, 0xb8, 0x02, 0x00, 0x00, 0x00, 0x01, 0xc3, 0xff, 0xc9, 0x75, 0xdc, 0xf4,
};
/*
 * At CODE:                               At 0xb000:
 *   mov ecx, 6; xor ebx, ebx                mov eax, 2; add ebx, eax
 * 1: cmp ecx, 3; jne 2f                     jmp CODE + 0x40
 *   mov byte [0xb001], 0x40
 * 2: jmp 0xb000
 *   .org 0x40: dec ecx; jnz 1b; hlt
 */
static const uint8_t c_cross_a[] = {
	0xb9, 0x06, 0x00, 0x00, 0x00, 0x31, 0xdb, 0x83, 0xf9, 0x03, 0x75, 0x08, 0xc6, 0x04, 0x25,
	0x01, 0xb0, 0x00, 0x00, 0x40, 0xe9, 0xe7, 0x2f, 0x00, 0x00,
};
static const uint8_t c_cross_back[] = { 0xff, 0xc9, 0x75, 0xc3, 0xf4 };
static const uint8_t c_cross_b[] = {
	0xb8, 0x02, 0x00, 0x00, 0x00, 0x01, 0xc3, 0xe9, 0x34, 0xd0, 0xff, 0xff,
};
/*
 *   mov ecx, 10; xor eax, eax; mov esi, 0xa000
 * 1: add eax, 3
 *   mov [rsi], eax           ; CODE + 0xf: #PF at 0xc000 (not present)
 *   add rsi, 0x800; dec ecx; jnz 1b; hlt
 */
static const uint8_t c_loop_pf[] = {
	0xb9, 0x0a, 0x00, 0x00, 0x00, 0x31, 0xc0, 0xbe, 0x00, 0xa0, 0x00, 0x00, 0x83, 0xc0, 0x03,
	0x89, 0x06, 0x48, 0x81, 0xc6, 0x00, 0x08, 0x00, 0x00, 0xff, 0xc9, 0x75, 0xf0, 0xf4,
};

/*
 *   mov ecx, 6; xor ebx, ebx
 * 1: call 0xb000
 *   cmp ecx, 4; jne 2f
 *   mov byte [0xb001], 0x40        ; the callee's immediate, on the third pass
 * 2: dec ecx; jnz 1b; hlt
 * At 0xb000: mov eax, 2; add ebx, eax; ret
 */
static const uint8_t c_call_smc[] = {
	0xb9, 0x06, 0x00, 0x00, 0x00, 0x31, 0xdb, 0xe8, 0xf4, 0x2f, 0x00, 0x00, 0x83, 0xf9, 0x04,
	0x75, 0x08, 0xc6, 0x04, 0x25, 0x01, 0xb0, 0x00, 0x00, 0x40, 0xff, 0xc9, 0x75, 0xea, 0xf4,
};
static const uint8_t c_callee[] = { 0xb8, 0x02, 0x00, 0x00, 0x00, 0x01, 0xc3, 0xc3 };
/*
 *   mov ecx, 8; xor ebx, ebx
 * 1: push rcx; push rbx; pop rdx; pop rax
 *   add rbx, rax; add gs:[0x10], rax; dec ecx; jnz 1b
 *   mov eax, 100; xor edx, edx; mov r8d, 7; div r8; mov r9, rax; mov r10, rdx
 *   mov rax, -100; cqo; idiv r8; mov r11, rax; mov r12, rdx
 *   mov eax, 5; xor edx, edx; xor r13d, r13d; stc
 *   div r13d                        ; CODE + 0x4e: #DE
 */
static const uint8_t c_stack_div[] = {
	0xb9, 0x08, 0x00, 0x00, 0x00, 0x31, 0xdb, 0x51, 0x53, 0x5a, 0x58, 0x48, 0x01, 0xc3, 0x65,
	0x48, 0x01, 0x04, 0x25, 0x10, 0x00, 0x00, 0x00, 0xff, 0xc9, 0x75, 0xec, 0xb8, 0x64, 0x00,
	0x00, 0x00, 0x31, 0xd2, 0x41, 0xb8, 0x07, 0x00, 0x00, 0x00, 0x49, 0xf7, 0xf0, 0x49, 0x89,
	0xc1, 0x49, 0x89, 0xd2, 0x48, 0xc7, 0xc0, 0x9c, 0xff, 0xff, 0xff, 0x48, 0x99, 0x49, 0xf7,
	0xf8, 0x49, 0x89, 0xc3, 0x49, 0x89, 0xd4, 0xb8, 0x05, 0x00, 0x00, 0x00, 0x31, 0xd2, 0x45,
	0x31, 0xed, 0xf9, 0x41, 0xf7, 0xf5, 0xf4,
};
/*
 *   mov ecx, 3000; xor eax, eax; xor r9d, r9d; mov r10d, 0xa000
 *   xor r11d, r11d; mov qword [r10], 0
 * 1: add r9, rcx; mov rax, [r10]; add rax, r9; mov [r10], rax
 *   lea r11, [r11 + rcx*2]; dec ecx; jnz 1b
 *   mov rbx, [r10]; hlt
 * A block that loops to itself (bt_loop.c) for 21,000 instructions, more
 * than one run's budget, on registers the memory probe borrows.
 */
static const uint8_t c_self_loop[] = {
	0xb9, 0xb8, 0x0b, 0x00, 0x00, 0x31, 0xc0, 0x45, 0x31, 0xc9, 0x41, 0xba, 0x00, 0xa0,
	0x00, 0x00, 0x45, 0x31, 0xdb, 0x49, 0xc7, 0x02, 0x00, 0x00, 0x00, 0x00, 0x49, 0x01,
	0xc9, 0x49, 0x8b, 0x02, 0x4c, 0x01, 0xc8, 0x49, 0x89, 0x02, 0x4d, 0x8d, 0x1c, 0x4b,
	0xff, 0xc9, 0x75, 0xec, 0x49, 0x8b, 0x1a, 0xf4,
};
/*
 *   mov r8d, 40; xor eax, eax; mov r10d, 0xa000; mov qword [r10], 0
 * 1: mov ecx, 50; add rax, r8
 * 2: add [r10], rcx; lea rax, [rax + rcx]; dec ecx; jnz 2b
 *   dec r8d; jnz 1b
 *   mov rbx, [r10]; hlt
 * A loop nest in one block: the inner loop's head is an instruction in
 * the middle of the block (and of the entry block, the outer one's too).
 */
static const uint8_t c_loop_nest[] = {
	0x41, 0xb8, 0x28, 0x00, 0x00, 0x00, 0x31, 0xc0, 0x41, 0xba, 0x00, 0xa0, 0x00,
	0x00, 0x49, 0xc7, 0x02, 0x00, 0x00, 0x00, 0x00, 0xb9, 0x32, 0x00, 0x00, 0x00,
	0x4c, 0x01, 0xc0, 0x49, 0x01, 0x0a, 0x48, 0x8d, 0x04, 0x08, 0xff, 0xc9, 0x75,
	0xf5, 0x41, 0xff, 0xc8, 0x75, 0xe8, 0x49, 0x8b, 0x1a, 0xf4,
};

#define OPEN_LONG(h)         \
	struct h h;          \
	if (!h_open(&h, _i)) \
		return;      \
	setup_long(&h)

/* Under the translator, the loop must really have run as translated blocks. */
static void check_translated(struct h *h)
{
	if (!h->kvm && soft_engine_default() == SOFT_ENGINE_BT)
		ck_assert_uint_gt(soft_cpu_get_stats(h->cpu)->bt_blocks, 2);
}

static uint64_t run_rbx(struct h *h)
{
	struct kvm_regs r;

	ck_assert_uint_eq(h_run(h), KVM_EXIT_HLT);
	check_translated(h);
	h_get_regs(h, &r);
	return r.rbx;
}

START_TEST(smc_same_block)
{
	OPEN_LONG(h);
	put_code(&h, CODE, c_same_block, sizeof(c_same_block));
	/* the first pass adds 1, the four after it the stored 7 */
	ck_assert_uint_eq(run_rbx(&h), 1 + 4 * 7);
	h_close(&h);
}
END_TEST

START_TEST(smc_later_block_same_page)
{
	OPEN_LONG(h);
	put_code(&h, CODE, c_later_block, sizeof(c_later_block));
	ck_assert_uint_eq(run_rbx(&h), 3 * 2 + 3 * 0x40);
	h_close(&h);
}
END_TEST

START_TEST(smc_other_page)
{
	OPEN_LONG(h);
	put_code(&h, CODE, c_cross_a, sizeof(c_cross_a));
	put_code(&h, CODE + 0x40, c_cross_back, sizeof(c_cross_back));
	put_code(&h, 0xb000, c_cross_b, sizeof(c_cross_b));
	ck_assert_uint_eq(run_rbx(&h), 3 * 2 + 3 * 0x40);
	h_close(&h);
}
END_TEST

START_TEST(page_fault_in_loop_is_precise)
{
	struct kvm_regs r;
	struct kvm_sregs s;

	OPEN_LONG(h);
	put_code(&h, CODE, c_loop_pf, sizeof(c_loop_pf));
	wr64(&h, PTE_OF(0xc000), 0);
	ck_assert_uint_eq(h_run(&h), KVM_EXIT_HLT);
	h_get_regs(&h, &r);
	h_get_sregs(&h, &s);
	ck_assert_uint_eq(r.rip, HANDLER + 14 * 16 + 1);
	ck_assert_uint_eq(rd64(&h, r.rsp), 2);		 /* write, not present, CPL 0 */
	ck_assert_uint_eq(rd64(&h, r.rsp + 8), CODE + 0xf); /* the store */
	/* after `add eax, 3` made 15: PF only (0b1111), no CF AF ZF SF OF */
	ck_assert_uint_eq(rd64(&h, r.rsp + 24) & 0x8d5, 0x4);
	ck_assert_uint_eq(s.cr2, 0xc000);
	ck_assert_uint_eq(r.rax, 15);
	ck_assert_uint_eq(r.rcx, 6);
	ck_assert_uint_eq(r.rsi, 0xc000);
	ck_assert_uint_eq(rd32(&h, 0xb800), 12);
	check_translated(&h);
	h_close(&h);
}
END_TEST

START_TEST(call_ret_other_page_then_smc)
{
	struct kvm_regs r;

	OPEN_LONG(h);
	put_code(&h, CODE, c_call_smc, sizeof(c_call_smc));
	put_code(&h, 0xb000, c_callee, sizeof(c_callee));
	/* three calls add 2, the three after the rewrite 0x40 */
	ck_assert_uint_eq(run_rbx(&h), 3 * 2 + 3 * 0x40);
	h_get_regs(&h, &r);
	ck_assert_uint_eq(r.rsp, STACK_TOP);
	ck_assert_uint_eq(rd64(&h, STACK_TOP - 8), CODE + 12); /* the last return address */
	h_close(&h);
}
END_TEST

START_TEST(stack_gs_div_and_precise_de)
{
	struct kvm_regs r;
	struct kvm_sregs s;

	OPEN_LONG(h);
	put_code(&h, CODE, c_stack_div, sizeof(c_stack_div));
	h_get_sregs(&h, &s);
	s.gs.base = 0xa000;
	h_set_sregs(&h, &s);
	wr64(&h, 0xa010, 1000);
	ck_assert_uint_eq(h_run(&h), KVM_EXIT_HLT);
	h_get_regs(&h, &r);
	ck_assert_uint_eq(r.rip, HANDLER + 1); /* vector 0 */
	ck_assert_uint_eq(r.rsp, STACK_TOP - 40); /* pushes and pops balanced; no error code */
	ck_assert_uint_eq(rd64(&h, r.rsp), CODE + 0x4e);
	/* after xor r13d, r13d and stc: CF PF ZF (AF undefined after XOR) */
	ck_assert_uint_eq(rd64(&h, r.rsp + 16) & 0x8c5, 0x45);
	ck_assert_uint_eq(r.rbx, 8 + 7 + 6 + 5 + 4 + 3 + 2 + 1);
	ck_assert_uint_eq(rd64(&h, 0xa010), 1000 + 36);
	ck_assert_uint_eq(r.r9, 14);
	ck_assert_uint_eq(r.r10, 2);
	ck_assert_uint_eq(r.r11, (uint64_t)-14);
	ck_assert_uint_eq(r.r12, (uint64_t)-2);
	ck_assert_uint_eq(r.rax, 5);
	ck_assert_uint_eq(r.rdx, 0);
	check_translated(&h);
	h_close(&h);
}
END_TEST

START_TEST(self_loop_over_budget)
{
	struct kvm_regs r;
	uint64_t sum = 0, acc = 0, c;

	OPEN_LONG(h);
	put_code(&h, CODE, c_self_loop, sizeof(c_self_loop));
	for (c = 3000; c; c--) {
		sum += c;
		acc += sum;
	}
	ck_assert_uint_eq(h_run(&h), KVM_EXIT_HLT);
	/* the entry block and the loop (the tail is HLT, the interpreter's) */
	if (!h.kvm && soft_engine_default() == SOFT_ENGINE_BT)
		ck_assert_uint_ge(soft_cpu_get_stats(h.cpu)->bt_blocks, 2);
	h_get_regs(&h, &r);
	ck_assert_uint_eq(r.rbx, acc);
	ck_assert_uint_eq(r.rax, acc);
	ck_assert_uint_eq(r.r9, sum);
	ck_assert_uint_eq(r.r10, 0xa000);
	ck_assert_uint_eq(r.r11, 2 * sum);
	ck_assert_uint_eq(r.rcx, 0);
	ck_assert_uint_eq(r.rflags & 0x8d5, 0x44); /* dec to 0: ZF PF */
	h_close(&h);
}
END_TEST

START_TEST(loop_nest_in_one_block)
{
	struct kvm_regs r;
	uint64_t mem = 0, rax = 0, o, i;

	OPEN_LONG(h);
	put_code(&h, CODE, c_loop_nest, sizeof(c_loop_nest));
	for (o = 40; o; o--) {
		rax += o;
		for (i = 50; i; i--) {
			mem += i;
			rax += i;
		}
	}
	ck_assert_uint_eq(h_run(&h), KVM_EXIT_HLT);
	if (!h.kvm && soft_engine_default() == SOFT_ENGINE_BT)
		ck_assert_uint_ge(soft_cpu_get_stats(h.cpu)->bt_blocks, 2);
	h_get_regs(&h, &r);
	ck_assert_uint_eq(r.rbx, mem);
	ck_assert_uint_eq(r.rax, rax);
	ck_assert_uint_eq(r.rcx, 0);
	ck_assert_uint_eq(r.r8, 0);
	ck_assert_uint_eq(r.r10, 0xa000);
	h_close(&h);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("soft_bt");
	TCase *tc = tcase_create("bt");

	/* _i = 0: soft CPU, 1: /dev/kvm (skipped where absent) */
	tcase_add_loop_test(tc, smc_same_block, 0, 2);
	tcase_add_loop_test(tc, smc_later_block_same_page, 0, 2);
	tcase_add_loop_test(tc, smc_other_page, 0, 2);
	tcase_add_loop_test(tc, page_fault_in_loop_is_precise, 0, 2);
	tcase_add_loop_test(tc, call_ret_other_page_then_smc, 0, 2);
	tcase_add_loop_test(tc, stack_gs_div_and_precise_de, 0, 2);
	tcase_add_loop_test(tc, self_loop_over_budget, 0, 2);
	tcase_add_loop_test(tc, loop_nest_in_one_block, 0, 2);
	tcase_set_timeout(tc, 20);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	/* these cases run their code a few times: translate it the first time */
	setenv(SOFT_BT_HOT_ENV, "1", 0);
	return test_run_suite(suite());
}
