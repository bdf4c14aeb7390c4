/* SPDX-License-Identifier: MIT */
/*
 * The counters a KVM provider keeps itself, read through the binary
 * statistics interface (KVM_GET_STATS_FD on a vCPU fd: struct
 * kvm_stats_header, then kvm_stats_desc entries and the data block), and
 * the names of the KVM_EXIT_* reasons. Works for the kernel's /dev/kvm and
 * for the soft provider, which exposes its CPU's counters the same way.
 */
#ifndef MINIVMM_KVM_STATS_H
#define MINIVMM_KVM_STATS_H

#include <stdint.h>

struct kvm_provider;

/* Receives one counter: name (valid during the call only) and value. */
typedef void (*kvm_stats_counter_fn)(void *opaque, const char *name, uint64_t value);

/*
 * Read every single-valued counter of the vCPU `vcpu_fd` and hand each to
 * fn. Returns the number of counters read, or -errno (-ENOTTY/-EINVAL when
 * the provider has no binary statistics).
 */
int kvm_stats_collect(const struct kvm_provider *prov, int vcpu_fd, kvm_stats_counter_fn fn,
		      void *opaque);

/*
 * The same in two steps, for a VMM that may open nothing once the guest
 * runs (the sandbox): the statistics fd (live: reads see current values),
 * or -errno; later, read it like kvm_stats_collect. The caller closes it
 * with the provider's close.
 */
int kvm_stats_open(const struct kvm_provider *prov, int vcpu_fd);
int kvm_stats_read(int stats_fd, kvm_stats_counter_fn fn, void *opaque);

/* "IO", "MMIO", "HLT", ... for a KVM_EXIT_* code; "UNKNOWN" otherwise. */
const char *kvm_exit_reason_name(uint32_t reason);

#endif
