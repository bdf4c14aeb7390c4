// SPDX-License-Identifier: MIT
/*
 * exit_cost uart|notify N [--no-stats] [DISK]: drive minivmm's real run
 * loop (vcpu_run), bus and devices with a scripted provider that plays the
 * guest, for the callgrind table of `make bench`.
 *
 * The provider's KVM_RUN returns N exits of one kind, then a write to the
 * isa-debug-exit port that stops the loop:
 *   uart:   OUT of one byte to the 16550's THR (port 0x3f8), as the guest's
 *           putc does;
 *   notify: a 4 KiB virtio-blk read request put in the avail ring, then the
 *           MMIO write of 0 to QueueNotify that makes the device serve it
 *           (the request is read from DISK through the page cache).
 * Everything the provider does stands for the CPU; bench.py runs this
 * under callgrind with collection on inside vcpu_run() and toggled off
 * inside scripted_ioctl(), so what is counted is exactly the VMM's host
 * instructions per handled exit: run loop, bus, device, accounting.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/kvm.h>
#include <linux/virtio_blk.h>
#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>
#include <linux/virtio_ring.h>

#include "devices/bus.h"
#include "devices/devices.h"
#include "devices/uart.h"
#include "devices/virtio_setup.h"
#include "memory.h"
#include "stats.h"
#include "vcpu/provider.h"
#include "vcpu/vcpu.h"

#define RUN_SIZE 8192
#define PIO_DATA_OFFSET 4096
#define QSIZE 16

/* Where the pretend driver keeps its ring and buffers in guest RAM. */
#define DESC_GPA 0x10000
#define AVAIL_GPA 0x11000
#define USED_GPA 0x12000
#define HDR_GPA 0x13000
#define STATUS_GPA 0x13100
#define DATA_GPA 0x20000
#define DATA_LEN 4096

enum mode { MODE_UART, MODE_NOTIFY };

static struct {
	enum mode mode;
	uint64_t left;
	struct kvm_run *run;
	struct guest_mem *mem;
	uint16_t avail_idx;
} script;

static struct bus bus;
static struct uart16550 uart;
static struct uart_console console;
static struct virtio_devices virtio;
static struct stats stats;
static struct guest_mem mem;
static unsigned char run_page[RUN_SIZE] __attribute__((aligned(4096)));

static void pio_exit(struct kvm_run *run, uint16_t port, uint8_t value)
{
	run->exit_reason = KVM_EXIT_IO;
	run->io.direction = KVM_EXIT_IO_OUT;
	run->io.size = 1;
	run->io.port = port;
	run->io.count = 1;
	run->io.data_offset = PIO_DATA_OFFSET;
	run_page[PIO_DATA_OFFSET] = value;
}

static void *gpa(uint64_t addr, uint64_t len)
{
	void *p = guest_mem_ptr(&mem, addr, len);

	if (!p) {
		fprintf(stderr, "exit_cost: guest address %#llx outside RAM\n",
			(unsigned long long)addr);
		exit(2);
	}
	return p;
}

/* The guest's side of one request: a 3-descriptor chain, published in the avail ring. */
static void queue_read_request(void)
{
	struct vring_desc *d = gpa(DESC_GPA, 3 * sizeof(*d));
	struct vring_avail *avail = gpa(AVAIL_GPA, sizeof(*avail) + QSIZE * 2);
	struct virtio_blk_outhdr *hdr = gpa(HDR_GPA, sizeof(*hdr));

	hdr->type = VIRTIO_BLK_T_IN;
	hdr->ioprio = 0;
	hdr->sector = 0;
	d[0] = (struct vring_desc){ HDR_GPA, sizeof(*hdr), VRING_DESC_F_NEXT, 1 };
	d[1] = (struct vring_desc){ DATA_GPA, DATA_LEN, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, 2 };
	d[2] = (struct vring_desc){ STATUS_GPA, 1, VRING_DESC_F_WRITE, 0 };
	avail->ring[script.avail_idx % QSIZE] = 0;
	__atomic_store_n(&avail->idx, ++script.avail_idx, __ATOMIC_RELEASE);
}

static void mmio_write32(struct kvm_run *run, uint64_t addr, uint32_t value)
{
	run->exit_reason = KVM_EXIT_MMIO;
	run->mmio.phys_addr = addr;
	run->mmio.len = 4;
	run->mmio.is_write = 1;
	memcpy(run->mmio.data, &value, 4);
}

/* The provider: KVM_RUN hands out the scripted exits. */
static int scripted_ioctl(int fd, unsigned long request, void *arg)
{
	struct kvm_run *run = script.run;

	if (request != KVM_RUN) {
		errno = ENOTTY;
		return -1;
	}
	if (script.left == 0) {
		pio_exit(run, DEBUG_EXIT_PORT, 0);
		return 0;
	}
	script.left--;
	if (script.mode == MODE_UART) {
		pio_exit(run, UART_COM1_BASE, 'x');
	} else {
		queue_read_request();
		mmio_write32(run, VIRTIO_MMIO_BASE + VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	}
	return 0;
}

static int scripted_close(int fd)
{
	return 0;
}

static const struct kvm_provider scripted = {
	.name = "scripted", .ioctl = scripted_ioctl, .close = scripted_close
};

static void reg_write(uint64_t off, uint32_t v)
{
	bus_dispatch(&bus, BUS_MMIO, VIRTIO_MMIO_BASE + off, (uint8_t *)&v, 4, true);
}

static uint32_t reg_read(uint64_t off)
{
	uint32_t v = 0;

	bus_dispatch(&bus, BUS_MMIO, VIRTIO_MMIO_BASE + off, (uint8_t *)&v, 4, false);
	return v;
}

/* Bring the device to DRIVER_OK the way a virtio 1.x driver does (not counted). */
static void driver_init(void)
{
	uint32_t st = VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER;

	reg_write(VIRTIO_MMIO_STATUS, 0);
	reg_write(VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE);
	reg_write(VIRTIO_MMIO_STATUS, st);
	reg_write(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	reg_write(VIRTIO_MMIO_DRIVER_FEATURES, 1u << (VIRTIO_F_VERSION_1 - 32));
	reg_write(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	reg_write(VIRTIO_MMIO_DRIVER_FEATURES, 0);
	st |= VIRTIO_CONFIG_S_FEATURES_OK;
	reg_write(VIRTIO_MMIO_STATUS, st);
	if (!(reg_read(VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_FEATURES_OK)) {
		fprintf(stderr, "exit_cost: device refused VIRTIO_F_VERSION_1 alone\n");
		exit(2);
	}
	reg_write(VIRTIO_MMIO_QUEUE_SEL, 0);
	if (reg_read(VIRTIO_MMIO_QUEUE_NUM_MAX) < QSIZE) {
		fprintf(stderr, "exit_cost: queue too small\n");
		exit(2);
	}
	reg_write(VIRTIO_MMIO_QUEUE_NUM, QSIZE);
	reg_write(VIRTIO_MMIO_QUEUE_DESC_LOW, DESC_GPA);
	reg_write(VIRTIO_MMIO_QUEUE_DESC_HIGH, 0);
	reg_write(VIRTIO_MMIO_QUEUE_AVAIL_LOW, AVAIL_GPA);
	reg_write(VIRTIO_MMIO_QUEUE_AVAIL_HIGH, 0);
	reg_write(VIRTIO_MMIO_QUEUE_USED_LOW, USED_GPA);
	reg_write(VIRTIO_MMIO_QUEUE_USED_HIGH, 0);
	reg_write(VIRTIO_MMIO_QUEUE_READY, 1);
	reg_write(VIRTIO_MMIO_STATUS, st | VIRTIO_CONFIG_S_DRIVER_OK);
}

/* After the run: every request must have completed with VIRTIO_BLK_S_OK. */
static int check_notify_results(uint64_t n)
{
	struct vring_used *used = gpa(USED_GPA, sizeof(*used));
	uint8_t *status = gpa(STATUS_GPA, 1);

	if (used->idx != (uint16_t)n || *status != VIRTIO_BLK_S_OK) {
		fprintf(stderr, "exit_cost: used idx %u (want %u), status %u\n", used->idx,
			(unsigned)(uint16_t)n, *status);
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct kvm_vm vm = { .prov = &scripted, .run_size = RUN_SIZE };
	struct vcpu cpu = { .vm = &vm, .fd = 0, .run = (struct kvm_run *)run_page };
	struct vcpu_stop stop;
	bool with_stats = true;
	const char *disk = NULL;
	char cmdline[512] = "";
	uint64_t n;

	if (argc < 3 || (strcmp(argv[1], "uart") && strcmp(argv[1], "notify"))) {
		fprintf(stderr, "usage: exit_cost uart|notify N [--no-stats] [DISK]\n");
		return 2;
	}
	script.mode = strcmp(argv[1], "uart") == 0 ? MODE_UART : MODE_NOTIFY;
	n = strtoull(argv[2], NULL, 0);
	for (int i = 3; i < argc; i++) {
		if (strcmp(argv[i], "--no-stats") == 0)
			with_stats = false;
		else
			disk = argv[i];
	}

	if (guest_mem_init(&mem, 64 << 20) != 0 || platform_devices_register(&bus) != 0)
		return 2;
	uart_init(&uart, NULL);
	if (uart_register(&bus, &uart, UART_COM1_BASE) != 0 ||
	    uart_console_attach(&console, &uart, UART_CONSOLE_STDIO) != 0)
		return 2;
	if (script.mode == MODE_NOTIFY) {
		char *specs[1] = { (char *)disk };

		if (!disk) {
			fprintf(stderr, "exit_cost: notify needs a disk image\n");
			return 2;
		}
		if (virtio_devices_setup(&virtio, &bus, &mem, specs, 1, cmdline, sizeof(cmdline)) != 0)
			return 2;
		driver_init();
	}
	script.run = cpu.run;
	script.left = n;
	stats_init(&stats);

	vcpu_run(&cpu, &bus, with_stats ? &stats : NULL, &stop);

	uart_console_restore(&console);
	if (stop.kind != VCPU_STOP_DEVICE || stop.status != 0) {
		fprintf(stderr, "exit_cost: run loop stopped unexpectedly: %s\n", stop.reason);
		return 1;
	}
	if (with_stats && stats.exits != n + 1) {
		fprintf(stderr, "exit_cost: %llu exits counted, %llu made\n",
			(unsigned long long)stats.exits, (unsigned long long)n + 1);
		return 1;
	}
	if (script.mode == MODE_NOTIFY) {
		int rc = check_notify_results(n);

		virtio_devices_teardown(&virtio);
		return rc;
	}
	return 0;
}
