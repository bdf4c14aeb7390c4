// SPDX-License-Identifier: MIT
/*
 * The host side of COM1: guest output to stdout, host stdin to the guest.
 *
 * Output is buffered and written at each newline, when the buffer fills,
 * when the guest waits for input (so a prompt shows before it waits) and
 * when the VM stops. A guest polls the same LSR register before every byte
 * it sends, so one input poll is not yet waiting: only a second poll with
 * no byte sent in between flushes (one write per line, not per byte). Input is read only after poll() with a zero timeout
 * says it is there (stdin's file flags, shared with the shell, are left
 * alone), so the vCPU never waits for the keyboard. A terminal is put in
 * raw mode, keeping ISIG so that Ctrl-C still reaches minivmm as SIGINT.
 */
#include "devices/uart.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#define CONSOLE_OUT_BUF 4096

static struct {
	bool attached;
	bool stdin_open; /* false after EOF or an error on stdin */
	bool tty_raw;	 /* termios changed; restore on the way out */
	unsigned rx_polls; /* input polls since the guest last sent a byte */
	struct termios saved;
	unsigned out_len;
	uint8_t out[CONSOLE_OUT_BUF];
} console;

void uart_console_flush(void)
{
	unsigned done = 0;

	while (done < console.out_len) {
		ssize_t n = write(STDOUT_FILENO, console.out + done, console.out_len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break; /* stdout gone (closed pipe): drop the output, keep the VM running */
		done += (unsigned)n;
	}
	console.out_len = 0;
}

static void console_tx(void *opaque, uint8_t byte)
{
	console.rx_polls = 0;
	console.out[console.out_len++] = byte;
	if (byte == '\n' || console.out_len == CONSOLE_OUT_BUF)
		uart_console_flush();
}

static unsigned console_rx_poll(void *opaque, uint8_t *buf, unsigned max)
{
	struct pollfd pfd = {.fd = STDIN_FILENO, .events = POLLIN};
	ssize_t n;

	if (++console.rx_polls >= 2)
		uart_console_flush();
	if (!console.stdin_open || max == 0)
		return 0;
	if (poll(&pfd, 1, 0) <= 0)
		return 0;
	if (!(pfd.revents & (POLLIN | POLLHUP | POLLERR)))
		return 0;
	n = read(STDIN_FILENO, buf, max);
	if (n > 0)
		return (unsigned)n;
	if (n == 0 || (errno != EINTR && errno != EAGAIN))
		console.stdin_open = false; /* EOF: a pipe or file has been read to its end */
	return 0;
}

void uart_console_restore_tty(void)
{
	/* tcsetattr() is async-signal-safe; nothing else is done here. */
	if (console.tty_raw) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &console.saved);
		console.tty_raw = false;
	}
}

void uart_console_restore(void)
{
	if (!console.attached)
		return;
	uart_console_flush();
	if (console.tty_raw) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &console.saved);
		console.tty_raw = false;
	}
}

static void console_make_raw(void)
{
	struct termios raw;

	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &console.saved) != 0)
		return;
	raw = console.saved;
	/* cfmakeraw() without clearing ISIG: Ctrl-C stops the VM, as with QEMU's -serial stdio. */
	raw.c_iflag &= ~(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
	/* OPOST kept (as QEMU does): a guest's bare \n still starts a new line. */
	raw.c_lflag &= ~(ECHO | ECHONL | ICANON | IEXTEN);
	raw.c_cflag &= ~(CSIZE | PARENB);
	raw.c_cflag |= CS8;
	raw.c_cc[VMIN] = 1;
	raw.c_cc[VTIME] = 0;
	if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw) == 0)
		console.tty_raw = true;
}

int uart_console_attach(struct uart16550 *u, enum uart_console_mode mode)
{
	struct uart_backend be = {.tx = console_tx, .rx_poll = console_rx_poll};

	if (mode == UART_CONSOLE_NONE) {
		/* Detached: output dropped, nothing ever received. */
		u->be = (struct uart_backend){0};
		return 0;
	}
	u->be = be;
	if (console.attached)
		return 0;
	console.attached = true;
	console.stdin_open = true;
	console_make_raw();
	atexit(uart_console_restore);
	return 0;
}
