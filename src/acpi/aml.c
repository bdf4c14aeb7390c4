// SPDX-License-Identifier: MIT
/* AML encoding (ACPI 6.x, 20.2) and resource descriptors (6.4). */
#include "acpi/aml.h"

#include <string.h>

#define AML_ZERO_OP 0x00
#define AML_ONE_OP 0x01
#define AML_NAME_OP 0x08
#define AML_BYTE_PREFIX 0x0a
#define AML_WORD_PREFIX 0x0b
#define AML_DWORD_PREFIX 0x0c
#define AML_STRING_PREFIX 0x0d
#define AML_QWORD_PREFIX 0x0e
#define AML_SCOPE_OP 0x10
#define AML_BUFFER_OP 0x11
#define AML_PACKAGE_OP 0x12
#define AML_EXT_OP_PREFIX 0x5b
#define AML_DEVICE_OP 0x82 /* after AML_EXT_OP_PREFIX */
#define AML_DUAL_NAME_PREFIX 0x2e
#define AML_MULTI_NAME_PREFIX 0x2f
#define AML_ROOT_CHAR '\\'
#define AML_NAME_SEG_LEN 4
#define AML_MAX_SEGMENTS 8

/* Resource descriptor tags (6.4.2 small, 6.4.3 large). */
#define RES_IRQ_NOFLAGS 0x22
#define RES_IO 0x47
#define RES_END_TAG 0x79
#define RES_MEMORY32_FIXED 0x86
#define RES_EXT_INTERRUPT 0x89

void aml_init(struct aml *a, uint8_t *buf, size_t cap)
{
	a->buf = buf;
	a->cap = cap;
	a->len = 0;
	a->error = false;
}

void aml_bytes(struct aml *a, const void *p, size_t n)
{
	if (a->error || n > a->cap - a->len) {
		a->error = true;
		return;
	}
	memcpy(a->buf + a->len, p, n);
	a->len += n;
}

static void aml_byte(struct aml *a, uint8_t b)
{
	aml_bytes(a, &b, 1);
}

static void aml_le(struct aml *a, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		aml_byte(a, (uint8_t)(v >> (8 * i)));
}

static bool name_char_ok(char c, bool lead)
{
	return (c >= 'A' && c <= 'Z') || c == '_' || (!lead && c >= '0' && c <= '9');
}

/* One NameSeg from [s, s + n): 1..4 valid characters, padded with '_'. */
static void aml_name_seg(struct aml *a, const char *s, size_t n)
{
	char seg[AML_NAME_SEG_LEN] = {'_', '_', '_', '_'};

	if (n == 0 || n > AML_NAME_SEG_LEN) {
		a->error = true;
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (!name_char_ok(s[i], i == 0)) {
			a->error = true;
			return;
		}
		seg[i] = s[i];
	}
	aml_bytes(a, seg, sizeof(seg));
}

void aml_name_string(struct aml *a, const char *path)
{
	const char *seg[AML_MAX_SEGMENTS];
	size_t seg_len[AML_MAX_SEGMENTS];
	unsigned n = 0;

	if (*path == AML_ROOT_CHAR)
		aml_byte(a, (uint8_t)*path++);
	if (!*path) { /* the root itself: a NullName */
		aml_byte(a, 0);
		return;
	}
	for (const char *p = path;; p++) {
		const char *dot = strchr(p, '.');
		size_t len = dot ? (size_t)(dot - p) : strlen(p);

		if (n == AML_MAX_SEGMENTS) {
			a->error = true;
			return;
		}
		seg[n] = p;
		seg_len[n++] = len;
		if (!dot)
			break;
		p = dot;
	}
	if (n == 2)
		aml_byte(a, AML_DUAL_NAME_PREFIX);
	else if (n > 2) {
		aml_byte(a, AML_MULTI_NAME_PREFIX);
		aml_byte(a, (uint8_t)n);
	}
	for (unsigned i = 0; i < n; i++)
		aml_name_seg(a, seg[i], seg_len[i]);
}

void aml_integer(struct aml *a, uint64_t v)
{
	if (v == 0) {
		aml_byte(a, AML_ZERO_OP);
	} else if (v == 1) {
		aml_byte(a, AML_ONE_OP);
	} else if (v <= UINT8_MAX) {
		aml_byte(a, AML_BYTE_PREFIX);
		aml_le(a, v, 1);
	} else if (v <= UINT16_MAX) {
		aml_byte(a, AML_WORD_PREFIX);
		aml_le(a, v, 2);
	} else if (v <= UINT32_MAX) {
		aml_byte(a, AML_DWORD_PREFIX);
		aml_le(a, v, 4);
	} else {
		aml_byte(a, AML_QWORD_PREFIX);
		aml_le(a, v, 8);
	}
}

void aml_string(struct aml *a, const char *s)
{
	aml_byte(a, AML_STRING_PREFIX);
	aml_bytes(a, s, strlen(s) + 1);
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* 19.6.35 EISAID: letters as 5-bit values (A = 1), then the product number. */
void aml_eisa_id(struct aml *a, const char *id)
{
	uint8_t b[4];
	int d[4];

	if (strlen(id) != 7) {
		a->error = true;
		return;
	}
	for (int i = 0; i < 3; i++)
		if (id[i] < 'A' || id[i] > 'Z')
			a->error = true;
	for (int i = 0; i < 4; i++)
		if ((d[i] = hex_digit(id[3 + i])) < 0)
			a->error = true;
	if (a->error)
		return;
	b[0] = (uint8_t)(((id[0] - 0x40) << 2) | ((id[1] - 0x40) >> 3));
	b[1] = (uint8_t)((((id[1] - 0x40) & 7) << 5) | (id[2] - 0x40));
	b[2] = (uint8_t)(d[0] << 4 | d[1]);
	b[3] = (uint8_t)(d[2] << 4 | d[3]);
	aml_byte(a, AML_DWORD_PREFIX);
	aml_bytes(a, b, sizeof(b));
}

size_t aml_scope_begin(struct aml *a, const char *path)
{
	size_t mark;

	aml_byte(a, AML_SCOPE_OP);
	mark = a->len;
	aml_name_string(a, path);
	return mark;
}

size_t aml_device_begin(struct aml *a, const char *name)
{
	size_t mark;

	aml_byte(a, AML_EXT_OP_PREFIX);
	aml_byte(a, AML_DEVICE_OP);
	mark = a->len;
	aml_name_string(a, name);
	return mark;
}

size_t aml_package_begin(struct aml *a, uint8_t nr_elements)
{
	size_t mark;

	aml_byte(a, AML_PACKAGE_OP);
	mark = a->len;
	aml_byte(a, nr_elements);
	return mark;
}

/*
 * 20.2.4 PkgLength: the length counts itself. One byte holds up to 63;
 * otherwise the lead byte's bits 7:6 say how many bytes follow, its low
 * nibble holds bits 3:0 and each following byte the next eight bits.
 */
void aml_end(struct aml *a, size_t mark)
{
	size_t body = a->len - mark, n, total;
	uint8_t enc[4];

	if (a->error)
		return;
	for (n = 1; n <= 4; n++) {
		total = body + n;
		if ((n == 1 && total <= 0x3f) || (n > 1 && total < (1ULL << (4 + 8 * (n - 1)))))
			break;
	}
	if (n > 4 || n > a->cap - a->len) {
		a->error = true;
		return;
	}
	if (n == 1) {
		enc[0] = (uint8_t)total;
	} else {
		enc[0] = (uint8_t)(((n - 1) << 6) | (total & 0xf));
		for (size_t i = 1; i < n; i++)
			enc[i] = (uint8_t)(total >> (4 + 8 * (i - 1)));
	}
	memmove(a->buf + mark + n, a->buf + mark, body);
	memcpy(a->buf + mark, enc, n);
	a->len += n;
}

void aml_name(struct aml *a, const char *name)
{
	aml_byte(a, AML_NAME_OP);
	aml_name_string(a, name);
}

void aml_buffer(struct aml *a, const uint8_t *data, size_t len)
{
	size_t mark;

	aml_byte(a, AML_BUFFER_OP);
	mark = a->len;
	aml_integer(a, len);
	aml_bytes(a, data, len);
	aml_end(a, mark);
}

/* 6.4.2.5 I/O port descriptor, 16-bit decode, one fixed range. */
void aml_res_io(struct aml *r, uint16_t port, uint8_t len)
{
	uint8_t d[8] = {
	    RES_IO, 0x01, (uint8_t)port, (uint8_t)(port >> 8), (uint8_t)port, (uint8_t)(port >> 8),
	    0x01,   len};

	aml_bytes(r, d, sizeof(d));
}

/* 6.4.2.1 IRQ descriptor without the flags byte: edge-triggered, active high. */
void aml_res_irq_noflags(struct aml *r, uint8_t irq)
{
	uint16_t mask = (uint16_t)(1u << (irq & 15));
	uint8_t d[3] = {RES_IRQ_NOFLAGS, (uint8_t)mask, (uint8_t)(mask >> 8)};

	if (irq > 15)
		r->error = true;
	aml_bytes(r, d, sizeof(d));
}

/* 6.4.3.4 32-bit fixed memory range descriptor. */
void aml_res_memory32_fixed(struct aml *r, uint32_t base, uint32_t size, bool writable)
{
	aml_bytes(r, (const uint8_t[]){RES_MEMORY32_FIXED, 9, 0, writable ? 1 : 0}, 4);
	aml_le(r, base, 4);
	aml_le(r, size, 4);
}

/* 6.4.3.6 Extended interrupt descriptor with one interrupt number, no resource source. */
void aml_res_interrupt(struct aml *r, uint32_t irq, bool level, bool active_low, bool shared)
{
	uint8_t flags = (uint8_t)(0x01 /* consumer */ | (level ? 0 : 0x02) |
				  (active_low ? 0x04 : 0) | (shared ? 0x08 : 0));

	aml_bytes(r, (const uint8_t[]){RES_EXT_INTERRUPT, 6, 0, flags, 1}, 5);
	aml_le(r, irq, 4);
}

/* 6.4.2.9 End tag; a zero checksum means "treat as valid". */
void aml_res_end(struct aml *r)
{
	aml_bytes(r, (const uint8_t[]){RES_END_TAG, 0}, 2);
}
