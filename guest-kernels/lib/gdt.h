/* SPDX-License-Identifier: MIT */
/*
 * A GDT for guests with a ring 3: kernel and user segments and a 64-bit
 * TSS (SDM vol. 3, 8.7) whose I/O permission bitmap denies every port to
 * ring 3 until gdt_allow_ports() grants some (SDM vol. 1, 18.5.2).
 */
#ifndef GUEST_GDT_H
#define GUEST_GDT_H

/* Selectors. STAR needs user data at +8 and user code at +16 of SEL_USER_BASE. */
#define SEL_KCODE 0x08
#define SEL_KDATA 0x10
#define SEL_USER_BASE 0x18
#define SEL_UDATA (0x20 | 3)
#define SEL_UCODE (0x28 | 3)
#define SEL_TSS 0x30

#ifndef __ASSEMBLER__
#include <stdbool.h>
#include <stdint.h>

/* Load the GDT and the TSS: RSP0 (stack for entries from ring 3) and IST1 (0: none). */
void gdt_init(uint64_t rsp0, uint64_t ist1);

/* Allow (or deny again) ring 3 the ports [first, first + count). */
void gdt_allow_ports(unsigned first, unsigned count, bool allow);
#endif

#endif
