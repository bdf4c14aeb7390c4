/* SPDX-License-Identifier: MIT */
/*
 * The VMM's one entry into the virtio devices: turn the `-d/--disk` specs
 * into virtio-blk devices on virtio-mmio transports, register them on the
 * bus and announce them on the guest command line the way Linux reads it.
 *
 * Call order in the VM object: guest RAM is set up -> virtio_devices_setup()
 * -> the loader writes the (now extended) command line into start_info.
 */
#ifndef MINIVMM_VIRTIO_SETUP_H
#define MINIVMM_VIRTIO_SETUP_H

#include <stddef.h>

struct bus;
struct guest_mem;
struct virtio_blk;

/* -d/--disk may be given this many times. */
#define VIRTIO_MAX_DISKS 8

/* The VM's virtio devices (one per open disk image); zero-initialised = none. */
struct virtio_devices {
	struct virtio_blk *disk[VIRTIO_MAX_DISKS];
	unsigned nr_open;
};

/*
 * Transport windows in the 32-bit MMIO hole (above GUEST_MMIO_HOLE_START),
 * one page each like Firecracker's; IRQ numbers as QEMU microvm hands them
 * out (5 + i); virtio_devices_connect_irqs() wires them to the interrupt
 * controller.
 */
#define VIRTIO_MMIO_BASE 0xd0000000ULL
#define VIRTIO_MMIO_WINDOW 0x1000ULL
#define VIRTIO_MMIO_FIRST_IRQ 5

/*
 * disk_specs[i] is "PATH" or "PATH,ro". For each: open the image (O_RDWR,
 * or O_RDONLY for ,ro), take flock(LOCK_EX|LOCK_NB) (LOCK_SH for ,ro),
 * create a virtio-blk device (kept in devs) on a virtio-mmio window at
 * VIRTIO_MMIO_BASE + i * VIRTIO_MMIO_WINDOW, register it on `bus`, and
 * append " virtio_mmio.device=<size>@<base>:<irq>" to the NUL-terminated
 * string in cmdline (a buffer of cmdline_size bytes).
 *
 * Returns 0, or -1 after printing one line on stderr that names the file
 * and the reason (missing, unreadable, locked by another process, bad
 * spec, too many disks, command line too long); everything already set up
 * is torn down again. The caller then exits with status 2.
 *
 * `mem` and `bus` must stay valid until virtio_devices_teardown().
 */
int virtio_devices_setup(struct virtio_devices *devs, struct bus *bus, const struct guest_mem *mem,
			 char *const *disk_specs, unsigned nr_disks, char *cmdline,
			 size_t cmdline_size);

/*
 * Let each transport drive its line (VIRTIO_MMIO_FIRST_IRQ + i, what the
 * command line names) through set(ctx, gsi, level).
 */
void virtio_devices_connect_irqs(struct virtio_devices *devs,
				 void (*set)(void *ctx, unsigned gsi, int level), void *ctx);

/* Close the images (dropping the locks) and free the devices. Idempotent. */
void virtio_devices_teardown(struct virtio_devices *devs);

#endif
