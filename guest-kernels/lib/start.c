// SPDX-License-Identifier: MIT
/* Common C start for every guest: devices, boot info, IDT, then guest_main(). */
#include "guest.h"
#include "idt.h"
#include "io.h"
#include "printf.h"
#include "bootinfo.h"
#include "uart.h"

void halt_forever(void)
{
	for (;;)
		__asm__ volatile("cli; hlt");
}

void debug_exit(uint32_t code)
{
	outl(DEBUG_EXIT_PORT, code);
	halt_forever();
}

void lib_start(uint32_t start_info_paddr)
{
	uart_init();
	if (start_info_init(start_info_paddr) != 0) {
		kprintf("boot: no valid PVH start_info at 0x%x\n", start_info_paddr);
		debug_exit(GUEST_EXIT_BOOT);
	}
	idt_init();
	debug_exit((uint32_t)guest_main(start_info_cmdline()));
}
