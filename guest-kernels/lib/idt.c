// SPDX-License-Identifier: MIT
#include "idt.h"
#include "cpu.h"
#include "guest.h"
#include "printf.h"

/* One 16-byte long-mode gate descriptor (SDM vol. 3, 6.14.1). */
struct idt_gate {
	uint16_t offset_lo;
	uint16_t selector;
	uint8_t ist;
	uint8_t type_attr;
	uint16_t offset_mid;
	uint32_t offset_hi;
	uint32_t reserved;
} __attribute__((packed));

struct idt_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

#define GATE_PRESENT 0x80
#define GATE_INTERRUPT 0x0e

/* Stub addresses, emitted by lib/isr.S. */
extern const uint64_t isr_stub_table[256];

static struct idt_gate idt[256] __attribute__((aligned(16)));
static trap_handler_t handlers[256];

void idt_init(void)
{
	struct idt_ptr ptr;

	for (unsigned v = 0; v < 256; v++) {
		uint64_t a = isr_stub_table[v];

		idt[v] = (struct idt_gate){
		    .offset_lo = (uint16_t)a,
		    .selector = KERNEL_CS,
		    .ist = 0,
		    .type_attr = GATE_PRESENT | GATE_INTERRUPT,
		    .offset_mid = (uint16_t)(a >> 16),
		    .offset_hi = (uint32_t)(a >> 32),
		    .reserved = 0,
		};
	}
	ptr.limit = sizeof(idt) - 1;
	ptr.base = (uint64_t)(uintptr_t)idt;
	__asm__ volatile("lidt %0" : : "m"(ptr) : "memory");
}

void idt_set_user_gate(unsigned vec)
{
	idt[vec & 0xff].type_attr |= 3 << 5;
}

void idt_set_ist(unsigned vec, unsigned ist)
{
	idt[vec & 0xff].ist = (uint8_t)(ist & 7);
}

void idt_set_handler(unsigned vec, trap_handler_t fn)
{
	handlers[vec & 0xff] = fn;
}

const char *trap_name(uint64_t vector)
{
	static const char *const names[] = {
	    "#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "CSO",
	    "#TS", "#NP", "#SS", "#GP", "#PF", "RSV", "#MF", "#AC", "#MC", "#XM",
	};

	return vector < sizeof(names) / sizeof(names[0]) ? names[vector] : "int";
}

void trap_dump(const struct trap_frame *tf)
{
	kprintf("trap: vector %lu (%s) error 0x%lx\n", tf->vector, trap_name(tf->vector),
		tf->error_code);
	kprintf("  rip %p cs 0x%lx rflags 0x%lx rsp %p ss 0x%lx\n", (void *)tf->rip, tf->cs,
		tf->rflags, (void *)tf->rsp, tf->ss);
	kprintf("  rax %p rbx %p rcx %p rdx %p\n", (void *)tf->rax, (void *)tf->rbx,
		(void *)tf->rcx, (void *)tf->rdx);
	kprintf("  rsi %p rdi %p rbp %p r8  %p\n", (void *)tf->rsi, (void *)tf->rdi,
		(void *)tf->rbp, (void *)tf->r8);
	kprintf("  r9  %p r10 %p r11 %p r12 %p\n", (void *)tf->r9, (void *)tf->r10, (void *)tf->r11,
		(void *)tf->r12);
	kprintf("  r13 %p r14 %p r15 %p cr2 %p\n", (void *)tf->r13, (void *)tf->r14,
		(void *)tf->r15, (void *)read_cr2());
}

void trap_dispatch(struct trap_frame *tf)
{
	trap_handler_t fn = handlers[tf->vector & 0xff];

	if (fn) {
		fn(tf);
		return;
	}
	trap_dump(tf);
	debug_exit(GUEST_EXIT_TRAP);
}
