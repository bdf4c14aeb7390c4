// SPDX-License-Identifier: MIT
/*
 * Soft CPU throughput: runs a compute-bound 64-bit loop (integer ALU,
 * multiply, shifts, a load and a store per iteration, a counted branch)
 * through the soft_cpu API and prints guest instructions per second.
 * Usage: cpu_bench [iterations] [runs]; prints every run and the median.
 * Build and run: make bench-cpu
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "vcpu/soft/soft_cpu.h"

#define RAM (4u << 20)
#define CODE 0x100000u

/* The loop, 9 instructions per iteration (bytes as assembled by gas). */
static const unsigned char loop[] = {
	0x48, 0x31, 0xc0,                   /* xor rax, rax */
	0xbb, 0x01, 0x00, 0x00, 0x00,       /* mov ebx, 1 */
	/* top: */
	0x48, 0x01, 0xd8,                   /* add rax, rbx */
	0x48, 0x6b, 0xdb, 0x05,             /* imul rbx, rbx, 5 */
	0x48, 0x31, 0xc2,                   /* xor rdx, rax */
	0x48, 0xc1, 0xea, 0x03,             /* shr rdx, 3 */
	0x48, 0x89, 0x54, 0x24, 0xf8,       /* mov [rsp-8], rdx */
	0x48, 0x03, 0x5c, 0x24, 0xf8,       /* add rbx, [rsp-8] */
	0x48, 0x8d, 0x74, 0x16, 0x01,       /* lea rsi, [rsi+rdx+1] */
	0xff, 0xc9,                         /* dec ecx */
	0x75, 0xdf,                         /* jnz top */
	0xf4,                               /* hlt */
};

static void put64(unsigned char *p, unsigned long long v)
{
	memcpy(p, &v, 8);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	unsigned iters = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 0) : 20000000;
	unsigned runs = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 0) : 5, r;
	unsigned char *ram = mmap(NULL, RAM, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
				  -1, 0);
	struct kvm_run *run = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct kvm_segment code = { .limit = 0xffffffff, .selector = 8, .type = 11, .present = 1,
				    .s = 1, .l = 1, .g = 1 };
	struct kvm_segment data = { .limit = 0xffffffff, .selector = 0x10, .type = 3,
				    .present = 1, .s = 1, .db = 1, .g = 1 };
	double rate[64];
	struct soft_vm *vm;
	struct soft_cpu *cpu;
	struct kvm_sregs s;
	struct kvm_regs regs;

	if (ram == MAP_FAILED || run == MAP_FAILED || runs > 64)
		return 1;
	put64(ram + 0x1000, 0x2000 | 3);
	put64(ram + 0x2000, 0x3000 | 3);
	put64(ram + 0x3000, 0x83);
	put64(ram + 0x3008, 0x200000 | 0x83);
	memcpy(ram + CODE, loop, sizeof(loop));
	vm = soft_vm_create();
	if (!vm || soft_vm_set_slot(vm, 0, 0, RAM, ram, 0))
		return 1;
	cpu = soft_cpu_create(vm, 0, run);
	if (!cpu)
		return 1;
	soft_cpu_get_sregs(cpu, &s);
	s.cs = code;
	s.ds = s.es = s.ss = s.fs = s.gs = data;
	s.cr0 = 0x80050033;
	s.cr3 = 0x1000;
	s.cr4 = 0x20;
	s.efer = 0x500;
	if (soft_cpu_set_sregs(cpu, &s))
		return 1;
	for (r = 0; r < runs; r++) {
		unsigned long long before = soft_cpu_get_stats(cpu)->insns, n;
		double t0, t1;

		memset(&regs, 0, sizeof(regs));
		regs.rip = CODE;
		regs.rcx = iters;
		regs.rsp = 0x300000;
		regs.rflags = 2;
		soft_cpu_set_regs(cpu, &regs);
		t0 = now();
		while (soft_cpu_run(cpu) == -EINTR)
			;
		t1 = now();
		if (run->exit_reason != KVM_EXIT_HLT) {
			fprintf(stderr, "unexpected exit %u\n", run->exit_reason);
			return 1;
		}
		n = soft_cpu_get_stats(cpu)->insns - before;
		rate[r] = n / (t1 - t0);
		printf("run %u: %llu guest instructions in %.3f s = %.1f M/s\n", r, n, t1 - t0,
		       rate[r] / 1e6);
	}
	qsort(rate, runs, sizeof(rate[0]), cmp);
	printf("soft cpu: median %.1f M guest instructions/s (min %.1f, max %.1f, %u runs)\n",
	       rate[runs / 2] / 1e6, rate[0] / 1e6, rate[runs - 1] / 1e6, runs);
	soft_cpu_destroy(cpu);
	soft_vm_destroy(vm);
	return 0;
}
