/* SPDX-License-Identifier: MIT */
/*
 * The x87 and SSE values gdbregs puts in the registers for gdb to read,
 * and the routines that read back what gdb wrote. Assembly, so the C
 * code (built -mgeneral-regs-only) never touches these registers.
 */
	.section .rodata
	.balign 16
	.globl xmm0_value
xmm0_value:	/* xmm0 = 0x0123456789abcdeffedcba9876543210 */
	.quad 0xfedcba9876543210, 0x0123456789abcdef
mxcsr_value:	/* round toward -inf (RC = 01), all exceptions masked */
	.long 0x3f80

	.text
/* void fp_load(void): FNINIT; ST0 = pi; xmm0 = xmm0_value; xmm1 = 0; MXCSR = 0x3f80 */
	.globl fp_load
fp_load:
	fninit
	fldpi
	movdqa xmm0_value(%rip), %xmm0
	pxor %xmm1, %xmm1
	ldmxcsr mxcsr_value(%rip)
	ret

/* void fp_loaded(void): gdb's breakpoint, with the values above in place. */
	.globl fp_loaded
fp_loaded:
	ret

/* void fp_store(uint8_t xmm1[16], uint32_t *mxcsr, double *st0): what is there now. */
	.globl fp_store
fp_store:
	movdqu %xmm1, (%rdi)
	stmxcsr (%rsi)
	fstpl (%rdx)
	ret
	.section .note.GNU-stack,"",@progbits
