// SPDX-License-Identifier: MIT
/*
 * KVM's binary statistics (Documentation/virt/kvm/api.rst, "KVM_GET_STATS_FD"):
 * the fd starts with struct kvm_stats_header; num_desc descriptors of
 * sizeof(struct kvm_stats_desc) + name_size bytes each start at
 * desc_offset; descriptor i's values (desc.size u64s) are at
 * data_offset + desc.offset. Everything is read with pread(2) and checked
 * against the fd's size before use: the numbers come from a provider, not
 * from us.
 */
#include "vcpu/kvm_stats.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/kvm.h>

#include "vcpu/provider.h"

/* A KVM that sends more than this is not one we understand. */
#define KVM_STATS_MAX_DESC 4096
#define KVM_STATS_MAX_NAME 256

static int read_exact(int fd, void *buf, size_t len, uint64_t off)
{
	ssize_t n = pread(fd, buf, len, (off_t)off);

	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

static int read_counters(int fd, kvm_stats_counter_fn fn, void *opaque)
{
	struct kvm_stats_header hdr;
	unsigned char buf[sizeof(struct kvm_stats_desc) + KVM_STATS_MAX_NAME];
	size_t desc_len;
	int err, nr = 0;

	err = read_exact(fd, &hdr, sizeof(hdr), 0);
	if (err)
		return err;
	if (hdr.name_size == 0 || hdr.name_size > KVM_STATS_MAX_NAME ||
	    hdr.num_desc > KVM_STATS_MAX_DESC)
		return -EINVAL;
	desc_len = sizeof(struct kvm_stats_desc) + hdr.name_size;

	for (uint32_t i = 0; i < hdr.num_desc; i++) {
		struct kvm_stats_desc *d = (struct kvm_stats_desc *)buf;
		char name[KVM_STATS_MAX_NAME + 1];
		uint64_t value;

		err = read_exact(fd, buf, desc_len, (uint64_t)hdr.desc_offset + i * desc_len);
		if (err)
			return err;
		/* Histograms (size > 1) have no single value to put beside ours. */
		if (d->size != 1)
			continue;
		memcpy(name, d->name, hdr.name_size);
		name[hdr.name_size] = '\0';
		err = read_exact(fd, &value, sizeof(value), (uint64_t)hdr.data_offset + d->offset);
		if (err)
			return err;
		fn(opaque, name, value);
		nr++;
	}
	return nr;
}

int kvm_stats_open(const struct kvm_provider *prov, int vcpu_fd)
{
	int fd = prov->ioctl(vcpu_fd, KVM_GET_STATS_FD, NULL);

	return fd < 0 ? -errno : fd;
}

int kvm_stats_read(int stats_fd, kvm_stats_counter_fn fn, void *opaque)
{
	return read_counters(stats_fd, fn, opaque);
}

int kvm_stats_collect(const struct kvm_provider *prov, int vcpu_fd, kvm_stats_counter_fn fn,
		      void *opaque)
{
	int fd, nr;

	fd = kvm_stats_open(prov, vcpu_fd);
	if (fd < 0)
		return fd;
	nr = read_counters(fd, fn, opaque);
	prov->close(fd);
	return nr;
}

static const char *const exit_names[] = {
    [KVM_EXIT_UNKNOWN] = "UNKNOWN",
    [KVM_EXIT_EXCEPTION] = "EXCEPTION",
    [KVM_EXIT_IO] = "IO",
    [KVM_EXIT_HYPERCALL] = "HYPERCALL",
    [KVM_EXIT_DEBUG] = "DEBUG",
    [KVM_EXIT_HLT] = "HLT",
    [KVM_EXIT_MMIO] = "MMIO",
    [KVM_EXIT_IRQ_WINDOW_OPEN] = "IRQ_WINDOW_OPEN",
    [KVM_EXIT_SHUTDOWN] = "SHUTDOWN",
    [KVM_EXIT_FAIL_ENTRY] = "FAIL_ENTRY",
    [KVM_EXIT_INTR] = "INTR",
    [KVM_EXIT_SET_TPR] = "SET_TPR",
    [KVM_EXIT_TPR_ACCESS] = "TPR_ACCESS",
    [KVM_EXIT_NMI] = "NMI",
    [KVM_EXIT_INTERNAL_ERROR] = "INTERNAL_ERROR",
    [KVM_EXIT_SYSTEM_EVENT] = "SYSTEM_EVENT",
    [KVM_EXIT_IOAPIC_EOI] = "IOAPIC_EOI",
    [KVM_EXIT_X86_RDMSR] = "X86_RDMSR",
    [KVM_EXIT_X86_WRMSR] = "X86_WRMSR",
};

const char *kvm_exit_reason_name(uint32_t reason)
{
	if (reason < sizeof(exit_names) / sizeof(exit_names[0]) && exit_names[reason])
		return exit_names[reason];
	return "UNKNOWN";
}
