// SPDX-License-Identifier: MIT
/*
 * What a debugger needs from the soft CPU beyond single-step and
 * execution breakpoints (those are in test_soft_isa.c).
 *
 * KVM_TRANSLATE: linear -> physical through the guest's page tables, with
 * no side effect a guest could see (no #PF, no CR2, no accessed bit).
 *
 * Data breakpoints of the soft CPU (KVM_SET_GUEST_DEBUG with
 * KVM_GUESTDBG_USE_HW_BP and a DR7 R/W field of 01 or 11), checked
 * against the SDM (vol. 3, 17.2.4-17.2.5 and 17.3.1.2): a data breakpoint
 * is a trap, so the exit comes after the accessing instruction with rip
 * at the next one; DR6 names the register with its B bit; R/W 01 ignores
 * reads; LEN covers an aligned 1, 2, 4 or 8 bytes and any overlapping
 * access hits; a breakpoint on another address does not fire.
 */
#include "test_soft_isa_harness.h"
#include "support/run_suite.h"

static struct guest g;

#define WATCHED (G_DATA + 0x10)
#define DR7_L0 0x1ULL
#define DR7_RW0_WRITE (1ULL << 16)
#define DR7_RW0_ACCESS (3ULL << 16)
#define DR7_LEN0_4 (3ULL << 18)
#define DR7_LEN0_8 (2ULL << 18)

static void setup(void)
{
	guest_init(&g);
}

static void teardown(void)
{
	guest_fini(&g);
}

static void start(const uint8_t *code, size_t len)
{
	struct kvm_regs r;

	memset(&r, 0, sizeof(r));
	r.rip = G_CODE;
	r.rflags = 2;
	r.rsp = G_STACK;
	r.rbx = WATCHED;
	guest_code(&g, G_CODE, code, len);
	soft_cpu_set_regs(g.cpu, &r);
}

static void watch(uint64_t addr, uint64_t dr7)
{
	struct kvm_guest_debug d;

	memset(&d, 0, sizeof(d));
	d.control = KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_HW_BP;
	d.arch.debugreg[0] = addr;
	d.arch.debugreg[7] = dr7;
	ck_assert_int_eq(soft_cpu_set_guest_debug(g.cpu, &d), 0);
}

static uint64_t rip(void)
{
	struct kvm_regs r;

	soft_cpu_get_regs(g.cpu, &r);
	return r.rip;
}

/* mov eax,[rbx]; mov dword [rbx],7; inc dword [rbx+8]; hlt */
static const uint8_t code[] = {
    0x8b, 0x03,				/* 0: mov eax, [rbx] */
    0xc7, 0x03, 0x07, 0x00, 0x00, 0x00, /* 2: mov dword [rbx], 7 */
    0xff, 0x43, 0x08,			/* 8: inc dword [rbx + 8] */
    0xf4,				/* 11: hlt */
};

START_TEST(test_write_watch_ignores_read_and_traps_after_write)
{
	start(code, sizeof(code));
	watch(WATCHED, DR7_L0 | DR7_RW0_WRITE | DR7_LEN0_4);
	ck_assert_int_eq(soft_cpu_run(g.cpu), 0);
	ck_assert_uint_eq(g.run->exit_reason, KVM_EXIT_DEBUG);
	ck_assert_uint_eq(g.run->debug.arch.exception, 1); /* #DB */
	ck_assert_uint_eq(g.run->debug.arch.dr6 & 0xf, 1); /* B0 */
	ck_assert_uint_eq(rip(), G_CODE + 8);		   /* after the write, not the read */
	ck_assert_uint_eq(g.ram[WATCHED], 7);		   /* the write happened */
	/* the inc at +8 is outside the 4 watched bytes: the guest runs to its hlt */
	ck_assert_int_eq(soft_cpu_run(g.cpu), 0);
	ck_assert_uint_eq(g.run->exit_reason, KVM_EXIT_HLT);
}
END_TEST

START_TEST(test_access_watch_sees_the_read)
{
	start(code, sizeof(code));
	watch(WATCHED, DR7_L0 | DR7_RW0_ACCESS | DR7_LEN0_4);
	ck_assert_int_eq(soft_cpu_run(g.cpu), 0);
	ck_assert_uint_eq(g.run->exit_reason, KVM_EXIT_DEBUG);
	ck_assert_uint_eq(rip(), G_CODE + 2);
	ck_assert_int_eq(soft_cpu_run(g.cpu), 0);
	ck_assert_uint_eq(g.run->exit_reason, KVM_EXIT_DEBUG);
	ck_assert_uint_eq(rip(), G_CODE + 8);
}
END_TEST

START_TEST(test_len8_aligns_down_and_catches_rmw)
{
	/* LEN 8 at WATCHED+9 covers [WATCHED+8, WATCHED+16): the inc dword [rbx+8] */
	start(code, sizeof(code));
	watch(WATCHED + 9, DR7_L0 | DR7_RW0_WRITE | DR7_LEN0_8);
	ck_assert_int_eq(soft_cpu_run(g.cpu), 0);
	ck_assert_uint_eq(g.run->exit_reason, KVM_EXIT_DEBUG);
	ck_assert_uint_eq(rip(), G_CODE + 11);
	ck_assert_uint_eq(g.ram[WATCHED + 8], 1);
}
END_TEST

START_TEST(test_disabled_or_elsewhere_does_not_fire)
{
	start(code, sizeof(code));
	/* R/W set but L0/G0 clear: disabled */
	watch(WATCHED, DR7_RW0_ACCESS | DR7_LEN0_4);
	ck_assert_int_eq(soft_cpu_run(g.cpu), 0);
	ck_assert_uint_eq(g.run->exit_reason, KVM_EXIT_HLT);
	start(code, sizeof(code));
	watch(WATCHED + 0x100, DR7_L0 | DR7_RW0_ACCESS | DR7_LEN0_4);
	ck_assert_int_eq(soft_cpu_run(g.cpu), 0);
	ck_assert_uint_eq(g.run->exit_reason, KVM_EXIT_HLT);
}
END_TEST

START_TEST(test_push_to_watched_stack_slot)
{
	/* push rax writes [rsp-8]: a write through the stack path */
	static const uint8_t push[] = {0x50, 0x90, 0xf4}; /* push rax; nop; hlt */

	start(push, sizeof(push));
	watch(G_STACK - 8, DR7_L0 | DR7_RW0_WRITE | DR7_LEN0_8);
	ck_assert_int_eq(soft_cpu_run(g.cpu), 0);
	ck_assert_uint_eq(g.run->exit_reason, KVM_EXIT_DEBUG);
	ck_assert_uint_eq(rip(), G_CODE + 1);
}
END_TEST

static struct kvm_translation translate(uint64_t lin)
{
	struct kvm_translation t = {.linear_address = lin};

	soft_cpu_translate(g.cpu, &t);
	return t;
}

START_TEST(test_translate_mapped_unmapped_noncanonical)
{
	struct kvm_translation t = translate(G_DATA + 0x1234);
	struct kvm_sregs s;

	ck_assert_uint_eq(t.valid, 1);
	ck_assert_uint_eq(t.physical_address, G_DATA + 0x1234);
	/* the harness maps only the first 4 MiB (two 2 MiB pages) */
	ck_assert_uint_eq(translate(G_RAM_SIZE + 0x10).valid, 0);
	ck_assert_uint_eq(translate(0x0000800000000000ULL).valid, 0);
	soft_cpu_get_sregs(g.cpu, &s);
	ck_assert_uint_eq(s.cr2, 0); /* a failed translation is not a #PF */
}
END_TEST

START_TEST(test_translate_follows_remap_without_setting_accessed)
{
	uint64_t pde;

	/* map linear 2 MiB..4 MiB to physical 0 instead, with the accessed bit clear */
	put64(g.ram + 0x3008, 0x000000 | 0x83);
	ck_assert_uint_eq(translate(G_DATA + 0x42).physical_address, 0x42);
	memcpy(&pde, g.ram + 0x3008, 8);
	ck_assert_uint_eq(pde & 0x20, 0);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("soft_debug");
	TCase *tc = tcase_create("watch");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_write_watch_ignores_read_and_traps_after_write);
	tcase_add_test(tc, test_access_watch_sees_the_read);
	tcase_add_test(tc, test_len8_aligns_down_and_catches_rmw);
	tcase_add_test(tc, test_disabled_or_elsewhere_does_not_fire);
	tcase_add_test(tc, test_push_to_watched_stack_slot);
	tcase_add_test(tc, test_translate_mapped_unmapped_noncanonical);
	tcase_add_test(tc, test_translate_follows_remap_without_setting_accessed);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run_suite(suite());
}
