// SPDX-License-Identifier: MIT
/*
 * The run loop between a provider and the bus, with a scripted provider
 * that returns the exits KVM would (layout per the KVM API documentation):
 * string I/O element by element, MMIO, each stop reason and its status,
 * malformed exits refused without touching memory outside kvm_run.
 */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <linux/kvm.h>

#include "devices/bus.h"
#include "vcpu/provider.h"
#include "vcpu/vcpu.h"
#include "support/run_suite.h"

#define RUN_SIZE 8192
#define MAX_SCRIPT 8

/* One scripted exit: filled into kvm_run by the fake KVM_RUN. */
typedef void (*exit_fn)(struct kvm_run *run);

static exit_fn script[MAX_SCRIPT];
static unsigned script_len, script_pos;
static uint8_t *run_buf;

static int fake_ioctl(int fd, unsigned long req, void *arg)
{
	if (req != KVM_RUN || script_pos >= script_len) {
		errno = EINVAL;
		return -1;
	}
	script[script_pos++]((struct kvm_run *)run_buf);
	return 0;
}

static int fake_open(void)
{
	return 3;
}

static int fake_close(int fd)
{
	return 0;
}

static const struct kvm_provider fake = {
    .name = "fake", .open_system = fake_open, .ioctl = fake_ioctl, .close = fake_close};

struct recorder {
	uint8_t bytes[64];
	unsigned n, calls, last_size;
	uint64_t last_offset;
};

static void record(void *opaque, uint64_t offset, uint8_t *data, unsigned size, bool is_write)
{
	struct recorder *r = opaque;

	r->calls++;
	r->last_size = size;
	r->last_offset = offset;
	if (is_write) {
		for (unsigned i = 0; i < size && r->n < sizeof(r->bytes); i++)
			r->bytes[r->n++] = data[i];
	} else {
		for (unsigned i = 0; i < size; i++)
			data[i] = (uint8_t)(0x10 + r->calls);
	}
}

static struct bus bus;
static struct kvm_vm vm;
static struct vcpu cpu;
static struct recorder rec;
static struct vcpu_stop stop;

static void setup(void)
{
	run_buf = calloc(1, RUN_SIZE);
	memset(&bus, 0, sizeof(bus));
	memset(&rec, 0, sizeof(rec));
	memset(&stop, 0, sizeof(stop));
	vm = (struct kvm_vm){.prov = &fake, .sys_fd = 3, .vm_fd = 4, .run_size = RUN_SIZE};
	cpu = (struct vcpu){.vm = &vm, .fd = 5, .run = (struct kvm_run *)run_buf};
	ck_assert_int_eq(bus_register(&bus, BUS_PIO, 0x3f8, 8, "rec", record, &rec), 0);
	ck_assert_int_eq(bus_register(&bus, BUS_MMIO, 0xd0000000, 0x1000, "mrec", record, &rec), 0);
	script_len = script_pos = 0;
}

static void teardown(void)
{
	free(run_buf);
}

static void go(void)
{
	vcpu_run(&cpu, &bus, NULL, &stop);
}

static void exit_hlt(struct kvm_run *run)
{
	run->exit_reason = KVM_EXIT_HLT;
	run->if_flag = 0;
}

/* rep outsb of "hello" to 0x3f8: one exit, count 5, data at data_offset. */
static void exit_outsb(struct kvm_run *run)
{
	run->exit_reason = KVM_EXIT_IO;
	run->io.direction = KVM_EXIT_IO_OUT;
	run->io.size = 1;
	run->io.port = 0x3f8;
	run->io.count = 5;
	run->io.data_offset = 4096;
	memcpy(run_buf + 4096, "hello", 5);
}

START_TEST(string_out_is_dispatched_per_element)
{
	script[script_len++] = exit_outsb;
	script[script_len++] = exit_hlt;
	go();
	ck_assert_uint_eq(rec.calls, 5);
	ck_assert_mem_eq(rec.bytes, "hello", 5);
	ck_assert_int_eq(stop.kind, VCPU_STOP_HALT);
	ck_assert_int_eq(stop.status, 0);
}
END_TEST

static void exit_insw(struct kvm_run *run)
{
	run->exit_reason = KVM_EXIT_IO;
	run->io.direction = KVM_EXIT_IO_IN;
	run->io.size = 2;
	run->io.port = 0x3fa;
	run->io.count = 3;
	run->io.data_offset = 4096;
	memset(run_buf + 4096, 0, 6);
}

START_TEST(string_in_fills_each_element)
{
	script[script_len++] = exit_insw;
	script[script_len++] = exit_hlt;
	go();
	ck_assert_uint_eq(rec.calls, 3);
	ck_assert_uint_eq(rec.last_offset, 2);
	ck_assert_uint_eq(rec.last_size, 2);
	/* Element i was filled by call i+1 with 0x10 + (i + 1) in both bytes. */
	ck_assert_uint_eq(run_buf[4096], 0x11);
	ck_assert_uint_eq(run_buf[4097], 0x11);
	ck_assert_uint_eq(run_buf[4098], 0x12);
	ck_assert_uint_eq(run_buf[4100], 0x13);
	ck_assert_uint_eq(run_buf[4101], 0x13);
}
END_TEST

static void exit_mmio_read(struct kvm_run *run)
{
	run->exit_reason = KVM_EXIT_MMIO;
	run->mmio.phys_addr = 0xd0000070;
	run->mmio.len = 4;
	run->mmio.is_write = 0;
	memset(run->mmio.data, 0, sizeof(run->mmio.data));
}

START_TEST(mmio_read_reaches_device_with_offset)
{
	struct kvm_run *run = (struct kvm_run *)run_buf;

	script[script_len++] = exit_mmio_read;
	script[script_len++] = exit_hlt;
	go();
	ck_assert_uint_eq(rec.calls, 1);
	ck_assert_uint_eq(rec.last_offset, 0x70);
	ck_assert_uint_eq(run->mmio.data[0], 0x11);
	ck_assert_uint_eq(run->mmio.data[3], 0x11);
}
END_TEST

static void exit_io_bad_offset(struct kvm_run *run)
{
	exit_outsb(run);
	run->io.data_offset = RUN_SIZE - 2; /* 5 bytes would run past kvm_run */
}

static void exit_io_huge_count(struct kvm_run *run)
{
	exit_outsb(run);
	run->io.count = 0x80000000u;
	run->io.size = 4;
}

START_TEST(malformed_io_stops_without_overrun)
{
	script[script_len++] = exit_io_bad_offset;
	go();
	ck_assert_int_eq(stop.kind, VCPU_STOP_CRASH);
	ck_assert_int_eq(stop.status, VCPU_STATUS_GUEST_CRASH);
	ck_assert_uint_eq(rec.calls, 0);
	script_len = script_pos = 0;
	script[script_len++] = exit_io_huge_count;
	go();
	ck_assert_int_eq(stop.status, VCPU_STATUS_GUEST_CRASH);
	ck_assert_uint_eq(rec.calls, 0);
}
END_TEST

static void exit_debug_exit(struct kvm_run *run)
{
	run->exit_reason = KVM_EXIT_IO;
	run->io.direction = KVM_EXIT_IO_OUT;
	run->io.size = 1;
	run->io.port = 0x3f8;
	run->io.count = 1;
	run->io.data_offset = 4096;
	run_buf[4096] = 'x';
	bus_request_stop(&bus, BUS_STOP_GUEST_EXIT, 42, "test device");
}

START_TEST(device_stop_request_ends_the_loop)
{
	script[script_len++] = exit_debug_exit;
	script[script_len++] = exit_hlt; /* never reached */
	go();
	ck_assert_int_eq(stop.kind, VCPU_STOP_DEVICE);
	ck_assert_int_eq(stop.status, 42);
	ck_assert(!stop.reset); /* the guest chose to exit: --reboot does not restart */
	ck_assert_uint_eq(script_pos, 1);
}
END_TEST

static void exit_device_reset(struct kvm_run *run)
{
	exit_debug_exit(run);
	bus.stop_requested = false;
	bus_request_stop(&bus, BUS_STOP_GUEST_RESET, 0, "test reset");
}

/* A device's reset (the i8042's, the ACPI reset register's) is a reset for --reboot. */
START_TEST(device_reset_is_a_reset)
{
	script[script_len++] = exit_device_reset;
	go();
	ck_assert_int_eq(stop.kind, VCPU_STOP_DEVICE);
	ck_assert_int_eq(stop.status, 0);
	ck_assert(stop.reset);
}
END_TEST

static void exit_shutdown(struct kvm_run *run)
{
	run->exit_reason = KVM_EXIT_SHUTDOWN;
}

static void exit_fail_entry(struct kvm_run *run)
{
	run->exit_reason = KVM_EXIT_FAIL_ENTRY;
	run->fail_entry.hardware_entry_failure_reason = 0x21;
}

static void exit_internal(struct kvm_run *run)
{
	run->exit_reason = KVM_EXIT_INTERNAL_ERROR;
	run->internal.suberror = KVM_INTERNAL_ERROR_EMULATION;
}

/* VMX KVM's data for delivery through an IDT in MMIO: #PF (14), EPT misconfiguration at 0xd0000070. */
static void exit_internal_delivery(struct kvm_run *run)
{
	run->exit_reason = KVM_EXIT_INTERNAL_ERROR;
	run->internal.suberror = KVM_INTERNAL_ERROR_DELIVERY_EV;
	run->internal.ndata = 5;
	run->internal.data[0] = 0x80000b0e;
	run->internal.data[1] = 49;
	run->internal.data[3] = 0xd0000070;
}

static void exit_sys_reset(struct kvm_run *run)
{
	run->exit_reason = KVM_EXIT_SYSTEM_EVENT;
	run->system_event.type = KVM_SYSTEM_EVENT_RESET;
}

static void exit_sys_crash(struct kvm_run *run)
{
	run->exit_reason = KVM_EXIT_SYSTEM_EVENT;
	run->system_event.type = KVM_SYSTEM_EVENT_CRASH;
}

static void exit_unknown(struct kvm_run *run)
{
	run->exit_reason = KVM_EXIT_DEBUG;
}

static void exit_hlt_if(struct kvm_run *run)
{
	run->exit_reason = KVM_EXIT_HLT;
	run->if_flag = 1;
}

static const struct {
	exit_fn fn;
	enum vcpu_stop_kind kind;
	int status;
	bool dump;
	const char *mention;
	bool reset; /* a PC would reset here: --reboot restarts */
} stops[] = {
    {exit_hlt, VCPU_STOP_HALT, 0, false, "interrupts disabled", false},
    {exit_hlt_if, VCPU_STOP_HALT, 0, false, "no interrupt source", false},
    {exit_shutdown, VCPU_STOP_CRASH, 5, true, "triple fault", true},
    {exit_fail_entry, VCPU_STOP_CRASH, 5, true, "0x21", false},
    {exit_internal, VCPU_STOP_CRASH, 5, true, "emulation", false},
    {exit_internal_delivery, VCPU_STOP_CRASH, 5, true,
     "interrupt or exception touched memory outside RAM: vector 14, guest-physical address "
     "0xd0000070)",
     false},
    {exit_sys_reset, VCPU_STOP_HALT, 0, false, "reset", true},
    {exit_sys_crash, VCPU_STOP_CRASH, 5, true, "SYSTEM_EVENT", false},
    {exit_unknown, VCPU_STOP_CRASH, 5, true, "unhandled exit reason", false},
};

START_TEST(each_stop_reason_and_status)
{
	script[script_len++] = stops[_i].fn;
	go();
	ck_assert_int_eq(stop.kind, stops[_i].kind);
	ck_assert_int_eq(stop.status, stops[_i].status);
	ck_assert_int_eq(stop.dump_registers, stops[_i].dump);
	ck_assert_int_eq(stop.reset, stops[_i].reset);
	ck_assert_msg(strstr(stop.reason, stops[_i].mention), "'%s' lacks '%s'", stop.reason,
		      stops[_i].mention);
}
END_TEST

START_TEST(kvm_run_failure_is_a_vmm_failure)
{
	/* Empty script: the fake KVM_RUN fails with EINVAL. */
	go();
	ck_assert_int_eq(stop.kind, VCPU_STOP_FAILURE);
	ck_assert_int_eq(stop.status, VCPU_STATUS_VMM_FAILURE);
}
END_TEST

START_TEST(kick_before_run_stops_at_once)
{
	script[script_len++] = exit_hlt;
	vcpu_kick(&cpu, SIGTERM);
	go();
	ck_assert_int_eq(stop.kind, VCPU_STOP_SIGNAL);
	ck_assert_int_eq(stop.status, 128 + SIGTERM);
	ck_assert_uint_eq(script_pos, 0);
}
END_TEST

static Suite *runloop_suite(void)
{
	Suite *s = suite_create("run loop");
	TCase *tc = tcase_create("exits"), *last = tcase_create("signals");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, string_out_is_dispatched_per_element);
	tcase_add_test(tc, string_in_fills_each_element);
	tcase_add_test(tc, mmio_read_reaches_device_with_offset);
	tcase_add_test(tc, malformed_io_stops_without_overrun);
	tcase_add_test(tc, device_stop_request_ends_the_loop);
	tcase_add_test(tc, device_reset_is_a_reset);
	tcase_add_loop_test(tc, each_stop_reason_and_status, 0, sizeof(stops) / sizeof(stops[0]));
	tcase_add_test(tc, kvm_run_failure_is_a_vmm_failure);
	suite_add_tcase(s, tc);
	tcase_add_checked_fixture(last, setup, teardown);
	tcase_add_test(last, kick_before_run_stops_at_once);
	suite_add_tcase(s, last);
	return s;
}

int main(void)
{
	return test_run_suite(runloop_suite());
}
