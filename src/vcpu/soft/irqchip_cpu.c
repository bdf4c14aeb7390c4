// SPDX-License-Identifier: MIT
/*
 * The vCPU side of the in-"kernel" irqchip (irqchip.h): the devices'
 * ports and MMIO pages handled without an exit, interrupt acceptance
 * between blocks in the SDM's order (NMI unless blocked by a shadow or an
 * NMI in service, then maskable ones if IF=1 and no STI/MOV SS shadow:
 * ExtINT from the PIC before the LAPIC's IRR above PPR, as KVM), timers,
 * and HLT: the vCPU sleeps on a futex until an event it may take arrives
 * or the next PIT edge or LAPIC timer expiry, never spinning.
 */
#include "vcpu/soft/irqchip.h"

#include <errno.h>
#include <limits.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/futex.h>
#include <sys/syscall.h>

#include "vcpu/soft/sys.h"

/* Instructions between two looks at the clock while a timer is armed (about 10-40 us). */
#define TIMER_POLL_INSNS 2048
/*
 * Longest HLT sleep without a timer. A VMM's signal handler that only sets
 * immediate_exit (as minivmm's does) and runs between the check below and
 * the futex wait would otherwise not be seen until the next event; KVM
 * checks for pending signals inside the kernel, which a process cannot
 * do atomically with a futex wait. 10 wake-ups per second cost nothing.
 */
#define HALT_MAX_SLEEP_NS 100000000ULL

static uint64_t now_ns(const struct soft_cpu *cpu)
{
	return soft_clock_host_ns(&cpu->vm->clock);
}

static bool interruptible(const struct soft_cpu *cpu)
{
	return (cpu->rflags & FL_IF) && !cpu->int_shadow;
}

/* ---- ports and MMIO ---- */

static bool pic_port(uint16_t port)
{
	return port == 0x20 || port == 0x21 || port == 0xa0 || port == 0xa1 || port == 0x4d0 ||
	       port == 0x4d1;
}

bool irqchip_pio(struct soft_cpu *cpu, bool write, uint16_t port, unsigned size, unsigned count,
		 uint8_t *data)
{
	struct soft_irqchip *c = cpu->vm->irqchip;
	bool pic = pic_port(port), pit;
	uint64_t now;
	unsigned masks;

	pit = c->has_pit &&
	      ((port >= 0x40 && port <= 0x43) || (port == 0x61 && c->pit_speaker_dummy));
	if (!pic && !pit)
		return false;
	now = now_ns(cpu);
	if (!write)
		memset(data, 0, (size_t)size * count);
	pthread_mutex_lock(&c->lock);
	/* ticks up to now first: an unmask or a new count drops those, not later ones */
	irqchip_pit_advance(c, now);
	masks = irqchip_pit_masks(c);
	for (unsigned i = 0; i < count; i++) {
		uint8_t *b = data + (size_t)i * size;

		/* as KVM: the PIC takes byte accesses only; the PIT the low byte of any */
		if (pic && size == 1)
			i8259_io(&c->pic, port, write, b);
		else if (pit)
			i8254_io(&c->pit, port, write, b, now);
	}
	irqchip_pit_update(c, masks); /* an EOI or unmask of IRQ 0 */
	pthread_mutex_unlock(&c->lock);
	/* the PIC's output or the PIT's next edge may have changed */
	irqchip_wake(cpu);
	return true;
}

static void ioapic_access(struct soft_irqchip *c, uint64_t off, bool write, unsigned size,
			  uint8_t *data, uint64_t now)
{
	unsigned shift = (off & 3) * 8;
	uint32_t v = 0;

	if (write) {
		unsigned masks;

		irqchip_pit_advance(c, now); /* as for the PIC's ports */
		masks = irqchip_pit_masks(c);
		memcpy(&v, data, size < 4 ? size : 4);
		ioapic_mmio(&c->ioapic, off & ~3ULL, true, &v);
		irqchip_pit_update(c, masks); /* pin 0 unmasked */
		return;
	}
	ioapic_mmio(&c->ioapic, off & ~3ULL, false, &v);
	v >>= shift;
	memset(data, 0, size);
	memcpy(data, &v, size < 4 ? size : 4);
}

bool irqchip_mmio(struct soft_cpu *cpu, bool write, uint64_t gpa, unsigned size, uint8_t *data)
{
	struct soft_irqchip *c = cpu->vm->irqchip;
	struct lapic *l = cpu->lapic;
	bool apic;

	pthread_mutex_lock(&c->lock);
	apic = l && lapic_mmio_claims(l, gpa);
	if (apic) {
		uint64_t off = gpa & 0xfff;

		if (write)
			lapic_mmio_write(l, off, data, size, now_ns(cpu));
		else
			lapic_mmio_read(l, off, data, size, now_ns(cpu));
	} else if (gpa - IOAPIC_BASE < IOAPIC_MMIO_SIZE) {
		ioapic_access(c, gpa - IOAPIC_BASE, write, size, data, now_ns(cpu));
	} else {
		pthread_mutex_unlock(&c->lock);
		return false;
	}
	pthread_mutex_unlock(&c->lock);
	irqchip_wake(cpu);
	return true;
}

/* ---- acceptance ---- */

enum { EV_NONE = -1, EV_NMI = -2 };

static bool pic_ready(struct soft_irqchip *c, struct lapic *l)
{
	return (lapic_accepts_pic(l) || l->extint_pending) && i8259_int_output(&c->pic);
}

/* Under the lock: run the timers up to now and note the next expiry. */
static void run_timers(struct soft_cpu *cpu, uint64_t now)
{
	struct soft_irqchip *c = cpu->vm->irqchip;
	uint64_t pit = irqchip_pit_advance(c, now), apic;

	lapic_advance(cpu->lapic, now);
	cpu->stats.timer_expiries = cpu->lapic->timer_expiries;
	apic = lapic_next_event(cpu->lapic);
	cpu->timer_due_ns = pit < apic ? pit : apic;
}

/* Under the lock: the event to deliver now (acknowledged), or EV_NONE. */
static int pick_event(struct soft_cpu *cpu)
{
	struct soft_irqchip *c = cpu->vm->irqchip;
	struct lapic *l = cpu->lapic;
	int ev = EV_NONE, v;

	run_timers(cpu, now_ns(cpu));
	if (l->nmi_pending) {
		l->nmi_pending = false;
		cpu->nmi_pending = true;
	}
	if (cpu->nmi_pending && !cpu->nmi_masked && !cpu->int_shadow) {
		cpu->nmi_pending = false;
		ev = EV_NMI;
	} else if (interruptible(cpu)) {
		if (pic_ready(c, l)) {
			ev = i8259_acknowledge(&c->pic);
			irqchip_pit_update(c, irqchip_pit_masks(c)); /* AEOI */
			l->extint_pending = false;
		} else if ((v = lapic_pending(l)) >= 0) {
			lapic_ack(l, (uint8_t)v);
			ev = v;
		}
	}
	l->extint_pending = l->extint_pending && i8259_int_output(&c->pic);
	cpu->intr_ready = pic_ready(c, l) || lapic_pending(l) >= 0;
	return ev;
}

/* Whether the loop must take the lock: new work, a takeable event, or a timer due. */
static bool service_needed(struct soft_cpu *cpu)
{
	if (__atomic_load_n(&cpu->irq_work, __ATOMIC_RELAXED) || cpu->halted)
		return true;
	if (cpu->intr_ready && interruptible(cpu))
		return true;
	if (cpu->nmi_pending && !cpu->nmi_masked)
		return true;
	if (cpu->timer_due_ns == UINT64_MAX ||
	    cpu->stats.insns - cpu->timer_poll_insns < TIMER_POLL_INSNS)
		return false;
	cpu->timer_poll_insns = cpu->stats.insns;
	return now_ns(cpu) >= cpu->timer_due_ns;
}

int irqchip_service(struct soft_cpu *cpu)
{
	struct soft_irqchip *c = cpu->vm->irqchip;
	bool was_halted = cpu->halted;
	int ev, rc;

	if (!service_needed(cpu))
		return 0;
	__atomic_store_n(&cpu->irq_work, 0, __ATOMIC_SEQ_CST);
	pthread_mutex_lock(&c->lock);
	ev = pick_event(cpu);
	pthread_mutex_unlock(&c->lock);
	if (ev == EV_NONE)
		return 0;
	rc = cpu_deliver_external(cpu, ev == EV_NMI ? X_NMI : (uint8_t)ev);
	if (ev == EV_NMI) {
		cpu->nmi_masked = true; /* until the next IRET */
		cpu->stats.nmi_injected++;
	} else {
		cpu->stats.irq_injected++;
	}
	if (was_halted && !cpu->halted)
		cpu->stats.halt_wakeups++;
	return rc == EXEC_EXIT;
}

/* ---- HLT ---- */

/* Under the lock: whether the halted CPU has an event it may take. */
static bool halt_event(struct soft_cpu *cpu)
{
	struct lapic *l = cpu->lapic;

	if ((cpu->nmi_pending || l->nmi_pending) && !cpu->nmi_masked)
		return true;
	return interruptible(cpu) && (pic_ready(cpu->vm->irqchip, l) || lapic_pending(l) >= 0);
}

int irqchip_halt_wait(struct soft_cpu *cpu)
{
	struct soft_irqchip *c = cpu->vm->irqchip;
	uint32_t seq = __atomic_load_n(&cpu->wake_seq, __ATOMIC_SEQ_CST);
	struct timespec ts;
	uint64_t now;
	bool ready;

	__atomic_store_n(&cpu->sleeping, 1, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&cpu->kick, __ATOMIC_SEQ_CST) || cpu->run->immediate_exit) {
		__atomic_store_n(&cpu->sleeping, 0, __ATOMIC_SEQ_CST);
		return -EINTR;
	}
	pthread_mutex_lock(&c->lock);
	now = now_ns(cpu);
	run_timers(cpu, now);
	ready = halt_event(cpu) || __atomic_load_n(&cpu->irq_work, __ATOMIC_SEQ_CST);
	pthread_mutex_unlock(&c->lock);
	if (!ready) {
		uint64_t rel = cpu->timer_due_ns > now ? cpu->timer_due_ns - now : 0;

		if (rel > HALT_MAX_SLEEP_NS)
			rel = HALT_MAX_SLEEP_NS;
		ts.tv_sec = (time_t)(rel / 1000000000ULL);
		ts.tv_nsec = (long)(rel % 1000000000ULL);
		/* returns at once if a waker bumped wake_seq since it was read */
		syscall(SYS_futex, &cpu->wake_seq, FUTEX_WAIT_PRIVATE, seq, &ts, NULL, 0);
	}
	__atomic_store_n(&cpu->sleeping, 0, __ATOMIC_SEQ_CST);
	/* the loop looks at the timers and events again */
	__atomic_store_n(&cpu->irq_work, 1, __ATOMIC_RELAXED);
	return 0;
}

/* ---- MSRs and CR8 ---- */

int irqchip_msr_read(struct soft_cpu *cpu, uint32_t index, uint64_t *v)
{
	struct soft_irqchip *c = cpu->vm->irqchip;
	int rc = 0;

	if (index != MSR_IA32_APIC_BASE && index != MSR_TSC_DEADLINE &&
	    (index < MSR_X2APIC_FIRST || index > MSR_X2APIC_LAST))
		return 1;
	pthread_mutex_lock(&c->lock);
	if (index == MSR_IA32_APIC_BASE)
		*v = cpu->lapic->base;
	else if (index == MSR_TSC_DEADLINE)
		*v = lapic_tsc_deadline_read(cpu->lapic);
	else
		rc = lapic_msr_read(cpu->lapic, index, v, now_ns(cpu));
	pthread_mutex_unlock(&c->lock);
	return rc;
}

int irqchip_msr_write(struct soft_cpu *cpu, uint32_t index, uint64_t v, bool host)
{
	struct soft_irqchip *c = cpu->vm->irqchip;
	uint64_t now;
	int rc = 0;

	if (index != MSR_IA32_APIC_BASE && index != MSR_TSC_DEADLINE &&
	    (index < MSR_X2APIC_FIRST || index > MSR_X2APIC_LAST))
		return 1;
	if (index == MSR_IA32_APIC_BASE && (v >> SOFT_MAXPHYADDR))
		return -1;
	pthread_mutex_lock(&c->lock);
	now = now_ns(cpu);
	if (index == MSR_IA32_APIC_BASE)
		rc = lapic_set_base(cpu->lapic, v, host, now);
	else if (index == MSR_TSC_DEADLINE)
		lapic_tsc_deadline_write(cpu->lapic, v, now, cpu_tsc(cpu));
	else
		rc = lapic_msr_write(cpu->lapic, index, v, now);
	pthread_mutex_unlock(&c->lock);
	irqchip_wake(cpu);
	return rc;
}

uint64_t irqchip_cr8(struct soft_cpu *cpu)
{
	struct soft_irqchip *c = cpu->vm->irqchip;
	uint64_t v;

	pthread_mutex_lock(&c->lock);
	v = lapic_cr8(cpu->lapic);
	pthread_mutex_unlock(&c->lock);
	return v;
}

void irqchip_set_cr8(struct soft_cpu *cpu, uint64_t cr8)
{
	struct soft_irqchip *c = cpu->vm->irqchip;

	pthread_mutex_lock(&c->lock);
	lapic_set_cr8(cpu->lapic, cr8);
	pthread_mutex_unlock(&c->lock);
	irqchip_wake(cpu);
}

/* ---- vCPU ioctls ---- */

int soft_cpu_get_lapic(struct soft_cpu *cpu, struct kvm_lapic_state *s)
{
	struct soft_irqchip *c = cpu->vm->irqchip;

	if (!cpu->lapic)
		return -EINVAL;
	pthread_mutex_lock(&c->lock);
	lapic_get_state(cpu->lapic, s, now_ns(cpu));
	pthread_mutex_unlock(&c->lock);
	return 0;
}

int soft_cpu_set_lapic(struct soft_cpu *cpu, const struct kvm_lapic_state *s)
{
	struct soft_irqchip *c = cpu->vm->irqchip;

	if (!cpu->lapic)
		return -EINVAL;
	pthread_mutex_lock(&c->lock);
	lapic_set_state(cpu->lapic, s, now_ns(cpu), cpu_tsc(cpu));
	pthread_mutex_unlock(&c->lock);
	irqchip_wake(cpu);
	return 0;
}

void soft_cpu_get_mp_state(struct soft_cpu *cpu, struct kvm_mp_state *mp)
{
	mp->mp_state = cpu->halted && cpu->lapic ? KVM_MP_STATE_HALTED : KVM_MP_STATE_RUNNABLE;
}

int soft_cpu_set_mp_state(struct soft_cpu *cpu, const struct kvm_mp_state *mp)
{
	/* as KVM: without an in-kernel LAPIC only RUNNABLE; INIT/SIPI states await SMP */
	if (mp->mp_state == KVM_MP_STATE_RUNNABLE)
		cpu->halted = false;
	else if (mp->mp_state == KVM_MP_STATE_HALTED && cpu->lapic)
		cpu->halted = true;
	else
		return -EINVAL;
	return 0;
}

int soft_cpu_nmi(struct soft_cpu *cpu)
{
	cpu->nmi_pending = true;
	return 0;
}
