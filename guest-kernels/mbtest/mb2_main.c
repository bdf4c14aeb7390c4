// SPDX-License-Identifier: MIT
/*
 * mb2test: a Multiboot2 guest that checks what its boot loader handed
 * over against the specification (2.0, 3.6): EAX = 0x36D76289, EBX an
 * 8-byte aligned information structure whose tags are 8-byte aligned and
 * end with an end tag inside total_size; every tag type its information
 * request asked for present; the command line and each module's string
 * and contents; the modules page aligned (its module alignment tag) in
 * RAM the memory map offers; the ACPI RSDP copies equal to the RSDP the
 * legacy scan of 0xE0000-0xFFFFF finds, with good checksums. Lines
 * starting "mb2test:" are compared with what the test gave; "info:" lines
 * are machine-specific. Ends through isa-debug-exit: 0 when all holds.
 * The constants are the specification's, written here on their own.
 */
#include <stdint.h>

#include "io.h"

#define MB2_BOOTLOADER_MAGIC 0x36d76289u
#define TAG_END 0
#define TAG_CMDLINE 1
#define TAG_LOADER_NAME 2
#define TAG_MODULE 3
#define TAG_MEMINFO 4
#define TAG_MMAP 6
#define TAG_ACPI_OLD 14
#define TAG_ACPI_NEW 15
#define MMAP_AVAILABLE 1

struct tag {
	uint32_t type, size;
};

struct mmap_entry {
	uint64_t base, length;
	uint32_t type, reserved;
};

static const struct tag *mmap_tag;

void mb2test_main(uint32_t magic, uint32_t info);
void mb2test_wrong_entry(void);

void mb2test_wrong_entry(void)
{
	puts_serial("mb2test: entered at e_entry, not at the entry address tag\n");
	outb(DEBUG_EXIT, 1);
}

static uint32_t rd32(const void *p)
{
	return *(const uint32_t *)p;
}

/* Is [lo, hi) inside one available entry of the memory map? */
static int in_available_ram(uint64_t lo, uint64_t hi)
{
	const uint8_t *t = (const uint8_t *)mmap_tag;
	uint32_t esize;

	if (!t)
		return 0;
	esize = rd32(t + 8);
	if (esize < sizeof(struct mmap_entry))
		return 0;
	for (uint32_t off = 16; off + esize <= mmap_tag->size; off += esize) {
		const struct mmap_entry *e = (const struct mmap_entry *)(t + off);

		if (e->type == MMAP_AVAILABLE && e->base <= lo && hi <= e->base + e->length)
			return 1;
	}
	return 0;
}

static int report_module(uint32_t i, const struct tag *t)
{
	const uint8_t *p = (const uint8_t *)t;
	uint32_t start = rd32(p + 8), end = rd32(p + 12);
	int in_ram = in_available_ram(start, end);

	puts_serial("mb2test: module ");
	put_dec(i);
	puts_serial(": string \"");
	puts_serial((const char *)(p + 16));
	puts_serial("\", ");
	put_dec(end - start);
	puts_serial(" bytes, page aligned: ");
	puts_serial(start & 0xfff ? "no" : "yes");
	puts_serial(", in available RAM: ");
	puts_serial(in_ram ? "yes" : "no");
	puts_serial(", contents \"");
	put_contents((const uint8_t *)(uintptr_t)start, end - start);
	puts_serial("\"\n");
	return in_ram && !(start & 0xfff);
}

static uint8_t byte_sum(const uint8_t *p, uint32_t n)
{
	uint8_t s = 0;

	while (n--)
		s = (uint8_t)(s + *p++);
	return s;
}

/* The RSDP where ACPI 5.2.5.1 says an OS looks on a PC: 16-byte aligned in 0xE0000-0xFFFFF. */
static const uint8_t *scan_rsdp(void)
{
	static const char sig[8] = "RSD PTR ";

	for (uintptr_t a = 0xe0000; a < 0x100000; a += 16) {
		const uint8_t *p = (const uint8_t *)a;
		int i = 0;

		while (i < 8 && p[i] == (uint8_t)sig[i])
			i++;
		if (i == 8 && byte_sum(p, 20) == 0)
			return p;
	}
	return 0;
}

/* A copy of the RSDP in tag t of len bytes: equal to the scanned one, checksums zero. */
static int report_rsdp(const char *name, const struct tag *t, uint32_t len)
{
	const uint8_t *copy = (const uint8_t *)t + 8, *found = scan_rsdp();
	int same = t && found && t->size >= 8 + len;

	for (uint32_t i = 0; same && i < len; i++)
		same = copy[i] == found[i];
	same = same && byte_sum(copy, 20) == 0 && (len == 20 || byte_sum(copy, len) == 0);
	puts_serial("mb2test: ");
	puts_serial(name);
	puts_serial(" RSDP: ");
	puts_serial(!t ? "missing" : same ? "equals the legacy scan's, checksums ok" : "differs");
	puts_serial("\n");
	return same;
}

/* Walk the tags: 8-byte aligned, inside total_size, up to the end tag; remember each type's first.
 */
static int walk(uint32_t info, const struct tag *first[TAG_ACPI_NEW + 1], uint32_t *modules)
{
	uint32_t total = rd32((const void *)(uintptr_t)info), off = 8;

	for (;;) {
		const struct tag *t = (const struct tag *)(uintptr_t)(info + off);

		if (off + 8 > total || t->size < 8 || t->size > total - off)
			return 0;
		if (t->type == TAG_END)
			return t->size == 8;
		if (t->type <= TAG_ACPI_NEW && !first[t->type])
			first[t->type] = t;
		if (t->type == TAG_MODULE)
			(*modules)++;
		off += (t->size + 7) & ~7u;
	}
}

static void report_modules(uint32_t info, uint32_t n, int *ok)
{
	uint32_t total = rd32((const void *)(uintptr_t)info), off = 8, i = 0;

	puts_serial("mb2test: modules: ");
	put_dec(n);
	puts_serial("\n");
	while (i < n && off + 8 <= total) {
		const struct tag *t = (const struct tag *)(uintptr_t)(info + off);

		if (t->type == TAG_MODULE)
			*ok &= report_module(i++, t);
		off += (t->size + 7) & ~7u;
	}
}

void mb2test_main(uint32_t magic, uint32_t info)
{
	static const uint32_t requested[] = {TAG_CMDLINE, TAG_LOADER_NAME, TAG_MEMINFO,
					     TAG_MMAP,	  TAG_ACPI_OLD,	   TAG_ACPI_NEW};
	const struct tag *first[TAG_ACPI_NEW + 1] = {0};
	uint32_t modules = 0;
	int ok = magic == MB2_BOOTLOADER_MAGIC && !(info & 7);

	puts_serial("mb2test: magic ");
	puts_serial(ok ? "ok" : "WRONG");
	puts_serial("\n");
	ok = ok && walk(info, first, &modules);
	puts_serial("mb2test: tags ");
	puts_serial(ok ? "well formed" : "MALFORMED");
	puts_serial("\n");
	if (!ok) {
		outb(DEBUG_EXIT, 1);
		return;
	}
	for (unsigned i = 0; i < sizeof(requested) / sizeof(requested[0]); i++)
		ok &= first[requested[i]] != 0;
	puts_serial("mb2test: every requested tag present: ");
	puts_serial(ok ? "yes" : "no");
	puts_serial("\n");
	mmap_tag = first[TAG_MMAP];
	if (first[TAG_MEMINFO]) {
		puts_serial("info: mem_lower ");
		put_dec(rd32((const uint8_t *)first[TAG_MEMINFO] + 8));
		puts_serial(" KiB, mem_upper ");
		put_dec(rd32((const uint8_t *)first[TAG_MEMINFO] + 12));
		puts_serial(" KiB, tags at ");
		put_hex(info);
		puts_serial("\n");
		ok &= rd32((const uint8_t *)first[TAG_MEMINFO] + 8) <= 640;
	}
	if (first[TAG_LOADER_NAME]) {
		puts_serial("info: loader \"");
		puts_serial((const char *)first[TAG_LOADER_NAME] + 8);
		puts_serial("\"\n");
	}
	puts_serial("mb2test: cmdline \"");
	puts_serial(first[TAG_CMDLINE] ? (const char *)first[TAG_CMDLINE] + 8 : "");
	puts_serial("\"\n");
	report_modules(info, modules, &ok);
	ok &= report_rsdp("old", first[TAG_ACPI_OLD], 20);
	ok &= report_rsdp("new", first[TAG_ACPI_NEW], 36);
	puts_serial("mb2test: done\n");
	outb(DEBUG_EXIT, ok ? 0 : 1);
}
