/* SPDX-License-Identifier: MIT */
/* Guest RAM and scratch files for the loader and ACPI tests. */
#ifndef TEST_SUPPORT_GUEST_RAM_H
#define TEST_SUPPORT_GUEST_RAM_H

#include <stddef.h>
#include <stdint.h>

#include "memory.h"

/* size bytes of page-aligned RAM filled with `fill`, registered at gpa 0 in *mem. */
uint8_t *test_guest_ram(struct guest_mem *mem, size_t size, uint8_t fill);

/* Create an empty file from template (ending in XXXXXX) and keep its name in path. */
void test_temp_file(char *path, const char *template_path);

#endif
