// SPDX-License-Identifier: MIT
/*
 * libFuzzer target (issue 16): random 64-bit code under both engines of
 * the soft CPU, the interpreter (the reference) and the binary translator,
 * each on its own VM with identical RAM, compared after every return from
 * soft_cpu_run(): the exit, every GPR, RIP, RFLAGS (arithmetic flags that
 * some instruction of the input leaves undefined are masked) and all of
 * RAM and the x87/SSE image (KVM_GET_XSAVE). Any difference aborts. Exceptions have no IDT to go to, so the
 * first one ends in a triple fault (KVM_EXIT_SHUTDOWN), which is compared
 * too; port I/O exits go on with zero data.
 *
 * Input: 8 x 8 bytes of register values (RBX, RSI, RDI, RBP are folded
 * into RAM so memory operands hit it; the top bits of the last choose
 * CR4.OSFXSR, CR0.TS and an x87 part the interpreter's SSE path rewrites),
 * then up to CODE_MAX bytes of code, followed by HLT. XMM0-15 are filled
 * from the register values.
 *
 * Inputs holding an instruction with an undefined register result (BSF,
 * BSR, SHLD, SHRD), one that reads the time or a random number (RDTSC,
 * RDRAND...), or one that leaves a flag undefined together with one that
 * reads that flag (the host CPU and the interpreter may choose
 * differently, and both are the architecture), run under both engines but
 * are not compared. The instructions looked at are those reachable from
 * the start through fall-through and relative branches, or every offset
 * when control may go elsewhere (RET, indirect jumps); once the code is
 * rewritten (self-modifying code) the run is not compared past that point.
 * A code loop is stopped by a 20 ms kick (SIGALRM): an input that needed
 * it is not compared either (the stop point differs).
 */
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/time.h>

#include <Zydis/Zydis.h>

#include "fuzz_input.h"
#include "vcpu/soft/soft_cpu.h"

#define RAM (2u << 20)
#define CODE 0x100000u
#define CODE_MAX 512
#define DATA 0x80000u
#define MAX_RUNS 16
#define ARITH 0x8d5ULL

struct side {
	uint8_t *ram;
	struct kvm_run *run;
	struct soft_vm *vm;
	struct soft_cpu *cpu;
};

static struct soft_cpu *volatile kick_cpu[2];
static volatile sig_atomic_t kicked;

static void on_alarm(int sig)
{
	(void)sig;
	kicked = 1;
	if (kick_cpu[0])
		soft_cpu_kick(kick_cpu[0]);
	if (kick_cpu[1])
		soft_cpu_kick(kick_cpu[1]);
}

static void put64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, 8);
}

static void side_open(struct side *s, const char *engine, const uint8_t *code, size_t n,
		      uint64_t mode)
{
	struct kvm_segment cs = { .limit = 0xffffffff, .selector = 8, .type = 11, .present = 1,
				  .s = 1, .l = 1, .g = 1 };
	struct kvm_segment ds = { .limit = 0xffffffff, .selector = 0x10, .type = 3, .present = 1,
				  .s = 1, .db = 1, .g = 1 };
	struct kvm_sregs sr;

	if (!s->ram) {
		s->ram = mmap(NULL, RAM, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		s->run = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			      -1, 0);
		if (s->ram == MAP_FAILED || s->run == MAP_FAILED)
			abort();
	}
	memset(s->ram, 0, RAM);
	memset(s->run, 0, 3 * 4096);
	put64(s->ram + 0x1000, 0x2000 | 3);
	put64(s->ram + 0x2000, 0x3000 | 3);
	put64(s->ram + 0x3000, 0x83); /* one 2 MiB page: all of RAM */
	memcpy(s->ram + CODE, code, n);
	memset(s->ram + CODE + n, 0xf4, 16);
	setenv("MINIVMM_SOFT_ENGINE", engine, 1);
	setenv(SOFT_BT_HOT_ENV, "1", 1); /* every block translated at once */
	s->vm = soft_vm_create();
	if (!s->vm || soft_vm_set_slot(s->vm, 0, 0, RAM, s->ram, 0))
		abort();
	s->cpu = soft_cpu_create(s->vm, 0, s->run);
	if (!s->cpu)
		abort();
	soft_cpu_get_sregs(s->cpu, &sr);
	sr.cs = cs;
	sr.ds = sr.es = sr.ss = sr.fs = sr.gs = ds;
	sr.cr0 = 0x80050033 | (mode == 6 ? 8 : 0); /* TS (1 in 8): SSE raises #NM */
	sr.cr3 = 0x1000;
	sr.cr4 = 0x20 | (mode == 7 ? 0 : 0x200); /* OSFXSR but 1 in 8: SSE raises #UD */
	sr.efer = 0x500;
	if (soft_cpu_set_sregs(s->cpu, &sr))
		abort();
}

static void side_close(struct side *s)
{
	soft_cpu_destroy(s->cpu);
	soft_vm_destroy(s->vm);
}

/* What the instructions of a scan leave undefined and test, and whether one has an undefined result. */
struct flag_scan {
	uint64_t undefined, tested;
	bool skip;
};

static void scan_one(const ZydisDecodedInstruction *zi, struct flag_scan *f)
{
	if (zi->cpu_flags) {
		f->undefined |= zi->cpu_flags->undefined;
		f->tested |= zi->cpu_flags->tested;
	}
	switch (zi->mnemonic) {
	case ZYDIS_MNEMONIC_BSF: case ZYDIS_MNEMONIC_BSR:
	case ZYDIS_MNEMONIC_SHLD: case ZYDIS_MNEMONIC_SHRD:
	/* the time or a random number: each engine reads its own */
	case ZYDIS_MNEMONIC_RDTSC: case ZYDIS_MNEMONIC_RDTSCP: case ZYDIS_MNEMONIC_RDRAND:
	case ZYDIS_MNEMONIC_RDSEED: case ZYDIS_MNEMONIC_RDPMC:
		f->skip = true;
		break;
	default:
		break;
	}
}

/* Every offset as an instruction start: what a jump into the middle of one may run. */
static void scan_all(const ZydisDecoder *d, const uint8_t *code, size_t n, struct flag_scan *f)
{
	ZydisDecodedInstruction zi;
	size_t i;

	for (i = 0; i < n; i++)
		if (ZYAN_SUCCESS(ZydisDecoderDecodeInstruction(d, NULL, code + i, n - i, &zi)))
			scan_one(&zi, f);
}

/*
 * The instructions reachable from offset 0 by falling through and taking
 * relative branches; false when control may go where this cannot follow
 * (an indirect transfer, RET, an interrupt): scan_all() then.
 */
static bool scan_reachable(const ZydisDecoder *d, const uint8_t *code, size_t n,
			   struct flag_scan *f)
{
	static uint8_t seen[CODE_MAX + 16];
	size_t todo[CODE_MAX + 16], nt = 0;
	ZydisDecodedInstruction zi;
	ZydisDecodedOperand zo[ZYDIS_MAX_OPERAND_COUNT];

	memset(seen, 0, sizeof(seen));
	todo[nt++] = 0;
	while (nt) {
		size_t i = todo[--nt];

		while (i < n && !seen[i]) {
			seen[i] = 1;
			if (!ZYAN_SUCCESS(ZydisDecoderDecodeFull(d, code + i, n - i, &zi, zo)))
				break; /* #UD: the run ends there */
			scan_one(&zi, f);
			if (zi.meta.branch_type != ZYDIS_BRANCH_TYPE_NONE ||
			    zi.meta.category == ZYDIS_CATEGORY_RET ||
			    zi.meta.category == ZYDIS_CATEGORY_INTERRUPT ||
			    zi.meta.category == ZYDIS_CATEGORY_SYSCALL ||
			    zi.meta.category == ZYDIS_CATEGORY_SYSRET) {
				int64_t t;

				if (zo[0].type != ZYDIS_OPERAND_TYPE_IMMEDIATE || !zo[0].imm.is_relative ||
				    zi.meta.category == ZYDIS_CATEGORY_CALL)
					return false;
				t = (int64_t)(i + zi.length) + zo[0].imm.value.s;
				if (t >= 0 && (size_t)t < n && nt < sizeof(todo) / sizeof(todo[0]))
					todo[nt++] = (size_t)t;
				else if (t < 0 || (size_t)t >= n)
					return false; /* out of the code: unknown bytes */
				if (zi.meta.category == ZYDIS_CATEGORY_UNCOND_BR)
					break;
			}
			i += zi.length;
		}
	}
	return true;
}

/*
 * Arithmetic flags that an instruction the input may run leaves undefined;
 * *skip for undefined results. Self-modifying code is covered by
 * code_changed(): a run that rewrote its code is not compared.
 */
static uint64_t undefined_flags(const uint8_t *code, size_t n, bool *skip)
{
	ZydisDecoder d;
	struct flag_scan f = { 0, 0, false };
	uint8_t buf[CODE_MAX + 16];

	/* as in RAM: the HLTs after the code complete its last instruction */
	memcpy(buf, code, n);
	memset(buf + n, 0xf4, 16);
	n += 16;
	ZydisDecoderInit(&d, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
	if (!scan_reachable(&d, buf, n, &f)) {
		f = (struct flag_scan){ 0, 0, false };
		scan_all(&d, buf, n, &f);
	}
	/* a flag left undefined and read (Jcc, SETcc, LAHF, PUSHF...): the paths may part */
	*skip = f.skip || (f.undefined & f.tested & ARITH);
	return f.undefined & ARITH;
}

/* The guest wrote over its code: the scan above no longer describes what runs. */
static bool code_changed(const struct side *s, const uint8_t *code, size_t n)
{
	return memcmp(s->ram + CODE, code, n) != 0;
}

/*
 * XMM registers from the register values; with mode bit 0 an x87 part
 * that is not in the form the host's FX round trip gives (reserved FCW
 * bits clear, junk in ST7's reserved bytes, ES clear with an unmasked flag).
 */
static void set_fpu(struct side *s, const uint64_t *v, uint64_t mode)
{
	static struct kvm_xsave x;
	unsigned i;

	soft_cpu_get_xsave(s->cpu, &x);
	for (i = 0; i < 32; i++) {
		uint64_t w = v[i % 8] * 0x9e3779b97f4a7c15ULL + i;

		memcpy((uint8_t *)x.region + 160 + 8 * i, &w, 8);
	}
	if (mode & 1) {
		uint16_t fcw = 0x033e, fsw = 0x0001;

		memcpy(x.region, &fcw, 2);
		memcpy((uint8_t *)x.region + 2, &fsw, 2);
		memset((uint8_t *)x.region + 32 + 16 * 7 + 10, 0x5a, 6);
	}
	if (soft_cpu_set_xsave(s->cpu, &x))
		abort();
}

static void compare_fpu(struct side *a, struct side *b, uint64_t rip)
{
	static struct kvm_xsave xa, xb;

	soft_cpu_get_xsave(a->cpu, &xa);
	soft_cpu_get_xsave(b->cpu, &xb);
	if (memcmp(xa.region, xb.region, 576)) {
		fprintf(stderr, "bt_diff: x87/SSE image differs at rip %llx\n",
			(unsigned long long)rip);
		abort();
	}
}

static void compare(struct side *a, struct side *b, uint64_t flag_mask)
{
	struct kvm_regs ra, rb;

	soft_cpu_get_regs(a->cpu, &ra);
	soft_cpu_get_regs(b->cpu, &rb);
	ra.rflags &= ~flag_mask;
	rb.rflags &= ~flag_mask;
	if (a->run->exit_reason != b->run->exit_reason || memcmp(&ra, &rb, sizeof(ra))) {
		fprintf(stderr, "bt_diff: exit %u/%u rip %llx/%llx rflags %llx/%llx\n",
			a->run->exit_reason, b->run->exit_reason, (unsigned long long)ra.rip,
			(unsigned long long)rb.rip, (unsigned long long)ra.rflags,
			(unsigned long long)rb.rflags);
		abort();
	}
	if (memcmp(a->ram, b->ram, RAM)) {
		fprintf(stderr, "bt_diff: RAM differs at rip %llx\n", (unsigned long long)ra.rip);
		abort();
	}
	compare_fpu(a, b, ra.rip);
}

static void set_regs(struct side *s, const uint64_t *v)
{
	struct kvm_regs r = {
		.rax = v[0], .rcx = v[1], .rdx = v[2], .r8 = v[3],
		.rbx = DATA + (v[4] & 0xffff), .rsi = DATA + (v[5] & 0xffff),
		.rdi = DATA + (v[6] & 0xffff), .rbp = DATA + (v[7] & 0xffff),
		.rsp = 0x1f0000, .rip = CODE, .rflags = 2 | (v[0] & ARITH),
	};

	soft_cpu_set_regs(s->cpu, &r);
}

/*
 * The guest changed its own page tables: which stale translations each
 * engine's TLB still holds is then visible, and both are the architecture
 * (no INVLPG was executed), so the engines are not compared past that.
 */
static bool tables_changed(const struct side *s)
{
	static const uint64_t want[3] = { 0x2000 | 3, 0x3000 | 3, 0x83 };
	unsigned i;

	for (i = 0; i < 3; i++) {
		uint64_t v;
		unsigned k;

		for (k = 0; k < 512; k++) {
			memcpy(&v, s->ram + 0x1000 * (i + 1) + 8 * k, 8);
			/* the walks' own Accessed and Dirty bits are not the guest's writes */
			if ((v & ~0x60ULL) != (k ? 0 : want[i]))
				return true;
		}
	}
	return false;
}

static bool done(const struct kvm_run *run)
{
	return run->exit_reason != KVM_EXIT_IO && run->exit_reason != KVM_EXIT_MMIO;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct side a, b;
	struct fuzz_in in;
	uint64_t v[8], mask, mode;
	uint8_t code[CODE_MAX];
	size_t n;
	bool skip;
	int i, ra = 0, rb = 0;
	struct itimerval it = { .it_value = { 0, 20000 } }, off = { { 0, 0 }, { 0, 0 } };

	fin_init(&in, data, size);
	fin_bytes(&in, v, sizeof(v));
	n = fin_bytes(&in, code, CODE_MAX);
	mask = undefined_flags(code, n, &skip);
	mode = v[7] >> 61;
	side_open(&a, "interp", code, n, mode);
	side_open(&b, "bt", code, n, mode);
	set_regs(&a, v);
	set_regs(&b, v);
	set_fpu(&a, v, mode);
	set_fpu(&b, v, mode);
	signal(SIGALRM, on_alarm);
	kicked = 0;
	kick_cpu[0] = a.cpu;
	kick_cpu[1] = b.cpu;
	setitimer(ITIMER_REAL, &it, NULL);
	for (i = 0; i < MAX_RUNS && !kicked; i++) {
		ra = soft_cpu_run(a.cpu);
		rb = soft_cpu_run(b.cpu);
		if (ra || rb || kicked || tables_changed(&a) || tables_changed(&b) ||
		    code_changed(&a, code, n) || code_changed(&b, code, n))
			break;
		if (!skip)
			compare(&a, &b, mask);
		if (done(a.run))
			break;
	}
	setitimer(ITIMER_REAL, &off, NULL);
	kick_cpu[0] = kick_cpu[1] = NULL;
	side_close(&a);
	side_close(&b);
	unsetenv("MINIVMM_SOFT_ENGINE");
	return 0;
}
