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
 *    and with the callee's page remapped to other code and INVLPG'd (next
 *    to an INVLPG of a page without code, which the jump cache survives);
 *  - PUSH/POP, a GS-relative read-modify-write, DIV/IDIV, and a #DE whose
 *    frame holds the DIV's RIP and the registers and flags before it;
 *  - a block looping to itself over several runs' budgets, on the
 *    registers the memory probe borrows; a loop nest whose inner loop
 *    starts in the middle of the block;
 *  - integer SSE (ChaCha's quarter round on four lanes, with aligned and
 *    unaligned loads and stores, MOVD/MOVQ/PMOVMSKB to GPRs), checked
 *    against the same arithmetic in C; the #GP(0) of a misaligned MOVDQA
 *    in a loop, and #NM once CR0.TS is set after the loop ran;
 *  - CALL through a pointer in memory to a function with a frame (LEAVE),
 *    and a CALL whose pointer is not canonical: #GP(0) at the CALL with
 *    RSP as it was (the target is checked before anything is pushed);
 *    CALL r64 in a loop, JMP r64, and a JMP r64 to a non-canonical
 *    address: #GP(0) at the JMP;
 *  - PUSHFQ (arithmetic flags from the host, IF from the vCPU) and CLI in
 *    a loop, the pushed images against the SDM's flag definitions;
 *  - Linux's sync_core(), an IRET to itself: MOV from SS and CS, PUSH RSP
 *    (the value before the push), PUSH imm32, the frame checked in memory;
 *  - DIV by a memory operand in a loop, then by a zero in memory (#DE at
 *    it), and LOCK XADD / LOCK CMPXCHG (both outcomes) on memory.
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

/*
 *   mov ecx, 100
 *   movdqu xmm0..xmm3, [0xa000], [0xa010], [0xa020], [0xa030]
 *   movdqa xmm14, [0xa040]          ; PSHUFB mask: each dword rotated by 16
 * 1: paddd xmm0, xmm1; pxor xmm3, xmm0; pshufb xmm3, xmm14
 *   paddd xmm2, xmm3; pxor xmm1, xmm2
 *   movdqa xmm4, xmm1; pslld xmm1, 12; psrld xmm4, 20; por xmm1, xmm4
 *   pshufd xmm1, xmm1, 0x39; dec ecx; jnz 1b
 *   movdqa [0xa080], xmm0; movdqu [0xa091], xmm1
 *   movd eax, xmm2; movq rbx, xmm3; pmovmskb edx, xmm1; hlt
 */
static const uint8_t c_sse_quarter[] = {
	0xb9, 0x64, 0x00, 0x00, 0x00, 0xf3, 0x0f, 0x6f, 0x04, 0x25, 0x00, 0xa0, 0x00, 0x00, 0xf3,
	0x0f, 0x6f, 0x0c, 0x25, 0x10, 0xa0, 0x00, 0x00, 0xf3, 0x0f, 0x6f, 0x14, 0x25, 0x20, 0xa0,
	0x00, 0x00, 0xf3, 0x0f, 0x6f, 0x1c, 0x25, 0x30, 0xa0, 0x00, 0x00, 0x66, 0x44, 0x0f, 0x6f,
	0x34, 0x25, 0x40, 0xa0, 0x00, 0x00, 0x66, 0x0f, 0xfe, 0xc1, 0x66, 0x0f, 0xef, 0xd8, 0x66,
	0x41, 0x0f, 0x38, 0x00, 0xde, 0x66, 0x0f, 0xfe, 0xd3, 0x66, 0x0f, 0xef, 0xca, 0x66, 0x0f,
	0x6f, 0xe1, 0x66, 0x0f, 0x72, 0xf1, 0x0c, 0x66, 0x0f, 0x72, 0xd4, 0x14, 0x66, 0x0f, 0xeb,
	0xcc, 0x66, 0x0f, 0x70, 0xc9, 0x39, 0xff, 0xc9, 0x75, 0xcf, 0x66, 0x0f, 0x7f, 0x04, 0x25,
	0x80, 0xa0, 0x00, 0x00, 0xf3, 0x0f, 0x7f, 0x0c, 0x25, 0x91, 0xa0, 0x00, 0x00, 0x66, 0x0f,
	0x7e, 0xd0, 0x66, 0x48, 0x0f, 0x7e, 0xdb, 0x66, 0x0f, 0xd7, 0xd1, 0xf4,
};
/*
 *   mov ecx, 6; mov esi, 0xa000; pxor xmm1, xmm1
 * 1: movdqa xmm0, [rsi + rcx*8]      ; CODE + 0xe: 0xa030, then 0xa028: #GP(0)
 *   paddq xmm1, xmm0; dec ecx; jnz 1b; hlt
 */
static const uint8_t c_sse_misaligned[] = {
	0xb9, 0x06, 0x00, 0x00, 0x00, 0xbe, 0x00, 0xa0, 0x00, 0x00, 0x66, 0x0f, 0xef, 0xc9,
	0x66, 0x0f, 0x6f, 0x04, 0xce, 0x66, 0x0f, 0xd4, 0xc8, 0xff, 0xc9, 0x75, 0xf3, 0xf4,
};
/*
 *   mov ecx, 4
 * 1: paddd xmm9, xmm10                ; CODE + 5
 *   dec ecx; jnz 1b; hlt
 */
static const uint8_t c_sse_paddd[] = {
	0xb9, 0x04, 0x00, 0x00, 0x00, 0x66, 0x45, 0x0f, 0xfe, 0xca, 0xff, 0xc9, 0x75, 0xf7, 0xf4,
};

/*
 *   mov ecx, 5; xor ebx, ebx; mov eax, 0xb000; mov [0xa100], rax
 * 1: call qword [0xa100]
 *   dec ecx; jnz 1b
 *   mov rax, 0x0000800000000000; mov [0xa100], rax
 *   call qword [0xa100]              ; CODE + 0x31: #GP(0), not canonical
 *   hlt
 * At 0xb000: push rbp; mov rbp, rsp; sub rsp, 32; mov [rbp - 8], rcx
 *            add rbx, [rbp - 8]; leave; ret
 */
static const uint8_t c_call_mem[] = {
	0xb9, 0x05, 0x00, 0x00, 0x00, 0x31, 0xdb, 0xb8, 0x00, 0xb0, 0x00, 0x00, 0x48, 0x89, 0x04,
	0x25, 0x00, 0xa1, 0x00, 0x00, 0xff, 0x14, 0x25, 0x00, 0xa1, 0x00, 0x00, 0xff, 0xc9, 0x75,
	0xf5, 0x48, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80, 0x00, 0x00, 0x48, 0x89, 0x04, 0x25,
	0x00, 0xa1, 0x00, 0x00, 0xff, 0x14, 0x25, 0x00, 0xa1, 0x00, 0x00, 0xf4,
};
static const uint8_t c_frame_fn[] = {
	0x55, 0x48, 0x89, 0xe5, 0x48, 0x83, 0xec, 0x20, 0x48,
	0x89, 0x4d, 0xf8, 0x48, 0x03, 0x5d, 0xf8, 0xc9, 0xc3,
};

/*
 *   mov ecx, 10; mov esi, 0xa000; xor ebx, ebx
 *   mov qword [rsi], 7; mov dword [rsi + 8], 0
 * 1: imul rax, rcx, 1000; xor edx, edx; div qword [rsi]; add rbx, rax
 *   mov r8d, 1; lock xadd [rsi + 8], r8d; dec ecx; jnz 1b
 *   mov eax, [rsi + 8]; mov edx, 100; lock cmpxchg [rsi + 8], edx  ; equal: stored
 *   mov eax, 5; mov edx, 200; lock cmpxchg [rsi + 8], edx          ; not: eax = 100
 *   mov r9, rax; mov qword [rsi], 0; xor edx, edx
 *   div qword [rsi]                   ; CODE + 0x61: #DE
 */
static const uint8_t c_div_mem_lock[] = {
	0xb9, 0x0a, 0x00, 0x00, 0x00, 0xbe, 0x00, 0xa0, 0x00, 0x00, 0x31, 0xdb, 0x48, 0xc7, 0x06,
	0x07, 0x00, 0x00, 0x00, 0xc7, 0x46, 0x08, 0x00, 0x00, 0x00, 0x00, 0x48, 0x69, 0xc1, 0xe8,
	0x03, 0x00, 0x00, 0x31, 0xd2, 0x48, 0xf7, 0x36, 0x48, 0x01, 0xc3, 0x41, 0xb8, 0x01, 0x00,
	0x00, 0x00, 0xf0, 0x44, 0x0f, 0xc1, 0x46, 0x08, 0xff, 0xc9, 0x75, 0xe1, 0x8b, 0x46, 0x08,
	0xba, 0x64, 0x00, 0x00, 0x00, 0xf0, 0x0f, 0xb1, 0x56, 0x08, 0xb8, 0x05, 0x00, 0x00, 0x00,
	0xba, 0xc8, 0x00, 0x00, 0x00, 0xf0, 0x0f, 0xb1, 0x56, 0x08, 0x49, 0x89, 0xc1, 0x48, 0xc7,
	0x06, 0x00, 0x00, 0x00, 0x00, 0x31, 0xd2, 0x48, 0xf7, 0x36, 0xf4,
};

/*
 *   mov ecx, 4; xor ebx, ebx; mov r12d, 0xb000; lea r13, [rip + 2f]
 * 1: call r12; dec ecx; jnz 1b
 *   jmp r13; hlt
 * 2: mov rax, 0x8000000000000000
 *   jmp rax                          ; CODE + 0x29: #GP(0)
 */
static const uint8_t c_call_jmp_reg[] = {
	0xb9, 0x04, 0x00, 0x00, 0x00, 0x31, 0xdb, 0x41, 0xbc, 0x00, 0xb0, 0x00, 0x00, 0x4c, 0x8d,
	0x2d, 0x0b, 0x00, 0x00, 0x00, 0x41, 0xff, 0xd4, 0xff, 0xc9, 0x75, 0xf9, 0x41, 0xff, 0xe5,
	0xf4, 0x48, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80, 0xff, 0xe0, 0xf4,
};

/*
 *   sti; mov ecx, 3
 * 1: cmp ecx, 2; pushfq; pop rax; mov [0xa000 + rcx*8], rax
 *   cli; dec ecx; jnz 1b
 *   pushfq; pop rbx; hlt
 */
static const uint8_t c_pushf_cli[] = {
	0xfb, 0xb9, 0x03, 0x00, 0x00, 0x00, 0x83, 0xf9, 0x02, 0x9c, 0x58, 0x48, 0x89, 0x04, 0xcd,
	0x00, 0xa0, 0x00, 0x00, 0xfa, 0xff, 0xc9, 0x75, 0xee, 0x9c, 0x5b, 0xf4,
};

/*
 *   mov eax, ss; push rax; push rsp; add qword [rsp], 8; pushfq
 *   mov eax, cs; push rax; push CODE + 0x14; iretq
 *   hlt                               ; CODE + 0x14
 */
static const uint8_t c_iret_to_self[] = {
	0x8c, 0xd0, 0x50, 0x54, 0x48, 0x83, 0x04, 0x24, 0x08, 0x9c, 0x8c,
	0xc8, 0x50, 0x68, 0x14, 0x80, 0x00, 0x00, 0x48, 0xcf, 0xf4,
};

/*
 *   mov ecx, 6; xor ebx, ebx
 * 1: call 0xb000
 *   cmp ecx, 4; jne 2f
 *   mov qword [PTE_OF(0xb000)], 0xc063  ; linear 0xb000 -> physical 0xc000
 *   invlpg [0xb000]; invlpg [0xa000]
 * 2: dec ecx; jnz 1b; hlt
 * Physical 0xc000: mov eax, 0x40; add ebx, eax; ret
 */
static const uint8_t c_call_remap[] = {
	0xb9, 0x06, 0x00, 0x00, 0x00, 0x31, 0xdb, 0xe8, 0xf4, 0x2f, 0x00, 0x00, 0x83, 0xf9, 0x04,
	0x75, 0x1c, 0x48, 0xc7, 0x04, 0x25, 0x58, 0x40, 0x00, 0x00, 0x63, 0xc0, 0x00, 0x00, 0x0f,
	0x01, 0x3c, 0x25, 0x00, 0xb0, 0x00, 0x00, 0x0f, 0x01, 0x3c, 0x25, 0x00, 0xa0, 0x00, 0x00,
	0xff, 0xc9, 0x75, 0xd6, 0xf4,
};
static const uint8_t c_callee_40[] = { 0xb8, 0x40, 0x00, 0x00, 0x00, 0x01, 0xc3, 0xc3 };

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

/* CR4.OSFXSR: SSE instructions execute (else #UD) */
static void enable_sse(struct h *h)
{
	struct kvm_sregs s;

	h_get_sregs(h, &s);
	s.cr4 |= 0x200;
	h_set_sregs(h, &s);
}

static uint32_t rotl32(uint32_t v, unsigned n)
{
	return v << n | v >> (32 - n);
}

START_TEST(sse_quarter_rounds)
{
	static const uint8_t rot16[16] = { 2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13 };
	uint32_t v[4][4], t[4], got[4];
	unsigned i, n, mask = 0;
	struct kvm_regs r;

	OPEN_LONG(h);
	enable_sse(&h);
	put_code(&h, CODE, c_sse_quarter, sizeof(c_sse_quarter));
	for (i = 0; i < 16; i++) {
		v[i / 4][i % 4] = 0x9e3779b9u * (i + 1);
		wr32(&h, 0xa000 + 4 * i, v[i / 4][i % 4]);
	}
	put_code(&h, 0xa040, rot16, sizeof(rot16));
	for (n = 0; n < 100; n++) {
		for (i = 0; i < 4; i++) {
			v[0][i] += v[1][i];
			v[3][i] = rotl32(v[3][i] ^ v[0][i], 16);
			v[2][i] += v[3][i];
			t[i] = rotl32(v[1][i] ^ v[2][i], 12);
		}
		for (i = 0; i < 4; i++)
			v[1][i] = t[(i + 1) % 4]; /* pshufd 0x39 */
	}
	for (i = 0; i < 16; i++)
		mask |= (unsigned)(((v[1][i / 4] >> (8 * (i % 4) + 7)) & 1) << i);
	ck_assert_uint_eq(h_run(&h), KVM_EXIT_HLT);
	h_get_regs(&h, &r);
	for (i = 0; i < 4; i++)
		got[i] = rd32(&h, 0xa080 + 4 * i);
	ck_assert_mem_eq(got, v[0], sizeof(got));
	for (i = 0; i < 4; i++)
		got[i] = rd32(&h, 0xa091 + 4 * i);
	ck_assert_mem_eq(got, v[1], sizeof(got));
	ck_assert_uint_eq(r.rax, v[2][0]); /* movd zero-extends */
	ck_assert_uint_eq(r.rbx, (uint64_t)v[3][1] << 32 | v[3][0]);
	ck_assert_uint_eq(r.rdx, mask);
	/* under the translator the loop ran as host SSE, not one interpreter call per instruction */
	if (!h.kvm && soft_engine_default() == SOFT_ENGINE_BT)
		ck_assert_uint_lt(soft_cpu_get_stats(h.cpu)->bt_fallbacks, 100);
	h_close(&h);
}
END_TEST

/* SDM vol. 2 MOVDQA: #GP(0) if a memory operand is not aligned on a 16-byte boundary. */
START_TEST(sse_misaligned_movdqa_gp)
{
	struct kvm_regs r;

	OPEN_LONG(h);
	enable_sse(&h);
	put_code(&h, CODE, c_sse_misaligned, sizeof(c_sse_misaligned));
	ck_assert_uint_eq(h_run(&h), KVM_EXIT_HLT);
	h_get_regs(&h, &r);
	ck_assert_uint_eq(r.rip, HANDLER + 13 * 16 + 1);
	ck_assert_uint_eq(rd64(&h, r.rsp), 0);		  /* error code */
	ck_assert_uint_eq(rd64(&h, r.rsp + 8), CODE + 0xe); /* the MOVDQA */
	ck_assert_uint_eq(r.rcx, 5);
	h_close(&h);
}
END_TEST

/* SDM vol. 1 13.1 / vol. 3 2.5: an SSE instruction with CR0.TS set raises #NM. */
START_TEST(sse_after_ts_set_nm)
{
	struct kvm_regs r;
	struct kvm_sregs s;

	OPEN_LONG(h);
	enable_sse(&h);
	put_code(&h, CODE, c_sse_paddd, sizeof(c_sse_paddd));
	ck_assert_uint_eq(h_run(&h), KVM_EXIT_HLT);
	h_get_regs(&h, &r);
	ck_assert_uint_eq(r.rip, CODE + sizeof(c_sse_paddd));
	r.rip = CODE;
	h_set_regs(&h, &r);
	h_get_sregs(&h, &s);
	s.cr0 |= 8; /* TS */
	h_set_sregs(&h, &s);
	ck_assert_uint_eq(h_run(&h), KVM_EXIT_HLT);
	h_get_regs(&h, &r);
	ck_assert_uint_eq(r.rip, HANDLER + 7 * 16 + 1);
	ck_assert_uint_eq(rd64(&h, r.rsp), CODE + 5); /* no error code: the PADDD */
	ck_assert_uint_eq(r.rcx, 4);
	h_close(&h);
}
END_TEST

START_TEST(call_mem_leave_and_noncanonical_gp)
{
	struct kvm_regs r;

	OPEN_LONG(h);
	put_code(&h, CODE, c_call_mem, sizeof(c_call_mem));
	put_code(&h, 0xb000, c_frame_fn, sizeof(c_frame_fn));
	h_get_regs(&h, &r);
	r.rbp = 0x1234;
	h_set_regs(&h, &r);
	ck_assert_uint_eq(h_run(&h), KVM_EXIT_HLT);
	h_get_regs(&h, &r);
	ck_assert_uint_eq(r.rip, HANDLER + 13 * 16 + 1);
	ck_assert_uint_eq(rd64(&h, r.rsp), 0);		   /* error code */
	ck_assert_uint_eq(rd64(&h, r.rsp + 8), CODE + 0x31); /* the second CALL */
	ck_assert_uint_eq(rd64(&h, r.rsp + 32), STACK_TOP); /* RSP at the fault: nothing pushed */
	ck_assert_uint_eq(r.rbx, 5 + 4 + 3 + 2 + 1);
	ck_assert_uint_eq(r.rbp, 0x1234); /* LEAVE restored it each time */
	ck_assert_uint_eq(r.rcx, 0);
	h_close(&h);
}
END_TEST

START_TEST(div_mem_and_locked_rmw)
{
	struct kvm_regs r;
	uint64_t sum = 0, c;

	OPEN_LONG(h);
	put_code(&h, CODE, c_div_mem_lock, sizeof(c_div_mem_lock));
	for (c = 10; c; c--)
		sum += c * 1000 / 7;
	ck_assert_uint_eq(h_run(&h), KVM_EXIT_HLT);
	h_get_regs(&h, &r);
	ck_assert_uint_eq(r.rip, HANDLER + 1);		   /* vector 0: #DE */
	ck_assert_uint_eq(rd64(&h, r.rsp), CODE + 0x61); /* the DIV by zero */
	ck_assert_uint_eq(r.rbx, sum);
	ck_assert_uint_eq(rd32(&h, 0xa008), 100); /* ten XADDs made 10; the CMPXCHG stored 100 */
	ck_assert_uint_eq(r.r9, 100);		  /* the failing CMPXCHG loaded the value */
	ck_assert_uint_eq(r.rdx, 0);
	check_translated(&h);
	h_close(&h);
}
END_TEST

START_TEST(call_jmp_reg_and_noncanonical_jmp_gp)
{
	struct kvm_regs r;

	OPEN_LONG(h);
	put_code(&h, CODE, c_call_jmp_reg, sizeof(c_call_jmp_reg));
	put_code(&h, 0xb000, c_frame_fn, sizeof(c_frame_fn));
	ck_assert_uint_eq(h_run(&h), KVM_EXIT_HLT);
	h_get_regs(&h, &r);
	ck_assert_uint_eq(r.rip, HANDLER + 13 * 16 + 1);
	ck_assert_uint_eq(rd64(&h, r.rsp), 0);		   /* error code */
	ck_assert_uint_eq(rd64(&h, r.rsp + 8), CODE + 0x29); /* the JMP RAX */
	ck_assert_uint_eq(rd64(&h, r.rsp + 32), STACK_TOP);
	ck_assert_uint_eq(r.rbx, 4 + 3 + 2 + 1);
	h_close(&h);
}
END_TEST

START_TEST(pushf_and_cli)
{
	struct kvm_regs r;

	OPEN_LONG(h);
	put_code(&h, CODE, c_pushf_cli, sizeof(c_pushf_cli));
	ck_assert_uint_eq(h_run(&h), KVM_EXIT_HLT);
	h_get_regs(&h, &r);
	ck_assert_uint_eq(r.rip, CODE + sizeof(c_pushf_cli));
	/* 3 - 2 = 1: no flag; IF from STI */
	ck_assert_uint_eq(rd64(&h, 0xa018), 0x202);
	/* 2 - 2 = 0: ZF PF; IF cleared by the CLI before */
	ck_assert_uint_eq(rd64(&h, 0xa010), 0x46);
	/* 1 - 2: CF PF AF SF (0xff...ff: borrow out of bit 3, even parity) */
	ck_assert_uint_eq(rd64(&h, 0xa008), 0x97);
	/* dec to 0: ZF PF, CF kept from the CMP */
	ck_assert_uint_eq(r.rbx, 0x47);
	ck_assert_uint_eq(r.rflags & 0x200, 0);
	ck_assert_uint_eq(r.rsp, STACK_TOP);
	h_close(&h);
}
END_TEST

START_TEST(iret_to_self)
{
	struct kvm_regs r;
	struct kvm_sregs sr;

	OPEN_LONG(h);
	put_code(&h, CODE, c_iret_to_self, sizeof(c_iret_to_self));
	ck_assert_uint_eq(h_run(&h), KVM_EXIT_HLT);
	h_get_regs(&h, &r);
	h_get_sregs(&h, &sr);
	ck_assert_uint_eq(r.rip, CODE + sizeof(c_iret_to_self));
	ck_assert_uint_eq(r.rsp, STACK_TOP);
	ck_assert_uint_eq(r.rax, sr.cs.selector); /* MOV r32, Sreg: zero-extended */
	/* the frame IRETQ popped, still in memory */
	ck_assert_uint_eq(rd64(&h, STACK_TOP - 8), sr.ss.selector);
	ck_assert_uint_eq(rd64(&h, STACK_TOP - 16), STACK_TOP); /* PUSH RSP: RSP before it, + 8 */
	ck_assert_uint_eq(rd64(&h, STACK_TOP - 24), r.rflags);
	ck_assert_uint_eq(rd64(&h, STACK_TOP - 32), sr.cs.selector);
	ck_assert_uint_eq(rd64(&h, STACK_TOP - 40), CODE + 0x14);
	h_close(&h);
}
END_TEST

START_TEST(call_after_remap_and_invlpg)
{
	OPEN_LONG(h);
	put_code(&h, CODE, c_call_remap, sizeof(c_call_remap));
	put_code(&h, 0xb000, c_callee, sizeof(c_callee));
	put_code(&h, 0xc000, c_callee_40, sizeof(c_callee_40));
	ck_assert_uint_eq(rd64(&h, PTE_OF(0xb000)) & ~0xfffULL, 0xb000); /* identity before */
	/* three calls reach physical 0xb000, the three after the remap 0xc000 */
	ck_assert_uint_eq(run_rbx(&h), 3 * 2 + 3 * 0x40);
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
	tcase_add_loop_test(tc, call_after_remap_and_invlpg, 0, 2);
	tcase_add_loop_test(tc, stack_gs_div_and_precise_de, 0, 2);
	tcase_add_loop_test(tc, self_loop_over_budget, 0, 2);
	tcase_add_loop_test(tc, loop_nest_in_one_block, 0, 2);
	tcase_add_loop_test(tc, sse_quarter_rounds, 0, 2);
	tcase_add_loop_test(tc, sse_misaligned_movdqa_gp, 0, 2);
	tcase_add_loop_test(tc, sse_after_ts_set_nm, 0, 2);
	tcase_add_loop_test(tc, call_mem_leave_and_noncanonical_gp, 0, 2);
	tcase_add_loop_test(tc, pushf_and_cli, 0, 2);
	tcase_add_loop_test(tc, iret_to_self, 0, 2);
	tcase_add_loop_test(tc, div_mem_and_locked_rmw, 0, 2);
	tcase_add_loop_test(tc, call_jmp_reg_and_noncanonical_jmp_gp, 0, 2);
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
