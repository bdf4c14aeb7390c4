// SPDX-License-Identifier: MIT
/*
 * The KVM ioctl ABI: argument validation and errno, on the soft provider
 * and, when /dev/kvm opens, on the kernel's KVM in the same run.
 *
 * Each scenario is a sequence of ioctls, each with the result the kernel
 * gives (Documentation/virt/kvm/api.rst, virt/kvm/kvm_main.c, and what
 * Linux 6.x returned when these tests were written). The soft provider
 * must give exactly that; where the kernel runs, it must give the same as
 * the soft provider step by step, so that a difference shows up as a
 * named step with both answers.
 */
#include "test_kvm_abi_util.h"

#include <stdlib.h>
#include <sys/ioctl.h>

#define ANY_FD 0x7fff0000L  /* expected: some fd (>= 0) */
#define ANY_POS 0x7fff0001L /* expected: a count > 0 */
#define MAX_STEPS 64

struct step {
	const char *label;
	long ret;
	int err;
	long eret;
	int eerr;
};

struct rec {
	struct step s[MAX_STEPS];
	int n;
};

static void step_add(struct rec *r, const char *label, long ret, int err, long eret, int eerr)
{
	ck_assert(r->n < MAX_STEPS);
	if (eret == ANY_FD && ret >= 0)
		ret = ANY_FD;
	if (eret == ANY_POS && ret > 0)
		ret = ANY_POS;
	r->s[r->n++] = (struct step){label, ret, err, eret, eerr};
}

/* Run expr (an ioctl through provider p) and record it with its expected result. */
#define STEP(r, label, eret, eerr, expr)                                                           \
	do {                                                                                       \
		long ret_;                                                                         \
		errno = 0;                                                                         \
		ret_ = (expr);                                                                     \
		step_add(r, label, ret_, ret_ < 0 ? errno : 0, eret, eerr);                        \
	} while (0)

#define IOC(p, fd, req, arg) ((p)->ioctl((fd), (req), (void *)(uintptr_t)(arg)))

typedef void (*scenario_fn)(const struct kvm_provider *p, struct rec *r);

static const char *errname(int e)
{
	return e ? strerror(e) : "-";
}

/* Soft against the expectations, then the kernel against the soft provider. */
static void run_scenario(const char *name, scenario_fn fn)
{
	static struct rec soft, kern;
	const struct kvm_provider *k = kt_kernel();

	memset(&soft, 0, sizeof(soft));
	fn(&kvm_provider_soft, &soft);
	if (k) {
		memset(&kern, 0, sizeof(kern));
		fn(k, &kern);
		ck_assert_int_eq(kern.n, soft.n);
		for (int i = 0; i < soft.n; i++) {
			const struct step *s = &soft.s[i], *q = &kern.s[i];

			ck_assert_msg(s->ret == q->ret && s->err == q->err,
				      "%s: step '%s': soft %ld (%s), kvm %ld (%s)", name, s->label,
				      s->ret, errname(s->err), q->ret, errname(q->err));
		}
	} else {
		kt_note_skip(name);
	}
	for (int i = 0; i < soft.n; i++) {
		const struct step *s = &soft.s[i];

		ck_assert_msg(s->ret == s->eret && s->err == s->eerr,
			      "%s: step '%s': soft %ld (%s), expected %ld (%s)", name, s->label,
			      s->ret, errname(s->err), s->eret, errname(s->eerr));
	}
}

/* ---- scenarios ---- */

static void sc_system(const struct kvm_provider *p, struct rec *r)
{
	int sys = p->open_system(), vm;

	ck_assert(sys >= 0);
	STEP(r, "GET_API_VERSION", 12, 0, IOC(p, sys, KVM_GET_API_VERSION, 0));
	STEP(r, "GET_API_VERSION arg 1", -1, EINVAL, IOC(p, sys, KVM_GET_API_VERSION, 1));
	STEP(r, "GET_VCPU_MMAP_SIZE (3 pages)", 3 * 4096, 0,
	     IOC(p, sys, KVM_GET_VCPU_MMAP_SIZE, 0));
	STEP(r, "CHECK_EXTENSION USER_MEMORY", 1, 0,
	     IOC(p, sys, KVM_CHECK_EXTENSION, KVM_CAP_USER_MEMORY));
	STEP(r, "CHECK_EXTENSION IMMEDIATE_EXIT", 1, 0,
	     IOC(p, sys, KVM_CHECK_EXTENSION, KVM_CAP_IMMEDIATE_EXIT));
	STEP(r, "CHECK_EXTENSION SET_GUEST_DEBUG", 1, 0,
	     IOC(p, sys, KVM_CHECK_EXTENSION, KVM_CAP_SET_GUEST_DEBUG));
	STEP(r, "CHECK_EXTENSION EXT_CPUID", 1, 0,
	     IOC(p, sys, KVM_CHECK_EXTENSION, KVM_CAP_EXT_CPUID));
	STEP(r, "CHECK_EXTENSION BINARY_STATS_FD", 1, 0,
	     IOC(p, sys, KVM_CHECK_EXTENSION, KVM_CAP_BINARY_STATS_FD));
	STEP(r, "CHECK_EXTENSION NR_MEMSLOTS > 0", ANY_POS, 0,
	     IOC(p, sys, KVM_CHECK_EXTENSION, KVM_CAP_NR_MEMSLOTS));
	STEP(r, "CHECK_EXTENSION unknown", 0, 0, IOC(p, sys, KVM_CHECK_EXTENSION, 99999));
	STEP(r, "CREATE_VM type 1", -1, EINVAL, IOC(p, sys, KVM_CREATE_VM, 1));
	vm = IOC(p, sys, KVM_CREATE_VM, 0);
	STEP(r, "CREATE_VM type 0", ANY_FD, 0, vm);
	STEP(r, "CHECK_EXTENSION on VM fd", 1, 0,
	     IOC(p, vm, KVM_CHECK_EXTENSION, KVM_CAP_USER_MEMORY));
	STEP(r, "SET_TSS_ADDR 0xfffbd000", 0, 0, IOC(p, vm, KVM_SET_TSS_ADDR, 0xfffbd000));
	p->close(vm);
	p->close(sys);
}

/* What __kvm_set_memory_region() accepts and refuses, in one VM. */
static void sc_memslots(const struct kvm_provider *p, struct rec *r)
{
	const size_t len = 4 << 20;
	struct kvm_userspace_memory_region m;
	uint8_t *mem;
	int sys, vm, nslots;

	mem = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert(mem != MAP_FAILED);
	sys = p->open_system();
	vm = IOC(p, sys, KVM_CREATE_VM, 0);
	ck_assert(vm >= 0);
	nslots = IOC(p, vm, KVM_CHECK_EXTENSION, KVM_CAP_NR_MEMSLOTS);
	ck_assert(nslots > 2);

#define SLOT(label, eret, eerr, s, f, g, sz, h)                                                    \
	do {                                                                                       \
		m = (struct kvm_userspace_memory_region){(s), (f), (g), (sz), (uintptr_t)(h)};     \
		STEP(r, label, eret, eerr, IOC(p, vm, KVM_SET_USER_MEMORY_REGION, &m));            \
	} while (0)

	STEP(r, "NULL region", -1, EFAULT, IOC(p, vm, KVM_SET_USER_MEMORY_REGION, NULL));
	SLOT("hva not page aligned", -1, EINVAL, 0, 0, 0, 0x1000, mem + 1);
	SLOT("gpa not page aligned", -1, EINVAL, 0, 0, 0x800, 0x1000, mem);
	SLOT("size not page multiple", -1, EINVAL, 0, 0, 0, 0x1001, mem);
	SLOT("size below a page", -1, EINVAL, 0, 0, 0, 0x800, mem);
	SLOT("unknown flag 0x80", -1, EINVAL, 0, 0x80, 0, 0x1000, mem);
	SLOT("GUEST_MEMFD flag on v1 ioctl", -1, EINVAL, 0, 1u << 2, 0, 0x1000, mem);
	SLOT("slot = NR_MEMSLOTS", -1, EINVAL, (uint32_t)nslots, 0, 0, 0x1000, mem);
	SLOT("slot 0xffff", -1, EINVAL, 0xffff, 0, 0, 0x1000, mem);
	if (IOC(p, vm, KVM_CHECK_EXTENSION, KVM_CAP_MULTI_ADDRESS_SPACE) <= 1)
		SLOT("address space 1 (none)", -1, EINVAL, 0x10000, 0, 0, 0x1000, mem);
	SLOT("gpa + size wraps", -1, EINVAL, 0, 0, -4096ULL, 0x2000, mem);
	SLOT("hva in kernel half", -1, EINVAL, 0, 0, 0, 0x1000, 0xffff800000000000ULL);
	SLOT("hva + size past user space", -1, EINVAL, 0, 0, 0, 0x2000, 0x7ffffffff000ULL);
	SLOT("delete absent slot", -1, EINVAL, 3, 0, 0, 0, 0);
	SLOT("more than KVM_MEM_MAX_NR_PAGES", -1, EINVAL, 0, 0, 0, 1ULL << 43, 0x1000);
	SLOT("gpa at 2^52 (past any MAXPHYADDR)", -1, EINVAL, 0, 0, 1ULL << 52, 0x1000, mem);

	SLOT("create slot 0 [0, 1M)", 0, 0, 0, 0, 0, 1 << 20, mem);
	SLOT("slot 1 overlapping slot 0", -1, EEXIST, 1, 0, 0x80000, 1 << 20, mem + (1 << 20));
	SLOT("slot 1 covering slot 0", -1, EEXIST, 1, 0, 0, 2 << 20, mem + (1 << 20));
	SLOT("slot 1 adjacent [1M, 2M)", 0, 0, 1, 0, 1 << 20, 1 << 20, mem + (1 << 20));
	SLOT("move slot 1 onto slot 0", -1, EEXIST, 1, 0, 0xff000, 1 << 20, mem + (1 << 20));
	SLOT("resize slot 0", -1, EINVAL, 0, 0, 0, 2 << 20, mem);
	SLOT("shrink slot 0", -1, EINVAL, 0, 0, 0, 0x1000, mem);
	SLOT("new hva for slot 0", -1, EINVAL, 0, 0, 0, 1 << 20, mem + (2 << 20));
	SLOT("slot 0 unchanged again", 0, 0, 0, 0, 0, 1 << 20, mem);
	SLOT("slot 0 flags: LOG_DIRTY_PAGES", 0, 0, 0, KVM_MEM_LOG_DIRTY_PAGES, 0, 1 << 20, mem);
	SLOT("move slot 1 to [3M, 4M)", 0, 0, 1, 0, 3 << 20, 1 << 20, mem + (1 << 20));
	SLOT("slot 2 where slot 1 was", 0, 0, 2, 0, 1 << 20, 1 << 20, mem + (2 << 20));
	SLOT("slot 3 same hva as slot 0 elsewhere", 0, 0, 3, 0, 8 << 20, 1 << 20, mem);
	SLOT("delete slot 0", 0, 0, 0, 0, 0, 0, 0);
	SLOT("delete slot 0 again", -1, EINVAL, 0, 0, 0, 0, 0);
	SLOT("slot 0 recreated at [0, 1M)", 0, 0, 0, 0, 0, 1 << 20, mem);
	SLOT("last slot (NR_MEMSLOTS - 1)", 0, 0, (uint32_t)nslots - 1, 0, 16 << 20, 0x1000, mem);
#undef SLOT
	p->close(vm);
	p->close(sys);
	munmap(mem, len);
}

/* Requests a fd does not know, and fds that are not what the request needs. */
static void sc_fd_kinds(const struct kvm_provider *p, struct rec *r)
{
	int sys, vm, cpu, null, closed;

	sys = p->open_system();
	vm = IOC(p, sys, KVM_CREATE_VM, 0);
	cpu = IOC(p, vm, KVM_CREATE_VCPU, 0);
	ck_assert(sys >= 0 && vm >= 0 && cpu >= 0);

	STEP(r, "system: unknown KVM ioctl", -1, EINVAL, IOC(p, sys, _IO(KVMIO, 0xfe), 0));
	STEP(r, "system: foreign ioctl", -1, EINVAL, IOC(p, sys, _IO(0x12, 0x34), 0));
	STEP(r, "system: KVM_RUN", -1, EINVAL, IOC(p, sys, KVM_RUN, 0));
	STEP(r, "system: KVM_CREATE_VCPU", -1, EINVAL, IOC(p, sys, KVM_CREATE_VCPU, 0));
	STEP(r, "vm: unknown KVM ioctl", -1, ENOTTY, IOC(p, vm, _IO(KVMIO, 0xfe), 0));
	STEP(r, "vm: foreign ioctl", -1, ENOTTY, IOC(p, vm, _IO(0x12, 0x34), 0));
	STEP(r, "vm: KVM_GET_API_VERSION", -1, ENOTTY, IOC(p, vm, KVM_GET_API_VERSION, 0));
	STEP(r, "vm: KVM_CREATE_VM", -1, ENOTTY, IOC(p, vm, KVM_CREATE_VM, 0));
	STEP(r, "vm: KVM_RUN", -1, ENOTTY, IOC(p, vm, KVM_RUN, 0));
	STEP(r, "vm: KVM_GET_REGS", -1, ENOTTY, IOC(p, vm, KVM_GET_REGS, 0));
	STEP(r, "vcpu: unknown KVM ioctl", -1, EINVAL, IOC(p, cpu, _IO(KVMIO, 0xfe), 0));
	STEP(r, "vcpu: foreign ioctl", -1, EINVAL, IOC(p, cpu, _IO(0x12, 0x34), 0));
	STEP(r, "vcpu: KVM_CREATE_VCPU", -1, EINVAL, IOC(p, cpu, KVM_CREATE_VCPU, 1));
	STEP(r, "vcpu: KVM_GET_API_VERSION", -1, EINVAL, IOC(p, cpu, KVM_GET_API_VERSION, 0));
	STEP(r, "vcpu: KVM_CHECK_EXTENSION", -1, EINVAL, IOC(p, cpu, KVM_CHECK_EXTENSION, 1));
	STEP(r, "vcpu: KVM_SET_USER_MEMORY_REGION", -1, EINVAL,
	     IOC(p, cpu, KVM_SET_USER_MEMORY_REGION, 0));

	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	ck_assert(null >= 0);
	STEP(r, "/dev/null: KVM_GET_API_VERSION", -1, ENOTTY, IOC(p, null, KVM_GET_API_VERSION, 0));
	close(null);
	closed = dup(0);
	close(closed);
	STEP(r, "closed fd", -1, EBADF, IOC(p, closed, KVM_GET_API_VERSION, 0));
	STEP(r, "fd -1", -1, EBADF, IOC(p, -1, KVM_GET_API_VERSION, 0));

	/* KVM keeps the VM alive while a vCPU fd is open. */
	p->close(vm);
	STEP(r, "vcpu usable after VM fd closed", 0, 0,
	     IOC(p, cpu, KVM_GET_REGS, &(struct kvm_regs){0}));
	p->close(cpu);
	p->close(sys);
}

static void sc_vcpu_ids(const struct kvm_provider *p, struct rec *r)
{
	int sys, vm, max_id, fd0, fd1;

	sys = p->open_system();
	vm = IOC(p, sys, KVM_CREATE_VM, 0);
	ck_assert(vm >= 0);
	max_id = IOC(p, vm, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPU_ID);
	if (max_id <= 0)
		max_id = IOC(p, vm, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS);
	ck_assert(max_id > 1);

	fd0 = IOC(p, vm, KVM_CREATE_VCPU, 0);
	STEP(r, "vcpu id 0", ANY_FD, 0, fd0);
	STEP(r, "vcpu id 0 again", -1, EEXIST, IOC(p, vm, KVM_CREATE_VCPU, 0));
	STEP(r, "vcpu id -1", -1, EINVAL, IOC(p, vm, KVM_CREATE_VCPU, -1L));
	STEP(r, "vcpu id = MAX_VCPU_ID", -1, EINVAL, IOC(p, vm, KVM_CREATE_VCPU, max_id));
	fd1 = IOC(p, vm, KVM_CREATE_VCPU, max_id - 1);
	STEP(r, "vcpu id = MAX_VCPU_ID - 1", ANY_FD, 0, fd1);
	STEP(r, "distinct fds", 1, 0, fd0 != fd1);
	p->close(fd1);
	p->close(fd0);
	p->close(vm);
	p->close(sys);
}

static void sc_cpuid(const struct kvm_provider *p, struct rec *r)
{
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + 300 * sizeof(c->entries[0]));
	int sys, vm, cpu;
	uint32_t n;

	ck_assert(c);
	sys = p->open_system();
	vm = IOC(p, sys, KVM_CREATE_VM, 0);
	cpu = IOC(p, vm, KVM_CREATE_VCPU, 0);
	ck_assert(cpu >= 0);

	STEP(r, "SUPPORTED_CPUID NULL", -1, EFAULT, IOC(p, sys, KVM_GET_SUPPORTED_CPUID, NULL));
	c->nent = 0;
	STEP(r, "SUPPORTED_CPUID nent 0", -1, E2BIG, IOC(p, sys, KVM_GET_SUPPORTED_CPUID, c));
	c->nent = 1;
	STEP(r, "SUPPORTED_CPUID nent 1", -1, E2BIG, IOC(p, sys, KVM_GET_SUPPORTED_CPUID, c));
	STEP(r, "nent left as it was on E2BIG", 1, 0, c->nent);
	c->nent = 300;
	STEP(r, "SUPPORTED_CPUID nent 300", 0, 0, IOC(p, sys, KVM_GET_SUPPORTED_CPUID, c));
	n = c->nent;
	STEP(r, "nent set to the count (1..256)", 1, 0, n >= 1 && n <= 256);
	STEP(r, "leaf 0 present", 1, 0, n >= 1 && c->entries[0].function == 0);
	c->nent = n - 1;
	STEP(r, "SUPPORTED_CPUID one short", -1, E2BIG, IOC(p, sys, KVM_GET_SUPPORTED_CPUID, c));
	c->nent = n;
	STEP(r, "SUPPORTED_CPUID exact", 0, 0, IOC(p, sys, KVM_GET_SUPPORTED_CPUID, c));

	STEP(r, "SET_CPUID2 NULL", -1, EFAULT, IOC(p, cpu, KVM_SET_CPUID2, NULL));
	STEP(r, "SET_CPUID2 supported table", 0, 0, IOC(p, cpu, KVM_SET_CPUID2, c));
	c->nent = 257;
	STEP(r, "SET_CPUID2 nent 257", -1, E2BIG, IOC(p, cpu, KVM_SET_CPUID2, c));
	c->nent = 0;
	STEP(r, "SET_CPUID2 nent 0", 0, 0, IOC(p, cpu, KVM_SET_CPUID2, c));
	p->close(cpu);
	p->close(vm);
	p->close(sys);
	free(c);
}

#define MSR_EFER 0xc0000080
#define MSR_STAR 0xc0000081
#define MSR_LSTAR 0xc0000082
#define MSR_BOGUS 0x12345 /* no CPU has it */

static void sc_msrs(const struct kvm_provider *p, struct rec *r)
{
	struct kvm_msrs *m = calloc(1, sizeof(*m) + 300 * sizeof(m->entries[0]));
	int sys, vm, cpu;

	ck_assert(m);
	sys = p->open_system();
	vm = IOC(p, sys, KVM_CREATE_VM, 0);
	cpu = IOC(p, vm, KVM_CREATE_VCPU, 0);
	ck_assert(cpu >= 0);

	STEP(r, "GET_MSRS NULL", -1, EFAULT, IOC(p, cpu, KVM_GET_MSRS, NULL));
	STEP(r, "SET_MSRS NULL", -1, EFAULT, IOC(p, cpu, KVM_SET_MSRS, NULL));
	m->nmsrs = 0;
	STEP(r, "GET_MSRS none", 0, 0, IOC(p, cpu, KVM_GET_MSRS, m));
	m->nmsrs = 256;
	STEP(r, "GET_MSRS 256 (MAX_IO_MSRS)", -1, E2BIG, IOC(p, cpu, KVM_GET_MSRS, m));

	m->nmsrs = 3;
	m->entries[0] = (struct kvm_msr_entry){.index = MSR_STAR, .data = 0x0023001000000000ULL};
	m->entries[1] = (struct kvm_msr_entry){.index = MSR_LSTAR, .data = 0xffffffff81000000ULL};
	m->entries[2] = (struct kvm_msr_entry){.index = MSR_BOGUS, .data = 1};
	STEP(r, "SET_MSRS STAR, LSTAR, bogus", 2, 0, IOC(p, cpu, KVM_SET_MSRS, m));
	m->entries[0] = (struct kvm_msr_entry){.index = MSR_BOGUS};
	m->entries[1] = (struct kvm_msr_entry){.index = MSR_STAR};
	STEP(r, "SET_MSRS bogus first", 0, 0, IOC(p, cpu, KVM_SET_MSRS, m));

	memset(m->entries, 0, 3 * sizeof(m->entries[0]));
	m->entries[0].index = MSR_LSTAR;
	m->entries[1].index = MSR_BOGUS;
	m->entries[2].index = MSR_STAR;
	STEP(r, "GET_MSRS LSTAR, bogus, STAR", 1, 0, IOC(p, cpu, KVM_GET_MSRS, m));
	STEP(r, "LSTAR read back", 1, 0, m->entries[0].data == 0xffffffff81000000ULL);
	m->nmsrs = 2;
	m->entries[0].index = MSR_EFER;
	m->entries[1].index = MSR_STAR;
	STEP(r, "GET_MSRS EFER, STAR", 2, 0, IOC(p, cpu, KVM_GET_MSRS, m));
	STEP(r, "STAR read back", 1, 0, m->entries[1].data == 0x0023001000000000ULL);
	p->close(cpu);
	p->close(vm);
	p->close(sys);
	free(m);
}

static void sc_vcpu_args(const struct kvm_provider *p, struct rec *r)
{
	struct kvm_interrupt irq;
	int sys, vm, cpu;

	sys = p->open_system();
	vm = IOC(p, sys, KVM_CREATE_VM, 0);
	cpu = IOC(p, vm, KVM_CREATE_VCPU, 0);
	ck_assert(cpu >= 0);

	STEP(r, "GET_REGS NULL", -1, EFAULT, IOC(p, cpu, KVM_GET_REGS, NULL));
	STEP(r, "SET_REGS NULL", -1, EFAULT, IOC(p, cpu, KVM_SET_REGS, NULL));
	STEP(r, "GET_SREGS NULL", -1, EFAULT, IOC(p, cpu, KVM_GET_SREGS, NULL));
	STEP(r, "SET_SREGS NULL", -1, EFAULT, IOC(p, cpu, KVM_SET_SREGS, NULL));
	STEP(r, "SET_GUEST_DEBUG NULL", -1, EFAULT, IOC(p, cpu, KVM_SET_GUEST_DEBUG, NULL));
	STEP(r, "INTERRUPT NULL", -1, EFAULT, IOC(p, cpu, KVM_INTERRUPT, NULL));
	irq.irq = 256;
	STEP(r, "INTERRUPT vector 256", -1, EINVAL, IOC(p, cpu, KVM_INTERRUPT, &irq));
	irq.irq = 0x20;
	STEP(r, "INTERRUPT vector 0x20", 0, 0, IOC(p, cpu, KVM_INTERRUPT, &irq));
	/* Without an in-kernel irqchip KVM just queues: a second one replaces the first. */
	irq.irq = 0x21;
	STEP(r, "INTERRUPT again before delivery", 0, 0, IOC(p, cpu, KVM_INTERRUPT, &irq));
	STEP(r, "KVM_RUN with arg", -1, EINVAL, IOC(p, cpu, KVM_RUN, 1));
	p->close(cpu);
	p->close(vm);
	p->close(sys);
}

/* A new vCPU is in the SDM's power-up state (vol. 3, table 9-1), as KVM makes it. */
static void sc_reset_state(const struct kvm_provider *p, struct rec *r)
{
	struct kvm_sregs sr, bad;
	struct kvm_regs regs;
	int sys, vm, cpu;

	sys = p->open_system();
	vm = IOC(p, sys, KVM_CREATE_VM, 0);
	cpu = IOC(p, vm, KVM_CREATE_VCPU, 0);
	ck_assert(cpu >= 0);
	STEP(r, "GET_REGS", 0, 0, IOC(p, cpu, KVM_GET_REGS, &regs));
	STEP(r, "GET_SREGS", 0, 0, IOC(p, cpu, KVM_GET_SREGS, &sr));
	STEP(r, "rip", 0xfff0, 0, (long)regs.rip);
	STEP(r, "rflags", 0x2, 0, (long)regs.rflags);
	STEP(r, "rsp", 0, 0, (long)regs.rsp);
	STEP(r, "cs.selector", 0xf000, 0, sr.cs.selector);
	STEP(r, "cs.base", 0xffff0000L, 0, (long)sr.cs.base);
	STEP(r, "cs.limit", 0xffff, 0, sr.cs.limit);
	STEP(r, "cs.type", 11, 0, sr.cs.type);
	STEP(r, "cs.present/s/db/l/g", 0x11000, 0,
	     sr.cs.present << 16 | sr.cs.s << 12 | sr.cs.db << 8 | sr.cs.l << 4 | sr.cs.g);
	STEP(r, "ds.base/limit/type", 0xffff3, 0,
	     (long)(sr.ds.base << 20 | sr.ds.limit << 4 | sr.ds.type));
	STEP(r, "ss.base/limit/type", 0xffff3, 0,
	     (long)(sr.ss.base << 20 | sr.ss.limit << 4 | sr.ss.type));
	STEP(r, "tr.limit/type/present", 0xffffb1, 0,
	     sr.tr.limit << 8 | sr.tr.type << 4 | sr.tr.present);
	STEP(r, "ldt.limit/type/present", 0xffff21, 0,
	     sr.ldt.limit << 8 | sr.ldt.type << 4 | sr.ldt.present);
	STEP(r, "gdt base/limit", 0xffff, 0, (long)(sr.gdt.base << 16 | sr.gdt.limit));
	STEP(r, "idt base/limit", 0xffff, 0, (long)(sr.idt.base << 16 | sr.idt.limit));
	STEP(r, "cr0", 0x60000010L, 0, (long)sr.cr0);
	STEP(r, "cr3|cr4|efer", 0, 0, (long)(sr.cr3 | sr.cr4 | sr.efer));
	STEP(r, "apic_base (BSP, enabled)", 0xfee00900L, 0, (long)sr.apic_base);

	bad = sr;
	bad.cr0 = 0x80000000; /* PG without PE */
	STEP(r, "SET_SREGS cr0.PG without PE", -1, EINVAL, IOC(p, cpu, KVM_SET_SREGS, &bad));
	bad = sr;
	bad.cr0 = 0x20000011; /* NW without CD */
	STEP(r, "SET_SREGS cr0.NW without CD", -1, EINVAL, IOC(p, cpu, KVM_SET_SREGS, &bad));
	bad = sr;
	bad.efer = 0x400; /* LMA without LME and paging */
	STEP(r, "SET_SREGS efer.LMA alone", -1, EINVAL, IOC(p, cpu, KVM_SET_SREGS, &bad));
	STEP(r, "SET_SREGS reset state back", 0, 0, IOC(p, cpu, KVM_SET_SREGS, &sr));
	p->close(cpu);
	p->close(vm);
	p->close(sys);
}

/* The vCPU fd maps kvm_run: two mappings of it are the same bytes. */
static void sc_vcpu_mmap(const struct kvm_provider *p, struct rec *r)
{
	struct kt_vm v;
	struct kvm_run *again;

	kt_vm_create(&v, p, 0);
	again = mmap(NULL, v.run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v.cpu, 0);
	STEP(r, "second mmap", 1, 0, again != MAP_FAILED);
	v.run->request_interrupt_window = 1;
	STEP(r, "writes through one seen by the other", 1, 0,
	     again != MAP_FAILED && again->request_interrupt_window == 1);
	v.run->request_interrupt_window = 0;
	if (again != MAP_FAILED)
		munmap(again, v.run_size);
	kt_vm_destroy(&v);
}

/* KVM_RUN with immediate_exit set returns EINTR before running the guest. */
static void sc_immediate_exit(const struct kvm_provider *p, struct rec *r)
{
	struct kt_vm v;

	kt_vm_create(&v, p, 1 << 20);
	v.run->immediate_exit = 1;
	STEP(r, "KVM_RUN with immediate_exit", -1, EINTR, IOC(p, v.cpu, KVM_RUN, 0));
	v.run->immediate_exit = 0;
	kt_vm_destroy(&v);
}

static void sc_stats_fd(const struct kvm_provider *p, struct rec *r)
{
	static const char *const names[] = {
	    "exits",	      "io_exits",     "mmio_exits",	  "halt_exits",
	    "irq_injections", "signal_exits", "request_irq_exits"};
	struct kvm_stats_header h;
	struct kt_vm v;
	uint64_t before = 0, after = 0, val;
	int fd;

	kt_vm_create(&v, p, 1 << 20);
	fd = IOC(p, v.cpu, KVM_GET_STATS_FD, 0);
	STEP(r, "GET_STATS_FD on vcpu", ANY_FD, 0, fd);
	ck_assert(fd >= 0);
	STEP(r, "header readable", 1, 0, pread(fd, &h, sizeof(h), 0) == (ssize_t)sizeof(h));
	STEP(r, "header layout", 1, 0,
	     h.name_size > 0 && h.num_desc > 0 && h.id_offset >= sizeof(h) &&
		 h.desc_offset >= h.id_offset + h.name_size && h.data_offset > h.desc_offset);
	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		STEP(r, names[i], 0, 0, kt_stats_find(fd, names[i], &val));
	STEP(r, "stats fd is not writable", -1, EBADF, write(fd, "x", 1));

	/* KVM counts signals that cut a run short, not immediate_exit refusals. */
	kt_stats_find(fd, "signal_exits", &before);
	v.run->immediate_exit = 1;
	IOC(p, v.cpu, KVM_RUN, 0);
	v.run->immediate_exit = 0;
	kt_stats_find(fd, "signal_exits", &after);
	STEP(r, "immediate_exit is no signal exit", 1, 0, after == before);
	p->close(fd);
	kt_vm_destroy(&v);
}

/*
 * The x87/SSE state ioctls (api.rst KVM_GET/SET_FPU, KVM_GET/SET_XSAVE,
 * KVM_GET_XSAVE2, KVM_GET/SET_XCRS; arch/x86/kvm/x86.c): argument checks,
 * the reset values (FCW 037FH, MXCSR 1F80H, XCR0 1) and round trips.
 */
static void sc_fpu_ioctls(const struct kvm_provider *p, struct rec *r)
{
	struct kvm_fpu fpu, back;
	struct kvm_xsave *xs = calloc(1, 8192);
	struct kvm_xcrs xcrs;
	int sys, vm, cpu, size;

	ck_assert(xs);
	sys = p->open_system();
	vm = IOC(p, sys, KVM_CREATE_VM, 0);
	cpu = IOC(p, vm, KVM_CREATE_VCPU, 0);
	ck_assert(cpu >= 0);
	STEP(r, "CHECK_EXTENSION XSAVE", 1, 0, IOC(p, sys, KVM_CHECK_EXTENSION, KVM_CAP_XSAVE));
	STEP(r, "CHECK_EXTENSION XCRS", 1, 0, IOC(p, sys, KVM_CHECK_EXTENSION, KVM_CAP_XCRS));
	size = IOC(p, sys, KVM_CHECK_EXTENSION, KVM_CAP_XSAVE2);
	STEP(r, "CHECK_EXTENSION XSAVE2 >= sizeof(kvm_xsave)", 1, 0, size >= 4096 && size <= 8192);
	STEP(r, "GET_FPU NULL", -1, EFAULT, IOC(p, cpu, KVM_GET_FPU, NULL));
	STEP(r, "SET_FPU NULL", -1, EFAULT, IOC(p, cpu, KVM_SET_FPU, NULL));
	STEP(r, "GET_XSAVE NULL", -1, EFAULT, IOC(p, cpu, KVM_GET_XSAVE, NULL));
	STEP(r, "GET_XSAVE2 NULL", -1, EFAULT, IOC(p, cpu, KVM_GET_XSAVE2, NULL));
	STEP(r, "SET_XSAVE NULL", -1, EFAULT, IOC(p, cpu, KVM_SET_XSAVE, NULL));
	STEP(r, "GET_XCRS NULL", -1, EFAULT, IOC(p, cpu, KVM_GET_XCRS, NULL));
	STEP(r, "SET_XCRS NULL", -1, EFAULT, IOC(p, cpu, KVM_SET_XCRS, NULL));

	memset(&fpu, 0xa5, sizeof(fpu));
	STEP(r, "GET_FPU", 0, 0, IOC(p, cpu, KVM_GET_FPU, &fpu));
	STEP(r, "reset FCW", 0x37f, 0, fpu.fcw);
	STEP(r, "reset FSW, FTW (all empty)", 0, 0, fpu.fsw | fpu.ftwx);
	memset(xs, 0xa5, 8192);
	STEP(r, "GET_XSAVE", 0, 0, IOC(p, cpu, KVM_GET_XSAVE, xs));
	STEP(r, "reset MXCSR in the XSAVE image", 0x1f80, 0, (long)xs->region[6]);
	STEP(r, "GET_XSAVE2", 0, 0, IOC(p, cpu, KVM_GET_XSAVE2, xs));
	STEP(r, "XSAVE2 FCW", 0x37f, 0, xs->region[0] & 0xffff);

	memset(&xcrs, 0xa5, sizeof(xcrs));
	STEP(r, "GET_XCRS", 0, 0, IOC(p, cpu, KVM_GET_XCRS, &xcrs));
	STEP(r, "one XCR: XCR0 = 1", 1, 0,
	     xcrs.nr_xcrs == 1 && xcrs.flags == 0 && xcrs.xcrs[0].xcr == 0 &&
		 xcrs.xcrs[0].value == 1);
	memset(&xcrs, 0, sizeof(xcrs));
	xcrs.nr_xcrs = 1;
	STEP(r, "SET_XCRS XCR0 = 0 (x87 bit clear)", -1, EINVAL, IOC(p, cpu, KVM_SET_XCRS, &xcrs));
	xcrs.xcrs[0].value = 3;
	/* SSE is offered only through the guest's CPUID leaf 0xD, and none was set */
	STEP(r, "SET_XCRS XCR0 = 3 without CPUID", -1, EINVAL, IOC(p, cpu, KVM_SET_XCRS, &xcrs));
	xcrs.xcrs[0].value = 1;
	xcrs.flags = 1;
	STEP(r, "SET_XCRS flags 1", -1, EINVAL, IOC(p, cpu, KVM_SET_XCRS, &xcrs));
	xcrs.flags = 0;
	xcrs.nr_xcrs = KVM_MAX_XCRS + 1;
	STEP(r, "SET_XCRS nr_xcrs 17", -1, EINVAL, IOC(p, cpu, KVM_SET_XCRS, &xcrs));
	xcrs.nr_xcrs = 1;
	STEP(r, "SET_XCRS XCR0 = 1", 0, 0, IOC(p, cpu, KVM_SET_XCRS, &xcrs));
	xcrs.xcrs[0].xcr = 1;
	xcrs.xcrs[0].value = 0;
	STEP(r, "SET_XCRS of XCR1 only: ignored", 0, 0, IOC(p, cpu, KVM_SET_XCRS, &xcrs));
	{
		/* with the supported CPUID (leaf 0xD offers SSE on both providers), XCR0 = 3 */
		struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + 256 * sizeof(c->entries[0]));

		ck_assert(c);
		c->nent = 256;
		ck_assert_int_eq(IOC(p, sys, KVM_GET_SUPPORTED_CPUID, c), 0);
		ck_assert_int_eq(IOC(p, cpu, KVM_SET_CPUID2, c), 0);
		free(c);
	}
	xcrs.xcrs[0].xcr = 0;
	xcrs.xcrs[0].value = 3;
	STEP(r, "SET_XCRS XCR0 = 3 with CPUID leaf 0xD", 0, 0, IOC(p, cpu, KVM_SET_XCRS, &xcrs));
	memset(&xcrs, 0, sizeof(xcrs));
	STEP(r, "GET_XCRS: XCR0 = 3", 1, 0,
	     IOC(p, cpu, KVM_GET_XCRS, &xcrs) == 0 && xcrs.xcrs[0].value == 3);

	fpu.fcw = 0x27f;
	fpu.fsw = 0x3800; /* TOP 7 */
	fpu.ftwx = 0x80;
	fpu.last_opcode = 0x1e8;
	fpu.last_ip = 0x123456789aULL;
	fpu.last_dp = 0xfedcba98ULL;
	for (unsigned i = 0; i < sizeof(fpu.fpr); i++)
		((uint8_t *)fpu.fpr)[i] = (uint8_t)(i * 7 + 1);
	for (unsigned i = 0; i < sizeof(fpu.xmm); i++)
		((uint8_t *)fpu.xmm)[i] = (uint8_t)(i * 13 + 5);
	STEP(r, "SET_FPU", 0, 0, IOC(p, cpu, KVM_SET_FPU, &fpu));
	memset(&back, 0x5a, sizeof(back));
	STEP(r, "GET_FPU back", 0, 0, IOC(p, cpu, KVM_GET_FPU, &back));
	STEP(r, "fcw fsw ftwx fop ip dp back", 1, 0,
	     back.fcw == fpu.fcw && back.fsw == fpu.fsw && back.ftwx == fpu.ftwx &&
		 back.last_opcode == fpu.last_opcode && back.last_ip == fpu.last_ip &&
		 back.last_dp == fpu.last_dp);
	STEP(r, "ST registers back", 0, 0, memcmp(back.fpr, fpu.fpr, sizeof(fpu.fpr)));
	STEP(r, "XMM registers back", 0, 0, memcmp(back.xmm, fpu.xmm, sizeof(fpu.xmm)));
	ck_assert_int_eq(IOC(p, cpu, KVM_GET_XSAVE, xs), 0);
	STEP(r, "XSAVE image: FCW at 0, FIP at 8", 1, 0,
	     (xs->region[0] & 0xffff) == 0x27f && xs->region[2] == 0x3456789a &&
		 xs->region[3] == 0x12);
	STEP(r, "XSAVE image: ST0 at 32, XMM at 160", 1, 0,
	     !memcmp(&xs->region[8], fpu.fpr, 128) && !memcmp(&xs->region[40], fpu.xmm, 256));
	p->close(cpu);
	p->close(vm);
	p->close(sys);
	free(xs);
}

/* KVM_SET_XSAVE: the header checks of copy_uabi_to_xstate, and components not in XSTATE_BV. */
static void sc_xsave_set(const struct kvm_provider *p, struct rec *r)
{
	struct kvm_xsave *xs = calloc(1, 8192), *back = calloc(1, 8192);
	uint8_t *b;
	struct kvm_fpu fpu;
	int sys, vm, cpu;

	ck_assert(xs && back);
	b = (uint8_t *)xs->region;
	sys = p->open_system();
	vm = IOC(p, sys, KVM_CREATE_VM, 0);
	cpu = IOC(p, vm, KVM_CREATE_VCPU, 0);
	ck_assert(cpu >= 0);
	ck_assert_int_eq(IOC(p, cpu, KVM_GET_XSAVE, xs), 0);
	b[512 + 7] = 0x40; /* XSTATE_BV bit 62: no component */
	STEP(r, "SET_XSAVE unknown XSTATE_BV bit", -1, EINVAL, IOC(p, cpu, KVM_SET_XSAVE, xs));
	b[512 + 7] = 0;
	b[512] = 3;
	b[520] = 1; /* XCOMP_BV */
	STEP(r, "SET_XSAVE XCOMP_BV not 0", -1, EINVAL, IOC(p, cpu, KVM_SET_XSAVE, xs));
	b[520] = 0;
	b[540] = 1; /* reserved header byte */
	STEP(r, "SET_XSAVE reserved header byte", -1, EINVAL, IOC(p, cpu, KVM_SET_XSAVE, xs));
	b[540] = 0;
	xs->region[6] = 0x10000; /* MXCSR bit 16: reserved everywhere */
	STEP(r, "SET_XSAVE reserved MXCSR bit", -1, EINVAL, IOC(p, cpu, KVM_SET_XSAVE, xs));
	xs->region[6] = 0x1f00 | 0x40; /* RC 0, DAZ */
	b[0] = 0x7f, b[1] = 0x00;      /* FCW 007FH */
	for (unsigned i = 32; i < 416; i++)
		b[i] = (uint8_t)(i * 3);
	b[4] = 0xff; /* all registers valid */
	STEP(r, "SET_XSAVE x87 + SSE", 0, 0, IOC(p, cpu, KVM_SET_XSAVE, xs));
	STEP(r, "GET_XSAVE back", 0, 0, IOC(p, cpu, KVM_GET_XSAVE, back));
	STEP(r, "legacy region 0..415 back", 0, 0,
	     memcmp(b, back->region, 24) | memcmp(b + 32, (uint8_t *)back->region + 32, 384));
	STEP(r, "MXCSR back", 0x1f40, 0, (long)back->region[6]);
	STEP(r, "XSTATE_BV back", 3, 0, (long)((uint8_t *)back->region)[512]);
	b[512] = 0; /* both components to their init state */
	STEP(r, "SET_XSAVE XSTATE_BV 0", 0, 0, IOC(p, cpu, KVM_SET_XSAVE, xs));
	STEP(r, "GET_FPU", 0, 0, IOC(p, cpu, KVM_GET_FPU, &fpu));
	STEP(r, "x87 in init state", 1, 0,
	     fpu.fcw == 0x37f && fpu.ftwx == 0 && fpu.fpr[0][0] == 0 && fpu.fpr[7][9] == 0);
	STEP(r, "XMM in init state", 1, 0, fpu.xmm[0][1] == 0 && fpu.xmm[15][15] == 0);
	p->close(cpu);
	p->close(vm);
	p->close(sys);
	free(xs);
	free(back);
}

#define SCENARIO(fn)                                                                               \
	START_TEST(test_##fn)                                                                      \
	{                                                                                          \
		run_scenario(#fn, fn);                                                             \
	}                                                                                          \
	END_TEST

SCENARIO(sc_system)
SCENARIO(sc_memslots)
SCENARIO(sc_fd_kinds)
SCENARIO(sc_vcpu_ids)
SCENARIO(sc_cpuid)
SCENARIO(sc_msrs)
SCENARIO(sc_vcpu_args)
SCENARIO(sc_reset_state)
SCENARIO(sc_vcpu_mmap)
SCENARIO(sc_immediate_exit)
SCENARIO(sc_stats_fd)
SCENARIO(sc_fpu_ioctls)
SCENARIO(sc_xsave_set)

/*
 * KVM_MEM_READONLY (api.rst, "KVM_SET_USER_MEMORY_REGION"): the guest
 * reads the slot as memory; a write exits as KVM_EXIT_MMIO and leaves the
 * slot unchanged. The flag cannot be toggled on an existing slot.
 */
static void sc_readonly_mem(const struct kvm_provider *p, struct rec *r)
{
	/* real mode at 0x1000: mov ax,0x1000; mov ds,ax; mov al,[0]; mov byte [4],0x5a; hlt */
	static const uint8_t code[] = {0xb8, 0x00, 0x10, 0x8e, 0xd8, 0xa0, 0x00,
				       0x00, 0xc6, 0x06, 0x04, 0x00, 0x5a, 0xf4};
	struct kvm_userspace_memory_region m;
	struct kvm_sregs sr;
	struct kvm_regs regs = {.rip = 0x1000, .rflags = 2};
	struct kt_vm v;
	uint8_t *rom = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ck_assert(rom != MAP_FAILED);
	memset(rom, 0xee, 4096);
	rom[0] = 0x3c;
	kt_vm_create(&v, p, 0x10000);
	memcpy(v.mem + 0x1000, code, sizeof(code));
	STEP(r, "CHECK_EXTENSION READONLY_MEM", 1, 0,
	     IOC(p, v.vm, KVM_CHECK_EXTENSION, KVM_CAP_READONLY_MEM));
	m = (struct kvm_userspace_memory_region){1, KVM_MEM_READONLY, 0x10000, 4096,
						 (uintptr_t)rom};
	STEP(r, "read-only slot 1 at 0x10000", 0, 0, IOC(p, v.vm, KVM_SET_USER_MEMORY_REGION, &m));
	m.flags = 0;
	STEP(r, "clear READONLY on slot 1", -1, EINVAL,
	     IOC(p, v.vm, KVM_SET_USER_MEMORY_REGION, &m));
	m = (struct kvm_userspace_memory_region){2, 0, 0x20000, 4096, (uintptr_t)rom};
	STEP(r, "writable slot 2", 0, 0, IOC(p, v.vm, KVM_SET_USER_MEMORY_REGION, &m));
	m.flags = KVM_MEM_READONLY;
	STEP(r, "set READONLY on slot 2", -1, EINVAL, IOC(p, v.vm, KVM_SET_USER_MEMORY_REGION, &m));

	ck_assert_int_eq(IOC(p, v.cpu, KVM_GET_SREGS, &sr), 0);
	sr.cs.base = 0;
	sr.cs.selector = 0;
	ck_assert_int_eq(IOC(p, v.cpu, KVM_SET_SREGS, &sr), 0);
	ck_assert_int_eq(IOC(p, v.cpu, KVM_SET_REGS, &regs), 0);
	STEP(r, "KVM_RUN to the write", 0, 0, IOC(p, v.cpu, KVM_RUN, 0));
	STEP(r, "the write exits as MMIO", 1, 0,
	     v.run->exit_reason == KVM_EXIT_MMIO && v.run->mmio.phys_addr == 0x10004 &&
		 v.run->mmio.len == 1 && v.run->mmio.is_write && v.run->mmio.data[0] == 0x5a);
	STEP(r, "the slot is unchanged", 1, 0, rom[4] == 0xee);
	STEP(r, "KVM_RUN to hlt", 0, 0, IOC(p, v.cpu, KVM_RUN, 0));
	STEP(r, "hlt exit", KVM_EXIT_HLT, 0, v.run->exit_reason);
	ck_assert_int_eq(IOC(p, v.cpu, KVM_GET_REGS, &regs), 0);
	STEP(r, "the read saw the slot's byte", 0x3c, 0, regs.rax & 0xff);
	kt_vm_destroy(&v);
	munmap(rom, 4096);
}

SCENARIO(sc_readonly_mem)

/*
 * The in-"kernel" irqchip, PIT, LAPIC, clock and MP-state ioctls (issue
 * 11): kvm_vm_ioctl()'s and kvm_arch_vcpu_ioctl()'s checks in
 * arch/x86/kvm/x86.c (ENXIO before KVM_CREATE_IRQCHIP, EEXIST twice,
 * EINVAL once vCPUs exist), and values every KVM shows (LAPIC version
 * 0x50014 without CMCI, the IOAPIC at 0xfec00000, vCPU 0 runnable).
 */
static void sc_irqchip(const struct kvm_provider *p, struct rec *r)
{
	struct kvm_irq_level lvl = {.irq = 4, .level = 1};
	struct kvm_pit_config pit = {.flags = KVM_PIT_SPEAKER_DUMMY};
	struct kvm_irqchip chip;
	struct kvm_pit_state2 ps;
	struct kvm_lapic_state lapic;
	struct kvm_mp_state mp = {.mp_state = 99};
	struct kvm_clock_data clk;
	struct kvm_interrupt intr = {.irq = 0x30};
	int sys = p->open_system(), vm, vm2, cpu, cpu2;
	uint32_t reg;

	vm = IOC(p, sys, KVM_CREATE_VM, 0);
	vm2 = IOC(p, sys, KVM_CREATE_VM, 0);
	ck_assert(vm >= 0 && vm2 >= 0);
	STEP(r, "CHECK_EXTENSION IRQCHIP", 1, 0, IOC(p, vm, KVM_CHECK_EXTENSION, KVM_CAP_IRQCHIP));
	STEP(r, "CHECK_EXTENSION PIT2", 1, 0, IOC(p, vm, KVM_CHECK_EXTENSION, KVM_CAP_PIT2));
	STEP(r, "CHECK_EXTENSION PIT_STATE2", 1, 0,
	     IOC(p, vm, KVM_CHECK_EXTENSION, KVM_CAP_PIT_STATE2));
	STEP(r, "CHECK_EXTENSION IRQ_INJECT_STATUS", 1, 0,
	     IOC(p, vm, KVM_CHECK_EXTENSION, KVM_CAP_IRQ_INJECT_STATUS));
	STEP(r, "CHECK_EXTENSION GET_TSC_KHZ", 1, 0,
	     IOC(p, vm, KVM_CHECK_EXTENSION, KVM_CAP_GET_TSC_KHZ));
	STEP(r, "CHECK_EXTENSION TSC_DEADLINE_TIMER", 1, 0,
	     IOC(p, vm, KVM_CHECK_EXTENSION, KVM_CAP_TSC_DEADLINE_TIMER));
	STEP(r, "CHECK_EXTENSION MP_STATE", 1, 0, IOC(p, vm, KVM_CHECK_EXTENSION, KVM_CAP_MP_STATE));
	STEP(r, "CHECK_EXTENSION ADJUST_CLOCK > 0", ANY_POS, 0,
	     IOC(p, vm, KVM_CHECK_EXTENSION, KVM_CAP_ADJUST_CLOCK));
	STEP(r, "CHECK_EXTENSION SIGNAL_MSI", 1, 0,
	     IOC(p, vm, KVM_CHECK_EXTENSION, KVM_CAP_SIGNAL_MSI));
	STEP(r, "CHECK_EXTENSION USER_NMI", 1, 0, IOC(p, vm, KVM_CHECK_EXTENSION, KVM_CAP_USER_NMI));

	STEP(r, "IRQ_LINE before CREATE_IRQCHIP", -1, ENXIO, IOC(p, vm, KVM_IRQ_LINE, &lvl));
	chip = (struct kvm_irqchip){.chip_id = KVM_IRQCHIP_PIC_MASTER};
	STEP(r, "GET_IRQCHIP before CREATE_IRQCHIP", -1, ENXIO, IOC(p, vm, KVM_GET_IRQCHIP, &chip));
	STEP(r, "CREATE_IRQCHIP", 0, 0, IOC(p, vm, KVM_CREATE_IRQCHIP, 0));
	STEP(r, "CREATE_IRQCHIP again", -1, EEXIST, IOC(p, vm, KVM_CREATE_IRQCHIP, 0));
	STEP(r, "CREATE_PIT2 (speaker dummy)", 0, 0, IOC(p, vm, KVM_CREATE_PIT2, &pit));
	STEP(r, "CREATE_PIT2 again", -1, EEXIST, IOC(p, vm, KVM_CREATE_PIT2, &pit));
	STEP(r, "IRQ_LINE GSI 4 high", 0, 0, IOC(p, vm, KVM_IRQ_LINE, &lvl));
	lvl = (struct kvm_irq_level){.irq = 20, .level = 1};
	STEP(r, "IRQ_LINE_STATUS GSI 20", 0, 0, IOC(p, vm, KVM_IRQ_LINE_STATUS, &lvl));
	STEP(r, "... status: IOAPIC pin masked at reset", -1, 0, lvl.status);
	STEP(r, "GET_IRQCHIP PIC master", 0, 0, IOC(p, vm, KVM_GET_IRQCHIP, &chip));
	STEP(r, "SET_IRQCHIP PIC master", 0, 0, IOC(p, vm, KVM_SET_IRQCHIP, &chip));
	chip = (struct kvm_irqchip){.chip_id = KVM_IRQCHIP_IOAPIC};
	STEP(r, "GET_IRQCHIP IOAPIC", 0, 0, IOC(p, vm, KVM_GET_IRQCHIP, &chip));
	STEP(r, "... IOAPIC at 0xfec00000", 0xfec00000L, 0, (long)chip.chip.ioapic.base_address);
	chip = (struct kvm_irqchip){.chip_id = 3};
	STEP(r, "GET_IRQCHIP chip 3", -1, EINVAL, IOC(p, vm, KVM_GET_IRQCHIP, &chip));
	STEP(r, "GET_PIT2", 0, 0, IOC(p, vm, KVM_GET_PIT2, &ps));
	STEP(r, "SET_PIT2", 0, 0, IOC(p, vm, KVM_SET_PIT2, &ps));
	memset(&clk, 0, sizeof(clk));
	clk.flags = 1;
	STEP(r, "SET_CLOCK unknown flag", -1, EINVAL, IOC(p, vm, KVM_SET_CLOCK, &clk));
	clk = (struct kvm_clock_data){.clock = 5000000000ULL};
	STEP(r, "SET_CLOCK 5 s", 0, 0, IOC(p, vm, KVM_SET_CLOCK, &clk));
	STEP(r, "GET_CLOCK", 0, 0, IOC(p, vm, KVM_GET_CLOCK, &clk));
	STEP(r, "... clock went on from 5 s", 1, 0,
	     clk.clock >= 5000000000ULL && clk.clock < 65000000000ULL);

	cpu = IOC(p, vm, KVM_CREATE_VCPU, 0);
	cpu2 = IOC(p, vm2, KVM_CREATE_VCPU, 0);
	ck_assert(cpu >= 0 && cpu2 >= 0);
	STEP(r, "CREATE_IRQCHIP after a vCPU", -1, EINVAL, IOC(p, vm2, KVM_CREATE_IRQCHIP, 0));
	STEP(r, "GET_LAPIC without irqchip", -1, EINVAL, IOC(p, cpu2, KVM_GET_LAPIC, &lapic));
	STEP(r, "GET_LAPIC", 0, 0, IOC(p, cpu, KVM_GET_LAPIC, &lapic));
	memcpy(&reg, lapic.regs + 0x30, 4);
	STEP(r, "... version 0x50014", 0x50014, 0, reg);
	memcpy(&reg, lapic.regs + 0x20, 4);
	STEP(r, "... APIC ID 0", 0, 0, reg);
	memcpy(&reg, lapic.regs + 0xf0, 4);
	STEP(r, "... SVR 0xff (software-disabled)", 0xff, 0, reg);
	STEP(r, "SET_LAPIC", 0, 0, IOC(p, cpu, KVM_SET_LAPIC, &lapic));
	STEP(r, "GET_MP_STATE", 0, 0, IOC(p, cpu, KVM_GET_MP_STATE, &mp));
	STEP(r, "... vCPU 0 runnable", KVM_MP_STATE_RUNNABLE, 0, mp.mp_state);
	mp.mp_state = 99;
	STEP(r, "SET_MP_STATE 99", -1, EINVAL, IOC(p, cpu, KVM_SET_MP_STATE, &mp));
	STEP(r, "GET_TSC_KHZ > 0", ANY_POS, 0, IOC(p, cpu, KVM_GET_TSC_KHZ, 0));
	STEP(r, "NMI", 0, 0, IOC(p, cpu, KVM_NMI, 0));
	STEP(r, "INTERRUPT with an in-kernel irqchip", -1, ENXIO, IOC(p, cpu, KVM_INTERRUPT, &intr));
	STEP(r, "INTERRUPT without one", 0, 0, IOC(p, cpu2, KVM_INTERRUPT, &intr));
	p->close(cpu2);
	p->close(cpu);
	p->close(vm2);
	p->close(vm);
	p->close(sys);
}

SCENARIO(sc_irqchip)

/* Soft-only facts (the kernel's answers depend on its host). */
START_TEST(test_soft_tss_addr_below_4g)
{
	const struct kvm_provider *p = &kvm_provider_soft;
	int sys = p->open_system(), vm = IOC(p, sys, KVM_CREATE_VM, 0);

	/* VMX's limit: the 3-page real-mode TSS must lie below 4 GiB. */
	ck_assert_int_eq(IOC(p, vm, KVM_SET_TSS_ADDR, 0xfffff000UL), -1);
	ck_assert_int_eq(errno, EINVAL);
	p->close(vm);
	p->close(sys);
}
END_TEST

START_TEST(test_provider_choose)
{
	const struct kvm_provider *p = NULL;

	ck_assert_int_eq(kvm_provider_choose("soft", &p), 0);
	ck_assert_ptr_eq(p, &kvm_provider_soft);
	ck_assert_int_eq(kvm_provider_choose("bogus", &p), -EINVAL);
	ck_assert_int_eq(kvm_provider_choose("auto", &p), 0);
	ck_assert_ptr_eq(p, kt_kernel() ? &kvm_provider_kernel : &kvm_provider_soft);
	if (kt_kernel()) {
		ck_assert_int_eq(kvm_provider_choose("kvm", &p), 0);
		ck_assert_ptr_eq(p, &kvm_provider_kernel);
	} else {
		ck_assert_int_lt(kvm_provider_choose("kvm", &p), 0);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("kvm_abi");
	TCase *tc = tcase_create("abi");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_sc_system);
	tcase_add_test(tc, test_sc_memslots);
	tcase_add_test(tc, test_sc_fd_kinds);
	tcase_add_test(tc, test_sc_vcpu_ids);
	tcase_add_test(tc, test_sc_cpuid);
	tcase_add_test(tc, test_sc_msrs);
	tcase_add_test(tc, test_sc_vcpu_args);
	tcase_add_test(tc, test_sc_reset_state);
	tcase_add_test(tc, test_sc_vcpu_mmap);
	tcase_add_test(tc, test_sc_immediate_exit);
	tcase_add_test(tc, test_sc_stats_fd);
	tcase_add_test(tc, test_sc_fpu_ioctls);
	tcase_add_test(tc, test_sc_xsave_set);
	tcase_add_test(tc, test_sc_readonly_mem);
	tcase_add_test(tc, test_sc_irqchip);
	tcase_add_test(tc, test_soft_tss_addr_below_4g);
	tcase_add_test(tc, test_provider_choose);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	if (!kt_kernel())
		kt_note_skip("kvm_abi");
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
