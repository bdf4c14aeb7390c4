// SPDX-License-Identifier: MIT
/*
 * Reading a vCPU's binary statistics (KVM_GET_STATS_FD).
 * - against a stats file this test lays out itself from the format in
 *   Linux's Documentation/virt/kvm/api.rst (header, descriptors with
 *   name_size-byte names, data block), including malformed ones;
 * - against the real /dev/kvm when it can be opened (skipped otherwise):
 *   the kernel's own counters must show the exits a tiny guest made;
 * - against the soft provider, which must count the same guest exactly.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/kvm.h>

#include "support/run_suite.h"
#include "vcpu/kvm_stats.h"
#include "vcpu/provider.h"

/* The counters kvm_stats_collect() handed over, in order. */
static struct {
	struct {
		char name[64];
		uint64_t value;
	} c[256];
	unsigned n;
} sink;

static void sink_add(void *opaque, const char *name, uint64_t value)
{
	ck_assert_ptr_eq(opaque, &sink);
	ck_assert_uint_lt(sink.n, 256);
	snprintf(sink.c[sink.n].name, sizeof(sink.c[0].name), "%s", name);
	sink.c[sink.n++].value = value;
}

/* --- a provider whose KVM_GET_STATS_FD returns a file built by the test --- */

#define NAME_SIZE 48

static int fake_stats_fd = -1;

static int fake_ioctl(int fd, unsigned long req, void *arg)
{
	if (req != KVM_GET_STATS_FD || fake_stats_fd < 0) {
		errno = ENOTTY;
		return -1;
	}
	return dup(fake_stats_fd);
}

static int fake_close(int fd)
{
	return close(fd);
}

static const struct kvm_provider fake = {.name = "fake", .ioctl = fake_ioctl, .close = fake_close};

struct fake_desc {
	const char *name;
	uint16_t size; /* number of u64 values */
	uint64_t value[4];
};

/* Header at 0, id string, descriptors, then data — as api.rst describes. */
static int build_stats_file(const struct fake_desc *d, unsigned n, uint32_t name_size)
{
	struct kvm_stats_header hdr = {0};
	size_t desc_len = sizeof(struct kvm_stats_desc) + name_size;
	uint32_t data_off = 0;
	int fd = memfd_create("kvm-stats-test", 0);

	ck_assert_int_ge(fd, 0);
	hdr.name_size = name_size;
	hdr.num_desc = n;
	hdr.id_offset = sizeof(hdr);
	hdr.desc_offset = hdr.id_offset + name_size;
	hdr.data_offset = (uint32_t)(hdr.desc_offset + n * desc_len);
	ck_assert_int_eq(pwrite(fd, &hdr, sizeof(hdr), 0), (ssize_t)sizeof(hdr));
	ck_assert_int_eq(pwrite(fd, "kvm-test-vcpu", 14, hdr.id_offset), 14);
	for (unsigned i = 0; i < n; i++) {
		unsigned char buf[sizeof(struct kvm_stats_desc) + 256] = {0};
		struct kvm_stats_desc *kd = (struct kvm_stats_desc *)buf;

		kd->flags = KVM_STATS_TYPE_CUMULATIVE | KVM_STATS_UNIT_NONE | KVM_STATS_BASE_POW10;
		kd->size = d[i].size;
		kd->offset = data_off;
		strncpy(kd->name, d[i].name, name_size - 1);
		ck_assert_int_eq(pwrite(fd, buf, desc_len, hdr.desc_offset + i * desc_len),
				 (ssize_t)desc_len);
		ck_assert_int_eq(pwrite(fd, d[i].value, d[i].size * 8u, hdr.data_offset + data_off),
				 (ssize_t)(d[i].size * 8u));
		data_off += d[i].size * 8u;
	}
	return fd;
}

static void setup(void)
{
	memset(&sink, 0, sizeof(sink));
	fake_stats_fd = -1;
}

static void teardown(void)
{
	if (fake_stats_fd >= 0)
		close(fake_stats_fd);
}

static uint64_t counter(const char *name, int *found)
{
	for (unsigned i = 0; i < sink.n; i++) {
		if (strcmp(sink.c[i].name, name) == 0) {
			*found = 1;
			return sink.c[i].value;
		}
	}
	*found = 0;
	return 0;
}

START_TEST(reads_layout_from_api_rst)
{
	static const struct fake_desc d[] = {
	    {"exits", 1, {77}},
	    {"halt_wait_hist", 4, {1, 2, 3, 4}}, /* histogram: skipped */
	    {"io_exits", 1, {42}},
	    {"mmio_exits", 1, {0x1234567890ULL}},
	};
	int found;

	fake_stats_fd = build_stats_file(d, 4, NAME_SIZE);
	ck_assert_int_eq(kvm_stats_collect(&fake, 3, sink_add, &sink), 3);
	ck_assert_uint_eq(counter("exits", &found), 77);
	ck_assert(found);
	ck_assert_uint_eq(counter("io_exits", &found), 42);
	ck_assert(found);
	ck_assert_uint_eq(counter("mmio_exits", &found), 0x1234567890ULL);
	ck_assert(found);
	counter("halt_wait_hist", &found);
	ck_assert(!found);
}
END_TEST

START_TEST(no_stats_fd)
{
	ck_assert_int_eq(kvm_stats_collect(&fake, 3, sink_add, &sink), -ENOTTY);
	ck_assert_uint_eq(sink.n, 0);
}
END_TEST

START_TEST(truncated_file_refused)
{
	static const struct fake_desc d[] = {{"exits", 1, {1}}, {"io_exits", 1, {2}}};

	fake_stats_fd = build_stats_file(d, 2, NAME_SIZE);
	ck_assert_int_eq(ftruncate(fake_stats_fd, sizeof(struct kvm_stats_header) + 60), 0);
	ck_assert_int_lt(kvm_stats_collect(&fake, 3, sink_add, &sink), 0);
}
END_TEST

START_TEST(absurd_header_refused)
{
	struct kvm_stats_header hdr = {.name_size = 0x10000, .num_desc = 1};

	fake_stats_fd = memfd_create("kvm-stats-bad", 0);
	ck_assert_int_eq(pwrite(fake_stats_fd, &hdr, sizeof(hdr), 0), (ssize_t)sizeof(hdr));
	ck_assert_int_eq(kvm_stats_collect(&fake, 3, sink_add, &sink), -EINVAL);
	hdr.name_size = NAME_SIZE;
	hdr.num_desc = 0x7fffffff;
	ck_assert_int_eq(pwrite(fake_stats_fd, &hdr, sizeof(hdr), 0), (ssize_t)sizeof(hdr));
	ck_assert_int_eq(kvm_stats_collect(&fake, 3, sink_add, &sink), -EINVAL);
}
END_TEST

START_TEST(exit_reason_names)
{
	ck_assert_str_eq(kvm_exit_reason_name(KVM_EXIT_IO), "IO");
	ck_assert_str_eq(kvm_exit_reason_name(KVM_EXIT_MMIO), "MMIO");
	ck_assert_str_eq(kvm_exit_reason_name(KVM_EXIT_HLT), "HLT");
	ck_assert_str_eq(kvm_exit_reason_name(KVM_EXIT_SHUTDOWN), "SHUTDOWN");
	ck_assert_str_eq(kvm_exit_reason_name(KVM_EXIT_SYSTEM_EVENT), "SYSTEM_EVENT");
	ck_assert_str_eq(kvm_exit_reason_name(KVM_EXIT_INTERNAL_ERROR), "INTERNAL_ERROR");
	ck_assert_str_eq(kvm_exit_reason_name(100000), "UNKNOWN");
}
END_TEST

/* --- a real-mode guest doing 3 OUTs and a HLT, on a real provider --- */

struct tiny_guest {
	const struct kvm_provider *p;
	int sys, vm, vcpu, run_size;
	struct kvm_run *run;
	uint8_t *mem;
};

/* Create a VM on p (system fd sys) and run the guest to its HLT, counting its 3 OUT exits. */
static void tiny_guest_run(const struct kvm_provider *p, int sys, struct tiny_guest *g)
{
	/* out %al,$0x80 three times, then hlt (16-bit real mode at 0x1000) */
	static const uint8_t code[] = {0xe6, 0x80, 0xe6, 0x80, 0xe6, 0x80, 0xf4};
	struct kvm_userspace_memory_region region = {0};
	struct kvm_sregs sregs;
	struct kvm_regs regs = {0};
	unsigned outs = 0;

	g->p = p;
	g->sys = sys;
	g->vm = p->ioctl(sys, KVM_CREATE_VM, 0);
	ck_assert_int_ge(g->vm, 0);
	g->mem = mmap(NULL, 0x10000, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert_ptr_ne(g->mem, MAP_FAILED);
	memcpy(g->mem + 0x1000, code, sizeof(code));
	region.memory_size = 0x10000;
	region.userspace_addr = (uintptr_t)g->mem;
	ck_assert_int_eq(p->ioctl(g->vm, KVM_SET_USER_MEMORY_REGION, &region), 0);
	g->vcpu = p->ioctl(g->vm, KVM_CREATE_VCPU, 0);
	ck_assert_int_ge(g->vcpu, 0);
	g->run_size = p->ioctl(sys, KVM_GET_VCPU_MMAP_SIZE, 0);
	ck_assert_int_gt(g->run_size, 0);
	g->run = mmap(NULL, (size_t)g->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, g->vcpu, 0);
	ck_assert_ptr_ne(g->run, MAP_FAILED);
	ck_assert_int_eq(p->ioctl(g->vcpu, KVM_GET_SREGS, &sregs), 0);
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	ck_assert_int_eq(p->ioctl(g->vcpu, KVM_SET_SREGS, &sregs), 0);
	regs.rip = 0x1000;
	regs.rflags = 2;
	ck_assert_int_eq(p->ioctl(g->vcpu, KVM_SET_REGS, &regs), 0);
	for (;;) {
		ck_assert_int_eq(p->ioctl(g->vcpu, KVM_RUN, 0), 0);
		if (g->run->exit_reason == KVM_EXIT_IO) {
			outs++;
			continue;
		}
		ck_assert_int_eq(g->run->exit_reason, KVM_EXIT_HLT);
		break;
	}
	ck_assert_uint_eq(outs, 3);
}

static void tiny_guest_close(struct tiny_guest *g)
{
	munmap(g->run, (size_t)g->run_size);
	munmap(g->mem, 0x10000);
	g->p->close(g->vcpu);
	g->p->close(g->vm);
	g->p->close(g->sys);
}

static int sys_ioctl(int fd, unsigned long req, void *arg)
{
	return ioctl(fd, req, arg);
}

static const struct kvm_provider kernel = {.name = "kvm", .ioctl = sys_ioctl, .close = close};

START_TEST(kernel_kvm_counts_exits)
{
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC), found;
	struct tiny_guest g;

	if (kvm < 0) {
		printf("skipped: no /dev/kvm\n");
		return;
	}
	tiny_guest_run(&kernel, kvm, &g);
	if (ioctl(g.vcpu, KVM_CHECK_EXTENSION, KVM_CAP_BINARY_STATS_FD) <= 0 &&
	    ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_BINARY_STATS_FD) <= 0) {
		printf("skipped: kernel KVM has no KVM_CAP_BINARY_STATS_FD\n");
	} else {
		ck_assert_int_gt(kvm_stats_collect(&kernel, g.vcpu, sink_add, &sink), 0);
		/*
		 * The kernel counted our 3 port exits and the halt. An OUT reaches
		 * userspace either through the VMX/SVM I/O intercept (io_exits) or,
		 * when KVM emulates real mode (no unrestricted guest, as under
		 * nested virtualisation here), through its instruction emulator
		 * (insn_emulation): one of the two counts each OUT.
		 */
		uint64_t io = counter("io_exits", &found);

		ck_assert(found);
		ck_assert_uint_ge(io + counter("insn_emulation", &found), 3);
		ck_assert(found);
		ck_assert_uint_ge(counter("halt_exits", &found), 1);
		ck_assert(found);
		ck_assert_uint_ge(counter("exits", &found), 4);
		ck_assert(found);
	}
	tiny_guest_close(&g);
}
END_TEST

/*
 * The soft provider answers KVM_GET_STATS_FD in the same binary format,
 * with the kernel's counter names for what both count and soft_* for what
 * only it counts. The same guest: 3 OUTs (3 KVM_EXIT_IO to userspace) and a
 * HLT (1 KVM_EXIT_HLT), 4 instructions executed (OUT and HLT each retire:
 * SDM vol. 2, HLT resumes at the next instruction).
 */
START_TEST(soft_provider_counts_exits)
{
	const struct kvm_provider *p = &kvm_provider_soft;
	struct tiny_guest g;
	int found, sys = p->open_system();

	ck_assert_int_ge(sys, 0);
	tiny_guest_run(p, sys, &g);
	ck_assert_int_gt(kvm_stats_collect(p, g.vcpu, sink_add, &sink), 0);
	ck_assert_uint_eq(counter("io_exits", &found), 3);
	ck_assert(found);
	ck_assert_uint_eq(counter("halt_exits", &found), 1);
	ck_assert(found);
	ck_assert_uint_eq(counter("mmio_exits", &found), 0);
	ck_assert(found);
	ck_assert_uint_eq(counter("soft_insns", &found), 4);
	ck_assert(found);
	tiny_guest_close(&g);
}
END_TEST

static Suite *kvm_stats_suite(void)
{
	Suite *s = suite_create("kvm_stats");
	TCase *tc = tcase_create("binary stats");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, reads_layout_from_api_rst);
	tcase_add_test(tc, no_stats_fd);
	tcase_add_test(tc, truncated_file_refused);
	tcase_add_test(tc, absurd_header_refused);
	tcase_add_test(tc, exit_reason_names);
	tcase_add_test(tc, kernel_kvm_counts_exits);
	tcase_add_test(tc, soft_provider_counts_exits);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run_suite(kvm_stats_suite());
}
