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
 * one page each like Firecracker's. Interrupts: GSI 16 + i, the I/O APIC's
 * pins 16-23 that no ISA IRQ owns, as QEMU microvm numbers them when it has
 * ACPI: none collides with the legacy lines (IRQ 4 COM1, 8 RTC, 9 the ACPI
 * SCI), all are level-triggered, active high, and need no MADT override
 * (the DSDT's Interrupt descriptor carries the trigger). A guest with only
 * the 8259A cannot take them; it polls. This file is the one place these
 * numbers come from: the transports are attached with them, the command
 * line announces them, and vm_acpi.c describes each transport from the
 * device itself.
 */
#define VIRTIO_MMIO_BASE 0xd0000000ULL
#define VIRTIO_MMIO_WINDOW 0x1000ULL
#define VIRTIO_MMIO_FIRST_IRQ 16
#define VIRTIO_MMIO_IOAPIC_PINS 24

_Static_assert(VIRTIO_MMIO_FIRST_IRQ + VIRTIO_MAX_DISKS <= VIRTIO_MMIO_IOAPIC_PINS,
	       "every virtio-mmio transport needs an I/O APIC pin of its own");

/* Where transport i lives and which GSI it drives. */
static inline unsigned long long virtio_mmio_slot_base(unsigned i)
{
	return VIRTIO_MMIO_BASE + i * VIRTIO_MMIO_WINDOW;
}

static inline unsigned virtio_mmio_slot_irq(unsigned i)
{
	return VIRTIO_MMIO_FIRST_IRQ + i;
}

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
