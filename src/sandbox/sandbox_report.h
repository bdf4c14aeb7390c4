/* SPDX-License-Identifier: MIT */
/* The SIGSYS handler that reports a sandbox violation (sandbox_report.c). */
#ifndef MINIVMM_SANDBOX_REPORT_H
#define MINIVMM_SANDBOX_REPORT_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Install the handler. verbose: look up every system call's name now (the
 * handler itself may not allocate), so the message can name it.
 * on_violation (async-signal-safe, may be NULL) runs after the message.
 * Returns 0 or -errno.
 */
int sandbox_report_install(bool verbose, void (*on_violation)(void));

/*
 * The message for system call nr, as the handler writes it (name NULL:
 * unknown or not looked up). Returns its length; for tests and the handler.
 */
size_t sandbox_report_format(char *buf, size_t size, long nr, const char *name);

#endif
