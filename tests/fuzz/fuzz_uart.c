// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the 16550A (src/devices/uart.c) on the device bus, fed
 * a stream of port reads and writes of every size (also straddling the
 * register window), host-side input bytes and direct line receives.
 *
 * Oracles besides ASan/UBSan: the receive FIFO never holds more than its
 * 16 bytes, in loopback mode (MCR bit 4) nothing reaches the host side
 * (PC16550D datasheet: the transmitter output is looped back to the
 * receiver and the serial output is held marking), and the interrupt line
 * is driven only on a change and always equals "an interrupt is
 * identified and OUT2 is set" after each operation.
 */
#include <stdlib.h>

#include "devices/bus.h"
#include "devices/uart.h"
#include "fuzz_input.h"

struct host_side {
	struct uart16550 *u;
	uint8_t pending[64]; /* what the host "typed", served by rx_poll */
	unsigned nr_pending;
};

static void host_tx(void *opaque, uint8_t byte)
{
	struct host_side *h = opaque;

	(void)byte;
	if (h->u->mcr & UART_MCR_LOOP)
		abort(); /* a byte left the chip in loopback mode */
}

static unsigned host_rx_poll(void *opaque, uint8_t *buf, unsigned max)
{
	struct host_side *h = opaque;
	unsigned n = h->nr_pending < max ? h->nr_pending : max;

	memcpy(buf, h->pending, n);
	memmove(h->pending, h->pending + n, h->nr_pending - n);
	h->nr_pending -= n;
	return n;
}

static int line_level = -1;

static void line_set(void *ctx, unsigned gsi, int level)
{
	(void)ctx;
	if (gsi != UART_COM1_IRQ || level == line_level)
		abort(); /* the same level driven twice, or the wrong line */
	line_level = level;
}

static void check_state(const struct uart16550 *u)
{
	bool want = (u->mcr & UART_MCR_OUT2) && !(uart_iir(u) & UART_IIR_NO_INT);

	if (u->rx_count > UART_FIFO_SIZE || u->rx_head >= UART_FIFO_SIZE)
		abort();
	if (line_level != want)
		abort();
}

/* Ports 0x3f4..0x403: the window, and 4 bytes either side of it. */
static uint16_t pick_port(uint8_t op)
{
	return (uint16_t)(UART_COM1_BASE - 4 + ((op >> 2) & 15));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct uart16550 u;
	struct host_side h = {.u = &u};
	struct uart_backend be = {host_tx, host_rx_poll, &h};
	struct bus bus = {0};
	struct fuzz_in in;

	fin_init(&in, data, size);
	uart_init(&u, &be);
	line_level = -1;
	uart_connect_irq(&u, &(struct irq_line){line_set, NULL, UART_COM1_IRQ});
	if (uart_register(&bus, &u, UART_COM1_BASE))
		abort();
	while (fin_left(&in)) {
		uint8_t op = fin_u8(&in), buf[8];
		unsigned len = fin_size(&in);

		switch (op & 3) {
		case 0: /* port write */
			fin_bytes(&in, buf, len);
			bus_dispatch(&bus, BUS_PIO, pick_port(op), buf, len, true);
			break;
		case 1: /* port read */
			bus_dispatch(&bus, BUS_PIO, pick_port(op), buf, len, false);
			break;
		case 2: /* the host types up to 15 bytes; the reader thread says so */
			for (unsigned n = op >> 4; n && h.nr_pending < sizeof(h.pending); n--)
				h.pending[h.nr_pending++] = fin_u8(&in);
			if (op & 8)
				uart_host_input_ready(&u);
			break;
		case 3: /* a byte arrives on the line directly */
			uart_receive(&u, fin_u8(&in));
			break;
		}
		check_state(&u);
	}
	return 0;
}
