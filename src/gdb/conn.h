/* SPDX-License-Identifier: MIT */
/*
 * One client connection: bytes from the socket through the packet parser
 * to packets and Ctrl-C, acknowledgements sent and honoured ('-' resends
 * the last reply, a bad packet is answered '-'), replies framed and sent.
 */
#ifndef MINIVMM_GDB_CONN_H
#define MINIVMM_GDB_CONN_H

#include <stddef.h>
#include <stdint.h>

#include "gdb/packet.h"

/* A client that rejects the same reply this often in a row is dropped. */
#define GDB_MAX_RESENDS 8

enum gdb_conn_event {
	GDB_CONN_PACKET,    /* c->rx.buf / c->rx.len hold a packet (already acknowledged) */
	GDB_CONN_INTERRUPT, /* Ctrl-C */
	GDB_CONN_ACK,	    /* '+': the last reply arrived */
	GDB_CONN_IDLE,	    /* nothing (more) to read within the timeout */
	GDB_CONN_OTHER,	    /* other_fd became readable */
	GDB_CONN_CLOSED,    /* the client hung up, failed or misbehaved: close it */
	GDB_CONN_EINTR,	    /* a signal interrupted the wait */
};

struct gdb_conn {
	int fd; /* -1: no client */
	struct gdb_rx rx;
	uint8_t in[4096];
	size_t in_pos, in_len;
	char out[2 * GDB_PACKET_MAX + 8]; /* the last frame sent, for a '-' */
	size_t out_len;
	unsigned resends;
};

void gdb_conn_init(struct gdb_conn *c);
/* Take a connected socket (made non-blocking here). */
void gdb_conn_open(struct gdb_conn *c, int fd);
void gdb_conn_close(struct gdb_conn *c);

/*
 * The next packet or Ctrl-C. timeout_ms as poll(2): -1 waits for ever,
 * 0 only looks at what has arrived. other_fd (or -1) is watched too.
 */
enum gdb_conn_event gdb_conn_next(struct gdb_conn *c, int timeout_ms, int other_fd);

/* Frame and send payload; 0, or -1 when the client is gone (close it). */
int gdb_conn_send(struct gdb_conn *c, const void *payload, size_t n);

#endif
