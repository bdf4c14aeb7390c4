/* SPDX-License-Identifier: MIT */
/*
 * 64-bit IDT with one assembly stub per vector (lib/isr.S). Every stub
 * saves all general registers into a struct trap_frame and calls
 * trap_dispatch(): a handler registered for the vector runs and the CPU
 * resumes from the (possibly modified) frame; without a handler the vector,
 * error code and registers are printed and the guest exits with
 * GUEST_EXIT_TRAP.
 */
#ifndef GUEST_IDT_H
#define GUEST_IDT_H

#include <stdint.h>

/* Kernel code selector of the boot GDT (lib/entry.S); guests keep it. */
#define KERNEL_CS 0x08
#define KERNEL_DS 0x10

enum {
	VEC_DE = 0,
	VEC_DB = 1,
	VEC_BP = 3,
	VEC_UD = 6,
	VEC_DF = 8,
	VEC_GP = 13,
	VEC_PF = 14,
};

/* Layout fixed by lib/isr.S: pushed registers, then vector and error code, then the CPU's frame. */
struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector;
	uint64_t error_code; /* 0 for vectors without one */
	uint64_t rip, cs, rflags, rsp, ss;
};

typedef void (*trap_handler_t)(struct trap_frame *tf);

/* Fill all 256 gates (interrupt gates, DPL 0, KERNEL_CS) and load the IDT. */
void idt_init(void);
/* Let ring 3 raise vec with INT n (gate DPL 3). */
void idt_set_user_gate(unsigned vec);
/* Use interrupt stack table entry ist (1-7, 0 = none) for vec. */
void idt_set_ist(unsigned vec, unsigned ist);
/* Register fn for vec (NULL restores the default dump-and-exit). */
void idt_set_handler(unsigned vec, trap_handler_t fn);
/* Print vector, its name, error code and all registers. */
void trap_dump(const struct trap_frame *tf);
/* Short name of an exception vector ("#PF"), or "int". */
const char *trap_name(uint64_t vector);

/* Called from lib/isr.S only. */
void trap_dispatch(struct trap_frame *tf);

#endif
