// SPDX-License-Identifier: MIT
/*
 * The virtio-mmio transport's interrupt line, as the spec (virtio 1.x,
 * 4.2.2 and 2.7.7/2.7.10) says a driver sees it: the line is up while
 * InterruptStatus has a bit set (used buffer: bit 0, configuration
 * change: bit 1) and down once InterruptACK has cleared them all; a
 * completion asks for one only if the driver wants it (no
 * VRING_AVAIL_F_NO_INTERRUPT; with VIRTIO_RING_F_EVENT_IDX, only when
 * used->idx passes used_event).
 */
#include "test_virt_harness.h"

#include "support/run_suite.h"

struct probe {
	int level;
	unsigned gsi, rises;
};

static struct probe line;

static void line_set(void *ctx, unsigned gsi, int level)
{
	struct probe *p = ctx;

	p->gsi = gsi;
	if (level && p->level != 1)
		p->rises++;
	p->level = level;
}

static void setup(void)
{
	bench_up(1 << 16, false);
	line = (struct probe){.level = -1};
	virtio_mmio_connect_irq(B.t, line_set, &line);
}

static void teardown(void)
{
	bench_down();
}

static uint16_t *used_event(void)
{
	return &avail()->ring[QNUM]; /* right after the avail ring (spec 2.7.6) */
}

/* One 512-byte write at sector 0; returns once the device has used it. */
static void one_request(void)
{
	uint16_t before = used()->idx;

	req3(VIRTIO_BLK_T_OUT, 0, DATA_GPA, 512);
	ck_assert_uint_eq(used()->idx, (uint16_t)(before + 1));
}

START_TEST(line_is_the_transports_gsi_and_starts_low)
{
	ck_assert_int_eq(line.level, 0);
	ck_assert_uint_eq(line.gsi, 5); /* what the transport was attached with */
}
END_TEST

START_TEST(used_buffer_raises_ack_lowers)
{
	drv_init(0);
	one_request();
	ck_assert_int_eq(line.level, 1);
	ck_assert_uint_eq(mmio_r(VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_MMIO_INT_VRING);
	mmio_w(VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_MMIO_INT_VRING);
	ck_assert_int_eq(line.level, 0);
	one_request();
	ck_assert_int_eq(line.level, 1);
	ck_assert_uint_eq(line.rises, 2);
}
END_TEST

START_TEST(line_stays_up_while_any_bit_is_left)
{
	drv_init(0);
	one_request();
	/* A hostile ring makes the device need a reset: the config-change bit joins. */
	avail()->ring[B.avail_idx % QNUM] = QNUM + 3; /* head out of range */
	B.avail_idx++;
	avail()->idx = B.avail_idx;
	mmio_w(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	ck_assert_uint_eq(mmio_r(VIRTIO_MMIO_INTERRUPT_STATUS),
			  VIRTIO_MMIO_INT_VRING | VIRTIO_MMIO_INT_CONFIG);
	mmio_w(VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_MMIO_INT_VRING);
	ck_assert_int_eq(line.level, 1);
	mmio_w(VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_MMIO_INT_CONFIG);
	ck_assert_int_eq(line.level, 0);
}
END_TEST

START_TEST(reset_lowers_the_line)
{
	drv_init(0);
	one_request();
	ck_assert_int_eq(line.level, 1);
	mmio_w(VIRTIO_MMIO_STATUS, 0);
	ck_assert_int_eq(line.level, 0);
}
END_TEST

START_TEST(no_interrupt_flag_suppresses)
{
	drv_init(0);
	avail()->flags = VRING_AVAIL_F_NO_INTERRUPT;
	one_request();
	ck_assert_int_eq(line.level, 0);
	ck_assert_uint_eq(mmio_r(VIRTIO_MMIO_INTERRUPT_STATUS), 0);
	avail()->flags = 0;
	one_request();
	ck_assert_int_eq(line.level, 1);
}
END_TEST

START_TEST(event_idx_interrupts_when_used_event_is_passed)
{
	drv_init(FEAT(VIRTIO_RING_F_EVENT_IDX));
	/* "Interrupt me when used->idx goes past 2": requests 1 and 2 stay quiet. */
	*used_event() = 2;
	one_request();
	ck_assert_int_eq(line.level, 0);
	one_request();
	ck_assert_int_eq(line.level, 0);
	one_request(); /* used->idx becomes 3: the entry at index 2 is the one asked for */
	ck_assert_int_eq(line.level, 1);
	/* The NO_INTERRUPT flag means nothing with EVENT_IDX (spec 2.7.10). */
	mmio_w(VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_MMIO_INT_VRING);
	avail()->flags = VRING_AVAIL_F_NO_INTERRUPT;
	*used_event() = 3;
	one_request();
	ck_assert_int_eq(line.level, 1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("virtio_irq");
	TCase *tc = tcase_create("line");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, line_is_the_transports_gsi_and_starts_low);
	tcase_add_test(tc, used_buffer_raises_ack_lowers);
	tcase_add_test(tc, line_stays_up_while_any_bit_is_left);
	tcase_add_test(tc, reset_lowers_the_line);
	tcase_add_test(tc, no_interrupt_flag_suppresses);
	tcase_add_test(tc, event_idx_interrupts_when_used_event_is_passed);
	suite_add_tcase(s, tc);
	return test_run_suite(s);
}
