// SPDX-License-Identifier: MIT
/*
 * The host side of COM1: guest output to stdout, host stdin to the guest.
 *
 * Output is buffered and written at each newline, when the buffer fills,
 * when the guest waits for input (so a prompt shows before it waits) and
 * when the VM stops. A guest polls the same LSR register before every byte
 * it sends, so one input poll is not yet waiting: only a second poll with
 * no byte sent in between flushes (one write per line, not per byte). Input is read only after
 * poll() with a zero timeout says it is there (stdin's file flags, shared with the shell, are left
 * alone), so the vCPU never waits for the keyboard. A terminal is put in
 * raw mode, keeping ISIG so that Ctrl-C still reaches minivmm as SIGINT.
 */
#include "devices/uart.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

void uart_console_flush(struct uart_console *c)
{
	unsigned done = 0;

	while (done < c->out_len) {
		ssize_t n = write(STDOUT_FILENO, c->out + done, c->out_len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break; /* stdout gone (closed pipe): drop the output, keep the VM running */
		done += (unsigned)n;
	}
	c->out_len = 0;
}

static void console_tx(void *opaque, uint8_t byte)
{
	struct uart_console *c = opaque;

	c->rx_polls = 0;
	c->out[c->out_len++] = byte;
	if (byte == '\n' || c->out_len == UART_CONSOLE_OUT_BUF)
		uart_console_flush(c);
}

static unsigned console_rx_poll(void *opaque, uint8_t *buf, unsigned max)
{
	struct uart_console *c = opaque;
	struct pollfd pfd = {.fd = STDIN_FILENO, .events = POLLIN};
	ssize_t n;

	if (++c->rx_polls >= 2)
		uart_console_flush(c);
	if (!c->stdin_open || max == 0)
		return 0;
	if (poll(&pfd, 1, 0) <= 0)
		return 0;
	if (!(pfd.revents & (POLLIN | POLLHUP | POLLERR)))
		return 0;
	n = read(STDIN_FILENO, buf, max);
	if (n > 0)
		return (unsigned)n;
	if (n == 0 || (errno != EINTR && errno != EAGAIN))
		c->stdin_open = false; /* EOF: a pipe or file has been read to its end */
	return 0;
}

void uart_console_restore_tty(struct uart_console *c)
{
	/* tcsetattr() is async-signal-safe; nothing else is done here. */
	if (c->tty_raw) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &c->saved);
		c->tty_raw = false;
	}
}

void uart_console_restore(struct uart_console *c)
{
	if (!c->attached)
		return;
	uart_console_flush(c);
	if (c->tty_raw) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &c->saved);
		c->tty_raw = false;
	}
}

static void console_make_raw(struct uart_console *c)
{
	struct termios raw;

	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &c->saved) != 0)
		return;
	raw = c->saved;
	/* cfmakeraw() without clearing ISIG: Ctrl-C stops the VM, as with QEMU's -serial stdio. */
	raw.c_iflag &= ~(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
	/* OPOST kept (as QEMU does): a guest's bare \n still starts a new line. */
	raw.c_lflag &= ~(ECHO | ECHONL | ICANON | IEXTEN);
	raw.c_cflag &= ~(CSIZE | PARENB);
	raw.c_cflag |= CS8;
	raw.c_cc[VMIN] = 1;
	raw.c_cc[VTIME] = 0;
	if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw) == 0)
		c->tty_raw = true;
}

int uart_console_attach(struct uart_console *c, struct uart16550 *u, enum uart_console_mode mode)
{
	struct uart_backend be = {.tx = console_tx, .rx_poll = console_rx_poll, .opaque = c};

	if (mode == UART_CONSOLE_NONE) {
		/* Detached: output dropped, nothing ever received. */
		u->be = (struct uart_backend){0};
		return 0;
	}
	u->be = be;
	if (c->attached)
		return 0;
	c->attached = true;
	c->stdin_open = true;
	console_make_raw(c);
	return 0;
}
