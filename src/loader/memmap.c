// SPDX-License-Identifier: MIT
/*
 * The guest's memory map: every RAM region, with the ranges the VMM keeps
 * for itself marked reserved (the boot area at 0: GDT, boot structures,
 * page tables; the ACPI tables below 1 MiB). PVH's memmap,
 * Linux's e820 table and Multiboot's mmap are all written from this one.
 */
#include "loader/loader.h"

static void put(struct boot_mem_range *map, unsigned *n, uint64_t lo, uint64_t hi, bool ram)
{
	if (lo < hi && *n < BOOT_MEMMAP_RANGES_MAX)
		map[(*n)++] = (struct boot_mem_range){lo, hi - lo, ram};
}

unsigned boot_memory_map(const struct guest_mem *mem, uint64_t reserved_end,
			 struct boot_mem_range *map)
{
	/*
	 * A PC has no RAM for the OS between 640 KiB and 1 MiB (VGA window,
	 * option ROMs, the BIOS, here the ACPI tables): say so, as the BDA and
	 * Multiboot's mem_lower do, or a kernel that trusts the map alone
	 * (Xen) counts the legacy hole as usable memory.
	 */
	const struct guest_range reserved[] = {
	    {0, reserved_end},
	    {BOOT_CONVENTIONAL_END, BOOT_LEGACY_END - BOOT_CONVENTIONAL_END},
	};
	unsigned n = 0;

	for (unsigned i = 0; i < mem->nr_regions; i++) {
		uint64_t cur = mem->region[i].gpa, end = cur + mem->region[i].size;

		for (unsigned j = 0; j < sizeof(reserved) / sizeof(reserved[0]); j++) {
			uint64_t lo = reserved[j].gpa, hi = lo + reserved[j].size;

			if (hi <= cur || lo >= end)
				continue;
			if (lo < cur)
				lo = cur;
			put(map, &n, cur, lo, true);
			cur = hi < end ? hi : end;
			put(map, &n, lo, cur, false);
		}
		put(map, &n, cur, end, true);
	}
	return n;
}
