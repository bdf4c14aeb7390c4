// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the soft CPU (src/vcpu/soft) running fuzzed code in
 * real mode, 32-bit protected mode or 64-bit long mode, driven only
 * through the soft provider's KVM ioctl ABI, as the VMM drives it.
 *
 * Input: mode (1 byte), flags (1), RCX (2), RSI (4), RDI (4), RAX (4),
 * then the code, copied to CODE. The guest layout (GDT, IDT, TSS, page
 * tables; every exception and interrupt vector leads to a HLT) is the one
 * the soft CPU system tests use (tests/unit/test_soft_sys_harness.h), and
 * the VM is made with the KVM ABI tests' helper (test_kvm_abi_util.h).
 *
 * Oracles besides ASan/UBSan, each a crash (abort) when broken:
 *  - forward progress: an exit that needs the VMM (I/O, MMIO) may repeat
 *    without a retired instruction (the vCPU's "soft_insns" statistic,
 *    read with KVM_GET_STATS_FD) and without a change of RIP, RCX, RSI or
 *    RDI (a REP string makes progress one element at a time) at most
 *    NO_PROGRESS_MAX times in a row: KVM completes any instruction in a
 *    bounded number of pieces;
 *  - stop requests: a KVM_RUN still going after STOP_AFTER_US gets the
 *    VMM's stop request (run->immediate_exit set from a signal handler,
 *    as src/vcpu/run_loop.c does) and must return within STOP_BOUND_MS
 *    of the vCPU thread's own CPU time (FUZZ_STOP_BOUND_MS in the
 *    environment overrides it), and within STOP_WALL_FACTOR times that of
 *    wall time: the CPU time is the work done after the request whatever
 *    the machine's load (a wall-clock bound alone failed under a load
 *    average of 12 on 2 CPUs), the wall bound catches a vCPU that sleeps
 *    through the request.
 * At most MAX_RUNS KVM_RUN calls per input.
 */
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>

#include "fuzz_check_shim.h"
#include "fuzz_input.h"
#include "test_kvm_abi_util.h"
#include "test_soft_sys_harness.h"

#define MAX_RUNS 64
/*
 * One instruction may need up to 64 read pieces, one exit each (io.c's
 * IO_MAX_PIECES, as KVM's fragments): ENTER with nesting level 31 reads 31
 * frame pointers, each from MMIO when EBP points there. 16 was too few.
 */
#define NO_PROGRESS_MAX 70
#define STOP_AFTER_US 1000
#define STOP_BOUND_MS 100
#define STOP_WALL_FACTOR 20
#define CODE_MAX 0x1000 /* CODE .. HANDLER */
#define REAL_STACK 0x7000
/*
 * RAM: the harness's layout needs 0x31000 bytes; the rest of its 4 MiB
 * (and of the 2 MiB identity map in long mode) becomes MMIO, which only
 * means more exits to check. The buffer is kept across inputs and zeroed
 * for each: mapping fresh memory per input cost most of the time.
 */
#define RAM_SIZE (256u << 10)

enum mode { MODE_REAL, MODE_PROT32, MODE_LONG64, NR_MODES };

/* Input flags. */
#define F_IF 0x01	  /* start with interrupts enabled */
#define F_IRQ_WINDOW 0x02 /* ask for an interrupt window, then inject one */
#define F_TF 0x04	  /* start with the trap flag set */

/* The stop-request timer and what its handler touches (signal plumbing). */
static timer_t stop_timer;
static struct kvm_run *volatile stop_run;
static volatile sig_atomic_t stop_requested;
static struct timespec stop_at, stop_cpu_at;
static long stop_bound_ms = STOP_BOUND_MS;

static void on_stop_timer(int sig)
{
	(void)sig;
	if (stop_run) {
		clock_gettime(CLOCK_MONOTONIC, &stop_at);
		/* The timer signals the vCPU thread itself (SIGEV_THREAD_ID): its CPU clock. */
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &stop_cpu_at);
		stop_requested = 1;
		stop_run->immediate_exit = 1;
	}
}

static void setup_stop_timer(void)
{
	struct sigevent ev = {.sigev_notify = SIGEV_THREAD_ID, .sigev_signo = SIGRTMIN + 3};
	struct sigaction sa = {.sa_handler = on_stop_timer};
	const char *bound = getenv("FUZZ_STOP_BOUND_MS");

	if (bound)
		stop_bound_ms = atol(bound);
	ev._sigev_un._tid = (pid_t)syscall(SYS_gettid);
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	if (sigaction(SIGRTMIN + 3, &sa, NULL) || timer_create(CLOCK_MONOTONIC, &ev, &stop_timer))
		abort();
}

static void arm_stop_timer(long usec)
{
	struct itimerspec it = {.it_value = {usec / 1000000, (usec % 1000000) * 1000}};

	timer_settime(stop_timer, 0, &it, NULL);
}

static long ms_since(clockid_t clock, const struct timespec *t)
{
	struct timespec now;

	clock_gettime(clock, &now);
	return (now.tv_sec - t->tv_sec) * 1000 + (now.tv_nsec - t->tv_nsec) / 1000000;
}

/* Zeroed RAM at gpa 0 (v->mem stays NULL: kt_vm_destroy() must not unmap it). */
static uint8_t *add_ram(struct kt_vm *v)
{
	static uint8_t *ram;
	struct kvm_userspace_memory_region r = {.memory_size = RAM_SIZE};

	if (!ram)
		ram = aligned_alloc(4096, RAM_SIZE);
	if (!ram)
		abort();
	memset(ram, 0, RAM_SIZE);
	r.userspace_addr = (uintptr_t)ram;
	if (v->p->ioctl(v->vm, KVM_SET_USER_MEMORY_REGION, &r))
		abort();
	return ram;
}

static int vcpu_ioctl(struct kt_vm *v, unsigned long req, void *arg)
{
	return v->p->ioctl(v->cpu, req, arg);
}

static void set_cpuid(struct kt_vm *v)
{
	static struct {
		struct kvm_cpuid2 c;
		struct kvm_cpuid_entry2 e[128];
	} cpuid;

	cpuid.c.nent = 128;
	if (v->p->ioctl(v->sys, KVM_GET_SUPPORTED_CPUID, &cpuid) ||
	    vcpu_ioctl(v, KVM_SET_CPUID2, &cpuid))
		abort();
}

/* Real mode: CS = DS = SS = 0, an IVT at 0 whose every vector points at a HLT. */
static void setup_real(struct h *hh, struct kvm_sregs *s)
{
	struct kvm_segment *segs[] = {&s->cs, &s->ds, &s->es, &s->fs, &s->gs, &s->ss};

	for (unsigned v = 0; v < 256; v++) {
		wr32(hh, v * 4, HANDLER + v * 16);
		hh->mem[HANDLER + v * 16] = 0xf4;
	}
	for (unsigned i = 0; i < 6; i++) {
		memset(segs[i], 0, sizeof(*segs[i]));
		segs[i]->limit = 0xffff;
		segs[i]->type = i == 0 ? 0xb : 0x3;
		segs[i]->present = 1;
		segs[i]->s = 1;
	}
	s->idt.base = 0;
	s->idt.limit = 0x3ff;
	s->cr0 = 0x10; /* ET */
	s->cr4 = 0;
	s->efer = 0;
}

/* 32-bit protected mode, paging off, flat segments, 32-bit interrupt gates. */
static void setup_prot32(struct h *hh, struct kvm_sregs *s)
{
	write_gdt(hh);
	for (unsigned v = 0; v < 256; v++) {
		idt32_gate(hh, v, HANDLER + v * 16, 0xe, 0);
		hh->mem[HANDLER + v * 16] = 0xf4;
	}
	wr32(hh, TSS + 4, RSP0_TOP); /* ESP0 */
	x86_flat_seg(&s->cs, SEL_KCODE32, 0xb, 0, 0, 1);
	flat_system_regs(s, 256 * 8 - 1);
	s->cr0 = 0x31; /* NE ET PE */
	s->cr4 = 0;
	s->efer = 0;
}

/* 64-bit long mode with the harness's identity map, as its setup_long(). */
static void setup_long64(struct h *hh, struct kvm_sregs *s)
{
	write_gdt(hh);
	write_paging64(hh);
	wr64(hh, TSS + 4, RSP0_TOP);
	wr64(hh, TSS + 0x24, IST1_TOP);
	wr32(hh, TSS + 0x66, 0x68 << 16);
	for (unsigned v = 0; v < 256; v++) {
		idt64_gate(hh, v, HANDLER + v * 16, 0xe, 0, 0);
		hh->mem[HANDLER + v * 16] = 0xf4;
	}
	x86_flat_seg(&s->cs, SEL_KCODE64, 0xb, 0, 1, 0);
	flat_system_regs(s, 256 * 16 - 1);
	s->cr0 = 0x80050033;
	s->cr3 = PML4;
	s->cr4 = 0x20;
	s->efer = 0xd01;
}

struct progress {
	uint64_t insns, rip, rcx, rsi, rdi;
};

static void snapshot(struct kt_vm *v, int stats_fd, struct progress *p)
{
	struct kvm_regs r;

	if (kt_stats_find(stats_fd, "soft_insns", &p->insns) || vcpu_ioctl(v, KVM_GET_REGS, &r))
		abort();
	p->rip = r.rip;
	p->rcx = r.rcx;
	p->rsi = r.rsi;
	p->rdi = r.rdi;
}

/* Answer an I/O or MMIO read with bytes that differ from exit to exit. */
static void serve_exit(struct kvm_run *run, unsigned n)
{
	if (run->exit_reason == KVM_EXIT_IO && run->io.direction == KVM_EXIT_IO_IN)
		memset((uint8_t *)run + run->io.data_offset, 0x5a ^ n,
		       (size_t)run->io.size * run->io.count);
	else if (run->exit_reason == KVM_EXIT_MMIO && !run->mmio.is_write)
		memset(run->mmio.data, 0xa5 ^ n, sizeof(run->mmio.data));
}

/* One KVM_RUN under the stop timer; aborts when a stop request is not honoured in time. */
static int run_once(struct kt_vm *v)
{
	int rc;

	stop_requested = 0;
	stop_run = v->run;
	arm_stop_timer(STOP_AFTER_US);
	rc = vcpu_ioctl(v, KVM_RUN, NULL);
	arm_stop_timer(0);
	stop_run = NULL;
	if (stop_requested) {
		long late = ms_since(CLOCK_MONOTONIC, &stop_at);
		long cpu = ms_since(CLOCK_THREAD_CPUTIME_ID, &stop_cpu_at);

		if (cpu > stop_bound_ms || late > STOP_WALL_FACTOR * stop_bound_ms) {
			fprintf(stderr,
				"fuzz_softcpu: stop request honoured after %ld ms of vCPU time, "
				"%ld ms of wall time (bounds %ld and %ld)\n",
				cpu, late, stop_bound_ms, STOP_WALL_FACTOR * stop_bound_ms);
			abort();
		}
		return -1; /* stopped: the input is done */
	}
	return rc;
}

/* Run to HLT, a fatal exit, a stop request or MAX_RUNS, checking progress. */
static void run_guest(struct kt_vm *v, int stats_fd, uint8_t flags)
{
	struct progress before, after;
	unsigned stuck = 0;

	v->run->request_interrupt_window = !!(flags & F_IRQ_WINDOW);
	snapshot(v, stats_fd, &before);
	for (unsigned n = 0; n < MAX_RUNS; n++) {
		if (run_once(v))
			return;
		switch (v->run->exit_reason) {
		case KVM_EXIT_IO:
		case KVM_EXIT_MMIO:
			serve_exit(v->run, n);
			break;
		case KVM_EXIT_IRQ_WINDOW_OPEN: {
			struct kvm_interrupt irq = {.irq = 0x20 + (flags >> 3)};

			v->run->request_interrupt_window = 0;
			vcpu_ioctl(v, KVM_INTERRUPT, &irq);
			break;
		}
		default: /* HLT, shutdown, internal error, ...: the guest is done */
			return;
		}
		snapshot(v, stats_fd, &after);
		if (memcmp(&before, &after, sizeof(before)))
			stuck = 0;
		else if (++stuck > NO_PROGRESS_MAX) {
			fprintf(stderr,
				"fuzz_softcpu: %u exits (reason %u) at rip 0x%llx "
				"without progress\n",
				stuck, v->run->exit_reason, (unsigned long long)after.rip);
			abort();
		}
		before = after;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool timer_ready;
	struct fuzz_in in;
	struct kt_vm v;
	struct h hh = {0};
	struct kvm_sregs s;
	struct kvm_regs r = {0};
	enum mode mode;
	uint8_t flags;
	int stats_fd;

	if (!timer_ready) {
		setup_stop_timer();
		timer_ready = true;
	}
	fin_init(&in, data, size);
	mode = fin_u8(&in) % NR_MODES;
	flags = fin_u8(&in);
	r.rcx = fin_u16(&in);
	r.rsi = fin_u32(&in);
	r.rdi = fin_u32(&in);
	r.rax = fin_u32(&in);
	r.rip = CODE;
	r.rsp = mode == MODE_REAL ? REAL_STACK : STACK_TOP;
	r.rflags = 2 | (flags & F_IF ? 0x200 : 0) | (flags & F_TF ? 0x100 : 0);

	kt_vm_create(&v, &kvm_provider_soft, 0);
	hh.mem = add_ram(&v);
	set_cpuid(&v);
	fin_bytes(&in, hh.mem + CODE, fin_left(&in) < CODE_MAX ? fin_left(&in) : CODE_MAX);
	if (vcpu_ioctl(&v, KVM_GET_SREGS, &s))
		abort();
	if (mode == MODE_REAL)
		setup_real(&hh, &s);
	else if (mode == MODE_PROT32)
		setup_prot32(&hh, &s);
	else
		setup_long64(&hh, &s);
	if (vcpu_ioctl(&v, KVM_SET_SREGS, &s) || vcpu_ioctl(&v, KVM_SET_REGS, &r))
		abort();
	stats_fd = vcpu_ioctl(&v, KVM_GET_STATS_FD, NULL);
	if (stats_fd < 0)
		abort();
	run_guest(&v, stats_fd, flags);
	close(stats_fd);
	kt_vm_destroy(&v);
	return 0;
}
