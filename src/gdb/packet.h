/* SPDX-License-Identifier: MIT */
/*
 * The GDB remote serial protocol's packet layer: framing ($payload#cs),
 * checksums, acknowledgements, the '}' escape of binary data and hex.
 * It knows nothing about commands or sockets: bytes in, events out, so
 * the parser can be tested and fuzzed on its own (gdb_rx_byte()).
 */
#ifndef MINIVMM_GDB_PACKET_H
#define MINIVMM_GDB_PACKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Largest payload we accept and announce (qSupported PacketSize, hex). */
#define GDB_PACKET_MAX 4096

enum gdb_rx_event {
	GDB_RX_NONE,	  /* byte consumed, nothing complete yet */
	GDB_RX_PACKET,	  /* a packet with a good checksum: rx->buf, rx->len (answer '+') */
	GDB_RX_BAD,	  /* wrong checksum, bad hex or too long (answer '-': gdb resends) */
	GDB_RX_INTERRUPT, /* 0x03 outside a packet: Ctrl-C */
	GDB_RX_ACK,	  /* '+' outside a packet */
	GDB_RX_NAK,	  /* '-' outside a packet: resend the last reply */
};

struct gdb_rx {
	enum { GDB_RX_IDLE, GDB_RX_DATA, GDB_RX_SUM1, GDB_RX_SUM2 } state;
	uint8_t sum;		      /* running sum of the payload bytes */
	uint8_t got_hi;		      /* first checksum digit */
	bool bad;		      /* payload overflowed: report GDB_RX_BAD at the end */
	size_t len;		      /* payload bytes in buf */
	char buf[GDB_PACKET_MAX + 1]; /* payload as sent (still escaped), NUL-terminated */
};

void gdb_rx_init(struct gdb_rx *rx);
/*
 * Feed one byte from the client. Outside a packet anything but '$', '+',
 * '-' and 0x03 is ignored; a '$' inside a packet starts it again (a lost
 * '#' must not swallow the next packet). Never reads past rx->buf.
 */
enum gdb_rx_event gdb_rx_byte(struct gdb_rx *rx, uint8_t c);

/*
 * Frame payload into out as $payload#cs, escaping '#', '$', '}' and '*'
 * (so binary data and XML go through unchanged). Returns the framed
 * length, or 0 when it does not fit in cap.
 */
size_t gdb_frame(char *out, size_t cap, const void *payload, size_t n);

/* Undo the '}' escape in place: the unescaped length, or -1 on a dangling '}'. */
ssize_t gdb_unescape(char *buf, size_t n);

/* Hex: two lowercase digits per byte. out must hold 2 * n bytes. */
void gdb_hex_encode(char *out, const void *data, size_t n);
/* 2 * n hex digits into n bytes; -1 on a non-hex digit. */
int gdb_hex_decode(void *out, const char *hex, size_t n);
/*
 * A hex number of at most 16 digits at *p (before end); advances *p past
 * it. -1 when there is no digit or it would overflow 64 bits.
 */
int gdb_parse_hex(const char **p, const char *end, uint64_t *v);

#endif
