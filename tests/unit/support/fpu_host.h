/* SPDX-License-Identifier: MIT */
/*
 * The host CPU as an oracle for one user-level x87/MMX/SSE instruction:
 * load general registers, RFLAGS and an FXSAVE64 image, run the
 * instruction's bytes from a code buffer of our own, save everything
 * again with FXSAVE64. A fault the instruction raises (SIGFPE for #MF and
 * #XM, SIGSEGV for #GP/#PF, SIGILL for #UD) is caught and reported as its
 * vector, with the FXSAVE image the kernel hands the signal handler (the
 * state at the fault). Independent of the code under test.
 */
#ifndef TEST_SUPPORT_FPU_HOST_H
#define TEST_SUPPORT_FPU_HOST_H

#include <stdint.h>

struct fpu_host;

struct fpu_host_state {
	uint64_t gpr[16]; /* kvm_regs order; rsp is ignored (the runner's own) */
	uint64_t rflags;
	_Alignas(16) uint8_t fx[512];
};

struct fpu_host *fpu_host_open(void);
void fpu_host_close(struct fpu_host *h);

/*
 * Run insn (len bytes) from *st; on return *st holds the state after it.
 * Returns -1, or the vector of the exception the instruction raised (then
 * st->fx is the state at the fault and the GPRs are unchanged).
 */
int fpu_host_run(struct fpu_host *h, const uint8_t *insn, unsigned len, struct fpu_host_state *st);

#endif
