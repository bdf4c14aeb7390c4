/* SPDX-License-Identifier: MIT */
/*
 * The seccomp sandbox (libseccomp). Once set-up is done (files opened,
 * guest RAM mapped, the terminal configured, signal handlers and the
 * --timeout timer in place) the VMM confines itself to an allowlist of
 * system calls: what running a guest needs, nothing that opens a file,
 * starts a program or talks to the network. A system call outside the
 * list ends the process, killed by SIGSYS, after one line on stderr:
 *
 *   minivmm: sandbox: system call N (NAME) is not allowed after set-up; stopping
 *
 * (NAME with -v). A shell reports status 159 (128 + SIGSYS). See
 * --sandbox in minivmm(1).
 *
 * How a component adds the calls it needs: between sandbox_init() and
 * sandbox_enter(), call sandbox_allow() and friends with the libseccomp
 * number, SCMP_SYS(name), one call per system call with a comment saying
 * which path needs it. Example, a socket server given --gdb:
 *
 *     sandbox_allow_arg0(sb, SCMP_SYS(accept4), listen_fd); // gdb: a debugger connects
 *
 * Threads started after sandbox_enter() inherit the allowlist; a thread
 * whose job needs less calls sandbox_confine_thread() with its role first.
 * Every thread minivmm starts has a role: the virtio-blk worker, the
 * console's stdin reader and the RTC timer; only the vCPU thread runs
 * under the full list.
 */
#ifndef MINIVMM_SANDBOX_H
#define MINIVMM_SANDBOX_H

#include <stdbool.h>
#include <seccomp.h>

#include "sandbox/sandbox_rules.h"

/* Threads with a smaller allowlist than the vCPU thread. */
enum sandbox_role {
	SANDBOX_ROLE_BLK_WORKER,     /* virtio-blk's copying thread (devices/virtio_blk_worker.c) */
	SANDBOX_ROLE_CONSOLE_READER, /* the serial console's stdin reader (devices/uart_console.c)
				      */
	SANDBOX_ROLE_RTC_TIMER,	     /* the RTC's interrupt timer (devices/rtc_timer.c) */
	SANDBOX_NR_ROLES
};

/* Rules a role gets at run time (its own file descriptors), beyond its fixed list. */
#define SANDBOX_MAX_ROLE_EXTRAS 4

/* An allowlist being built for the vCPU thread (and every thread it starts). */
struct sandbox {
	scmp_filter_ctx ctx; /* NULL once entered or discarded */
	int err;	     /* first error from adding a rule (-errno), reported by enter */
	unsigned rules;	     /* rules added: for -v */
	bool verbose;	     /* name the call in the violation message */
	struct sandbox_rule extra[SANDBOX_NR_ROLES][SANDBOX_MAX_ROLE_EXTRAS];
	unsigned nr_extra[SANDBOX_NR_ROLES];
};

/*
 * Start an allowlist with the calls every run needs (console, disk I/O,
 * memory, threads, signals, the exit path). verbose: the violation message
 * names the system call. Returns 0 or -errno.
 */
int sandbox_init(struct sandbox *sb, bool verbose);

/* Allow system call nr (SCMP_SYS(name)) with any arguments. */
void sandbox_allow(struct sandbox *sb, int nr);

/*
 * Allow system call nr when its first argument (a file descriptor, a
 * signal number, ...) is value; compared as the kernel reads an int.
 */
void sandbox_allow_arg0(struct sandbox *sb, int nr, int value);

/* Allow system call nr when its second argument (an fcntl command, a level) is value. */
void sandbox_allow_arg1(struct sandbox *sb, int nr, int value);

/* Allow ioctl(fd, request, ...) for this one request on this one fd. */
void sandbox_allow_ioctl(struct sandbox *sb, int fd, unsigned long request);

/*
 * The same for a narrower thread's list (sandbox_confine_thread), for the
 * calls on its own file descriptors, known only at run time. The vCPU's
 * list must allow them too: a thread's filters stack, and the strictest
 * answer wins.
 */
void sandbox_role_allow_arg0(struct sandbox *sb, enum sandbox_role role, int nr, int value);
void sandbox_role_allow_ioctl(struct sandbox *sb, enum sandbox_role role, int fd,
			      unsigned long request);

/*
 * Set no_new_privs, install the SIGSYS handler that prints the message
 * (it calls on_violation first if given, which must be async-signal-safe:
 * e.g. giving the terminal back), and load the filter on every thread of
 * the process. Returns 0, or -errno after one line on stderr; sb is
 * released either way.
 */
int sandbox_enter(struct sandbox *sb, void (*on_violation)(void));

/* Release an allowlist that will not be entered. */
void sandbox_discard(struct sandbox *sb);

/*
 * Called first thing by a thread started after sandbox_enter(): narrow
 * the calling thread to role's allowlist (on top of the one it inherited).
 * Does nothing when the sandbox is off. Returns 0 or -errno.
 */
int sandbox_confine_thread(enum sandbox_role role);

#endif
