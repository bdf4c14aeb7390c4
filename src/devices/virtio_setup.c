// SPDX-License-Identifier: MIT
/* -d/--disk specs -> virtio-blk devices on the bus, announced on the command line. */
#include "devices/virtio_setup.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devices/bus.h"
#include "devices/disk_spec.h"
#include "devices/virtio_blk.h"


/* Append " virtio_mmio.device=<size>@<base>:<irq>" as Linux's virtio_mmio parses it. */
static int announce(char *cmdline, size_t size, uint64_t base, unsigned irq)
{
	size_t used = strnlen(cmdline, size);
	int n;

	if (used >= size)
		return -1;
	n = snprintf(cmdline + used, size - used, "%svirtio_mmio.device=%llu@%#llx:%u",
		     used ? " " : "", (unsigned long long)VIRTIO_MMIO_WINDOW,
		     (unsigned long long)base, irq);
	if (n < 0 || (size_t)n >= size - used) {
		cmdline[used] = '\0';
		return -1;
	}
	return 0;
}

static int setup_one(struct virtio_devices *devs, struct bus *bus, const struct guest_mem *mem,
		     const char *spec, unsigned i, char *cmdline, size_t cmdline_size)
{
	uint64_t base = virtio_mmio_slot_base(i);
	unsigned irq = virtio_mmio_slot_irq(i);
	struct virtio_blk *blk;
	struct disk_spec ds;
	const char *path = ds.path;
	char why[160];
	int rc;

	if (disk_spec_parse(spec, &ds, why, sizeof(why))) {
		fprintf(stderr, "minivmm: disk %s: %s\n", spec, why);
		return -1;
	}
	blk = malloc(sizeof(*blk));
	if (!blk) {
		fprintf(stderr, "minivmm: disk %s: out of memory\n", path);
		return -1;
	}
	rc = virtio_blk_open(blk, path, ds.ro);
	if (rc) {
		fprintf(stderr, "minivmm: disk %s: %s\n", path, disk_image_error(rc));
		free(blk);
		return -1;
	}
	devs->disk[devs->nr_open++] = blk;
	/* sector=N: the logical block size (VIRTIO_BLK_F_BLK_SIZE), whole blocks only. */
	if (ds.sector) {
		if (blk->size % ds.sector) {
			fprintf(stderr,
				"minivmm: disk %s: %llu bytes is not a multiple of sector=%u\n",
				path, (unsigned long long)blk->size, ds.sector);
			return -1;
		}
		blk->config.blk_size = ds.sector;
	}
	rc = virtio_blk_attach(blk, mem, base, irq);
	if (!rc)
		rc = bus_register(bus, BUS_MMIO, base, VIRTIO_MMIO_WINDOW, blk->transport.label,
				  virtio_mmio_access, &blk->transport);
	if (rc) {
		fprintf(stderr, "minivmm: disk %s: cannot attach at %#llx: %s\n", path,
			(unsigned long long)base, strerror(-rc));
		return -1;
	}
	if (announce(cmdline, cmdline_size, base, irq)) {
		fprintf(stderr, "minivmm: disk %s: guest command line too long\n", path);
		return -1;
	}
	return 0;
}

int virtio_devices_setup(struct virtio_devices *devs, struct bus *bus, const struct guest_mem *mem,
			 char *const *disk_specs, unsigned nr_disks, char *cmdline,
			 size_t cmdline_size)
{
	if (nr_disks > VIRTIO_MAX_DISKS) {
		fprintf(stderr, "minivmm: too many disks (%u, at most %d)\n", nr_disks,
			VIRTIO_MAX_DISKS);
		return -1;
	}
	for (unsigned i = 0; i < nr_disks; i++) {
		if (setup_one(devs, bus, mem, disk_specs[i], i, cmdline, cmdline_size)) {
			virtio_devices_teardown(devs);
			return -1;
		}
	}
	return 0;
}

void virtio_devices_connect_irqs(struct virtio_devices *devs,
				 void (*set)(void *ctx, unsigned gsi, int level), void *ctx)
{
	for (unsigned i = 0; i < devs->nr_open; i++)
		virtio_mmio_connect_irq(&devs->disk[i]->transport, set, ctx);
}

void virtio_devices_teardown(struct virtio_devices *devs)
{
	while (devs->nr_open) {
		struct virtio_blk *blk = devs->disk[--devs->nr_open];

		virtio_blk_close(blk);
		free(blk);
		devs->disk[devs->nr_open] = NULL;
	}
}
