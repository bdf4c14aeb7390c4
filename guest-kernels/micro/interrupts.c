// SPDX-License-Identifier: MIT
/*
 * micro's interrupts: the timer preempts, device lines become messages.
 *
 * The kernel takes the 8259A's lines (lib/pic.h) and keeps only two
 * policies for itself. IRQ 0, the 8254 PIT at TICK_HZ, preempts the
 * running client thread in favour of the next ready one (round robin); a
 * client the timer finds running HOG_TICKS times in a row without making
 * a system call is killed as a runaway. Every other line it gave a thread
 * (the block server gets its virtio-mmio line) is turned into a message
 * to that thread (ipc_irq), which runs at once if a client was running.
 * Servers have the higher priority: they are never preempted, since each
 * runs only until it blocks in IPC (and the serial server's line must not
 * be cut in two by the kernel's own messages). Ring 3 runs with interrupts on; the kernel never
 * does, except in irq_idle, where it halts until an interrupt makes some thread ready. Without a
 * PIT the kernel stays cooperative and no thread gets a line (the block server then polls).
 */
#include "guest.h"
#include "micro.h"
#include "pic.h"
#include "printf.h"

#define TICK_HZ 1000
#define HOG_TICKS 5

static struct kernel *kern;
static int device_irq = -1;

static void on_tick(struct trap_frame *tf)
{
	struct thread *t = &kern->threads[kern->current];

	pic_eoi(IRQ_TIMER);
	if ((tf->cs & 3) != 3)
		return; /* in irq_idle: nothing runs that could be preempted */
	kern->counts.interrupts++;
	kern->counts.ring_transitions += 2;
	if (t->server)
		return;
	t->regs = *tf;
	if (++t->ticks_without_call >= HOG_TICKS) {
		kprintf("micro: killed %s (thread %u): %u timer ticks without a system call\n",
			t->name, kern->current, HOG_TICKS);
		micro_thread_killed(kern, kern->current);
	}
	micro_run(ipc_schedule(kern), tf);
}

static void on_device(struct trap_frame *tf)
{
	struct thread *t = &kern->threads[kern->current];
	unsigned irq = (unsigned)tf->vector - PIC_VECTOR_BASE;

	pic_eoi(irq);
	ipc_irq(kern, irq);
	if ((tf->cs & 3) != 3)
		return;
	kern->counts.interrupts++;
	kern->counts.ring_transitions += 2;
	if (t->server)
		return;
	t->regs = *tf;
	/* The driver the message woke runs before the client. */
	for (unsigned i = 0; i < kern->nthreads; i++) {
		if (kern->threads[i].irq == (int)irq && kern->threads[i].state == T_READY) {
			micro_run((int)i, tf);
			return;
		}
	}
}

bool irq_start(struct kernel *k, struct thread *driver, unsigned line)
{
	kern = k;
	pic_init();
	if (!pit_start_periodic(TICK_HZ))
		return false;
	idt_set_handler(PIC_VECTOR_BASE + IRQ_TIMER, on_tick);
	pic_unmask(IRQ_TIMER);
	if (line < 16 && line != IRQ_TIMER && line != 2) {
		device_irq = (int)line;
		driver->irq = device_irq;
		idt_set_handler(PIC_VECTOR_BASE + line, on_device);
		pic_unmask(line);
	}
	kprintf("micro: preemptive, PIT at %u Hz; IRQ %d is a message to %s\n", TICK_HZ, device_irq,
		device_irq < 0 ? "nobody" : driver->name);
	return true;
}

int irq_idle(struct kernel *k)
{
	int next = ipc_schedule(k);
	bool waiting = false;

	for (unsigned i = 0; i < k->nthreads; i++)
		waiting |= k->threads[i].state == T_IRQ_WAIT;
	while (next < 0 && waiting) {
		__asm__ volatile("sti; hlt; cli" ::: "memory");
		next = ipc_schedule(k);
	}
	return next;
}
