/* SPDX-License-Identifier: MIT */
/* Internal interfaces of the rings test kernel. */
#ifndef RINGS_H
#define RINGS_H

#ifndef __ASSEMBLER__
#include <stdint.h>
#endif

/* The GDT and TSS (selectors, gdt_init()) are the guest library's, lib/gdt.h. */
#include "gdt.h"

/* Where the user program runs (see rings.ld) and its stack. */
#define USER_BASE 0x8000000000ul
#define USER_STACK_TOP (USER_BASE + 0x200000ul)

/* Kernel addresses faulted in on demand by the #PF handler. */
#define DEMAND_BASE 0xffffffffc0000000ul
#define DEMAND_SIZE 0x200000ul

/* System call numbers (rax), for both syscall and int 0x80 (user.S uses the same values). */
#define SYS_WRITE 1
#define SYS_ADD 2
#define SYS_EXIT 3

/* Page-table entry bits. */
#define PTE_P 0x001ul
#define PTE_W 0x002ul
#define PTE_U 0x004ul
#define PTE_PS 0x080ul

#ifndef __ASSEMBLER__
/* paging.c: a zeroed 4 KiB page from a static pool (NULL when exhausted). */
void *page_alloc(void);
/* Map one 4 KiB page va -> pa in the current tables; 0 or -1 (no memory or a large page in the
 * way). */
int map_page(uint64_t va, uint64_t pa, uint64_t flags);

/* user_mode.S */
void syscall_init_msrs(void);
/* iretq to ring 3 at rip with stack rsp; returns the value passed to return_to_kernel(). */
uint64_t enter_user(uint64_t rip, uint64_t rsp);
void return_to_kernel(uint64_t value) __attribute__((noreturn));
extern uint64_t percpu_kernel_rsp;

/* main.c: the C side of syscall (path 0) and int 0x80 (path 1). */
uint64_t syscall_dispatch(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t path);

/* rings.ld: physical load address and size of the user program, offset of user.S's entry. */
extern const char user_phys_start[], user_size[], user_entry_offset[];
#endif

#endif
