// SPDX-License-Identifier: MIT
/*
 * The VMM's side of the in-kernel irqchip, against a scripted provider that
 * answers as the KVM API documentation says /dev/kvm does: the capability
 * checks and their one-line refusal, KVM_CREATE_IRQCHIP before
 * KVM_CREATE_PIT2 with KVM_PIT_SPEAKER_DUMMY, the boot processor's LINT0 /
 * LINT1 delivery modes (Intel SDM vol. 3A, figure 11-8: ExtINT = 111b, NMI
 * = 100b in bits 10:8, mask bit 16), KVM_IRQ_LINE's payload, and the run
 * loop's halt check after the idle tick (KVM_GET_MP_STATE HALTED with
 * RFLAGS.IF clear and no NMI pending ends the VM; anything else runs on).
 * This is the kvm provider's code path, runnable without /dev/kvm.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/kvm.h>

#include "devices/bus.h"
#include "vcpu/provider.h"
#include "vcpu/vcpu.h"
#include "support/run_suite.h"

#define RUN_SIZE 8192
#define MAX_CALLS 64

/* What the fake KVM has and answers. */
struct fake_kvm {
	long missing_cap; /* -1: every capability present */
	unsigned long calls[MAX_CALLS];
	unsigned nr_calls;
	uint32_t pit_flags;
	struct kvm_lapic_state lapic; /* what KVM_GET_LAPIC returns, KVM_SET_LAPIC stores */
	struct kvm_irq_level last_irq;
	uint32_t mp_state;
	uint64_t rflags;
	uint8_t nmi_pending;
	unsigned runs_left; /* KVM_RUN returns EINTR this often, then the test's stop */
};

static struct fake_kvm K;
static uint8_t *run_buf;
static struct kvm_vm vm;
static struct vcpu cpu;

static int check_extension(long cap)
{
	return cap == K.missing_cap ? 0 : 1;
}

static int vcpu_ioctl(unsigned long req, void *arg)
{
	switch (req) {
	case KVM_GET_LAPIC:
		memcpy(arg, &K.lapic, sizeof(K.lapic));
		return 0;
	case KVM_SET_LAPIC:
		memcpy(&K.lapic, arg, sizeof(K.lapic));
		return 0;
	case KVM_GET_MP_STATE:
		((struct kvm_mp_state *)arg)->mp_state = K.mp_state;
		return 0;
	case KVM_GET_REGS:
		memset(arg, 0, sizeof(struct kvm_regs));
		((struct kvm_regs *)arg)->rflags = K.rflags;
		return 0;
	case KVM_GET_VCPU_EVENTS:
		memset(arg, 0, sizeof(struct kvm_vcpu_events));
		((struct kvm_vcpu_events *)arg)->nmi.pending = K.nmi_pending;
		return 0;
	case KVM_RUN:
		/* As a vCPU asleep in HLT that the idle tick kicked: EINTR. */
		if (K.runs_left && --K.runs_left == 0)
			vcpu_kick(&cpu, SIGTERM);
		errno = EINTR;
		return -1;
	}
	errno = ENOTTY;
	return -1;
}

static int fake_ioctl(int fd, unsigned long req, void *arg)
{
	if (K.nr_calls < MAX_CALLS)
		K.calls[K.nr_calls++] = req;
	switch (req) {
	case KVM_CHECK_EXTENSION:
		return check_extension((long)arg);
	case KVM_CREATE_IRQCHIP:
		return 0;
	case KVM_CREATE_PIT2:
		K.pit_flags = ((struct kvm_pit_config *)arg)->flags;
		return 0;
	case KVM_IRQ_LINE:
		K.last_irq = *(struct kvm_irq_level *)arg;
		return 0;
	}
	return vcpu_ioctl(req, arg);
}

static int fake_close(int fd)
{
	return 0;
}

static const struct kvm_provider kernel_like = {
    .name = "kvm", .ioctl = fake_ioctl, .close = fake_close};
static const struct kvm_provider optional = {
    .name = "soft", .ioctl = fake_ioctl, .close = fake_close, .irqchip_optional = true};

static void use(const struct kvm_provider *p)
{
	vm = (struct kvm_vm){.prov = p, .sys_fd = 3, .vm_fd = 4, .run_size = RUN_SIZE};
	cpu = (struct vcpu){.vm = &vm, .fd = 5, .run = (struct kvm_run *)run_buf};
}

static void setup(void)
{
	memset(&K, 0, sizeof(K));
	K.missing_cap = -1;
	run_buf = calloc(1, RUN_SIZE);
	use(&kernel_like);
}

static void teardown(void)
{
	free(run_buf);
}

static int call_index(unsigned long req)
{
	for (unsigned i = 0; i < K.nr_calls; i++)
		if (K.calls[i] == req)
			return (int)i;
	return -1;
}

/* Run f with stderr going to a buffer; returns what it printed. */
static const char *stderr_of(int (*f)(struct kvm_vm *), int *rc)
{
	static char buf[512];
	FILE *tmp = tmpfile();
	int saved = dup(STDERR_FILENO);
	size_t n;

	ck_assert_ptr_nonnull(tmp);
	fflush(stderr);
	dup2(fileno(tmp), STDERR_FILENO);
	*rc = f(&vm);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	rewind(tmp);
	n = fread(buf, 1, sizeof(buf) - 1, tmp);
	buf[n] = '\0';
	fclose(tmp);
	return buf;
}

START_TEST(creates_irqchip_then_pit_with_dummy_speaker)
{
	ck_assert_int_eq(kvm_vm_create_irqchip(&vm), 0);
	ck_assert(vm.irqchip);
	ck_assert_int_ge(call_index(KVM_CREATE_IRQCHIP), 0);
	ck_assert_int_gt(call_index(KVM_CREATE_PIT2), call_index(KVM_CREATE_IRQCHIP));
	ck_assert_uint_eq(K.pit_flags, KVM_PIT_SPEAKER_DUMMY);
}
END_TEST

START_TEST(kvm_without_a_capability_is_one_line)
{
	static const long caps[] = {KVM_CAP_IRQCHIP, KVM_CAP_PIT2, KVM_CAP_MP_STATE};
	static const char *const names[] = {"KVM_CAP_IRQCHIP", "KVM_CAP_PIT2", "KVM_CAP_MP_STATE"};
	const char *err;
	int rc;

	K.missing_cap = caps[_i];
	err = stderr_of(kvm_vm_create_irqchip, &rc);
	ck_assert_int_eq(rc, -1);
	ck_assert_ptr_nonnull(strstr(err, names[_i]));
	ck_assert_ptr_eq(strchr(err, '\n'), err + strlen(err) - 1); /* exactly one line */
	ck_assert_int_eq(call_index(KVM_CREATE_IRQCHIP), -1);
}
END_TEST

START_TEST(optional_provider_runs_without)
{
	const char *err;
	int rc;

	use(&optional);
	K.missing_cap = KVM_CAP_IRQCHIP;
	err = stderr_of(kvm_vm_create_irqchip, &rc);
	ck_assert_int_eq(rc, 0);
	ck_assert(!vm.irqchip);
	ck_assert_str_eq(err, "");
	ck_assert_int_eq(call_index(KVM_CREATE_IRQCHIP), -1);
	ck_assert_int_eq(kvm_vm_irq_line(&vm, 4, 1), -ENODEV);
}
END_TEST

static uint32_t lvt(unsigned off)
{
	uint32_t v;

	memcpy(&v, K.lapic.regs + off, 4);
	return v;
}

START_TEST(lint0_extint_lint1_nmi)
{
	uint32_t masked = 0x10000;

	ck_assert_int_eq(kvm_vm_create_irqchip(&vm), 0);
	/* A reset LAPIC: both LINTs masked, fixed delivery. */
	memcpy(K.lapic.regs + 0x350, &masked, 4);
	memcpy(K.lapic.regs + 0x360, &masked, 4);
	ck_assert_int_eq(vcpu_setup_lapic(&cpu), 0);
	ck_assert_uint_eq(lvt(0x350), 0x700); /* ExtINT, unmasked */
	ck_assert_uint_eq(lvt(0x360), 0x400); /* NMI, unmasked */
}
END_TEST

START_TEST(irq_line_payload)
{
	ck_assert_int_eq(kvm_vm_create_irqchip(&vm), 0);
	ck_assert_int_eq(kvm_vm_irq_line(&vm, 4, 1), 0);
	ck_assert_uint_eq(K.last_irq.irq, 4);
	ck_assert_uint_eq(K.last_irq.level, 1);
	ck_assert_int_eq(kvm_vm_irq_line(&vm, 8, 0), 0);
	ck_assert_uint_eq(K.last_irq.irq, 8);
	ck_assert_uint_eq(K.last_irq.level, 0);
}
END_TEST

static struct vcpu_stop run_after_tick(void)
{
	struct bus bus;
	struct vcpu_stop stop;

	memset(&bus, 0, sizeof(bus));
	memset(&stop, 0, sizeof(stop));
	ck_assert_int_eq(kvm_vm_create_irqchip(&vm), 0);
	/* No exit since the last tick: the next one asks for the halt check. */
	vcpu_idle_tick(&cpu);
	vcpu_idle_tick(&cpu);
	ck_assert(cpu.halt_check);
	ck_assert_uint_eq(cpu.run->immediate_exit, 1);
	vcpu_run(&cpu, &bus, NULL, &stop);
	return stop;
}

START_TEST(halted_with_if_clear_ends_the_vm)
{
	struct vcpu_stop stop;

	K.mp_state = KVM_MP_STATE_HALTED;
	K.rflags = 0x2;
	K.runs_left = 3;
	stop = run_after_tick();
	ck_assert_int_eq(stop.kind, VCPU_STOP_HALT);
	ck_assert_int_eq(stop.status, 0);
	ck_assert_str_eq(stop.reason, "guest halted with interrupts disabled");
}
END_TEST

/* _i: 0 halted with IF set, 1 running with IF clear, 2 halted, IF clear, NMI pending. */
START_TEST(anything_else_runs_on)
{
	struct vcpu_stop stop;

	K.mp_state = _i == 1 ? KVM_MP_STATE_RUNNABLE : KVM_MP_STATE_HALTED;
	K.rflags = _i == 0 ? 0x202 : 0x2;
	K.nmi_pending = _i == 2;
	K.runs_left = 3; /* then the test's SIGTERM stops it */
	stop = run_after_tick();
	ck_assert_int_eq(stop.kind, VCPU_STOP_SIGNAL);
	ck_assert_int_eq(stop.status, 128 + SIGTERM);
}
END_TEST

START_TEST(a_vcpu_that_exits_is_not_checked)
{
	ck_assert_int_eq(kvm_vm_create_irqchip(&vm), 0);
	cpu.exits = 1;
	vcpu_idle_tick(&cpu); /* sees the exit: no check */
	ck_assert(!cpu.halt_check);
	ck_assert_uint_eq(cpu.run->immediate_exit, 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("irqchip_setup");
	TCase *tc = tcase_create("vmm side");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, creates_irqchip_then_pit_with_dummy_speaker);
	tcase_add_loop_test(tc, kvm_without_a_capability_is_one_line, 0, 3);
	tcase_add_test(tc, optional_provider_runs_without);
	tcase_add_test(tc, lint0_extint_lint1_nmi);
	tcase_add_test(tc, irq_line_payload);
	tcase_add_test(tc, halted_with_if_clear_ends_the_vm);
	tcase_add_loop_test(tc, anything_else_runs_on, 0, 3);
	tcase_add_test(tc, a_vcpu_that_exits_is_not_checked);
	suite_add_tcase(s, tc);
	return test_run_suite(s);
}
