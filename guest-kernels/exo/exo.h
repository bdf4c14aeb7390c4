/* SPDX-License-Identifier: MIT */
/* Internal interfaces of exo, the exokernel (see main.c). */
#ifndef EXO_H
#define EXO_H

#include <stdint.h>

#include "idt.h"
#include "uspace.h"

#define MAX_ENVS 4

/* An environment: one library OS and its application, in its own address space. */
struct env {
	const char *name;
	struct uspace as;
	struct trap_frame regs;
	int alive;
	uint64_t calls, ring_transitions, as_switches, slices, cycles, slice_start;
};

/* resources.c: the secure bindings (who owns which page and which disk block). */
int res_init(const char *cmdline);
int64_t res_page_alloc(unsigned env, struct uspace *as, uint64_t va);
int64_t res_page_free(unsigned env, struct uspace *as, uint64_t va);
int64_t res_block_bind(unsigned env, uint64_t first, uint64_t count);
int64_t res_block_io(unsigned env, const struct uspace *as, int write, uint64_t first,
		     uint64_t count, uint64_t va);
/* An environment is gone: its pages leave its page tables and become free, its blocks unbound. */
void res_release(unsigned env, struct uspace *as);

#endif
