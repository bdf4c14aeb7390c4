// SPDX-License-Identifier: MIT
/*
 * virtio-mmio transport and split virtqueue: registers, negotiation, and
 * every hostile ring/descriptor case. Expected behaviour comes from the
 * virtio 1.x spec: a malformed ring or chain must not be used; the device
 * sets DEVICE_NEEDS_RESET (2.1.1), logs once and keeps answering MMIO.
 */
#include <sys/stat.h>

#include "test_virt_harness.h"
#include "support/run_suite.h"

static void up(void)
{
	bench_up(64 * 1024, false);
}

static void down(void)
{
	bench_down();
}

/* A good 1-sector write must complete: proves the device still works. */
static void assert_good_request_works(void)
{
	uint16_t before = used_idx();

	memset(gpa(DATA_GPA), 0x5a, 512);
	req3(VIRTIO_BLK_T_OUT, 3, DATA_GPA, 512);
	ck_assert_uint_eq(used_idx(), (uint16_t)(before + 1));
	ck_assert_uint_eq(status_byte(), VIRTIO_BLK_S_OK);
}

/* The chain was refused: nothing used, device needs reset, one error logged. */
static void assert_refused(int why)
{
	uint64_t errors_before = 0;

	ck_assert_int_eq(B.t->vq[0].error, why);
	ck_assert_uint_eq(used_idx(), 0);
	ck_assert(needs_reset());
	ck_assert_uint_eq(B.t->nr_errors, errors_before + 1);
	ck_assert(mmio_r(VIRTIO_MMIO_INTERRUPT_STATUS) & VIRTIO_MMIO_INT_CONFIG);
	/* Further kicks are ignored until reset... */
	mmio_w(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	ck_assert_uint_eq(used_idx(), 0);
	/* ...and after a reset and a fresh bring-up the device works again. */
	memset(gpa(AVAIL_GPA), 0, 0x1000);
	memset(gpa(USED_GPA), 0, 0x1000);
	B.avail_idx = 0;
	drv_init(0);
	ck_assert(!needs_reset());
	assert_good_request_works();
}

START_TEST(identity_registers)
{
	ck_assert_uint_eq(mmio_r(VIRTIO_MMIO_MAGIC_VALUE), 0x74726976); /* "virt" */
	ck_assert_uint_eq(mmio_r(VIRTIO_MMIO_VERSION), 2);
	ck_assert_uint_eq(mmio_r(VIRTIO_MMIO_DEVICE_ID), 2); /* block device, spec 5 */
	mmio_w(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	ck_assert(mmio_r(VIRTIO_MMIO_DEVICE_FEATURES) & (1u << (VIRTIO_F_VERSION_1 - 32)));
	mmio_w(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	uint32_t f = mmio_r(VIRTIO_MMIO_DEVICE_FEATURES);
	ck_assert(f & (1u << VIRTIO_RING_F_INDIRECT_DESC));
	ck_assert(f & (1u << VIRTIO_RING_F_EVENT_IDX));
	ck_assert(f & (1u << VIRTIO_BLK_F_FLUSH));
	ck_assert(f & (1u << VIRTIO_BLK_F_SEG_MAX));
	ck_assert(f & (1u << VIRTIO_BLK_F_SIZE_MAX));
	ck_assert(f & (1u << VIRTIO_BLK_F_BLK_SIZE));
	ck_assert(!(f & (1u << VIRTIO_BLK_F_RO)));
	mmio_w(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 2);
	ck_assert_uint_eq(mmio_r(VIRTIO_MMIO_DEVICE_FEATURES), 0);
	mmio_w(VIRTIO_MMIO_QUEUE_SEL, 0);
	ck_assert_uint_ge(mmio_r(VIRTIO_MMIO_QUEUE_NUM_MAX), QNUM);
	mmio_w(VIRTIO_MMIO_QUEUE_SEL, 1); /* virtio-blk without MQ has one queue */
	ck_assert_uint_eq(mmio_r(VIRTIO_MMIO_QUEUE_NUM_MAX), 0);
}
END_TEST

START_TEST(config_space_reads)
{
	uint8_t d[8];
	uint64_t cap;
	uint32_t v;

	/* 64 KiB image = 128 sectors; offsets from struct virtio_blk_config. */
	virtio_mmio_access(B.t, VIRTIO_MMIO_CONFIG, d, 8, false);
	memcpy(&cap, d, 8);
	ck_assert_uint_eq(cap, 128);
	virtio_mmio_access(B.t, VIRTIO_MMIO_CONFIG + 4, d, 4, false); /* high half */
	memcpy(&v, d, 4);
	ck_assert_uint_eq(v, 0);
	virtio_mmio_access(B.t, VIRTIO_MMIO_CONFIG + offsetof(struct virtio_blk_config, blk_size),
			   d, 4, false);
	memcpy(&v, d, 4);
	ck_assert_uint_eq(v, 512);
	virtio_mmio_access(B.t, VIRTIO_MMIO_CONFIG + offsetof(struct virtio_blk_config, seg_max), d,
			   4, false);
	memcpy(&v, d, 4);
	ck_assert_uint_ge(v, 1);
	virtio_mmio_access(B.t, VIRTIO_MMIO_CONFIG + offsetof(struct virtio_blk_config, size_max),
			   d, 4, false);
	memcpy(&v, d, 4);
	ck_assert_uint_ge(v, 512);
	/* Past the config struct: zeros, no overread. */
	memset(d, 0xaa, 8);
	virtio_mmio_access(B.t, 0xff8, d, 8, false);
	for (int i = 0; i < 8; i++)
		ck_assert_uint_eq(d[i], 0);
}
END_TEST

START_TEST(narrow_register_access_ignored)
{
	uint8_t d[2] = {0xff, 0xff};

	virtio_mmio_access(B.t, VIRTIO_MMIO_MAGIC_VALUE, d, 2, false);
	ck_assert_uint_eq(d[0], 0);
	ck_assert_uint_eq(d[1], 0);
	d[0] = VIRTIO_CONFIG_S_ACKNOWLEDGE;
	virtio_mmio_access(B.t, VIRTIO_MMIO_STATUS, d, 1, true);
	ck_assert_uint_eq(mmio_r(VIRTIO_MMIO_STATUS), 0);
}
END_TEST

START_TEST(features_ok_refused_for_unoffered_feature)
{
	/* bit 50 is not offered */
	uint32_t st = drv_negotiate(FEAT(VIRTIO_F_VERSION_1) | FEAT(50));

	ck_assert(!(st & VIRTIO_CONFIG_S_FEATURES_OK));
	ck_assert_uint_eq(B.t->nr_errors, 1);
}
END_TEST

START_TEST(features_ok_refused_without_version_1)
{
	uint32_t st = drv_negotiate(FEAT(VIRTIO_BLK_F_FLUSH));

	ck_assert(!(st & VIRTIO_CONFIG_S_FEATURES_OK));
}
END_TEST

START_TEST(driver_ok_without_features_ok)
{
	mmio_w(VIRTIO_MMIO_STATUS,
	       VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER | VIRTIO_CONFIG_S_DRIVER_OK);
	ck_assert(!(mmio_r(VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_DRIVER_OK));
	ck_assert(needs_reset());
	mmio_w(VIRTIO_MMIO_STATUS, 0);
	ck_assert_uint_eq(mmio_r(VIRTIO_MMIO_STATUS), 0);
}
END_TEST

START_TEST(happy_path_and_interrupt_ack)
{
	drv_init(0);
	assert_good_request_works();
	ck_assert_uint_eq(used()->ring[0].id, 0);
	ck_assert_uint_eq(used()->ring[0].len, 1); /* only the status byte was written */
	ck_assert(mmio_r(VIRTIO_MMIO_INTERRUPT_STATUS) & VIRTIO_MMIO_INT_VRING);
	mmio_w(VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_MMIO_INT_VRING);
	ck_assert_uint_eq(mmio_r(VIRTIO_MMIO_INTERRUPT_STATUS), 0);
	ck_assert_uint_eq(B.t->nr_errors, 0);
}
END_TEST

/* Queue sizes the spec forbids: 0, not a power of two, above QueueNumMax. */
static void bad_size(uint32_t num)
{
	drv_negotiate(FEAT(VIRTIO_F_VERSION_1));
	drv_queue(num, DESC_GPA, AVAIL_GPA, USED_GPA);
	ck_assert_uint_eq(mmio_r(VIRTIO_MMIO_QUEUE_READY), 0);
	ck_assert_int_eq(B.t->vq[0].error, VIRTQ_ERR_SIZE);
	ck_assert(needs_reset());
	ck_assert_uint_eq(B.t->nr_errors, 1);
	mmio_w(VIRTIO_MMIO_STATUS, 0);
	drv_init(0);
	assert_good_request_works();
}

START_TEST(queue_size_zero)
{
	bad_size(0);
}
END_TEST

START_TEST(queue_size_not_power_of_two)
{
	bad_size(12);
}
END_TEST

START_TEST(queue_size_above_max)
{
	bad_size(mmio_r(VIRTIO_MMIO_QUEUE_NUM_MAX) * 2);
}
END_TEST

START_TEST(queue_size_huge)
{
	bad_size(0x10000);
}
END_TEST

static void bad_rings(uint64_t desc, uint64_t av, uint64_t us)
{
	drv_negotiate(FEAT(VIRTIO_F_VERSION_1));
	drv_queue(QNUM, desc, av, us);
	ck_assert_uint_eq(mmio_r(VIRTIO_MMIO_QUEUE_READY), 0);
	ck_assert_int_eq(B.t->vq[0].error, VIRTQ_ERR_RING);
	ck_assert(needs_reset());
	mmio_w(VIRTIO_MMIO_STATUS, 0);
	drv_init(0);
	assert_good_request_works();
}

START_TEST(desc_ring_outside_ram)
{
	bad_rings(RAM_SIZE, AVAIL_GPA, USED_GPA);
}
END_TEST

START_TEST(desc_ring_straddles_end_of_ram)
{
	bad_rings(RAM_SIZE - 16 * 8, AVAIL_GPA, USED_GPA); /* 16 descs need 256 bytes */
}
END_TEST

START_TEST(avail_ring_overflowing_address)
{
	bad_rings(DESC_GPA, 0xfffffffffffffffeULL, USED_GPA);
}
END_TEST

START_TEST(used_ring_in_mmio_hole)
{
	bad_rings(DESC_GPA, AVAIL_GPA, 0xd0000000ULL);
}
END_TEST

START_TEST(desc_ring_misaligned)
{
	bad_rings(DESC_GPA + 8, AVAIL_GPA, USED_GPA);
}
END_TEST

START_TEST(used_ring_event_field_past_ram)
{
	/* Without EVENT_IDX the ring fits exactly at the end of RAM... */
	uint64_t us = RAM_SIZE - (4 + 8 * QNUM);

	drv_negotiate(FEAT(VIRTIO_F_VERSION_1));
	drv_queue(QNUM, DESC_GPA, AVAIL_GPA, us);
	ck_assert_uint_eq(mmio_r(VIRTIO_MMIO_QUEUE_READY), 1);
	/* ...with EVENT_IDX its trailing avail_event would be outside. */
	mmio_w(VIRTIO_MMIO_STATUS, 0);
	drv_negotiate(FEAT(VIRTIO_F_VERSION_1) | FEAT(VIRTIO_RING_F_EVENT_IDX));
	drv_queue(QNUM, DESC_GPA, AVAIL_GPA, us);
	ck_assert_uint_eq(mmio_r(VIRTIO_MMIO_QUEUE_READY), 0);
	ck_assert(needs_reset());
}
END_TEST

/* Hostile chains: the header is good, one descriptor is bad. */
static void chain3(uint64_t data, uint32_t len)
{
	put_hdr(HDR_GPA, VIRTIO_BLK_T_OUT, 0);
	set_desc(DESC_GPA, 0, HDR_GPA, 16, VRING_DESC_F_NEXT, 1);
	set_desc(DESC_GPA, 1, data, len, VRING_DESC_F_NEXT, 2);
	set_desc(DESC_GPA, 2, STATUS_GPA, 1, VRING_DESC_F_WRITE, 0);
}

START_TEST(buffer_outside_ram)
{
	drv_init(0);
	chain3(RAM_SIZE, 512);
	submit(0);
	assert_refused(VIRTQ_ERR_BUF);
}
END_TEST

START_TEST(buffer_straddles_end_of_ram)
{
	drv_init(0);
	chain3(RAM_SIZE - 256, 512);
	submit(0);
	assert_refused(VIRTQ_ERR_BUF);
}
END_TEST

START_TEST(buffer_address_plus_length_overflows)
{
	drv_init(0);
	chain3(0xfffffffffffff000ULL, 0x2000);
	submit(0);
	assert_refused(VIRTQ_ERR_BUF);
}
END_TEST

START_TEST(buffer_at_4g_alias)
{
	/* 4 GiB + DATA: truncating to 32 bits would hit RAM; must not. */
	drv_init(0);
	chain3(0x100000000ULL + DATA_GPA, 512);
	submit(0);
	assert_refused(VIRTQ_ERR_BUF);
}
END_TEST

START_TEST(chain_loop)
{
	drv_init(0);
	put_hdr(HDR_GPA, VIRTIO_BLK_T_OUT, 0);
	set_desc(DESC_GPA, 0, HDR_GPA, 16, VRING_DESC_F_NEXT, 1);
	set_desc(DESC_GPA, 1, DATA_GPA, 512, VRING_DESC_F_NEXT, 0); /* back to 0 */
	submit(0);
	assert_refused(VIRTQ_ERR_LOOP);
}
END_TEST

START_TEST(chain_loop_of_empty_buffers)
{
	/* Zero-length buffers add no iovec: only the length bound stops this. */
	drv_init(0);
	set_desc(DESC_GPA, 0, DATA_GPA, 0, VRING_DESC_F_NEXT, 1);
	set_desc(DESC_GPA, 1, DATA_GPA, 0, VRING_DESC_F_NEXT, 0);
	submit(0);
	assert_refused(VIRTQ_ERR_LOOP);
}
END_TEST

START_TEST(chain_self_loop)
{
	drv_init(0);
	set_desc(DESC_GPA, 0, HDR_GPA, 16, VRING_DESC_F_NEXT, 0);
	submit(0);
	assert_refused(VIRTQ_ERR_LOOP);
}
END_TEST

START_TEST(chain_longer_than_queue)
{
	/* Uses every descriptor once (QNUM long, legal), then a 17th: over-long. */
	drv_init(0);
	for (unsigned i = 0; i < QNUM; i++)
		set_desc(DESC_GPA, i, DATA_GPA, 16, VRING_DESC_F_NEXT, (uint16_t)((i + 1) % QNUM));
	submit(0);
	assert_refused(VIRTQ_ERR_LOOP);
}
END_TEST

/* A QNUM-long request in `table`: header, QNUM-2 data segments of 512, status. */
static void put_queue_long_chain(uint64_t table)
{
	put_hdr(HDR_GPA, VIRTIO_BLK_T_OUT, 0);
	*(uint8_t *)gpa(STATUS_GPA) = 0xff;
	set_desc(table, 0, HDR_GPA, 16, VRING_DESC_F_NEXT, 1);
	for (unsigned i = 1; i < QNUM - 1; i++)
		set_desc(table, i, DATA_GPA + i * 512, 512, VRING_DESC_F_NEXT, (uint16_t)(i + 1));
	set_desc(table, QNUM - 1, STATUS_GPA, 1, VRING_DESC_F_WRITE, 0);
}

static void assert_one_request_done(void)
{
	ck_assert_uint_eq(used_idx(), 1);
	ck_assert_uint_eq(status_byte(), VIRTIO_BLK_S_OK);
	ck_assert(!needs_reset());
}

START_TEST(chain_exactly_queue_long_is_fine)
{
	drv_init(0);
	put_queue_long_chain(DESC_GPA);
	submit(0);
	assert_one_request_done();
}
END_TEST

START_TEST(next_index_out_of_range)
{
	drv_init(0);
	set_desc(DESC_GPA, 0, HDR_GPA, 16, VRING_DESC_F_NEXT, QNUM);
	submit(0);
	assert_refused(VIRTQ_ERR_NEXT);
}
END_TEST

START_TEST(head_index_out_of_range)
{
	drv_init(0);
	chain3(DATA_GPA, 512);
	submit(QNUM + 3);
	assert_refused(VIRTQ_ERR_HEAD);
}
END_TEST

START_TEST(avail_idx_runs_ahead)
{
	drv_init(0);
	chain3(DATA_GPA, 512);
	/* Claims QNUM + 1 new entries: impossible with QNUM slots. */
	B.avail_idx = QNUM + 1;
	avail()->idx = B.avail_idx;
	mmio_w(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	assert_refused(VIRTQ_ERR_AVAIL_IDX);
}
END_TEST

START_TEST(readable_after_writable)
{
	drv_init(0);
	put_hdr(HDR_GPA, VIRTIO_BLK_T_IN, 0);
	set_desc(DESC_GPA, 0, HDR_GPA, 16, VRING_DESC_F_NEXT, 1);
	set_desc(DESC_GPA, 1, STATUS_GPA, 1, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 2);
	set_desc(DESC_GPA, 2, DATA_GPA, 512, 0, 0);
	submit(0);
	assert_refused(VIRTQ_ERR_ORDER);
}
END_TEST

static void indirect_request(unsigned table_entries)
{
	set_desc(DESC_GPA, 0, INDIRECT_GPA, table_entries * 16, VRING_DESC_F_INDIRECT, 0);
	submit(0);
}

START_TEST(indirect_without_feature)
{
	drv_init(0);
	put_hdr(HDR_GPA, VIRTIO_BLK_T_OUT, 0);
	set_desc(INDIRECT_GPA, 0, HDR_GPA, 16, VRING_DESC_F_NEXT, 1);
	set_desc(INDIRECT_GPA, 1, STATUS_GPA, 1, VRING_DESC_F_WRITE, 0);
	indirect_request(2);
	assert_refused(VIRTQ_ERR_NO_INDIRECT);
}
END_TEST

START_TEST(indirect_nested)
{
	drv_init(FEAT(VIRTIO_RING_F_INDIRECT_DESC));
	put_hdr(HDR_GPA, VIRTIO_BLK_T_OUT, 0);
	set_desc(INDIRECT_GPA, 0, HDR_GPA, 16, VRING_DESC_F_NEXT, 1);
	set_desc(INDIRECT_GPA, 1, INDIRECT_GPA, 32, VRING_DESC_F_INDIRECT, 0);
	indirect_request(2);
	assert_refused(VIRTQ_ERR_NESTED);
}
END_TEST

START_TEST(indirect_loop)
{
	drv_init(FEAT(VIRTIO_RING_F_INDIRECT_DESC));
	set_desc(INDIRECT_GPA, 0, HDR_GPA, 0, VRING_DESC_F_NEXT, 1);
	set_desc(INDIRECT_GPA, 1, DATA_GPA, 0, VRING_DESC_F_NEXT, 0);
	indirect_request(2);
	assert_refused(VIRTQ_ERR_LOOP);
}
END_TEST

START_TEST(indirect_table_bad_length)
{
	drv_init(FEAT(VIRTIO_RING_F_INDIRECT_DESC));
	set_desc(DESC_GPA, 0, INDIRECT_GPA, 24, VRING_DESC_F_INDIRECT, 0);
	submit(0);
	assert_refused(VIRTQ_ERR_INDIRECT);
}
END_TEST

START_TEST(indirect_table_zero_length)
{
	drv_init(FEAT(VIRTIO_RING_F_INDIRECT_DESC));
	set_desc(DESC_GPA, 0, INDIRECT_GPA, 0, VRING_DESC_F_INDIRECT, 0);
	submit(0);
	assert_refused(VIRTQ_ERR_INDIRECT);
}
END_TEST

START_TEST(indirect_table_outside_ram)
{
	drv_init(FEAT(VIRTIO_RING_F_INDIRECT_DESC));
	set_desc(DESC_GPA, 0, RAM_SIZE - 16, 32, VRING_DESC_F_INDIRECT, 0);
	submit(0);
	assert_refused(VIRTQ_ERR_BUF);
}
END_TEST

START_TEST(indirect_with_next_flag)
{
	drv_init(FEAT(VIRTIO_RING_F_INDIRECT_DESC));
	set_desc(INDIRECT_GPA, 0, HDR_GPA, 16, 0, 0);
	set_desc(DESC_GPA, 0, INDIRECT_GPA, 16, VRING_DESC_F_INDIRECT | VRING_DESC_F_NEXT, 1);
	set_desc(DESC_GPA, 1, STATUS_GPA, 1, VRING_DESC_F_WRITE, 0);
	submit(0);
	assert_refused(VIRTQ_ERR_INDIRECT);
}
END_TEST

START_TEST(indirect_table_longer_than_queue)
{
	/* A 2048-entry table: no chain may be longer than the queue (spec 2.7.5.3.1). */
	unsigned n = 2048;

	drv_init(FEAT(VIRTIO_RING_F_INDIRECT_DESC));
	for (unsigned i = 0; i < n; i++)
		set_desc(INDIRECT_GPA, i, DATA_GPA, 1, i + 1 < n ? VRING_DESC_F_NEXT : 0,
			 (uint16_t)(i + 1));
	indirect_request(n);
	assert_refused(VIRTQ_ERR_INDIRECT);
}
END_TEST

/*
 * The next tests once hung the VMM for good (issue 9): an alarm turns a
 * hang into a failure (SIGALRM kills the test) instead of a stuck suite.
 */
START_TEST(indirect_table_is_the_descriptor_ring)
{
	/* The table is the ring itself, so descriptor 0 names itself forever. */
	alarm(5);
	drv_init(FEAT(VIRTIO_RING_F_INDIRECT_DESC));
	set_desc(DESC_GPA, 0, DESC_GPA, QNUM * 16, VRING_DESC_F_INDIRECT, 0);
	submit(0);
	alarm(0);
	assert_refused(VIRTQ_ERR_NESTED);
}
END_TEST

START_TEST(indirect_table_is_the_ring_behind_a_direct_one)
{
	/* Head 1 -> 0 (indirect: the ring) -> 1 -> 0 ...: nested, not endless. */
	alarm(5);
	drv_init(FEAT(VIRTIO_RING_F_INDIRECT_DESC));
	set_desc(DESC_GPA, 1, DATA_GPA, 0, VRING_DESC_F_NEXT, 0);
	set_desc(DESC_GPA, 0, DESC_GPA, QNUM * 16, VRING_DESC_F_INDIRECT, 0);
	submit(1);
	alarm(0);
	assert_refused(VIRTQ_ERR_NESTED);
}
END_TEST

START_TEST(indirect_entries_count_toward_the_queue_size)
{
	/* QNUM/2 direct buffers, then a full QNUM-entry table: QNUM * 3/2 in all. */
	drv_init(FEAT(VIRTIO_RING_F_INDIRECT_DESC));
	put_hdr(HDR_GPA, VIRTIO_BLK_T_OUT, 0);
	set_desc(DESC_GPA, 0, HDR_GPA, 16, VRING_DESC_F_NEXT, 1);
	for (unsigned i = 1; i < QNUM / 2; i++)
		set_desc(DESC_GPA, i, DATA_GPA, 512, VRING_DESC_F_NEXT, (uint16_t)(i + 1));
	set_desc(DESC_GPA, QNUM / 2, INDIRECT_GPA, QNUM * 16, VRING_DESC_F_INDIRECT, 0);
	for (unsigned i = 0; i < QNUM - 1; i++)
		set_desc(INDIRECT_GPA, i, DATA_GPA, 512, VRING_DESC_F_NEXT, (uint16_t)(i + 1));
	set_desc(INDIRECT_GPA, QNUM - 1, STATUS_GPA, 1, VRING_DESC_F_WRITE, 0);
	submit(0);
	assert_refused(VIRTQ_ERR_LOOP);
}
END_TEST

START_TEST(indirect_table_of_queue_size_is_fine)
{
	/* One indirect descriptor and a QNUM-entry table: QNUM buffers, legal. */
	drv_init(FEAT(VIRTIO_RING_F_INDIRECT_DESC));
	put_queue_long_chain(INDIRECT_GPA);
	indirect_request(QNUM);
	assert_one_request_done();
}
END_TEST

START_TEST(queue_registers_frozen_while_ready)
{
	drv_init(0);
	mmio_w(VIRTIO_MMIO_QUEUE_DESC_LOW, RAM_SIZE * 2);
	mmio_w(VIRTIO_MMIO_QUEUE_NUM, 3);
	assert_good_request_works();
}
END_TEST

START_TEST(notify_before_driver_ok_ignored)
{
	drv_negotiate(FEAT(VIRTIO_F_VERSION_1));
	drv_queue(QNUM, DESC_GPA, AVAIL_GPA, USED_GPA);
	chain3(DATA_GPA, 512);
	submit(0);
	ck_assert_uint_eq(used_idx(), 0);
	drv_ok();
	mmio_w(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	ck_assert_uint_eq(used_idx(), 1);
}
END_TEST

START_TEST(notify_bad_queue_ignored)
{
	drv_init(0);
	mmio_w(VIRTIO_MMIO_QUEUE_NOTIFY, 7);
	mmio_w(VIRTIO_MMIO_QUEUE_NOTIFY, 0xffffffff);
	ck_assert(!needs_reset());
	assert_good_request_works();
}
END_TEST

START_TEST(other_device_carries_on)
{
	/* A second disk on its own transport keeps working while the first is broken. */
	struct bench first;
	struct virtio_blk *other = malloc(sizeof(*other));
	char path2[64] = "/tmp/test_virt2_XXXXXX";
	int fd = mkstemp(path2);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, 64 * 1024), 0);
	close(fd);
	drv_init(0);
	chain3(RAM_SIZE, 512);
	submit(0);
	ck_assert(needs_reset());

	first = B;
	ck_assert_int_eq(virtio_blk_open(other, path2, false), 0);
	ck_assert_int_eq(virtio_blk_attach(other, &B.mem, 0xd0001000, 6), 0);
	B.t = &other->transport;
	memset(gpa(USED_GPA), 0, 0x100);
	B.avail_idx = 0;
	memset(gpa(AVAIL_GPA), 0, 0x100);
	drv_init(0);
	assert_good_request_works();
	virtio_blk_close(other);
	free(other);
	unlink(path2);
	B = first;
	ck_assert(needs_reset());
}
END_TEST

START_TEST(log_is_rate_limited)
{
	/* A guest spamming bad requests is counted, not allowed to flood stderr. */
	drv_init(0);
	for (int i = 0; i < 3 * VIRTIO_MMIO_LOG_LIMIT; i++) {
		put_hdr(HDR_GPA, 99, 0);
		set_desc(DESC_GPA, 0, HDR_GPA, 16, VRING_DESC_F_NEXT, 1);
		set_desc(DESC_GPA, 1, STATUS_GPA, 1, VRING_DESC_F_WRITE, 0);
		submit(0);
		ck_assert_uint_eq(status_byte(), VIRTIO_BLK_S_UNSUPP);
	}
	ck_assert_uint_eq(B.t->nr_errors, 3 * VIRTIO_MMIO_LOG_LIMIT);
}
END_TEST

/* Deterministic xorshift, so a failure reproduces. */
static uint64_t rnd_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

/* Addresses a hostile driver would try: inside, at the edge, past, wrapping. */
static uint64_t hostile_addr(void)
{
	static const uint64_t edge[] = {
	    0,	       HDR_GPA,		DATA_GPA,      RAM_SIZE - 1,   RAM_SIZE - 16,
	    RAM_SIZE,  RAM_SIZE + 4096, 0xd0000000ULL, 0x100000000ULL, 0xfffffffffffff000ULL,
	    UINT64_MAX};

	return rnd() % 3 ? (rnd() % RAM_SIZE) : edge[rnd() % (sizeof(edge) / sizeof(edge[0]))];
}

static uint32_t hostile_len(void)
{
	static const uint32_t edge[] = {0, 1, 15, 16, 17, 512, 513, 4096, RAM_SIZE, UINT32_MAX};

	return rnd() % 2 ? (uint32_t)(rnd() % 8192)
			 : edge[rnd() % (sizeof(edge) / sizeof(edge[0]))];
}

static void garbage_descs(void)
{
	for (unsigned i = 0; i < QNUM; i++)
		set_desc(DESC_GPA, i, hostile_addr(), hostile_len(), (uint16_t)(rnd() & 7),
			 (uint16_t)(rnd() % (QNUM + 2)));
	for (unsigned i = 0; i < 8; i++)
		set_desc(INDIRECT_GPA, i, hostile_addr(), hostile_len(), (uint16_t)(rnd() & 7),
			 (uint16_t)(rnd() % 10));
}

/*
 * A well-formed request at head 0 (header, 1-3 data buffers, status),
 * direct or through an indirect table, with a random type and sector
 * (some past the 128-sector disk); then, half the time, one field of one
 * descriptor replaced by a hostile value.
 */
static void plausible_chain_then_mutate(void)
{
	static const uint32_t types[] = {VIRTIO_BLK_T_IN, VIRTIO_BLK_T_OUT, VIRTIO_BLK_T_FLUSH,
					 VIRTIO_BLK_T_GET_ID, 99};
	uint32_t type = types[rnd() % 5];
	bool indirect = rnd() % 3 == 0;
	uint64_t table = indirect ? INDIRECT_GPA : DESC_GPA;
	uint16_t wflag =
	    type == VIRTIO_BLK_T_IN || type == VIRTIO_BLK_T_GET_ID ? VRING_DESC_F_WRITE : 0;
	unsigned nd = 1 + (unsigned)(rnd() % 3), n = 0;

	put_hdr(HDR_GPA, type, rnd() % 140);
	set_desc(table, n, HDR_GPA, 16, VRING_DESC_F_NEXT, (uint16_t)(n + 1));
	n++;
	for (unsigned k = 0; k < nd; k++, n++) {
		uint32_t len = 512 * (uint32_t)(1 + rnd() % 8);
		uint64_t at = DATA_GPA + rnd() % (RAM_SIZE - DATA_GPA - len);

		set_desc(table, n, at, len, wflag | VRING_DESC_F_NEXT, (uint16_t)(n + 1));
	}
	set_desc(table, n, STATUS_GPA, 1, VRING_DESC_F_WRITE, 0);
	if (indirect)
		set_desc(DESC_GPA, 0, INDIRECT_GPA, (n + 1) * 16, VRING_DESC_F_INDIRECT, 0);
	if (rnd() % 2) {
		unsigned victim = (unsigned)(rnd() % (n + 1));
		struct vring_desc *d = gpa(table + victim * 16);

		switch (rnd() % 4) {
		case 0:
			d->addr = hostile_addr();
			break;
		case 1:
			d->len = hostile_len();
			break;
		case 2:
			d->flags ^= (uint16_t)(1u << (rnd() % 3));
			break;
		default:
			d->next = (uint16_t)(rnd() % (n + 2));
			break;
		}
	}
}

START_TEST(random_hostile_rings)
{
	/*
	 * Random descriptor tables, indirect tables, headers and avail
	 * entries. RAM is exactly the malloc'd buffer, so ASan (make
	 * unit-san) catches any host access outside guest RAM; here we
	 * check the device's promises: it never uses more than it was
	 * given, status bytes are valid, the image size is unchanged.
	 */
	drv_init(FEAT(VIRTIO_RING_F_INDIRECT_DESC) | FEAT(VIRTIO_RING_F_EVENT_IDX));
	for (int round = 0; round < 3000; round++) {
		uint16_t before = used_idx(), batch = (uint16_t)(1 + rnd() % 3);

		if (rnd() % 3 == 0)
			garbage_descs();
		else
			plausible_chain_then_mutate();
		for (unsigned i = 0; i < batch; i++)
			avail()->ring[(B.avail_idx + i) % QNUM] =
			    rnd() % 4 ? 0 : (uint16_t)(rnd() % (QNUM + 1));
		B.avail_idx = (uint16_t)(B.avail_idx + batch);
		if (rnd() % 50 == 0)
			B.avail_idx = (uint16_t)rnd(); /* garbage index */
		avail()->idx = B.avail_idx;
		mmio_w(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
		ck_assert_uint_le((uint16_t)(used_idx() - before), QNUM);
		if (needs_reset()) {
			memset(gpa(AVAIL_GPA), 0, 0x1000);
			memset(gpa(USED_GPA), 0, 0x1000);
			B.avail_idx = 0;
			drv_init(FEAT(VIRTIO_RING_F_INDIRECT_DESC) | FEAT(VIRTIO_RING_F_EVENT_IDX));
		}
	}
	struct stat st;
	ck_assert_int_eq(stat(B.path, &st), 0);
	ck_assert_int_eq(st.st_size, 64 * 1024);
	/* The rounds really reached the block layer, and really were refused. */
	ck_assert_uint_gt(B.blk.stats.reads, 100);
	ck_assert_uint_gt(B.blk.stats.writes, 100);
	ck_assert_uint_gt(B.blk.stats.errors, 100);
	/* And after all that, an honest request still works. */
	mmio_w(VIRTIO_MMIO_STATUS, 0);
	memset(gpa(AVAIL_GPA), 0, 0x1000);
	memset(gpa(USED_GPA), 0, 0x1000);
	B.avail_idx = 0;
	drv_init(0);
	assert_good_request_works();
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("virtio_queue");
	TCase *reg = tcase_create("registers");
	TCase *bad = tcase_create("hostile");

	tcase_add_checked_fixture(reg, up, down);
	tcase_add_test(reg, identity_registers);
	tcase_add_test(reg, config_space_reads);
	tcase_add_test(reg, narrow_register_access_ignored);
	tcase_add_test(reg, features_ok_refused_for_unoffered_feature);
	tcase_add_test(reg, features_ok_refused_without_version_1);
	tcase_add_test(reg, driver_ok_without_features_ok);
	tcase_add_test(reg, happy_path_and_interrupt_ack);
	tcase_add_test(reg, queue_registers_frozen_while_ready);
	tcase_add_test(reg, notify_before_driver_ok_ignored);
	tcase_add_test(reg, notify_bad_queue_ignored);
	suite_add_tcase(s, reg);

	tcase_add_checked_fixture(bad, up, down);
	tcase_add_test(bad, queue_size_zero);
	tcase_add_test(bad, queue_size_not_power_of_two);
	tcase_add_test(bad, queue_size_above_max);
	tcase_add_test(bad, queue_size_huge);
	tcase_add_test(bad, desc_ring_outside_ram);
	tcase_add_test(bad, desc_ring_straddles_end_of_ram);
	tcase_add_test(bad, avail_ring_overflowing_address);
	tcase_add_test(bad, used_ring_in_mmio_hole);
	tcase_add_test(bad, desc_ring_misaligned);
	tcase_add_test(bad, used_ring_event_field_past_ram);
	tcase_add_test(bad, buffer_outside_ram);
	tcase_add_test(bad, buffer_straddles_end_of_ram);
	tcase_add_test(bad, buffer_address_plus_length_overflows);
	tcase_add_test(bad, buffer_at_4g_alias);
	tcase_add_test(bad, chain_loop);
	tcase_add_test(bad, chain_self_loop);
	tcase_add_test(bad, chain_loop_of_empty_buffers);
	tcase_add_test(bad, chain_longer_than_queue);
	tcase_add_test(bad, chain_exactly_queue_long_is_fine);
	tcase_add_test(bad, next_index_out_of_range);
	tcase_add_test(bad, head_index_out_of_range);
	tcase_add_test(bad, avail_idx_runs_ahead);
	tcase_add_test(bad, readable_after_writable);
	tcase_add_test(bad, indirect_without_feature);
	tcase_add_test(bad, indirect_nested);
	tcase_add_test(bad, indirect_loop);
	tcase_add_test(bad, indirect_table_bad_length);
	tcase_add_test(bad, indirect_table_zero_length);
	tcase_add_test(bad, indirect_table_outside_ram);
	tcase_add_test(bad, indirect_with_next_flag);
	tcase_add_test(bad, indirect_table_longer_than_queue);
	tcase_add_test(bad, indirect_table_is_the_descriptor_ring);
	tcase_add_test(bad, indirect_table_is_the_ring_behind_a_direct_one);
	tcase_add_test(bad, indirect_entries_count_toward_the_queue_size);
	tcase_add_test(bad, indirect_table_of_queue_size_is_fine);
	tcase_add_test(bad, other_device_carries_on);
	tcase_add_test(bad, log_is_rate_limited);
	tcase_add_test(bad, random_hostile_rings);
	suite_add_tcase(s, bad);
	return s;
}

int main(void)
{
	return test_run_suite(suite());
}
