// SPDX-License-Identifier: MIT
/*
 * 16550A register model, after the PC16550D datasheet, with QEMU's
 * choices (hw/char/serial.c) where the datasheet leaves room: modem
 * inputs read as CTS, DSR and DCD asserted when not in loopback, and
 * enabling ETBEI while THR is empty raises the THRE interrupt again.
 *
 * Transmission is instantaneous: a byte written to THR goes straight to
 * the backend, so THRE and TEMT always read as set and the transmit FIFO
 * is always empty. Because there is no time base, a receive FIFO holding
 * fewer bytes than the trigger level reports the character-timeout
 * interrupt at once instead of after four character times.
 *
 * The interrupt output is a level: it follows uart_irq_pending() (an
 * interrupt identified in IIR, gated by MCR OUT2 as on a PC, where OUT2
 * enables the port's IRQ driver) after every access and every received
 * byte, as QEMU's serial_update_irq() does.
 */
#include "devices/uart.h"

#include <string.h>

/* Modem input lines when nothing drives them (QEMU's reset value). */
#define UART_MSR_LINES_IDLE (UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS)
#define UART_MSR_DELTAS (UART_MSR_DCTS | UART_MSR_DDSR | UART_MSR_TERI | UART_MSR_DDCD)
#define UART_LSR_ERRORS (UART_LSR_OE | UART_LSR_PE | UART_LSR_FE | UART_LSR_BI | UART_LSR_FIFOE)

static const uint8_t rx_trigger_levels[4] = {1, 4, 8, 14};

void uart_init(struct uart16550 *u, const struct uart_backend *be)
{
	memset(u, 0, sizeof(*u));
	/* A static initialiser: nothing to destroy when the UART goes away. */
	u->lock = (pthread_mutex_t)PTHREAD_MUTEX_INITIALIZER;
	u->msr = UART_MSR_LINES_IDLE;
	if (be)
		u->be = *be;
}

static bool fifo_enabled(const struct uart16550 *u)
{
	return u->fcr & UART_FCR_ENABLE;
}

static unsigned rx_capacity(const struct uart16550 *u)
{
	/* In 16450 mode the receiver holds one byte. */
	return fifo_enabled(u) ? UART_FIFO_SIZE : 1;
}

static bool loopback(const struct uart16550 *u)
{
	return u->mcr & UART_MCR_LOOP;
}

static bool receive(struct uart16550 *u, uint8_t byte)
{
	if (u->rx_count >= rx_capacity(u)) {
		u->lsr_errors |= UART_LSR_OE;
		if (!fifo_enabled(u)) {
			/* 16450 mode: the new byte overwrites the holding register. */
			u->rx_fifo[u->rx_head] = byte;
			u->rx_bytes++;
		}
		/* FIFO mode: the byte in the shift register is lost. */
		return false;
	}
	u->rx_fifo[(u->rx_head + u->rx_count) % UART_FIFO_SIZE] = byte;
	u->rx_count++;
	u->rx_bytes++;
	return true;
}

/* Pull input from the host side when the guest looks for it and the FIFO is empty. */
static void rx_refill(struct uart16550 *u)
{
	uint8_t buf[UART_FIFO_SIZE];
	unsigned n;

	if (u->rx_count || loopback(u) || !u->be.rx_poll)
		return;
	n = u->be.rx_poll(u->be.opaque, buf, rx_capacity(u));
	for (unsigned i = 0; i < n && i < sizeof(buf); i++)
		receive(u, buf[i]);
}

static uint8_t rx_pop(struct uart16550 *u)
{
	uint8_t byte;

	if (!u->rx_count)
		return 0;
	byte = u->rx_fifo[u->rx_head];
	u->rx_head = (u->rx_head + 1) % UART_FIFO_SIZE;
	u->rx_count--;
	return byte;
}

static void rx_clear(struct uart16550 *u)
{
	u->rx_head = 0;
	u->rx_count = 0;
}

uint8_t uart_iir(const struct uart16550 *u)
{
	uint8_t fifo = fifo_enabled(u) ? UART_IIR_FIFO : 0;

	if ((u->ier & UART_IER_ELSI) && (u->lsr_errors & (UART_LSR_ERRORS & ~UART_LSR_FIFOE)))
		return fifo | UART_IIR_RLSI;
	if ((u->ier & UART_IER_ERBFI) && u->rx_count) {
		if (fifo_enabled(u) && u->rx_count < rx_trigger_levels[u->fcr >> 6])
			return fifo | UART_IIR_CTI;
		return fifo | UART_IIR_RDI;
	}
	if ((u->ier & UART_IER_ETBEI) && u->thr_ipending)
		return fifo | UART_IIR_THRI;
	if ((u->ier & UART_IER_EDSSI) && (u->msr & UART_MSR_DELTAS))
		return fifo | UART_IIR_MSI;
	return fifo | UART_IIR_NO_INT;
}

bool uart_irq_pending(const struct uart16550 *u)
{
	/* OUT2 gates the interrupt line on PC serial ports. */
	return (u->mcr & UART_MCR_OUT2) && !(uart_iir(u) & UART_IIR_NO_INT);
}

/* Drive the IRQ line to what the registers say, if that changed. */
static void update_irq(struct uart16550 *u)
{
	bool level = uart_irq_pending(u);

	if (level == u->irq_level)
		return;
	u->irq_level = level;
	irq_line_set(&u->irq, level);
}

/* Modem input lines: fed back from MCR in loopback, idle otherwise. */
static void update_msr(struct uart16550 *u)
{
	uint8_t old = u->msr, lines = UART_MSR_LINES_IDLE, changed;

	if (loopback(u)) {
		lines = 0;
		if (u->mcr & UART_MCR_RTS)
			lines |= UART_MSR_CTS;
		if (u->mcr & UART_MCR_DTR)
			lines |= UART_MSR_DSR;
		if (u->mcr & UART_MCR_OUT1)
			lines |= UART_MSR_RI;
		if (u->mcr & UART_MCR_OUT2)
			lines |= UART_MSR_DCD;
	}
	changed = (old ^ lines) & ~UART_MSR_DELTAS;
	u->msr = lines | (old & UART_MSR_DELTAS);
	if (changed & UART_MSR_CTS)
		u->msr |= UART_MSR_DCTS;
	if (changed & UART_MSR_DSR)
		u->msr |= UART_MSR_DDSR;
	if (changed & UART_MSR_DCD)
		u->msr |= UART_MSR_DDCD;
	/* TERI: only the trailing edge of RI (asserted -> not asserted). */
	if ((old & UART_MSR_RI) && !(lines & UART_MSR_RI))
		u->msr |= UART_MSR_TERI;
}

static uint8_t reg_read(struct uart16550 *u, unsigned offset)
{
	uint8_t v;

	switch (offset) {
	case UART_RBR_THR_DLL:
		if (u->lcr & UART_LCR_DLAB)
			return u->divisor & 0xff;
		rx_refill(u);
		return rx_pop(u);
	case UART_IER_DLM:
		if (u->lcr & UART_LCR_DLAB)
			return u->divisor >> 8;
		return u->ier;
	case UART_IIR_FCR:
		rx_refill(u);
		v = uart_iir(u);
		/* Reading IIR acknowledges a THRE interrupt it reports. */
		if ((v & 0x0f) == UART_IIR_THRI)
			u->thr_ipending = false;
		return v;
	case UART_LCR:
		return u->lcr;
	case UART_MCR:
		return u->mcr;
	case UART_LSR:
		rx_refill(u);
		v = u->lsr_errors | UART_LSR_THRE | UART_LSR_TEMT;
		if (u->rx_count)
			v |= UART_LSR_DR;
		u->lsr_errors = 0;
		return v;
	case UART_MSR:
		v = u->msr;
		u->msr &= ~UART_MSR_DELTAS;
		return v;
	case UART_SCR:
		return u->scr;
	default:
		return 0xff;
	}
}

static void write_fcr(struct uart16550 *u, uint8_t value)
{
	/* Toggling the enable bit resets both FIFOs. */
	if ((value ^ u->fcr) & UART_FCR_ENABLE)
		rx_clear(u);
	if (value & UART_FCR_CLEAR_RX)
		rx_clear(u);
	/* CLEAR_TX: the transmit FIFO is always empty here. */
	u->fcr = value & (UART_FCR_ENABLE | UART_FCR_DMA | UART_FCR_TRIGGER);
}

static void reg_write(struct uart16550 *u, unsigned offset, uint8_t value)
{
	uint8_t changed;

	switch (offset) {
	case UART_RBR_THR_DLL:
		if (u->lcr & UART_LCR_DLAB) {
			u->divisor = (u->divisor & 0xff00) | value;
			return;
		}
		if (loopback(u)) {
			receive(u, value);
		} else {
			u->tx_bytes++;
			if (u->be.tx)
				u->be.tx(u->be.opaque, value);
		}
		/* Sent at once: THR is empty again, which raises THRE. */
		u->thr_ipending = true;
		return;
	case UART_IER_DLM:
		if (u->lcr & UART_LCR_DLAB) {
			u->divisor = (u->divisor & 0x00ff) | (uint16_t)(value << 8);
			return;
		}
		changed = (u->ier ^ value) & 0x0f;
		u->ier = value & 0x0f;
		if (changed & UART_IER_ETBEI)
			u->thr_ipending = u->ier & UART_IER_ETBEI; /* THR is always empty */
		return;
	case UART_IIR_FCR:
		write_fcr(u, value);
		return;
	case UART_LCR:
		u->lcr = value;
		return;
	case UART_MCR:
		u->mcr = value & 0x1f;
		update_msr(u);
		return;
	case UART_SCR:
		u->scr = value;
		return;
	default:
		/* LSR and MSR are read-only (writes are a factory test mode). */
		return;
	}
}

bool uart_receive(struct uart16550 *u, uint8_t byte)
{
	bool ok;

	pthread_mutex_lock(&u->lock);
	ok = receive(u, byte);
	update_irq(u);
	pthread_mutex_unlock(&u->lock);
	return ok;
}

void uart_host_input_ready(struct uart16550 *u)
{
	pthread_mutex_lock(&u->lock);
	rx_refill(u);
	update_irq(u);
	pthread_mutex_unlock(&u->lock);
}

void uart_connect_irq(struct uart16550 *u, const struct irq_line *line)
{
	pthread_mutex_lock(&u->lock);
	u->irq = *line;
	u->irq_level = uart_irq_pending(u);
	irq_line_set(&u->irq, u->irq_level);
	pthread_mutex_unlock(&u->lock);
}

void uart_access(void *opaque, uint64_t offset, uint8_t *data, unsigned size, bool is_write)
{
	struct uart16550 *u = opaque;

	pthread_mutex_lock(&u->lock);
	for (unsigned i = 0; i < size; i++) {
		uint64_t reg = offset + i;

		if (reg >= UART_NR_REGS) {
			if (!is_write)
				data[i] = 0xff;
			continue;
		}
		if (is_write)
			reg_write(u, (unsigned)reg, data[i]);
		else
			data[i] = reg_read(u, (unsigned)reg);
	}
	update_irq(u);
	pthread_mutex_unlock(&u->lock);
}

uint8_t uart_read(struct uart16550 *u, unsigned offset)
{
	uint8_t v;

	uart_access(u, offset, &v, 1, false);
	return v;
}

void uart_write(struct uart16550 *u, unsigned offset, uint8_t value)
{
	uart_access(u, offset, &value, 1, true);
}

int uart_register(struct bus *bus, struct uart16550 *u, uint16_t base)
{
	return bus_register(bus, BUS_PIO, base, UART_NR_REGS, "uart", uart_access, u);
}
