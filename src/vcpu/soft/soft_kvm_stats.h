/* SPDX-License-Identifier: MIT */
/*
 * KVM_GET_STATS_FD for the soft provider's vCPUs: the binary statistics
 * format of <linux/kvm.h> (struct kvm_stats_header, the descriptors, then
 * the u64 data), in a memfd that this code keeps mapped and refreshes
 * after every KVM_RUN, so a reader's pread() sees current values as with
 * KVM. Counters that mean what KVM's do carry KVM's names (exits,
 * io_exits, mmio_exits, halt_exits, irq_injections, signal_exits,
 * request_irq_exits); the CPU's own ones are prefixed "soft_".
 */
#ifndef MINIVMM_SOFT_KVM_STATS_H
#define MINIVMM_SOFT_KVM_STATS_H

#include <stddef.h>
#include <stdint.h>
#include <linux/kvm.h>

#include "vcpu/soft/soft_cpu.h"

struct soft_kvm_stats {
	int fd;	      /* the memfd, -1 until the first KVM_GET_STATS_FD */
	uint8_t *map; /* MAP_SHARED mapping of it */
	size_t map_len;
	uint64_t *data; /* the data block inside map */
	/* what only the adapter sees: how KVM_RUN returned */
	uint64_t runs, io_exits, mmio_exits, signal_exits, request_irq_exits;
};

void soft_kvm_stats_init(struct soft_kvm_stats *s);
void soft_kvm_stats_fini(struct soft_kvm_stats *s);

/* After KVM_RUN returned rc (0 or -errno) with run describing the exit;
 * rc > 0: the run was refused (immediate_exit) and counts as no exit. */
void soft_kvm_stats_account(struct soft_kvm_stats *s, const struct kvm_run *run, int rc,
			    const struct soft_cpu_stats *cpu);

/* A new read-only fd on vCPU `id`'s statistics, or -errno. */
int soft_kvm_stats_fd(struct soft_kvm_stats *s, unsigned id, const struct soft_cpu_stats *cpu);

#endif
