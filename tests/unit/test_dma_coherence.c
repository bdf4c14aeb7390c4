// SPDX-License-Identifier: MIT
/*
 * Code the VMM rewrites in guest RAM between two KVM_RUNs (a device's DMA,
 * e.g. a program read from disk over code that already ran) must run as
 * rewritten, as it does on a real CPU. The soft provider caches decoded
 * code per page, so this is the case it could get wrong. Run on the soft
 * provider always and on /dev/kvm where it opens (the expected result is
 * the architectural one, and the kernel's run must agree).
 *
 * The soft provider compares a cached page with guest RAM once per
 * KVM_RUN over the span of bytes its records came from; code the guest
 * reaches later on the same page widens that span, which the second case
 * checks.
 */
#include "test_kvm_abi_util.h"

#define CODE 0x1000
#define LATE 0x1100

static void flat32(struct kt_vm *v)
{
	struct kvm_sregs s;
	struct kvm_segment code = {
		.base = 0, .limit = 0xffffffff, .selector = 8, .type = 11, .present = 1,
		.dpl = 0, .db = 1, .s = 1, .l = 0, .g = 1,
	};
	struct kvm_segment data = code;
	struct kvm_regs r = { .rip = CODE, .rflags = 2, .rsp = 0x8000, .rax = 1 };

	data.type = 3;
	data.selector = 16;
	ck_assert_int_eq(v->p->ioctl(v->cpu, KVM_GET_SREGS, &s), 0);
	s.cs = code;
	s.ds = s.es = s.fs = s.gs = s.ss = data;
	s.cr0 |= 1; /* PE, paging off */
	ck_assert_int_eq(v->p->ioctl(v->cpu, KVM_SET_SREGS, &s), 0);
	ck_assert_int_eq(v->p->ioctl(v->cpu, KVM_SET_REGS, &r), 0);
}

/* Run until the next exit; it must be an 1-byte OUT to port 0x10: return its byte. */
static uint8_t run_to_out(struct kt_vm *v)
{
	ck_assert_int_eq(v->p->ioctl(v->cpu, KVM_RUN, NULL), 0);
	ck_assert_msg(v->run->exit_reason == KVM_EXIT_IO, "%s: exit %u, want IO", v->p->name,
		      v->run->exit_reason);
	ck_assert_int_eq(v->run->io.port, 0x10);
	ck_assert_int_eq(v->run->io.direction, KVM_EXIT_IO_OUT);
	return *((uint8_t *)v->run + v->run->io.data_offset);
}

static void check_rewrite(const struct kvm_provider *p)
{
	/* 0x1000: mov al, 1; out 0x10, al; jmp 0x1000 */
	static const uint8_t loop[] = { 0xb0, 0x01, 0xe6, 0x10, 0xeb, 0xfa };
	struct kt_vm v;

	kt_vm_create(&v, p, 0x10000);
	memcpy(v.mem + CODE, loop, sizeof(loop));
	flat32(&v);
	ck_assert_int_eq(run_to_out(&v), 1);
	ck_assert_int_eq(run_to_out(&v), 1); /* the loop ran from the cache once */
	v.mem[CODE + 1] = 2;                 /* the VMM rewrites the immediate */
	ck_assert_msg(run_to_out(&v) == 2, "%s: stale code ran after the VMM rewrote it",
		      p->name);
	memcpy(v.mem + CODE, (const uint8_t[]){ 0xf4 }, 1); /* now a hlt */
	ck_assert_int_eq(v.p->ioctl(v.cpu, KVM_RUN, NULL), 0);
	ck_assert_int_eq(v.run->exit_reason, KVM_EXIT_HLT);
	kt_vm_destroy(&v);
}

static void check_late_code(const struct kvm_provider *p)
{
	/* CODE: out 0x10, al; test bl, bl; jz CODE; jmp LATE */
	static const uint8_t first[] = { 0xe6, 0x10, 0x84, 0xdb, 0x74, 0xfa,
					 0xe9, 0xf5, 0x00, 0x00, 0x00 };
	/* LATE: mov al, 7; out 0x10, al; jmp LATE */
	static const uint8_t late[] = { 0xb0, 0x07, 0xe6, 0x10, 0xeb, 0xfa };
	struct kvm_regs r;
	struct kt_vm v;

	kt_vm_create(&v, p, 0x10000);
	memcpy(v.mem + CODE, first, sizeof(first));
	flat32(&v);
	ck_assert_int_eq(run_to_out(&v), 1);
	ck_assert_int_eq(run_to_out(&v), 1); /* CODE's loop, from the cache */
	/* The VMM writes code on the same page, outside what ran so far, and lets the guest go there. */
	memcpy(v.mem + LATE, late, sizeof(late));
	ck_assert_int_eq(v.p->ioctl(v.cpu, KVM_GET_REGS, &r), 0);
	r.rbx = 1;
	ck_assert_int_eq(v.p->ioctl(v.cpu, KVM_SET_REGS, &r), 0);
	ck_assert_int_eq(run_to_out(&v), 7);
	ck_assert_int_eq(run_to_out(&v), 7);
	/* Now it rewrites that late code's immediate: the next run must see it. */
	v.mem[LATE + 1] = 9;
	ck_assert_msg(run_to_out(&v) == 9, "%s: stale late code ran after the VMM rewrote it",
		      p->name);
	kt_vm_destroy(&v);
}

START_TEST(test_vmm_rewrites_late_code)
{
	check_late_code(&kvm_provider_soft);
	if (kt_kernel())
		check_late_code(kt_kernel());
	else
		kt_note_skip("dma_coherence");
}
END_TEST

START_TEST(test_vmm_rewrites_code)
{
	check_rewrite(&kvm_provider_soft);
	if (kt_kernel())
		check_rewrite(kt_kernel());
	else
		kt_note_skip("dma_coherence");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("dma_coherence");
	TCase *tc = tcase_create("rewrite");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_vmm_rewrites_code);
	tcase_add_test(tc, test_vmm_rewrites_late_code);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
