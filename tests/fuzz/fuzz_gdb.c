// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the gdb stub's packet layer (src/gdb/packet.c) and
 * command layer (src/gdb/commands.c) fed what a hostile client sends,
 * byte by byte, over a fake target: registers in a struct and 16 KiB of
 * "guest-virtual" memory at 0x10000, nothing mapped elsewhere.
 *
 * Oracles besides ASan/UBSan:
 *  - a completed packet never exceeds GDB_PACKET_MAX, and its checksum is
 *    the modulo-256 sum of its bytes (GDB manual, "Overview" of the
 *    remote protocol), recomputed here independently;
 *  - the command layer only touches target memory through the callbacks,
 *    which assert that every access lies inside the fake's window;
 *  - every reply fits the packet size gdb was told (PacketSize).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "gdb/packet.h"
#include "gdb/session.h"

#define MEM_BASE 0x10000ULL
#define MEM_SIZE 0x4000ULL

struct fake_target {
	struct gdb_target ops;
	struct vcpu_regs regs;
	uint8_t fx[VCPU_FXSAVE_SIZE]; /* x87/SSE registers (p/P/g/G, the tag word conversion) */
	uint8_t mem[MEM_SIZE];
};

static struct fake_target *fake_of(struct gdb_target *t)
{
	return (struct fake_target *)t;
}

static int get_regs(struct gdb_target *t, struct vcpu_regs *r)
{
	*r = fake_of(t)->regs;
	return 0;
}

static int set_regs(struct gdb_target *t, const struct vcpu_regs *r)
{
	fake_of(t)->regs = *r;
	return 0;
}

static int get_fx(struct gdb_target *t, uint8_t fx[VCPU_FXSAVE_SIZE])
{
	memcpy(fx, fake_of(t)->fx, VCPU_FXSAVE_SIZE);
	return 0;
}

static int set_fx(struct gdb_target *t, const uint8_t fx[VCPU_FXSAVE_SIZE])
{
	memcpy(fake_of(t)->fx, fx, VCPU_FXSAVE_SIZE);
	return 0;
}

/* Bytes of [gva, gva+n) inside the window, from its start; 0 outside. */
static size_t window_span(uint64_t gva, size_t n)
{
	if (gva < MEM_BASE || gva >= MEM_BASE + MEM_SIZE)
		return 0;
	return n < MEM_BASE + MEM_SIZE - gva ? n : (size_t)(MEM_BASE + MEM_SIZE - gva);
}

static size_t read_mem(struct gdb_target *t, uint64_t gva, void *buf, size_t n)
{
	size_t k = window_span(gva, n);

	if (k)
		memcpy(buf, fake_of(t)->mem + (gva - MEM_BASE), k);
	return k;
}

static size_t write_mem(struct gdb_target *t, uint64_t gva, const void *buf, size_t n)
{
	size_t k = window_span(gva, n);

	if (k)
		memcpy(fake_of(t)->mem + (gva - MEM_BASE), buf, k);
	return k;
}

static uint8_t sum_of(const char *p, size_t n)
{
	uint8_t s = 0;

	for (size_t i = 0; i < n; i++)
		s = (uint8_t)(s + (uint8_t)p[i]);
	return s;
}

/* The packet the parser accepted must carry the checksum the client sent. */
static void check_packet(const struct gdb_rx *rx, const uint8_t *data, size_t end)
{
	char digits[3];

	if (rx->len > GDB_PACKET_MAX || end < 2)
		abort();
	/* libc's hex reading, not the parser's own: an independent reading. */
	digits[0] = (char)data[end - 1];
	digits[1] = (char)data[end];
	digits[2] = '\0';
	if (!isxdigit(data[end - 1]) || !isxdigit(data[end]) ||
	    (uint8_t)strtoul(digits, NULL, 16) != sum_of(rx->buf, rx->len))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fake_target fake;
	static struct gdb_session s;
	static struct gdb_rx rx;
	static char pkt[GDB_PACKET_MAX + 1];

	memset(&fake, 0, sizeof(fake));
	fake.ops = (struct gdb_target){.get_regs = get_regs,
				       .set_regs = set_regs,
				       .get_fx = get_fx,
				       .set_fx = set_fx,
				       .read_mem = read_mem,
				       .write_mem = write_mem};
	gdb_session_init(&s, &fake.ops);
	gdb_rx_init(&rx);
	for (size_t i = 0; i < size; i++) {
		if (gdb_rx_byte(&rx, data[i]) != GDB_RX_PACKET)
			continue;
		check_packet(&rx, data, i);
		memcpy(pkt, rx.buf, rx.len);
		pkt[rx.len] = '\0';
		if (gdb_command(&s, pkt, rx.len) == GDB_ACT_KILL)
			return 0;
		if (s.reply_len > GDB_PACKET_MAX)
			abort();
	}
	return 0;
}
