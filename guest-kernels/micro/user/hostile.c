// SPDX-License-Identifier: MIT
/*
 * Hostile programs for micro; a0 picks the attack. Each ends with an
 * access the hardware refuses, and the kernel must kill the thread while
 * the servers go on:
 *   0: write a sector through the block server directly, around the file
 *      server (the block server refuses: E_PERM), send a bulk message
 *      longer than the IPC window (refused by the kernel with E_INVAL),
 *      grant pages it does not own: a kernel address and GRANT_VA while
 *      it holds no grant (E_FAULT), grant with a send (E_INVAL), then grant
 *      a page of its own to thread 6 (attack 2) and report what it read
 *      there; finally read the address where the block server has the
 *      device window: not mapped here (#PF, not present)
 *   1: write to the UART port, which only the serial server is granted
 *      (#GP from the TSS I/O bitmap)
 *   2: receive that grant, read the page, reply, then read the page
 *      again: the reply ended the grant, so it is gone (#PF, not present)
 *   3: spin without ever calling the kernel (started only when there is a
 *      timer: the kernel preempts it at every tick and kills it after
 *      HOG_TICKS, interrupts.c)
 */
#include "printf.h"
#include "ulib.h"
#include "uspace.h"

#define TID_GRANTEE 6
#define PATTERN 0x6772616e74656421ul /* "!detnarg" */
#define KERNEL_ADDRESS 0xffffffff80100000ul

static char window[IPC_WINDOW] __attribute__((aligned(4096)));
static uint64_t own_page[512] __attribute__((aligned(4096)));

static void say(const char *what, int64_t r)
{
	char line[96];

	ksnprintf(line, sizeof(line), "hostile: %s returned %ld\n", what, (long)r);
	uputs(window, line);
}

static void bad_grants(void)
{
	const uint64_t read[4] = {FS_READ, 0, 0, 0};
	struct msg r;

	say("grant of a kernel address",
	    ipc_call_grant(TID_FILE, read, (const void *)KERNEL_ADDRESS, &r));
	say("grant of GRANT_VA, holding none",
	    ipc_call_grant(TID_FILE, read, (const void *)GRANT_VA, &r));
	say("grant with a send", ipc_send_grant(TID_FILE, read, own_page));
	own_page[0] = PATTERN;
	say("grant of its own page", ipc_call_grant(TID_GRANTEE, read, own_page, &r));
	ksnprintf(window, IPC_WINDOW, "hostile: the grantee read 0x%lx\n", (unsigned long)r.w[1]);
	uputs(window, window);
}

static int grantee(void)
{
	uint64_t r[4] = {0, 0, 0, 0};
	struct msg m;

	ipc_recv(&m);
	if (m.grant == GRANT_VA && !m.grant_pa)
		r[1] = *(volatile uint64_t *)GRANT_VA;
	ipc_reply(m.from, r);
	uputs(window, "hostile: grantee reading the granted page after its reply\n");
	return (int)*(volatile uint64_t *)GRANT_VA;
}

int main(uint64_t attack, uint64_t a1, uint64_t a2)
{
	const uint64_t too_long[4] = {SER_WRITE, 0, 0, IPC_WINDOW + 1};
	const uint64_t raw_write[4] = {BLK_WRITE, 0, 0, 512};
	struct msg r;

	(void)a1;
	(void)a2;
	ipc_window(window);
	if (attack == 2)
		return grantee();
	if (attack == 3) {
		uputs(window, "hostile: spinning without system calls\n");
		for (;;)
			__asm__ volatile("" ::: "memory");
	}
	if (attack == 0) {
		ipc_call(TID_BLOCK, raw_write, &r);
		say("block server write", (int64_t)r.w[0]);
		say("oversized message", ipc_call(TID_SERIAL, too_long, NULL));
		bad_grants();
		uputs(window, "hostile: reading the block server's device window\n");
		return *(volatile uint8_t *)USER_IO_BASE;
	}
	uputs(window, "hostile: writing to the UART port directly\n");
	__asm__ volatile("outb %%al, %%dx" : : "a"('!'), "d"(0x3f8));
	return 0;
}
