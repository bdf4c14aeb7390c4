// SPDX-License-Identifier: MIT
/* The W^X double mapping of generated host code (wx_map.h). */
#include "vcpu/soft/wx_map.h"

#include <sys/mman.h>
#include <unistd.h>

int wx_map_create(const char *name, size_t code_size, size_t data_size, uint8_t **rx, uint8_t **rw,
		  uint8_t **data)
{
	uint8_t *base, *p;
	int fd = memfd_create(name, MFD_CLOEXEC);

	if (fd < 0)
		return -1;
	if (ftruncate(fd, (off_t)code_size) < 0)
		goto fail_fd;
	/* reserve both halves together so the data is next to the code */
	base = mmap(NULL, code_size + data_size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (base == MAP_FAILED)
		goto fail_fd;
	p = mmap(base, code_size, PROT_READ | PROT_EXEC, MAP_SHARED | MAP_FIXED, fd, 0);
	if (p == MAP_FAILED)
		goto fail_map;
	p = mmap(base + code_size, data_size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	if (p == MAP_FAILED)
		goto fail_map;
	*data = p;
	*rw = mmap(NULL, code_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (*rw == MAP_FAILED)
		goto fail_map;
	close(fd);
	*rx = base;
	return 0;
fail_map:
	munmap(base, code_size + data_size);
fail_fd:
	close(fd);
	return -1;
}

void wx_map_populate(uint8_t *rx, uint8_t *rw, size_t off, size_t len)
{
#if defined(MADV_POPULATE_WRITE) && defined(MADV_POPULATE_READ)
	madvise(rw + off, len, MADV_POPULATE_WRITE);
	madvise(rx + off, len, MADV_POPULATE_READ);
#else
	(void)rx;
	(void)rw;
	(void)off;
	(void)len;
#endif
}

void wx_map_destroy(uint8_t *rx, uint8_t *rw, size_t code_size, size_t data_size)
{
	munmap(rw, code_size);
	munmap(rx, code_size + data_size);
}
