// SPDX-License-Identifier: MIT
/*
 * --reboot: a reset restarts the machine. Each boot is a child process
 * that does everything a run without --reboot does (open and load the
 * kernel and modules anew, build the devices, the ACPI tables, a fresh VM
 * and vCPU, enter the sandbox) and exits with its status; one page shared
 * with the parent says whether the guest reset the machine. So nothing
 * of one boot survives into the next but the disk images' contents, and
 * the sandbox is never loosened: the parent, which never maps guest RAM
 * or touches a guest-controlled byte, only forks, waits and forwards
 * SIGINT, SIGTERM and SIGHUP (blocked in it and taken with sigwaitinfo,
 * so it needs no handler and no global state).
 *
 * Bounds: at most cfg->reboot restarts (the reset after the last one ends
 * minivmm with that boot's status), and --timeout counts over all boots.
 */
#include "vm.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct reboot_page {
	volatile int reset;
};

static double seconds_since(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t0->tv_sec) + (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
}

/* The child: the caller's signal mask back, one boot, its status as the exit status. */
static void boot_child(const struct vm_config *cfg, const sigset_t *old, struct reboot_page *page)
{
	bool reset = false;
	int status;

	sigprocmask(SIG_SETMASK, old, NULL);
	status = vm_boot_once(cfg, &reset);
	page->reset = reset;
	fflush(NULL);
	_exit(status & 0xff);
}

/*
 * Wait for the child, forwarding the stop signals to it; *stopping is set
 * once one came (no restart then). Returns the status to exit with: its
 * exit status, or 128 + the signal that killed it (after which minivmm
 * dies of the same signal, as without --reboot).
 */
static int wait_child(pid_t pid, const sigset_t *wait_set, bool *stopping)
{
	for (;;) {
		siginfo_t si;
		int st;
		pid_t r = waitpid(pid, &st, WNOHANG);

		if (r == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		if (r < 0 && errno != EINTR)
			return MINIVMM_EXIT_VMM_FAILURE;
		if (sigwaitinfo(wait_set, &si) < 0 || si.si_signo == SIGCHLD)
			continue;
		*stopping = true;
		kill(pid, si.si_signo);
	}
}

/* Die of the signal that killed the last boot (SIGSYS from its sandbox, say). */
static void die_like(int status)
{
	int sig = status - 128;

	if (sig == SIGSYS || sig == SIGKILL || sig == SIGSEGV || sig == SIGABRT) {
		sigset_t s;

		signal(sig, SIG_DFL);
		sigemptyset(&s);
		sigaddset(&s, sig);
		sigprocmask(SIG_UNBLOCK, &s, NULL);
		raise(sig);
	}
}

/* One boot in a child; its status, and whether it ended in a reset we may answer. */
static int boot_in_child(const struct vm_config *cfg, struct reboot_page *page,
			 const sigset_t *wait_set, const sigset_t *old, bool *stopping)
{
	pid_t pid;

	page->reset = 0;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "minivmm: --reboot: cannot start the VM process: %s\n",
			strerror(errno));
		return MINIVMM_EXIT_VMM_FAILURE;
	}
	if (pid == 0)
		boot_child(cfg, old, page);
	return wait_child(pid, wait_set, stopping);
}

int vm_reboot_run(const struct vm_config *cfg)
{
	struct reboot_page *page =
	    mmap(NULL, sizeof(*page), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	struct vm_config boot_cfg = *cfg;
	sigset_t wait_set, old;
	struct timespec t0;
	bool stopping = false;
	int status = MINIVMM_EXIT_VMM_FAILURE;

	if (page == MAP_FAILED) {
		fprintf(stderr, "minivmm: --reboot: cannot map a shared page: %s\n",
			strerror(errno));
		return MINIVMM_EXIT_VMM_FAILURE;
	}
	sigemptyset(&wait_set);
	sigaddset(&wait_set, SIGCHLD);
	sigaddset(&wait_set, SIGINT);
	sigaddset(&wait_set, SIGTERM);
	sigaddset(&wait_set, SIGHUP);
	sigprocmask(SIG_BLOCK, &wait_set, &old);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (unsigned restarts = 0;; restarts++) {
		if (cfg->timeout_s) {
			boot_cfg.timeout_s = cfg->timeout_s - seconds_since(&t0);
			if (boot_cfg.timeout_s <= 0) {
				fprintf(stderr, "minivmm: --timeout expired; guest stopped\n");
				status = MINIVMM_EXIT_TIMEOUT;
				break;
			}
		}
		status = boot_in_child(&boot_cfg, page, &wait_set, &old, &stopping);
		if (!page->reset || stopping)
			break;
		if (restarts == cfg->reboot) {
			fprintf(
			    stderr,
			    "minivmm: --reboot: the guest reset the machine after %u restart%s, "
			    "the most allowed: stopping (status %d)\n",
			    restarts, restarts == 1 ? "" : "s", status);
			break;
		}
		fprintf(stderr,
			"minivmm: --reboot: the guest reset the machine: restart %u of %u\n",
			restarts + 1, cfg->reboot);
	}
	munmap(page, sizeof(*page));
	sigprocmask(SIG_SETMASK, &old, NULL);
	die_like(status);
	return status;
}
