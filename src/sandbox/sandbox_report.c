// SPDX-License-Identifier: MIT
/*
 * Reporting a sandbox violation. The filter's default action is
 * SECCOMP_RET_TRAP: the kernel refuses the call and sends SIGSYS with the
 * call's number, and this handler writes one line to stderr, lets the VM
 * give the terminal back, and ends the process. It ends it through the
 * filter itself: resetting SIGSYS to its default is a rule with
 * SECCOMP_RET_KILL_PROCESS, so the kernel kills every thread at once and
 * the process dies of SIGSYS, as if the first call had been killed
 * outright. The handler cannot be replaced afterwards for the same reason.
 *
 * Everything here runs in a signal handler: no stdio, no malloc, no locks.
 * This is signal plumbing, so its state is process-wide.
 */
#include "sandbox/sandbox_report.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <seccomp.h>

/*
 * si_code of a SIGSYS sent by seccomp: <asm-generic/siginfo.h>, which
 * cannot be included beside glibc's <signal.h>; glibc 2.36 lacks it.
 */
#ifndef SYS_SECCOMP
#define SYS_SECCOMP 1
#endif

/* Above every x86-64 system call number today (462 in Linux 6.x). */
#define REPORT_MAX_NR 512
#define REPORT_NAME_LEN 24

static struct {
	void (*on_violation)(void);
	bool have_names;
	char names[REPORT_MAX_NR][REPORT_NAME_LEN];
} report;

static size_t append(char *buf, size_t size, size_t at, const char *s)
{
	while (*s && at + 1 < size)
		buf[at++] = *s++;
	buf[at < size ? at : size - 1] = '\0';
	return at;
}

size_t sandbox_report_format(char *buf, size_t size, long nr, const char *name)
{
	char digits[24];
	unsigned long v = nr < 0 ? (unsigned long)-nr : (unsigned long)nr;
	size_t at = 0, d = sizeof(digits) - 1;

	if (!size)
		return 0;
	digits[d] = '\0';
	do {
		digits[--d] = (char)('0' + v % 10);
		v /= 10;
	} while (v && d > 1);
	if (nr < 0)
		digits[--d] = '-';
	at = append(buf, size, at, "minivmm: sandbox: system call ");
	at = append(buf, size, at, digits + d);
	if (name) {
		at = append(buf, size, at, " (");
		at = append(buf, size, at, name);
		at = append(buf, size, at, ")");
	}
	at = append(buf, size, at, " is not allowed after set-up; stopping");
	if (!name)
		at = append(buf, size, at, " (-v names it)");
	return append(buf, size, at, "\n");
}

static void on_sigsys(int sig, siginfo_t *si, void *uc)
{
	char msg[160];
	const char *name = NULL;
	size_t len;
	ssize_t rc;

	if (si->si_code == SYS_SECCOMP) {
		if (report.have_names && si->si_syscall >= 0 && si->si_syscall < REPORT_MAX_NR &&
		    report.names[si->si_syscall][0])
			name = report.names[si->si_syscall];
		len = sandbox_report_format(msg, sizeof(msg), si->si_syscall, name);
		rc = write(STDERR_FILENO, msg, len);
		(void)rc;
	}
	if (report.on_violation)
		report.on_violation();
	/* A KILL_PROCESS rule of the filter: the process dies of SIGSYS right here. */
	signal(SIGSYS, SIG_DFL);
	/* Not reached under the filter; without it (a SIGSYS from kill(1)), the same end. */
	raise(SIGSYS);
	_exit(128 + SIGSYS);
}

static void look_up_names(void)
{
	for (int nr = 0; nr < REPORT_MAX_NR; nr++) {
		char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);

		if (name) {
			strncpy(report.names[nr], name, REPORT_NAME_LEN - 1);
			free(name);
		}
	}
	report.have_names = true;
}

int sandbox_report_install(bool verbose, void (*on_violation)(void))
{
	struct sigaction sa = {.sa_sigaction = on_sigsys, .sa_flags = SA_SIGINFO};

	if (verbose && !report.have_names)
		look_up_names();
	report.on_violation = on_violation;
	/* Every other signal waits while the message is written and the terminal restored. */
	sigfillset(&sa.sa_mask);
	return sigaction(SIGSYS, &sa, NULL) ? -errno : 0;
}
