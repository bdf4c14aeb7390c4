// SPDX-License-Identifier: MIT
/*
 * The VM side of the in-"kernel" irqchip (irqchip.h): creation, the
 * lines the VMM raises (KVM_IRQ_LINE) and their default GSI routing, the
 * PIT's IRQ 0, messages from the IOAPIC, MSIs and IPIs to the local
 * APICs, and the state ioctls (KVM_GET/SET_IRQCHIP, _PIT2, _CLOCK).
 */
#include "vcpu/soft/irqchip.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/futex.h>
#include <sys/syscall.h>

void irqchip_wake(struct soft_cpu *cpu)
{
	__atomic_store_n(&cpu->irq_work, 1, __ATOMIC_SEQ_CST);
	__atomic_add_fetch(&cpu->wake_seq, 1, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&cpu->sleeping, __ATOMIC_SEQ_CST))
		syscall(SYS_futex, &cpu->wake_seq, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
}

void irqchip_wake_all(struct soft_irqchip *c)
{
	for (unsigned i = 0; i < c->ncpus; i++)
		irqchip_wake(c->cpus[i]);
}

void irqchip_route_msg(struct soft_irqchip *c, const struct apic_msg *m)
{
	for (unsigned i = 0; i < c->ncpus; i++) {
		struct soft_cpu *cpu = c->cpus[i];

		if (!lapic_match_dest(cpu->lapic, m->dest, m->dest_logical))
			continue;
		lapic_deliver(cpu->lapic, m);
		irqchip_wake(cpu);
		/* lowest priority: one of the addressed APICs takes it (the first) */
		if (m->delivery == APIC_DM_LOWEST)
			return;
	}
}

static void ioapic_deliver(void *opaque, const struct apic_msg *m)
{
	irqchip_route_msg(opaque, m);
}

static void lapic_eoi(void *opaque, uint8_t vector)
{
	struct soft_irqchip *c = opaque;

	ioapic_eoi(&c->ioapic, vector);
	irqchip_pit_ioapic_eoi(c, vector);
}

static void lapic_eoi_edge(void *opaque, uint8_t vector)
{
	irqchip_pit_ioapic_eoi(opaque, vector);
}

/* An ICR write: the sender has taken its own share (lapic.c). */
static void lapic_ipi(void *opaque, struct lapic *from, const struct apic_msg *m, unsigned sh)
{
	struct soft_irqchip *c = opaque;

	for (unsigned i = 0; i < c->ncpus; i++) {
		struct soft_cpu *cpu = c->cpus[i];

		if (cpu->lapic == from)
			continue;
		if (sh == APIC_DEST_NOSH && !lapic_match_dest(cpu->lapic, m->dest, m->dest_logical))
			continue;
		lapic_deliver(cpu->lapic, m);
		irqchip_wake(cpu);
	}
}

static const struct lapic_ops lapic_ops = {
    .eoi = lapic_eoi, .ipi = lapic_ipi, .eoi_edge = lapic_eoi_edge};

int irqchip_attach_cpu(struct soft_irqchip *c, struct soft_cpu *cpu)
{
	struct lapic *l = calloc(1, sizeof(*l));
	int rc = 0;

	if (!l)
		return -ENOMEM;
	/* the APIC ID is the vCPU id, as KVM; vCPU 0 is the bootstrap processor */
	lapic_init(l, cpu->id, cpu->id == 0, SOFT_TSC_KHZ, &lapic_ops, c);
	pthread_mutex_lock(&c->lock);
	if (c->ncpus == c->cap) {
		unsigned cap = c->cap ? 2 * c->cap : 4;
		struct soft_cpu **n = realloc(c->cpus, cap * sizeof(*n));

		if (n) {
			c->cpus = n;
			c->cap = cap;
		} else {
			rc = -ENOMEM;
		}
	}
	if (!rc) {
		c->cpus[c->ncpus++] = cpu;
		cpu->lapic = l;
		cpu->timer_due_ns = UINT64_MAX;
	}
	pthread_mutex_unlock(&c->lock);
	if (rc)
		free(l);
	return rc;
}

void irqchip_detach_cpu(struct soft_irqchip *c, struct soft_cpu *cpu)
{
	pthread_mutex_lock(&c->lock);
	for (unsigned i = 0; i < c->ncpus; i++) {
		if (c->cpus[i] == cpu) {
			c->cpus[i] = c->cpus[--c->ncpus];
			break;
		}
	}
	pthread_mutex_unlock(&c->lock);
	free(cpu->lapic);
	cpu->lapic = NULL;
}

/* ---- creation ---- */

int soft_vm_create_irqchip(struct soft_vm *vm)
{
	struct soft_irqchip *c;

	if (vm->irqchip)
		return -EEXIST;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	pthread_mutex_init(&c->lock, NULL);
	c->vm = vm;
	i8259_init(&c->pic);
	ioapic_init(&c->ioapic, ioapic_deliver, c);
	vm->irqchip = c;
	return 0;
}

bool soft_vm_has_irqchip(const struct soft_vm *vm)
{
	return vm->irqchip != NULL;
}

void soft_vm_irqchip_destroy(struct soft_vm *vm)
{
	struct soft_irqchip *c = vm->irqchip;

	if (!c)
		return;
	pthread_mutex_destroy(&c->lock);
	free(c->cpus);
	free(c);
	vm->irqchip = NULL;
}

/* ---- lines ---- */

/* KVM's status of one chip's input: -1 masked, 0 already pending (coalesced), 1 delivered. */
static int pic_status(const struct i8259 *p, unsigned irq, int level)
{
	const struct i8259_chip *s = &p->chip[irq >> 3];
	unsigned bit = 1u << (irq & 7);

	if (s->imr & bit)
		return -1;
	return level && (s->irr & bit) ? 0 : 1;
}

static int ioapic_status(const struct ioapic *io, unsigned pin, int level)
{
	if (io->redir[pin] & (1ULL << 16))
		return -1;
	return level && ((io->irr >> pin) & 1) ? 0 : 1;
}

int soft_vm_irq_line(struct soft_vm *vm, uint32_t irq, int level, int32_t *status)
{
	struct soft_irqchip *c = vm->irqchip;
	int ret = -1, r;

	if (!c)
		return -ENXIO;
	level = level != 0;
	pthread_mutex_lock(&c->lock);
	if (irq < IRQCHIP_NR_GSI) {
		if (level && !((c->ioapic.line >> irq) & 1))
			c->line_raised[irq]++;
		/* as KVM's kvm_set_irq(): each routing entry's result, summed when positive */
		if (irq < 16) {
			r = pic_status(&c->pic, irq, level);
			i8259_set_irq(&c->pic, irq, level);
			ret = r + (ret < 0 ? 0 : ret);
		}
		r = ioapic_status(&c->ioapic, irq, level);
		ioapic_set_irq(&c->ioapic, irq, level);
		ret = r + (ret < 0 ? 0 : ret);
		irqchip_wake_all(c);
	}
	pthread_mutex_unlock(&c->lock);
	if (status)
		*status = ret;
	return 0;
}

int soft_vm_signal_msi(struct soft_vm *vm, const struct kvm_msi *msi)
{
	struct soft_irqchip *c = vm->irqchip;
	struct apic_msg m;

	if (!c)
		return -ENXIO;
	if (msi->flags)
		return -EINVAL;
	/* Intel's MSI format (SDM 11.11): address 0xfeeXXXXX, data vector/mode/trigger */
	if ((msi->address_lo & 0xfff00000u) != 0xfee00000u)
		return 0;
	m = (struct apic_msg){
	    .vector = msi->data & 0xff,
	    .delivery = (msi->data >> 8) & 7,
	    .dest = (msi->address_lo >> 12) & 0xff,
	    .dest_logical = (msi->address_lo >> 2) & 1,
	    .level = (msi->data >> 15) & 1,
	};
	pthread_mutex_lock(&c->lock);
	irqchip_route_msg(c, &m);
	pthread_mutex_unlock(&c->lock);
	return 1;
}

/* ---- state ioctls ---- */

int soft_vm_get_irqchip(struct soft_vm *vm, struct kvm_irqchip *chip)
{
	struct soft_irqchip *c = vm->irqchip;

	if (!c)
		return -ENXIO;
	pthread_mutex_lock(&c->lock);
	switch (chip->chip_id) {
	case KVM_IRQCHIP_PIC_MASTER:
	case KVM_IRQCHIP_PIC_SLAVE:
		i8259_get_chip(&c->pic, chip->chip_id, &chip->chip.pic);
		break;
	case KVM_IRQCHIP_IOAPIC:
		ioapic_get_state(&c->ioapic, &chip->chip.ioapic);
		break;
	default:
		pthread_mutex_unlock(&c->lock);
		return -EINVAL;
	}
	pthread_mutex_unlock(&c->lock);
	return 0;
}

int soft_vm_set_irqchip(struct soft_vm *vm, const struct kvm_irqchip *chip)
{
	struct soft_irqchip *c = vm->irqchip;

	if (!c)
		return -ENXIO;
	pthread_mutex_lock(&c->lock);
	switch (chip->chip_id) {
	case KVM_IRQCHIP_PIC_MASTER:
	case KVM_IRQCHIP_PIC_SLAVE:
		i8259_set_chip(&c->pic, chip->chip_id, &chip->chip.pic);
		break;
	case KVM_IRQCHIP_IOAPIC:
		ioapic_set_state(&c->ioapic, &chip->chip.ioapic);
		break;
	default:
		pthread_mutex_unlock(&c->lock);
		return -EINVAL;
	}
	irqchip_wake_all(c);
	pthread_mutex_unlock(&c->lock);
	return 0;
}

int soft_vm_create_pit(struct soft_vm *vm, uint32_t flags)
{
	struct soft_irqchip *c = vm->irqchip;

	if (flags & ~(uint32_t)KVM_PIT_SPEAKER_DUMMY)
		return -EINVAL;
	/* the PIT lives in the irqchip object: it needs KVM_CREATE_IRQCHIP first */
	if (!c)
		return -ENXIO;
	pthread_mutex_lock(&c->lock);
	if (c->has_pit) {
		pthread_mutex_unlock(&c->lock);
		return -EEXIST;
	}
	i8254_init(&c->pit, soft_clock_host_ns(&vm->clock));
	c->pit.flags = 0;
	c->has_pit = true;
	c->pit_speaker_dummy = flags & KVM_PIT_SPEAKER_DUMMY;
	c->pit_reinject.on = true; /* KVM's default */
	i8254_reinject_reset(&c->pit_reinject);
	pthread_mutex_unlock(&c->lock);
	return 0;
}

int soft_vm_get_pit(struct soft_vm *vm, struct kvm_pit_state2 *s)
{
	struct soft_irqchip *c = vm->irqchip;

	if (!c || !c->has_pit)
		return -ENXIO;
	pthread_mutex_lock(&c->lock);
	i8254_get_state(&c->pit, s);
	pthread_mutex_unlock(&c->lock);
	return 0;
}

int soft_vm_set_pit(struct soft_vm *vm, const struct kvm_pit_state2 *s)
{
	struct soft_irqchip *c = vm->irqchip;

	if (!c || !c->has_pit)
		return -ENXIO;
	pthread_mutex_lock(&c->lock);
	i8254_set_state(&c->pit, s, soft_clock_host_ns(&vm->clock));
	i8254_reinject_reset(&c->pit_reinject); /* KVM drops the missed ticks */
	irqchip_wake_all(c);
	pthread_mutex_unlock(&c->lock);
	return 0;
}

static uint64_t realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

void soft_vm_get_clock(struct soft_vm *vm, struct kvm_clock_data *d)
{
	uint64_t host = soft_clock_host_ns(&vm->clock);

	memset(d, 0, sizeof(*d));
	d->clock = soft_clock_kvm_ns(&vm->clock, host);
	d->realtime = realtime_ns();
	d->flags = KVM_CLOCK_TSC_STABLE | KVM_CLOCK_REALTIME;
}

int soft_vm_set_clock(struct soft_vm *vm, const struct kvm_clock_data *d)
{
	uint64_t host = soft_clock_host_ns(&vm->clock), want = d->clock, now_real;

	if (d->flags & ~(uint32_t)(KVM_CLOCK_TSC_STABLE | KVM_CLOCK_REALTIME | KVM_CLOCK_HOST_TSC))
		return -EINVAL;
	/* as KVM: with KVM_CLOCK_REALTIME the time passed since d->realtime is added */
	if (d->flags & KVM_CLOCK_REALTIME) {
		now_real = realtime_ns();
		if (now_real > d->realtime)
			want += now_real - d->realtime;
	}
	vm->clock.kvmclock_offset = (int64_t)(want - host);
	__atomic_add_fetch(&vm->clock.generation, 1, __ATOMIC_RELEASE);
	return 0;
}

void soft_vm_set_clock_hook(struct soft_vm *vm, uint64_t (*fn)(void *opaque), void *opaque)
{
	vm->clock.hook = fn;
	vm->clock.opaque = opaque;
}

uint32_t soft_cpu_tsc_khz(void)
{
	return (uint32_t)SOFT_TSC_KHZ;
}
