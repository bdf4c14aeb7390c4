// SPDX-License-Identifier: MIT
/* The host-CPU runner of fpu_host.h. */
#include "support/fpu_host.h"

#include <setjmp.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>

/* What the trampoline below reads and writes (offsets fixed in the assembly). */
struct fpu_host_ctx {
	uint64_t gpr[16]; /* 0 */
	uint64_t rflags;  /* 128 */
	uint64_t pad[15];
	_Alignas(16) uint8_t fx_in[512];   /* 256 */
	_Alignas(16) uint8_t fx_out[512];  /* 768 */
	_Alignas(16) uint8_t fx_host[512]; /* 1280: the test process's own state */
};

_Static_assert(offsetof(struct fpu_host_ctx, rflags) == 128, "trampoline offsets");
_Static_assert(offsetof(struct fpu_host_ctx, fx_in) == 256, "trampoline offsets");
_Static_assert(offsetof(struct fpu_host_ctx, fx_out) == 768, "trampoline offsets");
_Static_assert(offsetof(struct fpu_host_ctx, fx_host) == 1280, "trampoline offsets");

void fpu_host_enter(struct fpu_host_ctx *ctx, void *code);
void fpu_host_return(void);

/*
 * fpu_host_enter(ctx, code): save the caller's registers and FPU state,
 * load ctx (every GPR but rsp), jump to code, which ends with a jump to
 * fpu_host_return; that stores the GPRs, RFLAGS and FXSAVE64 image back
 * and restores the caller. The instruction never touches rsp (fpu_gen.h),
 * so the stack holds ctx and the code address meanwhile.
 */
__asm__(".text\n"
	".globl fpu_host_enter\n"
	".type fpu_host_enter, @function\n"
	"fpu_host_enter:\n"
	"	push %rbp\n push %rbx\n push %r12\n push %r13\n push %r14\n push %r15\n"
	"	fxsave64 1280(%rdi)\n"
	"	push %rdi\n"
	"	push %rsi\n"
	"	fxrstor64 256(%rdi)\n"
	"	pushq 128(%rdi)\n"
	"	popfq\n"
	"	mov 0(%rdi), %rax\n mov 8(%rdi), %rcx\n mov 16(%rdi), %rdx\n mov 24(%rdi), %rbx\n"
	"	mov 40(%rdi), %rbp\n mov 48(%rdi), %rsi\n mov 64(%rdi), %r8\n mov 72(%rdi), %r9\n"
	"	mov 80(%rdi), %r10\n mov 88(%rdi), %r11\n mov 96(%rdi), %r12\n"
	"	mov 104(%rdi), %r13\n mov 112(%rdi), %r14\n mov 120(%rdi), %r15\n"
	"	mov 56(%rdi), %rdi\n"
	"	jmp *(%rsp)\n"
	".globl fpu_host_return\n"
	"fpu_host_return:\n"
	"	pushfq\n"
	"	push %rax\n"
	"	mov 24(%rsp), %rax\n"
	"	mov %rcx, 8(%rax)\n mov %rdx, 16(%rax)\n mov %rbx, 24(%rax)\n mov %rbp, 40(%rax)\n"
	"	mov %rsi, 48(%rax)\n mov %rdi, 56(%rax)\n mov %r8, 64(%rax)\n mov %r9, 72(%rax)\n"
	"	mov %r10, 80(%rax)\n mov %r11, 88(%rax)\n mov %r12, 96(%rax)\n"
	"	mov %r13, 104(%rax)\n mov %r14, 112(%rax)\n mov %r15, 120(%rax)\n"
	"	popq 0(%rax)\n"
	"	popq 128(%rax)\n"
	"	fxsave64 768(%rax)\n"
	"	fxrstor64 1280(%rax)\n"
	"	add $16, %rsp\n"
	"	pop %r15\n pop %r14\n pop %r13\n pop %r12\n pop %rbx\n pop %rbp\n"
	"	ret\n"
	".size fpu_host_enter, . - fpu_host_enter\n");

#define CODE_SIZE 4096

struct fpu_host {
	uint8_t *code;
	struct fpu_host_ctx *ctx;
};

/* Signal plumbing (process-wide by nature): where a faulting run jumps back to. */
static sigjmp_buf fault_jmp;
static volatile sig_atomic_t fault_armed;
static volatile int fault_vector;
static _Alignas(16) uint8_t fault_fx[512];

static void on_fault(int sig, siginfo_t *si, void *uc_)
{
	ucontext_t *uc = uc_;

	(void)si;
	if (!fault_armed) { /* not ours: the default action */
		signal(sig, SIG_DFL);
		return;
	}
	fault_armed = 0;
	fault_vector = (int)uc->uc_mcontext.gregs[REG_TRAPNO];
	if (uc->uc_mcontext.fpregs)
		memcpy(fault_fx, uc->uc_mcontext.fpregs, sizeof(fault_fx));
	siglongjmp(fault_jmp, 1);
}

struct fpu_host *fpu_host_open(void)
{
	static const int sigs[] = {SIGFPE, SIGSEGV, SIGILL, SIGBUS};
	struct sigaction sa;
	struct fpu_host *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	h->ctx = aligned_alloc(64, sizeof(*h->ctx));
	h->code = mmap(NULL, CODE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!h->ctx || h->code == MAP_FAILED) {
		if (h->code != MAP_FAILED)
			munmap(h->code, CODE_SIZE);
		free(h->ctx);
		free(h);
		return NULL;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_fault;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	for (unsigned i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
	return h;
}

void fpu_host_close(struct fpu_host *h)
{
	if (!h)
		return;
	munmap(h->code, CODE_SIZE);
	free(h->ctx);
	free(h);
}

int fpu_host_run(struct fpu_host *h, const uint8_t *insn, unsigned len, struct fpu_host_state *st)
{
	struct fpu_host_ctx *c = h->ctx;
	uint64_t back = (uint64_t)(uintptr_t)fpu_host_return;
	/* jmp *0(%rip) with the absolute address after it */
	static const uint8_t jmp_back[6] = {0xff, 0x25, 0, 0, 0, 0};

	if (len > 64)
		return -2;
	mprotect(h->code, CODE_SIZE, PROT_READ | PROT_WRITE);
	memcpy(h->code, insn, len);
	memcpy(h->code + len, jmp_back, sizeof(jmp_back));
	memcpy(h->code + len + sizeof(jmp_back), &back, 8);
	mprotect(h->code, CODE_SIZE, PROT_READ | PROT_EXEC);
	memcpy(c->gpr, st->gpr, sizeof(c->gpr));
	c->rflags = st->rflags;
	memcpy(c->fx_in, st->fx, sizeof(c->fx_in));
	if (sigsetjmp(fault_jmp, 1)) {
		/* the fault left the instruction's FPU state loaded: take ours back */
		__asm__ volatile("fxrstor64 %0" : : "m"(*(uint8_t(*)[512])c->fx_host));
		memcpy(st->fx, fault_fx, sizeof(st->fx));
		return fault_vector;
	}
	fault_armed = 1;
	fpu_host_enter(c, h->code);
	fault_armed = 0;
	memcpy(st->gpr, c->gpr, sizeof(st->gpr));
	st->rflags = c->rflags;
	memcpy(st->fx, c->fx_out, sizeof(st->fx));
	return -1;
}
