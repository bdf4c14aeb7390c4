// SPDX-License-Identifier: MIT
/*
 * micro: a microkernel, as a teaching example.
 *
 * The kernel does only four things: address spaces (lib/uspace.c), threads
 * (one per process here, preempted by the PIT in round robin where there
 * is one, interrupts.c), synchronous IPC (ipc.c, with interrupts turned
 * into messages) and handing out device access. Everything else
 * is a ring-3 server in its own address space:
 *   serial  (thread 0) owns the UART: COM1's ports are allowed in the TSS
 *           I/O permission bitmap while it runs, and only then;
 *   block   (thread 1) owns the virtio-blk device: its MMIO window is
 *           mapped into this server's page tables and nobody else's; it
 *           runs lib/virtio_blk.c in ring 3 and waits for completions as
 *           messages from the device's interrupt line (it polls on a
 *           machine without interrupts); it is the one thread trusted
 *           with DMA;
 *   file    (thread 2) serves records to clients, checks them against the
 *           disk's size, and talks to the block server;
 *   the workload (thread 3) and three hostile programs are clients, and
 *           a fourth that never calls the kernel, which only the timer
 *           can stop (it is started only when there is a timer).
 * Records travel by the grant path (ipc.c): the client grants the page
 * holding the record to the file server, which passes it on to the block
 * server, whose device reads or writes that page directly; the text the
 * serial server prints travels by the copy path.
 *
 * Where the switches happen: every system call is two ring transitions
 * (on_syscall); every message is counted where ipc.c delivers it; a thread
 * switch loads the other thread's CR3 (switch_to), so a workload read is
 * client -> file -> block -> file -> client: four messages, four thread
 * and address-space switches, two page grants (each a map and an unmap),
 * against one system call in mono.
 */
#include "abi.h"
#include "bootinfo.h"
#include "cpu.h"
#include "guest.h"
#include "kstring.h"
#include "micro.h"
#include "printf.h"
#include "uart.h"
#include "virtio_blk.h"
#include "workload.h"

#define PROCESS_MEM (USER_MEM_MAX / 8)
#define TID_WORKLOAD 3
#define HOSTILE_THREADS 3

extern const char prog_serial_start[], prog_serial_end[];
extern const char prog_block_start[], prog_block_end[];
extern const char prog_file_start[], prog_file_end[];
extern const char prog_workload_start[], prog_workload_end[];
extern const char prog_hostile_start[], prog_hostile_end[];

static struct kernel kernel;
static struct micro_counts at_start, at_exit;
static uint64_t tsc_start, workload_cycles, killed;
static int64_t workload_status = -1;
static struct wl_params params;
static bool uart_granted, preemptive;
static unsigned disk_irq = ~0u;

static void print_stats(void)
{
	struct micro_counts d = {
	    at_exit.syscalls - at_start.syscalls,
	    at_exit.messages - at_start.messages,
	    at_exit.bytes_copied - at_start.bytes_copied,
	    at_exit.grants - at_start.grants,
	    at_exit.interrupts - at_start.interrupts,
	    at_exit.ring_transitions - at_start.ring_transitions,
	    at_exit.as_switches - at_start.as_switches,
	    at_exit.ctx_switches - at_start.ctx_switches,
	};

	kprintf("stats: arch=micro records=%lu syscalls=%lu ring_transitions=%lu messages=%lu "
		"bytes_copied=%lu grants=%lu as_switches=%lu ctx_switches=%lu interrupts=%lu "
		"cycles=%lu cycles_per_record=%lu\n",
		params.records, d.syscalls, d.ring_transitions, d.messages, d.bytes_copied,
		d.grants, d.as_switches, d.ctx_switches, d.interrupts, workload_cycles,
		workload_cycles / params.records);
}

/* No thread can run any more (the servers wait for messages that will not come). */
static void finish(void)
{
	uspace_switch(NULL);
	print_stats();
	kprintf("micro: workload exit %ld, hostile programs killed %lu\n", (long)workload_status,
		killed);
	debug_exit(workload_status == 0 && killed == HOSTILE_THREADS + (unsigned)preemptive ? 0
											    : 1);
}

/* Make thread t current: its page tables, its I/O permissions, its registers into tf. */
static void switch_to(unsigned t, struct trap_frame *tf)
{
	struct thread *next = &kernel.threads[t];

	if (t != kernel.current) {
		kernel.counts.ctx_switches++;
		kernel.counts.as_switches++;
		uspace_switch(&next->as);
		if (next->uart_ports != uart_granted) {
			gdt_allow_ports(UART_COM1, 8, next->uart_ports);
			uart_granted = next->uart_ports;
		}
		kernel.current = t;
	}
	if (t == TID_WORKLOAD && !tsc_start) {
		at_start = kernel.counts;
		tsc_start = rdtsc();
	}
	*tf = next->regs;
}

void micro_thread_exited(struct kernel *k, unsigned t, int64_t code)
{
	if (t == TID_WORKLOAD) {
		workload_cycles = rdtsc() - tsc_start;
		workload_status = code;
		at_exit = k->counts;
	}
	ipc_thread_died(k, t);
}

void micro_run(int next, struct trap_frame *tf)
{
	if (next < 0)
		next = irq_idle(&kernel);
	if (next < 0)
		finish();
	switch_to((unsigned)next, tf);
}

void micro_thread_killed(struct kernel *k, unsigned t)
{
	killed++;
	micro_thread_exited(k, t, -1);
}

static void on_syscall(struct trap_frame *tf)
{
	kernel.counts.syscalls++;
	kernel.counts.ring_transitions += 2;
	kernel.threads[kernel.current].regs = *tf;
	kernel.threads[kernel.current].ticks_without_call = 0;
	micro_run(ipc_syscall(&kernel, tf->rax), tf);
}

/* A fault in ring 3 kills that thread; in ring 0 it is our own bug. */
static void on_fault(struct trap_frame *tf)
{
	if ((tf->cs & 3) != 3) {
		kprintf("micro: kernel fault\n");
		trap_dump(tf);
		debug_exit(GUEST_EXIT_TRAP);
	}
	kernel.counts.ring_transitions += 2;
	kprintf("micro: killed %s (thread %u): %s error 0x%lx at user rip 0x%lx\n",
		kernel.threads[kernel.current].name, kernel.current, trap_name(tf->vector),
		tf->error_code, tf->rip);
	micro_thread_killed(&kernel, kernel.current);
	micro_run(ipc_schedule(&kernel), tf);
}

static struct thread *spawn(const char *name, const char *start, const char *end)
{
	struct thread *t = &kernel.threads[kernel.nthreads];

	if (kernel.nthreads == MAX_THREADS ||
	    uspace_create(&t->as, start, (size_t)(end - start), PROCESS_MEM))
		return NULL;
	t->name = name;
	t->state = T_READY;
	t->irq = -1;
	uspace_frame_init(&t->as, &t->regs, 0, 0);
	kernel.nthreads++;
	return t;
}

/* The block server gets the device window mapped and is told where it and its memory are. */
static int grant_disk(struct thread *t, const char *cmdline)
{
	uintptr_t base;
	uint64_t window, va;

	if (vblk_find(cmdline, 0, &base, &window, &disk_irq) ||
	    uspace_map_io(&t->as, base, window, &va))
		return -1;
	t->regs.rdi = va;
	t->regs.rsi = t->as.mem_pa; /* physical addresses for DMA (no IOMMU: it is trusted) */
	t->regs.rdx = window;
	return 0;
}

/* The workload's command line, copied to the top page of its memory (below it: the stack). */
static void give_cmdline(struct thread *t, const char *cmdline)
{
	uint64_t va = USER_BASE + t->as.mem_size - 4096;
	size_t n = strlen(cmdline);

	n = n < 4095 ? n : 4095;
	memcpy(uspace_ptr(&t->as, va, 4096), cmdline, n);
	t->regs.rdi = va;
	t->regs.rsp = va;
}

static int boot_threads(const char *cmdline)
{
	struct thread *serial = spawn("serial", prog_serial_start, prog_serial_end);
	struct thread *block = spawn("block", prog_block_start, prog_block_end);
	struct thread *file = spawn("file", prog_file_start, prog_file_end);
	struct thread *work = spawn("workload", prog_workload_start, prog_workload_end);
	struct thread *h0 = spawn("hostile-memory", prog_hostile_start, prog_hostile_end);
	struct thread *h1 = spawn("hostile-port", prog_hostile_start, prog_hostile_end);
	struct thread *h2 = spawn("hostile-grantee", prog_hostile_start, prog_hostile_end);

	if (!serial || !block || !file || !work || !h0 || !h1 || !h2)
		return -1;
	serial->uart_ports = true;
	block->dma = true;
	serial->server = block->server = file->server = true;
	give_cmdline(work, cmdline);
	h1->regs.rdi = 1;
	h2->regs.rdi = 2;
	return grant_disk(block, cmdline);
}

/* With a PIT: every thread runs with interrupts on, and a runaway thread joins the hostile ones. */
static void start_timer(void)
{
	struct thread *hog;

	preemptive = irq_start(&kernel, &kernel.threads[TID_BLOCK], disk_irq);
	if (!preemptive) {
		kprintf("micro: no PIT: cooperative, the block server polls\n");
		return;
	}
	hog = spawn("hostile-hog", prog_hostile_start, prog_hostile_end);
	if (hog)
		hog->regs.rdi = 3;
	for (unsigned i = 0; i < kernel.nthreads; i++)
		kernel.threads[i].regs.rflags |= RFLAGS_IF;
}

static void console_print(void *ctx, const char *text)
{
	(void)ctx;
	kprintf("%s", text);
}

int guest_main(const char *cmdline)
{
	const struct wl_io console = {NULL, NULL, NULL, console_print};

	kprintf("micro: microkernel, drivers and file server in ring-3 servers\n");
	if (wl_parse(cmdline, &params, &console))
		return 4;
	uspace_init();
	idt_set_handler(USER_SYSCALL_VEC, on_syscall);
	/* Every exception, and int 0x80 (not a way in here), kills a ring-3 thread. */
	for (unsigned v = 0; v < 32; v++)
		idt_set_handler(v, on_fault);
	idt_set_handler(USER_INT_VEC, on_fault);
	if (boot_threads(cmdline)) {
		kprintf("micro: cannot start the servers (no virtio-blk disk, or out of memory)\n");
		return 3;
	}
	start_timer();
	kernel.current = TID_SERIAL;
	kernel.counts.as_switches++;
	kernel.counts.ring_transitions++;
	uspace_switch(&kernel.threads[TID_SERIAL].as);
	gdt_allow_ports(UART_COM1, 8, true);
	uart_granted = true;
	uspace_resume(&kernel.threads[TID_SERIAL].regs);
}
