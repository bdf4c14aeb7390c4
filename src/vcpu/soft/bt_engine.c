// SPDX-License-Identifier: MIT
/*
 * The engine switch of the software CPU: which engine a new vCPU runs
 * (SOFT_ENGINE_ENV, set by the CLI's --soft-engine or by a test), and the
 * translator's entry from the run loop.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vcpu/soft/bt.h"

int soft_engine_parse(const char *name)
{
	if (!name)
		return -1;
	if (!strcmp(name, "interp"))
		return SOFT_ENGINE_INTERP;
	if (!strcmp(name, "bt"))
		return SOFT_ENGINE_BT;
	return -1;
}

enum soft_engine soft_engine_default(void)
{
	const char *s = getenv(SOFT_ENGINE_ENV);
	int e;

	if (!s || !*s)
		return SOFT_ENGINE_INTERP;
	e = soft_engine_parse(s);
	if (e < 0) {
		fprintf(stderr, "minivmm: %s='%s' is not bt or interp: using interp\n",
			SOFT_ENGINE_ENV, s);
		return SOFT_ENGINE_INTERP;
	}
	return (enum soft_engine)e;
}

struct bt {
	struct soft_cpu *cpu;
};

struct bt *bt_create(struct soft_cpu *cpu)
{
	struct bt *bt = calloc(1, sizeof(*bt));

	if (bt)
		bt->cpu = cpu;
	return bt;
}

void bt_destroy(struct bt *bt)
{
	free(bt);
}

int bt_run(struct soft_cpu *cpu)
{
	return cpu_interp_block(cpu);
}
