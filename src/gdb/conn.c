// SPDX-License-Identifier: MIT
/*
 * Client connection I/O. The socket is non-blocking: reads never stall
 * the VM, and a send that cannot make progress for SEND_TIMEOUT_MS drops
 * the client instead of hanging the guest behind a debugger that stopped
 * reading.
 */
#include "gdb/conn.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#define SEND_TIMEOUT_MS 10000

void gdb_conn_init(struct gdb_conn *c)
{
	c->fd = -1;
	c->in_pos = c->in_len = 0;
	c->out_len = 0;
	c->resends = 0;
	gdb_rx_init(&c->rx);
}

void gdb_conn_open(struct gdb_conn *c, int fd)
{
	int one = 1;

	gdb_conn_init(c);
	c->fd = fd;
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	/* replies are small and answer a waiting gdb: no Nagle delay (fails harmlessly on unix) */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

void gdb_conn_close(struct gdb_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	gdb_conn_init(c);
}

static int send_raw(struct gdb_conn *c, const char *buf, size_t n)
{
	size_t done = 0;

	while (done < n) {
		ssize_t w = send(c->fd, buf + done, n - done, MSG_NOSIGNAL);
		struct pollfd p = {.fd = c->fd, .events = POLLOUT};

		if (w > 0) {
			done += (size_t)w;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno != EAGAIN)
			return -1;
		if (poll(&p, 1, SEND_TIMEOUT_MS) == 0)
			return -1;
	}
	return 0;
}

int gdb_conn_send(struct gdb_conn *c, const void *payload, size_t n)
{
	c->out_len = gdb_frame(c->out, sizeof(c->out), payload, n);
	c->resends = 0;
	if (!c->out_len)
		return -1; /* cannot happen for replies the command layer bounds */
	return send_raw(c, c->out, c->out_len);
}

/* Refill the input buffer: 1 with bytes, 0 idle, -1 closed, -2 EINTR, -3 other_fd. */
static int fill(struct gdb_conn *c, int timeout_ms, int other_fd)
{
	struct pollfd p[2] = {{.fd = c->fd, .events = POLLIN}, {.fd = other_fd, .events = POLLIN}};
	ssize_t r;
	int n;

	n = poll(p, other_fd >= 0 ? 2 : 1, timeout_ms);
	if (n < 0)
		return errno == EINTR ? -2 : -1;
	if (n == 0)
		return 0;
	if (!(p[0].revents & (POLLIN | POLLHUP | POLLERR)))
		return -3;
	r = recv(c->fd, c->in, sizeof(c->in), MSG_DONTWAIT);
	if (r == 0)
		return -1;
	if (r < 0)
		return errno == EAGAIN ? 0 : errno == EINTR ? -2 : -1;
	c->in_pos = 0;
	c->in_len = (size_t)r;
	return 1;
}

/* One parser event from buffered input, handling acknowledgements; -1 when the buffer is empty. */
static int pump(struct gdb_conn *c)
{
	while (c->in_pos < c->in_len) {
		switch (gdb_rx_byte(&c->rx, c->in[c->in_pos++])) {
		case GDB_RX_PACKET:
			if (send_raw(c, "+", 1))
				return GDB_CONN_CLOSED;
			return GDB_CONN_PACKET;
		case GDB_RX_BAD:
			if (send_raw(c, "-", 1))
				return GDB_CONN_CLOSED;
			break;
		case GDB_RX_INTERRUPT:
			return GDB_CONN_INTERRUPT;
		case GDB_RX_NAK:
			if (!c->out_len)
				break;
			if (++c->resends > GDB_MAX_RESENDS || send_raw(c, c->out, c->out_len))
				return GDB_CONN_CLOSED;
			break;
		case GDB_RX_ACK:
			c->resends = 0;
			return GDB_CONN_ACK;
		case GDB_RX_NONE:
			break;
		}
	}
	return -1;
}

enum gdb_conn_event gdb_conn_next(struct gdb_conn *c, int timeout_ms, int other_fd)
{
	for (;;) {
		int ev = pump(c), rc;

		if (ev >= 0)
			return (enum gdb_conn_event)ev;
		rc = fill(c, timeout_ms, other_fd);
		switch (rc) {
		case 1:
			continue;
		case 0:
			return GDB_CONN_IDLE;
		case -2:
			return GDB_CONN_EINTR;
		case -3:
			return GDB_CONN_OTHER;
		default:
			return GDB_CONN_CLOSED;
		}
	}
}
