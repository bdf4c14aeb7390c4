// SPDX-License-Identifier: MIT
/*
 * virtio_devices_setup(): -d specs, image open/lock refusals, bus windows
 * and the virtio_mmio.device= command-line entries (format from Linux's
 * Documentation/admin-guide/kernel-parameters.txt: <size>@<baseaddr>:<irq>).
 */
#include <errno.h>
#include <sys/file.h>
#include <sys/wait.h>

#include "devices/bus.h"
#include "devices/virtio_setup.h"
#include "vm_acpi.h"
#include "test_virt_harness.h"
#include "support/run_suite.h"

static struct bus bus;
static struct virtio_devices devs;
static char img[2][64];
static char cmdline[512];

static void up(void)
{
	memset(&bus, 0, sizeof(bus));
	memset(&devs, 0, sizeof(devs));
	B.ram = aligned_alloc(4096, RAM_SIZE);
	memset(&B.mem, 0, sizeof(B.mem));
	ck_assert_int_eq(guest_mem_add_region(&B.mem, 0, RAM_SIZE, B.ram), 0);
	for (int i = 0; i < 2; i++) {
		int fd;

		strcpy(img[i], "/tmp/test_virt_setup_XXXXXX");
		fd = mkstemp(img[i]);
		ck_assert_int_ge(fd, 0);
		ck_assert_int_eq(ftruncate(fd, (i + 1) * 1024 * 1024), 0);
		close(fd);
	}
	strcpy(cmdline, "console=ttyS0");
}

static void down(void)
{
	virtio_devices_teardown(&devs);
	for (int i = 0; i < 2; i++)
		unlink(img[i]);
	free(B.ram);
}

static uint32_t bus_r32(uint64_t addr)
{
	uint8_t d[4];
	uint32_t v;

	ck_assert_int_ge(bus_dispatch(&bus, BUS_MMIO, addr, d, 4, false), 0);
	memcpy(&v, d, 4);
	return v;
}

START_TEST(two_disks_announced_and_registered)
{
	char ro_spec[80];
	char *specs[2];

	snprintf(ro_spec, sizeof(ro_spec), "%s,ro", img[1]);
	specs[0] = img[0];
	specs[1] = ro_spec;
	ck_assert_int_eq(virtio_devices_setup(&devs, &bus, &B.mem, specs, 2, cmdline, sizeof(cmdline)), 0);
	ck_assert_str_eq(cmdline, "console=ttyS0 virtio_mmio.device=4096@0xd0000000:16"
				  " virtio_mmio.device=4096@0xd0001000:17");
	ck_assert_uint_eq(bus_r32(0xd0000000), 0x74726976);
	ck_assert_uint_eq(bus_r32(0xd0001000 + VIRTIO_MMIO_DEVICE_ID), 2);
	/* Second disk is read-only: F_RO offered; capacity 2 MiB / 512. */
	ck_assert(bus_r32(0xd0001000 + VIRTIO_MMIO_DEVICE_FEATURES) & (1u << VIRTIO_BLK_F_RO));
	ck_assert(!(bus_r32(0xd0000000 + VIRTIO_MMIO_DEVICE_FEATURES) & (1u << VIRTIO_BLK_F_RO)));
	ck_assert_uint_eq(bus_r32(0xd0001000 + VIRTIO_MMIO_CONFIG), 4096);
	ck_assert_uint_eq(bus_r32(0xd0000000 + VIRTIO_MMIO_CONFIG), 2048);
	/* Both windows are in the 32-bit MMIO hole. */
	ck_assert_uint_ge(0xd0000000, GUEST_MMIO_HOLE_START);
}
END_TEST

/* sector=N is VIRTIO_BLK_F_BLK_SIZE's blk_size; capacity stays in 512-byte sectors (spec 5.2.4). */
START_TEST(sector_option_sets_blk_size)
{
	char spec[96];
	char *specs[1] = {spec};
	uint64_t blk_size_off = VIRTIO_MMIO_CONFIG + offsetof(struct virtio_blk_config, blk_size);

	snprintf(spec, sizeof(spec), "%s,name=data,sector=4096", img[0]);
	ck_assert_int_eq(
	    virtio_devices_setup(&devs, &bus, &B.mem, specs, 1, cmdline, sizeof(cmdline)), 0);
	ck_assert(bus_r32(0xd0000000 + VIRTIO_MMIO_DEVICE_FEATURES) & (1u << VIRTIO_BLK_F_BLK_SIZE));
	ck_assert_uint_eq(bus_r32(0xd0000000 + blk_size_off), 4096);
	ck_assert_uint_eq(bus_r32(0xd0000000 + VIRTIO_MMIO_CONFIG), 2048);
	virtio_devices_teardown(&devs);
	memset(&bus, 0, sizeof(bus));

	/* 1 MiB + 512 bytes is no whole number of 4 KiB blocks: refused. */
	ck_assert_int_eq(truncate(img[0], (1 << 20) + 512), 0);
	ck_assert_int_eq(
	    virtio_devices_setup(&devs, &bus, &B.mem, specs, 1, cmdline, sizeof(cmdline)), -1);
}
END_TEST

START_TEST(empty_cmdline_gets_no_leading_space)
{
	char *specs[1] = {img[0]};

	cmdline[0] = '\0';
	ck_assert_int_eq(virtio_devices_setup(&devs, &bus, &B.mem, specs, 1, cmdline, sizeof(cmdline)), 0);
	ck_assert_str_eq(cmdline, "virtio_mmio.device=4096@0xd0000000:16");
}
END_TEST

START_TEST(missing_image_refused)
{
	char *specs[2] = {img[0], "/nonexistent/disk.img"};

	ck_assert_int_eq(virtio_devices_setup(&devs, &bus, &B.mem, specs, 2, cmdline, sizeof(cmdline)),
			 -1);
	/* The first disk was released again: it can be locked exclusively now. */
	int fd = open(img[0], O_RDWR);
	ck_assert_int_eq(flock(fd, LOCK_EX | LOCK_NB), 0);
	close(fd);
}
END_TEST

START_TEST(bad_option_refused)
{
	char spec[80];
	char *specs[1] = {spec};

	snprintf(spec, sizeof(spec), "%s,readonly", img[0]);
	ck_assert_int_eq(virtio_devices_setup(&devs, &bus, &B.mem, specs, 1, cmdline, sizeof(cmdline)),
			 -1);
	specs[0] = ",ro";
	ck_assert_int_eq(virtio_devices_setup(&devs, &bus, &B.mem, specs, 1, cmdline, sizeof(cmdline)),
			 -1);
}
END_TEST

START_TEST(directory_refused)
{
	char *specs[1] = {"/tmp,ro"};

	ck_assert_int_eq(virtio_devices_setup(&devs, &bus, &B.mem, specs, 1, cmdline, sizeof(cmdline)),
			 -1);
}
END_TEST

/* Another process (not just another fd) holds the lock, as a second VM would. */
static pid_t hold_lock(const char *path, int how)
{
	int p[2];
	char c;
	pid_t pid;

	ck_assert_int_eq(pipe(p), 0);
	pid = fork();
	if (pid == 0) {
		int fd = open(path, O_RDONLY);

		if (fd < 0 || flock(fd, how | LOCK_NB))
			_exit(1);
		(void)!write(p[1], "x", 1);
		pause();
		_exit(0);
	}
	ck_assert_int_eq(read(p[0], &c, 1), 1);
	close(p[0]);
	close(p[1]);
	return pid;
}

static void release(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

START_TEST(locked_image_refused)
{
	char *specs[1] = {img[0]};
	pid_t pid = hold_lock(img[0], LOCK_EX);

	ck_assert_int_eq(virtio_devices_setup(&devs, &bus, &B.mem, specs, 1, cmdline, sizeof(cmdline)),
			 -1);
	ck_assert_str_eq(cmdline, "console=ttyS0");
	release(pid);
	ck_assert_int_eq(virtio_devices_setup(&devs, &bus, &B.mem, specs, 1, cmdline, sizeof(cmdline)), 0);
}
END_TEST

START_TEST(readers_share_writer_excluded)
{
	char spec[80];
	char *specs[1] = {spec};
	pid_t pid = hold_lock(img[0], LOCK_SH);

	snprintf(spec, sizeof(spec), "%s,ro", img[0]);
	ck_assert_int_eq(virtio_devices_setup(&devs, &bus, &B.mem, specs, 1, cmdline, sizeof(cmdline)), 0);
	virtio_devices_teardown(&devs);
	memset(&bus, 0, sizeof(bus));
	specs[0] = img[0];
	ck_assert_int_eq(virtio_devices_setup(&devs, &bus, &B.mem, specs, 1, cmdline, sizeof(cmdline)),
			 -1);
	release(pid);
}
END_TEST

START_TEST(too_many_disks)
{
	char *specs[VIRTIO_MAX_DISKS + 1];

	for (int i = 0; i <= VIRTIO_MAX_DISKS; i++)
		specs[i] = img[0];
	ck_assert_int_eq(virtio_devices_setup(&devs, &bus, &B.mem, specs, VIRTIO_MAX_DISKS + 1, cmdline,
					      sizeof(cmdline)),
			 -1);
}
END_TEST

START_TEST(same_image_twice_refused)
{
	/* flock is per open file description: our own second open conflicts too. */
	char *specs[2] = {img[0], img[0]};

	ck_assert_int_eq(virtio_devices_setup(&devs, &bus, &B.mem, specs, 2, cmdline, sizeof(cmdline)),
			 -1);
}
END_TEST

START_TEST(cmdline_too_small)
{
	char small[30] = "console=ttyS0";
	char *specs[1] = {img[0]};

	ck_assert_int_eq(virtio_devices_setup(&devs, &bus, &B.mem, specs, 1, small, sizeof(small)), -1);
	ck_assert_str_eq(small, "console=ttyS0");
}
END_TEST

/*
 * The DSDT's (Memory32Fixed base, Extended Interrupt GSI) pairs, in order,
 * read straight from the AML bytes (ACPI 6.x 6.4.3.4 and 6.4.3.6: 0x86 with
 * length 9, then 0x89 whose fifth byte is the count and the GSI follows).
 */
static uint32_t ram32(uint64_t gpa)
{
	uint32_t v;

	ck_assert_uint_le(gpa + 4, RAM_SIZE);
	memcpy(&v, B.ram + gpa, 4);
	return v;
}

static unsigned dsdt_virtio(uint64_t base[], unsigned irq[], unsigned max)
{
	uint32_t rsdt = ram32(0xe0000 + 16), dsdt = 0, end;
	unsigned n = 0;

	/* RSDP -> RSDT -> FACP -> DSDT (FACP offset 40), as an OS walks them. */
	for (uint32_t i = 36; i < ram32(rsdt + 4); i += 4) {
		uint32_t t = ram32(rsdt + i);

		if (!memcmp(B.ram + t, "FACP", 4))
			dsdt = ram32(t + 40);
	}
	ck_assert_uint_ne(dsdt, 0);
	ck_assert_mem_eq(B.ram + dsdt, "DSDT", 4);
	end = dsdt + ram32(dsdt + 4);
	for (uint32_t q = dsdt + 36; q + 21 <= end && n < max; q++) {
		const uint8_t *p = B.ram + q;

		if (p[0] != 0x86 || p[1] != 9 || p[2] != 0 || p[12] != 0x89 || p[16] != 1)
			continue;
		base[n] = ram32(q + 4);
		irq[n++] = ram32(q + 17);
	}
	return n;
}

/*
 * Eight disks: GSIs 16..23, none of them a legacy line in use (4 COM1,
 * 8 RTC, 9 the ACPI SCI), all on the I/O APIC's 24 pins, and the command
 * line, the transports and the DSDT built from the devices name the same
 * window and line for each disk.
 */
START_TEST(eight_disks_one_numbering)
{
	char spec[80], *specs[VIRTIO_MAX_DISKS], *p = cmdline;
	uint64_t dsdt_base[VIRTIO_MAX_DISKS];
	unsigned dsdt_irq[VIRTIO_MAX_DISKS];

	snprintf(spec, sizeof(spec), "%s,ro", img[0]);
	for (int i = 0; i < VIRTIO_MAX_DISKS; i++)
		specs[i] = spec;
	cmdline[0] = '\0';
	ck_assert_int_eq(virtio_devices_setup(&devs, &bus, &B.mem, specs, VIRTIO_MAX_DISKS, cmdline,
					      sizeof(cmdline)),
			 0);
	ck_assert_int_eq(vm_acpi_build(&B.mem, &devs), 0);
	ck_assert_uint_eq(dsdt_virtio(dsdt_base, dsdt_irq, VIRTIO_MAX_DISKS), VIRTIO_MAX_DISKS);
	for (unsigned i = 0; i < VIRTIO_MAX_DISKS; i++) {
		unsigned long long base;
		unsigned irq;
		int used = 0;

		ck_assert_int_eq(sscanf(p, " virtio_mmio.device=4096@%llx:%u%n", &base, &irq, &used), 2);
		p += used;
		ck_assert_uint_eq(base, 0xd0000000ull + i * 0x1000);
		ck_assert_uint_eq(irq, 16 + i);
		ck_assert_uint_eq(devs.disk[i]->transport.base, base);
		ck_assert_uint_eq(devs.disk[i]->transport.irq, irq);
		ck_assert_uint_eq(dsdt_base[i], base);
		ck_assert_uint_eq(dsdt_irq[i], irq);
	}
	ck_assert_str_eq(p, "");
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("virtio_setup");
	TCase *tc = tcase_create("setup");

	tcase_add_checked_fixture(tc, up, down);
	tcase_add_test(tc, two_disks_announced_and_registered);
	tcase_add_test(tc, sector_option_sets_blk_size);
	tcase_add_test(tc, empty_cmdline_gets_no_leading_space);
	tcase_add_test(tc, missing_image_refused);
	tcase_add_test(tc, bad_option_refused);
	tcase_add_test(tc, directory_refused);
	tcase_add_test(tc, locked_image_refused);
	tcase_add_test(tc, readers_share_writer_excluded);
	tcase_add_test(tc, too_many_disks);
	tcase_add_test(tc, same_image_twice_refused);
	tcase_add_test(tc, cmdline_too_small);
	tcase_add_test(tc, eight_disks_one_numbering);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run_suite(suite());
}
