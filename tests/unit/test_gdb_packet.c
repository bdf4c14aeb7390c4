// SPDX-License-Identifier: MIT
/*
 * The gdb packet layer against the GDB manual's framing rules: '$', the
 * payload, '#', two hex digits of the payload's byte sum mod 256; '+'/'-'
 * acknowledgements; 0x03 outside a packet is Ctrl-C; '}' escapes the next
 * byte XOR 0x20. Checksums below are computed by hand from the ASCII
 * codes ("g" = 0x67, "OK" = 0x4f + 0x4b = 0x9a), not by the code under test.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gdb/packet.h"
#include "support/run_suite.h"

static struct gdb_rx rx;

/* Feed a string; returns the last non-NONE event (or NONE) and counts events. */
static enum gdb_rx_event feed(const char *s, size_t n, unsigned *events)
{
	enum gdb_rx_event last = GDB_RX_NONE;

	*events = 0;
	for (size_t i = 0; i < n; i++) {
		enum gdb_rx_event e = gdb_rx_byte(&rx, (uint8_t)s[i]);

		if (e != GDB_RX_NONE) {
			last = e;
			(*events)++;
		}
	}
	return last;
}

static enum gdb_rx_event feed_str(const char *s)
{
	unsigned n;

	return feed(s, strlen(s), &n);
}

static void setup(void)
{
	gdb_rx_init(&rx);
}

START_TEST(test_good_packets)
{
	ck_assert_int_eq(feed_str("$g#67"), GDB_RX_PACKET);
	ck_assert_uint_eq(rx.len, 1);
	ck_assert_str_eq(rx.buf, "g");
	ck_assert_int_eq(feed_str("$OK#9a"), GDB_RX_PACKET);
	ck_assert_str_eq(rx.buf, "OK");
	ck_assert_int_eq(feed_str("$OK#9A"), GDB_RX_PACKET); /* either case of hex digit */
	ck_assert_int_eq(feed_str("$#00"), GDB_RX_PACKET);   /* empty payload */
	ck_assert_uint_eq(rx.len, 0);
}
END_TEST

START_TEST(test_bad_checksum_and_bad_digits)
{
	ck_assert_int_eq(feed_str("$g#68"), GDB_RX_BAD);
	ck_assert_int_eq(feed_str("$g#6z"), GDB_RX_BAD);
	ck_assert_int_eq(feed_str("$g#z7"), GDB_RX_BAD);
	/* the parser is back at the start: the retransmission is accepted */
	ck_assert_int_eq(feed_str("$g#67"), GDB_RX_PACKET);
}
END_TEST

START_TEST(test_acks_interrupt_and_noise)
{
	unsigned n;

	ck_assert_int_eq(feed_str("+"), GDB_RX_ACK);
	ck_assert_int_eq(feed_str("-"), GDB_RX_NAK);
	ck_assert_int_eq(feed_str("\x03"), GDB_RX_INTERRUPT);
	/* noise between packets is ignored, then a packet still parses */
	ck_assert_int_eq(feed("xyz\r\n\0#67", 9, &n), GDB_RX_NONE);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(feed_str("$g#67"), GDB_RX_PACKET);
	/* 0x03 inside a packet is data, not an interrupt: sum 0x67 + 0x03 = 0x6a */
	ck_assert_int_eq(feed("$g\x03#6a", 6, &n), GDB_RX_PACKET);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(rx.len, 2);
}
END_TEST

START_TEST(test_dollar_restarts_a_packet)
{
	/* a lost '#cs' must not swallow the next packet */
	ck_assert_int_eq(feed_str("$m0,4$g#67"), GDB_RX_PACKET);
	ck_assert_str_eq(rx.buf, "g");
}
END_TEST

START_TEST(test_overlong_packet_is_bad_not_truncated)
{
	size_t n = GDB_PACKET_MAX + 100;
	char *big = malloc(n + 5); /* and the NUL snprintf writes */
	unsigned sum = 0, events;

	ck_assert_ptr_nonnull(big);
	big[0] = '$';
	for (size_t i = 1; i <= n; i++) {
		big[i] = 'a';
		sum += 'a';
	}
	snprintf(big + n + 1, 4, "#%02x", sum & 0xff);
	ck_assert_int_eq(feed(big, n + 4, &events), GDB_RX_BAD);
	ck_assert_uint_eq(events, 1);
	ck_assert_uint_le(rx.len, GDB_PACKET_MAX);
	/* exactly the maximum is fine */
	sum = 0;
	for (size_t i = 1; i <= GDB_PACKET_MAX; i++)
		sum += 'a';
	snprintf(big + GDB_PACKET_MAX + 1, 4, "#%02x", sum & 0xff);
	ck_assert_int_eq(feed(big, GDB_PACKET_MAX + 4, &events), GDB_RX_PACKET);
	ck_assert_uint_eq(rx.len, GDB_PACKET_MAX);
	free(big);
}
END_TEST

START_TEST(test_frame_and_escape)
{
	char out[64];
	const uint8_t bin[] = {'a', '#', '$', '}', '*', 'b'};
	size_t n;

	n = gdb_frame(out, sizeof(out), "OK", 2);
	ck_assert_uint_eq(n, 6);
	ck_assert_int_eq(memcmp(out, "$OK#9a", 6), 0);
	/* '#' -> "}\x03", '$' -> "}\x04", '}' -> "}]", '*' -> "}\x0a" */
	n = gdb_frame(out, sizeof(out), bin, sizeof(bin));
	ck_assert_uint_eq(n, 1 + 10 + 3);
	ck_assert_int_eq(memcmp(out,
				"$a}\x03}\x04}]}\x0a"
				"b#",
				12),
			 0);
	/* the receiver's view: the framed bytes parse back, and unescape gives the data */
	ck_assert_int_eq(feed(out, n, &(unsigned){0}), GDB_RX_PACKET);
	ck_assert_int_eq(gdb_unescape(rx.buf, rx.len), (ssize_t)sizeof(bin));
	ck_assert_int_eq(memcmp(rx.buf, bin, sizeof(bin)), 0);
	/* too small a buffer: 0, never a partial frame */
	ck_assert_uint_eq(gdb_frame(out, 5, "OK", 2), 0);
	ck_assert_uint_eq(gdb_frame(out, 3, "", 0), 0);
}
END_TEST

START_TEST(test_unescape_dangling)
{
	char buf[] = "ab}";

	ck_assert_int_eq(gdb_unescape(buf, 3), -1);
}
END_TEST

START_TEST(test_hex)
{
	uint8_t b[3];
	char h[7] = {0};
	const char *p, *s;
	uint64_t v;

	gdb_hex_encode(h, (const uint8_t[]){0x00, 0xab, 0x7f}, 3);
	ck_assert_str_eq(h, "00ab7f");
	ck_assert_int_eq(gdb_hex_decode(b, "00AB7f", 3), 0);
	ck_assert_uint_eq(b[1], 0xab);
	ck_assert_int_eq(gdb_hex_decode(b, "0g", 1), -1);
	s = "ffffffff80000000,4";
	p = s;
	ck_assert_int_eq(gdb_parse_hex(&p, s + strlen(s), &v), 0);
	ck_assert_uint_eq(v, 0xffffffff80000000ULL);
	ck_assert_ptr_eq(p, s + 16);
	/* 17 significant digits overflow; leading zeros do not */
	s = "10000000000000000";
	p = s;
	ck_assert_int_eq(gdb_parse_hex(&p, s + strlen(s), &v), -1);
	s = "00000000000000000001";
	p = s;
	ck_assert_int_eq(gdb_parse_hex(&p, s + strlen(s), &v), 0);
	ck_assert_uint_eq(v, 1);
	s = ",4";
	p = s;
	ck_assert_int_eq(gdb_parse_hex(&p, s + 2, &v), -1);
	/* never reads past end */
	s = "12";
	p = s;
	ck_assert_int_eq(gdb_parse_hex(&p, s + 1, &v), 0);
	ck_assert_uint_eq(v, 1);
}
END_TEST

START_TEST(test_random_bytes_never_overrun)
{
	/* a hostile stream: whatever comes, the parser stays within its buffer */
	unsigned seed = 12345;

	for (unsigned i = 0; i < 200000; i++) {
		seed = seed * 1103515245u + 12345u;
		gdb_rx_byte(&rx, (uint8_t)(seed >> 16));
		ck_assert_uint_le(rx.len, GDB_PACKET_MAX);
	}
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("gdb_packet");
	TCase *tc = tcase_create("packet");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_good_packets);
	tcase_add_test(tc, test_bad_checksum_and_bad_digits);
	tcase_add_test(tc, test_acks_interrupt_and_noise);
	tcase_add_test(tc, test_dollar_restarts_a_packet);
	tcase_add_test(tc, test_overlong_packet_is_bad_not_truncated);
	tcase_add_test(tc, test_frame_and_escape);
	tcase_add_test(tc, test_unescape_dangling);
	tcase_add_test(tc, test_hex);
	tcase_add_test(tc, test_random_bytes_never_overrun);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run_suite(suite());
}
