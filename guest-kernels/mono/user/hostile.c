// SPDX-License-Identifier: MIT
/*
 * A hostile user program for mono. a0 picks the attack; each ends with an
 * access the hardware refuses, and the kernel must kill the program and go
 * on with the next one:
 *   0: hand the kernel a pointer into kernel memory (the call must fail
 *      with E_FAULT), then read that memory directly (#PF)
 *   1: write to the UART port itself (#GP: ring 3 has no I/O permission)
 *   2: spin without ever calling the kernel (only with a timer: the
 *      kernel preempts it at every tick and kills it after HOG_TICKS)
 */
#include "printf.h"
#include "ulib.h"

/* The kernel image, identity mapped but supervisor-only. */
#define KERNEL_ADDR 0x100000ul

int main(uint64_t attack, uint64_t a1)
{
	char line[96];

	(void)a1;
	if (attack == 2) {
		uputs("hostile: spinning without system calls\n");
		for (;;)
			__asm__ volatile("" ::: "memory");
	}
	if (attack == 0) {
		ksnprintf(line, sizeof(line), "hostile: write(kernel memory) returned %ld\n",
			  (long)sys_write((const char *)KERNEL_ADDR, 16));
		uputs(line);
		uputs("hostile: reading kernel memory\n");
		return *(volatile uint8_t *)KERNEL_ADDR;
	}
	uputs("hostile: writing to the UART port directly\n");
	__asm__ volatile("outb %%al, %%dx" : : "a"('!'), "d"(0x3f8));
	return 0;
}
