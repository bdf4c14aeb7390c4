// SPDX-License-Identifier: MIT
/*
 * Binary statistics of a soft vCPU (Documentation/virt/kvm/api.rst,
 * "KVM_GET_STATS_FD"): header, id string, descriptors, data, laid out
 * once in a memfd; the data block is rewritten in place after each
 * KVM_RUN, which costs a few stores and no system call.
 */
#include "vcpu/soft/soft_kvm_stats.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

/* KVM's own descriptor name size (KVM_STATS_NAME_SIZE, not in the UAPI). */
#define STATS_NAME_SIZE 48

enum {
	ST_EXITS,
	ST_IO_EXITS,
	ST_MMIO_EXITS,
	ST_HALT_EXITS,
	ST_IRQ_INJECTIONS,
	ST_SIGNAL_EXITS,
	ST_REQUEST_IRQ_EXITS,
	ST_SOFT_RUNS,
	ST_SOFT_INSNS,
	ST_SOFT_CPUID,
	ST_SOFT_MSR_READS,
	ST_SOFT_MSR_WRITES,
	ST_SOFT_EXCEPTIONS,
	ST_HALT_WAKEUP,
	ST_NMI_INJECTIONS,
	ST_SOFT_TIMER_EXPIRIES,
	ST_SOFT_KERNEL_IO,
	ST_SOFT_BT_BLOCKS,
	ST_SOFT_BT_FLUSHES,
	ST_SOFT_BT_FALLBACKS,
	ST_COUNT
};

static const char *const stat_names[ST_COUNT] = {
    /* What VMX would have exited for: returns to the VMM plus the CPUID
     * and MSR accesses the CPU answered itself. */
    [ST_EXITS] = "exits",
    [ST_IO_EXITS] = "io_exits",
    [ST_MMIO_EXITS] = "mmio_exits",
    [ST_HALT_EXITS] = "halt_exits",
    [ST_IRQ_INJECTIONS] = "irq_injections",
    [ST_SIGNAL_EXITS] = "signal_exits",
    [ST_REQUEST_IRQ_EXITS] = "request_irq_exits",
    [ST_SOFT_RUNS] = "soft_runs",
    [ST_SOFT_INSNS] = "soft_insns",
    [ST_SOFT_CPUID] = "soft_cpuid",
    [ST_SOFT_MSR_READS] = "soft_msr_reads",
    [ST_SOFT_MSR_WRITES] = "soft_msr_writes",
    [ST_SOFT_EXCEPTIONS] = "soft_exceptions",
    /* the in-"kernel" irqchip (issue 11): KVM's names where KVM counts the same */
    [ST_HALT_WAKEUP] = "halt_wakeup",
    [ST_NMI_INJECTIONS] = "nmi_injections",
    [ST_SOFT_TIMER_EXPIRIES] = "soft_lapic_timer_expiries",
    [ST_SOFT_KERNEL_IO] = "soft_kernel_io",
    /* the binary translator (issue 16): blocks translated, cache flushes, interpreted insns */
    [ST_SOFT_BT_BLOCKS] = "soft_bt_blocks",
    [ST_SOFT_BT_FLUSHES] = "soft_bt_flushes",
    [ST_SOFT_BT_FALLBACKS] = "soft_bt_fallbacks",
};

#define DESC_LEN (sizeof(struct kvm_stats_desc) + STATS_NAME_SIZE)
#define ID_OFFSET sizeof(struct kvm_stats_header)
#define DESC_OFFSET (ID_OFFSET + STATS_NAME_SIZE)
#define DATA_OFFSET (DESC_OFFSET + ST_COUNT * DESC_LEN)
#define FILE_LEN (DATA_OFFSET + ST_COUNT * sizeof(uint64_t))

void soft_kvm_stats_init(struct soft_kvm_stats *s)
{
	memset(s, 0, sizeof(*s));
	s->fd = -1;
}

void soft_kvm_stats_fini(struct soft_kvm_stats *s)
{
	if (s->map)
		munmap(s->map, s->map_len);
	if (s->fd >= 0)
		close(s->fd);
	soft_kvm_stats_init(s);
}

static void refresh(struct soft_kvm_stats *s, const struct soft_cpu_stats *c)
{
	uint64_t *d = s->data;

	d[ST_EXITS] = s->runs + c->cpuid + c->msr_read + c->msr_write;
	d[ST_IO_EXITS] = s->io_exits;
	d[ST_MMIO_EXITS] = s->mmio_exits;
	d[ST_HALT_EXITS] = c->hlt;
	d[ST_IRQ_INJECTIONS] = c->irq_injected;
	d[ST_SIGNAL_EXITS] = s->signal_exits;
	d[ST_REQUEST_IRQ_EXITS] = s->request_irq_exits;
	d[ST_SOFT_RUNS] = s->runs;
	d[ST_SOFT_INSNS] = c->insns;
	d[ST_SOFT_CPUID] = c->cpuid;
	d[ST_SOFT_MSR_READS] = c->msr_read;
	d[ST_SOFT_MSR_WRITES] = c->msr_write;
	d[ST_SOFT_EXCEPTIONS] = c->exceptions;
	d[ST_HALT_WAKEUP] = c->halt_wakeups;
	d[ST_NMI_INJECTIONS] = c->nmi_injected;
	d[ST_SOFT_TIMER_EXPIRIES] = c->timer_expiries;
	d[ST_SOFT_KERNEL_IO] = c->kernel_io;
	d[ST_SOFT_BT_BLOCKS] = c->bt_blocks;
	d[ST_SOFT_BT_FLUSHES] = c->bt_flushes;
	d[ST_SOFT_BT_FALLBACKS] = c->bt_fallbacks;
}

void soft_kvm_stats_account(struct soft_kvm_stats *s, const struct kvm_run *run, int rc,
			    const struct soft_cpu_stats *cpu)
{
	if (rc > 0) {
		if (s->data && cpu)
			refresh(s, cpu);
		return;
	}
	s->runs++;
	if (rc == -EINTR) {
		s->signal_exits++;
	} else if (rc == 0) {
		switch (run->exit_reason) {
		case KVM_EXIT_IO:
			s->io_exits++;
			break;
		case KVM_EXIT_MMIO:
			s->mmio_exits++;
			break;
		case KVM_EXIT_IRQ_WINDOW_OPEN:
			s->request_irq_exits++;
			break;
		default:
			break;
		}
	}
	if (s->data && cpu)
		refresh(s, cpu);
}

/* Lay out the file once: header, id, descriptors (data follows). */
static int create_file(struct soft_kvm_stats *s, unsigned id)
{
	struct kvm_stats_header hdr = {
	    .flags = 0,
	    .name_size = STATS_NAME_SIZE,
	    .num_desc = ST_COUNT,
	    .id_offset = ID_OFFSET,
	    .desc_offset = DESC_OFFSET,
	    .data_offset = DATA_OFFSET,
	};
	int fd, err;
	uint8_t *map;

	fd = memfd_create("soft-kvm-vcpu-stats", MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, FILE_LEN) < 0)
		goto err;
	map = mmap(NULL, FILE_LEN, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		goto err;

	memcpy(map, &hdr, sizeof(hdr));
	snprintf((char *)map + ID_OFFSET, STATS_NAME_SIZE, "soft-%d/vcpu-%u", (int)getpid(), id);
	for (unsigned i = 0; i < ST_COUNT; i++) {
		struct kvm_stats_desc *d =
		    (struct kvm_stats_desc *)(map + DESC_OFFSET + i * DESC_LEN);

		d->flags = KVM_STATS_TYPE_CUMULATIVE | KVM_STATS_UNIT_NONE | KVM_STATS_BASE_POW10;
		d->exponent = 0;
		d->size = 1;
		d->offset = i * sizeof(uint64_t);
		d->bucket_size = 0;
		strncpy(d->name, stat_names[i], STATS_NAME_SIZE - 1);
	}
	s->fd = fd;
	s->map = map;
	s->map_len = FILE_LEN;
	s->data = (uint64_t *)(map + DATA_OFFSET);
	return 0;
err:
	err = -errno;
	close(fd);
	return err;
}

int soft_kvm_stats_fd(struct soft_kvm_stats *s, unsigned id, const struct soft_cpu_stats *cpu)
{
	char path[64];
	int fd, err;

	if (!s->data) {
		err = create_file(s, id);
		if (err)
			return err;
	}
	refresh(s, cpu);
	/* A file description of its own (own offset, read-only), as KVM's. */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", s->fd);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		fd = fcntl(s->fd, F_DUPFD_CLOEXEC, 0);
	return fd < 0 ? -errno : fd;
}
