// SPDX-License-Identifier: MIT
/*
 * mbtest: a Multiboot v1 guest that reports what its boot loader handed
 * over, so minivmm's Multiboot loader can be compared with QEMU's
 * (-M pc -kernel): the magic, its command line, each module's string and
 * contents, and whether the modules lie in RAM the memory map offers.
 * Lines starting "mbtest:" must be identical under both; "info:" lines
 * (memory sizes, loader name) are machine-specific. Ends through
 * isa-debug-exit with 0 when everything it checked holds, 1 otherwise.
 */
#include <multiboot/multiboot.h>
#include <stdint.h>

#include "io.h"

/* Is [lo, hi) inside one available entry of the memory map? */
static int in_available_ram(const multiboot_info_t *mbi, uint64_t lo, uint64_t hi)
{
	uint32_t off = 0;

	if (!(mbi->flags & MULTIBOOT_INFO_MEM_MAP))
		return 0;
	while (off + sizeof(uint32_t) <= mbi->mmap_length) {
		const multiboot_memory_map_t *e =
		    (const multiboot_memory_map_t *)(uintptr_t)(mbi->mmap_addr + off);

		if (e->type == MULTIBOOT_MEMORY_AVAILABLE && e->addr <= lo && hi <= e->addr + e->len)
			return 1;
		off += e->size + sizeof(e->size);
	}
	return 0;
}

static int report_modules(const multiboot_info_t *mbi)
{
	const multiboot_module_t *mods = (const multiboot_module_t *)(uintptr_t)mbi->mods_addr;
	int ok = 1;

	puts_serial("mbtest: modules: ");
	put_dec(mbi->mods_count);
	puts_serial("\n");
	for (uint32_t i = 0; i < mbi->mods_count; i++) {
		const multiboot_module_t *m = &mods[i];
		int in_ram = in_available_ram(mbi, m->mod_start, m->mod_end);

		puts_serial("mbtest: module ");
		put_dec(i);
		puts_serial(": string \"");
		puts_serial(m->cmdline ? (const char *)(uintptr_t)m->cmdline : "");
		puts_serial("\", ");
		put_dec(m->mod_end - m->mod_start);
		puts_serial(" bytes, page aligned: ");
		puts_serial(m->mod_start & 0xfff ? "no" : "yes");
		puts_serial(", in available RAM: ");
		puts_serial(in_ram ? "yes" : "no");
		puts_serial(", contents \"");
		put_contents((const uint8_t *)(uintptr_t)m->mod_start, m->mod_end - m->mod_start);
		puts_serial("\"\n");
		ok &= in_ram;
	}
	return ok;
}

void mbtest_main(uint32_t magic, const multiboot_info_t *mbi);

void mbtest_main(uint32_t magic, const multiboot_info_t *mbi)
{
	int ok = magic == MULTIBOOT_BOOTLOADER_MAGIC;

	puts_serial("mbtest: magic ");
	puts_serial(ok ? "ok" : "WRONG");
	puts_serial("\n");
	if (!ok) {
		outb(DEBUG_EXIT, 1);
		return;
	}
	puts_serial("info: flags ");
	put_hex(mbi->flags);
	puts_serial(", mem_lower ");
	put_dec(mbi->mem_lower);
	puts_serial(" KiB, mem_upper ");
	put_dec(mbi->mem_upper);
	puts_serial(" KiB, loader \"");
	puts_serial(mbi->flags & MULTIBOOT_INFO_BOOT_LOADER_NAME
			? (const char *)(uintptr_t)mbi->boot_loader_name
			: "");
	puts_serial("\"\n");
	puts_serial("mbtest: cmdline \"");
	puts_serial(mbi->flags & MULTIBOOT_INFO_CMDLINE ? (const char *)(uintptr_t)mbi->cmdline
							 : "");
	puts_serial("\"\n");
	ok &= (mbi->flags & MULTIBOOT_INFO_MEMORY) && mbi->mem_lower <= 640;
	ok &= !!(mbi->flags & MULTIBOOT_INFO_MODS);
	if (mbi->flags & MULTIBOOT_INFO_MODS)
		ok &= report_modules(mbi);
	puts_serial("mbtest: done\n");
	outb(DEBUG_EXIT, ok ? 0 : 1);
}
