/* SPDX-License-Identifier: MIT */
/*
 * fpmath's computations, built with gcc's x86-64 defaults (SSE2 for
 * double): shared by the guest and by host/check.c, which prints the
 * same text computed by the host CPU.
 */
#ifndef FPMATH_FP_H
#define FPMATH_FP_H

/* Runs every computation and hands each output line to emit. */
void fpmath_run(void (*emit)(const char *line));

#endif
