// SPDX-License-Identifier: MIT
/*
 * The executable side of the native FPU executor: a per-vCPU region of
 * FNAT_CODE_SIZE bytes of code followed by one RW data page.
 *
 * W^X: the code is a memfd mapped twice, read+execute where it runs and
 * read+write elsewhere where stubs are written, so no mapping is ever
 * writable and executable. The data page (context block, operand buffer,
 * FXSAVE image) is anonymous RW memory placed right after the code, so
 * that the trampoline and every stub reach it RIP-relative (the rewritten
 * memory operand is [rip + disp32]). The mapping is made when the vCPU is
 * created: the seccomp sandbox, entered later, forbids PROT_EXEC.
 *
 * The trampoline (assembled below from a template, copied to the start of
 * the code) is entered as a plain C call and keeps the host's ABI intact:
 * callee-saved GPRs pushed and popped, host RSP never replaced (a signal
 * may arrive any time), only the arithmetic flags taken from the guest
 * (DF, AC, TF stay the host's), and after the instruction FNCLEX and EMMS
 * (or nothing, light path) plus the host's MXCSR and FCW, so the x87 stack
 * is empty, nothing is pending, and the control bits are as the compiler
 * left them.
 */
#include <stdlib.h>
#include <string.h>

#include "vcpu/soft/fpu_native.h"
#include "vcpu/soft/wx_map.h"

#define STR_(x) #x
#define STR(x) STR_(x)

/*
 * The template. .Ld is where the data page will be once the template
 * sits at the start of the code, so the assembler resolves every
 * RIP-relative displacement itself and the copy needs no patching.
 *
 * Two entries, each with its own epilogue (a stub jumps back to the one
 * of its entry, fnat_rewrite): the full one swaps the whole x87/SSE state
 * with FXRSTOR64/FXSAVE64 and leaves the x87 empty and clear (FNCLEX,
 * EMMS) under the host's FCW; the light one, for instructions that touch no x87 or MMX
 * state (FNU_SSE, FNU_INT), moves only XMM0-15 and MXCSR (the XMM
 * registers are caller-saved in the SysV ABI, MXCSR's control bits are
 * put back), which costs a fraction of the two FX instructions.
 */
/* clang-format off */
#define FNAT_ASM_GPRS_IN                                                       \
	"pushfq\n andq $~0x8d5, (%rsp)\n"                                      \
	"mov .Ld+" STR(FNAT_D_FLAGS) "(%rip), %rax\n and $0x8d5, %eax\n"       \
	"or %rax, (%rsp)\n popfq\n"                                            \
	"mov .Ld+0(%rip), %rax\n mov .Ld+8(%rip), %rcx\n"                      \
	"mov .Ld+16(%rip), %rdx\n mov .Ld+24(%rip), %rbx\n"                    \
	"mov .Ld+40(%rip), %rbp\n mov .Ld+48(%rip), %rsi\n"                    \
	"mov .Ld+56(%rip), %rdi\n mov .Ld+64(%rip), %r8\n"                     \
	"mov .Ld+72(%rip), %r9\n mov .Ld+80(%rip), %r10\n"                     \
	"mov .Ld+88(%rip), %r11\n mov .Ld+96(%rip), %r12\n"                    \
	"mov .Ld+104(%rip), %r13\n mov .Ld+112(%rip), %r14\n"                  \
	"mov .Ld+120(%rip), %r15\n"                                            \
	"jmp *.Ld+" STR(FNAT_D_SLOT) "(%rip)\n"
#define FNAT_ASM_GPRS_OUT                                                      \
	"mov %rax, .Ld+0(%rip)\n mov %rcx, .Ld+8(%rip)\n"                      \
	"mov %rdx, .Ld+16(%rip)\n mov %rbx, .Ld+24(%rip)\n"                    \
	"mov %rbp, .Ld+40(%rip)\n mov %rsi, .Ld+48(%rip)\n"                    \
	"mov %rdi, .Ld+56(%rip)\n mov %r8, .Ld+64(%rip)\n"                     \
	"mov %r9, .Ld+72(%rip)\n mov %r10, .Ld+80(%rip)\n"                     \
	"mov %r11, .Ld+88(%rip)\n mov %r12, .Ld+96(%rip)\n"                    \
	"mov %r13, .Ld+104(%rip)\n mov %r14, .Ld+112(%rip)\n"                  \
	"mov %r15, .Ld+120(%rip)\n"                                            \
	"pushfq\n popq .Ld+" STR(FNAT_D_FLAGS) "(%rip)\n"
#define FNAT_ASM_PUSH "push %rbx\n push %rbp\n push %r12\n push %r13\n push %r14\n push %r15\n"
#define FNAT_ASM_POP "pop %r15\n pop %r14\n pop %r13\n pop %r12\n pop %rbp\n pop %rbx\n ret\n"
#define FNAT_ASM_XMM(op)                                                       \
	".irp i,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n" op "\n.endr\n"

__asm__(".pushsection .rodata.minivmm_fnat,\"a\"\n"
	".balign 64\n"
	".globl minivmm_fnat_tramp\n .hidden minivmm_fnat_tramp\n"
	".globl minivmm_fnat_epilogue\n .hidden minivmm_fnat_epilogue\n"
	".globl minivmm_fnat_tramp_light\n .hidden minivmm_fnat_tramp_light\n"
	".globl minivmm_fnat_epilogue_light\n .hidden minivmm_fnat_epilogue_light\n"
	".globl minivmm_fnat_end\n .hidden minivmm_fnat_end\n"
	"minivmm_fnat_tramp:\n"
	".Lt:\n"
	".set .Ld, .Lt + " STR(FNAT_CODE_SIZE) "\n"
	FNAT_ASM_PUSH
	"stmxcsr .Ld+" STR(FNAT_D_HMXCSR) "(%rip)\n"
	"fnstcw .Ld+" STR(FNAT_D_HFCW) "(%rip)\n"
	"fxrstor64 .Ld+" STR(FNAT_D_IMG) "(%rip)\n"
	/* RFLAGS = host's with the guest's CF PF AF ZF SF OF */
	FNAT_ASM_GPRS_IN
	"minivmm_fnat_epilogue:\n"
	FNAT_ASM_GPRS_OUT
	"fxsave64 .Ld+" STR(FNAT_D_IMG) "(%rip)\n"
	/*
	 * no-wait: a pending guest exception must not trap here. FNCLEX
	 * clears it (ES, B, the flags), EMMS empties the stack (every tag):
	 * what the ABI asks of the x87 at a return, at less cost than FNINIT.
	 */
	"fnclex\n emms\n"
	"ldmxcsr .Ld+" STR(FNAT_D_HMXCSR) "(%rip)\n"
	"fldcw .Ld+" STR(FNAT_D_HFCW) "(%rip)\n"
	FNAT_ASM_POP
	"minivmm_fnat_tramp_light:\n"
	FNAT_ASM_PUSH
	"stmxcsr .Ld+" STR(FNAT_D_HMXCSR) "(%rip)\n"
	"ldmxcsr .Ld+" STR(FNAT_D_IMG) "+24(%rip)\n"
	FNAT_ASM_XMM("movaps .Ld+" STR(FNAT_D_IMG) "+160+16*\\i(%rip), %xmm\\i")
	FNAT_ASM_GPRS_IN
	"minivmm_fnat_epilogue_light:\n"
	FNAT_ASM_GPRS_OUT
	FNAT_ASM_XMM("movaps %xmm\\i, .Ld+" STR(FNAT_D_IMG) "+160+16*\\i(%rip)")
	"stmxcsr .Ld+" STR(FNAT_D_IMG) "+24(%rip)\n"
	"ldmxcsr .Ld+" STR(FNAT_D_HMXCSR) "(%rip)\n"
	FNAT_ASM_POP
	"minivmm_fnat_end:\n"
	".popsection\n");
/* clang-format on */

extern const uint8_t minivmm_fnat_tramp[], minivmm_fnat_epilogue[], minivmm_fnat_end[];
extern const uint8_t minivmm_fnat_tramp_light[], minivmm_fnat_epilogue_light[];

_Static_assert(FNAT_D_IMG % 64 == 0 && FNAT_D_BUF % 64 == 0, "FXSAVE needs 16-byte alignment");

/* The host's MXCSR_MASK (0 in the image means the default 0xffbf, SDM 11.6.6). */
static uint32_t host_mxcsr_mask(void)
{
	_Alignas(16) uint8_t img[512];
	uint32_t m;

	memset(img, 0, sizeof(img));
	__asm__ volatile("fxsave64 %0" : "=m"(img));
	memcpy(&m, img + 28, 4);
	return m ? m : 0xffbf;
}

struct fpu_native *fpu_native_create(void)
{
	size_t tsize = (size_t)(minivmm_fnat_end - minivmm_fnat_tramp);
	struct fpu_native *fn;

	if (tsize > FNAT_TRAMP_SIZE)
		return NULL;
	fn = calloc(1, sizeof(*fn));
	if (!fn)
		return NULL;
	if (wx_map_create("minivmm-fpu-stubs", FNAT_CODE_SIZE, FNAT_DATA_SIZE, &fn->rx, &fn->rw,
			  &fn->data))
		goto fail;
	memcpy(fn->rw, minivmm_fnat_tramp, tsize);
	fn->host_mxcsr_mask = host_mxcsr_mask();
	fn->light = fnat_light_probe(fn->x87_canon);
	ZydisDecoderInit(&fn->dec16, ZYDIS_MACHINE_MODE_LEGACY_16, ZYDIS_STACK_WIDTH_16);
	ZydisDecoderInit(&fn->dec32, ZYDIS_MACHINE_MODE_LEGACY_32, ZYDIS_STACK_WIDTH_32);
	ZydisDecoderInit(&fn->dec64, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
	return fn;
fail:
	free(fn);
	return NULL;
}

void fpu_native_destroy(struct fpu_native *fn)
{
	if (!fn)
		return;
	wx_map_destroy(fn->rx, fn->rw, FNAT_CODE_SIZE, FNAT_DATA_SIZE);
	free(fn);
}

uint8_t *fnat_slot_rx(struct fpu_native *fn, unsigned slot)
{
	return fn->rx + FNAT_TRAMP_SIZE + (size_t)slot * FNAT_SLOT_SIZE;
}

uint8_t *fnat_epilogue_rx(struct fpu_native *fn, bool light)
{
	return fn->rx +
	       ((light ? minivmm_fnat_epilogue_light : minivmm_fnat_epilogue) - minivmm_fnat_tramp);
}

/* FNV-1a of the bytes and the mode: which slot an instruction lives in. */
static unsigned slot_of(const uint8_t *b, unsigned len, unsigned mode)
{
	uint32_t h = 2166136261u ^ mode;
	unsigned i;

	for (i = 0; i < len; i++)
		h = (h ^ b[i]) * 16777619u;
	return h % FNAT_NSLOTS;
}

const struct fnat_entry *fnat_lookup(struct fpu_native *fn, const uint8_t *bytes, unsigned len,
				     unsigned code_bits, unsigned *slot)
{
	unsigned s = slot_of(bytes, len, code_bits);
	struct fnat_entry *e = &fn->slot[s];

	*slot = s;
	if (e->mode == code_bits && e->len == len && !memcmp(e->bytes, bytes, len))
		return e;
	/* a miss: the slot is rebuilt (direct-mapped, so the cache stays bounded) */
	e->mode = 0;
	if (!fnat_rewrite(fn, bytes, len, code_bits, s, &e->info))
		return NULL;
	memcpy(e->bytes, bytes, len);
	e->len = (uint8_t)len;
	e->mode = (uint8_t)code_bits;
	return e;
}

void fnat_run(struct fpu_native *fn, unsigned slot, bool light)
{
	uint64_t target = (uint64_t)(uintptr_t)fnat_slot_rx(fn, slot);
	size_t at = light ? (size_t)(minivmm_fnat_tramp_light - minivmm_fnat_tramp) : 0;
	void (*enter)(void) = (void (*)(void))(uintptr_t)(fn->rx + at);

	memcpy(fn->data + FNAT_D_SLOT, &target, 8);
	enter();
}
