// SPDX-License-Identifier: MIT
#include "support/guest_ram.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

uint8_t *test_guest_ram(struct guest_mem *mem, size_t size, uint8_t fill)
{
	uint8_t *ram = aligned_alloc(4096, size);

	ck_assert_ptr_nonnull(ram);
	memset(ram, fill, size);
	memset(mem, 0, sizeof(*mem));
	ck_assert_int_eq(guest_mem_add_region(mem, 0, size, ram), 0);
	return ram;
}

void test_temp_file(char *path, const char *template_path)
{
	int fd;

	strcpy(path, template_path);
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	close(fd);
}
