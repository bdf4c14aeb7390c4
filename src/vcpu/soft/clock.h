/* SPDX-License-Identifier: MIT */
/*
 * Time of a soft VM (issue 11): one host clock every timer reads, the
 * guest TSC, and the KVM clock (kvmclock, KVM_GET/SET_CLOCK).
 *
 *  - host time: CLOCK_MONOTONIC in ns, or a hook a test installs
 *    (soft_vm_set_clock_hook) so timer tests run on a virtual clock;
 *    the 8254 and the local APIC timers count host time, as KVM's count
 *    ktime (KVM_SET_CLOCK does not move them);
 *  - the guest TSC runs at SOFT_TSC_KHZ, a fixed 2 GHz, from host time:
 *    TSC = host_ns * 2 + tsc_offset (per vCPU; 0 at vCPU creation), also
 *    while the vCPU sleeps in HLT; CPUID 0x15/0x16 and KVM_GET_TSC_KHZ
 *    report the rate;
 *  - the KVM clock is host_ns + kvmclock_offset (KVM_SET_CLOCK sets the
 *    offset). Both being linear in host time at a ratio of exactly 2,
 *    one pvclock_vcpu_time_info record stays exact until the offsets
 *    change, which republishes it (pvclock.c).
 */
#ifndef MINIVMM_SOFT_CLOCK_H
#define MINIVMM_SOFT_CLOCK_H

#include <stdint.h>

/* Guest TSC rate in kHz; the crystal (CPUID 0x15 ECX) is the 1 GHz LAPIC bus clock. */
#define SOFT_TSC_KHZ 2000000ULL
#define SOFT_CRYSTAL_HZ 1000000000ULL

typedef uint64_t (*soft_clock_fn)(void *opaque);

struct soft_clock {
	soft_clock_fn hook; /* NULL: CLOCK_MONOTONIC */
	void *opaque;
	int64_t kvmclock_offset; /* KVM clock = host ns + this */
	uint32_t generation;	 /* bumped when kvmclock_offset changes: republish pvclock */
};

uint64_t soft_clock_host_ns(const struct soft_clock *c);
uint64_t soft_clock_kvm_ns(const struct soft_clock *c, uint64_t host_ns);

static inline uint64_t soft_tsc_from_ns(uint64_t ns)
{
	return (uint64_t)((unsigned __int128)ns * SOFT_TSC_KHZ / 1000000);
}

#endif
