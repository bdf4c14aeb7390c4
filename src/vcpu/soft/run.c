// SPDX-License-Identifier: MIT
/*
 * The execute loop. The common path runs the cached records of one code
 * page back to back (no exit, interrupt or debug checks per instruction)
 * until a branch leaves the page, an instruction ends the block (system
 * instructions: they may change mode, paging, IF or the interrupt
 * shadow), the page is written, or a budget runs out (instructions, or
 * the string work of rep instructions: cpu.h). Between blocks the
 * loop looks at kicks, interrupts and the interrupt window. With guest
 * debugging, guest TF or an interrupt shadow active, it steps one
 * instruction at a time with all checks.
 */
#include <errno.h>
#include <string.h>

#include <limits.h>
#include <unistd.h>
#include <linux/futex.h>
#include <sys/syscall.h>

#include "vcpu/soft/bt.h"
#include "vcpu/soft/exec.h"
#include "vcpu/soft/irqchip.h"

#define BLOCK_BUDGET 4096 /* instructions per block before the loop looks around */

#define DR6_ACTIVE_LOW 0xffff0ff0ULL
#define DR6_BS 0x4000ULL

void soft_cpu_kick(struct soft_cpu *cpu)
{
	int err = errno;

	__atomic_store_n(&cpu->kick, 1, __ATOMIC_SEQ_CST);
	/* a vCPU asleep in HLT wakes at once (futex(2) is async-signal-safe) */
	__atomic_add_fetch(&cpu->wake_seq, 1, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&cpu->sleeping, __ATOMIC_SEQ_CST))
		syscall(SYS_futex, &cpu->wake_seq, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
	errno = err;
}

static inline uint64_t linear_rip(const struct soft_cpu *cpu)
{
	return (cpu->seg[SEG_CS].base + cpu->rip) & lin_wrap_mask(cpu->code_bits);
}

static bool interruptible(const struct soft_cpu *cpu)
{
	return (cpu->rflags & FL_IF) && !cpu->int_shadow;
}

/* KVM keeps these up to date on every exit. */
static void post_run(struct soft_cpu *cpu)
{
	struct kvm_run *run = cpu->run;

	run->if_flag = (cpu->rflags & FL_IF) != 0;
	run->ready_for_interrupt_injection = interruptible(cpu) && !cpu->irq_pending;
	run->cr8 = cpu->lapic ? irqchip_cr8(cpu) : cpu->cr8;
	run->apic_base = cpu_apic_base(cpu);
	run->flags = 0;
	cpu->stats.exits++;
}

static void debug_exit(struct soft_cpu *cpu, unsigned exception, uint64_t dr6)
{
	struct kvm_run *run = cpu->run;

	run->exit_reason = KVM_EXIT_DEBUG;
	run->debug.arch.exception = exception;
	run->debug.arch.pc = linear_rip(cpu);
	run->debug.arch.dr6 = dr6;
	run->debug.arch.dr7 = cpu->debug_dr7;
}

/*
 * Fetch and decode the instruction at rip: from the page's cache, or
 * decoded now (and cached unless it spans two pages). *tmp is the
 * storage for records that are not cached.
 */
static int fetch(struct soft_cpu *cpu, struct insn *tmp, const struct insn **out, bool fresh)
{
	uint64_t lin = linear_rip(cpu), gpa, gpa2;
	const uint8_t *host, *host2;
	unsigned avail, avail2, off = lin & 0xfff;
	uint8_t buf[16];
	struct cc_page *pg;
	const struct insn *in;
	int rc;

	rc = mem_fetch_translate(cpu, lin, &gpa, &host, &avail);
	if (rc)
		return rc;
	/*
	 * Under guest debugging decode afresh: a debugger plants int3 by
	 * writing guest RAM from the host, which the cache cannot see.
	 */
	pg = fresh ? NULL : cc_page_get(cpu->vm, gpa >> 12, cpu->code_bits, host - off);
	if (pg) {
		in = cc_page_lookup(pg, off);
		if (in) {
			*out = in;
			return EXEC_OK;
		}
	}
	if (decode_insn(cpu, host, avail, tmp) == 0) {
		*out = tmp;
		if (pg) {
			in = cc_page_add(cpu->vm, pg, host - off, off, tmp);
			if (in)
				*out = in;
		}
		return EXEC_OK;
	}
	/* The instruction continues on the next page: decode from a copy. */
	memcpy(buf, host, avail);
	rc = mem_fetch_translate(cpu, (lin + avail) & lin_wrap_mask(cpu->code_bits), &gpa2, &host2,
				 &avail2);
	if (rc)
		return rc;
	if (avail2 > 15 - avail)
		avail2 = 15 - avail;
	memcpy(buf + avail, host2, avail2);
	decode_insn(cpu, buf, avail + avail2, tmp);
	tmp->iflags |= INSN_F_NOCACHE;
	*out = tmp;
	return EXEC_OK;
}

/* Exception delivery after EXEC_FAULT: 0 to go on, 1 when kvm_run holds an exit. */
static int deliver(struct soft_cpu *cpu)
{
	return cpu_deliver_exception(cpu) == EXEC_EXIT;
}

/* After a handler: 0 go on, 1 exit to the VMM. */
static int finish(struct soft_cpu *cpu, int rc)
{
	switch (rc) {
	case EXEC_OK:
	case EXEC_YIELD: /* run_block() has ended the block: the loop looks at kicks next */
		cpu->rip = cpu->next_rip;
		cpu->stats.insns++;
		if (cpu->io.exit_after_commit) {
			cpu->io.exit_after_commit = false;
			return 1;
		}
		return 0;
	case EXEC_FAULT:
		io_drop_writes(cpu);
		return deliver(cpu);
	default:
		return 1;
	}
}

static bool hw_breakpoint(struct soft_cpu *cpu, uint64_t lin, unsigned *which)
{
	unsigned i;

	if (!(cpu->debug_control & KVM_GUESTDBG_USE_HW_BP))
		return false;
	for (i = 0; i < 4; i++) {
		uint64_t dr7 = cpu->debug_dr7;

		if (!((dr7 >> (2 * i)) & 3))
			continue;
		if ((dr7 >> (16 + 4 * i)) & 3) /* a data breakpoint: watch.c */
			continue;
		if (cpu->debug_bp[i] == lin) {
			*which = i;
			return true;
		}
	}
	return false;
}

/* A data breakpoint hit: a trap after the instruction (watch.c). */
static int watch_exit(struct soft_cpu *cpu)
{
	debug_exit(cpu, X_DB, DR6_ACTIVE_LOW | cpu->watch_hits);
	cpu->watch_hits = 0;
	return 1;
}

/*
 * One instruction with every check: 0 go on, 1 exit. completing: the
 * instruction already started and waits for its I/O data, so its
 * breakpoint was already reported.
 */
static int step_one(struct soft_cpu *cpu, bool completing)
{
	struct insn tmp;
	const struct insn *in;
	bool dbg = cpu->debug_control & KVM_GUESTDBG_ENABLE;
	bool tf = cpu->rflags & FL_TF, shadow = cpu->int_shadow;
	uint64_t lin = linear_rip(cpu);
	unsigned bp;
	int rc;

	/* a hit of the last instruction whose own exit (I/O) was reported first */
	if (cpu->watch_hits)
		return watch_exit(cpu);
	/*
	 * As KVM (measured on this host): an execution breakpoint fires on
	 * every KVM_RUN that starts at it; the debugger steps over it by
	 * removing it or single-stepping without it.
	 */
	if (dbg && !completing && hw_breakpoint(cpu, lin, &bp)) {
		debug_exit(cpu, X_DB, DR6_ACTIVE_LOW | (1ULL << bp));
		return 1;
	}
	rc = fetch(cpu, &tmp, &in, dbg);
	if (rc == EXEC_FAULT)
		return deliver(cpu);
	if (rc)
		return 1;
	if (dbg && (in->iflags & INSN_F_INT3) &&
	    (cpu->debug_control & KVM_GUESTDBG_USE_SW_BP)) {
		debug_exit(cpu, X_BP, 0);
		return 1;
	}
	cpu->next_rip = (cpu->rip + in->len) & rip_wrap_mask(cpu->code_bits);
	rc = in->fn(cpu, in);
	if (rc == EXEC_YIELD)
		rc = EXEC_OK; /* one instruction per step: the loop looks at kicks anyway */
	if (shadow)
		cpu->int_shadow = false;
	if (rc == EXEC_OK && tf) {
		/* Single-step trap of the guest's own TF: #DB after the instruction. */
		cpu->rip = cpu->next_rip;
		cpu->stats.insns++;
		cpu->dr[6] |= DR6_BS;
		cpu_fault_noerr(cpu, X_DB);
		if (deliver(cpu))
			return 1;
		if (cpu->io.exit_after_commit) {
			cpu->io.exit_after_commit = false;
			return 1;
		}
	} else if (finish(cpu, rc)) {
		return 1;
	}
	if (cpu->watch_hits)
		return watch_exit(cpu);
	if (dbg && (cpu->debug_control & KVM_GUESTDBG_SINGLESTEP)) {
		debug_exit(cpu, X_DB, DR6_ACTIVE_LOW | DR6_BS);
		return 1;
	}
	return 0;
}

/* The fast path: cached records of one page, back to back. 0 go on, 1 exit. */
static int run_block(struct soft_cpu *cpu)
{
	struct soft_vm *vm = cpu->vm;
	uint64_t lin = linear_rip(cpu), gpa, delta, lmask = lin_wrap_mask(cpu->code_bits),
		 rmask = rip_wrap_mask(cpu->code_bits);
	const uint8_t *host;
	unsigned avail, off, n = 0;
	struct cc_page *pg;
	const struct insn *in;
	struct insn tmp;
	int rc;

	rc = mem_fetch_translate(cpu, lin, &gpa, &host, &avail);
	if (rc == EXEC_FAULT)
		return deliver(cpu);
	if (rc)
		return 1;
	pg = cc_page_get(vm, gpa >> 12, cpu->code_bits, host - (lin & 0xfff));
	if (!pg)
		return step_one(cpu, false);
	delta = (lin & ~0xfffULL) - cpu->seg[SEG_CS].base;
	off = lin & 0xfff;
	host -= off; /* mem_fetch_translate() points at lin itself; keep the page start */
	for (;;) {
		in = cc_page_lookup(pg, off);
		if (__builtin_expect(!in, 0)) {
			if (decode_insn(cpu, host + off, 4096 - off, &tmp)) {
				rc = 0;
				goto slow; /* spans two pages */
			}
			in = cc_page_add(vm, pg, host, off, &tmp);
			if (!in) {
				rc = 0;
				goto slow;
			}
		}
		cpu->next_rip = (cpu->rip + in->len) & rmask;
		rc = in->fn(cpu, in);
		if (__builtin_expect(rc != EXEC_OK, 0))
			break;
		cpu->rip = cpu->next_rip;
		n++;
		/* one test for everything that ends the block */
		if (__builtin_expect(cpu->io.exit_after_commit | (in->iflags & INSN_F_END) |
					 pg->dead | (n >= BLOCK_BUDGET),
				     0))
			break;
		off = ((cpu->rip - delta) & lmask);
		if (off >= 4096)
			break;
	}
	cpu->stats.insns += n;
	if (rc != EXEC_OK)
		return finish(cpu, rc);
	if (cpu->io.exit_after_commit) {
		cpu->io.exit_after_commit = false;
		return 1;
	}
	return 0;
slow:
	cpu->stats.insns += n;
	return step_one(cpu, false);
}

int cpu_step(struct soft_cpu *cpu)
{
	return step_one(cpu, false);
}

int cpu_interp_block(struct soft_cpu *cpu)
{
	return run_block(cpu);
}

static int exit_intr(struct soft_cpu *cpu)
{
	cpu->run->exit_reason = KVM_EXIT_INTR;
	post_run(cpu);
	return -EINTR;
}

int cpu_complete_io(struct soft_cpu *cpu)
{
	int r;

	cpu->io.read_done = false;
	cpu->io.replay = true;
	cpu->io.rd_next = 0;
	cpu->string_work = STRING_WORK_BUDGET;
	r = step_one(cpu, true);
	cpu->io.replay = false;
	if (r)
		post_run(cpu);
	return r;
}

int cpu_run_loop(struct soft_cpu *cpu)
{
	struct kvm_run *run = cpu->run;
	int r;

	decode_init();
	for (;;) {
		/* a plain load first: the exchange is a locked instruction */
		if (__builtin_expect(__atomic_load_n(&cpu->kick, __ATOMIC_RELAXED) ||
					     run->immediate_exit,
				     0)) {
			if (__atomic_exchange_n(&cpu->kick, 0, __ATOMIC_ACQUIRE) ||
			    run->immediate_exit)
				return exit_intr(cpu);
		}
		cc_collect(cpu->vm);
		if (cpu->lapic) {
			/* the in-"kernel" irqchip: timers, interrupts, HLT sleep (irqchip_cpu.c) */
			if (irqchip_service(cpu))
				break;
			if (cpu->halted) {
				if (irqchip_halt_wait(cpu))
					return exit_intr(cpu);
				continue;
			}
		} else if (cpu->irq_pending && interruptible(cpu)) {
			run->exit_reason = KVM_EXIT_UNKNOWN;
			if (cpu_deliver_irq(cpu)) {
				cpu->halted = false;
				/* delivery that ended in a triple fault left an exit */
				if (run->exit_reason == KVM_EXIT_SHUTDOWN)
					break;
				continue;
			}
		}
		if (run->request_interrupt_window && interruptible(cpu) && !cpu->irq_pending) {
			run->exit_reason = KVM_EXIT_IRQ_WINDOW_OPEN;
			break;
		}
		cpu->string_work = STRING_WORK_BUDGET;
		if ((cpu->debug_control & KVM_GUESTDBG_ENABLE) || (cpu->rflags & FL_TF) ||
		    cpu->int_shadow)
			r = step_one(cpu, false);
		else if (cpu->bt)
			r = bt_run(cpu); /* translated code, or the interpreter (bt.h) */
		else
			r = run_block(cpu);
		if (r)
			break;
	}
	post_run(cpu);
	return 0;
}
