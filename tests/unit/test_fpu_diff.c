// SPDX-License-Identifier: MIT
/*
 * Differential test of the x87, MMX, SSE..SSE4.2, POPCNT, LZCNT, TZCNT and
 * MOVBE instructions (issue 10). Every form of support/fpu_forms.c runs
 * FPU_DIFF_DRAWS seeded random draws (support/fpu_gen.c: NaNs quiet and
 * signalling, denormals, infinities, signed zeros, x87 unsupported
 * encodings, MXCSR.RC/FTZ/DAZ, FCW.RC/PC and unmasked exceptions,
 * aligned, misaligned and page-crossing memory operands; for the forms
 * that can overflow or underflow, every other draw has operands at the
 * ends of the exponent range and OM or UM clear, and the test counts the
 * draws that raised #XM with OE or UE unmasked) on three CPUs:
 *
 *   host     the test process's own CPU (support/fpu_host.c): the primary
 *            oracle for results, flags and the exception raised;
 *   Unicorn  QEMU's TCG, a second oracle with its known gaps named below;
 *   soft     the soft provider through the KVM API (KVM_SET_REGS/
 *            KVM_SET_FPU or a guest FXRSTOR64, KVM_RUN, KVM_GET_REGS/
 *            KVM_GET_FPU or a guest FXSAVE64), and the kernel's KVM too
 *            when /dev/kvm opens.
 *
 * Compared: the 16 GPRs (not rsp/rsi/rdi, which hold each runner's own
 * pointers), the arithmetic flags the SDM defines, FCW, FSW, the abridged
 * tag word, ST0-7, XMM0-15, MXCSR, both data pages, and the exception
 * vector (with the state at the fault). A class the soft CPU's CPUID does
 * not advertise is not run on it (printed), so the test follows what the
 * implementation claims (FPU_DIFF_SOFT_ALL=1 runs every class there anyway).
 * FPU_DIFF_DRAWS and FPU_DIFF_FORM (a name) narrow it.
 */
#include <check.h>
#include <cpuid.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unicorn/unicorn.h>

#include "support/fpu_gen.h"
#include "support/fpu_host.h"
#include "support/run_suite.h"
#include "support/x86_tables.h"
#include "test_kvm_abi_util.h"

/* Guest layout (soft/kvm and Unicorn alike). */
#define RAM_SIZE (4u << 20)
#define PML4 0x1000
#define PDPT 0x2000
#define PD 0x3000
#define PT 0x4000 /* 4 KiB pages for 2..4 MiB */
#define GDT 0x5000
#define IDT 0x6000
#define STUBS 0x7000 /* vector v: hlt at STUBS + 16 v */
#define FX_IN 0xf0000
#define FX_OUT 0xf0200
#define CODE 0x100000 /* one page per draw, CODE_PAGES of them per VM */
#define CODE_PAGES 256
#define DATA 0x200000 /* virtual; the second page lives at DATA_PA1 */
#define DATA_PA1 0x280000
#define NVEC 32

#define ARITH 0x8d5u /* CF PF AF ZF SF OF */

/* ---- the three runners' common result ---- */
struct result {
	int vector; /* -1: none */
	uint64_t gpr[16];
	uint64_t rflags;
	uint8_t fx[512];
	uint8_t data[FPU_DATA_SIZE];
};

/* ---- soft (and kvm) through the KVM API ---- */
struct kguest {
	struct kt_vm v;
	unsigned next_page;
	uint64_t insn_va; /* where the last draw's instruction was */
};

static void kguest_open(struct kguest *g, const struct kvm_provider *p)
{
	struct kvm_cpuid2 *cpuid = calloc(1, sizeof(*cpuid) + 256 * sizeof(cpuid->entries[0]));
	struct kvm_sregs sr;
	uint8_t *m;
	unsigned v;

	kt_vm_create(&g->v, p, RAM_SIZE);
	g->next_page = 0;
	m = g->v.mem;
	ck_assert_ptr_nonnull(cpuid);
	cpuid->nent = 256;
	ck_assert_int_eq(p->ioctl(g->v.sys, KVM_GET_SUPPORTED_CPUID, cpuid), 0);
	ck_assert_int_eq(p->ioctl(g->v.cpu, KVM_SET_CPUID2, cpuid), 0);
	free(cpuid);
	x86_put64(m, GDT + 8, x86_seg_desc(0, 0xfffff, 0xb, 1, 0, 1, 0, 1));
	x86_put64(m, GDT + 16, x86_seg_desc(0, 0xfffff, 0x3, 1, 0, 0, 1, 1));
	x86_identity_map_2m(m, PML4, PDPT, PD, 2, X86_PTE_P | X86_PTE_W);
	/* 2..4 MiB in 4 KiB pages, the data's second page on a distant frame */
	x86_put64(m, PD + 8, PT | X86_PTE_P | X86_PTE_W);
	x86_identity_map_4k(m, PT, 0x200000, 512, X86_PTE_P | X86_PTE_W);
	x86_put64(m, PT + 8, DATA_PA1 | X86_PTE_P | X86_PTE_W);
	for (v = 0; v < NVEC; v++) {
		x86_idt64_gate(m, IDT, v, 8, STUBS + 16 * v, 0xe, 0, 0);
		m[STUBS + 16 * v] = 0xf4;
	}
	ck_assert_int_eq(p->ioctl(g->v.cpu, KVM_GET_SREGS, &sr), 0);
	x86_flat_seg(&sr.cs, 8, 11, 0, 1, 0);
	x86_flat_seg(&sr.ds, 16, 3, 0, 0, 1);
	sr.es = sr.fs = sr.gs = sr.ss = sr.ds;
	sr.gdt.base = GDT;
	sr.gdt.limit = 23;
	sr.idt.base = IDT;
	sr.idt.limit = NVEC * 16 - 1;
	sr.cr0 = 0x80000033; /* PG NE ET MP PE */
	sr.cr3 = PML4;
	sr.cr4 = 0x620; /* OSXMMEXCPT OSFXSR PAE */
	sr.efer = 0x500;
	ck_assert_msg(p->ioctl(g->v.cpu, KVM_SET_SREGS, &sr) == 0,
		      "%s: KVM_SET_SREGS with CR4.OSFXSR|OSXMMEXCPT: %s", p->name, strerror(errno));
}

/* kvm_fpu <-> FXSAVE64 image (SDM vol. 1 table 10-2; <asm/kvm.h> struct kvm_fpu). */
static void fx_to_kvm(const uint8_t *fx, struct kvm_fpu *k)
{
	memset(k, 0, sizeof(*k));
	for (int i = 0; i < 8; i++)
		memcpy(k->fpr[i], fx + 32 + 16 * i, 16);
	memcpy(&k->fcw, fx, 2);
	memcpy(&k->fsw, fx + 2, 2);
	k->ftwx = fx[4];
	memcpy(&k->last_opcode, fx + 6, 2);
	memcpy(&k->last_ip, fx + 8, 8);
	memcpy(&k->last_dp, fx + 16, 8);
	memcpy(k->xmm, fx + 160, 256);
	memcpy(&k->mxcsr, fx + 24, 4);
}

static void kvm_to_fx(const struct kvm_fpu *k, uint8_t *fx)
{
	memset(fx, 0, 512);
	for (int i = 0; i < 8; i++)
		memcpy(fx + 32 + 16 * i, k->fpr[i], 16);
	memcpy(fx, &k->fcw, 2);
	memcpy(fx + 2, &k->fsw, 2);
	fx[4] = k->ftwx;
	memcpy(fx + 6, &k->last_opcode, 2);
	memcpy(fx + 8, &k->last_ip, 8);
	memcpy(fx + 16, &k->last_dp, 8);
	memcpy(fx + 160, k->xmm, 256);
	memcpy(fx + 24, &k->mxcsr, 4);
}

static void put_regs(uint64_t *dst_gpr, struct kvm_regs *r, bool to_kvm)
{
	__u64 *k[16] = {&r->rax, &r->rcx, &r->rdx, &r->rbx, &r->rsp, &r->rbp, &r->rsi, &r->rdi,
			&r->r8,	 &r->r9,  &r->r10, &r->r11, &r->r12, &r->r13, &r->r14, &r->r15};

	for (int i = 0; i < 16; i++) {
		if (to_kvm)
			*k[i] = dst_gpr[i];
		else
			dst_gpr[i] = *k[i];
	}
}

/* rip-relative FXRSTOR64/FXSAVE64 of the image at target, placed at code+at. */
static unsigned emit_fx(uint8_t *code, unsigned at, uint64_t code_va, uint8_t modrm,
			uint64_t target)
{
	int32_t disp = (int32_t)(target - (code_va + at + 8));

	code[at] = 0x48;
	code[at + 1] = 0x0f;
	code[at + 2] = 0xae;
	code[at + 3] = modrm;
	memcpy(code + at + 4, &disp, 4);
	return at + 8;
}

/* The snippet: [fxrstor64] insn [fxsave64] hlt; returns its length. */
static unsigned snippet(const struct fpu_draw *d, uint64_t va, bool fx, uint8_t *code)
{
	unsigned n = 0;

	if (fx)
		n = emit_fx(code, n, va, 0x0d, FX_IN);
	memcpy(code + n, d->insn, d->len);
	n += d->len;
	if (fx)
		n = emit_fx(code, n, va, 0x05, FX_OUT);
	code[n++] = 0xf4;
	return n;
}

static uint8_t *guest_data(struct kguest *g, unsigned off)
{
	return g->v.mem + (off < 0x1000 ? DATA + off : DATA_PA1 + off - 0x1000);
}

/*
 * One draw on the soft provider (or kvm). fx_mode: state in and out by
 * the guest's own FXRSTOR64/FXSAVE64 instead of KVM_SET/GET_FPU.
 */
static void kguest_run(struct kguest *g, const struct fpu_draw *d, bool fx_mode, struct result *out)
{
	const struct kvm_provider *p = g->v.p;
	uint64_t va = CODE + 0x1000 * g->next_page++;
	uint8_t code[64];
	unsigned n = snippet(d, va, fx_mode, code), i;
	struct kvm_regs r;
	struct kvm_fpu f;
	int exit = -1;

	g->insn_va = va + (fx_mode ? 8 : 0);
	memcpy(g->v.mem + va, code, n);
	memcpy(guest_data(g, 0), d->data, 0x1000);
	memcpy(guest_data(g, 0x1000), d->data + 0x1000, 0x1000);
	memset(&r, 0, sizeof(r));
	put_regs((uint64_t *)d->gpr, &r, true);
	r.rsi = DATA + d->gpr[FPU_RSI];
	r.rdi = DATA + d->gpr[FPU_RDI];
	r.rsp = 0x80000;
	r.rip = va;
	r.rflags = d->rflags;
	ck_assert_int_eq(p->ioctl(g->v.cpu, KVM_SET_REGS, &r), 0);
	if (fx_mode) {
		memcpy(g->v.mem + FX_IN, d->fx, 512);
	} else {
		fx_to_kvm(d->fx, &f);
		ck_assert_int_eq(p->ioctl(g->v.cpu, KVM_SET_FPU, &f), 0);
	}
	for (i = 0; i < 8; i++) {
		if (p->ioctl(g->v.cpu, KVM_RUN, NULL) < 0 && errno != EINTR)
			break;
		exit = (int)g->v.run->exit_reason;
		if (exit != KVM_EXIT_IO && exit != KVM_EXIT_MMIO)
			break;
	}
	ck_assert_int_eq(p->ioctl(g->v.cpu, KVM_GET_REGS, &r), 0);
	out->vector = -2; /* did not reach the hlt */
	if (exit == KVM_EXIT_HLT && r.rip == va + n)
		out->vector = -1;
	else if (exit == KVM_EXIT_HLT && r.rip > STUBS && r.rip <= STUBS + 16 * NVEC &&
		 (r.rip - STUBS) % 16 == 1)
		out->vector = (int)((r.rip - STUBS) / 16);
	put_regs(out->gpr, &r, false);
	out->rflags = r.rflags;
	if (fx_mode && out->vector == -1) {
		memcpy(out->fx, g->v.mem + FX_OUT, 512);
	} else {
		ck_assert_int_eq(p->ioctl(g->v.cpu, KVM_GET_FPU, &f), 0);
		kvm_to_fx(&f, out->fx);
	}
	memcpy(out->data, guest_data(g, 0), 0x1000);
	memcpy(out->data + 0x1000, guest_data(g, 0x1000), 0x1000);
}

/* ---- Unicorn ---- */
static int uc_vec;

static void uc_on_intr(uc_engine *uc, uint32_t intno, void *user)
{
	(void)user;
	uc_vec = (int)intno;
	uc_emu_stop(uc);
}

static uc_engine *uc_open64(void)
{
	uc_engine *uc;
	uc_hook h;
	uint64_t cr4;

	ck_assert_int_eq(uc_open(UC_ARCH_X86, UC_MODE_64, &uc), UC_ERR_OK);
	ck_assert_int_eq(uc_ctl_set_cpu_model(uc, UC_CPU_X86_HASWELL), UC_ERR_OK);
	ck_assert_int_eq(uc_mem_map(uc, 0, RAM_SIZE, UC_PROT_ALL), UC_ERR_OK);
	ck_assert_int_eq(uc_hook_add(uc, &h, UC_HOOK_INTR, (void *)uc_on_intr, NULL, 1, 0),
			 UC_ERR_OK);
	/* FXSAVE/FXRSTOR move XMM and MXCSR only with CR4.OSFXSR (SDM vol. 2 FXSAVE) */
	ck_assert_int_eq(uc_reg_read(uc, UC_X86_REG_CR4, &cr4), UC_ERR_OK);
	cr4 |= 0x600;
	ck_assert_int_eq(uc_reg_write(uc, UC_X86_REG_CR4, &cr4), UC_ERR_OK);
	return uc;
}

static const int uc_gpr[16] = {
    UC_X86_REG_RAX, UC_X86_REG_RCX, UC_X86_REG_RDX, UC_X86_REG_RBX, UC_X86_REG_RSP, UC_X86_REG_RBP,
    UC_X86_REG_RSI, UC_X86_REG_RDI, UC_X86_REG_R8,  UC_X86_REG_R9,  UC_X86_REG_R10, UC_X86_REG_R11,
    UC_X86_REG_R12, UC_X86_REG_R13, UC_X86_REG_R14, UC_X86_REG_R15,
};

static void uc_run(uc_engine *uc, const struct fpu_draw *d, struct result *out)
{
	uint8_t code[64];
	unsigned n = snippet(d, CODE, true, code), i;
	uint64_t v;

	uc_mem_write(uc, CODE, code, n);
	uc_ctl_remove_cache(uc, CODE, CODE + 0x1000);
	uc_mem_write(uc, DATA, d->data, FPU_DATA_SIZE);
	uc_mem_write(uc, FX_IN, d->fx, 512);
	for (i = 0; i < 16; i++) {
		v = i == FPU_RSI   ? DATA + d->gpr[i]
		    : i == FPU_RDI ? DATA + d->gpr[i]
		    : i == FPU_RSP ? 0x80000
				   : d->gpr[i];
		uc_reg_write(uc, uc_gpr[i], &v);
	}
	v = d->rflags;
	uc_reg_write(uc, UC_X86_REG_RFLAGS, &v);
	uc_vec = -1;
	if (uc_emu_start(uc, CODE, CODE + n - 1, 0, 100) != UC_ERR_OK && uc_vec < 0)
		uc_vec = 6; /* an instruction Unicorn could not run */
	out->vector = uc_vec;
	for (i = 0; i < 16; i++)
		uc_reg_read(uc, uc_gpr[i], &out->gpr[i]);
	uc_reg_read(uc, UC_X86_REG_RFLAGS, &out->rflags);
	uc_mem_read(uc, FX_OUT, out->fx, 512);
	uc_mem_read(uc, DATA, out->data, FPU_DATA_SIZE);
}

/* ---- host ---- */
static void host_run(struct fpu_host *h, const struct fpu_draw *d, struct result *out)
{
	static struct fpu_host_state st;

	memcpy(out->data, d->data, FPU_DATA_SIZE);
	memcpy(st.gpr, d->gpr, sizeof(st.gpr));
	st.gpr[FPU_RSI] = (uint64_t)(uintptr_t)out->data + d->gpr[FPU_RSI];
	st.gpr[FPU_RDI] = (uint64_t)(uintptr_t)out->data + d->gpr[FPU_RDI];
	st.rflags = d->rflags;
	memcpy(st.fx, d->fx, 512);
	out->vector = fpu_host_run(h, d->insn, d->len, &st);
	memcpy(out->gpr, st.gpr, sizeof(out->gpr));
	out->rflags = st.rflags;
	memcpy(out->fx, st.fx, 512);
}

/* ---- which CPU has which class (CPUID leaf 1, 7, 0x80000001; SDM vol. 2 CPUID) ---- */
static const char *const class_name[FC_COUNT] = {
    "x87",    "MMX",	"SSE",	  "SSE2",  "SSE3",	   "SSSE3",
    "SSE4.1", "SSE4.2", "POPCNT", "LZCNT", "BMI1 (TZCNT)", "MOVBE",
};

static unsigned classes_of(uint32_t d1, uint32_t c1, uint32_t b7, uint32_t c81)
{
	const struct {
		uint32_t reg;
		unsigned bit;
	} need[FC_COUNT] = {
	    [FC_X87] = {d1, 0},	   [FC_MMX] = {d1, 23},	  [FC_SSE] = {d1, 25},
	    [FC_SSE2] = {d1, 26},  [FC_SSE3] = {c1, 0},	  [FC_SSSE3] = {c1, 9},
	    [FC_SSE41] = {c1, 19}, [FC_SSE42] = {c1, 20}, [FC_POPCNT] = {c1, 23},
	    [FC_LZCNT] = {c81, 5}, [FC_BMI1] = {b7, 3},	  [FC_MOVBE] = {c1, 22},
	};
	unsigned m = 0;

	for (unsigned i = 0; i < FC_COUNT; i++)
		if (need[i].reg >> need[i].bit & 1)
			m |= 1u << i;
	/* every one of these needs FXSR for its state (FXSAVE/FXRSTOR here) */
	return d1 >> 24 & 1 ? m : m & (1u << FC_X87);
}

static unsigned host_classes(void)
{
	unsigned a, b, c = 0, d = 0, c1 = 0, d1 = 0, b7 = 0, c81 = 0;

	__get_cpuid(1, &a, &b, &c1, &d1);
	if (__get_cpuid_count(7, 0, &a, &b7, &c, &d) == 0)
		b7 = 0;
	__get_cpuid(0x80000001, &a, &b, &c81, &d);
	return classes_of(d1, c1, b7, c81);
}

static unsigned provider_classes(const struct kvm_provider *p)
{
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + 256 * sizeof(c->entries[0]));
	uint32_t d1 = 0, c1 = 0, b7 = 0, c81 = 0;
	struct kt_vm v;

	ck_assert_ptr_nonnull(c);
	kt_vm_create(&v, p, 0);
	c->nent = 256;
	ck_assert_int_eq(p->ioctl(v.sys, KVM_GET_SUPPORTED_CPUID, c), 0);
	for (unsigned i = 0; i < c->nent; i++) {
		const struct kvm_cpuid_entry2 *e = &c->entries[i];

		if (e->function == 1)
			d1 = e->edx, c1 = e->ecx;
		if (e->function == 7 && e->index == 0)
			b7 = e->ebx;
		if (e->function == 0x80000001)
			c81 = e->ecx;
	}
	kt_vm_destroy(&v);
	free(c);
	return classes_of(d1, c1, b7, c81);
}

/* ---- comparison ---- */
#define MSG 2048

/* What one oracle may not be compared on (its documented gaps). */
struct skip {
	bool all;	   /* nothing */
	bool results;	   /* ST/XMM/GPR/memory values (FF_APPROX; Unicorn's transcendentals) */
	uint16_t fsw;	   /* FSW bits not compared */
	uint32_t mxcsr;	   /* MXCSR bits not compared */
	uint16_t rflags;   /* arithmetic flags not compared */
	bool ftw;	   /* the tag word not compared */
	unsigned nan_lane; /* 4 or 8: any NaN equals any NaN in XMM lanes this wide */
	bool mm_low;	   /* ST/MM registers: the low 64 bits only */
};

static bool is_nan_lane(const uint8_t *p, unsigned w)
{
	uint64_t v = 0;

	memcpy(&v, p, w);
	if (w == 4)
		return (v & 0x7f800000) == 0x7f800000 && (v & 0x7fffff);
	return (v & 0x7ff0000000000000ULL) == 0x7ff0000000000000ULL && (v & 0xfffffffffffffULL);
}

/* XMM register b equals a, lane by lane, NaNs of either kind being equal if nan_lane. */
static bool xmm_equal(const uint8_t *a, const uint8_t *b, unsigned nan_lane)
{
	if (!nan_lane)
		return !memcmp(a, b, 16);
	for (unsigned i = 0; i < 16; i += nan_lane)
		if (memcmp(a + i, b + i, nan_lane) &&
		    !(is_nan_lane(a + i, nan_lane) && is_nan_lane(b + i, nan_lane)))
			return false;
	return true;
}

static size_t field(char *m, size_t o, const char *name, const uint8_t *a, const uint8_t *b,
		    unsigned n)
{
	if (o >= MSG || !memcmp(a, b, n))
		return o;
	o += (size_t)snprintf(m + o, MSG - o, " %s host=", name);
	for (unsigned i = n; i-- > 0 && o < MSG;)
		o += (size_t)snprintf(m + o, MSG - o, "%02x", a[i]);
	if (o < MSG)
		o += (size_t)snprintf(m + o, MSG - o, " other=");
	for (unsigned i = n; i-- > 0 && o < MSG;)
		o += (size_t)snprintf(m + o, MSG - o, "%02x", b[i]);
	return o;
}

/* Appends every difference of b from the host's a to m; returns the new length. */
static size_t differences(const struct fpu_form *f, const struct fpu_draw *d,
			  const struct result *a, const struct result *b, const struct skip *sk,
			  char *m, size_t o)
{
	uint16_t fa, fb;
	uint32_t ma, mb;
	uint64_t flags = ARITH & ~(uint64_t)f->undef & ~(uint64_t)sk->rflags;
	char nm[16];
	unsigned i;

	if (a->vector != b->vector) {
		o += (size_t)snprintf(m + o, MSG - o, " exception host=%d other=%d", a->vector,
				      b->vector);
		return o;
	}
	memcpy(&fa, a->fx + 2, 2), memcpy(&fb, b->fx + 2, 2);
	fa &= (uint16_t)~sk->fsw, fb &= (uint16_t)~sk->fsw;
	memcpy(&ma, a->fx + 24, 4), memcpy(&mb, b->fx + 24, 4);
	ma &= ~sk->mxcsr, mb &= ~sk->mxcsr;
	o = field(m, o, "FCW", a->fx, b->fx, 2);
	o = field(m, o, "FSW", (uint8_t *)&fa, (uint8_t *)&fb, 2);
	if (!sk->ftw)
		o = field(m, o, "FTW", a->fx + 4, b->fx + 4, 1);
	o = field(m, o, "MXCSR", (uint8_t *)&ma, (uint8_t *)&mb, 4);
	if (a->vector < 0 && (a->rflags & flags) != (b->rflags & flags))
		o += (size_t)snprintf(m + o, MSG - o, " RFLAGS host=%#llx other=%#llx",
				      (unsigned long long)(a->rflags & flags),
				      (unsigned long long)(b->rflags & flags));
	if (sk->results)
		return o;
	for (i = 0; i < 8; i++) {
		snprintf(nm, sizeof(nm), "ST%u", i);
		o = field(m, o, nm, a->fx + 32 + 16 * i, b->fx + 32 + 16 * i, sk->mm_low ? 8 : 10);
	}
	for (i = 0; i < 16; i++) {
		snprintf(nm, sizeof(nm), "XMM%u", i);
		if (!xmm_equal(a->fx + 160 + 16 * i, b->fx + 160 + 16 * i, sk->nan_lane))
			o = field(m, o, nm, a->fx + 160 + 16 * i, b->fx + 160 + 16 * i, 16);
	}
	for (i = 0; i < 16; i++) {
		if (i == FPU_RSP || i == FPU_RSI || i == FPU_RDI)
			continue;
		snprintf(nm, sizeof(nm), "GPR%u", i);
		o = field(m, o, nm, (const uint8_t *)&a->gpr[i], (const uint8_t *)&b->gpr[i], 8);
	}
	for (i = 0; i < FPU_DATA_SIZE; i++) {
		if ((f->flags & FF_ENVMASK) && i >= d->mem_off + 12 && i < d->mem_off + 28)
			continue; /* FIP, FOP, FDP: where each CPU's code and data happen to be */
		if (a->data[i] != b->data[i]) {
			o += (size_t)snprintf(m + o, MSG - o, " memory at data+%#x", i);
			o = field(m, o, "(16 bytes)", a->data + (i & ~15u), b->data + (i & ~15u),
				  16);
			break;
		}
	}
	return o;
}

/*
 * FOP, FIP and FDP after a non-control x87 instruction (SDM vol. 1 8.1.8,
 * 8.1.9): FOP = the low 3 bits of the first opcode byte and the ModR/M
 * byte, FIP = the instruction's address, FDP = the memory operand's.
 * Checked on the soft CPU only: the host and Unicorn run the instruction
 * elsewhere (and this AMD host saves them only with an exception pending).
 */
static size_t fop_check(const struct fpu_form *f, const struct fpu_draw *d, uint64_t ip,
			const struct result *b, char *m, size_t o)
{
	uint16_t fop, want;
	uint64_t fip, fdp;
	const uint8_t *op = d->insn;

	if (!(f->flags & FF_FOP) || b->vector >= 0)
		return o;
	if (op[0] == 0x9b)
		return o;
	want = (uint16_t)((op[0] & 7) << 8 | op[1]);
	memcpy(&fop, b->fx + 6, 2);
	memcpy(&fip, b->fx + 8, 8);
	memcpy(&fdp, b->fx + 16, 8);
	if (fop != want || fip != ip)
		o += (size_t)snprintf(m + o, MSG - o, " FOP=%#x FIP=%#llx (SDM: %#x %#llx)", fop,
				      (unsigned long long)fip, want, (unsigned long long)ip);
	if (d->mem && fdp != DATA + d->mem_off)
		o += (size_t)snprintf(m + o, MSG - o, " FDP=%#llx (SDM: %#llx)",
				      (unsigned long long)fdp,
				      (unsigned long long)(DATA + d->mem_off));
	return o;
}

/*
 * Unicorn 2.0.1's known departures from the SDM, found by this test
 * against the host CPU: what is not compared with it, and why.
 */
static bool is_x87(const struct fpu_form *f)
{
	return f->op[0] == 0x9b || (f->op[0] >= 0xd8 && f->op[0] <= 0xdf);
}

/* Forms whose FSW condition codes are their result (SDM vol. 1 8.1.3, table 8-6). */
static bool sets_cc(const struct fpu_form *f)
{
	return !strncmp(f->name, "fcom", 4) || !strncmp(f->name, "fucom", 5) ||
	       !strncmp(f->name, "ftst", 4) || !strncmp(f->name, "fxam", 4);
}

/* The biased exponent of the draw's ST(i). */
static unsigned x87_exp(const struct fpu_draw *d, unsigned i)
{
	uint16_t se;

	memcpy(&se, d->fx + 32 + 16 * i + 8, 2);
	return se & 0x7fff;
}

/* ST(0) of the draw is an unnormal or pseudo-denormal (J bit wrong for the exponent). */
static bool x87_unsupported(const struct fpu_draw *d)
{
	uint64_t m;
	uint16_t se;

	memcpy(&m, d->fx + 32, 8);
	memcpy(&se, d->fx + 40, 2);
	return !!(se & 0x7fff) != !!(m >> 63);
}

/* Elements of a PCMPxSTRx operand before the first zero one (implicit length). */
static unsigned str_len(const uint8_t *v, unsigned n, unsigned w)
{
	unsigned i;
	uint16_t e;

	for (i = 0; i < n; i++) {
		e = w == 2 ? (uint16_t)(v[2 * i] | v[2 * i + 1] << 8) : v[i];
		if (!e)
			break;
	}
	return i;
}

/*
 * PCMPxSTRx in "equal ordered" mode (imm8[3:2] = 3, substring search)
 * where a prefix of the needle (first operand) matches the end of a
 * haystack that fills the whole register: vol. 2 4.1.6's aggregation
 * compares only the needle elements that still face the haystack, so
 * such a partial match counts (IntRes1 bit set, CF, the index) and the
 * host finds it; Unicorn 2.0.1 does not (measured).
 */
static bool ordered_tail_match(const struct fpu_draw *d)
{
	unsigned at = (d->insn[1] & 0xf0) == 0x40 ? 2 : 1, rex = at == 2 ? d->insn[1] : 0;
	uint8_t modrm = d->insn[at + 3], imm = d->insn[d->len - 1];
	unsigned w = (imm & 1) + 1, n = 16 / w, nl, hl, j;
	const uint8_t *ndl = d->fx + 160 + 16 * ((modrm >> 3 & 7) | (rex & 4 ? 8 : 0));
	const uint8_t *hay =
	    d->mem ? d->data + d->mem_off : d->fx + 160 + 16 * ((modrm & 7) | (rex & 1 ? 8 : 0));
	bool explicit_len = !(d->insn[at + 2] & 2);

	if ((imm >> 2 & 3) != 3)
		return false;
	nl = explicit_len ? (unsigned)(int32_t)d->gpr[0] : str_len(ndl, n, w);
	hl = explicit_len ? (unsigned)(int32_t)d->gpr[2] : str_len(hay, n, w);
	nl = nl > n ? n : nl; /* negative and long lengths are left to gpr_quirks() */
	/* the haystack must reach the register's end */
	if (hl < n)
		return false;
	for (j = n - nl + 1; nl && j < n; j++)
		if (!memcmp(ndl, hay + j * w, (n - j) * w))
			return true;
	return false;
}

/*
 * More of Unicorn 2.0.1's departures, outside x87 arithmetic: MOVBE, and
 * POPCNT now and then, raise #UD there (POPCNT also seen by
 * test_unicorn_isa): both are compared against the host only;
 * SSSE3 on MMX registers skips the x87-to-MMX transition (TOP 0, all
 * tags valid: SDM vol. 1 9.5.1) and so is compared only where that is a
 * no-op, PHADD/PHSUB with one register as both operands read the
 * half-written destination, DPPS/DPPD round differently from vol. 2's
 * DP_primitive, PCMPESTRx take RAX/RDX without the absolute value and
 * saturation to 16/8 (vol. 2 PCMPESTRI), and EMMS leaves TOP alone where
 * this host clears it like every MMX instruction (vol. 1 table 9-2).
 */
static void gpr_quirks(const struct fpu_form *f, const struct fpu_draw *d, struct skip *sk)
{
	uint16_t fsw;
	int32_t la = (int32_t)d->gpr[0], ld = (int32_t)d->gpr[2];

	memcpy(&fsw, d->fx + 2, 2);
	if (f->cls == FC_MOVBE || f->cls == FC_POPCNT)
		sk->all = true;
	if (f->cls == FC_SSSE3 && sk->mm_low && ((fsw >> 11 & 7) || d->fx[4] != 0xff))
		sk->all = true;
	if (!strncmp(f->name, "phadd", 5) || !strncmp(f->name, "phsub", 5)) {
		uint8_t modrm = d->insn[d->len - 1];

		if (!d->mem && (modrm >> 3 & 7) == (modrm & 7))
			sk->all = true;
	}
	if (!strncmp(f->name, "dpp", 3))
		sk->results = true;
	if (!strncmp(f->name, "pcmpestr", 8) && (la < 0 || la > 16 || ld < 0 || ld > 16))
		sk->all = true;
	if (!strncmp(f->name, "pcmp", 4) && f->kind == K_STR && ordered_tail_match(d))
		sk->all = true;
	if (!strcmp(f->name, "emms"))
		sk->all = true;
}

/*
 * Draws Unicorn 2.0.1 is not even run on: PCMPESTRx with RAX or RDX =
 * 0x80000000 reads far outside its registers (it negates the length
 * without saturating it) and crashes the test process (measured). Such
 * lengths are compared against the host only, as gpr_quirks() says.
 */
static bool uc_crashes(const struct fpu_form *f, const struct fpu_draw *d)
{
	return !strncmp(f->name, "pcmpestr", 8) &&
	       ((uint32_t)d->gpr[0] == 0x80000000u || (uint32_t)d->gpr[2] == 0x80000000u);
}

static struct skip uc_quirks(const struct fpu_form *f, const struct fpu_draw *d,
			     const struct result *host)
{
	struct skip sk = {false, false, 0, 0, 0, false, 0, false};
	uint16_t fcw, fsw;
	uint32_t mxcsr;

	memcpy(&fcw, d->fx, 2);
	memcpy(&fsw, host->fx + 2, 2);
	memcpy(&mxcsr, d->fx + 24, 4);
	if (f->flags & FF_APPROX) /* RCPPS/RSQRTPS: SDM vol. 2 gives only an error bound */
		sk.results = true;
	/*
	 * Unicorn 2.0.1 (QEMU 5.0) raises no SIMD exception flag in MXCSR
	 * (SDM vol. 1 11.5.2), hence no #XM, no #GP for a misaligned 16-byte
	 * operand (11.6.7), and ignores MXCSR.DAZ (10.2.3.4): compared on the
	 * draws where the host raised no exception, without MXCSR's flags,
	 * and on results only without DAZ.
	 */
	if (host->vector >= 0)
		sk.all = true;
	sk.mxcsr = 0x3f;
	if (mxcsr & 0x8040)
		sk.results = true;
	/*
	 * It also ignores MXCSR.FTZ (10.2.3.3), returns another NaN than the
	 * SDM's first-source rule when both operands are NaNs (4.8.3.5, table
	 * 4-7), raises #UD for CMPPS predicates above 7 (imm8[7:3] are
	 * ignored: vol. 2 CMPPS), switches to MMX mode (TOP 0, all tags valid)
	 * also for CVTPI2PS/PD with a memory source (vol. 2 CVTPI2PS: only a
	 * register source does), and leaves bits 64-79 of an MMX register it
	 * writes alone (SDM vol. 1 9.5.1: set to all ones).
	 */
	sk.nan_lane = f->kind == K_PS ? 4 : f->kind == K_PD ? 8 : 0;
	if (f->nop == 2 && f->op[1] == 0xc2 && d->insn[d->len - 1] > 7)
		sk.all = true;
	if (f->nop == 2 && f->op[1] == 0x2a && f->rm == RF_MM && d->mem)
		sk.all = true;
	sk.mm_low = f->reg == RF_MM || f->rm == RF_MM;
	gpr_quirks(f, d, &sk);
	if (!is_x87(f))
		return sk;
	/*
	 * Its x87 sets none of FSW's exception flags, never detects stack
	 * overflow/underflow (8.5.1.1) and so produces no masked responses,
	 * never sets C1 as the round-up indicator (8.1.3.1), writes C0/C2/C3
	 * where the SDM leaves them undefined, ignores FCW.PC (8.1.5.2),
	 * rounds FLDPI etc. only to nearest (8.3.8), leaves the tag of an
	 * FST ST(i) destination alone (8.1.7), leaves OF/SF/AF after FCOMI
	 * (which clears them, vol. 2 FCOMI), writes 0 in the reserved words of
	 * FNSTENV's image, and follows its own rules for the transcendentals
	 * (8.3.10; e.g. FYL2XP1 out of range sets C2 and pops nothing): those
	 * are compared against the host only, and the rest on the draws where
	 * the host raised no x87 exception at all, in extended precision.
	 */
	if ((fsw & 0x7f) || (f->flags & FF_TRIG))
		sk.all = true;
	/* FPREM/FPREM1 lose precision; FXAM calls unsupported encodings normal (8.2.2) */
	if (!strcmp(f->name, "fprem") || !strcmp(f->name, "fprem1"))
		sk.results = true;
	if (!strcmp(f->name, "fxam") && x87_unsupported(d))
		sk.all = true;
	/*
	 * FSCALE by an infinite ST(1) gives an infinity or a zero, exactly
	 * (vol. 2 FSCALE, "FSCALE Results"): Unicorn scales by a clamped
	 * integer instead (the largest finite value under RC toward zero).
	 * FXTRACT of a NaN gives that NaN in ST(0) and ST(1), of an infinity
	 * +inf and the infinity (vol. 2 FXTRACT; vol. 1 4.8.3.5): Unicorn
	 * splits the exponent field 0x7FFF like a finite number's.
	 */
	if (!strcmp(f->name, "fscale") && x87_exp(d, 1) == 0x7fff)
		sk.all = true;
	if (!strcmp(f->name, "fxtract") && x87_exp(d, 0) == 0x7fff)
		sk.all = true;
	/* FNSTENV masks every exception after storing (vol. 2 FNSTENV): Unicorn does not */
	if (!strcmp(f->name, "fnstenv"))
		sk.all = true;
	sk.fsw = sets_cc(f) ? 0x82bf : 0xc7bf;
	sk.rflags = 0x890; /* OF SF AF */
	sk.ftw = f->op[0] == 0xdd && f->reg == RF_DIGIT && f->rm == RF_ST;
	if ((fcw >> 8 & 3) != 3 || (f->flags & FF_ENVMASK))
		sk.results = true;
	if (f->op[0] == 0xd9 && f->op[1] >= 0xe8 && f->op[1] <= 0xee && (fcw >> 10 & 3))
		sk.results = true;
	return sk;
}

/*
 * What the soft CPU is not compared on. Nothing of the instructions
 * themselves (an SSE instruction that traps with OE or UE unmasked once
 * reported the masked run's PE; since the executor works such lanes out
 * itself, fpu_native_arith.c, those draws are compared like the rest).
 *
 * One difference of vendor: the soft CPU is an Intel CPU (its CPUID
 * and MXCSR_MASK 0xFFFF), so LDMXCSR of a value with bit 17 set is #GP(0)
 * (SDM vol. 2 LDMXCSR); an AMD host with misaligned SSE mode accepts that
 * bit (MXCSR.MM, its MXCSR_MASK has it): such draws are not compared.
 */
static struct skip soft_gaps(const struct fpu_form *f, const struct fpu_draw *d,
			     const struct result *host)
{
	struct skip sk = {false, false, 0, 0, 0, false, 0, false};
	uint32_t hmask, loaded;

	memcpy(&hmask, host->fx + 28, 4);
	if (!strcmp(f->name, "ldmxcsr") && d->mem) {
		memcpy(&loaded, d->data + d->mem_off, 4);
		if ((loaded & hmask & (1u << 17)))
			sk.all = true;
	}
	return sk;
}

static unsigned draws_per_form(void)
{
	const char *e = getenv("FPU_DIFF_DRAWS");

	if (e)
		return (unsigned)strtoul(e, NULL, 0);
#ifdef __SANITIZE_ADDRESS__
	return 24; /* the sanitizer build looks for memory errors, not coverage */
#else
	return 100;
#endif
}

/* Failure text, one line per (form, CPU): the first differing draw. */
struct report {
	char text[65536];
	size_t len;
	unsigned failures;
};

static void report_add(struct report *r, const char *who, const struct fpu_form *f,
		       const struct fpu_draw *d, unsigned n, const char *diff)
{
	char desc[512];

	r->failures++;
	if (r->len >= sizeof(r->text) - 1)
		return;
	fpu_draw_describe(f, d, desc, sizeof(desc));
	r->len += (size_t)snprintf(r->text + r->len, sizeof(r->text) - r->len,
				   "\n%s differs from the host CPU: draw %u of %s:%.600s", who, n,
				   desc, diff);
}

struct counts {
	unsigned forms[FC_COUNT], draws, uc, soft, kvm, faults;
	unsigned ou_forms, ou_draws, ou_min; /* FF_OU forms: #XM with OE or UE unmasked */
	const char *ou_min_form;
};

/* The host raised #XM for an unmasked overflow or underflow (SDM vol. 1 11.5.2.4-5). */
static bool ou_trap(const struct fpu_draw *d, const struct result *host)
{
	uint32_t before, after;

	memcpy(&before, d->fx + 24, 4);
	memcpy(&after, host->fx + 24, 4);
	return host->vector == 19 &&
	       (((after & 0x08) && !(before & 0x400)) || ((after & 0x10) && !(before & 0x800)));
}

static void print_counts(const struct counts *c, unsigned hc, unsigned sc)
{
	unsigned total = 0, i;

	for (i = 0; i < FC_COUNT; i++)
		total += c->forms[i];
	printf("fpu_diff: %u instruction forms (", total);
	for (i = 0; i < FC_COUNT; i++)
		printf("%s%s %u", i ? ", " : "", class_name[i], c->forms[i]);
	printf("), %u draws: host %u (%u raised an exception), Unicorn %u, soft %u, kvm %u\n",
	       c->draws, c->draws, c->faults, c->uc, c->soft, c->kvm);
	if (c->ou_forms)
		printf("fpu_diff: %u forms can overflow or underflow: %u draws raised #XM "
		       "with OE or UE unmasked, at least %u in each (%s)\n",
		       c->ou_forms, c->ou_draws, c->ou_min, c->ou_min_form);
	for (i = 0; i < FC_COUNT; i++) {
		if (!(hc >> i & 1))
			printf("fpu_diff: %s not run: the host CPU does not advertise it\n",
			       class_name[i]);
		else if (!(sc >> i & 1))
			printf("fpu_diff: %s not run on the soft CPU: its CPUID does not "
			       "advertise it\n",
			       class_name[i]);
	}
}

START_TEST(test_fpu_diff)
{
	static struct result rh, ro;
	static struct fpu_draw d;
	static struct report rep;
	static char diff[MSG];
	struct fpu_host *h = fpu_host_open();
	uc_engine *uc = uc_open64();
	const struct kvm_provider *kp = kt_kernel();
	unsigned hc = host_classes(), sc = provider_classes(&kvm_provider_soft);
	unsigned kc = kp ? provider_classes(kp) : 0, nd = draws_per_form(), fi, n;
	/* the overflow/underflow forms get at least the plain build's 100 (all of them meet #XM) */
	unsigned nd_ou = getenv("FPU_DIFF_DRAWS") || nd >= 100 ? nd : 100;
	const char *only = getenv("FPU_DIFF_FORM");
	struct counts cnt;
	struct kguest soft, kvm;

	ck_assert_ptr_nonnull(h);
	if (getenv("FPU_DIFF_SOFT_ALL")) /* run every class on the soft CPU, advertised or not */
		sc = ~0u;
	memset(&cnt, 0, sizeof(cnt));
	memset(&rep, 0, sizeof(rep));
	if (!kp)
		kt_note_skip("fpu_diff");
	kguest_open(&soft, &kvm_provider_soft);
	if (kp)
		kguest_open(&kvm, kp);
	for (fi = 0; fi < fpu_nforms; fi++) {
		const struct fpu_form *f = &fpu_forms[fi];
		unsigned bit = 1u << f->cls;
		bool uc_bad = false, soft_bad = false, kvm_bad = false;

		unsigned ou = 0;

		if ((only && strcmp(only, f->name)) || !(hc & bit))
			continue;
		cnt.forms[f->cls]++;
		for (n = 0; n < (f->flags & FF_OU ? nd_ou : nd); n++) {
			struct skip none = {false, false, 0, 0, 0, false, 0, false}, sk;

			fpu_draw_make(f, n, &d);
			host_run(h, &d, &rh);
			cnt.draws++;
			cnt.faults += rh.vector >= 0;
			ou += ou_trap(&d, &rh);
			if (!uc_bad && !uc_crashes(f, &d)) {
				uc_run(uc, &d, &ro);
				sk = uc_quirks(f, &d, &rh);
				diff[0] = '\0';
				if (!sk.all && differences(f, &d, &rh, &ro, &sk, diff, 0)) {
					report_add(&rep, "Unicorn", f, &d, n, diff);
					uc_bad = true;
				}
				cnt.uc++;
			}
			if ((sc & bit) && !soft_bad) {
				size_t o;

				if (soft.next_page == CODE_PAGES) {
					kt_vm_destroy(&soft.v);
					kguest_open(&soft, &kvm_provider_soft);
				}
				kguest_run(&soft, &d, n & 1, &ro);
				sk = soft_gaps(f, &d, &rh);
				diff[0] = '\0';
				o = sk.all ? 0 : differences(f, &d, &rh, &ro, &sk, diff, 0);
				o = fop_check(f, &d, soft.insn_va, &ro, diff, o);
				if (o) {
					report_add(&rep,
						   n & 1 ? "soft (state by guest FXRSTOR/FXSAVE)"
							 : "soft (state by KVM_SET/GET_FPU)",
						   f, &d, n, diff);
					soft_bad = true;
				}
				cnt.soft++;
			}
			if ((kc & bit) && !kvm_bad) {
				if (kvm.next_page == CODE_PAGES) {
					kt_vm_destroy(&kvm.v);
					kguest_open(&kvm, kp);
				}
				kguest_run(&kvm, &d, n & 1, &ro);
				if (differences(f, &d, &rh, &ro, &none, diff, 0)) {
					report_add(&rep, "kvm", f, &d, n, diff);
					kvm_bad = true;
				}
				cnt.kvm++;
			}
		}
		if (f->flags & FF_OU) {
			if (!cnt.ou_forms++ || ou < cnt.ou_min)
				cnt.ou_min = ou, cnt.ou_min_form = f->name;
			cnt.ou_draws += ou;
		}
	}
	print_counts(&cnt, hc, sc);
	if (kp)
		kt_vm_destroy(&kvm.v);
	kt_vm_destroy(&soft.v);
	uc_close(uc);
	fpu_host_close(h);
	if (rep.failures)
		printf("fpu_diff: %u form/CPU pairs differ:%s\n", rep.failures, rep.text);
	/* every such form must have met the unmasked responses (in 100 draws: 2 to 20 each) */
	ck_assert_msg(nd_ou < 100 || !cnt.ou_forms || cnt.ou_min > 0,
		      "%s: no draw raised #XM with OE or UE unmasked", cnt.ou_min_form);
	/* Check's message has a size limit: the whole list is on stdout above */
	ck_assert_msg(rep.failures == 0, "%u form/CPU pairs differ, the first:%.1500s",
		      rep.failures, rep.text);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("fpu_diff");
	TCase *tc = tcase_create("diff");

	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, test_fpu_diff);
	suite_add_tcase(s, tc);
	return test_run_suite(s);
}
