// SPDX-License-Identifier: MIT
/*
 * micro's serial server (thread 0): the only thread whose TSS I/O bitmap
 * lets it touch COM1. It writes the text each message brings in its
 * window and replies with the byte count.
 */
#include "uart.h"
#include "ulib.h"

static char window[IPC_WINDOW] __attribute__((aligned(4096)));

int main(uint64_t a0, uint64_t a1, uint64_t a2)
{
	struct msg m;

	(void)a0;
	(void)a1;
	(void)a2;
	ipc_window(window);
	ipc_recv(&m);
	for (;;) {
		uint64_t r[4] = {(uint64_t)E_INVAL, 0, 0, 0};

		if (m.w[0] == SER_WRITE) {
			for (uint64_t i = 0; i < m.w[3]; i++) {
				if (window[i] == '\n')
					uart_putc('\r');
				uart_putc(window[i]);
			}
			r[0] = 0;
			r[1] = m.w[3];
		}
		ipc_reply_wait(m.from, r, &m);
	}
}
