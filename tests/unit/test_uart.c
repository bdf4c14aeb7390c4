// SPDX-License-Identifier: MIT
/*
 * 16550A registers. Expected values come from the PC16550D datasheet
 * (register reset values, IIR priority table, loopback wiring) and from the
 * probes Linux's 8250 driver makes to recognise a 16550A (autoconfig():
 * the loopback MSR check expecting 0x90, IIR bits 7:6 = 3 after enabling
 * the FIFO), not from the model's code.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "devices/uart.h"
#include "support/run_suite.h"

enum {
	RBR = 0,
	THR = 0,
	DLL = 0,
	IER = 1,
	DLM = 1,
	IIR = 2,
	FCR = 2,
	LCR = 3,
	MCR = 4,
	LSR = 5,
	MSR = 6,
	SCR = 7
};

struct host {
	uint8_t out[64];
	unsigned out_len;
	const uint8_t *in;
	unsigned in_len, in_pos, polls;
};

static void host_tx(void *opaque, uint8_t byte)
{
	struct host *h = opaque;

	if (h->out_len < sizeof(h->out))
		h->out[h->out_len++] = byte;
}

static unsigned host_rx(void *opaque, uint8_t *buf, unsigned max)
{
	struct host *h = opaque;
	unsigned n = 0;

	h->polls++;
	while (n < max && h->in_pos < h->in_len)
		buf[n++] = h->in[h->in_pos++];
	return n;
}

static struct host host;
static struct uart16550 u;

static void setup(void)
{
	struct uart_backend be = {host_tx, host_rx, &host};

	memset(&host, 0, sizeof(host));
	uart_init(&u, &be);
}

static uint8_t rd(unsigned reg)
{
	return uart_read(&u, reg);
}

static void wr(unsigned reg, uint8_t v)
{
	uart_write(&u, reg, v);
}

START_TEST(reset_values)
{
	ck_assert_uint_eq(rd(IER), 0x00);
	ck_assert_uint_eq(rd(IIR), 0x01); /* no interrupt pending, FIFOs off */
	ck_assert_uint_eq(rd(LCR), 0x00);
	ck_assert_uint_eq(rd(MCR), 0x00);
	ck_assert_uint_eq(rd(LSR), 0x60); /* THRE | TEMT */
	/* Modem inputs with nothing attached: CTS, DSR, DCD asserted (QEMU). */
	ck_assert_uint_eq(rd(MSR), 0xb0);
}
END_TEST

START_TEST(scratch_register_holds_any_value)
{
	wr(SCR, 0xa5);
	ck_assert_uint_eq(rd(SCR), 0xa5);
	wr(SCR, 0x5a);
	ck_assert_uint_eq(rd(SCR), 0x5a);
}
END_TEST

START_TEST(dlab_selects_divisor_latch)
{
	wr(IER, 0x05);
	wr(LCR, 0x83); /* DLAB + 8N1 */
	wr(DLL, 0x0c);
	wr(DLM, 0x01);
	ck_assert_uint_eq(rd(DLL), 0x0c);
	ck_assert_uint_eq(rd(DLM), 0x01);
	ck_assert_uint_eq(u.divisor, 0x010c);
	ck_assert_uint_eq(host.out_len, 0); /* a divisor write is not a transmit */
	wr(LCR, 0x03);
	ck_assert_uint_eq(rd(LCR), 0x03);
	ck_assert_uint_eq(rd(IER), 0x05); /* IER untouched by the divisor writes */
	wr(THR, 'x');
	ck_assert_uint_eq(host.out_len, 1);
	ck_assert_uint_eq(host.out[0], 'x');
}
END_TEST

START_TEST(ier_keeps_low_four_bits_mcr_low_five)
{
	wr(IER, 0xff);
	ck_assert_uint_eq(rd(IER), 0x0f);
	wr(MCR, 0xff);
	ck_assert_uint_eq(rd(MCR), 0x1f);
}
END_TEST

START_TEST(transmit_goes_to_host_in_order)
{
	const char *msg = "hi\n";

	for (const char *p = msg; *p; p++) {
		ck_assert_uint_eq(rd(LSR) & 0x20, 0x20); /* THRE before each byte */
		wr(THR, (uint8_t)*p);
	}
	ck_assert_uint_eq(host.out_len, 3);
	ck_assert_mem_eq(host.out, msg, 3);
	ck_assert_uint_eq(rd(LSR), 0x60);
}
END_TEST

START_TEST(linux_loopback_probe)
{
	/* 8250 autoconfig: MCR = LOOP | OUT2 | RTS must read back as DCD | CTS. */
	wr(MCR, 0x10 | 0x0a);
	ck_assert_uint_eq(rd(MSR) & 0xf0, 0x90);
	/* DTR -> DSR, OUT1 -> RI. */
	wr(MCR, 0x10 | 0x05);
	ck_assert_uint_eq(rd(MSR) & 0xf0, 0x60);
}
END_TEST

START_TEST(loopback_msr_delta_bits)
{
	wr(MCR, 0x10 | 0x0f); /* all four modem inputs asserted */
	rd(MSR);	      /* clears deltas */
	ck_assert_uint_eq(rd(MSR), 0xf0);
	wr(MCR, 0x10 | 0x0b);			 /* OUT1 drops: RI trailing edge */
	ck_assert_uint_eq(rd(MSR), 0xb0 | 0x04); /* TERI */
	ck_assert_uint_eq(rd(MSR), 0xb0);	 /* read clears it */
	wr(MCR, 0x10 | 0x0f);			 /* RI rises: no TERI (trailing edge only) */
	ck_assert_uint_eq(rd(MSR), 0xf0);
	wr(MCR, 0x10); /* CTS, DSR, DCD drop */
	ck_assert_uint_eq(rd(MSR), 0x0b | 0x04);
}
END_TEST

START_TEST(loopback_transmit_is_received_not_sent)
{
	wr(MCR, 0x10);
	wr(THR, 0x42);
	ck_assert_uint_eq(host.out_len, 0);
	ck_assert_uint_eq(rd(LSR), 0x61); /* DR | THRE | TEMT */
	ck_assert_uint_eq(rd(RBR), 0x42);
	ck_assert_uint_eq(rd(LSR), 0x60);
	/* Input from the host is not connected in loopback. */
	host.in = (const uint8_t *)"z";
	host.in_len = 1;
	ck_assert_uint_eq(rd(LSR) & 0x01, 0);
	ck_assert_uint_eq(host.polls, 0);
}
END_TEST

START_TEST(fifo_enable_identifies_16550a)
{
	wr(FCR, 0x01);
	ck_assert_uint_eq(rd(IIR) >> 6, 3); /* 16550A: both FIFO bits */
	ck_assert_uint_eq(rd(IIR), 0xc1);
	wr(FCR, 0x00);
	ck_assert_uint_eq(rd(IIR), 0x01);
}
END_TEST

START_TEST(fifo_holds_sixteen_then_overruns)
{
	wr(FCR, 0x07); /* enable, clear both */
	wr(MCR, 0x10);
	for (unsigned i = 0; i < 16; i++)
		wr(THR, (uint8_t)(0x30 + i));
	ck_assert_uint_eq(rd(LSR), 0x61); /* no overrun yet */
	wr(THR, 0x99);			  /* 17th byte */
	ck_assert_uint_eq(rd(LSR), 0x63); /* OE | DR */
	ck_assert_uint_eq(rd(LSR), 0x61); /* OE cleared by the read */
	for (unsigned i = 0; i < 16; i++)
		ck_assert_uint_eq(rd(RBR), 0x30 + i); /* FIFO kept the first 16 in order */
	ck_assert_uint_eq(rd(LSR), 0x60);
}
END_TEST

START_TEST(non_fifo_mode_overrun_overwrites)
{
	wr(MCR, 0x10);
	wr(THR, 1);
	wr(THR, 2);
	ck_assert_uint_eq(rd(LSR), 0x63);
	ck_assert_uint_eq(rd(RBR), 2); /* 16450: the new byte replaced the unread one */
	ck_assert_uint_eq(rd(LSR), 0x60);
}
END_TEST

START_TEST(fcr_clear_rx_and_toggle_enable_empty_the_fifo)
{
	wr(FCR, 0x01);
	wr(MCR, 0x10);
	wr(THR, 1);
	wr(THR, 2);
	wr(FCR, 0x03); /* clear RX */
	ck_assert_uint_eq(rd(LSR) & 0x01, 0);
	wr(THR, 3);
	wr(FCR, 0x00); /* disabling the FIFOs resets them */
	ck_assert_uint_eq(rd(LSR) & 0x01, 0);
}
END_TEST

START_TEST(iir_priorities)
{
	wr(MCR, 0x10); /* loopback: CTS, DSR, DCD drop -> modem status deltas */
	wr(IER, 0x08);
	ck_assert_uint_eq(rd(IIR), 0x00); /* modem status, lowest priority */
	rd(MSR);
	ck_assert_uint_eq(rd(IIR), 0x01);

	wr(IER, 0x0a); /* + THRE: enabling it with THR empty raises it */
	ck_assert_uint_eq(rd(IIR), 0x02);
	ck_assert_uint_eq(rd(IIR), 0x01); /* reading IIR acknowledged it */

	wr(IER, 0x0f);
	wr(THR, 0x41);			  /* loops back: data ready, and THR empty again */
	ck_assert_uint_eq(rd(IIR), 0x04); /* received data beats THRE */
	wr(THR, 0x42);			  /* overrun in 16450 mode */
	ck_assert_uint_eq(rd(IIR), 0x06); /* line status beats everything */
	rd(LSR);
	ck_assert_uint_eq(rd(IIR), 0x04);
	rd(RBR);
	ck_assert_uint_eq(rd(IIR), 0x02); /* THRE still pending from the write */
	ck_assert_uint_eq(rd(IIR), 0x01);
}
END_TEST

START_TEST(iir_disabled_sources_do_not_show)
{
	wr(MCR, 0x10);
	wr(THR, 1);
	wr(THR, 2); /* overrun, data ready, deltas */
	ck_assert_uint_eq(rd(IIR), 0x01);
	ck_assert(!uart_irq_pending(&u));
}
END_TEST

START_TEST(fifo_trigger_level_and_timeout)
{
	wr(FCR, 0xc1); /* FIFO on, trigger at 14 bytes */
	wr(MCR, 0x10);
	wr(IER, 0x01);
	wr(THR, 1);
	ck_assert_uint_eq(rd(IIR), 0xcc); /* below trigger: character timeout */
	for (unsigned i = 0; i < 13; i++)
		wr(THR, 1);
	ck_assert_uint_eq(rd(IIR), 0xc4); /* 14 bytes: received data available */
	wr(FCR, 0x47);			  /* trigger at 4, clear */
	wr(THR, 1);
	wr(THR, 1);
	wr(THR, 1);
	ck_assert_uint_eq(rd(IIR), 0xcc); /* 3 < 4 */
	wr(THR, 1);
	ck_assert_uint_eq(rd(IIR), 0xc4);
}
END_TEST

START_TEST(irq_line_gated_by_out2)
{
	wr(IER, 0x02);
	ck_assert(!uart_irq_pending(&u)); /* THRE pending but OUT2 low */
	wr(MCR, 0x08);
	ck_assert(uart_irq_pending(&u));
}
END_TEST

START_TEST(host_input_arrives_on_lsr_poll)
{
	host.in = (const uint8_t *)"ok";
	host.in_len = 2;
	ck_assert_uint_eq(rd(LSR), 0x61);
	ck_assert_uint_eq(rd(RBR), 'o');
	ck_assert_uint_eq(rd(LSR), 0x61);
	ck_assert_uint_eq(rd(RBR), 'k');
	ck_assert_uint_eq(rd(LSR), 0x60);
	ck_assert_uint_eq(rd(RBR), 0); /* empty */
}
END_TEST

START_TEST(host_input_fills_fifo_without_loss)
{
	static const uint8_t text[40] = "0123456789abcdefghijklmnopqrstuvwxyzABCD";

	host.in = text;
	host.in_len = sizeof(text);
	wr(FCR, 0x01);
	for (unsigned i = 0; i < sizeof(text); i++) {
		ck_assert_uint_eq(rd(LSR) & 0x03, 0x01); /* data, never an overrun */
		ck_assert_uint_eq(rd(RBR), text[i]);
	}
	ck_assert_uint_eq(rd(LSR), 0x60);
}
END_TEST

START_TEST(wide_access_touches_consecutive_registers)
{
	uint8_t w[2] = {'A', 0x03};
	uint8_t r[4];

	/* outw to 0x3f8: THR gets 'A', IER gets 0x03 (QEMU splits it the same way). */
	uart_access(&u, 0, w, 2, true);
	ck_assert_uint_eq(host.out_len, 1);
	ck_assert_uint_eq(host.out[0], 'A');
	ck_assert_uint_eq(rd(IER), 0x03);
	/* inl at offset 6: MSR, SCR, then two bytes past the UART read as 0xff. */
	wr(SCR, 0x77);
	uart_access(&u, 6, r, 4, false);
	ck_assert_uint_eq(r[1], 0x77);
	ck_assert_uint_eq(r[2], 0xff);
	ck_assert_uint_eq(r[3], 0xff);
}
END_TEST

START_TEST(lsr_and_msr_writes_are_ignored)
{
	wr(LSR, 0x1f);
	ck_assert_uint_eq(rd(LSR), 0x60);
	wr(MSR, 0x0f);
	ck_assert_uint_eq(rd(MSR), 0xb0);
}
END_TEST

/* ---- the interrupt output as the PIC sees it (connected through an irq_line) ---- */

struct line_probe {
	int level; /* -1: never driven */
	unsigned gsi;
	unsigned rises; /* low -> high transitions: the edges an ISA PIC latches */
	unsigned calls; /* every set(); a device must not repeat a level */
};

static struct line_probe line;

static void line_set(void *ctx, unsigned gsi, int level)
{
	struct line_probe *l = ctx;

	l->calls++;
	l->gsi = gsi;
	if (level && l->level != 1)
		l->rises++;
	l->level = level;
}

static void irq_setup(void)
{
	setup();
	memset(&line, 0, sizeof(line));
	line.level = -1;
	uart_connect_irq(&u, &(struct irq_line){line_set, &line, UART_COM1_IRQ});
}

START_TEST(line_connects_low_on_irq4)
{
	ck_assert_int_eq(line.level, 0);
	ck_assert_uint_eq(line.gsi, 4);
	/* An interrupt identified in IIR but OUT2 clear: nothing reaches the PIC. */
	wr(IER, UART_IER_ETBEI);
	ck_assert_uint_eq(rd(IIR) & 0x0f, 0x02);
	ck_assert_int_eq(line.level, 0);
}
END_TEST

START_TEST(thre_interrupt_follows_iir_read_and_thr_write)
{
	wr(MCR, UART_MCR_OUT2);
	wr(IER, UART_IER_ETBEI);
	ck_assert_int_eq(line.level, 1); /* THR is empty at once */
	/* Reading IIR that reports THRE acknowledges it (datasheet table 4). */
	ck_assert_uint_eq(rd(IIR), 0x02);
	ck_assert_int_eq(line.level, 0);
	/* Writing THR empties it again (instantly here): a new edge, as Linux expects. */
	wr(THR, 'a');
	ck_assert_int_eq(line.level, 1);
	ck_assert_uint_eq(line.rises, 2);
	/* Clearing ETBEI drops the request. */
	wr(IER, 0);
	ck_assert_int_eq(line.level, 0);
}
END_TEST

START_TEST(received_data_interrupt_until_fifo_drained)
{
	wr(MCR, UART_MCR_OUT2 | UART_MCR_DTR | UART_MCR_RTS);
	wr(FCR, UART_FCR_ENABLE); /* trigger level 1 byte */
	wr(IER, UART_IER_ERBFI);
	ck_assert_int_eq(line.level, 0);
	uart_receive(&u, 'x');
	uart_receive(&u, 'y');
	ck_assert_int_eq(line.level, 1);
	ck_assert_uint_eq(rd(IIR) & 0x0f, 0x04); /* received data available */
	ck_assert_uint_eq(rd(RBR), 'x');
	ck_assert_int_eq(line.level, 1); /* still one byte */
	ck_assert_uint_eq(rd(RBR), 'y');
	ck_assert_int_eq(line.level, 0);
	ck_assert_uint_eq(rd(IIR), 0xc1); /* FIFOs on, nothing pending */
}
END_TEST

START_TEST(out2_gates_a_pending_interrupt)
{
	wr(IER, UART_IER_ERBFI);
	uart_receive(&u, 'x');
	ck_assert_int_eq(line.level, 0);
	wr(MCR, UART_MCR_OUT2);
	ck_assert_int_eq(line.level, 1);
	wr(MCR, 0);
	ck_assert_int_eq(line.level, 0);
}
END_TEST

START_TEST(line_status_interrupt_cleared_by_lsr_read)
{
	wr(MCR, UART_MCR_OUT2);
	wr(IER, UART_IER_ELSI);
	/* 16450 mode holds one byte: the second is an overrun error. */
	uart_receive(&u, 'a');
	ck_assert_int_eq(line.level, 0); /* ERBFI is off */
	uart_receive(&u, 'b');
	ck_assert_int_eq(line.level, 1);
	ck_assert_uint_eq(rd(IIR) & 0x0f, 0x06); /* receiver line status, the highest priority */
	ck_assert_uint_eq(rd(LSR) & UART_LSR_OE, UART_LSR_OE);
	ck_assert_int_eq(line.level, 0);
}
END_TEST

START_TEST(modem_status_interrupt_cleared_by_msr_read)
{
	wr(MCR, UART_MCR_OUT2 | UART_MCR_LOOP);
	rd(MSR); /* entering loopback changed the lines: clear those deltas */
	wr(IER, UART_IER_EDSSI);
	ck_assert_int_eq(line.level, 0);
	/* In loopback DTR drives DSR: a change sets DDSR, a modem status interrupt. */
	wr(MCR, UART_MCR_OUT2 | UART_MCR_LOOP | UART_MCR_DTR);
	ck_assert_int_eq(line.level, 1);
	ck_assert_uint_eq(rd(IIR) & 0x0f, 0x00);
	ck_assert_uint_eq(rd(MSR) & UART_MSR_DDSR, UART_MSR_DDSR);
	ck_assert_int_eq(line.level, 0);
}
END_TEST

START_TEST(host_input_ready_raises_without_a_guest_read)
{
	static const uint8_t in[] = "hi";

	host.in = in;
	host.in_len = 2;
	wr(MCR, UART_MCR_OUT2);
	wr(IER, UART_IER_ERBFI);
	ck_assert_int_eq(line.level, 0);
	uart_host_input_ready(&u);
	ck_assert_int_eq(line.level, 1);
	ck_assert_uint_eq(rd(RBR), 'h');
	ck_assert_uint_eq(rd(RBR), 'i');
	ck_assert_int_eq(line.level, 0);
}
END_TEST

START_TEST(no_level_is_driven_twice)
{
	wr(MCR, UART_MCR_OUT2);
	wr(IER, UART_IER_ETBEI);
	for (int i = 0; i < 10; i++)
		wr(THR, 'z');
	ck_assert_uint_eq(line.calls, 2); /* connect (low), then high once */
}
END_TEST

static Suite *uart_suite(void)
{
	Suite *s = suite_create("uart16550a");
	TCase *tc = tcase_create("registers");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, reset_values);
	tcase_add_test(tc, scratch_register_holds_any_value);
	tcase_add_test(tc, dlab_selects_divisor_latch);
	tcase_add_test(tc, ier_keeps_low_four_bits_mcr_low_five);
	tcase_add_test(tc, transmit_goes_to_host_in_order);
	tcase_add_test(tc, linux_loopback_probe);
	tcase_add_test(tc, loopback_msr_delta_bits);
	tcase_add_test(tc, loopback_transmit_is_received_not_sent);
	tcase_add_test(tc, fifo_enable_identifies_16550a);
	tcase_add_test(tc, fifo_holds_sixteen_then_overruns);
	tcase_add_test(tc, non_fifo_mode_overrun_overwrites);
	tcase_add_test(tc, fcr_clear_rx_and_toggle_enable_empty_the_fifo);
	tcase_add_test(tc, iir_priorities);
	tcase_add_test(tc, iir_disabled_sources_do_not_show);
	tcase_add_test(tc, fifo_trigger_level_and_timeout);
	tcase_add_test(tc, irq_line_gated_by_out2);
	tcase_add_test(tc, host_input_arrives_on_lsr_poll);
	tcase_add_test(tc, host_input_fills_fifo_without_loss);
	tcase_add_test(tc, wide_access_touches_consecutive_registers);
	tcase_add_test(tc, lsr_and_msr_writes_are_ignored);
	suite_add_tcase(s, tc);

	tc = tcase_create("interrupt line");
	tcase_add_checked_fixture(tc, irq_setup, NULL);
	tcase_add_test(tc, line_connects_low_on_irq4);
	tcase_add_test(tc, thre_interrupt_follows_iir_read_and_thr_write);
	tcase_add_test(tc, received_data_interrupt_until_fifo_drained);
	tcase_add_test(tc, out2_gates_a_pending_interrupt);
	tcase_add_test(tc, line_status_interrupt_cleared_by_lsr_read);
	tcase_add_test(tc, modem_status_interrupt_cleared_by_msr_read);
	tcase_add_test(tc, host_input_ready_raises_without_a_guest_read);
	tcase_add_test(tc, no_level_is_driven_twice);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run_suite(uart_suite());
}
