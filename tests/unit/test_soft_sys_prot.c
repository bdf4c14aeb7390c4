// SPDX-License-Identifier: MIT
/*
 * Soft CPU system tests in 32-bit protected mode: flat (no paging),
 * 32-bit paging with PSE 4 MiB pages, PAE paging with NX, exception
 * frames and error codes of 32-bit gates, a ring 3 -> ring 0 interrupt
 * on the TSS's ESP0/SS0, and the switch from 32-bit protected mode to
 * long mode (CR4.PAE, EFER.LME, CR0.PG, far jump). Expected values from
 * the Intel SDM vol. 3 (ch. 4 paging, ch. 6 interrupts, 9.8.5 IA-32e
 * initialisation).
 */
#include "test_soft_sys_harness.h"

/* Snippets, assembled with GNU as (.intel_syntax noprefix) at the given address. */
/*
 *   mov dword ptr [0x10000], 0x55aa
 *   mov eax, [0x10000]
 *   ud2
 */
static const uint8_t c32_flat[] = {
	0xc7, 0x05, 0x00, 0x00, 0x01, 0x00, 0xaa, 0x55, 0x00, 0x00, 0xa1, 0x00,
	0x00, 0x01, 0x00, 0x0f, 0x0b,
};
/*
 *   mov eax, [0xc0010000]
 *   mov ebx, [0x400000]
 *   mov ecx, [0x800000]
 */
static const uint8_t c32_pse[] = {
	0xa1, 0x00, 0x00, 0x01, 0xc0, 0x8b, 0x1d, 0x00, 0x00, 0x40, 0x00, 0x8b,
	0x0d, 0x00, 0x00, 0x80, 0x00,
};
/*
 *   mov eax, [0xc0010000]
 *   mov ebx, [0x200000]
 *   mov ecx, 0xc0200000
 *   jmp ecx
 */
static const uint8_t c32_pae[] = {
	0xa1, 0x00, 0x00, 0x01, 0xc0, 0x8b, 0x1d, 0x00, 0x00, 0x20, 0x00, 0xb9,
	0x00, 0x00, 0x20, 0xc0, 0xff, 0xe1,
};
/*
 *   mov eax, cr4
 *   or eax, 0x20
 *   mov cr4, eax
 *   mov eax, 0x1000
 *   mov cr3, eax
 *   mov ecx, 0xc0000080
 *   rdmsr
 *   or eax, 0x100
 *   wrmsr
 *   mov eax, cr0
 *   or eax, 0x80000000
 *   mov cr0, eax
 *   ljmp 0x08, 0x8100
 */
static const uint8_t c32_to64[] = {
	0x0f, 0x20, 0xe0, 0x83, 0xc8, 0x20, 0x0f, 0x22, 0xe0, 0xb8, 0x00, 0x10,
	0x00, 0x00, 0x0f, 0x22, 0xd8, 0xb9, 0x80, 0x00, 0x00, 0xc0, 0x0f, 0x32,
	0x0d, 0x00, 0x01, 0x00, 0x00, 0x0f, 0x30, 0x0f, 0x20, 0xc0, 0x0d, 0x00,
	0x00, 0x00, 0x80, 0x0f, 0x22, 0xc0, 0xea, 0x00, 0x81, 0x00, 0x00, 0x08,
	0x00,
};
/*
 *   mov rax, 0x123456789
 *   hlt
 */
static const uint8_t c32_to64_tail[] = {
	0x48, 0xb8, 0x89, 0x67, 0x45, 0x23, 0x01, 0x00, 0x00, 0x00, 0xf4,
};
/*
 *   int 0x80
 */
static const uint8_t c32_user_int[] = {
	0xcd, 0x80,
};
/*
 *   mov ax, 0x50
 *   mov ds, ax
 */
static const uint8_t c32_gp[] = {
	0x66, 0xb8, 0x50, 0x00, 0x8e, 0xd8,
};

/*
 *   sysenter
 */
static const uint8_t c32_sysenter[] = {
	0x0f, 0x34,
};
/*
 *   mov edx, 0x8240
 *   mov ecx, 0x24000
 *   sysexit
 */
static const uint8_t c32_sysexit[] = {
	0xba, 0x40, 0x82, 0x00, 0x00, 0xb9, 0x00, 0x40, 0x02, 0x00, 0x0f, 0x35,
};
/*
 *   ud2
 */
static const uint8_t c32_ud[] = {
	0x0f, 0x0b,
};

/*
 *   mov ax, 0x100
 *   mov ds, ax
 *   mov word ptr [0x10], 0x4321
 *   int 0x21
 * (.code16, at 0x7c00)
 */
static const uint8_t c16_real[] = {
	0xb8, 0x00, 0x01, 0x8e, 0xd8, 0xc7, 0x06, 0x10, 0x00, 0x21, 0x43, 0xcd,
	0x21,
};

/* 32-bit protected mode at CPL 0, flat segments, 32-bit IDT/TSS of the layout. */
static void setup_prot(struct h *h, uint64_t cr0_extra, uint64_t cr3, uint64_t cr4, uint64_t efer)
{
	struct kvm_sregs s;
	struct kvm_regs r;
	unsigned v;

	write_gdt(h);
	memset(h->mem + IDT, 0, 4096);
	memset(h->mem + TSS, 0, 0x68);
	wr32(h, TSS + 4, RSP0_TOP); /* ESP0 */
	wr32(h, TSS + 8, SEL_KDATA); /* SS0 */
	wr32(h, TSS + 0x64, 0x68 << 16);
	for (v = 0; v < 256; v++) {
		idt32_gate(h, v, HANDLER + v * 16, 0xe, 0);
		h->mem[HANDLER + v * 16] = 0xf4;
	}
	h_get_sregs(h, &s);
	x86_flat_seg(&s.cs, SEL_KCODE32, 0xb, 0, 0, 1);
	flat_system_regs(&s, 256 * 8 - 1);
	s.cr0 = 0x00000031 | cr0_extra; /* NE ET PE */
	s.cr3 = cr3;
	s.cr4 = cr4;
	s.efer = efer;
	h_set_sregs(h, &s);
	memset(&r, 0, sizeof(r));
	r.rip = CODE;
	r.rsp = STACK_TOP;
	r.rflags = 2;
	h_set_regs(h, &r);
}

struct frame32 {
	uint32_t err, eip, cs, eflags;
};

static void expect_handler32(struct h *h, unsigned vec, bool has_err, struct frame32 *f)
{
	struct kvm_regs r;
	uint64_t sp;

	ck_assert_uint_eq(h_run(h), KVM_EXIT_HLT);
	h_get_regs(h, &r);
	ck_assert_uint_eq(r.rip, HANDLER + vec * 16 + 1);
	sp = r.rsp;
	f->err = has_err ? rd32(h, sp) : 0;
	if (has_err)
		sp += 4;
	f->eip = rd32(h, sp);
	f->cs = rd32(h, sp + 4);
	f->eflags = rd32(h, sp + 8);
}

static uint64_t get_cr2(struct h *h)
{
	struct kvm_sregs s;

	h_get_sregs(h, &s);
	return s.cr2;
}

/*
 * The /dev/kvm of these machines is kvm-pvm: it runs these flat 32-bit
 * snippets, but shuts down on 32-bit and PAE paging and answers INT n
 * from ring 3 with #UD, so those tests run on the soft CPU alone.
 */
#define OPEN_BOTH(h)                 \
	struct h h;                  \
	if (!h_open(&h, _i))         \
		return

#define OPEN_SOFT(h, why)                                        \
	struct h h;                                              \
	if (_i == 1) {                                           \
		printf("skipped on /dev/kvm (kvm-pvm: %s)\n", why); \
		return;                                          \
	}                                                        \
	if (!h_open(&h, false))                                  \
		return

START_TEST(flat_no_paging)
{
	struct frame32 f;
	struct kvm_regs r;

	OPEN_BOTH(h);
	setup_prot(&h, 0, 0, 0, 0);
	put_code(&h, CODE, c32_flat, sizeof(c32_flat));
	expect_handler32(&h, 6, false, &f);
	ck_assert_uint_eq(f.eip, CODE + 15);
	ck_assert_uint_eq(f.cs, SEL_KCODE32);
	ck_assert_uint_eq(f.eflags & ~0x10000u, 2);
	h_get_regs(&h, &r);
	ck_assert_uint_eq(r.rsp, STACK_TOP - 12); /* same privilege: EFLAGS, CS, EIP */
	ck_assert_uint_eq(r.rax, 0x55aa);
	ck_assert_uint_eq(rd32(&h, 0x10000), 0x55aa);
	h_close(&h);
}
END_TEST

START_TEST(paging32_pse)
{
	struct frame32 f;
	struct kvm_regs r;

	OPEN_SOFT(h, "no 32-bit paging");
	memset(h.mem + 0x3000, 0, 0x2000);
	wr32(&h, 0x3000 + 0 * 4, 0x00000000 | 0xe3);        /* 4 MiB page at 0 (P W PS A D) */
	wr32(&h, 0x3000 + 1 * 4, 0x4000 | 0x23);            /* 0x400000: page table */
	wr32(&h, 0x4000 + 0 * 4, 0x11000 | 0x63);           /* 0x400000 -> 0x11000 */
	wr32(&h, 0x3000 + 0x300 * 4, 0x00000000 | 0xe3);    /* 0xc0000000 -> 0 */
	wr32(&h, 0x10000, 0x1234);
	wr32(&h, 0x11000, 0x5678);
	setup_prot(&h, 0x80010000, 0x3000, 0x10 /* PSE */, 0);
	put_code(&h, CODE, c32_pse, sizeof(c32_pse));
	expect_handler32(&h, 14, true, &f);
	ck_assert_uint_eq(f.err, 0); /* not present, read, supervisor */
	ck_assert_uint_eq(f.eip, CODE + 11);
	ck_assert_uint_eq(get_cr2(&h), 0x800000);
	h_get_regs(&h, &r);
	ck_assert_uint_eq(r.rax, 0x1234);
	ck_assert_uint_eq(r.rbx, 0x5678);
	h_close(&h);
}
END_TEST

START_TEST(paging_pae_nx)
{
	struct frame32 f;
	struct kvm_regs r;

	OPEN_SOFT(h, "no PAE paging");
	memset(h.mem + 0x1000, 0, 0x3000);
	memset(h.mem + 0x30000, 0, 0x1000);
	wr64(&h, 0x1000 + 0 * 8, 0x2000 | X86_PTE_P); /* PDPTE: only P (R/W, U/S reserved) */
	wr64(&h, 0x1000 + 3 * 8, 0x30000 | X86_PTE_P);
	wr64(&h, 0x2000 + 0 * 8, 0 | X86_PTE_P | X86_PTE_W | X86_PTE_PS | X86_PTE_A | X86_PTE_D);
	wr64(&h, 0x2000 + 1 * 8, 0x3000 | X86_PTE_P | X86_PTE_W | X86_PTE_A);
	wr64(&h, 0x3000 + 0 * 8, 0x11000 | X86_PTE_P | X86_PTE_W | X86_PTE_A | X86_PTE_D);
	wr64(&h, 0x30000 + 0 * 8, 0 | X86_PTE_P | X86_PTE_W | X86_PTE_PS | X86_PTE_A | X86_PTE_D);
	wr64(&h, 0x30000 + 1 * 8,
	     0x200000 | X86_PTE_P | X86_PTE_W | X86_PTE_PS | X86_PTE_A | X86_PTE_D | X86_PTE_NX);
	wr32(&h, 0x10000, 0x1234);
	wr32(&h, 0x11000, 0x5678);
	setup_prot(&h, 0x80010000, 0x1000, 0x20 /* PAE */, 0x800 /* NXE */);
	put_code(&h, CODE, c32_pae, sizeof(c32_pae));
	expect_handler32(&h, 14, true, &f);
	ck_assert_uint_eq(f.err, 0x11); /* P | I/D */
	ck_assert_uint_eq(f.eip, 0xc0200000);
	ck_assert_uint_eq(get_cr2(&h), 0xc0200000);
	h_get_regs(&h, &r);
	ck_assert_uint_eq(r.rax, 0x1234);
	ck_assert_uint_eq(r.rbx, 0x5678);
	h_close(&h);
}
END_TEST

START_TEST(gp_error_code32)
{
	struct frame32 f;

	OPEN_BOTH(h);
	setup_prot(&h, 0, 0, 0, 0);
	put_code(&h, CODE, c32_gp, sizeof(c32_gp));
	expect_handler32(&h, 13, true, &f);
	ck_assert_uint_eq(f.err, 0x50);
	ck_assert_uint_eq(f.eip, CODE + 4);
	h_close(&h);
}
END_TEST

START_TEST(ring3_interrupt_esp0)
{
	struct kvm_sregs s;
	struct kvm_regs r;
	uint64_t sp;

	OPEN_SOFT(h, "INT n from ring 3 raises #UD");
	setup_prot(&h, 0, 0, 0, 0);
	put_code(&h, 0x8200, c32_user_int, sizeof(c32_user_int));
	idt32_gate(&h, 0x80, HANDLER + 0x80 * 16, 0xe, 3);
	user_segs(&h, false);
	h_get_regs(&h, &r);
	r.rip = 0x8200;
	r.rsp = USTACK_TOP;
	r.rflags = 0x202;
	h_set_regs(&h, &r);
	ck_assert_uint_eq(h_run(&h), KVM_EXIT_HLT);
	h_get_regs(&h, &r);
	ck_assert_uint_eq(r.rip, HANDLER + 0x80 * 16 + 1);
	/* inner stack from TSS ESP0/SS0; frame: SS, ESP, EFLAGS, CS, EIP */
	ck_assert_uint_eq(r.rsp, RSP0_TOP - 20);
	sp = r.rsp;
	ck_assert_uint_eq(rd32(&h, sp), 0x8202);
	ck_assert_uint_eq(rd32(&h, sp + 4), SEL_UCODE32);
	ck_assert_uint_eq(rd32(&h, sp + 8), 0x202);
	ck_assert_uint_eq(rd32(&h, sp + 12), USTACK_TOP);
	ck_assert_uint_eq(rd32(&h, sp + 16), SEL_UDATA);
	h_get_sregs(&h, &s);
	ck_assert_uint_eq(s.ss.selector, SEL_KDATA);
	ck_assert_uint_eq(s.cs.selector, SEL_KCODE32 & ~3);
	ck_assert_uint_eq(r.rflags & 0x200, 0);
	h_close(&h);
}
END_TEST

START_TEST(switch_to_long_mode)
{
	struct kvm_sregs s;
	struct kvm_regs r;

	OPEN_BOTH(h);
	setup_prot(&h, 0, 0, 0, 0);
	write_paging64(&h);
	put_code(&h, CODE, c32_to64, sizeof(c32_to64));
	put_code(&h, 0x8100, c32_to64_tail, sizeof(c32_to64_tail));
	ck_assert_uint_eq(h_run(&h), KVM_EXIT_HLT);
	h_get_regs(&h, &r);
	ck_assert_uint_eq(r.rip, 0x8100 + sizeof(c32_to64_tail));
	ck_assert_uint_eq(r.rax, 0x123456789ULL);
	h_get_sregs(&h, &s);
	ck_assert_uint_eq(s.efer & 0x500, 0x500); /* LME and LMA */
	ck_assert_uint_eq(s.cs.selector, SEL_KCODE64);
	ck_assert_uint_eq(s.cs.l, 1);
	ck_assert_uint_eq(s.cr0 >> 31, 1);
	h_close(&h);
}
END_TEST

/* SYSENTER from ring 3: CS/SS from IA32_SYSENTER_CS (flat, ring 0), ESP/EIP from the MSRs, IF clear. */
START_TEST(sysenter_from_ring3)
{
	struct kvm_sregs s;
	struct kvm_regs r;

	OPEN_BOTH(h);
	setup_prot(&h, 0, 0, 0, 0);
	put_code(&h, 0x8200, c32_sysenter, sizeof(c32_sysenter));
	h.mem[0x9f00] = 0xf4;
	h_set_msr(&h, 0x174, SEL_KCODE32);
	h_set_msr(&h, 0x175, RSP0_TOP);
	h_set_msr(&h, 0x176, 0x9f00);
	user_segs(&h, false);
	h_get_regs(&h, &r);
	r.rip = 0x8200;
	r.rsp = USTACK_TOP;
	r.rflags = 0x202;
	h_set_regs(&h, &r);
	ck_assert_uint_eq(h_run(&h), KVM_EXIT_HLT);
	h_get_regs(&h, &r);
	ck_assert_uint_eq(r.rip, 0x9f01);
	ck_assert_uint_eq(r.rsp, RSP0_TOP);
	ck_assert_uint_eq(r.rflags & 0x200, 0);
	h_get_sregs(&h, &s);
	ck_assert_uint_eq(s.cs.selector, SEL_KCODE32);
	ck_assert_uint_eq(s.ss.selector, SEL_KCODE32 + 8);
	ck_assert_uint_eq(s.cs.dpl, 0);
	h_close(&h);
}
END_TEST

/* SYSEXIT: CS = SYSENTER_CS + 16 | 3, SS = SYSENTER_CS + 24 | 3, EIP = EDX, ESP = ECX. */
START_TEST(sysexit_to_ring3)
{
	struct kvm_regs r;
	uint64_t sp;

	OPEN_BOTH(h);
	setup_prot(&h, 0, 0, 0, 0);
	put_code(&h, CODE, c32_sysexit, sizeof(c32_sysexit));
	put_code(&h, 0x8240, c32_ud, sizeof(c32_ud));
	h_set_msr(&h, 0x174, SEL_KCODE32);
	/* ud2 in ring 3: #UD on the ESP0 stack shows the ring-3 CS:EIP and SS:ESP */
	ck_assert_uint_eq(h_run(&h), KVM_EXIT_HLT);
	h_get_regs(&h, &r);
	ck_assert_uint_eq(r.rip, HANDLER + 6 * 16 + 1);
	ck_assert_uint_eq(r.rsp, RSP0_TOP - 20);
	sp = r.rsp;
	ck_assert_uint_eq(rd32(&h, sp), 0x8240);
	ck_assert_uint_eq(rd32(&h, sp + 4), (SEL_KCODE32 + 16) | 3);
	ck_assert_uint_eq(rd32(&h, sp + 12), USTACK_TOP);
	ck_assert_uint_eq(rd32(&h, sp + 16), (SEL_KCODE32 + 24) | 3);
	h_close(&h);
}
END_TEST

/* Real mode (the power-on state's mode): DS = selector << 4, INT n through the IVT. */
START_TEST(real_mode_segments_and_ivt)
{
	struct kvm_sregs s;
	struct kvm_regs r;

	OPEN_BOTH(h);
	put_code(&h, 0x7c00, c16_real, sizeof(c16_real));
	wr32(&h, 0x21 * 4, 0x0500);  /* IVT[0x21] = 0000:0500 */
	h.mem[0x500] = 0xf4;
	h_get_sregs(&h, &s);
	s.cs.selector = 0;
	s.cs.base = 0;
	h_set_sregs(&h, &s);
	h_get_regs(&h, &r);
	r.rip = 0x7c00;
	r.rsp = 0x7000;
	r.rflags = 0x202;
	h_set_regs(&h, &r);
	ck_assert_uint_eq(h_run(&h), KVM_EXIT_HLT);
	h_get_regs(&h, &r);
	ck_assert_uint_eq(r.rip, 0x501);
	ck_assert_uint_eq(rd32(&h, 0x1010) & 0xffff, 0x4321);
	/* FLAGS, CS, IP pushed as words; IF cleared */
	ck_assert_uint_eq(r.rsp, 0x7000 - 6);
	ck_assert_uint_eq(rd32(&h, 0x7000 - 6) & 0xffff, 0x7c00 + sizeof(c16_real));
	ck_assert_uint_eq(rd32(&h, 0x7000 - 4) & 0xffff, 0);
	ck_assert_uint_eq(rd32(&h, 0x7000 - 2) & 0xffff, 0x202);
	ck_assert_uint_eq(r.rflags & 0x200, 0);
	h_get_sregs(&h, &s);
	ck_assert_uint_eq(s.ds.base, 0x1000);
	h_close(&h);
}
END_TEST

/* The state after KVM_CREATE_VCPU: SDM 9.1.1 power-on values, as KVM reports them. */
START_TEST(power_on_state)
{
	struct kvm_sregs s;
	struct kvm_regs r;

	OPEN_BOTH(h);
	h_get_regs(&h, &r);
	ck_assert_uint_eq(r.rip, 0xfff0);
	ck_assert_uint_eq(r.rflags, 2);
	ck_assert_uint_eq(r.rdx, 0x600);
	ck_assert_uint_eq(r.rsp, 0);
	h_get_sregs(&h, &s);
	ck_assert_uint_eq(s.cs.selector, 0xf000);
	ck_assert_uint_eq(s.cs.base, 0xffff0000);
	ck_assert_uint_eq(s.cs.limit, 0xffff);
	ck_assert_uint_eq(s.cs.type, 0xb);
	ck_assert_uint_eq(s.ds.base, 0);
	ck_assert_uint_eq(s.ds.type, 3);
	ck_assert_uint_eq(s.tr.type, 0xb);
	ck_assert_uint_eq(s.ldt.type, 2);
	ck_assert_uint_eq(s.gdt.limit, 0xffff);
	ck_assert_uint_eq(s.idt.limit, 0xffff);
	ck_assert_uint_eq(s.cr0, 0x60000010);
	ck_assert_uint_eq(s.cr4, 0);
	ck_assert_uint_eq(s.efer, 0);
	ck_assert_uint_eq(s.apic_base, 0xfee00900);
	h_close(&h);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("soft_sys_prot");
	TCase *tc = tcase_create("prot");

	tcase_add_loop_test(tc, power_on_state, 0, 2);
	tcase_add_loop_test(tc, flat_no_paging, 0, 2);
	tcase_add_loop_test(tc, paging32_pse, 0, 2);
	tcase_add_loop_test(tc, paging_pae_nx, 0, 2);
	tcase_add_loop_test(tc, gp_error_code32, 0, 2);
	tcase_add_loop_test(tc, ring3_interrupt_esp0, 0, 2);
	tcase_add_loop_test(tc, switch_to_long_mode, 0, 2);
	tcase_add_loop_test(tc, sysenter_from_ring3, 0, 2);
	tcase_add_loop_test(tc, sysexit_to_ring3, 0, 2);
	tcase_add_loop_test(tc, real_mode_segments_and_ivt, 0, 2);
	tcase_set_timeout(tc, 20);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run_suite(suite());
}
