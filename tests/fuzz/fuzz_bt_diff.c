// SPDX-License-Identifier: MIT
/*
 * libFuzzer target (issue 16): random 64-bit code under both engines of
 * the soft CPU, the interpreter (the reference) and the binary translator,
 * each on its own VM with identical RAM, compared after every return from
 * soft_cpu_run(): the exit, every GPR, RIP, RFLAGS (arithmetic flags that
 * some instruction of the input leaves undefined are masked) and all of
 * RAM. Any difference aborts. Exceptions have no IDT to go to, so the
 * first one ends in a triple fault (KVM_EXIT_SHUTDOWN), which is compared
 * too; port I/O exits go on with zero data.
 *
 * Input: 8 bytes of RFLAGS/selector seed, 8 x 8 bytes of register values
 * (RBX, RSI, RDI, RBP are folded into RAM so memory operands hit it),
 * then up to CODE_MAX bytes of code, followed by HLT.
 *
 * Inputs holding an instruction with an undefined register result (BSF,
 * BSR, SHLD, SHRD at any offset), or one that leaves a flag undefined
 * together with one that reads that flag (the host CPU and the
 * interpreter may choose differently, and both are the architecture),
 * run under both engines but are not compared. A code loop is stopped by a 20 ms kick (SIGALRM): an input
 * that needed it is not compared either (the stop point differs).
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

static void side_open(struct side *s, const char *engine, const uint8_t *code, size_t n)
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
	sr.cr0 = 0x80050033;
	sr.cr3 = 0x1000;
	sr.cr4 = 0x20;
	sr.efer = 0x500;
	if (soft_cpu_set_sregs(s->cpu, &sr))
		abort();
}

static void side_close(struct side *s)
{
	soft_cpu_destroy(s->cpu);
	soft_vm_destroy(s->vm);
}

/* Arithmetic flags some instruction at some offset leaves undefined; *skip for undefined results. */
static uint64_t undefined_flags(const uint8_t *code, size_t n, bool *skip)
{
	ZydisDecoder d;
	ZydisDecodedInstruction zi;
	uint64_t mask = 0, tested = 0;
	uint8_t buf[CODE_MAX + 16];
	size_t i;

	/* as in RAM: the HLTs after the code complete its last instruction */
	memcpy(buf, code, n);
	memset(buf + n, 0xf4, 16);
	code = buf;
	n += 16;

	ZydisDecoderInit(&d, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
	*skip = false;
	for (i = 0; i < n; i++) {
		if (!ZYAN_SUCCESS(ZydisDecoderDecodeInstruction(&d, NULL, code + i, n - i, &zi)))
			continue;
		if (zi.cpu_flags) {
			mask |= zi.cpu_flags->undefined;
			tested |= zi.cpu_flags->tested;
		}
		if (zi.mnemonic == ZYDIS_MNEMONIC_BSF || zi.mnemonic == ZYDIS_MNEMONIC_BSR ||
		    zi.mnemonic == ZYDIS_MNEMONIC_SHLD || zi.mnemonic == ZYDIS_MNEMONIC_SHRD)
			*skip = true;
	}
	/* a flag left undefined and read (Jcc, SETcc, LAHF, PUSHF...): the paths may part */
	if (mask & tested & ARITH)
		*skip = true;
	return mask & ARITH;
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
			if (v != (k ? 0 : want[i]))
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
	uint64_t v[8], mask;
	uint8_t code[CODE_MAX];
	size_t n;
	bool skip;
	int i, ra = 0, rb = 0;
	struct itimerval it = { .it_value = { 0, 20000 } }, off = { { 0, 0 }, { 0, 0 } };

	fin_init(&in, data, size);
	fin_bytes(&in, v, sizeof(v));
	n = fin_bytes(&in, code, CODE_MAX);
	mask = undefined_flags(code, n, &skip);
	side_open(&a, "interp", code, n);
	side_open(&b, "bt", code, n);
	set_regs(&a, v);
	set_regs(&b, v);
	signal(SIGALRM, on_alarm);
	kicked = 0;
	kick_cpu[0] = a.cpu;
	kick_cpu[1] = b.cpu;
	setitimer(ITIMER_REAL, &it, NULL);
	for (i = 0; i < MAX_RUNS && !kicked; i++) {
		ra = soft_cpu_run(a.cpu);
		rb = soft_cpu_run(b.cpu);
		if (ra || rb || kicked || tables_changed(&a) || tables_changed(&b))
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
