/* SPDX-License-Identifier: MIT */
/*
 * Ring-3 processes for the OS-architecture guests (mono, micro, exo): the
 * machine part every one of those kernels needs and none of them is about.
 *
 *  - lib/gdt.h's GDT and TSS, whose I/O permission bitmap denies every
 *    port to ring 3 until a kernel grants some (gdt_allow_ports()): this is
 *    how the microkernel gives only its serial server the UART.
 *  - Two ways in from ring 3, both ending in the same struct trap_frame
 *    (lib/idt.h) and the kernel's handler for the vector: `syscall`
 *    (pseudo-vector USER_SYSCALL_VEC; the entry is lib/uspace_entry.S) and
 *    `int 0x80` (a DPL-3 gate). Both return with iretq from the frame, so a
 *    kernel switches threads by saving the frame into one thread and
 *    copying another thread's saved frame over it.
 *  - One kernel stack (TSS.RSP0): a blocked thread's whole state is its
 *    saved frame, never a kernel stack, so nothing is left on the stack
 *    between two entries.
 *  - Address spaces: each process has its own PML4. The kernel's halves
 *    (slot 0: physical 0..4 GiB identity, slot 511: the higher-half alias)
 *    are shared supervisor-only entries; slot 1 (USER_BASE) holds the
 *    process's own memory, one physically contiguous block mapped
 *    read/write/user, plus any device window its kernel maps for it.
 *
 * User programs are flat binaries linked at USER_BASE (lib/user.ld) with
 * their entry first; they start with rdi, rsi set by their kernel and rsp
 * at the top of their memory.
 */
#ifndef GUEST_USPACE_H
#define GUEST_USPACE_H

#include "gdt.h"

#ifndef __ASSEMBLER__
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "idt.h"
#endif

#define USER_BASE 0x8000000000ul
/* Where device windows are mapped in a process (1 GiB above its memory). */
#define USER_IO_BASE (USER_BASE + 0x40000000ul)
/* Largest process memory: one page table's worth. */
#define USER_MEM_MAX 0x200000ul

/* Trap-frame vectors of the two ways in (idt_set_handler() takes them). */
#define USER_INT_VEC 0x80
#define USER_SYSCALL_VEC 0x81 /* a DPL-0 gate: ring 3 cannot raise it with INT */

#ifdef __ASSEMBLER__
/*
 * Embed a user program's flat binary (found through the assembler's -I
 * path) between the symbols NAME_start and NAME_end, in .rodata.
 */
/* clang-format off */
#define USER_PROGRAM(name, file)		\
	.section .rodata;			\
	.balign 16;				\
	.globl name##_start, name##_end;	\
	name##_start:				\
	.incbin file;				\
	name##_end:
/* clang-format on */
#else
struct uspace {
	uint64_t pml4_pa; /* what CR3 gets */
	uint64_t mem_pa;  /* the process memory, contiguous, mapped at USER_BASE */
	uint64_t mem_size;
};

/* GDT and TSS (all ports denied), the syscall MSRs, the int 0x80 gate. */
void uspace_init(void);

/*
 * A new address space with mem_size bytes (page multiple, <= USER_MEM_MAX)
 * of zeroed memory at USER_BASE, the image copied to its start. 0 or -1
 * (out of memory, image too big).
 */
int uspace_create(struct uspace *as, const void *image, size_t image_len, size_t mem_size);

/* Map len bytes of device memory at physical pa, uncached, at USER_IO_BASE + (pa & 0xfff). 0/-1. */
int uspace_map_io(struct uspace *as, uint64_t pa, uint64_t len, uint64_t *user_va);

/*
 * Map one page of RAM at physical pa, read/write, at va, which must lie
 * between the process memory and USER_BASE + USER_MEM_MAX (the exokernel
 * hands out pages this way). 0 or -1.
 */
int uspace_map_page(struct uspace *as, uint64_t va, uint64_t pa);
/* Remove the page at va (no effect when nothing is mapped there). */
void uspace_unmap_page(struct uspace *as, uint64_t va);

/*
 * The kernel's pointer to [va, va + len) of as, or NULL unless that range
 * lies wholly inside the process memory: every user pointer a kernel
 * follows goes through here.
 */
void *uspace_ptr(const struct uspace *as, uint64_t va, uint64_t len);

/* Load CR3 with as, or with the boot tables for NULL. */
void uspace_switch(const struct uspace *as);

/* A frame that starts a process at its entry with rdi = a0, rsi = a1. */
void uspace_frame_init(const struct uspace *as, struct trap_frame *tf, uint64_t a0, uint64_t a1);

/* Enter ring 3 (or resume any frame) from kernel code: iretq from tf; the kernel stack is reset. */
void uspace_resume(const struct trap_frame *tf) __attribute__((noreturn));

/* Read the time-stamp counter (allowed in ring 3 too: CR4.TSD is clear). */
static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}
#endif

#endif
