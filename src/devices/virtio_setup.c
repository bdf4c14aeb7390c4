// SPDX-License-Identifier: MIT
/* -d/--disk specs -> virtio-blk devices on the bus, announced on the command line. */
#include "devices/virtio_setup.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devices/bus.h"
#include "devices/virtio_blk.h"

/* "PATH" or "PATH,ro" (also "PATH,rw"): the path in path[], the mode in *ro. */
static int parse_spec(const char *spec, char *path, size_t size, bool *ro)
{
	const char *comma = strrchr(spec, ',');
	size_t len = comma ? (size_t)(comma - spec) : strlen(spec);

	*ro = false;
	if (comma) {
		if (strcmp(comma + 1, "ro") == 0)
			*ro = true;
		else if (strcmp(comma + 1, "rw") != 0) {
			fprintf(stderr,
				"minivmm: disk %s: unknown option '%s' (expected PATH[,ro])\n",
				spec, comma + 1);
			return -1;
		}
	}
	if (len == 0 || len >= size) {
		fprintf(stderr, "minivmm: disk '%s': %s path (expected PATH[,ro])\n", spec,
			len ? "too long a" : "empty");
		return -1;
	}
	memcpy(path, spec, len);
	path[len] = '\0';
	return 0;
}

static const char *open_error(int err)
{
	switch (err) {
	case -EWOULDBLOCK:
		return "locked by another process (is another VM using it?)";
	case -EINVAL:
		return "not a regular file or block device";
	default:
		return strerror(-err);
	}
}

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
	uint64_t base = VIRTIO_MMIO_BASE + i * VIRTIO_MMIO_WINDOW;
	unsigned irq = VIRTIO_MMIO_FIRST_IRQ + i;
	struct virtio_blk *blk;
	char path[4096];
	bool ro;
	int rc;

	if (parse_spec(spec, path, sizeof(path), &ro))
		return -1;
	blk = malloc(sizeof(*blk));
	if (!blk) {
		fprintf(stderr, "minivmm: disk %s: out of memory\n", path);
		return -1;
	}
	rc = virtio_blk_open(blk, path, ro);
	if (rc) {
		fprintf(stderr, "minivmm: disk %s: %s\n", path, open_error(rc));
		free(blk);
		return -1;
	}
	devs->disk[devs->nr_open++] = blk;
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

void virtio_devices_teardown(struct virtio_devices *devs)
{
	while (devs->nr_open) {
		struct virtio_blk *blk = devs->disk[--devs->nr_open];

		virtio_blk_close(blk);
		free(blk);
		devs->disk[devs->nr_open] = NULL;
	}
}
