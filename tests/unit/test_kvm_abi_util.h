/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the KVM ABI and provider parity tests: the providers
 * to run a case on (soft always, the kernel's when /dev/kvm opens), and a
 * VM with guest RAM and one vCPU whose kvm_run is mmap()ed from its fd.
 */
#ifndef TEST_KVM_ABI_UTIL_H
#define TEST_KVM_ABI_UTIL_H

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <linux/kvm.h>

#include "vcpu/provider.h"

/* The kernel provider if /dev/kvm opens and speaks API 12, else NULL. */
static inline const struct kvm_provider *kt_kernel(void)
{
	static int state; /* 0 unknown, 1 usable, -1 not */
	int fd;

	if (state == 0) {
		fd = kvm_provider_kernel.open_system();
		state = -1;
		if (fd >= 0) {
			if (kvm_provider_kernel.ioctl(fd, KVM_GET_API_VERSION, NULL) == 12)
				state = 1;
			kvm_provider_kernel.close(fd);
		}
	}
	return state > 0 ? &kvm_provider_kernel : NULL;
}

/* Say once per test process that the kernel half is not run, and why. */
static inline void kt_note_skip(const char *what)
{
	static int said;

	if (!said++)
		printf("skipped: no /dev/kvm (%s: soft provider only)\n", what);
}

struct kt_vm {
	const struct kvm_provider *p;
	int sys, vm, cpu;
	struct kvm_run *run;
	size_t run_size;
	uint8_t *mem;
	size_t mem_size;
};

/* sys + VM + RAM at gpa 0 in slot 0 (if mem_size) + vCPU 0 with its kvm_run mapped. */
static inline void kt_vm_create(struct kt_vm *v, const struct kvm_provider *p, size_t mem_size)
{
	struct kvm_userspace_memory_region r;
	int n;

	memset(v, 0, sizeof(*v));
	v->p = p;
	v->sys = p->open_system();
	ck_assert_msg(v->sys >= 0, "%s: open_system: %s", p->name, strerror(errno));
	v->vm = p->ioctl(v->sys, KVM_CREATE_VM, NULL);
	ck_assert_msg(v->vm >= 0, "%s: KVM_CREATE_VM: %s", p->name, strerror(errno));
	if (mem_size) {
		v->mem = mmap(NULL, mem_size, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		ck_assert(v->mem != MAP_FAILED);
		v->mem_size = mem_size;
		r = (struct kvm_userspace_memory_region){
		    .slot = 0,
		    .guest_phys_addr = 0,
		    .memory_size = mem_size,
		    .userspace_addr = (uintptr_t)v->mem,
		};
		ck_assert_msg(p->ioctl(v->vm, KVM_SET_USER_MEMORY_REGION, &r) == 0,
			      "%s: KVM_SET_USER_MEMORY_REGION: %s", p->name, strerror(errno));
	}
	v->cpu = p->ioctl(v->vm, KVM_CREATE_VCPU, (void *)0UL);
	ck_assert_msg(v->cpu >= 0, "%s: KVM_CREATE_VCPU: %s", p->name, strerror(errno));
	n = p->ioctl(v->sys, KVM_GET_VCPU_MMAP_SIZE, NULL);
	ck_assert_msg(n >= (int)sizeof(struct kvm_run), "%s: mmap size %d", p->name, n);
	v->run_size = (size_t)n;
	v->run = mmap(NULL, v->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->cpu, 0);
	ck_assert_msg(v->run != MAP_FAILED, "%s: mmap vcpu: %s", p->name, strerror(errno));
}

/*
 * Counter `name` of a binary stats fd (KVM_GET_STATS_FD): header, then
 * descriptors of sizeof(kvm_stats_desc) + name_size bytes, then data.
 * 0 with *value set, -1 when absent or not a single cumulative u64.
 */
static inline int kt_stats_find(int fd, const char *name, uint64_t *value)
{
	struct kvm_stats_header h;
	uint8_t buf[sizeof(struct kvm_stats_desc) + 256];
	size_t dlen;

	if (pread(fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h) || h.name_size == 0 ||
	    h.name_size > 256)
		return -1;
	dlen = sizeof(struct kvm_stats_desc) + h.name_size;
	for (uint32_t i = 0; i < h.num_desc; i++) {
		struct kvm_stats_desc *d = (struct kvm_stats_desc *)buf;

		if (pread(fd, buf, dlen, h.desc_offset + i * dlen) != (ssize_t)dlen)
			return -1;
		if (strncmp(d->name, name, h.name_size))
			continue;
		if (d->size != 1 || (d->flags & KVM_STATS_TYPE_MASK) != KVM_STATS_TYPE_CUMULATIVE)
			return -1;
		return pread(fd, value, 8, h.data_offset + d->offset) == 8 ? 0 : -1;
	}
	return -1;
}

/*
 * Stop requests as the VMM makes them (--timeout, SIGTERM): a thread
 * sends SIGUSR1 to the vCPU thread, whose handler sets immediate_exit,
 * every 2 ms until kt_kick_stop(): no timing of the run is assumed.
 */
static struct kvm_run *volatile kt_kick_run;
static volatile int kt_kick_done;

struct kt_kick {
	pthread_t target, thread;
	long settle_ns;	       /* wait before the first knock */
	struct timespec first; /* CLOCK_MONOTONIC of the first knock */
};

static inline void kt_on_kick(int sig)
{
	struct kvm_run *run = kt_kick_run;

	(void)sig;
	if (run)
		run->immediate_exit = 1;
}

static inline void *kt_kicker(void *arg)
{
	struct kt_kick *k = arg;
	struct timespec settle = {k->settle_ns / 1000000000L, k->settle_ns % 1000000000L};
	struct timespec gap = {0, 2 * 1000 * 1000};

	nanosleep(&settle, NULL);
	clock_gettime(CLOCK_MONOTONIC, &k->first);
	while (!kt_kick_done) {
		pthread_kill(k->target, SIGUSR1);
		nanosleep(&gap, NULL);
	}
	return NULL;
}

/* Knock at the calling thread's KVM_RUN on run, from settle_ns on. */
static inline void kt_kick_start(struct kt_kick *k, struct kvm_run *run, long settle_ns)
{
	struct sigaction sa = {.sa_handler = kt_on_kick};

	sigemptyset(&sa.sa_mask);
	ck_assert(sigaction(SIGUSR1, &sa, NULL) == 0);
	memset(k, 0, sizeof(*k));
	k->target = pthread_self();
	k->settle_ns = settle_ns;
	kt_kick_run = run;
	kt_kick_done = 0;
	ck_assert(pthread_create(&k->thread, NULL, kt_kicker, k) == 0);
}

static inline void kt_kick_stop(struct kt_kick *k)
{
	kt_kick_done = 1;
	pthread_join(k->thread, NULL);
	kt_kick_run = NULL;
	signal(SIGUSR1, SIG_DFL);
}

static inline void kt_vm_destroy(struct kt_vm *v)
{
	munmap(v->run, v->run_size);
	v->p->close(v->cpu);
	v->p->close(v->vm);
	v->p->close(v->sys);
	if (v->mem)
		munmap(v->mem, v->mem_size);
}

#endif
