// SPDX-License-Identifier: MIT
/*
 * The PVH boot information (Xen's struct hvm_start_info, version 1): the
 * command line, the modules (the first is Linux's initrd), the ACPI RSDP, and the memory
 * map (memmap.c). Written for PVH and for the direct 64-bit entry alike,
 * so every guest finds the same structure.
 */
#include "loader/loader.h"

#include <stdio.h>
#include <string.h>
#include <xen/arch-x86/hvm/start_info.h>

static unsigned build_memmap(const struct guest_mem *mem, struct hvm_memmap_table_entry *map)
{
	struct boot_mem_range r[BOOT_MEMMAP_RANGES_MAX];
	unsigned n = boot_memory_map(mem, BOOT_AREA_END, r);

	for (unsigned i = 0; i < n; i++)
		map[i] = (struct hvm_memmap_table_entry){
		    .addr = r[i].addr,
		    .size = r[i].size,
		    .type = r[i].ram ? XEN_HVM_MEMMAP_TYPE_RAM : XEN_HVM_MEMMAP_TYPE_RESERVED};
	return n;
}

int start_info_write(const struct guest_mem *mem, const char *cmdline,
		     const struct loaded_module *mods, unsigned nr_mods, uint64_t rsdp_gpa,
		     char *err, size_t err_len)
{
	struct hvm_memmap_table_entry map[BOOT_MEMMAP_MAX];
	struct hvm_modlist_entry list[LOADER_MAX_MODULES];
	struct hvm_start_info si = {
	    .magic = XEN_HVM_START_MAGIC_VALUE,
	    .version = 1,
	    .cmdline_paddr = BOOT_CMDLINE_GPA,
	    .memmap_paddr = BOOT_MEMMAP_GPA,
	    .rsdp_paddr = rsdp_gpa,
	};
	size_t len = cmdline ? strlen(cmdline) : 0;

	_Static_assert(BOOT_START_INFO_GPA + sizeof(si) <= BOOT_MODLIST_GPA, "start_info too big");
	_Static_assert(BOOT_MODLIST_GPA + sizeof(list) <= BOOT_MEMMAP_GPA, "modlist too big");
	_Static_assert(BOOT_MEMMAP_GPA + sizeof(map) <= BOOT_CMDLINE_GPA, "memmap too big");
	_Static_assert(BOOT_MEMMAP_RANGES_MAX <= BOOT_MEMMAP_MAX, "memmap table too small");

	if (len >= BOOT_CMDLINE_MAX) {
		snprintf(err, err_len, "command line is %zu bytes; at most %d fit", len,
			 BOOT_CMDLINE_MAX - 1);
		return -1;
	}
	si.memmap_entries = build_memmap(mem, map);
	for (unsigned i = 0; i < nr_mods && i < LOADER_MAX_MODULES; i++)
		list[i] = (struct hvm_modlist_entry){.paddr = mods[i].gpa,
						     .size = mods[i].size,
						     .cmdline_paddr = mods[i].string_gpa};
	if (nr_mods) {
		si.nr_modules = nr_mods;
		si.modlist_paddr = BOOT_MODLIST_GPA;
	}
	if (guest_mem_write(mem, BOOT_START_INFO_GPA, &si, sizeof(si)) ||
	    guest_mem_write(mem, BOOT_MEMMAP_GPA, map, si.memmap_entries * sizeof(map[0])) ||
	    (nr_mods && guest_mem_write(mem, BOOT_MODLIST_GPA, list, nr_mods * sizeof(list[0]))) ||
	    guest_mem_write(mem, BOOT_CMDLINE_GPA, cmdline ? cmdline : "", len + 1)) {
		snprintf(err, err_len, "guest RAM too small for the boot area");
		return -1;
	}
	return 0;
}
