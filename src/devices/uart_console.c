// SPDX-License-Identifier: MIT
/*
 * The host side of COM1: guest output to stdout, host stdin to the guest.
 *
 * Input: a reader thread waits in poll() on stdin and on an eventfd, reads
 * what is there into the console's buffer and tells the UART
 * (uart_host_input_ready()), which pulls it into an empty receive FIFO and
 * raises its interrupt: input arrives without the guest polling, and the
 * vCPU never waits for the keyboard. When the guest has emptied the FIFO
 * and the buffer, rx_poll wakes the reader for more (no byte is dropped:
 * the terminal's own buffer holds what the guest has not taken yet).
 * stdin's file flags, shared with the shell, are left alone.
 *
 * Output is buffered and written at each newline, when the buffer fills,
 * when the guest waits for input (a guest polls the same LSR register
 * before every byte it sends, so only a second poll with no byte sent in
 * between counts), when the VM stops, and by the reader thread when a
 * partial line has waited UART_CONSOLE_FLUSH_MS (an interrupt-driven guest
 * prints a prompt and halts without polling). A terminal is put in raw
 * mode, keeping ISIG so that Ctrl-C still reaches minivmm as SIGINT.
 *
 * Locking: the UART's lock is taken before the console's (rx_poll and tx
 * run under the UART's); the reader never holds the console's lock while
 * it calls into the UART.
 */
#include "devices/uart.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <signal.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <sys/eventfd.h>

#include "sandbox/sandbox.h"

static void flush_locked(struct uart_console *c)
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

void uart_console_flush(struct uart_console *c)
{
	pthread_mutex_lock(&c->lock);
	flush_locked(c);
	pthread_mutex_unlock(&c->lock);
}

static void console_tx(void *opaque, uint8_t byte)
{
	struct uart_console *c = opaque;

	pthread_mutex_lock(&c->lock);
	c->rx_polls = 0;
	c->out[c->out_len++] = byte;
	if (byte == '\n' || c->out_len == UART_CONSOLE_OUT_BUF)
		flush_locked(c);
	pthread_mutex_unlock(&c->lock);
}

static void wake_reader(struct uart_console *c)
{
	uint64_t one = 1;

	if (c->wake_fd >= 0 && write(c->wake_fd, &one, sizeof(one)) < 0) {
		/* EAGAIN: the counter is already non-zero, the reader will wake anyway. */
	}
}

/* Under the UART's lock, with its receive FIFO empty: hand over buffered input. */
static unsigned console_rx_poll(void *opaque, uint8_t *buf, unsigned max)
{
	struct uart_console *c = opaque;
	unsigned n;

	pthread_mutex_lock(&c->lock);
	if (++c->rx_polls >= 2)
		flush_locked(c);
	n = c->in_len - c->in_pos;
	if (n > max)
		n = max;
	memcpy(buf, c->in + c->in_pos, n);
	c->in_pos += n;
	if (n && c->in_pos == c->in_len)
		wake_reader(c); /* all taken: read more */
	pthread_mutex_unlock(&c->lock);
	return n;
}

/* Read what stdin has into the empty buffer; false at EOF or on an error. */
static bool read_stdin(struct uart_console *c)
{
	uint8_t tmp[UART_CONSOLE_IN_BUF];
	ssize_t n = read(STDIN_FILENO, tmp, sizeof(tmp));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	if (n <= 0)
		return false; /* EOF: a pipe or file has been read to its end */
	pthread_mutex_lock(&c->lock);
	memcpy(c->in, tmp, (size_t)n);
	c->in_pos = 0;
	c->in_len = (unsigned)n;
	pthread_mutex_unlock(&c->lock);
	uart_host_input_ready(c->uart);
	return true;
}

static void *reader_main(void *opaque)
{
	struct uart_console *c = opaque;
	int err;

	/* Started once the sandbox is on: keep only what reading stdin needs. */
	pthread_setname_np(pthread_self(), "minivmm-serial");
	err = sandbox_confine_thread(SANDBOX_ROLE_CONSOLE_READER);
	if (err) {
		fprintf(stderr,
			"minivmm: serial console: the input reader cannot narrow its "
			"sandbox (%s); the guest gets no input\n",
			strerror(-err));
		return NULL;
	}
	for (;;) {
		struct pollfd pfd[2] = {{.fd = c->wake_fd, .events = POLLIN}, {.fd = -1}};
		uint64_t count;
		bool want_input;
		int rc;

		pthread_mutex_lock(&c->lock);
		want_input = c->stdin_open && c->in_pos == c->in_len;
		pthread_mutex_unlock(&c->lock);
		if (want_input)
			pfd[1] = (struct pollfd){.fd = STDIN_FILENO, .events = POLLIN};
		rc = poll(pfd, 2, UART_CONSOLE_FLUSH_MS);
		if (__atomic_load_n(&c->quit, __ATOMIC_ACQUIRE))
			break;
		if (rc == 0) {
			uart_console_flush(c);
			continue;
		}
		if (pfd[0].revents & POLLIN && read(c->wake_fd, &count, sizeof(count)) < 0) {
			/* EAGAIN: another wake-up took it */
		}
		if (pfd[1].revents & (POLLIN | POLLHUP | POLLERR) && !read_stdin(c)) {
			pthread_mutex_lock(&c->lock);
			c->stdin_open = false;
			pthread_mutex_unlock(&c->lock);
		}
	}
	return NULL;
}

/* The reader thread, with every signal blocked (they are the vCPU thread's to take). */
int uart_console_start_reader(struct uart_console *c)
{
	sigset_t all, old;
	int rc;

	if (!c->attached || c->wake_fd < 0 || c->reader_running)
		return 0; /* detached, output only (attach said why), or started */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&c->reader, NULL, reader_main, c);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc) {
		c->stdin_open = false; /* output only */
		return -rc;
	}
	c->reader_running = true;
	return 0;
}

static void stop_reader(struct uart_console *c)
{
	if (c->reader_running) {
		__atomic_store_n(&c->quit, true, __ATOMIC_RELEASE);
		wake_reader(c);
		pthread_join(c->reader, NULL);
		c->reader_running = false;
	}
	if (c->wake_fd < 0)
		return;
	close(c->wake_fd);
	c->wake_fd = -1;
}

void uart_console_restore_tty(struct uart_console *c)
{
	int err = errno;

	/*
	 * tcsetattr() is async-signal-safe; nothing else is done here. TCSAFLUSH
	 * waits for output to drain, which a signal (the idle tick, still armed
	 * when a fatal signal lands) interrupts: retry on EINTR.
	 */
	if (c->tty_raw) {
		while (tcsetattr(STDIN_FILENO, TCSAFLUSH, &c->saved) != 0 && errno == EINTR)
			;
		c->tty_raw = false;
	}
	errno = err;
}

void uart_console_restore(struct uart_console *c)
{
	if (!c->attached)
		return;
	stop_reader(c);
	uart_console_flush(c);
	uart_console_restore_tty(c);
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
	int rc;

	if (mode == UART_CONSOLE_NONE) {
		/* Detached: output dropped, nothing ever received. */
		u->be = (struct uart_backend){0};
		return 0;
	}
	if (c->attached)
		return 0;
	c->lock = (pthread_mutex_t)PTHREAD_MUTEX_INITIALIZER;
	c->wake_fd = -1;
	c->uart = u;
	c->stdin_open = true;
	c->attached = true;
	console_make_raw(c);
	pthread_mutex_lock(&u->lock);
	u->be = be;
	pthread_mutex_unlock(&u->lock);
	/* The reader's eventfd now; the thread once the sandbox is on (uart_console_start_reader).
	 */
	c->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (c->wake_fd < 0) {
		rc = -errno;
		c->stdin_open = false; /* output only */
		return rc;
	}
	return 0;
}

void uart_console_sandbox_allow(const struct uart_console *c, struct sandbox *sb)
{
	/* The reader's wake-ups: written by the vCPU thread, read by the reader. */
	if (!c->attached || c->wake_fd < 0)
		return; /* (a console never attached has wake_fd 0 from its zeroing: not an fd of
			   ours) */
	sandbox_allow_arg0(sb, SCMP_SYS(write), c->wake_fd);
	sandbox_allow_arg0(sb, SCMP_SYS(read), c->wake_fd);
	/* The reader drains it, and wakes itself once the UART took the last byte it read */
	/* (uart_host_input_ready -> rx_poll -> wake_reader, on the reader's thread). */
	sandbox_role_allow_arg0(sb, SANDBOX_ROLE_CONSOLE_READER, SCMP_SYS(read), c->wake_fd);
	sandbox_role_allow_arg0(sb, SANDBOX_ROLE_CONSOLE_READER, SCMP_SYS(write), c->wake_fd);
}
