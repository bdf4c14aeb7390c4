// SPDX-License-Identifier: MIT
/*
 * The two words of the PC BIOS Data Area that kernels read without asking
 * a BIOS: the conventional memory size in KiB at 0x413 and the EBDA's
 * segment at 0x40e. There is no BIOS here, but Xen's Multiboot entry
 * places its real-mode trampoline 64 KiB below min(BDA size, mem_lower),
 * and Linux reserves [BDA size, 1 MiB) (reserve_bios_regions); a zero size
 * sends Xen's trampoline below address 0 (it wraps to 0xffff0000). The
 * values say what the memory map says: RAM up to 640 KiB, no EBDA.
 *
 * And a real-mode interrupt vector table whose every entry answers "not
 * supported" (STC; RETF 2: the caller sees CF=1), as kvmtool's small BIOS
 * does for the services it lacks: a kernel that asks the BIOS for its
 * memory map (INT 15h E820), disks (INT 13h) or video modes (INT 10h) in
 * real mode -- Xen does so from its trampoline -- falls back to what the
 * boot protocol gave it instead of jumping through a zero vector.
 */
#include <stdint.h>

#include "loader/loader.h"

#define BDA_EBDA_SEGMENT 0x40e
#define BDA_BASE_MEMORY_KIB 0x413
#define IVT_ENTRIES 256
/* The handler: in the boot area, after the BDA, as segment:offset 0x0050:0000. */
#define BIOS_STUB_GPA 0x500

int boot_write_bios_data(const struct guest_mem *mem)
{
	static const uint8_t unsupported[] = {0xf9, 0xca, 0x02, 0x00}; /* stc; retf 2 */
	uint16_t ebda = 0, kib = (uint16_t)(BOOT_CONVENTIONAL_END >> 10);
	uint32_t ivt[IVT_ENTRIES];

	for (unsigned i = 0; i < IVT_ENTRIES; i++)
		ivt[i] = (uint32_t)(BIOS_STUB_GPA >> 4) << 16; /* segment:offset, offset 0 */
	if (guest_mem_write(mem, 0, ivt, sizeof(ivt)) ||
	    guest_mem_write(mem, BIOS_STUB_GPA, unsupported, sizeof(unsupported)) ||
	    guest_mem_write(mem, BDA_EBDA_SEGMENT, &ebda, sizeof(ebda)) ||
	    guest_mem_write(mem, BDA_BASE_MEMORY_KIB, &kib, sizeof(kib)))
		return -1;
	return 0;
}
