// SPDX-License-Identifier: MIT
/*
 * Interrupt delivery into the soft CPU with the in-"kernel" irqchip
 * (issue 11), with small long-mode guests: the PIT's IRQ 0 through a
 * programmed 8259A to the IDT, the LAPIC timer waking a HLT, TPR (CR8)
 * masking, the STI shadow, NMI and its blocking until IRET, a line raised
 * by another thread waking a halted vCPU, and a kick ending a HLT with
 * interrupts off at once (KVM_EXIT_INTR). Expected behaviour from the
 * Intel SDM vol. 3 (6.8.3 shadow, 6.7.1 NMI, 11.8.3 TPR) and the 8259A
 * and 8254 datasheets. Time is a virtual clock that advances 10 us per
 * read, so no test sleeps or depends on host speed.
 *
 * Each handler is `mov al, vector; out 0xe9, al`: the port exit names the
 * vector the guest took. Soft provider only: the harness's /dev/kvm half
 * is not written for these yet (and this machine has no /dev/kvm).
 */
#include <pthread.h>
#include <sched.h>

#include "test_soft_sys_harness.h"
#include "vcpu/soft/irqchip.h"

#define PORT_REPORT 0xe9

static uint64_t vnow;

static uint64_t virtual_clock(void *opaque)
{
	return __atomic_add_fetch(&vnow, 10000, __ATOMIC_RELAXED);
}

/* The harness's long-mode layout, with the irqchip created before the vCPU (as KVM demands). */
static void open_irq(struct h *h)
{
	struct {
		struct kvm_cpuid2 c;
		struct kvm_cpuid_entry2 e[128];
	} cpuid;

	memset(h, 0, sizeof(*h));
	h->mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert_ptr_ne(h->mem, MAP_FAILED);
	h->run_size = 3 * 4096;
	h->run =
	    mmap(NULL, h->run_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert_ptr_ne(h->run, MAP_FAILED);
	h->vm = soft_vm_create();
	ck_assert_ptr_nonnull(h->vm);
	ck_assert_int_eq(soft_vm_set_slot(h->vm, 0, 0, MEM_SIZE, h->mem, 0), 0);
	vnow = 1000000000ULL;
	soft_vm_set_clock_hook(h->vm, virtual_clock, NULL);
	ck_assert_int_eq(soft_vm_create_irqchip(h->vm), 0);
	ck_assert_int_eq(soft_vm_create_pit(h->vm, KVM_PIT_SPEAKER_DUMMY), 0);
	h->cpu = soft_cpu_create(h->vm, 0, h->run);
	ck_assert_ptr_nonnull(h->cpu);
	cpuid_full(h, &cpuid.c, 128);
	h_set_cpuid(h, &cpuid.c);
	setup_long(h);
	/* 2 MiB pages for the IOAPIC and LAPIC at 0xfec00000/0xfee00000, uncached */
	for (uint64_t a = 0xfec00000ULL; a <= 0xfee00000ULL; a += 0x200000)
		wr64(h, PD_HI + ((a - 0xc0000000ULL) >> 21) * 8,
		     a | X86_PTE_P | X86_PTE_W | X86_PTE_PS | X86_PTE_A | X86_PTE_D | 0x10);
	for (unsigned v = 0; v < 256; v++) {
		const uint8_t report[] = {0xb0, (uint8_t)v, 0xe6, PORT_REPORT};

		put_code(h, HANDLER + v * 16, report, sizeof(report));
	}
}

/* Run until the guest reports a vector on PORT_REPORT; returns it. */
static unsigned run_to_report(struct h *h)
{
	for (int i = 0; i < 100000; i++) {
		unsigned r = h_run(h);

		if (r == KVM_EXIT_IO && h->run->io.port == PORT_REPORT)
			return *((uint8_t *)h->run + h->run->io.data_offset);
		ck_assert_msg(r == KVM_EXIT_IO, "unexpected exit %u", r);
	}
	ck_abort_msg("no report");
	return 0;
}

/*
 * ICW1-4 (base 0x20, 8086 mode), OCW1 unmasking IRQ 0; counter 0 mode 2
 * with 1193 (1 ms); sti; a busy loop:
 *   mov al,0x11; out 0x20,al; mov al,0x20; out 0x21,al; mov al,4; out 0x21,al
 *   mov al,1; out 0x21,al; mov al,0xfe; out 0x21,al
 *   mov al,0x34; out 0x43,al; mov al,0xa9; out 0x40,al; mov al,4; out 0x40,al
 *   sti; 1: jmp 1b
 */
static const uint8_t c_pit[] = {
    0xb0, 0x11, 0xe6, 0x20, 0xb0, 0x20, 0xe6, 0x21, 0xb0, 0x04, 0xe6, 0x21,
    0xb0, 0x01, 0xe6, 0x21, 0xb0, 0xfe, 0xe6, 0x21, 0xb0, 0x34, 0xe6, 0x43,
    0xb0, 0xa9, 0xe6, 0x40, 0xb0, 0x04, 0xe6, 0x40, 0xfb, 0xeb, 0xfe,
};

/* 8259A + 8254: IRQ 0 reaches the IDT at the PIC's vector base; no exit for the ports. */
START_TEST(pit_irq0_through_pic)
{
	struct h h;

	open_irq(&h);
	put_code(&h, CODE, c_pit, sizeof(c_pit));
	ck_assert_uint_eq(run_to_report(&h), 0x20);
	ck_assert_uint_eq(soft_cpu_get_stats(h.cpu)->irq_injected, 1);
	ck_assert_uint_ge(soft_cpu_get_stats(h.cpu)->kernel_io, 8);
	h_close(&h);
}
END_TEST

/*
 * KVM's PIT reinjection (arch/x86/kvm/i8254.c, the default of
 * KVM_CREATE_PIT2): c_pit with a report (0xaa) before the sti, so the host
 * can let n ticks pass while IF=0; ICW4 = icw4 (3: AEOI). The IRQ 0
 * handler reports 0x20 and, without AEOI, sends a non-specific EOI first:
 *   mov al,0x20; out 0x20,al; mov al,0x20; out 0xe9,al; iretq
 */
static void put_reinject_guest_around(struct h *h, uint8_t icw4, const uint8_t *pre, size_t npre,
				      const uint8_t *post, size_t npost)
{
	static const uint8_t eoi_handler[] = {0xb0, 0x20, 0xe6, 0x20, 0xb0,
					      0x20, 0xe6, 0xe9, 0x48, 0xcf};
	uint8_t code[sizeof(c_pit) + 64];
	size_t n = sizeof(c_pit) - 3;

	ck_assert_uint_le(npre + npost, 60);
	memcpy(code, c_pit, n);
	code[13] = icw4;
	if (npre) /* pre may be NULL: memcpy's source must not be, even for 0 bytes */
		memcpy(code + n, pre, npre);
	n += npre;
	memcpy(code + n, (const uint8_t[]){0xb0, 0xaa, 0xe6, PORT_REPORT}, 4);
	n += 4;
	if (npost)
		memcpy(code + n, post, npost);
	n += npost;
	memcpy(code + n, (const uint8_t[]){0xfb, 0xeb, 0xfe}, 3);
	put_code(h, CODE, code, n + 3);
	/* AEOI: skip the EOI (jump over the first 4 bytes) */
	put_code(h, HANDLER + 0x20 * 16, eoi_handler + (icw4 & 2 ? 4 : 0),
		 sizeof(eoi_handler) - (icw4 & 2 ? 4 : 0));
}

static void put_reinject_guest(struct h *h, uint8_t icw4)
{
	put_reinject_guest_around(h, icw4, NULL, 0, NULL, 0);
}

#define PIT_PERIOD_NS 999847ULL /* 1193 clocks of 1.193182 MHz */

/*
 * Five periods pass while IF=0. Reinject on: five IRQ 0 interrupts, each
 * sent after the previous one's EOI (or AEOI), all before the sixth tick;
 * off: one for the five (the PIC holds one request), the next at the sixth.
 */
/* Let five periods pass after the guest's 0xaa report; IRQ 0 reports (vector) before the sixth. */
static unsigned ticks_before_the_sixth(struct h *h, unsigned vector)
{
	unsigned early = 0;
	uint64_t t0;

	ck_assert_uint_eq(run_to_report(h), 0xaa);
	t0 = __atomic_load_n(&vnow, __ATOMIC_RELAXED);
	/* the fifth edge at most 5 periods after t0, the sixth at least 5.9 */
	__atomic_store_n(&vnow, t0 + 5 * PIT_PERIOD_NS + 200000, __ATOMIC_RELAXED);
	for (;;) {
		ck_assert_uint_eq(run_to_report(h), vector);
		if (__atomic_load_n(&vnow, __ATOMIC_RELAXED) >= t0 + 5900000)
			return early;
		early++;
	}
}

START_TEST(pit_missed_ticks_reinjected)
{
	bool aeoi = _i & 1, reinject = !(_i & 2);
	struct h h;

	open_irq(&h);
	put_reinject_guest(&h, aeoi ? 3 : 1);
	if (!reinject)
		ck_assert_int_eq(soft_vm_pit_reinject(h.vm, false), 0);
	ck_assert_uint_eq(ticks_before_the_sixth(&h, 0x20), reinject ? 5 : 1);
	h_close(&h);
}
END_TEST

/*
 * KVM drops the ticks it keeps for reinjection when counter 0 gets a new
 * count (create_pit_timer resets them) and when IRQ 0 is unmasked (its
 * mask notifier). Either way only the request the PIC already holds is
 * delivered before the sixth period, where five would be without the drop.
 *   reprogram, after the report: mov al,0xa9; out 0x40,al; mov al,4; out 0x40,al
 *   unmask: mov al,0xff; out 0x21,al before the report, mov al,0xfe; out 0x21,al after
 */
START_TEST(pit_missed_ticks_dropped)
{
	static const uint8_t reprogram[] = {0xb0, 0xa9, 0xe6, 0x40, 0xb0, 0x04, 0xe6, 0x40};
	static const uint8_t mask[] = {0xb0, 0xff, 0xe6, 0x21}, unmask[] = {0xb0, 0xfe, 0xe6, 0x21};
	struct h h;

	open_irq(&h);
	if (_i == 0)
		put_reinject_guest_around(&h, 1, NULL, 0, reprogram, sizeof(reprogram));
	else
		put_reinject_guest_around(&h, 1, mask, sizeof(mask), unmask, sizeof(unmask));
	ck_assert_uint_eq(ticks_before_the_sixth(&h, 0x20), 1);
	h_close(&h);
}
END_TEST

static void mmio32(struct h *h, uint64_t gpa, uint32_t v)
{
	ck_assert(irqchip_mmio(h->cpu, true, gpa, 4, (uint8_t *)&v));
}

/*
 * The same through IOAPIC pin 0 (edge, vector 0x30, the PIC masked): the
 * local APIC's EOI of 0x30 acknowledges the tick (KVM: the IOAPIC's EOI
 * path runs GSI 0's ack notifier for edge pins too). The guest programs
 * the PIT as c_pit, reports 0xaa, sti; jmp $. The handler:
 *   mov ebx,0xfee000b0; mov dword [rbx],0; mov al,0x30; out 0xe9,al; iretq
 */
START_TEST(pit_missed_ticks_reinjected_through_ioapic)
{
	static const uint8_t handler[] = {0xbb, 0xb0, 0x00, 0xe0, 0xfe, 0xc7, 0x03, 0x00, 0x00,
					  0x00, 0x00, 0xb0, 0x30, 0xe6, 0xe9, 0x48, 0xcf};
	uint8_t code[12 + 7], mask = 0xff;
	struct h h;

	open_irq(&h);
	memcpy(code, c_pit + 20, 12);
	memcpy(code + 12, (const uint8_t[]){0xb0, 0xaa, 0xe6, PORT_REPORT, 0xfb, 0xeb, 0xfe}, 7);
	put_code(&h, CODE, code, sizeof(code));
	put_code(&h, HANDLER + 0x30 * 16, handler, sizeof(handler));
	ck_assert(irqchip_pio(h.cpu, true, 0x21, 1, 1, &mask));
	mmio32(&h, 0xfee000f0, 0x1ff);	      /* SVR: APIC on */
	mmio32(&h, IOAPIC_BASE, 0x10);	      /* IOREGSEL: pin 0, low dword */
	mmio32(&h, IOAPIC_BASE + 0x10, 0x30); /* fixed, physical, edge, unmasked */
	ck_assert_uint_eq(ticks_before_the_sixth(&h, 0x30), 5);
	h_close(&h);
}
END_TEST

/*
 *   mov ebx,0xfee00000; mov dword [rbx+0xf0],0x1ff (SVR: enable)
 *   mov dword [rbx+0x3e0],0xb (divide by 1); mov dword [rbx+0x320],0x40 (one-shot)
 *   mov dword [rbx+0x380],100000; sti; hlt; mov al,0xee; out 0xe9,al
 */
static const uint8_t c_lapic[] = {
    0xbb, 0x00, 0x00, 0xe0, 0xfe, 0xc7, 0x83, 0xf0, 0x00, 0x00, 0x00, 0xff, 0x01,
    0x00, 0x00, 0xc7, 0x83, 0xe0, 0x03, 0x00, 0x00, 0x0b, 0x00, 0x00, 0x00, 0xc7,
    0x83, 0x20, 0x03, 0x00, 0x00, 0x40, 0x00, 0x00, 0x00, 0xc7, 0x83, 0x80, 0x03,
    0x00, 0x00, 0xa0, 0x86, 0x01, 0x00, 0xfb, 0xf4, 0xb0, 0xee, 0xe6, 0xe9,
};

/* LAPIC timer one-shot: HLT sleeps (no exit) until the timer's interrupt. */
START_TEST(lapic_timer_wakes_hlt)
{
	struct h h;
	struct kvm_mp_state mp;

	open_irq(&h);
	put_code(&h, CODE, c_lapic, sizeof(c_lapic));
	ck_assert_uint_eq(run_to_report(&h), 0x40);
	ck_assert_uint_eq(soft_cpu_get_stats(h.cpu)->hlt, 1);
	ck_assert_uint_eq(soft_cpu_get_stats(h.cpu)->halt_wakeups, 1);
	ck_assert_uint_eq(soft_cpu_get_stats(h.cpu)->timer_expiries, 1);
	/* the interrupt returns to the instruction after the HLT */
	ck_assert_uint_eq(rd64(&h, STACK_TOP - 40), CODE + 0x2f);
	soft_cpu_get_mp_state(h.cpu, &mp);
	ck_assert_uint_eq(mp.mp_state, KVM_MP_STATE_RUNNABLE);
	h_close(&h);
}
END_TEST

/*
 *   mov ebx,0xfee00000; mov dword [rbx+0xf0],0x1ff; mov eax,5; mov cr8,rax
 *   mov dword [rbx+0x300],0x44045 (self IPI 0x45); sti; nop; nop
 *   mov al,1; out 0xe9,al; xor eax,eax; mov cr8,rax; nop; mov al,2; out 0xe9,al
 */
static const uint8_t c_tpr[] = {
    0xbb, 0x00, 0x00, 0xe0, 0xfe, 0xc7, 0x83, 0xf0, 0x00, 0x00, 0x00, 0xff, 0x01,
    0x00, 0x00, 0xb8, 0x05, 0x00, 0x00, 0x00, 0x44, 0x0f, 0x22, 0xc0, 0xc7, 0x83,
    0x00, 0x03, 0x00, 0x00, 0x45, 0x40, 0x04, 0x00, 0xfb, 0x90, 0x90, 0xb0, 0x01,
    0xe6, 0xe9, 0x31, 0xc0, 0x44, 0x0f, 0x22, 0xc0, 0x90, 0xb0, 0x02, 0xe6, 0xe9,
};

/* SDM 11.8.3: CR8 = 5 holds back vector 0x45; lowering it delivers at once. */
START_TEST(tpr_masks_until_lowered)
{
	struct h h;

	open_irq(&h);
	put_code(&h, CODE, c_tpr, sizeof(c_tpr));
	ck_assert_uint_eq(run_to_report(&h), 0x01);
	ck_assert_uint_eq(h.run->cr8, 5);
	ck_assert_uint_eq(run_to_report(&h), 0x45);
	ck_assert_uint_eq(rd64(&h, STACK_TOP - 40), CODE + 0x2f); /* after mov cr8, rax */
	h_close(&h);
}
END_TEST

/*
 *   mov ebx,0xfee00000; mov dword [rbx+0xf0],0x1ff; mov dword [rbx+0x300],0x44041
 *   sti; mov ecx,7; mov edx,8
 */
static const uint8_t c_shadow[] = {
    0xbb, 0x00, 0x00, 0xe0, 0xfe, 0xc7, 0x83, 0xf0, 0x00, 0x00, 0x00, 0xff,
    0x01, 0x00, 0x00, 0xc7, 0x83, 0x00, 0x03, 0x00, 0x00, 0x41, 0x40, 0x04,
    0x00, 0xfb, 0xb9, 0x07, 0x00, 0x00, 0x00, 0xba, 0x08, 0x00, 0x00, 0x00,
};

/* SDM 6.8.3: after STI the pending interrupt waits for one more instruction. */
START_TEST(sti_shadow)
{
	struct h h;
	struct kvm_regs r;

	open_irq(&h);
	put_code(&h, CODE, c_shadow, sizeof(c_shadow));
	ck_assert_uint_eq(run_to_report(&h), 0x41);
	h_get_regs(&h, &r);
	ck_assert_uint_eq(r.rcx, 7);
	ck_assert_uint_eq(r.rdx, 0);
	ck_assert_uint_eq(rd64(&h, STACK_TOP - 40), CODE + 0x1f);
	h_close(&h);
}
END_TEST

/* cli; hlt */
static const uint8_t c_cli_hlt[] = {0xfa, 0xf4};

/* SDM 6.7.1: an NMI ignores IF, wakes a HLT, and a second waits for IRET. */
START_TEST(nmi_blocked_until_iret)
{
	struct h h;
	const uint8_t nmi_handler[] = {0xb0, 0x02, 0xe6, PORT_REPORT, 0x48, 0xcf}; /* ...; iretq */

	open_irq(&h);
	put_code(&h, CODE, c_cli_hlt, sizeof(c_cli_hlt));
	put_code(&h, HANDLER + 2 * 16, nmi_handler, sizeof(nmi_handler));
	ck_assert_int_eq(soft_cpu_nmi(h.cpu), 0);
	ck_assert_uint_eq(run_to_report(&h), 0x02);
	/* a second NMI while the first is in service: not before IRET */
	ck_assert_int_eq(soft_cpu_nmi(h.cpu), 0);
	ck_assert_uint_eq(run_to_report(&h), 0x02);
	/*
	 * The first NMI was taken before the cli (pending at entry); the
	 * second, queued while the handler runs, comes after its IRET returned
	 * there, not nested at the handler's iretq (HANDLER + 36).
	 */
	ck_assert_uint_eq(rd64(&h, STACK_TOP - 40), CODE);
	ck_assert_uint_eq(soft_cpu_get_stats(h.cpu)->nmi_injected, 2);
	h_close(&h);
}
END_TEST

struct waker {
	struct h *h;
	bool kick; /* else raise IRQ 4 */
};

/* Another thread: wait (spinning, no sleep) until the vCPU is halted, then act. */
static void *waker_thread(void *arg)
{
	struct waker *w = arg;
	struct kvm_mp_state mp;

	do {
		sched_yield();
		soft_cpu_get_mp_state(w->h->cpu, &mp);
	} while (mp.mp_state != KVM_MP_STATE_HALTED);
	if (w->kick)
		soft_cpu_kick(w->h->cpu);
	else
		soft_vm_irq_line(w->h->vm, 4, 1, NULL);
	return NULL;
}

/*
 * PIC as in c_pit but unmasking IRQ 4 only (OCW1 0xef), then sti; hlt:
 *   ...; mov al,0xef; out 0x21,al; sti; hlt; mov al,0xee; out 0xe9,al
 */
static const uint8_t c_irq4[] = {
    0xb0, 0x11, 0xe6, 0x20, 0xb0, 0x20, 0xe6, 0x21, 0xb0, 0x04, 0xe6, 0x21, 0xb0,
    0x01, 0xe6, 0x21, 0xb0, 0xef, 0xe6, 0x21, 0xfb, 0xf4, 0xb0, 0xee, 0xe6, 0xe9,
};

/* KVM_IRQ_LINE from another thread wakes the sleeping vCPU, which takes IRQ 4. */
START_TEST(irq_line_from_thread_wakes_hlt)
{
	struct h h;
	pthread_t t;
	struct waker w = {.h = &h, .kick = false};

	open_irq(&h);
	/* a real clock: the vCPU must sleep until the line, with no timer to end it */
	soft_vm_set_clock_hook(h.vm, NULL, NULL);
	put_code(&h, CODE, c_irq4, sizeof(c_irq4));
	ck_assert_int_eq(pthread_create(&t, NULL, waker_thread, &w), 0);
	ck_assert_uint_eq(run_to_report(&h), 0x24);
	pthread_join(t, NULL);
	ck_assert_uint_eq(soft_cpu_get_stats(h.cpu)->halt_wakeups, 1);
	h_close(&h);
}
END_TEST

/* HLT with IF=0 sleeps (as KVM); a kick ends KVM_RUN at once with -EINTR, still halted. */
START_TEST(kick_wakes_halted_vcpu)
{
	struct h h;
	pthread_t t;
	struct waker w = {.h = &h, .kick = true};
	struct kvm_mp_state mp;

	open_irq(&h);
	soft_vm_set_clock_hook(h.vm, NULL, NULL);
	put_code(&h, CODE, c_cli_hlt, sizeof(c_cli_hlt));
	ck_assert_int_eq(pthread_create(&t, NULL, waker_thread, &w), 0);
	ck_assert_int_eq(soft_cpu_run(h.cpu), -EINTR);
	pthread_join(t, NULL);
	ck_assert_uint_eq(h.run->exit_reason, KVM_EXIT_INTR);
	soft_cpu_get_mp_state(h.cpu, &mp);
	ck_assert_uint_eq(mp.mp_state, KVM_MP_STATE_HALTED);
	/* immediate_exit on the next run returns at once too */
	h.run->immediate_exit = 1;
	ck_assert_int_eq(soft_cpu_run(h.cpu), -EINTR);
	h_close(&h);
}
END_TEST

/* Without an irqchip KVM_INTERRUPT works as before; with one it is ENXIO, as KVM. */
START_TEST(kvm_interrupt_only_without_irqchip)
{
	struct h h;

	open_irq(&h);
	ck_assert_int_eq(soft_cpu_interrupt(h.cpu, 0x30), -ENXIO);
	h_close(&h);
	ck_assert(h_open(&h, false));
	ck_assert_int_eq(soft_cpu_interrupt(h.cpu, 0x30), 0);
	h_close(&h);
}
END_TEST

/*
 * Delivery whose IDT or stack is outside RAM (the harness's MMIO page at
 * 0xd0000000). With VMX, KVM cannot complete an event delivery that hits
 * MMIO (an EPT misconfiguration while delivering; vmx.c's
 * __vmx_handle_exit): KVM_RUN exits with KVM_EXIT_INTERNAL_ERROR,
 * suberror KVM_INTERNAL_ERROR_DELIVERY_EV, data[0] the IDT-vectoring
 * information (SDM vol. 3 25.9.3: bit 31 valid, bits 10:8 the type, 7:0
 * the vector), data[1] the exit reason (49, EPT misconfiguration), and
 * the guest's state as before the delivery. The soft CPU must do the same
 * rather than acknowledge the interrupt and lose it.
 */
#define MMIO_PAGE 0xd0000000ULL
#define VECTORING_VALID 0x80000000u
#define VECTORING_EXTERNAL (0u << 8)
#define VECTORING_HW_EXCEPTION (3u << 8)
#define VECTORING_SOFT_INT (4u << 8)
#define VMX_EXIT_EPT_MISCONFIG 49

static void expect_delivery_error(struct h *h, uint32_t vectoring, uint64_t rip, uint64_t rsp)
{
	struct kvm_regs r;
	unsigned reason;

	/* Port exits of the set-up code are answered in-"kernel"; run to the error. */
	for (int i = 0; i < 1000 && (reason = h_run(h)) == KVM_EXIT_IO; i++)
		;
	ck_assert_uint_eq(reason, KVM_EXIT_INTERNAL_ERROR);
	ck_assert_uint_eq(h->run->internal.suberror, KVM_INTERNAL_ERROR_DELIVERY_EV);
	ck_assert_uint_ge(h->run->internal.ndata, 2);
	ck_assert_uint_eq(h->run->internal.data[0], vectoring);
	ck_assert_uint_eq(h->run->internal.data[1], VMX_EXIT_EPT_MISCONFIG);
	/* Nothing delivered: the interrupted instruction, the stack as it was. */
	h_get_regs(h, &r);
	ck_assert_uint_eq(r.rip, rip);
	ck_assert_uint_eq(r.rsp, rsp);
}

static void idt_at(struct h *h, uint64_t base)
{
	struct kvm_sregs s;

	h_get_sregs(h, &s);
	s.idt.base = base;
	h_set_sregs(h, &s);
}

/* PIT IRQ 0 with the IDT in MMIO: the interrupt is not lost in silence. */
START_TEST(external_irq_with_idt_in_mmio)
{
	struct h h;

	open_irq(&h);
	put_code(&h, CODE, c_pit, sizeof(c_pit));
	idt_at(&h, MMIO_PAGE);
	/* interrupted at the `jmp $` that ends c_pit */
	expect_delivery_error(&h, VECTORING_VALID | VECTORING_EXTERNAL | 0x20,
			      CODE + sizeof(c_pit) - 2, STACK_TOP);
	h_close(&h);
}
END_TEST

/* The same interrupt with the IDT in RAM but the stack in MMIO. */
START_TEST(external_irq_with_stack_in_mmio)
{
	struct h h;
	struct kvm_regs r;

	open_irq(&h);
	put_code(&h, CODE, c_pit, sizeof(c_pit));
	h_get_regs(&h, &r);
	r.rsp = MMIO_PAGE + 0x1000;
	h_set_regs(&h, &r);
	expect_delivery_error(&h, VECTORING_VALID | VECTORING_EXTERNAL | 0x20,
			      CODE + sizeof(c_pit) - 2, MMIO_PAGE + 0x1000);
	h_close(&h);
}
END_TEST

/* An exception (ud2: #UD) and a software interrupt (int 0x30) through an IDT in MMIO. */
static const uint8_t c_ud2[] = {0x0f, 0x0b};
static const uint8_t c_int30[] = {0xcd, 0x30};

START_TEST(exception_and_int_n_with_idt_in_mmio)
{
	struct h h;

	open_irq(&h);
	put_code(&h, CODE, _i ? c_int30 : c_ud2, 2);
	idt_at(&h, MMIO_PAGE);
	expect_delivery_error(&h,
			      _i ? VECTORING_VALID | VECTORING_SOFT_INT | 0x30
				 : VECTORING_VALID | VECTORING_HW_EXCEPTION | 6,
			      CODE, STACK_TOP);
	h_close(&h);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("soft irq");
	TCase *tc = tcase_create("delivery");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, pit_irq0_through_pic);
	tcase_add_loop_test(tc, pit_missed_ticks_reinjected, 0, 4);
	tcase_add_test(tc, pit_missed_ticks_reinjected_through_ioapic);
	tcase_add_loop_test(tc, pit_missed_ticks_dropped, 0, 2);
	tcase_add_test(tc, lapic_timer_wakes_hlt);
	tcase_add_test(tc, tpr_masks_until_lowered);
	tcase_add_test(tc, sti_shadow);
	tcase_add_test(tc, nmi_blocked_until_iret);
	tcase_add_test(tc, irq_line_from_thread_wakes_hlt);
	tcase_add_test(tc, kick_wakes_halted_vcpu);
	tcase_add_test(tc, kvm_interrupt_only_without_irqchip);
	tcase_add_test(tc, external_irq_with_idt_in_mmio);
	tcase_add_test(tc, external_irq_with_stack_in_mmio);
	tcase_add_loop_test(tc, exception_and_int_n_with_idt_in_mmio, 0, 2);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run_suite(suite());
}
