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

#define COM1 0x3f8
#define DEBUG_EXIT 0xf4
#define MAX_SHOWN 64 /* bytes of a module's contents printed */

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static void putc_serial(char c)
{
	while (!(inb(COM1 + 5) & 0x20)) /* LSR: transmitter holding register empty */
		;
	outb(COM1, (uint8_t)c);
}

static void puts_serial(const char *s)
{
	while (*s)
		putc_serial(*s++);
}

static void put_hex(uint32_t v)
{
	puts_serial("0x");
	for (int shift = 28; shift >= 0; shift -= 4)
		putc_serial("0123456789abcdef"[(v >> shift) & 0xf]);
}

static void put_dec(uint32_t v)
{
	char buf[11];
	int n = 0;

	do
		buf[n++] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	while (n)
		putc_serial(buf[--n]);
}

/* Printable bytes as they are, everything else as '.', up to MAX_SHOWN. */
static void put_contents(const uint8_t *p, uint32_t len)
{
	for (uint32_t i = 0; i < len && i < MAX_SHOWN; i++)
		putc_serial(p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '.');
}

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
