// SPDX-License-Identifier: MIT
/*
 * The Solo5 hvt hypercall device on a bus over a RAM buffer, driven as the
 * guest drives it (a 32-bit OUT of an argument's address to 0x500 + nr).
 * Oracles: the image file read back with pread(), the host clocks, and the
 * hvt ABI's rules (hvt_abi.h: structure layouts; the block module's
 * capacity checks; HALT's cookie of 512 bytes), and solo5-hvt's host-side
 * protection of the segments without PF_W (tenders/common/elf.c mprotect()s
 * them read-only, so neither the guest nor the tender may write there).
 */
#include <check.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "devices/solo5_hvt.h"
#include "support/run_suite.h"

#define RAM_SIZE (4U << 20)
#define ARG_GPA 0x1000ULL
#define BUF_GPA 0x2000ULL
#define IMG_SIZE 65536

static uint8_t *ram;
static struct guest_mem mem;
static struct bus bus;
static struct solo5_hvt dev;
static struct solo5_image image;
static char path[64];
static int pending;

static int stop_pending(void *ctx)
{
	(void)ctx;
	return pending;
}

static void manifest(void)
{
	memset(&image, 0, sizeof(image));
	image.nr_entries = 2;
	image.entry[0].type = SOLO5_MFT_RESERVED_FIRST;
	image.entry[1].type = SOLO5_MFT_BLOCK_BASIC;
	strcpy(image.entry[1].name, "storage");
}

static void up(void)
{
	int fd;

	ram = aligned_alloc(4096, RAM_SIZE);
	memset(ram, 0, RAM_SIZE);
	memset(&mem, 0, sizeof(mem));
	memset(&bus, 0, sizeof(bus));
	memset(&dev, 0, sizeof(dev));
	ck_assert_int_eq(guest_mem_add_region(&mem, 0, RAM_SIZE, ram), 0);
	strcpy(path, "/tmp/test_solo5_hvt_XXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, IMG_SIZE), 0);
	close(fd);
	manifest();
	pending = 0;
}

static void down(void)
{
	solo5_hvt_close(&dev);
	unlink(path);
	free(ram);
}

static int attach(const char *opts)
{
	char spec[128];
	char *specs[1] = {spec};

	snprintf(spec, sizeof(spec), "%s%s", path, opts);
	return solo5_hvt_attach_disks(&dev, &image, specs, 1);
}

static void attach_and_register(const char *opts)
{
	struct guest_range text = {0x100000, 0x1000};

	ck_assert_int_eq(attach(opts), 0);
	ck_assert_int_eq(solo5_hvt_register(&dev, &bus, &mem, &text, 1), 0);
	dev.stop_pending = stop_pending;
}

static void call(unsigned nr, uint64_t gpa)
{
	uint8_t data[4];
	uint32_t v = (uint32_t)gpa;

	memcpy(data, &v, 4);
	ck_assert_int_ge(bus_dispatch(&bus, BUS_PIO, SOLO5_HVT_PIO_BASE + nr, data, 4, true), 0);
}

static int block(unsigned nr, uint64_t handle, uint64_t off, uint64_t data, uint64_t len)
{
	struct solo5_hc_block a = {handle, off, data, len, -7, 0};

	memcpy(ram + ARG_GPA, &a, sizeof(a));
	call(nr, ARG_GPA);
	memcpy(&a, ram + ARG_GPA, sizeof(a));
	return a.ret;
}

START_TEST(attach_marks_the_manifest)
{
	ck_assert_int_eq(attach(",name=storage,sector=4096"), 0);
	ck_assert(image.entry[1].attached);
	ck_assert_uint_eq(image.entry[1].u.block.capacity, IMG_SIZE);
	ck_assert_uint_eq(image.entry[1].u.block.block_size, 4096);
}
END_TEST

START_TEST(attach_refusals)
{
	ck_assert_int_eq(attach(""), -1); /* no name= */
	manifest();
	ck_assert_int_eq(attach(",name=other"), -1);
	manifest();
	ck_assert_int_eq(solo5_hvt_attach_disks(&dev, &image, NULL, 0), -1); /* not attached */
	manifest();
	ck_assert_int_eq(truncate(path, 1000), 0);
	ck_assert_int_eq(attach(",name=storage"), -1); /* not whole blocks */
	ck_assert_int_eq(truncate(path, 8192), 0);
	manifest();
	ck_assert_int_eq(attach(",name=storage,sector=16384"), -1); /* smaller than a block */
	manifest();
	image.nr_entries = 3;
	image.entry[2].type = SOLO5_MFT_NET_BASIC;
	strcpy(image.entry[2].name, "net0");
	ck_assert_int_eq(attach(",name=storage"), -1); /* no network device */
}
END_TEST

START_TEST(block_write_read)
{
	uint8_t back[1024];
	int fd;

	attach_and_register(",name=storage");
	for (int i = 0; i < 1024; i++)
		ram[BUF_GPA + i] = (uint8_t)(i * 13 + 1);
	ck_assert_int_eq(block(SOLO5_HC_BLOCK_WRITE, 1, 1024, BUF_GPA, 1024), SOLO5_R_OK);
	fd = open(path, O_RDONLY);
	ck_assert_int_eq(pread(fd, back, sizeof(back), 1024), (ssize_t)sizeof(back));
	close(fd);
	ck_assert_int_eq(memcmp(back, ram + BUF_GPA, 1024), 0);
	memset(ram + BUF_GPA + 4096, 0, 1024);
	ck_assert_int_eq(block(SOLO5_HC_BLOCK_READ, 1, 1024, BUF_GPA + 4096, 1024), SOLO5_R_OK);
	ck_assert_int_eq(memcmp(back, ram + BUF_GPA + 4096, 1024), 0);
	ck_assert(!bus.stop_requested);
}
END_TEST

START_TEST(block_bad_requests)
{
	attach_and_register(",name=storage");
	ck_assert_int_eq(block(SOLO5_HC_BLOCK_READ, 1, 1, BUF_GPA, 512), SOLO5_R_EINVAL);
	ck_assert_int_eq(block(SOLO5_HC_BLOCK_READ, 1, 0, BUF_GPA, 100), SOLO5_R_EINVAL);
	ck_assert_int_eq(block(SOLO5_HC_BLOCK_READ, 1, IMG_SIZE, BUF_GPA, 512), SOLO5_R_EINVAL);
	ck_assert_int_eq(block(SOLO5_HC_BLOCK_WRITE, 1, IMG_SIZE - 512, BUF_GPA, 1024),
			 SOLO5_R_EINVAL);
	ck_assert_int_eq(block(SOLO5_HC_BLOCK_READ, 1, 512, BUF_GPA, ~511ULL), SOLO5_R_EINVAL);
	ck_assert_int_eq(block(SOLO5_HC_BLOCK_READ, 0, 0, BUF_GPA, 512), SOLO5_R_EINVAL);
	ck_assert_int_eq(block(SOLO5_HC_BLOCK_READ, 64, 0, BUF_GPA, 512), SOLO5_R_EINVAL);
	ck_assert_int_eq(block(SOLO5_HC_BLOCK_READ, 1ULL << 40, 0, BUF_GPA, 512), SOLO5_R_EINVAL);
	ck_assert(!bus.stop_requested);
	/* Last block exactly: fine. */
	ck_assert_int_eq(block(SOLO5_HC_BLOCK_READ, 1, IMG_SIZE - 512, BUF_GPA, 512), SOLO5_R_OK);
}
END_TEST

START_TEST(read_only_disk)
{
	attach_and_register(",name=storage,ro");
	ck_assert_int_eq(block(SOLO5_HC_BLOCK_WRITE, 1, 0, BUF_GPA, 512), SOLO5_R_EINVAL);
	ck_assert_int_eq(block(SOLO5_HC_BLOCK_READ, 1, 0, BUF_GPA, 512), SOLO5_R_OK);
}
END_TEST

/* hvt's rule: an argument or buffer outside guest RAM stops the guest. */
START_TEST(pointers_outside_ram_stop_the_guest)
{
	attach_and_register(",name=storage");
	call(SOLO5_HC_PUTS, RAM_SIZE - 8); /* the 16-byte struct straddles the end */
	ck_assert(bus.stop_requested);
	ck_assert_int_eq(bus.stop_status, SOLO5_HVT_FATAL_STATUS);
	ck_assert_ptr_nonnull(strstr(bus.stop_reason, "outside guest RAM"));

	memset(&bus.stop_requested, 0, sizeof(bus.stop_requested));
	block(SOLO5_HC_BLOCK_READ, 1, 0, RAM_SIZE - 256, 512);
	ck_assert(bus.stop_requested);
	ck_assert_ptr_nonnull(strstr(bus.stop_reason, "BLOCK_READ"));
}
END_TEST

START_TEST(walltime_and_poll)
{
	struct solo5_hc_walltime w;
	struct solo5_hc_poll p = {20000000ULL, 99, -1, 0};
	struct timespec t0, t1, now;

	attach_and_register(",name=storage");
	call(SOLO5_HC_WALLTIME, ARG_GPA);
	memcpy(&w, ram + ARG_GPA, sizeof(w));
	clock_gettime(CLOCK_REALTIME, &now);
	ck_assert_uint_le((uint64_t)llabs((long long)(w.nsecs / 1000000000ULL) - now.tv_sec), 1);

	memcpy(ram + ARG_GPA, &p, sizeof(p));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	call(SOLO5_HC_POLL, ARG_GPA);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	memcpy(&p, ram + ARG_GPA, sizeof(p));
	ck_assert_int_eq(p.ret, 0);
	ck_assert_uint_eq(p.ready_set, 0);
	ck_assert((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec) >= 20e6);

	/* A pending stop cuts a long POLL short. */
	p.timeout_nsecs = 10ULL * 1000000000ULL;
	memcpy(ram + ARG_GPA, &p, sizeof(p));
	pending = 1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	call(SOLO5_HC_POLL, ARG_GPA);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ck_assert((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec) < 1e9);
}
END_TEST

START_TEST(halt_and_net)
{
	struct solo5_hc_net n = {1, BUF_GPA, 64, -1, 0};
	struct solo5_hc_halt h = {0, 300, 0};

	attach_and_register(",name=storage");
	memcpy(ram + ARG_GPA, &n, sizeof(n));
	call(SOLO5_HC_NET_WRITE, ARG_GPA);
	memcpy(&n, ram + ARG_GPA, sizeof(n));
	ck_assert_int_eq(n.ret, SOLO5_R_EINVAL);

	h.cookie = RAM_SIZE - 100; /* fewer than 512 bytes left: refused */
	memcpy(ram + ARG_GPA, &h, sizeof(h));
	call(SOLO5_HC_HALT, ARG_GPA);
	ck_assert_int_eq(bus.stop_status, SOLO5_HVT_FATAL_STATUS);

	memset(&bus.stop_requested, 0, sizeof(bus.stop_requested));
	h.cookie = BUF_GPA;
	memcpy(ram + ARG_GPA, &h, sizeof(h));
	call(SOLO5_HC_HALT, ARG_GPA);
	ck_assert(bus.stop_requested);
	ck_assert_int_eq(bus.stop_status, 300 & 0xff);
	ck_assert_ptr_eq(bus.stop_reason, solo5_hvt_halt_reason);
}
END_TEST

START_TEST(bad_port_accesses_and_text_writes)
{
	uint8_t d[4] = {0};

	attach_and_register(",name=storage");
	ck_assert_int_ge(bus_dispatch(&bus, BUS_PIO, SOLO5_HVT_PIO_BASE + 1, d, 2, true), 0);
	ck_assert_int_eq(bus.stop_status, SOLO5_HVT_FATAL_STATUS);
	memset(&bus.stop_requested, 0, sizeof(bus.stop_requested));
	ram[0x100010] = 0x90;
	ck_assert_int_ge(bus_dispatch(&bus, BUS_MMIO, 0x100010, d, 1, false), 0);
	ck_assert_uint_eq(d[0], 0x90); /* a read sees RAM */
	ck_assert(!bus.stop_requested);
	ck_assert_int_ge(bus_dispatch(&bus, BUS_MMIO, 0x100010, d, 1, true), 0);
	ck_assert(bus.stop_requested);
	ck_assert_int_eq(bus.stop_status, 1); /* solo5-hvt's errx(1) */
	ck_assert_ptr_nonnull(strstr(bus.stop_reason, "host/guest translation fault"));
	ck_assert_ptr_nonnull(strstr(bus.stop_reason, "wrote [0x100010, +0x1)"));
	ck_assert_uint_eq(ram[0x100010], 0x90);
}
END_TEST

/* A hypercall's OUT fields or BLOCK_READ data in the read-only range (0x100000, 4 KiB). */
static void expect_fault(const char *what)
{
	ck_assert_msg(bus.stop_requested, "%s: not stopped", what);
	ck_assert_int_eq(bus.stop_status, 1);
	ck_assert_ptr_nonnull(strstr(bus.stop_reason, "host/guest translation fault"));
	ck_assert_ptr_nonnull(strstr(bus.stop_reason, what));
	memset(&bus.stop_requested, 0, sizeof(bus.stop_requested));
}

START_TEST(hypercalls_do_not_write_read_only_memory)
{
	struct solo5_hc_walltime w = {0x1111};
	struct solo5_hc_block b = {1, 0, 0x100000 - 256, 512, -7, 0};

	attach_and_register(",name=storage");
	memset(ram + 0xff000, 0x5a, 0x3000);
	memcpy(ram + 0x100ff8, &w, sizeof(w)); /* the last 8 bytes of the range */
	call(SOLO5_HC_WALLTIME, 0x100ff8);
	expect_fault("WALLTIME would write [0x100ff8, +0x8)");
	ck_assert_uint_eq(ram[0x100ff8], 0x11);
	call(SOLO5_HC_POLL, 0x100000);
	expect_fault("POLL would write");
	/* BLOCK_READ data straddling the start, then just before it: fine. */
	block(SOLO5_HC_BLOCK_READ, 1, 0, 0x100000 - 256, 512);
	expect_fault("BLOCK_READ would write [0xfff00, +0x200)");
	ck_assert_uint_eq(ram[0xfff00], 0x5a);		   /* nothing was read in */
	memcpy(ram + 0x101000 - sizeof(b), &b, sizeof(b)); /* argument inside the range */
	call(SOLO5_HC_BLOCK_WRITE, 0x101000 - sizeof(b));
	expect_fault("BLOCK_WRITE would write");
	call(SOLO5_HC_NET_READ, 0x100800);
	expect_fault("NET_READ would write");
	ck_assert_int_eq(block(SOLO5_HC_BLOCK_READ, 1, 0, 0x100000 - 512, 512), SOLO5_R_OK);
	ck_assert_int_eq(block(SOLO5_HC_BLOCK_READ, 1, 0, 0x101000, 512), SOLO5_R_OK);
	/* Reading read-only memory is fine: BLOCK_WRITE from it, PUTS of it. */
	ck_assert_int_eq(block(SOLO5_HC_BLOCK_WRITE, 1, 0, 0x100000, 512), SOLO5_R_OK);
	ck_assert(!bus.stop_requested);
	ck_assert_uint_eq(ram[0x100000], 0x5a);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("solo5_hvt");
	TCase *tc = tcase_create("hypercalls");

	tcase_add_checked_fixture(tc, up, down);
	tcase_add_test(tc, attach_marks_the_manifest);
	tcase_add_test(tc, attach_refusals);
	tcase_add_test(tc, block_write_read);
	tcase_add_test(tc, block_bad_requests);
	tcase_add_test(tc, read_only_disk);
	tcase_add_test(tc, pointers_outside_ram_stop_the_guest);
	tcase_add_test(tc, walltime_and_poll);
	tcase_add_test(tc, halt_and_net);
	tcase_add_test(tc, bad_port_accesses_and_text_writes);
	tcase_add_test(tc, hypercalls_do_not_write_read_only_memory);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run_suite(suite());
}
