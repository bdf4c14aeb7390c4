// SPDX-License-Identifier: MIT
/*
 * mono: a monolithic kernel, as a teaching example.
 *
 * One ring-0 kernel holds everything: the trap handler below (the "main
 * program"), the system-call table with its service procedures
 * (syscall.c), the utility procedures and the drivers (util.c: UART and
 * virtio-blk). User programs run in ring 3, each in its own address space
 * (own page tables, lib/uspace.c), and enter the kernel only through
 * `syscall` or `int 0x80` (or by faulting, or by the timer). Scheduling
 * is preemptive round robin: the 8254 PIT interrupts ring 3 TICK_HZ times
 * a second (through the 8259A, lib/pic.h) and the next live program gets
 * the CPU; a program that the timer finds running HOG_TICKS times in a row
 * without making a system call is killed as a runaway. On a machine
 * without a PIT the kernel stays cooperative: each program runs until it
 * exits or is killed.
 *
 * Where the switches happen, so the counts can be read against the code:
 * every entry from ring 3 is one ring transition and every return another
 * (on_syscall, on_fault, on_tick, uspace_resume); an address-space switch
 * is a CR3 load when another process runs (run_next); a system call is one
 * entry through the table, whichever gate it came by. Timer interrupts
 * taken in ring 3 are counted as ring transitions too, and on their own
 * (interrupts=): their number follows the wall time of the run.
 */
#include "abi.h"
#include "cpu.h"
#include "guest.h"
#include "mono.h"
#include "pic.h"
#include "printf.h"
#include "workload.h"

#define MAX_PROCS 4
#define TICK_HZ 1000
#define HOG_TICKS 5

extern const char prog_workload_start[], prog_workload_end[];
extern const char prog_hostile_start[], prog_hostile_end[];

static struct process procs[MAX_PROCS];
static unsigned nprocs, current;
static struct mono_counts counts, at_workload_exit;
static uint64_t workload_cycles, tsc_start, killed;
static int64_t workload_status = -1;
static struct wl_params params;
static bool preemptive;

static void console_print(void *ctx, const char *text)
{
	(void)ctx;
	kprintf("%s", text);
}

static void print_stats(void)
{
	const struct mono_counts *c = &at_workload_exit;

	kprintf("stats: arch=mono records=%lu syscalls=%lu int80=%lu ring_transitions=%lu "
		"messages=%lu as_switches=%lu ctx_switches=%lu interrupts=%lu cycles=%lu "
		"cycles_per_record=%lu\n",
		params.records, c->syscalls, c->int80s, c->ring_transitions,
		c->syscalls + c->int80s, c->as_switches, c->ctx_switches, c->interrupts,
		workload_cycles, workload_cycles / params.records);
}

/* All programs are done: report and stop the machine (never returns to ring 3). */
static void finish(void)
{
	uspace_switch(NULL);
	print_stats();
	kprintf("mono: workload exit %ld, hostile programs killed %lu\n", (long)workload_status,
		killed);
	debug_exit(workload_status == 0 && killed == 2u + preemptive ? 0 : 1);
}

/*
 * Round robin: give the CPU to the next live process after the current one
 * (the current one again if it is the only one left and still alive): its
 * registers replace the frame we return through.
 */
static void run_next(struct trap_frame *tf)
{
	for (unsigned n = 1; n <= nprocs; n++) {
		unsigned i = (current + n) % nprocs;

		if (!procs[i].alive)
			continue;
		if (i != current) {
			procs[current].regs = *tf;
			current = i;
			counts.ctx_switches++;
			counts.as_switches++;
			uspace_switch(&procs[i].as);
			*tf = procs[i].regs;
		}
		return;
	}
	finish();
}

void mono_exit_current(int64_t code)
{
	procs[current].alive = 0;
	if (current == 0) {
		workload_cycles = rdtsc() - tsc_start;
		workload_status = code;
		at_workload_exit = counts;
	}
}

/* Both gates: the system call number in rax, arguments in rdi and rsi. */
static void on_syscall(struct trap_frame *tf)
{
	struct process *p = &procs[current];

	if (tf->vector == USER_INT_VEC)
		counts.int80s++;
	else
		counts.syscalls++;
	counts.ring_transitions += 2; /* in, and back out through iretq */
	p->ticks_without_call = 0;
	tf->rax = (uint64_t)syscall_dispatch(p, tf->rax, tf->rdi, tf->rsi);
	if (!p->alive)
		run_next(tf);
}

/* A fault: in ring 3 the program is killed and the next one runs; in ring 0 it is our bug. */
static void on_fault(struct trap_frame *tf)
{
	if ((tf->cs & 3) != 3) {
		kprintf("mono: kernel fault\n");
		trap_dump(tf);
		debug_exit(GUEST_EXIT_TRAP);
	}
	counts.faults++;
	counts.ring_transitions += 2;
	kprintf("mono: killed %s (process %u): %s error 0x%lx at user rip 0x%lx\n",
		procs[current].name, current, trap_name(tf->vector), tf->error_code, tf->rip);
	killed++;
	procs[current].alive = 0;
	run_next(tf);
}

/* The timer: a tick in ring 3 preempts the running program, or kills a runaway one. */
static void on_tick(struct trap_frame *tf)
{
	struct process *p = &procs[current];

	pic_eoi(IRQ_TIMER);
	if ((tf->cs & 3) != 3)
		return; /* the kernel runs with interrupts off; nothing to preempt */
	counts.interrupts++;
	counts.ring_transitions += 2;
	if (++p->ticks_without_call >= HOG_TICKS) {
		kprintf("mono: killed %s (process %u): %u timer ticks without a system call\n",
			p->name, current, HOG_TICKS);
		killed++;
		p->alive = 0;
	}
	run_next(tf);
}

/* The PIT and the 8259A, if this machine has them: then programs run with interrupts on. */
static void timer_start(void)
{
	pic_init();
	preemptive = pit_start_periodic(TICK_HZ);
	if (!preemptive)
		return;
	idt_set_handler(PIC_VECTOR_BASE + IRQ_TIMER, on_tick);
	pic_unmask(IRQ_TIMER);
}

static int spawn(const char *name, const char *start, const char *end, uint64_t arg)
{
	struct process *p = &procs[nprocs];

	if (nprocs == MAX_PROCS ||
	    uspace_create(&p->as, start, (size_t)(end - start), USER_MEM_MAX / 8))
		return -1;
	p->name = name;
	p->alive = 1;
	uspace_frame_init(&p->as, &p->regs, arg, 0);
	if (preemptive)
		p->regs.rflags |= RFLAGS_IF;
	nprocs++;
	return 0;
}

int guest_main(const char *cmdline)
{
	const struct wl_io console = {NULL, NULL, NULL, console_print};

	kprintf("mono: monolithic kernel, drivers and system-call table in ring 0\n");
	if (wl_parse(cmdline, &params, &console))
		return 4;
	if (util_disk_init(cmdline)) {
		kprintf("mono: no virtio-blk disk on the command line\n");
		return 3;
	}
	uspace_init();
	/* Every exception kills a ring-3 program (and is a kernel bug in ring 0). */
	for (unsigned v = 0; v < 32; v++)
		idt_set_handler(v, on_fault);
	idt_set_handler(USER_SYSCALL_VEC, on_syscall);
	idt_set_handler(USER_INT_VEC, on_syscall);
	timer_start();
	kprintf(preemptive ? "mono: preemptive, PIT at %u Hz\n" : "mono: no PIT: cooperative\n",
		TICK_HZ);
	if (spawn("workload", prog_workload_start, prog_workload_end, 0) ||
	    spawn("hostile-memory", prog_hostile_start, prog_hostile_end, 0) ||
	    spawn("hostile-port", prog_hostile_start, prog_hostile_end, 1) ||
	    (preemptive && spawn("hostile-hog", prog_hostile_start, prog_hostile_end, 2))) {
		kprintf("mono: out of memory for the programs\n");
		return 5;
	}
	/* The first entry to ring 3 (counted like a return from a system call). */
	counts.ring_transitions++;
	counts.as_switches++;
	uspace_switch(&procs[0].as);
	tsc_start = rdtsc();
	uspace_resume(&procs[0].regs);
}
