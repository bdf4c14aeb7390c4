// SPDX-License-Identifier: MIT
/* Signal handling while a guest runs: the process-wide part of the VMM (see vm_signals.h). */
#include "vm_signals.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>
#include <unistd.h>
#include <sys/time.h>

#include "devices/uart.h"
#include "sandbox/sandbox.h"
#include "vcpu/vcpu.h"

/* What the handlers act on: set before they are installed, cleared after they are removed. */
static struct vcpu *volatile kick_target;
static struct uart_console *volatile tty_owner;
/* The idle tick's timer (vm_signals_start_idle_tick), while it exists. */
static timer_t idle_timer;
static bool idle_timer_armed;

static const int stop_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGALRM};
/*
 * A crash of minivmm itself (a bug, never the guest's doing) must not leave
 * the user's terminal in raw mode: restore it, then die of the same signal.
 */
static const int fatal_signals[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGQUIT};

#define NR(a) (sizeof(a) / sizeof((a)[0]))

static void on_stop_signal(int sig)
{
	struct vcpu *cpu = kick_target;

	if (cpu)
		vcpu_kick(cpu, sig);
}

static void on_idle_tick(int sig)
{
	struct vcpu *cpu = kick_target;

	(void)sig;
	if (cpu)
		vcpu_idle_tick(cpu);
}

int vm_signals_start_idle_tick(void)
{
	struct sigaction sa = {.sa_handler = on_idle_tick};
	struct sigevent sev = {.sigev_notify = SIGEV_THREAD_ID, .sigev_signo = SIGRTMIN};
	struct itimerspec it = {
	    .it_interval = {.tv_nsec = VCPU_IDLE_TICK_MS * 1000000L},
	    .it_value = {.tv_nsec = VCPU_IDLE_TICK_MS * 1000000L},
	};

	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGRTMIN, &sa, NULL))
		return -errno;
	/* glibc 2.36 names the field only as _sigev_un._tid (no sigev_notify_thread_id). */
	sev._sigev_un._tid = gettid();
	if (timer_create(CLOCK_MONOTONIC, &sev, &idle_timer))
		return -errno;
	idle_timer_armed = true;
	if (timer_settime(idle_timer, 0, &it, NULL))
		return -errno;
	return 0;
}

void vm_signals_restore_tty(void)
{
	struct uart_console *c = tty_owner;

	if (c)
		uart_console_restore_tty(c);
}

static void on_fatal_signal(int sig)
{
	vm_signals_restore_tty();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void start_timeout(double seconds)
{
	struct itimerval it = {0};

	if (seconds <= 0)
		return;
	it.it_value.tv_sec = (time_t)seconds;
	it.it_value.tv_usec = (suseconds_t)((seconds - (double)it.it_value.tv_sec) * 1e6);
	if (it.it_value.tv_sec == 0 && it.it_value.tv_usec == 0)
		it.it_value.tv_usec = 1;
	setitimer(ITIMER_REAL, &it, NULL);
}

void vm_signals_install(struct vcpu *cpu, struct uart_console *console, double timeout_s)
{
	struct sigaction sa = {.sa_handler = on_stop_signal};

	kick_target = cpu;
	tty_owner = console;
	/* No SA_RESTART: KVM_RUN must return EINTR so the run loop sees the signal. */
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < NR(stop_signals); i++)
		sigaction(stop_signals[i], &sa, NULL);
	sa.sa_handler = on_fatal_signal;
	for (size_t i = 0; i < NR(fatal_signals); i++)
		sigaction(fatal_signals[i], &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	start_timeout(timeout_s);
}

void vm_signals_restore(void)
{
	struct itimerval off = {0};

	setitimer(ITIMER_REAL, &off, NULL);
	if (idle_timer_armed) {
		timer_delete(idle_timer);
		idle_timer_armed = false;
		signal(SIGRTMIN, SIG_DFL);
	}
	for (size_t i = 0; i < NR(stop_signals); i++)
		signal(stop_signals[i], SIG_DFL);
	for (size_t i = 0; i < NR(fatal_signals); i++)
		signal(fatal_signals[i], SIG_DFL);
	kick_target = NULL;
	tty_owner = NULL;
}

void vm_signals_sandbox_allow(struct sandbox *sb)
{
	/* vm_signals_restore() and on_fatal_signal() reset these to their defaults. */
	for (size_t i = 0; i < NR(stop_signals); i++)
		sandbox_allow_arg0(sb, SCMP_SYS(rt_sigaction), stop_signals[i]);
	for (size_t i = 0; i < NR(fatal_signals); i++)
		sandbox_allow_arg0(sb, SCMP_SYS(rt_sigaction), fatal_signals[i]);
	/* The idle tick: its disposition reset and its timer deleted when the VM stops. */
	if (idle_timer_armed) {
		sandbox_allow_arg0(sb, SCMP_SYS(rt_sigaction), SIGRTMIN);
		sandbox_allow(sb, SCMP_SYS(timer_delete));
	}
}
