// SPDX-License-Identifier: MIT
/*
 * The KVM paravirtual clock of a soft vCPU (Linux
 * Documentation/virt/kvm/x86/msr.rst): MSR_KVM_SYSTEM_TIME_NEW names a
 * guest-physical time record, MSR_KVM_WALL_CLOCK_NEW a wall-clock record;
 * both are written through the checked accessor, version odd while
 * updating. The time record's layout is the pvclock ABI Linux took from
 * Xen; its UAPI copy is Xen's struct vcpu_time_info (<xen/xen.h>, with
 * the flags byte of interface 4.6+). The guest TSC and the KVM clock are
 * both linear in host time at a fixed ratio (clock.h), so a record stays
 * exact until KVM_SET_CLOCK or a TSC write changes an offset; then it is
 * written again before the vCPU runs (pvclock_refresh).
 */
#define __XEN_INTERFACE_VERSION__ 0x00040e00
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <asm/kvm_para.h>
#include <xen/xen.h>

#include "vcpu/soft/pvclock.h"
#include "vcpu/soft/sys.h"

_Static_assert(sizeof(struct vcpu_time_info) == 32, "pvclock_vcpu_time_info is 32 bytes");

/* tsc_to_system_mul and tsc_shift: ns = ((delta << shift) * mul) >> 32, shift < 0 shifts right. */
void pvclock_scale(uint64_t tsc_hz, int8_t *shift, uint32_t *mul)
{
	for (int s = -31; s < 32; s++) {
		unsigned __int128 num = (unsigned __int128)1000000000ULL << 32, den = tsc_hz, m;

		if (s >= 0)
			den <<= s;
		else
			num <<= -s;
		m = num / den;
		if (m < (1ULL << 32)) {
			*shift = (int8_t)s;
			*mul = (uint32_t)m;
			return;
		}
	}
	*shift = 0;
	*mul = 0;
}

/* Write a record of len bytes at gpa: version made odd, body, version even again. */
static void publish(struct soft_cpu *cpu, uint64_t gpa, void *rec, size_t len)
{
	uint8_t *p = soft_vm_gpa_ptr(cpu->vm, gpa, len);
	uint32_t version;

	if (!p)
		return; /* outside RAM: as KVM, nothing is written */
	memcpy(&version, p, 4);
	version = (version + 1) | 1;
	__atomic_store_n((uint32_t *)(void *)p, version, __ATOMIC_RELEASE);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	memcpy(p + 4, (uint8_t *)rec + 4, len - 4);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	__atomic_store_n((uint32_t *)(void *)p, version + 1, __ATOMIC_RELEASE);
	code_cache_note_write(cpu->vm, gpa, (unsigned)len);
}

static void publish_time(struct soft_cpu *cpu)
{
	struct vcpu_time_info t = {0};
	uint64_t host = soft_clock_host_ns(&cpu->vm->clock);

	t.tsc_timestamp = soft_tsc_from_ns(host) + cpu->tsc_offset;
	t.system_time = soft_clock_kvm_ns(&cpu->vm->clock, host);
	pvclock_scale(SOFT_TSC_KHZ * 1000, &t.tsc_shift, &t.tsc_to_system_mul);
	t.flags = XEN_PVCLOCK_TSC_STABLE_BIT; /* PVCLOCK_TSC_STABLE_BIT */
	publish(cpu, cpu->pvclock_msr & ~1ULL, &t, sizeof(t));
	cpu->pvclock_generation = cpu->vm->clock.generation;
}

/* struct pvclock_wall_clock (msr.rst): version, sec, nsec of the wall time at KVM clock 0. */
static void publish_wall_clock(struct soft_cpu *cpu)
{
	uint32_t w[3];
	struct timespec ts;
	uint64_t kvm = soft_clock_kvm_ns(&cpu->vm->clock, soft_clock_host_ns(&cpu->vm->clock));
	uint64_t boot;

	clock_gettime(CLOCK_REALTIME, &ts);
	boot = (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec - kvm;
	w[0] = 0;
	w[1] = (uint32_t)(boot / 1000000000ULL);
	w[2] = (uint32_t)(boot % 1000000000ULL);
	publish(cpu, cpu->wall_clock_msr, w, sizeof(w));
}

int pvclock_msr_read(struct soft_cpu *cpu, uint32_t index, uint64_t *v)
{
	if (index == MSR_KVM_SYSTEM_TIME_NEW)
		*v = cpu->pvclock_msr;
	else if (index == MSR_KVM_WALL_CLOCK_NEW)
		*v = cpu->wall_clock_msr;
	else
		return 1;
	return 0;
}

int pvclock_msr_write(struct soft_cpu *cpu, uint32_t index, uint64_t v)
{
	if (index == MSR_KVM_SYSTEM_TIME_NEW) {
		cpu->pvclock_msr = v;
		if (v & 1)
			publish_time(cpu);
	} else if (index == MSR_KVM_WALL_CLOCK_NEW) {
		cpu->wall_clock_msr = v;
		publish_wall_clock(cpu);
	} else {
		return 1;
	}
	return 0;
}

void pvclock_refresh(struct soft_cpu *cpu)
{
	if ((cpu->pvclock_msr & 1) &&
	    cpu->pvclock_generation !=
		__atomic_load_n(&cpu->vm->clock.generation, __ATOMIC_ACQUIRE))
		publish_time(cpu);
}
