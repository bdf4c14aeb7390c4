// SPDX-License-Identifier: MIT
/*
 * The soft provider's fd table keeps an object alive while an ioctl uses
 * it, as the kernel's fdget() does: closing a vCPU fd on one thread while
 * another is inside KVM_RUN on it frees nothing until that run returns.
 * (Under ASan, a vCPU freed mid-run is a use-after-free report.)
 */
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <linux/kvm.h>

#include "support/run_suite.h"
#include "support/x86_tables.h"
#include "test_kvm_abi_util.h"
#include "vcpu/provider.h"

#define RAM_SIZE (1u << 20)
#define CODE_GPA 0x1000
#define FLAG_GPA 0x2000

/* 32-bit flat code: mov byte [FLAG_GPA], 1; jmp $ */
static const uint8_t code_flag_then_spin[] = {0xc6, 0x05, 0x00, 0x20, 0x00, 0x00, 0x01, 0xeb, 0xfe};

struct runner {
	const struct kvm_provider *p;
	int fd;
	int rc, err;
};

static void *run_once(void *arg)
{
	struct runner *r = arg;

	r->rc = r->p->ioctl(r->fd, KVM_RUN, NULL);
	r->err = errno;
	return NULL;
}

static void enter_flat32(const struct kt_vm *v)
{
	struct kvm_sregs sr;
	struct kvm_regs regs = {.rip = CODE_GPA, .rflags = 2};

	ck_assert_int_eq(v->p->ioctl(v->cpu, KVM_GET_SREGS, &sr), 0);
	x86_flat_seg(&sr.cs, 0x08, 11, 0, 0, 1);
	x86_flat_seg(&sr.ds, 0x10, 3, 0, 0, 1);
	sr.es = sr.fs = sr.gs = sr.ss = sr.ds;
	sr.cr0 = 0x11; /* PE, ET */
	ck_assert_int_eq(v->p->ioctl(v->cpu, KVM_SET_SREGS, &sr), 0);
	ck_assert_int_eq(v->p->ioctl(v->cpu, KVM_SET_REGS, &regs), 0);
}

START_TEST(close_during_kvm_run_waits_for_the_run)
{
	const struct kvm_provider *p = &kvm_provider_soft;
	struct timespec pause = {0, 1000 * 1000};
	struct kt_vm v;
	struct runner r;
	pthread_t th;

	kt_vm_create(&v, p, RAM_SIZE);
	memcpy(v.mem + CODE_GPA, code_flag_then_spin, sizeof(code_flag_then_spin));
	enter_flat32(&v);
	r = (struct runner){.p = p, .fd = v.cpu};
	ck_assert_int_eq(pthread_create(&th, NULL, run_once, &r), 0);
	/* The guest's own store says KVM_RUN is under way (no timing assumed). */
	while (!__atomic_load_n(&v.mem[FLAG_GPA], __ATOMIC_ACQUIRE))
		nanosleep(&pause, NULL);
	ck_assert_int_eq(p->close(v.cpu), 0);
	/* Our mapping of the closed fd is still the vCPU's kvm_run: stop the run. */
	__atomic_store_n(&v.run->immediate_exit, 1, __ATOMIC_RELEASE);
	pthread_join(th, NULL);
	ck_assert_int_eq(r.rc, -1);
	ck_assert_int_eq(r.err, EINTR);
	/* The number is gone: the object was released once the run returned. */
	errno = 0;
	ck_assert_int_eq(p->ioctl(v.cpu, KVM_RUN, NULL), -1);
	ck_assert_int_eq(errno, EBADF);
	munmap(v.run, v.run_size);
	p->close(v.vm);
	p->close(v.sys);
	munmap(v.mem, v.mem_size);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("soft_kvm fd table");
	TCase *tc = tcase_create("lifetime");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, close_during_kvm_run_waits_for_the_run);
	suite_add_tcase(s, tc);
	return test_run_suite(s);
}
