// SPDX-License-Identifier: MIT
/*
 * rings: the test kernel of the software CPU issue. A 64-bit kernel linked
 * in the higher half that takes and handles #PF (demand paging), #GP, #DE
 * and #UD, runs a program in ring 3 and comes back through syscall and
 * through an int 0x80 gate, and faults from ring 3 too. Every line it
 * prints is deterministic (no host-dependent values), so its output under
 * QEMU and under minivmm can be compared byte for byte.
 */
#include "cpu.h"
#include "guest.h"
#include "idt.h"
#include "kstring.h"
#include "printf.h"
#include "rings.h"

/* Set just before an instruction meant to fault in ring 0: where the handler resumes. */
static volatile uint64_t fixup_rip;

static struct {
	unsigned pf, gp, de, ud, syscalls, int80s, user_faults;
} seen;

static uint8_t trap_stack[16384] __attribute__((aligned(16)));
static uint8_t df_stack[4096] __attribute__((aligned(16)));

static void unexpected(struct trap_frame *tf) __attribute__((noreturn));
static int user_range_ok(uint64_t p, uint64_t len);

/* Faults from ring 3 are reported and the program continues at the address it left in r15. */
static int user_fault(struct trap_frame *tf)
{
	if ((tf->cs & 3) != 3)
		return 0;
	/* The program faults on purpose exactly twice, each time with a resume address. */
	if (++seen.user_faults > 2 || !user_range_ok(tf->r15, 1))
		unexpected(tf);
	kprintf("  ring 3 fault: %s error 0x%lx at user rip 0x%lx, cs 0x%lx ss 0x%lx\n",
		trap_name(tf->vector), tf->error_code, tf->rip, tf->cs, tf->ss);
	tf->rip = tf->r15;
	return 1;
}

/* A ring-0 fault we provoked on purpose: resume at the fixup address. */
static int kernel_fixup(struct trap_frame *tf)
{
	if (!fixup_rip)
		return 0;
	tf->rip = fixup_rip;
	fixup_rip = 0;
	return 1;
}

static void unexpected(struct trap_frame *tf)
{
	kprintf("rings: unexpected trap\n");
	trap_dump(tf);
	debug_exit(GUEST_EXIT_TRAP);
}

static void on_page_fault(struct trap_frame *tf)
{
	uint64_t cr2 = read_cr2();
	void *page;

	seen.pf++;
	if (user_fault(tf))
		return;
	if ((tf->cs & 3) == 0 && cr2 - DEMAND_BASE < DEMAND_SIZE) {
		page = page_alloc();
		if (!page || map_page(cr2 & ~0xffful, virt_to_phys(page), PTE_W) != 0)
			unexpected(tf);
		kprintf("  #PF at 0x%lx error 0x%lx: mapped a page, retrying\n", cr2, tf->error_code);
		return;
	}
	unexpected(tf);
}

static void on_general_protection(struct trap_frame *tf)
{
	seen.gp++;
	if (user_fault(tf))
		return;
	kprintf("  #GP error 0x%lx in ring %lu: skipped\n", tf->error_code, tf->cs & 3);
	if (!kernel_fixup(tf))
		unexpected(tf);
}

static void on_divide_error(struct trap_frame *tf)
{
	seen.de++;
	kprintf("  #DE error 0x%lx, rax 0x%lx: skipped\n", tf->error_code, tf->rax);
	if (!kernel_fixup(tf))
		unexpected(tf);
}

static void on_invalid_opcode(struct trap_frame *tf)
{
	const uint8_t *insn = (const uint8_t *)tf->rip;

	seen.ud++;
	kprintf("  #UD on bytes %02x %02x: skipped\n", insn[0], insn[1]);
	if (!kernel_fixup(tf))
		unexpected(tf);
}

static void on_int80(struct trap_frame *tf)
{
	if ((tf->cs & 3) != 3)
		unexpected(tf);
	tf->rax = syscall_dispatch(tf->rax, tf->rdi, tf->rsi, 1);
}

/* Copy a user buffer only if it lies wholly inside the user program's pages. */
static int user_range_ok(uint64_t p, uint64_t len)
{
	uint64_t size = (uint64_t)(uintptr_t)user_size;

	return p >= USER_BASE && len <= size && p - USER_BASE <= size - len;
}

uint64_t syscall_dispatch(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t path)
{
	const char *how = path ? "int 0x80" : "syscall";

	if (path)
		seen.int80s++;
	else
		seen.syscalls++;
	switch (nr) {
	case SYS_WRITE:
		kprintf("  %s: write(%lu bytes)\n", how, a1);
		if (!user_range_ok(a0, a1))
			return (uint64_t)-1;
		for (uint64_t i = 0; i < a1; i++)
			kprintf("%c", ((const char *)(uintptr_t)a0)[i]);
		return a1;
	case SYS_ADD:
		kprintf("  %s: add(%lu, %lu)\n", how, a0, a1);
		return a0 + a1;
	case SYS_EXIT:
		kprintf("  %s: exit(%lu)\n", how, a0);
		if (!path)
			__asm__ volatile("swapgs"); /* leave as syscall_entry would */
		return_to_kernel(a0);
	default:
		kprintf("  %s: unknown system call %lu\n", how, nr);
		return (uint64_t)-1;
	}
}

static int check_higher_half(void)
{
	uint64_t rip;

	__asm__ volatile("leaq 0(%%rip), %0" : "=r"(rip));
	kprintf("kernel: running in the higher half: %s\n", rip >= KERNEL_VBASE ? "yes" : "no");
	return rip >= KERNEL_VBASE ? 0 : -1;
}

static int test_page_faults(void)
{
	volatile uint64_t *a = (volatile uint64_t *)DEMAND_BASE;
	volatile uint64_t *b = (volatile uint64_t *)(DEMAND_BASE + 0x1008);
	uint64_t va, vb;

	kprintf("test #PF: demand paging at 0x%lx\n", DEMAND_BASE);
	*a = 0x1234abcd;
	*b = 0x5678ef01;
	va = *a;
	vb = *b;
	kprintf("  read back 0x%lx and 0x%lx\n", va, vb);
	return va == 0x1234abcd && vb == 0x5678ef01 ? 0 : -1;
}

static void test_general_protection(void)
{
	uint64_t out = 0;

	kprintf("test #GP: non-canonical load\n");
	__asm__ volatile("leaq 1f(%%rip), %%rax\n\t"
			 "movq %%rax, %1\n\t"
			 "movabsq $0x8000000000000000, %%rax\n\t"
			 "movq (%%rax), %0\n"
			 "1:"
			 : "+r"(out), "=m"(fixup_rip)
			 :
			 : "rax", "memory");
	kprintf("test #GP: selector past the GDT limit\n");
	__asm__ volatile("leaq 1f(%%rip), %%rax\n\t"
			 "movq %%rax, %0\n\t"
			 "movl $0x4b, %%eax\n\t"
			 "movl %%eax, %%fs\n"
			 "1:"
			 : "=m"(fixup_rip)
			 :
			 : "rax", "memory");
}

static void test_divide_error(void)
{
	kprintf("test #DE: divide by zero\n");
	__asm__ volatile("leaq 1f(%%rip), %%rax\n\t"
			 "movq %%rax, %0\n\t"
			 "movl $7, %%eax\n\t"
			 "xorl %%edx, %%edx\n\t"
			 "xorl %%ecx, %%ecx\n\t"
			 "divl %%ecx\n"
			 "1:"
			 : "=m"(fixup_rip)
			 :
			 : "rax", "rcx", "rdx", "memory");
}

static void test_invalid_opcode(void)
{
	kprintf("test #UD: ud2\n");
	__asm__ volatile("leaq 1f(%%rip), %%rax\n\t"
			 "movq %%rax, %0\n\t"
			 "ud2\n"
			 "1:"
			 : "=m"(fixup_rip)
			 :
			 : "rax", "memory");
}

static int run_user_program(void)
{
	uint64_t pa = (uint64_t)(uintptr_t)user_phys_start;
	uint64_t size = (uint64_t)(uintptr_t)user_size;
	uint64_t entry = USER_BASE + (uint64_t)(uintptr_t)user_entry_offset;
	uint64_t result;
	void *stack = page_alloc();

	for (uint64_t off = 0; off < size; off += 4096)
		if (map_page(USER_BASE + off, pa + off, PTE_U) != 0)
			return -1;
	if (!stack || map_page(USER_STACK_TOP - 4096, virt_to_phys(stack), PTE_U | PTE_W) != 0)
		return -1;

	kprintf("test ring 3: iretq to 0x%lx (cs 0x%x ss 0x%x)\n", entry, SEL_UCODE, SEL_UDATA);
	result = enter_user(entry, USER_STACK_TOP);
	kprintf("  back in ring %u, user exit code %lu\n", read_cs() & 3, result);
	return result == 42 ? 0 : -1;
}

int guest_main(const char *cmdline)
{
	int failed = 0;

	(void)cmdline;
	kprintf("minivmm rings guest\n");
	failed |= check_higher_half();

	gdt_init((uint64_t)(uintptr_t)(trap_stack + sizeof(trap_stack)),
		 (uint64_t)(uintptr_t)(df_stack + sizeof(df_stack)));
	idt_set_ist(VEC_DF, 1);
	idt_set_handler(VEC_PF, on_page_fault);
	idt_set_handler(VEC_GP, on_general_protection);
	idt_set_handler(VEC_DE, on_divide_error);
	idt_set_handler(VEC_UD, on_invalid_opcode);
	idt_set_handler(0x80, on_int80);
	idt_set_user_gate(0x80);
	percpu_kernel_rsp = (uint64_t)(uintptr_t)(trap_stack + sizeof(trap_stack));
	syscall_init_msrs();

	failed |= test_page_faults();
	test_general_protection();
	test_divide_error();
	test_invalid_opcode();
	failed |= run_user_program();

	kprintf(
	    "summary: #PF %u, #GP %u, #DE %u, #UD %u, ring-3 faults %u, syscall %u, int 0x80 %u\n",
	    seen.pf, seen.gp, seen.de, seen.ud, seen.user_faults, seen.syscalls, seen.int80s);
	if (seen.pf != 3 || seen.gp != 3 || seen.de != 1 || seen.ud != 1 || seen.user_faults != 2 ||
	    seen.syscalls != 2 || seen.int80s != 2)
		failed = 1;
	kprintf("rings: %s\n", failed ? "FAILED" : "all checks passed");
	return failed ? 1 : 0;
}
