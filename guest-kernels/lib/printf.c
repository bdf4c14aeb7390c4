// SPDX-License-Identifier: MIT
#include <stdint.h>

#include "printf.h"
#include "uart.h"

/* Where formatted characters go: the UART, or a bounded buffer. */
struct sink {
	void (*put)(struct sink *s, char c);
	char *buf;
	size_t size;
	size_t len;
};

static void put_uart(struct sink *s, char c)
{
	if (c == '\n')
		uart_putc('\r');
	uart_putc(c);
	s->len++;
}

static void put_buf(struct sink *s, char c)
{
	if (s->len + 1 < s->size)
		s->buf[s->len] = c;
	s->len++;
}

struct spec {
	int left;
	int zero;
	int alt;
	int width;
};

static void emit_padded(struct sink *s, const struct spec *sp, const char *prefix, const char *body,
			int body_len)
{
	int prefix_len = 0;
	int pad;

	while (prefix[prefix_len])
		prefix_len++;
	pad = sp->width - prefix_len - body_len;
	if (!sp->left && !sp->zero)
		for (; pad > 0; pad--)
			s->put(s, ' ');
	for (int i = 0; i < prefix_len; i++)
		s->put(s, prefix[i]);
	if (!sp->left && sp->zero)
		for (; pad > 0; pad--)
			s->put(s, '0');
	for (int i = 0; i < body_len; i++)
		s->put(s, body[i]);
	for (; pad > 0; pad--)
		s->put(s, ' ');
}

/* prefix: "-", "0x" or "" (as C, %#x prints no 0x for zero: the caller decides). */
static void emit_number(struct sink *s, const struct spec *sp, uint64_t v, unsigned base, int upper,
			const char *prefix)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = sizeof(tmp);

	do {
		tmp[--n] = digits[v % base];
		v /= base;
	} while (v);
	emit_padded(s, sp, prefix, tmp + n, (int)sizeof(tmp) - n);
}

static int format(struct sink *s, const char *fmt, va_list ap)
{
	for (; *fmt; fmt++) {
		struct spec sp = {0, 0, 0, 0};
		int lng = 0;
		uint64_t u;
		int64_t d;

		if (*fmt != '%') {
			s->put(s, *fmt);
			continue;
		}
		for (fmt++;; fmt++) {
			if (*fmt == '-')
				sp.left = 1;
			else if (*fmt == '0')
				sp.zero = 1;
			else if (*fmt == '#')
				sp.alt = 1;
			else
				break;
		}
		if (*fmt == '*') {
			sp.width = va_arg(ap, int);
			fmt++;
		}
		for (; *fmt >= '0' && *fmt <= '9'; fmt++)
			sp.width = sp.width * 10 + (*fmt - '0');
		for (; *fmt == 'l' || *fmt == 'z'; fmt++)
			lng++;

		switch (*fmt) {
		case 'd':
		case 'i':
			d = lng ? va_arg(ap, int64_t) : va_arg(ap, int);
			u = d < 0 ? -(uint64_t)d : (uint64_t)d;
			emit_number(s, &sp, u, 10, 0, d < 0 ? "-" : "");
			break;
		case 'u':
			u = lng ? va_arg(ap, uint64_t) : va_arg(ap, unsigned int);
			emit_number(s, &sp, u, 10, 0, "");
			break;
		case 'x':
		case 'X':
			u = lng ? va_arg(ap, uint64_t) : va_arg(ap, unsigned int);
			emit_number(s, &sp, u, 16, *fmt == 'X',
				    sp.alt && u ? (*fmt == 'X' ? "0X" : "0x") : "");
			break;
		case 'p':
			sp.zero = 1;
			sp.width = 18;
			emit_number(s, &sp, (uint64_t)(uintptr_t)va_arg(ap, void *), 16, 0, "0x");
			break;
		case 's': {
			const char *str = va_arg(ap, const char *);
			int len = 0;

			if (!str)
				str = "(null)";
			while (str[len])
				len++;
			sp.zero = 0;
			emit_padded(s, &sp, "", str, len);
			break;
		}
		case 'c': {
			char c = (char)va_arg(ap, int);

			sp.zero = 0;
			emit_padded(s, &sp, "", &c, 1);
			break;
		}
		case '%':
			s->put(s, '%');
			break;
		case '\0':
			return (int)s->len;
		default:
			/* Unknown conversion: show it rather than guess. */
			s->put(s, '%');
			s->put(s, *fmt);
			break;
		}
	}
	return (int)s->len;
}

int kvprintf(const char *fmt, va_list ap)
{
	struct sink s = {put_uart, NULL, 0, 0};

	return format(&s, fmt, ap);
}

int kprintf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = kvprintf(fmt, ap);
	va_end(ap);
	return n;
}

int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct sink s = {put_buf, buf, size, 0};
	int n = format(&s, fmt, ap);

	if (size)
		buf[s.len < size ? s.len : size - 1] = '\0';
	return n;
}

int ksnprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = kvsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
