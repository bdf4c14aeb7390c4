/* SPDX-License-Identifier: MIT */
/*
 * A 16550A UART: the register model (uart.c) and the host console behind
 * it (uart_console.c). The model talks to the outside through a small
 * backend interface so it can be tested without a terminal.
 */
#ifndef MINIVMM_UART_H
#define MINIVMM_UART_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <termios.h>

#include "devices/bus.h"
#include "devices/irq.h"

#define UART_COM1_BASE 0x3f8
#define UART_COM1_IRQ 4
#define UART_NR_REGS 8
#define UART_FIFO_SIZE 16

/* Register offsets (DLAB = LCR bit 7 selects the divisor latch at 0 and 1). */
enum {
	UART_RBR_THR_DLL = 0,
	UART_IER_DLM = 1,
	UART_IIR_FCR = 2,
	UART_LCR = 3,
	UART_MCR = 4,
	UART_LSR = 5,
	UART_MSR = 6,
	UART_SCR = 7,
};

/* Bits, named as in the National Semiconductor PC16550D datasheet. */
#define UART_IER_ERBFI 0x01 /* received data available */
#define UART_IER_ETBEI 0x02 /* transmitter holding register empty */
#define UART_IER_ELSI 0x04  /* receiver line status */
#define UART_IER_EDSSI 0x08 /* modem status */

#define UART_IIR_NO_INT 0x01
#define UART_IIR_MSI 0x00  /* modem status */
#define UART_IIR_THRI 0x02 /* THR empty */
#define UART_IIR_RDI 0x04  /* received data available */
#define UART_IIR_RLSI 0x06 /* receiver line status */
#define UART_IIR_CTI 0x0c  /* character timeout (FIFO mode) */
#define UART_IIR_FIFO 0xc0 /* both set when the FIFOs are enabled */

#define UART_FCR_ENABLE 0x01
#define UART_FCR_CLEAR_RX 0x02
#define UART_FCR_CLEAR_TX 0x04
#define UART_FCR_DMA 0x08
#define UART_FCR_TRIGGER 0xc0

#define UART_LCR_DLAB 0x80

#define UART_MCR_DTR 0x01
#define UART_MCR_RTS 0x02
#define UART_MCR_OUT1 0x04
#define UART_MCR_OUT2 0x08
#define UART_MCR_LOOP 0x10

#define UART_LSR_DR 0x01
#define UART_LSR_OE 0x02
#define UART_LSR_PE 0x04
#define UART_LSR_FE 0x08
#define UART_LSR_BI 0x10
#define UART_LSR_THRE 0x20
#define UART_LSR_TEMT 0x40
#define UART_LSR_FIFOE 0x80

#define UART_MSR_DCTS 0x01
#define UART_MSR_DDSR 0x02
#define UART_MSR_TERI 0x04
#define UART_MSR_DDCD 0x08
#define UART_MSR_CTS 0x10
#define UART_MSR_DSR 0x20
#define UART_MSR_RI 0x40
#define UART_MSR_DCD 0x80

struct uart_backend {
	/* Transmit one byte (not called in loopback mode). */
	void (*tx)(void *opaque, uint8_t byte);
	/*
	 * Non-blocking receive: copy up to max bytes that are ready into buf,
	 * return how many (0 if none). NULL: nothing is ever received. Called
	 * with the UART's lock held, when the receive FIFO is empty.
	 */
	unsigned (*rx_poll)(void *opaque, uint8_t *buf, unsigned max);
	void *opaque;
};

/*
 * The register state is guarded by `lock`: the vCPU thread accesses the
 * registers while the console's reader thread delivers input. The IRQ
 * line follows uart_irq_pending() after every change (level semantics,
 * as QEMU's serial_update_irq); irq_level is what was last driven.
 */
struct uart16550 {
	pthread_mutex_t lock;
	struct irq_line irq;
	bool irq_level;
	uint8_t ier, lcr, mcr, lsr_errors, msr, scr, fcr;
	uint16_t divisor;
	bool thr_ipending; /* THR-empty interrupt pending until IIR read or THR write */
	uint8_t rx_fifo[UART_FIFO_SIZE];
	unsigned rx_head, rx_count;
	struct uart_backend be;
	uint64_t tx_bytes, rx_bytes; /* for --verbose */
};

/* Reset state (datasheet "master reset"); be may be NULL (no host side). */
void uart_init(struct uart16550 *u, const struct uart_backend *be);

/* Connect the interrupt output (COM1: UART_COM1_IRQ); driven at once to the current level. */
void uart_connect_irq(struct uart16550 *u, const struct irq_line *line);

/*
 * The host side has input waiting (its rx_poll will return it): pull it
 * into an empty receive FIFO and raise the interrupt, without waiting for
 * the guest to look. Any thread.
 */
void uart_host_input_ready(struct uart16550 *u);

/* The bus callback: accesses wider than a byte touch consecutive registers. */
void uart_access(void *opaque, uint64_t offset, uint8_t *data, unsigned size, bool is_write);

/* One register access (offset 0..7); each takes the lock. */
uint8_t uart_read(struct uart16550 *u, unsigned offset);
void uart_write(struct uart16550 *u, unsigned offset, uint8_t value);

/* A byte arrives on the serial line; false if it was lost (overrun). */
bool uart_receive(struct uart16550 *u, uint8_t byte);

/* Current IIR value without side effects, and whether the IRQ line is up. */
uint8_t uart_iir(const struct uart16550 *u);
bool uart_irq_pending(const struct uart16550 *u);

int uart_register(struct bus *bus, struct uart16550 *u, uint16_t base);

/* The host console behind COM1 (uart_console.c). */
enum uart_console_mode { UART_CONSOLE_STDIO, UART_CONSOLE_NONE };

#define UART_CONSOLE_OUT_BUF 4096
#define UART_CONSOLE_IN_BUF 256
/* A partial line (a prompt) waits at most this long before it is written. */
#define UART_CONSOLE_FLUSH_MS 50

/*
 * One VM's console: the terminal state to give back, buffered guest
 * output, and the reader thread's input buffer. `lock` guards the buffers
 * and stdin_open; it is taken after the UART's lock, never before.
 */
struct uart_console {
	bool attached;
	pthread_mutex_t lock;
	struct uart16550 *uart;
	bool stdin_open; /* false after EOF or an error on stdin */
	volatile bool
	    tty_raw;	   /* termios changed; restore on the way out (read by a signal handler) */
	unsigned rx_polls; /* input polls since the guest last sent a byte */
	struct termios saved;
	unsigned out_len;
	uint8_t out[UART_CONSOLE_OUT_BUF];
	/* Input read from stdin and not yet in the receive FIFO: in[in_pos .. in_len). */
	uint8_t in[UART_CONSOLE_IN_BUF];
	unsigned in_pos, in_len;
	/* The reader thread and the eventfd that wakes it (more room, or quit). */
	pthread_t reader;
	bool reader_running;
	int wake_fd;
	bool quit; /* atomic: set by uart_console_restore() */
};

/*
 * Attach the UART to stdin/stdout through console c (zero-initialised,
 * owned by the caller and outliving the attachment), and prepare the
 * thread that reads stdin (its eventfd). When stdin is a terminal it is
 * put in raw mode (ISIG kept, so Ctrl-C still stops the VM) until
 * uart_console_restore(). 0, or -errno when there can be no reader
 * (output still works).
 */
int uart_console_attach(struct uart_console *c, struct uart16550 *u, enum uart_console_mode mode);

/*
 * Start the stdin reader, after the sandbox is entered: it narrows itself
 * to its own allowlist first (SANDBOX_ROLE_CONSOLE_READER). 0 (also when
 * there is nothing to start), or -errno: the guest then gets no input.
 */
int uart_console_start_reader(struct uart_console *c);

struct sandbox;
/* What the console does once the guest runs, beyond stdin/stdout: its eventfd. */
void uart_console_sandbox_allow(const struct uart_console *c, struct sandbox *sb);
/* Write out buffered guest output. */
void uart_console_flush(struct uart_console *c);
/* Stop the reader, flush and give the terminal back its settings; safe to call twice. */
void uart_console_restore(struct uart_console *c);
/*
 * Async-signal-safe part of the above, for fatal-signal handlers: only
 * puts the terminal settings back (buffered output is lost).
 */
void uart_console_restore_tty(struct uart_console *c);

#endif
