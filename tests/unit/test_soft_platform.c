// SPDX-License-Identifier: MIT
/*
 * What a PC kernel finds before it finds any device, on the soft CPU:
 * the BIOS Data Area and the real-mode vector table the VMM leaves in low
 * memory (bios_data.c), the MTRR and IA32_PLATFORM_ID registers, and
 * RDSSP with shadow stacks off. Expectations come from the SDM (MTRR
 * reserved bits and types, RDSSP in the NOP space when CR4.CET=0,
 * INT n in real mode through the IVT) and from the PC's BIOS conventions
 * (the BDA's base memory word agrees with the memory map the loader
 * gives and Multiboot's mem_lower).
 */
#include <check.h>
#include <string.h>

#include "loader/loader.h"
#include "support/run_suite.h"
#include "test_soft_isa_harness.h"

#define X_GP 13

static struct guest g;
static struct guest_mem mem;

static void setup(void)
{
	guest_init(&g);
	memset(&mem, 0, sizeof(mem));
	ck_assert_int_eq(guest_mem_add_region(&mem, 0, G_RAM_SIZE, g.ram), 0);
}

static void teardown(void)
{
	guest_fini(&g);
}

static void start(uint64_t rip, uint64_t rflags)
{
	guest_start(&g, rip, rflags);
}

static struct kvm_regs run_to_hlt(void)
{
	ck_assert_int_eq(guest_run(&g, 16), KVM_EXIT_HLT);
	return guest_regs(&g);
}

/* The BDA says 640 KiB, the memory map's first RAM ends there, and nothing in [640K, 1M) is RAM. */
START_TEST(bda_agrees_with_memory_map)
{
	struct boot_mem_range map[BOOT_MEMMAP_RANGES_MAX];
	uint16_t kib, ebda;
	unsigned n;
	bool low_ram_end_seen = false;

	ck_assert_int_eq(boot_write_bios_data(&mem), 0);
	memcpy(&kib, g.ram + 0x413, 2);
	memcpy(&ebda, g.ram + 0x40e, 2);
	ck_assert_uint_eq(kib, 640);
	ck_assert_uint_eq(ebda, 0); /* no EBDA: a kernel falls back to 0x413 */
	n = boot_memory_map(&mem, BOOT_AREA_END, map);
	for (unsigned i = 0; i < n; i++) {
		uint64_t lo = map[i].addr, hi = lo + map[i].size;

		if (!map[i].ram)
			continue;
		ck_assert(hi <= 0xa0000 || lo >= 0x100000);
		low_ram_end_seen |= hi == (uint64_t)kib << 10;
	}
	ck_assert(low_ram_end_seen);
}
END_TEST

/* INT 15h E820 and INT 10h in real mode come back at once with CF=1, other registers kept. */
START_TEST(real_mode_bios_calls_are_refused)
{
	/* clc; mov ax, 0xe820; int 0x15; mov bx, ax; clc; int 0x10; hlt */
	static const uint8_t code[] = {0xf8, 0xb8, 0x20, 0xe8, 0xcd, 0x15,
				       0x89, 0xc3, 0xf8, 0xcd, 0x10, 0xf4};
	struct kvm_regs r;

	guest_mode16(&g);
	ck_assert_int_eq(boot_write_bios_data(&mem), 0);
	guest_code(&g, 0x10000, code, sizeof(code));
	start(0, 2);
	r = run_to_hlt();
	ck_assert_uint_eq(r.rip, sizeof(code));
	ck_assert_uint_eq(r.rbx & 0xffff, 0xe820);
	ck_assert_uint_eq(r.rflags & 1, 1);
	ck_assert_uint_eq(r.rsp, G_STACK - 0x100); /* the flags image and return address popped */
}
END_TEST

/* RDSSP with CR4.CET=0 is a NOP (SDM: its encoding is in the reserved-NOP space). */
START_TEST(rdssp_without_cet_is_nop)
{
	/* mov rsi, 0x1234; rdsspq rsi; mov edi, 0x77; rdsspd edi; hlt */
	static const uint8_t code[] = {0x48, 0xc7, 0xc6, 0x34, 0x12, 0x00, 0x00, 0xf3,
				       0x48, 0x0f, 0x1e, 0xce, 0xbf, 0x77, 0x00, 0x00,
				       0x00, 0xf3, 0x0f, 0x1e, 0xcf, 0xf4};
	struct kvm_regs r;

	guest_code(&g, G_CODE, code, sizeof(code));
	start(G_CODE, 2);
	r = run_to_hlt();
	ck_assert_uint_eq(r.rip, G_CODE + sizeof(code));
	ck_assert_uint_eq(r.rsi, 0x1234);
	ck_assert_uint_eq(r.rdi, 0x77);
}
END_TEST

/* RDMSR/WRMSR of one MSR: the value read, or the vector raised (-1 for none). */
static int msr_op(uint32_t index, bool write, uint64_t *v)
{
	/* mov ecx, imm32; mov eax, imm32; mov edx, imm32; wrmsr|rdmsr; hlt */
	uint8_t code[] = {0xb9, 0, 0, 0, 0, 0xb8, 0, 0, 0, 0, 0xba, 0, 0, 0, 0, 0x0f, 0x30, 0xf4};
	uint32_t lo = (uint32_t)*v, hi = (uint32_t)(*v >> 32);
	struct kvm_regs r;

	memcpy(code + 1, &index, 4);
	memcpy(code + 6, &lo, 4);
	memcpy(code + 11, &hi, 4);
	code[16] = write ? 0x30 : 0x32;
	guest_code(&g, G_CODE, code, sizeof(code));
	start(G_CODE, 2);
	r = run_to_hlt();
	if (r.rip != G_CODE + sizeof(code))
		return guest_exception(&g, r.rip);
	*v = (r.rdx & 0xffffffff) << 32 | (r.rax & 0xffffffff);
	return -1;
}

static void msr_ok(uint32_t index, uint64_t v)
{
	uint64_t got = v;

	ck_assert_int_eq(msr_op(index, true, &got), -1);
	ck_assert_int_eq(msr_op(index, false, &got), -1);
	ck_assert_uint_eq(got, v);
}

static void msr_gp(uint32_t index, uint64_t v)
{
	ck_assert_int_eq(msr_op(index, true, &v), X_GP);
}

START_TEST(mtrr_registers)
{
	uint64_t cap = 0;

	ck_assert_int_eq(msr_op(0xfe, false, &cap), -1);
	ck_assert_uint_eq(cap & 0xff, 8);      /* VCNT: eight variable ranges */
	ck_assert_uint_eq(cap & 0x100, 0x100); /* FIX */
	ck_assert_uint_eq(cap & 0x800, 0);     /* no SMRR */
	msr_gp(0xfe, cap);		       /* read-only */
	msr_ok(0x2ff, 0xc06);		       /* E, FE, default WB */
	msr_gp(0x2ff, 0x2);		       /* type 2 is reserved */
	msr_gp(0x2ff, 0x1000);		       /* reserved bit 12 */
	msr_ok(0x250, 0x0606060606060606ULL);  /* fixed: WB everywhere */
	msr_ok(0x26f, 0x0001040506000104ULL);
	msr_gp(0x259, 0x0606060606060703ULL); /* type 3 in one byte */
	msr_ok(0x200, 0x80000006ULL);	      /* PhysBase0: 2 GiB, WB */
	msr_ok(0x201, 0xff80000800ULL);	      /* PhysMask0: valid */
	msr_gp(0x200, 0x80000106ULL);	      /* base bits 11:8 reserved */
	msr_gp(0x201, 0xff80000801ULL);	      /* mask bits 10:0 reserved */
	msr_gp(0x20e, 1ULL << 52);	      /* above MAXPHYADDR */
	msr_ok(0x20f, 0);
	msr_gp(0x210, 0); /* a ninth range does not exist */
}
END_TEST

START_TEST(platform_id_reads_zero)
{
	uint64_t v = ~0ULL;

	ck_assert_int_eq(msr_op(0x17, false, &v), -1);
	ck_assert_uint_eq(v, 0);
	msr_gp(0x17, 0);
}
END_TEST

/* SDM vol. 3 16.3.1: MCG_CAP read-only, 0 banks and no MCG_CTL_P (KVM's mcg_cap 0) */
START_TEST(machine_check_globals_without_banks)
{
	uint64_t v = ~0ULL;

	ck_assert_int_eq(msr_op(0x179, false, &v), -1);
	ck_assert_uint_eq(v, 0);
	msr_gp(0x179, 0);		     /* MCG_CAP is read-only */
	msr_ok(0x17a, 0);		     /* MCG_STATUS */
	msr_ok(0x17a, 4);		     /* MCIP */
	ck_assert_int_eq(msr_op(0x17b, false, &v), X_GP); /* no MCG_CTL_P */
	msr_gp(0x17b, ~0ULL);
	ck_assert_int_eq(msr_op(0x400, false, &v), X_GP); /* no bank 0 */
}
END_TEST

static Suite *platform_suite(void)
{
	Suite *s = suite_create("soft_platform");
	TCase *tc = tcase_create("platform");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, bda_agrees_with_memory_map);
	tcase_add_test(tc, real_mode_bios_calls_are_refused);
	tcase_add_test(tc, rdssp_without_cet_is_nop);
	tcase_add_test(tc, mtrr_registers);
	tcase_add_test(tc, platform_id_reads_zero);
	tcase_add_test(tc, machine_check_globals_without_banks);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run_suite(platform_suite());
}
