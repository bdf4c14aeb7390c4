// SPDX-License-Identifier: MIT
/*
 * The process-wide signal plumbing (src/vm_signals.c) reaches the one vCPU
 * it was given: SIGTERM/SIGINT/SIGHUP and the --timeout alarm become a
 * kick of that vCPU (its kick_signal and kvm_run's immediate_exit, what
 * api.rst says makes KVM_RUN return EINTR), and restoring puts the default
 * dispositions back (POSIX sigaction) and forgets the vCPU.
 */
#include <check.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/time.h>
#include <linux/kvm.h>

#include "devices/uart.h"
#include "support/run_suite.h"
#include "vcpu/vcpu.h"
#include "vm_signals.h"

static struct kvm_run run;
static struct vcpu cpu, other;
static struct uart_console console;

static void setup(void)
{
	memset(&run, 0, sizeof(run));
	cpu = (struct vcpu){.fd = -1, .run = &run};
	other = (struct vcpu){.fd = -1};
	memset(&console, 0, sizeof(console));
}

static bool handler_is_default(int sig)
{
	struct sigaction sa;

	ck_assert_int_eq(sigaction(sig, NULL, &sa), 0);
	return sa.sa_handler == SIG_DFL;
}

START_TEST(stop_signal_kicks_the_installed_vcpu)
{
	static const int sigs[] = {SIGTERM, SIGINT, SIGHUP};
	int sig = sigs[_i];

	vm_signals_install(&cpu, &console, 0);
	ck_assert(!handler_is_default(sig));
	raise(sig);
	ck_assert_int_eq(cpu.kick_signal, sig);
	ck_assert_uint_eq(run.immediate_exit, 1);
	ck_assert_int_eq(other.kick_signal, 0);
	/* A second signal does not replace the first: the first one is reported. */
	raise(sig == SIGTERM ? SIGINT : SIGTERM);
	ck_assert_int_eq(cpu.kick_signal, sig);
	vm_signals_restore();
	ck_assert(handler_is_default(sig));
}
END_TEST

START_TEST(timeout_alarm_kicks_with_sigalrm)
{
	struct timespec pause = {0, 1000 * 1000};

	vm_signals_install(&cpu, &console, 0.01);
	/* Bounded wait: the alarm is due after 10 ms; give it 10 s. */
	for (int i = 0; i < 10000 && !cpu.kick_signal; i++)
		nanosleep(&pause, NULL);
	ck_assert_int_eq(cpu.kick_signal, SIGALRM);
	vm_signals_restore();
	ck_assert(handler_is_default(SIGALRM));
}
END_TEST

START_TEST(restore_forgets_the_vcpu_and_disarms_the_alarm)
{
	struct itimerval it;

	vm_signals_install(&cpu, &console, 1000);
	vm_signals_restore();
	ck_assert_int_eq(getitimer(ITIMER_REAL, &it), 0);
	ck_assert_int_eq(it.it_value.tv_sec, 0);
	ck_assert_int_eq(it.it_value.tv_usec, 0);
	/* Reinstalled for another vCPU, the first is not the one kicked. */
	vm_signals_install(&other, &console, 0);
	raise(SIGTERM);
	ck_assert_int_eq(other.kick_signal, SIGTERM);
	ck_assert_int_eq(cpu.kick_signal, 0);
	vm_signals_restore();
}
END_TEST

int main(void)
{
	Suite *s = suite_create("vm_signals");
	TCase *tc = tcase_create("plumbing");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_loop_test(tc, stop_signal_kicks_the_installed_vcpu, 0, 3);
	tcase_add_test(tc, timeout_alarm_kicks_with_sigalrm);
	tcase_add_test(tc, restore_forgets_the_vcpu_and_disarms_the_alarm);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	return test_run_suite(s);
}
