// SPDX-License-Identifier: MIT
/*
 * hello: the bundled guest. Shows that the boot path works end to end:
 * PVH entry, long mode, IDT (one deliberate #UD through it), the UART and
 * the command line from start_info. Prints only text that is the same on
 * every VMM (no addresses, no memory sizes), so outputs can be compared.
 */
#include "bootinfo.h"
#include "cpu.h"
#include "guest.h"
#include "idt.h"
#include "printf.h"

/*
 * A ud2 rather than an int3: INT n/INT3 need KVM to re-inject a software
 * interrupt, which fails with an emulation error on nested AMD hosts
 * without NRIPS; #UD is an ordinary fault everywhere.
 */
static unsigned undefined_opcodes;

static void on_invalid_opcode(struct trap_frame *tf)
{
	const uint8_t *insn = (const uint8_t *)tf->rip;

	undefined_opcodes++;
	kprintf("idt: vector %lu (%s) error 0x%lx from ring %lu at ud2: %s\n", tf->vector,
		trap_name(tf->vector), tf->error_code, tf->cs & 3,
		insn[0] == 0x0f && insn[1] == 0x0b ? "yes" : "no");
	/* #UD is a fault: RIP points at the ud2, so step over its two bytes. */
	tf->rip += 2;
}

int guest_main(const char *cmdline)
{
	const struct hvm_start_info *si = start_info();

	kprintf("minivmm hello guest\n");
	kprintf("long mode: %s, paging: %s\n", (rdmsr(MSR_EFER) & EFER_LMA) ? "on" : "off",
		(read_cr0() & CR0_PG) ? "on" : "off");
	kprintf("start_info: magic 0x%x version %u\n", si->magic, si->version);
	kprintf("cmdline: \"%s\"\n", cmdline);

	idt_set_handler(VEC_UD, on_invalid_opcode);
	__asm__ volatile("ud2" ::: "memory");
	if (undefined_opcodes != 1) {
		kprintf("idt: #UD handler ran %u times\n", undefined_opcodes);
		return 1;
	}
	kprintf("hello: done, exiting with 0\n");
	return 0;
}
