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
 *    as src/vcpu/run_loop.c does). From the request to KVM_RUN's return
 *    the vCPU thread may spend at most STOP_BOUND_MS of its own CPU time
 *    (FUZZ_STOP_BOUND_MS in the environment overrides it) and may sleep
 *    at most as long: sleeping is the wall time minus the CPU time minus
 *    the time the thread waited, runnable, for a CPU (run_delay in
 *    /proc/thread-self/schedstat). Neither grows when other processes
 *    load the machine, unlike the wall time (the bound before, 20 times
 *    the CPU bound, stopped runs on a loaded machine). The bound's
 *    margin: the soft CPU looks at stop requests between blocks, and a
 *    block is at most BLOCK_BUDGET (4,096) instructions and
 *    STRING_WORK_BUDGET (8,192) string elements (src/vcpu/soft/run.c,
 *    cpu.h): 0.1-4 ms under ASan on the corpus; the bug the oracle is for
 *    (issue 9: 16,384 rep elements counted as one instruction) took
 *    seconds. This VM's kernel reports no steal time, so a stall of the
 *    host under the VM counts as CPU time: an input that exceeds a bound
 *    is therefore run again, STOP_TRIES times in all, and is a finding
 *    only when every try exceeds it. The message
 *    goes through the sanitizers' report stream, which libFuzzer keeps
 *    open when `make fuzz` closes stderr.
 * At most MAX_RUNS KVM_RUN calls per input.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

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
#define STOP_TRIES 3
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

/* The sanitizers' report stream (libFuzzer points it at its kept stderr). */
void __sanitizer_report_error_summary(const char *error_summary);

/* Where the vCPU thread's time went, in ns: wall, its CPU, waiting for a CPU. */
struct thread_times {
	int64_t wall, cpu, delay;
};

/* The stop-request timer and what its handler touches (signal plumbing). */
static timer_t stop_timer;
static struct kvm_run *volatile stop_run;
static volatile sig_atomic_t stop_requested;
static struct thread_times stop_at;
static int schedstat_fd = -1; /* the vCPU thread's /proc/thread-self/schedstat */
static long stop_bound_ms = STOP_BOUND_MS;

static int64_t ns_of(clockid_t clock)
{
	struct timespec t;

	clock_gettime(clock, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

/*
 * run_delay, the second field of schedstat ("exec_ns delay_ns slices"):
 * async-signal-safe (pread, no stdio), as the timer's handler calls it.
 */
static int64_t run_delay_ns(void)
{
	char buf[96];
	ssize_t n = pread(schedstat_fd, buf, sizeof(buf) - 1, 0);
	int64_t v = 0;
	ssize_t i = 0;

	if (n <= 0)
		return 0;
	while (i < n && buf[i] != ' ')
		i++;
	for (i++; i < n && buf[i] >= '0' && buf[i] <= '9'; i++)
		v = v * 10 + (buf[i] - '0');
	return v;
}

/*
 * The three at one instant: a wait for a CPU between the clock reads and
 * the run_delay read would count in one and not the other, so read
 * run_delay on both sides until it did not change in between.
 */
static void thread_times_now(struct thread_times *t)
{
	int64_t before;

	do {
		before = run_delay_ns();
		t->wall = ns_of(CLOCK_MONOTONIC);
		/* the timer signals the vCPU thread itself (SIGEV_THREAD_ID): its clocks */
		t->cpu = ns_of(CLOCK_THREAD_CPUTIME_ID);
		t->delay = run_delay_ns();
	} while (t->delay != before);
}

static void on_stop_timer(int sig)
{
	(void)sig;
	if (stop_run) {
		thread_times_now(&stop_at);
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
	schedstat_fd = open("/proc/thread-self/schedstat", O_RDONLY | O_CLOEXEC);
	if (schedstat_fd < 0)
		abort();
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

/* A finding: the message on the sanitizers' report stream, then abort. */
static void finding(const char *msg)
{
	__sanitizer_report_error_summary(msg);
	abort();
}

/*
 * One KVM_RUN under the stop timer. -1 when it ended on a stop request
 * (the input is done), then *late describes a request not honoured within
 * the bounds ("" when it was); else KVM_RUN's return value.
 */
static int run_once(struct kt_vm *v, char *late, size_t late_len)
{
	struct thread_times now;
	int64_t cpu, slept, bound = (int64_t)stop_bound_ms * 1000000;
	int rc;

	stop_requested = 0;
	stop_run = v->run;
	arm_stop_timer(STOP_AFTER_US);
	rc = vcpu_ioctl(v, KVM_RUN, NULL);
	arm_stop_timer(0);
	stop_run = NULL;
	if (!stop_requested)
		return rc;
	thread_times_now(&now);
	cpu = now.cpu - stop_at.cpu;
	slept = (now.wall - stop_at.wall) - cpu - (now.delay - stop_at.delay);
	if (cpu > bound || slept > bound)
		snprintf(late, late_len,
			 "fuzz_softcpu: stop request honoured after %.1f ms of vCPU time "
			 "and %.1f ms asleep (%.1f ms of wall time; bound %ld ms each)",
			 cpu / 1e6, slept / 1e6, (now.wall - stop_at.wall) / 1e6, stop_bound_ms);
	return -1;
}

/*
 * Run to HLT, a fatal exit, a stop request or MAX_RUNS, checking progress.
 * Returns true when a stop request was late (*late says how).
 */
static bool run_guest(struct kt_vm *v, int stats_fd, uint8_t flags, char *late, size_t late_len)
{
	struct progress before, after;
	unsigned stuck = 0;
	char msg[160];

	late[0] = 0;
	v->run->request_interrupt_window = !!(flags & F_IRQ_WINDOW);
	snapshot(v, stats_fd, &before);
	for (unsigned n = 0; n < MAX_RUNS; n++) {
		if (run_once(v, late, late_len))
			return late[0] != 0;
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
			return false;
		}
		snapshot(v, stats_fd, &after);
		if (memcmp(&before, &after, sizeof(before))) {
			stuck = 0;
		} else if (++stuck > NO_PROGRESS_MAX) {
			snprintf(msg, sizeof(msg),
				 "fuzz_softcpu: %u exits (reason %u) at rip 0x%llx without progress",
				 stuck, v->run->exit_reason, (unsigned long long)after.rip);
			finding(msg);
		}
		before = after;
	}
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* One try of the input; true when a stop request was late (*late says how). */
static bool run_input(const uint8_t *data, size_t size, char *late, size_t late_len)
{
	struct fuzz_in in;
	struct kt_vm v;
	struct h hh = {0};
	struct kvm_sregs s;
	struct kvm_regs r = {0};
	enum mode mode;
	uint8_t flags;
	int stats_fd;
	bool was_late;

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
	was_late = run_guest(&v, stats_fd, flags, late, late_len);
	close(stats_fd);
	kt_vm_destroy(&v);
	return was_late;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	char late[200];

	if (!ready) {
		/*
		 * `make fuzz` has libFuzzer close stderr: keep fd 2 taken, or the
		 * provider's next memfd (a vCPU's kvm_run) would get it and the
		 * soft CPU's log lines would be written into it.
		 */
		if (fcntl(2, F_GETFD) < 0 && open("/dev/null", O_WRONLY) != 2)
			abort();
		setup_stop_timer();
		ready = true;
	}
	for (unsigned try = 0; run_input(data, size, late, sizeof(late)); try++)
		if (try + 1 == STOP_TRIES)
			finding(late);
	return 0;
}
