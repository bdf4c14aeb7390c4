// SPDX-License-Identifier: MIT
/*
 * Hostile programs for micro; a0 picks the attack. Each ends with an
 * access the hardware refuses, and the kernel must kill the thread while
 * the servers go on:
 *   0: write a sector through the block server directly, around the file
 *      server (the block server refuses: E_PERM), send a bulk message
 *      longer than the IPC window (refused by the kernel with E_INVAL),
 *      then read the address where the block server has the
 *      device window: not mapped here (#PF, not present)
 *   1: write to the UART port, which only the serial server is granted
 *      (#GP from the TSS I/O bitmap)
 */
#include "printf.h"
#include "ulib.h"
#include "uspace.h"

static char window[IPC_WINDOW] __attribute__((aligned(4096)));

int main(uint64_t attack, uint64_t a1, uint64_t a2)
{
	const uint64_t too_long[4] = {SER_WRITE, 0, 0, IPC_WINDOW + 1};
	const uint64_t raw_write[4] = {BLK_WRITE, 0, 0, 512};
	struct msg r;
	char line[96];

	(void)a1;
	(void)a2;
	ipc_window(window);
	if (attack == 0) {
		ipc_call(TID_BLOCK, raw_write, &r);
		ksnprintf(line, sizeof(line), "hostile: block server write returned %ld\n",
			  (long)r.w[0]);
		uputs(window, line);
		ksnprintf(line, sizeof(line), "hostile: oversized message returned %ld\n",
			  (long)ipc_call(TID_SERIAL, too_long, NULL));
		uputs(window, line);
		uputs(window, "hostile: reading the block server's device window\n");
		return *(volatile uint8_t *)USER_IO_BASE;
	}
	uputs(window, "hostile: writing to the UART port directly\n");
	__asm__ volatile("outb %%al, %%dx" : : "a"('!'), "d"(0x3f8));
	return 0;
}
