// SPDX-License-Identifier: MIT
/*
 * Boot modules (--module, --initrd): each file page aligned, the first
 * one highest in low RAM and the next ones below it, all above what the
 * kernel occupies; each module's string ("PATH ARGS", as given) in the
 * string area of the boot area when the protocol passes strings.
 */
#include "loader/loader.h"

#include <limits.h>
#include <string.h>

int modules_load(const struct guest_mem *mem, const struct loader_args *args, uint64_t floor,
		 uint64_t ceiling, bool with_strings, struct loaded_module *out,
		 const char **err_path, char *err, size_t err_len)
{
	uint64_t str_used = 0;

	if (args->nr_modules > LOADER_MAX_MODULES)
		return loader_fail(err, err_len, "%u modules; at most %d", args->nr_modules,
				   LOADER_MAX_MODULES);
	/* Never down into the ACPI tables (or below them), even for a kernel under 1 MiB. */
	if (floor < BOOT_ACPI_END)
		floor = BOOT_ACPI_END;
	for (unsigned i = 0; i < args->nr_modules; i++) {
		const struct loader_module *m = &args->modules[i];
		size_t slen = strlen(m->spec) + 1;
		char path[PATH_MAX];
		struct guest_range r;

		*err_path = m->spec;
		if (m->path_len == 0 || m->path_len >= sizeof(path))
			return loader_fail(err, err_len, "module file name is empty or too long");
		memcpy(path, m->spec, m->path_len);
		path[m->path_len] = '\0';
		if (loader_place_file(mem, path, floor, ceiling, &r, err, err_len))
			return -1;
		out[i] = (struct loaded_module){.gpa = r.gpa, .size = r.size};
		ceiling = r.gpa;
		if (!with_strings)
			continue;
		if (slen > BOOT_MODSTR_MAX - str_used)
			return loader_fail(err, err_len,
					   "the modules' strings exceed %d bytes together",
					   BOOT_MODSTR_MAX);
		out[i].string_gpa = BOOT_MODSTR_GPA + str_used;
		if (guest_mem_write(mem, out[i].string_gpa, m->spec, slen))
			return loader_fail(err, err_len, "guest RAM too small for the boot area");
		str_used += slen;
	}
	*err_path = args->kernel_path;
	return 0;
}
