// SPDX-License-Identifier: MIT
/*
 * Time on the soft provider (issue 11) on a virtual clock: the guest TSC
 * at 2 GHz (IA32_TSC, KVM_GET_TSC_KHZ, CPUID 0x15/0x16 agree), the KVM
 * CPUID leaves, and kvmclock: the record at MSR_KVM_SYSTEM_TIME_NEW's
 * address, read with the pvclock formula of Linux's msr.rst (system_time +
 * ((tsc - tsc_timestamp) << shift) * mul >> 32), gives KVM_GET_CLOCK's
 * value for any TSC, also after KVM_SET_CLOCK moved the clock.
 */
#include <check.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <asm/kvm_para.h>

#include "support/run_suite.h"
#include "vcpu/soft/soft_cpu.h"

#define MEM (1u << 20)

static uint64_t vnow;

static uint64_t vclock(void *opaque)
{
	return vnow;
}

struct env {
	uint8_t *mem;
	struct kvm_run *run;
	struct soft_vm *vm;
	struct soft_cpu *cpu;
};

static void env_open(struct env *e)
{
	e->mem = mmap(NULL, MEM, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	e->run = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert(e->mem != MAP_FAILED && e->run != MAP_FAILED);
	e->vm = soft_vm_create();
	ck_assert_int_eq(soft_vm_set_slot(e->vm, 0, 0, MEM, e->mem, 0), 0);
	vnow = 5000000000ULL;
	soft_vm_set_clock_hook(e->vm, vclock, NULL);
	e->cpu = soft_cpu_create(e->vm, 0, e->run);
	ck_assert_ptr_nonnull(e->cpu);
}

static void env_close(struct env *e)
{
	soft_cpu_destroy(e->cpu);
	soft_vm_destroy(e->vm);
	munmap(e->run, 3 * 4096);
	munmap(e->mem, MEM);
}

static uint64_t rdmsr(struct env *e, uint32_t index)
{
	uint64_t v;

	ck_assert_int_eq(soft_cpu_get_msr(e->cpu, index, &v), 0);
	return v;
}

static const struct kvm_cpuid_entry2 *leaf(const struct kvm_cpuid2 *c, uint32_t fn)
{
	for (uint32_t i = 0; i < c->nent; i++)
		if (c->entries[i].function == fn)
			return &c->entries[i];
	ck_abort_msg("no leaf %#x", fn);
	return NULL;
}

/* 1 ns of host time is 2 TSC ticks; the rate shows in CPUID 0x15/0x16 as in KVM_GET_TSC_KHZ. */
START_TEST(tsc_rate_and_cpuid)
{
	struct {
		struct kvm_cpuid2 c;
		struct kvm_cpuid_entry2 e[64];
	} c = {.c.nent = 64};
	const struct kvm_cpuid_entry2 *l;
	struct env e;
	uint64_t t0;

	env_open(&e);
	t0 = rdmsr(&e, 0x10);
	ck_assert_uint_eq(t0, 0); /* starts at 0 when the vCPU is created */
	vnow += 1000;
	ck_assert_uint_eq(rdmsr(&e, 0x10), 2000);
	ck_assert_int_eq(soft_cpu_set_msr(e.cpu, 0x10, 1000000), 0);
	vnow += 500;
	ck_assert_uint_eq(rdmsr(&e, 0x10), 1001000);
	ck_assert_uint_eq(soft_cpu_tsc_khz(), 2000000);
	ck_assert_int_eq(soft_cpu_supported_cpuid(&c.c, 64), 0);
	l = leaf(&c.c, 0x15); /* TSC Hz = ECX * EBX / EAX */
	ck_assert_uint_eq((uint64_t)l->ecx * l->ebx / l->eax, 1000ULL * soft_cpu_tsc_khz());
	ck_assert_uint_eq(leaf(&c.c, 0x16)->eax, soft_cpu_tsc_khz() / 1000);
	l = leaf(&c.c, KVM_CPUID_SIGNATURE);
	ck_assert_uint_eq(l->eax, KVM_CPUID_FEATURES);
	ck_assert_mem_eq(&l->ebx, "KVMK", 4);
	ck_assert_mem_eq(&l->ecx, "VMKV", 4);
	ck_assert_mem_eq(&l->edx, "M\0\0\0", 4);
	l = leaf(&c.c, KVM_CPUID_FEATURES);
	ck_assert(l->eax & (1u << KVM_FEATURE_CLOCKSOURCE2));
	ck_assert(l->eax & (1u << KVM_FEATURE_CLOCKSOURCE_STABLE_BIT));
	env_close(&e);
}
END_TEST

/* The pvclock formula over the record in guest memory at gpa, for guest TSC tsc. */
static uint64_t pvclock_ns(struct env *e, uint64_t gpa, uint64_t tsc, uint8_t *flags)
{
	uint32_t version, mul;
	uint64_t tsc_ts, sys, delta;
	int8_t shift;

	memcpy(&version, e->mem + gpa, 4);
	ck_assert_uint_eq(version & 1, 0); /* not mid-update */
	ck_assert_uint_ne(version, 0);
	memcpy(&tsc_ts, e->mem + gpa + 8, 8);
	memcpy(&sys, e->mem + gpa + 16, 8);
	memcpy(&mul, e->mem + gpa + 24, 4);
	memcpy(&shift, e->mem + gpa + 28, 1);
	memcpy(flags, e->mem + gpa + 29, 1);
	delta = tsc - tsc_ts;
	delta = shift < 0 ? delta >> -shift : delta << shift;
	return sys + (uint64_t)(((unsigned __int128)delta * mul) >> 32);
}

START_TEST(kvmclock_record)
{
	struct env e;
	struct kvm_clock_data d = {.clock = 42000000000ULL};
	uint8_t flags;
	uint32_t wall[3];

	env_open(&e);
	ck_assert_int_eq(soft_cpu_set_msr(e.cpu, MSR_KVM_SYSTEM_TIME_NEW, 0x3000 | 1), 0);
	ck_assert_uint_eq(rdmsr(&e, MSR_KVM_SYSTEM_TIME_NEW), 0x3001);
	vnow += 123456789;
	soft_vm_get_clock(e.vm, &d);
	ck_assert_uint_eq(pvclock_ns(&e, 0x3000, rdmsr(&e, 0x10), &flags), d.clock);
	ck_assert_uint_eq(flags & 1, 1); /* PVCLOCK_TSC_STABLE_BIT */
	/* KVM_SET_CLOCK: the record is rewritten before the vCPU runs again */
	d = (struct kvm_clock_data){.clock = 42000000000ULL};
	ck_assert_int_eq(soft_vm_set_clock(e.vm, &d), 0);
	e.run->immediate_exit = 1;
	ck_assert_int_eq(soft_cpu_run(e.cpu), -4);
	vnow += 1000;
	ck_assert_uint_eq(pvclock_ns(&e, 0x3000, rdmsr(&e, 0x10), &flags), 42000001000ULL);
	/* an address outside RAM is not written (and nothing breaks) */
	ck_assert_int_eq(soft_cpu_set_msr(e.cpu, MSR_KVM_SYSTEM_TIME_NEW, (MEM - 8) | 1), 0);
	/* the wall clock: version even, seconds since the epoch at KVM clock 0 */
	ck_assert_int_eq(soft_cpu_set_msr(e.cpu, MSR_KVM_WALL_CLOCK_NEW, 0x4000), 0);
	memcpy(wall, e.mem + 0x4000, sizeof(wall));
	ck_assert_uint_eq(wall[0] & 1, 0);
	ck_assert_uint_gt(wall[1], 1600000000u);
	ck_assert_uint_lt(wall[2], 1000000000u);
	env_close(&e);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("soft clock");
	TCase *tc = tcase_create("time");

	tcase_add_test(tc, tsc_rate_and_cpuid);
	tcase_add_test(tc, kvmclock_record);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run_suite(suite());
}
