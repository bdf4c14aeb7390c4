// SPDX-License-Identifier: MIT
/* -d/--disk arguments and opening the image files behind them. */
#include "devices/disk_spec.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

static int parse_name(const char *v, size_t len, struct disk_spec *spec, char *err, size_t err_len)
{
	if (len == 0 || len > DISK_NAME_MAX) {
		snprintf(err, err_len, "name= takes 1 to %d letters and digits", DISK_NAME_MAX);
		return -1;
	}
	for (size_t i = 0; i < len; i++) {
		if (!isalnum((unsigned char)v[i])) {
			snprintf(err, err_len, "name '%.*s': only letters and digits (as Solo5)",
				 (int)len, v);
			return -1;
		}
	}
	memcpy(spec->name, v, len);
	spec->name[len] = '\0';
	return 0;
}

static int parse_sector(const char *v, size_t len, struct disk_spec *spec, char *err,
			size_t err_len)
{
	char buf[16];
	char *end;
	unsigned long n;

	if (len == 0 || len >= sizeof(buf) || !isdigit((unsigned char)v[0]))
		goto bad;
	memcpy(buf, v, len);
	buf[len] = '\0';
	errno = 0;
	n = strtoul(buf, &end, 10);
	if (errno || *end || n < DISK_SECTOR_DEFAULT || n > DISK_SECTOR_MAX || (n & (n - 1)))
		goto bad;
	spec->sector = (uint32_t)n;
	return 0;
bad:
	snprintf(err, err_len, "sector '%.*s' is not a power of two in %u..%u", (int)len, v,
		 DISK_SECTOR_DEFAULT, DISK_SECTOR_MAX);
	return -1;
}

/* One option [o, o + len): ro, rw, name=..., sector=... */
static int parse_option(const char *o, size_t len, struct disk_spec *spec, char *err,
			size_t err_len)
{
	if (len == 2 && !memcmp(o, "ro", 2)) {
		spec->ro = true;
		return 0;
	}
	if (len == 2 && !memcmp(o, "rw", 2)) {
		spec->ro = false;
		return 0;
	}
	if (len >= 5 && !memcmp(o, "name=", 5))
		return parse_name(o + 5, len - 5, spec, err, err_len);
	if (len >= 7 && !memcmp(o, "sector=", 7))
		return parse_sector(o + 7, len - 7, spec, err, err_len);
	snprintf(err, err_len, "unknown option '%.*s' (expected PATH[,ro][,name=NAME][,sector=N])",
		 (int)len, o);
	return -1;
}

int disk_spec_parse(const char *arg, struct disk_spec *spec, char *err, size_t err_len)
{
	const char *comma = strchr(arg, ',');
	size_t len = comma ? (size_t)(comma - arg) : strlen(arg);

	memset(spec, 0, sizeof(*spec));
	if (len == 0 || len >= sizeof(spec->path)) {
		snprintf(err, err_len, "%s path (expected PATH[,ro][,name=NAME][,sector=N])",
			 len ? "too long a" : "empty");
		return -1;
	}
	memcpy(spec->path, arg, len);
	while (comma) {
		const char *o = comma + 1;

		comma = strchr(o, ',');
		if (parse_option(o, comma ? (size_t)(comma - o) : strlen(o), spec, err, err_len))
			return -1;
	}
	return 0;
}

uint32_t disk_spec_sector(const struct disk_spec *spec)
{
	return spec->sector ? spec->sector : DISK_SECTOR_DEFAULT;
}

int disk_image_open(const char *path, bool ro, uint64_t *size, struct stat *st)
{
	int fd = open(path, (ro ? O_RDONLY : O_RDWR) | O_CLOEXEC), rc;
	off_t end;

	if (fd < 0)
		return -errno;
	if (fstat(fd, st) < 0) {
		rc = -errno;
		goto fail;
	}
	if (!S_ISREG(st->st_mode) && !S_ISBLK(st->st_mode)) {
		rc = -EINVAL;
		goto fail;
	}
	if (flock(fd, (ro ? LOCK_SH : LOCK_EX) | LOCK_NB) < 0) {
		rc = -errno;
		goto fail;
	}
	end = lseek(fd, 0, SEEK_END); /* also right for block devices */
	if (end < 0) {
		rc = -errno;
		goto fail;
	}
	*size = (uint64_t)end;
	return fd;
fail:
	close(fd);
	return rc;
}

const char *disk_image_error(int err)
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
