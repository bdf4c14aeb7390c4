// SPDX-License-Identifier: MIT
/*
 * GDB remote protocol framing (the GDB manual, "Overview" of the Remote
 * Protocol appendix): a packet is '$' payload '#' and two hex digits of
 * the payload's byte sum mod 256; the receiver answers '+' or '-'. A
 * hostile client can send anything: every byte is accounted for against
 * the buffer's size, and an overlong packet is reported, not truncated.
 */
#include "gdb/packet.h"

#include <string.h>

#define GDB_INTERRUPT_BYTE 0x03

static int hex_digit(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

void gdb_rx_init(struct gdb_rx *rx)
{
	rx->state = GDB_RX_IDLE;
	rx->len = 0;
	rx->sum = 0;
	rx->bad = false;
	rx->buf[0] = '\0';
}

static void rx_start(struct gdb_rx *rx)
{
	rx->state = GDB_RX_DATA;
	rx->len = 0;
	rx->sum = 0;
	rx->bad = false;
}

static enum gdb_rx_event rx_idle(struct gdb_rx *rx, uint8_t c)
{
	switch (c) {
	case '$':
		rx_start(rx);
		return GDB_RX_NONE;
	case '+':
		return GDB_RX_ACK;
	case '-':
		return GDB_RX_NAK;
	case GDB_INTERRUPT_BYTE:
		return GDB_RX_INTERRUPT;
	default:
		return GDB_RX_NONE; /* line noise between packets */
	}
}

static enum gdb_rx_event rx_data(struct gdb_rx *rx, uint8_t c)
{
	if (c == '$') {
		rx_start(rx);
		return GDB_RX_NONE;
	}
	if (c == '#') {
		rx->state = GDB_RX_SUM1;
		return GDB_RX_NONE;
	}
	rx->sum += c;
	if (rx->len < GDB_PACKET_MAX)
		rx->buf[rx->len++] = (char)c;
	else
		rx->bad = true;
	return GDB_RX_NONE;
}

enum gdb_rx_event gdb_rx_byte(struct gdb_rx *rx, uint8_t c)
{
	int d;

	switch (rx->state) {
	case GDB_RX_IDLE:
		return rx_idle(rx, c);
	case GDB_RX_DATA:
		return rx_data(rx, c);
	case GDB_RX_SUM1:
		d = hex_digit(c);
		rx->got_hi = (uint8_t)(d < 0 ? 0 : d);
		rx->bad |= d < 0;
		rx->state = GDB_RX_SUM2;
		return GDB_RX_NONE;
	case GDB_RX_SUM2:
	default:
		d = hex_digit(c);
		rx->state = GDB_RX_IDLE;
		rx->buf[rx->len] = '\0';
		if (rx->bad || d < 0 || (uint8_t)(rx->got_hi << 4 | d) != rx->sum)
			return GDB_RX_BAD;
		return GDB_RX_PACKET;
	}
}

static bool needs_escape(uint8_t c)
{
	return c == '#' || c == '$' || c == '}' || c == '*';
}

size_t gdb_frame(char *out, size_t cap, const void *payload, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	const uint8_t *p = payload;
	uint8_t sum = 0;
	size_t o = 0;

	if (cap < 4)
		return 0;
	out[o++] = '$';
	for (size_t i = 0; i < n; i++) {
		uint8_t c = p[i];

		/* room for an escaped byte and the "#cs" trailer */
		if (o + 2 + 3 > cap)
			return 0;
		if (needs_escape(c)) {
			out[o++] = '}';
			sum += '}';
			c ^= 0x20;
		}
		out[o++] = (char)c;
		sum += c;
	}
	if (o + 3 > cap)
		return 0;
	out[o++] = '#';
	out[o++] = digits[sum >> 4];
	out[o++] = digits[sum & 15];
	return o;
}

ssize_t gdb_unescape(char *buf, size_t n)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		if (buf[i] == '}') {
			if (++i == n)
				return -1;
			buf[o++] = (char)(buf[i] ^ 0x20);
		} else {
			buf[o++] = buf[i];
		}
	}
	return (ssize_t)o;
}

void gdb_hex_encode(char *out, const void *data, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	const uint8_t *p = data;

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
}

int gdb_hex_decode(void *out, const char *hex, size_t n)
{
	uint8_t *o = out;

	for (size_t i = 0; i < n; i++) {
		int hi = hex_digit((uint8_t)hex[2 * i]), lo = hex_digit((uint8_t)hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		o[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

int gdb_parse_hex(const char **p, const char *end, uint64_t *v)
{
	const char *s = *p;
	uint64_t x = 0;
	unsigned digits = 0;
	int d;

	while (s < end && (d = hex_digit((uint8_t)*s)) >= 0) {
		digits++;
		if (x >> 60) /* leading zeros are fine, a 17th significant digit is not */
			return -1;
		x = x << 4 | (unsigned)d;
		s++;
	}
	if (!digits)
		return -1;
	*p = s;
	*v = x;
	return 0;
}
