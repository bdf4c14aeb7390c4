/* SPDX-License-Identifier: MIT */
/*
 * The frame every bundled guest runs in.
 *
 * Boot path (lib/entry.S, lib/start.c): the PVH entry writes the marker
 * 0xa5 to port 0x80 as its very first instruction, switches to long mode
 * with identity page tables (2 MiB pages over the first 4 GiB, plus an
 * alias of the first GiB at KERNEL_VBASE), calls lib_start(), which
 * initialises the UART, parses start_info and installs the IDT, then calls
 * the guest's own guest_main() and exits through isa-debug-exit with its
 * return value.
 */
#ifndef GUEST_GUEST_H
#define GUEST_GUEST_H

#include <stdint.h>

/* Port of QEMU's isa-debug-exit device (iosize 4). */
#define DEBUG_EXIT_PORT 0xf4
/* POST port and the marker every guest writes first (issue 5 counts from it). */
#define POST_PORT 0x80
#define GUEST_MARKER 0xa5

/* Exit codes the library itself uses (guests use 0 for success). */
#define GUEST_EXIT_TRAP 0x7d /* unexpected exception */
#define GUEST_EXIT_BOOT 0x7e /* bad start_info */

/* Higher-half alias of physical 0..1 GiB set up by the entry code. */
#define KERNEL_VBASE 0xffffffff80000000ul

/* Each guest defines this; cmdline is never NULL ("" when there is none). */
int guest_main(const char *cmdline);

/* Called by entry.S in long mode; never returns. */
void lib_start(uint32_t start_info_paddr) __attribute__((noreturn));

/* Write v to isa-debug-exit (one 32-bit OUT); halts forever if nothing stops us. */
void debug_exit(uint32_t code) __attribute__((noreturn));

/* cli; hlt forever. */
void halt_forever(void) __attribute__((noreturn));

#ifdef GUEST_USER
/*
 * Library code built for ring 3 (GUEST_USER, see lib/uspace.h): a user-mode
 * driver, such as the microkernel's block server, cannot derive physical
 * addresses from its own pointers; its program defines this from what its
 * kernel told it.
 */
uint64_t user_virt_to_phys(const void *p);
#define virt_to_phys user_virt_to_phys
#else
/* Translation between the guest's own pointers and guest-physical addresses. */
static inline uint64_t virt_to_phys(const void *p)
{
	uint64_t v = (uint64_t)(uintptr_t)p;

	return v >= KERNEL_VBASE ? v - KERNEL_VBASE : v;
}
#endif

/* Physical memory below 4 GiB is identity mapped (kernel-only). */
static inline void *phys_to_virt(uint64_t pa)
{
	return (void *)(uintptr_t)pa;
}

#endif
