// SPDX-License-Identifier: MIT
/*
 * The soft provider's KVM ioctl ABI: the requests of <linux/kvm.h> a VMM
 * uses, with the kernel's argument checks, return values and errno, mapped
 * onto the software CPU's own API (soft_cpu.h).
 *
 * Every fd handed out is a real file descriptor (a memfd), so a VMM can
 * close it, poll it or mmap it like a KVM fd. The vCPU memfd is sized to
 * KVM_GET_VCPU_MMAP_SIZE; this file maps it MAP_SHARED and gives that
 * mapping to the CPU as its struct kvm_run, so the VMM's own mmap of the
 * fd sees the very same bytes. A table maps fd numbers to objects, each
 * kept alive by a reference count while an ioctl uses it (struct sk_file).
 *
 * The errno of each wrong request is what the kernel returns (measured on
 * Linux 6.x, see tests/unit/test_kvm_abi.c, which compares both): an
 * ioctl the system fd does not know is EINVAL, the VM fd's is ENOTTY, the
 * vCPU fd's is EINVAL; an fd that is open but not ours is ENOTTY (what
 * the VFS says), one that is not open is EBADF.
 *
 * Limits of doing this in process: the table knows the fd numbers it
 * handed out, so a dup() of one is not a KVM fd here (EBADF/ENOTTY), and
 * an fd closed with close(2) instead of soft_kvm_close() leaks its object
 * until the number is reused by this file.
 */
#include "vcpu/soft/soft_kvm.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <linux/kvm.h>

#include "vcpu/soft/soft_cpu.h"
#include "vcpu/soft/soft_kvm_stats.h"

#define PAGE_SIZE 4096UL

/* kvm_run, the PIO data page, the coalesced MMIO page: as x86 KVM. */
#define SOFT_VCPU_MMAP_SIZE (3 * PAGE_SIZE)

/* Limits: the vCPU ones are x86 KVM's; slots are what soft_vm holds. */
#define SOFT_MAX_VCPUS 1024
#define SOFT_MAX_VCPU_ID 4096
#define SOFT_RECOMMENDED_VCPUS 2
#define SOFT_MAX_IO_MSRS 256	   /* KVM's MAX_IO_MSRS */
/* KVM_MEM_MAX_NR_PAGES and x86-64's TASK_SIZE_MAX (4-level paging). */
#define SOFT_MEM_MAX_NR_PAGES ((1ULL << 31) - 1)
#define SOFT_TASK_SIZE_MAX ((1ULL << 47) - PAGE_SIZE)
/* Guest-physical space KVM's MMU can map at most (kvm_mmu_max_gfn(): 52 bits). */
#define SOFT_GPA_LIMIT (1ULL << 52)


enum sk_kind { SK_SYSTEM, SK_VM, SK_VCPU };

struct sk_vm {
	struct soft_vm *vm;
	pthread_mutex_t lock;					   /* slots, vCPU ids, refs */
	struct kvm_userspace_memory_region slot[SOFT_NR_MEMSLOTS]; /* memory_size 0: free */
	uint8_t vcpu_id_used[SOFT_MAX_VCPU_ID / 8];
	unsigned nr_vcpus;
	unsigned refs; /* the VM fd and each vCPU, as KVM's reference on struct kvm */
	uint64_t tss_addr;
};

struct sk_vcpu {
	struct sk_vm *vm;
	struct soft_cpu *cpu;
	struct kvm_run *run; /* MAP_SHARED mapping of the vCPU memfd */
	unsigned id;
	pthread_mutex_t lock; /* one ioctl at a time, as KVM's vcpu->mutex */
	struct soft_kvm_stats stats;
};

/*
 * What an fd number stands for, like the kernel's struct file: the table
 * holds one reference, each ioctl in flight another (as the kernel's
 * fdget()), so a close on another thread while a KVM_RUN is in progress
 * frees the object only when that ioctl returns. The VMM issues ioctls
 * from its vCPU thread, but nothing here relies on it (a debugger stub or
 * a test may use another thread); the virtio-blk worker never calls in,
 * and neither may a signal handler (the locks are not async-signal-safe:
 * the VMM kicks a vCPU through kvm_run's immediate_exit instead).
 */
struct sk_file {
	enum sk_kind kind;
	void *ptr;     /* NULL, struct sk_vm or struct sk_vcpu */
	unsigned refs; /* atomic; incremented only under table_lock */
};

/*
 * Process-wide because fd numbers are: the ioctl ABI names an object by
 * its fd alone, as the kernel's per-process fd table does.
 */
static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;
static struct sk_file **table;
static size_t table_len;

static int fail(int err)
{
	errno = err;
	return -1;
}

/* ---- the fd table ---- */

static void vm_put(struct sk_vm *vm);
static void vcpu_destroy(struct sk_vcpu *vcpu);

/*
 * Drop one reference; the last one destroys the object behind the fd. No
 * lock: a new reference is only ever taken under table_lock from the
 * table's own, which table_remove() gives up before its file_put().
 */
static void file_put(struct sk_file *f)
{
	if (!f || __atomic_sub_fetch(&f->refs, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	if (f->kind == SK_VM)
		vm_put(f->ptr);
	else if (f->kind == SK_VCPU)
		vcpu_destroy(f->ptr);
	free(f);
}

static int table_grow(size_t fd)
{
	size_t len = table_len ? table_len : 64;
	struct sk_file **t;

	while (len <= fd)
		len *= 2;
	t = realloc(table, len * sizeof(*t));
	if (!t)
		return -ENOMEM;
	memset(t + table_len, 0, (len - table_len) * sizeof(*t));
	table = t;
	table_len = len;
	return 0;
}

/* Enter fd -> obj. An entry still there for this number is stale (the fd
 * was closed with close(2) behind our back and the number reused): drop it. */
static int table_insert(int fd, enum sk_kind kind, void *ptr)
{
	struct sk_file *f = malloc(sizeof(*f)), *stale;

	if (!f)
		return -ENOMEM;
	*f = (struct sk_file){.kind = kind, .ptr = ptr, .refs = 1};
	pthread_mutex_lock(&table_lock);
	if ((size_t)fd >= table_len && table_grow((size_t)fd) != 0) {
		pthread_mutex_unlock(&table_lock);
		free(f);
		return -ENOMEM;
	}
	stale = table[fd];
	table[fd] = f;
	pthread_mutex_unlock(&table_lock);
	file_put(stale);
	return 0;
}

/* The object behind fd with a reference for the caller (file_put() it), or NULL. */
static struct sk_file *table_get(int fd)
{
	struct sk_file *f = NULL;

	pthread_mutex_lock(&table_lock);
	if (fd >= 0 && (size_t)fd < table_len && table[fd]) {
		f = table[fd];
		__atomic_add_fetch(&f->refs, 1, __ATOMIC_RELAXED);
	}
	pthread_mutex_unlock(&table_lock);
	return f;
}

/* Take fd out of the table; returns the table's reference (or NULL). */
static struct sk_file *table_remove(int fd)
{
	struct sk_file *f = NULL;

	pthread_mutex_lock(&table_lock);
	if (fd >= 0 && (size_t)fd < table_len) {
		f = table[fd];
		table[fd] = NULL;
	}
	pthread_mutex_unlock(&table_lock);
	return f;
}

/* A new memfd of `size` bytes entered in the table; returns the fd or -errno. */
static int new_fd(const char *name, size_t size, enum sk_kind kind, void *ptr)
{
	int fd, err;

	fd = memfd_create(name, MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (size && ftruncate(fd, (off_t)size) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	err = table_insert(fd, kind, ptr);
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

/* ---- objects ---- */

static void vm_put(struct sk_vm *vm)
{
	bool last;

	pthread_mutex_lock(&vm->lock);
	last = --vm->refs == 0;
	pthread_mutex_unlock(&vm->lock);
	if (!last)
		return;
	soft_vm_destroy(vm->vm);
	pthread_mutex_destroy(&vm->lock);
	free(vm);
}

static void vcpu_destroy(struct sk_vcpu *vcpu)
{
	struct sk_vm *vm = vcpu->vm;

	soft_cpu_destroy(vcpu->cpu);
	soft_kvm_stats_fini(&vcpu->stats);
	munmap(vcpu->run, SOFT_VCPU_MMAP_SIZE);
	pthread_mutex_destroy(&vcpu->lock);
	free(vcpu);
	vm_put(vm);
}

/* ---- system fd ---- */

static int check_extension(long cap)
{
	switch (cap) {
	case KVM_CAP_USER_MEMORY:
	case KVM_CAP_SET_TSS_ADDR:
	case KVM_CAP_EXT_CPUID:
	case KVM_CAP_IMMEDIATE_EXIT:
	case KVM_CAP_SET_GUEST_DEBUG:
	case KVM_CAP_CHECK_EXTENSION_VM:
	case KVM_CAP_BINARY_STATS_FD:
	/* guest writes to a KVM_MEM_READONLY slot exit as MMIO (mmu.c) */
	case KVM_CAP_READONLY_MEM:
	/* the CPU works on the VMM's pages themselves: changes show at once */
	case KVM_CAP_SYNC_MMU:
	/* the in-"kernel" irqchip, PIT and clocks (irqchip.c, issue 11) */
	case KVM_CAP_IRQCHIP:
	case KVM_CAP_PIT2:
	case KVM_CAP_PIT_STATE2:
	case KVM_CAP_REINJECT_CONTROL:
	case KVM_CAP_IRQ_INJECT_STATUS:
	case KVM_CAP_GET_TSC_KHZ:
	case KVM_CAP_TSC_DEADLINE_TIMER:
	case KVM_CAP_MP_STATE:
	case KVM_CAP_SIGNAL_MSI:
	case KVM_CAP_USER_NMI:
		return 1;
	case KVM_CAP_ADJUST_CLOCK:
		return KVM_CLOCK_TSC_STABLE | KVM_CLOCK_REALTIME; /* the flags KVM_GET_CLOCK gives */
	/* x87/SSE state through KVM_GET/SET_XSAVE and XCR0 through KVM_GET/SET_XCRS */
	case KVM_CAP_XSAVE:
	case KVM_CAP_XCRS:
		return 1;
	case KVM_CAP_XSAVE2:
		return SOFT_XSAVE_UABI_SIZE;
	case KVM_CAP_NR_MEMSLOTS:
		return SOFT_NR_MEMSLOTS;
	case KVM_CAP_NR_VCPUS:
		return SOFT_RECOMMENDED_VCPUS;
	case KVM_CAP_MAX_VCPUS:
		return SOFT_MAX_VCPUS;
	case KVM_CAP_MAX_VCPU_ID:
		return SOFT_MAX_VCPU_ID;
	default:
		return 0;
	}
}

static int get_supported_cpuid(struct kvm_cpuid2 *user)
{
	struct kvm_cpuid2 *all;
	uint32_t nent;
	int rc;

	if (!user)
		return fail(EFAULT);
	if (user->nent < 1)
		return fail(E2BIG);
	all = calloc(1, sizeof(*all) + SOFT_MAX_CPUID_ENTRIES * sizeof(all->entries[0]));
	if (!all)
		return fail(ENOMEM);
	all->nent = SOFT_MAX_CPUID_ENTRIES;
	rc = soft_cpu_supported_cpuid(all, SOFT_MAX_CPUID_ENTRIES);
	nent = all->nent;
	if (rc < 0 || nent > SOFT_MAX_CPUID_ENTRIES) {
		free(all);
		return fail(rc < 0 ? -rc : EIO);
	}
	/* As KVM: too small a buffer is E2BIG and leaves nent as it was. */
	if (user->nent < nent) {
		free(all);
		return fail(E2BIG);
	}
	memcpy(user->entries, all->entries, nent * sizeof(all->entries[0]));
	user->nent = nent;
	free(all);
	return 0;
}

static int create_vm(unsigned long type)
{
	struct sk_vm *vm;
	int fd;

	if (type != 0)
		return fail(EINVAL);
	vm = calloc(1, sizeof(*vm));
	if (!vm)
		return fail(ENOMEM);
	vm->vm = soft_vm_create();
	if (!vm->vm) {
		free(vm);
		return fail(ENOMEM);
	}
	pthread_mutex_init(&vm->lock, NULL);
	vm->refs = 1;
	fd = new_fd("soft-kvm-vm", 0, SK_VM, vm);
	if (fd < 0) {
		vm_put(vm);
		return fail(-fd);
	}
	return fd;
}

static int system_ioctl(unsigned long req, void *arg)
{
	unsigned long iarg = (unsigned long)arg;

	switch (req) {
	case KVM_GET_API_VERSION:
		return iarg ? fail(EINVAL) : KVM_API_VERSION;
	case KVM_CHECK_EXTENSION:
		return check_extension((long)iarg);
	case KVM_GET_VCPU_MMAP_SIZE:
		return iarg ? fail(EINVAL) : (int)SOFT_VCPU_MMAP_SIZE;
	case KVM_GET_SUPPORTED_CPUID:
		return get_supported_cpuid(arg);
	case KVM_CREATE_VM:
		return create_vm(iarg);
	default:
		return fail(EINVAL);
	}
}

/* ---- VM fd ---- */

static bool ranges_overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

/*
 * The checks and outcomes of the kernel's __kvm_set_memory_region(). Slot
 * changes are not synchronised with a vCPU that is running at that moment
 * (KVM uses SRCU for that): a VMM sets its memory up before KVM_RUN.
 */
static int set_user_memory_region(struct sk_vm *vm, const struct kvm_userspace_memory_region *m)
{
	struct kvm_userspace_memory_region *old;
	uint32_t as_id, id;
	bool move = false;
	int rc;

	if (!m)
		return fail(EFAULT);
	if (m->flags & ~(uint32_t)(KVM_MEM_LOG_DIRTY_PAGES | KVM_MEM_READONLY))
		return fail(EINVAL);
	as_id = m->slot >> 16;
	id = m->slot & 0xffff;
	if (m->memory_size & (PAGE_SIZE - 1))
		return fail(EINVAL);
	if (m->guest_phys_addr & (PAGE_SIZE - 1))
		return fail(EINVAL);
	if ((m->userspace_addr & (PAGE_SIZE - 1)) || m->userspace_addr > SOFT_TASK_SIZE_MAX ||
	    m->memory_size > SOFT_TASK_SIZE_MAX - m->userspace_addr)
		return fail(EINVAL);
	if (as_id != 0 || id >= SOFT_NR_MEMSLOTS)
		return fail(EINVAL);
	if (m->guest_phys_addr + m->memory_size < m->guest_phys_addr)
		return fail(EINVAL);
	if ((m->memory_size >> 12) > SOFT_MEM_MAX_NR_PAGES)
		return fail(EINVAL);
	if (m->memory_size && m->guest_phys_addr + m->memory_size > SOFT_GPA_LIMIT)
		return fail(EINVAL);

	pthread_mutex_lock(&vm->lock);
	old = &vm->slot[id];
	if (m->memory_size == 0) {
		/* Deleting a slot that does not exist is EINVAL. */
		if (old->memory_size == 0) {
			rc = -EINVAL;
			goto out;
		}
		rc = soft_vm_set_slot(vm->vm, id, 0, 0, NULL, 0);
		if (rc == 0)
			memset(old, 0, sizeof(*old));
		goto out;
	}
	if (old->memory_size) {
		/* Only a move (new gpa) or new flags; READONLY cannot toggle. */
		if (m->userspace_addr != old->userspace_addr ||
		    m->memory_size != old->memory_size ||
		    ((m->flags ^ old->flags) & KVM_MEM_READONLY)) {
			rc = -EINVAL;
			goto out;
		}
		move = m->guest_phys_addr != old->guest_phys_addr;
		if (!move && m->flags == old->flags) {
			rc = 0;
			goto out;
		}
	}
	if (!old->memory_size || move) {
		for (uint32_t i = 0; i < SOFT_NR_MEMSLOTS; i++) {
			const struct kvm_userspace_memory_region *s = &vm->slot[i];

			if (i == id || !s->memory_size)
				continue;
			if (ranges_overlap(m->guest_phys_addr, m->memory_size, s->guest_phys_addr,
					   s->memory_size)) {
				rc = -EEXIST;
				goto out;
			}
		}
	}
	rc = soft_vm_set_slot(vm->vm, id, m->guest_phys_addr, m->memory_size,
			      (void *)(uintptr_t)m->userspace_addr, m->flags);
	if (rc == 0) {
		*old = *m;
		old->slot = id;
	}
out:
	pthread_mutex_unlock(&vm->lock);
	return rc < 0 ? fail(-rc) : 0;
}

static int set_tss_addr(struct sk_vm *vm, unsigned long addr)
{
	/* The three pages of the real-mode TSS must fit below 4 GiB (VMX). */
	if (addr > (unsigned int)(-3 * (int)PAGE_SIZE))
		return fail(EINVAL);
	pthread_mutex_lock(&vm->lock);
	vm->tss_addr = addr;
	pthread_mutex_unlock(&vm->lock);
	return 0;
}

/* Reserve vCPU id `id` in vm: 0, -EINVAL (limits) or -EEXIST. */
static int vcpu_id_claim(struct sk_vm *vm, unsigned long id)
{
	int rc = 0;

	if (id >= SOFT_MAX_VCPU_ID)
		return -EINVAL;
	pthread_mutex_lock(&vm->lock);
	if (vm->nr_vcpus >= SOFT_MAX_VCPUS)
		rc = -EINVAL;
	else if (vm->vcpu_id_used[id / 8] & (1u << (id % 8)))
		rc = -EEXIST;
	if (rc == 0) {
		vm->vcpu_id_used[id / 8] |= 1u << (id % 8);
		vm->nr_vcpus++;
		vm->refs++;
	}
	pthread_mutex_unlock(&vm->lock);
	return rc;
}

static void vcpu_id_release(struct sk_vm *vm, unsigned id)
{
	pthread_mutex_lock(&vm->lock);
	vm->vcpu_id_used[id / 8] &= ~(1u << (id % 8));
	vm->nr_vcpus--;
	pthread_mutex_unlock(&vm->lock);
	vm_put(vm);
}

static int create_vcpu(struct sk_vm *vm, unsigned long id)
{
	struct sk_vcpu *vcpu;
	char name[32];
	int fd, rc;

	rc = vcpu_id_claim(vm, id);
	if (rc)
		return fail(-rc);
	vcpu = calloc(1, sizeof(*vcpu));
	if (!vcpu) {
		vcpu_id_release(vm, id);
		return fail(ENOMEM);
	}
	vcpu->vm = vm;
	vcpu->id = id;
	pthread_mutex_init(&vcpu->lock, NULL);
	soft_kvm_stats_init(&vcpu->stats);

	snprintf(name, sizeof(name), "soft-kvm-vcpu:%lu", id);
	fd = memfd_create(name, MFD_CLOEXEC);
	if (fd < 0)
		goto err;
	if (ftruncate(fd, SOFT_VCPU_MMAP_SIZE) < 0)
		goto err_close;
	vcpu->run = mmap(NULL, SOFT_VCPU_MMAP_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (vcpu->run == MAP_FAILED)
		goto err_close;
	vcpu->cpu = soft_cpu_create(vm->vm, id, vcpu->run);
	if (!vcpu->cpu) {
		errno = ENOMEM;
		goto err_unmap;
	}
	rc = table_insert(fd, SK_VCPU, vcpu);
	if (rc) {
		errno = -rc;
		soft_cpu_destroy(vcpu->cpu);
		goto err_unmap;
	}
	return fd;

err_unmap:
	rc = errno;
	munmap(vcpu->run, SOFT_VCPU_MMAP_SIZE);
	errno = rc;
err_close:
	rc = errno;
	close(fd);
	errno = rc;
err:
	rc = errno;
	pthread_mutex_destroy(&vcpu->lock);
	free(vcpu);
	vcpu_id_release(vm, id);
	return fail(rc);
}

static int create_irqchip(struct sk_vm *vm)
{
	int rc;

	pthread_mutex_lock(&vm->lock);
	/* as KVM: EEXIST for a second one, EINVAL once vCPUs exist */
	rc = soft_vm_has_irqchip(vm->vm) ? -EEXIST
	     : vm->nr_vcpus		  ? -EINVAL
					  : soft_vm_create_irqchip(vm->vm);
	pthread_mutex_unlock(&vm->lock);
	return rc < 0 ? fail(-rc) : 0;
}

static int irq_line(struct sk_vm *vm, struct kvm_irq_level *l, bool status)
{
	int32_t st;
	int rc;

	if (!l)
		return fail(EFAULT);
	rc = soft_vm_irq_line(vm->vm, l->irq, (int)l->level, &st);
	if (rc < 0)
		return fail(-rc);
	if (status)
		l->status = st;
	return 0;
}

/* The VM-fd ioctls of the irqchip, PIT and clock; -2 when req is none of them. */
static int irqchip_ioctl(struct sk_vm *vm, unsigned long req, void *arg)
{
	struct soft_vm *v = vm->vm;
	int rc;

	switch (req) {
	case KVM_CREATE_IRQCHIP:
		return create_irqchip(vm);
	case KVM_GET_TSC_KHZ:
		return (int)soft_cpu_tsc_khz();
	default:
		break;
	}
	switch (req) {
	case KVM_IRQ_LINE:
	case KVM_IRQ_LINE_STATUS:
	case KVM_CREATE_PIT2:
	case KVM_GET_IRQCHIP:
	case KVM_SET_IRQCHIP:
	case KVM_GET_PIT2:
	case KVM_SET_PIT2:
	case KVM_REINJECT_CONTROL:
	case KVM_GET_CLOCK:
	case KVM_SET_CLOCK:
	case KVM_SIGNAL_MSI:
		if (!arg) /* each takes a struct */
			return fail(EFAULT);
		break;
	default:
		return -2;
	}
	switch (req) {
	case KVM_IRQ_LINE:
		return irq_line(vm, arg, false);
	case KVM_IRQ_LINE_STATUS:
		return irq_line(vm, arg, true);
	case KVM_CREATE_PIT2:
		rc = soft_vm_create_pit(v, ((struct kvm_pit_config *)arg)->flags);
		break;
	case KVM_GET_IRQCHIP:
		rc = soft_vm_get_irqchip(v, arg);
		break;
	case KVM_SET_IRQCHIP:
		rc = soft_vm_set_irqchip(v, arg);
		break;
	case KVM_GET_PIT2:
		rc = soft_vm_get_pit(v, arg);
		break;
	case KVM_SET_PIT2:
		rc = soft_vm_set_pit(v, arg);
		break;
	case KVM_REINJECT_CONTROL:
		rc = soft_vm_pit_reinject(v, ((struct kvm_reinject_control *)arg)->pit_reinject);
		break;
	case KVM_GET_CLOCK:
		soft_vm_get_clock(v, arg);
		return 0;
	case KVM_SET_CLOCK:
		rc = soft_vm_set_clock(v, arg);
		break;
	case KVM_SIGNAL_MSI:
		rc = soft_vm_signal_msi(v, arg);
		return rc < 0 ? fail(-rc) : rc;
	default:
		return -2;
	}
	return rc < 0 ? fail(-rc) : 0;
}

static int vm_ioctl(struct sk_vm *vm, unsigned long req, void *arg)
{
	int rc = irqchip_ioctl(vm, req, arg);

	if (rc != -2)
		return rc;
	switch (req) {
	case KVM_CHECK_EXTENSION:
		return check_extension((long)(unsigned long)arg);
	case KVM_SET_USER_MEMORY_REGION:
		return set_user_memory_region(vm, arg);
	case KVM_SET_TSS_ADDR:
		return set_tss_addr(vm, (unsigned long)arg);
	case KVM_CREATE_VCPU:
		return create_vcpu(vm, (unsigned long)arg);
	default:
		return fail(ENOTTY);
	}
}

/* ---- vCPU fd ---- */

static int set_cpuid2(struct sk_vcpu *vcpu, const struct kvm_cpuid2 *c)
{
	int rc;

	if (!c)
		return fail(EFAULT);
	if (c->nent > SOFT_MAX_CPUID_ENTRIES)
		return fail(E2BIG);
	rc = soft_cpu_set_cpuid(vcpu->cpu, c);
	return rc < 0 ? fail(-rc) : 0;
}

/* KVM_GET/SET_MSRS: the number of MSRs done, stopping at the first one refused. */
static int msrs(struct sk_vcpu *vcpu, struct kvm_msrs *m, bool set)
{
	uint32_t i;

	if (!m)
		return fail(EFAULT);
	if (m->nmsrs >= SOFT_MAX_IO_MSRS)
		return fail(E2BIG);
	for (i = 0; i < m->nmsrs; i++) {
		struct kvm_msr_entry *e = &m->entries[i];
		uint64_t v = e->data;

		if (set ? soft_cpu_set_msr(vcpu->cpu, e->index, v)
			: soft_cpu_get_msr(vcpu->cpu, e->index, &v))
			break;
		e->data = v;
	}
	return (int)i;
}

static int run(struct sk_vcpu *vcpu, unsigned long arg)
{
	bool refused = vcpu->run->immediate_exit;
	int rc;

	if (arg)
		return fail(EINVAL);
	rc = soft_cpu_run(vcpu->cpu);
	/* KVM counts an EINTR as a signal exit only when the run was entered. */
	soft_kvm_stats_account(&vcpu->stats, vcpu->run, refused ? 1 : rc,
			       soft_cpu_get_stats(vcpu->cpu));
	return rc < 0 ? fail(-rc) : 0;
}

static int interrupt(struct sk_vcpu *vcpu, const struct kvm_interrupt *irq)
{
	int rc;

	if (!irq)
		return fail(EFAULT);
	if (irq->irq >= 256) /* KVM_NR_INTERRUPTS */
		return fail(EINVAL);
	rc = soft_cpu_interrupt(vcpu->cpu, irq->irq);
	return rc < 0 ? fail(-rc) : 0;
}

/* KVM_GET/SET_FPU, KVM_GET/SET_XSAVE, KVM_GET_XSAVE2, KVM_GET/SET_XCRS. */
static int fpu_ioctl(struct sk_vcpu *vcpu, unsigned long req, void *arg)
{
	int rc = 0;

	if (!arg)
		return fail(EFAULT);
	if (req == KVM_GET_FPU)
		soft_cpu_get_fpu(vcpu->cpu, arg);
	else if (req == KVM_SET_FPU)
		soft_cpu_set_fpu(vcpu->cpu, arg);
	else if (req == KVM_GET_XSAVE || req == KVM_GET_XSAVE2)
		soft_cpu_get_xsave(vcpu->cpu, arg);
	else if (req == KVM_SET_XSAVE)
		rc = soft_cpu_set_xsave(vcpu->cpu, arg);
	else if (req == KVM_GET_XCRS)
		soft_cpu_get_xcrs(vcpu->cpu, arg);
	else
		rc = soft_cpu_set_xcrs(vcpu->cpu, arg);
	return rc < 0 ? fail(-rc) : 0;
}

static int vcpu_ioctl_locked(struct sk_vcpu *vcpu, unsigned long req, void *arg)
{
	int rc;

	switch (req) {
	case KVM_RUN:
		return run(vcpu, (unsigned long)arg);
	case KVM_GET_REGS:
		if (!arg)
			return fail(EFAULT);
		soft_cpu_get_regs(vcpu->cpu, arg);
		return 0;
	case KVM_SET_REGS:
		if (!arg)
			return fail(EFAULT);
		soft_cpu_set_regs(vcpu->cpu, arg);
		return 0;
	case KVM_GET_SREGS:
		if (!arg)
			return fail(EFAULT);
		soft_cpu_get_sregs(vcpu->cpu, arg);
		return 0;
	case KVM_SET_SREGS:
		if (!arg)
			return fail(EFAULT);
		rc = soft_cpu_set_sregs(vcpu->cpu, arg);
		return rc < 0 ? fail(-rc) : 0;
	case KVM_SET_CPUID2:
		return set_cpuid2(vcpu, arg);
	case KVM_GET_MSRS:
		return msrs(vcpu, arg, false);
	case KVM_SET_MSRS:
		return msrs(vcpu, arg, true);
	case KVM_INTERRUPT:
		return interrupt(vcpu, arg);
	case KVM_SET_GUEST_DEBUG:
		if (!arg)
			return fail(EFAULT);
		rc = soft_cpu_set_guest_debug(vcpu->cpu, arg);
		return rc < 0 ? fail(-rc) : 0;
	case KVM_TRANSLATE:
		if (!arg)
			return fail(EFAULT);
		soft_cpu_translate(vcpu->cpu, arg);
		return 0;
	case KVM_GET_LAPIC:
	case KVM_SET_LAPIC:
	case KVM_GET_MP_STATE:
	case KVM_SET_MP_STATE:
		if (!arg)
			return fail(EFAULT);
		rc = req == KVM_GET_LAPIC   ? soft_cpu_get_lapic(vcpu->cpu, arg)
		     : req == KVM_SET_LAPIC ? soft_cpu_set_lapic(vcpu->cpu, arg)
		     : req == KVM_SET_MP_STATE ? soft_cpu_set_mp_state(vcpu->cpu, arg)
					       : (soft_cpu_get_mp_state(vcpu->cpu, arg), 0);
		return rc < 0 ? fail(-rc) : 0;
	case KVM_NMI:
		return soft_cpu_nmi(vcpu->cpu) < 0 ? fail(EINVAL) : 0;
	case KVM_GET_TSC_KHZ:
		return (int)soft_cpu_tsc_khz();
	case KVM_SET_TSC_KHZ:
		/* the rate is fixed: only asking for the same one succeeds */
		return (unsigned long)arg == soft_cpu_tsc_khz() ? 0 : fail(EINVAL);
	case KVM_GET_FPU:
	case KVM_SET_FPU:
	case KVM_GET_XSAVE:
	case KVM_GET_XSAVE2:
	case KVM_SET_XSAVE:
	case KVM_GET_XCRS:
	case KVM_SET_XCRS:
		return fpu_ioctl(vcpu, req, arg);
	case KVM_GET_STATS_FD:
		rc = soft_kvm_stats_fd(&vcpu->stats, vcpu->id, soft_cpu_get_stats(vcpu->cpu));
		return rc < 0 ? fail(-rc) : rc;
	default:
		return fail(EINVAL);
	}
}

static int vcpu_ioctl(struct sk_vcpu *vcpu, unsigned long req, void *arg)
{
	int rc, err;

	pthread_mutex_lock(&vcpu->lock);
	rc = vcpu_ioctl_locked(vcpu, req, arg);
	err = errno;
	pthread_mutex_unlock(&vcpu->lock);
	errno = err;
	return rc;
}

/* ---- entry points ---- */

int soft_kvm_open(void)
{
	int fd = new_fd("soft-kvm", 0, SK_SYSTEM, NULL);

	return fd < 0 ? fail(-fd) : fd;
}

int soft_kvm_ioctl(int fd, unsigned long request, void *arg)
{
	struct sk_file *f = table_get(fd);
	int rc, err;

	if (!f) /* Not ours: an open fd is some other file (ENOTTY), else EBADF. */
		return fcntl(fd, F_GETFD) < 0 ? fail(EBADF) : fail(ENOTTY);
	switch (f->kind) {
	case SK_SYSTEM:
		rc = system_ioctl(request, arg);
		break;
	case SK_VM:
		rc = vm_ioctl(f->ptr, request, arg);
		break;
	default:
		rc = vcpu_ioctl(f->ptr, request, arg);
		break;
	}
	err = errno;
	file_put(f);
	errno = err;
	return rc;
}

int soft_kvm_close(int fd)
{
	struct sk_file *f = table_remove(fd);
	int rc = close(fd), err = errno;

	file_put(f);
	errno = err;
	return rc;
}
