// SPDX-License-Identifier: MIT
/*
 * Binding -d disks to a Solo5 manifest: a disk's name= picks the
 * BLOCK_BASIC entry it backs, and the entry is marked attached with the
 * image's capacity and block size, as solo5-hvt's --block:NAME=PATH and
 * --block-sector-size:NAME=N do. Mismatches in either direction are
 * refused before the guest starts.
 */
#include "devices/solo5_hvt.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "devices/disk_spec.h"

/* "a, b" of the manifest's block device names, for messages. */
static void block_names(const struct solo5_image *img, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (uint32_t i = 1; i < img->nr_entries && used < len; i++) {
		if (img->entry[i].type != SOLO5_MFT_BLOCK_BASIC)
			continue;
		int n = snprintf(buf + used, len - used, "%s'%s'", used ? ", " : "",
				 img->entry[i].name);
		if (n < 0)
			break;
		used += (size_t)n;
	}
	if (!buf[0])
		snprintf(buf, len, "none");
}

static int attach_one(struct solo5_hvt *dev, struct solo5_image *img, const char *arg)
{
	struct disk_spec ds;
	struct solo5_disk *k;
	struct stat st;
	char why[160], names[256];
	uint64_t size;
	int idx, fd;

	if (disk_spec_parse(arg, &ds, why, sizeof(why))) {
		fprintf(stderr, "minivmm: disk %s: %s\n", arg, why);
		return -1;
	}
	block_names(img, names, sizeof(names));
	idx = ds.name[0] ? solo5_mft_find_block(img, ds.name) : -1;
	if (idx < 0) {
		fprintf(stderr,
			"minivmm: disk %s: %s the Solo5 manifest's block devices (%s) by "
			"name=NAME\n",
			ds.path, ds.name[0] ? "the name is not one of" : "must name one of", names);
		return -1;
	}
	k = &dev->disk[idx];
	if (k->fd >= 0) {
		fprintf(stderr, "minivmm: disk %s: block device '%s' is already attached\n",
			ds.path, ds.name);
		return -1;
	}
	fd = disk_image_open(ds.path, ds.ro, &size, &st);
	if (fd < 0) {
		fprintf(stderr, "minivmm: disk %s: %s\n", ds.path, disk_image_error(fd));
		return -1;
	}
	*k = (struct solo5_disk){fd, ds.ro, size, disk_spec_sector(&ds)};
	if (size < k->block_size || size % k->block_size) {
		fprintf(stderr,
			"minivmm: disk %s: %llu bytes is not a whole, nonzero number of %u-byte "
			"blocks (see sector=)\n",
			ds.path, (unsigned long long)size, k->block_size);
		return -1;
	}
	img->entry[idx].attached = 1;
	img->entry[idx].u.block.capacity = size;
	img->entry[idx].u.block.block_size = (uint16_t)k->block_size;
	return 0;
}

static int check_all_attached(const struct solo5_image *img)
{
	for (uint32_t i = 1; i < img->nr_entries; i++) {
		const struct solo5_mft_entry *e = &img->entry[i];

		if (e->attached)
			continue;
		if (e->type == SOLO5_MFT_NET_BASIC)
			fprintf(stderr,
				"minivmm: the Solo5 manifest declares network device '%s'; "
				"minivmm has no network device\n",
				e->name);
		else
			fprintf(stderr,
				"minivmm: the Solo5 manifest declares block device '%s'; attach "
				"it with -d PATH,name=%s\n",
				e->name, e->name);
		return -1;
	}
	return 0;
}

int solo5_hvt_attach_disks(struct solo5_hvt *dev, struct solo5_image *img, char *const *specs,
			   unsigned nr_specs)
{
	dev->img = img;
	for (unsigned i = 0; i < SOLO5_MFT_MAX_ENTRIES; i++)
		dev->disk[i].fd = -1;
	for (unsigned i = 0; i < nr_specs; i++)
		if (attach_one(dev, img, specs[i]))
			goto fail;
	if (check_all_attached(img) == 0)
		return 0;
fail:
	solo5_hvt_close(dev);
	return -1;
}

void solo5_hvt_close(struct solo5_hvt *dev)
{
	if (!dev->img)
		return; /* never attached: the fds are not ours to close */
	for (unsigned i = 0; i < SOLO5_MFT_MAX_ENTRIES; i++) {
		if (dev->disk[i].fd >= 0)
			close(dev->disk[i].fd);
		dev->disk[i].fd = -1;
	}
}
