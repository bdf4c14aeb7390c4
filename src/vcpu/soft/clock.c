// SPDX-License-Identifier: MIT
/* The host clock of a soft VM and the KVM clock derived from it (clock.h). */
#include "vcpu/soft/clock.h"

#include <time.h>

uint64_t soft_clock_host_ns(const struct soft_clock *c)
{
	struct timespec ts;

	if (c->hook)
		return c->hook(c->opaque);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

uint64_t soft_clock_kvm_ns(const struct soft_clock *c, uint64_t host_ns)
{
	return host_ns + (uint64_t)c->kvmclock_offset;
}
