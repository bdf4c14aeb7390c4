// SPDX-License-Identifier: MIT
/* Signal handling while a guest runs: the process-wide part of the VMM (see vm_signals.h). */
#include "vm_signals.h"

#include <signal.h>
#include <stddef.h>
#include <sys/time.h>

#include "devices/uart.h"
#include "sandbox/sandbox.h"
#include "vcpu/vcpu.h"

/* What the handlers act on: set before they are installed, cleared after they are removed. */
static struct vcpu *volatile kick_target;
static struct uart_console *volatile tty_owner;

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
}
