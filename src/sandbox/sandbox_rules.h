/* SPDX-License-Identifier: MIT */
/* The sandbox's allowlists as data (sandbox_rules.c); sandbox.c loads them. */
#ifndef MINIVMM_SANDBOX_RULES_H
#define MINIVMM_SANDBOX_RULES_H

#include <stddef.h>
#include <stdint.h>
#include <seccomp.h>

/* One rule: nr is allowed (or gets action) when every comparison holds. */
struct sandbox_rule {
	int nr;
	unsigned nr_cmp;
	struct scmp_arg_cmp cmp[2];
	uint32_t action; /* 0: SCMP_ACT_ALLOW */
};

/* What the vCPU thread (the main thread) and the threads it starts need. */
extern const struct sandbox_rule sandbox_vcpu_rules[];
extern const size_t sandbox_nr_vcpu_rules;

/* What virtio-blk's worker thread needs (a subset). */
extern const struct sandbox_rule sandbox_blk_worker_rules[];
extern const size_t sandbox_nr_blk_worker_rules;

/* What the serial console's stdin reader needs (a subset); its eventfd is added at run time. */
extern const struct sandbox_rule sandbox_console_reader_rules[];
extern const size_t sandbox_nr_console_reader_rules;

/* What the RTC's timer thread needs (a subset); the interrupt line is added at run time. */
extern const struct sandbox_rule sandbox_rtc_timer_rules[];
extern const size_t sandbox_nr_rtc_timer_rules;

#endif
