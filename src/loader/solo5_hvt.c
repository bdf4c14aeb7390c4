// SPDX-License-Identifier: MIT
/*
 * Booting a Solo5 hvt executable the way solo5-hvt does: its segments at
 * or above 1 MiB, a three-entry GDT at 0x1000, page tables at 0x2000 that
 * identity-map guest RAM (2 MiB pages; the first 2 MiB with 4 KiB pages,
 * the tender's pages below 0x10000 absent and the boot info page range
 * read-only), the boot info at 0x10000 followed by the manifest and the
 * command line, and the 64-bit entry state with RDI = boot info and the
 * stack at the top of RAM. Segments without PF_W become read-only ranges.
 */
#include "loader/solo5.h"

#include <elf.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "loader/loader.h"
#include "loader/x86_defs.h"

#define SEG_TYPE_CODE_XO_ACCESSED 0x9 /* hvt's code segment is execute-only */

static const struct boot_segment hvt_code = {
    .limit = 0xffffffff,
    .selector = SOLO5_HVT_SEL_CODE,
    .type = SEG_TYPE_CODE_XO_ACCESSED,
    .present = 1,
    .s = 1,
    .l = 1,
    .g = 1,
};
static const struct boot_segment hvt_data = {
    .limit = 0xffffffff,
    .selector = SOLO5_HVT_SEL_DATA,
    .type = SEG_TYPE_DATA_RW_ACCESSED,
    .present = 1,
    .db = 1,
    .s = 1,
    .g = 1,
};
/* hvt leaves TR at the null selector with a busy 64-bit TSS type and limit 0. */
static const struct boot_segment hvt_tr = {
    .type = SEG_TYPE_TSS_BUSY,
    .present = 1,
};

static int write_gdt(const struct guest_mem *mem)
{
	uint64_t gdt[SOLO5_HVT_GDT_ENTRIES] = {0};

	gdt[SOLO5_HVT_SEL_CODE / 8] = boot_gdt_descriptor(&hvt_code);
	gdt[SOLO5_HVT_SEL_DATA / 8] = boot_gdt_descriptor(&hvt_data);
	return guest_mem_write(mem, SOLO5_HVT_GDT_GPA, gdt, sizeof(gdt));
}

/* hvt's page tables for mem_size bytes (a multiple of 2 MiB, at most 4 GiB). */
static int write_page_tables(const struct guest_mem *mem, uint64_t mem_size)
{
	uint64_t *pml4 = guest_mem_ptr(mem, SOLO5_HVT_PML4_GPA, PAGE_SIZE);
	uint64_t *pdpt = guest_mem_ptr(mem, SOLO5_HVT_PDPT_GPA, PAGE_SIZE);
	uint64_t *pd = guest_mem_ptr(mem, SOLO5_HVT_PD_GPA, 4 * PAGE_SIZE);
	uint64_t *pt0 = guest_mem_ptr(mem, SOLO5_HVT_PT0_GPA, PAGE_SIZE);

	if (!pml4 || !pdpt || !pd || !pt0)
		return -1;
	memset(pml4, 0, PAGE_SIZE);
	memset(pdpt, 0, PAGE_SIZE);
	memset(pd, 0, 4 * PAGE_SIZE);
	memset(pt0, 0, PAGE_SIZE);
	pml4[0] = SOLO5_HVT_PDPT_GPA | PTE_P | PTE_RW;
	for (uint64_t i = 0; i < 4; i++)
		pdpt[i] = (SOLO5_HVT_PD_GPA + i * PAGE_SIZE) | PTE_P | PTE_RW;
	pd[0] = SOLO5_HVT_PT0_GPA | PTE_P | PTE_RW;
	/* Below the boot info: absent. Boot info up to 1 MiB: read-only input. */
	for (uint64_t pa = SOLO5_HVT_BOOT_INFO_GPA; pa < SOLO5_HVT_PAGE; pa += PAGE_SIZE)
		pt0[pa / PAGE_SIZE] = pa | PTE_P | (pa >= SOLO5_HVT_GUEST_MIN_BASE ? PTE_RW : 0);
	for (uint64_t pa = SOLO5_HVT_PAGE; pa < mem_size; pa += SOLO5_HVT_PAGE)
		pd[pa / SOLO5_HVT_PAGE] = pa | PTE_P | PTE_RW | PTE_PS;
	return 0;
}

/* Solo5's command line: the arguments joined by spaces, at most 8191 bytes. */
static int write_boot_info(const struct guest_mem *mem, uint64_t mem_size, uint64_t kernel_end,
			   const struct solo5_image *img, const char *cmdline, char *err,
			   size_t err_len)
{
	struct solo5_hvt_boot_info bi = {.mem_size = mem_size, .kernel_end = kernel_end};
	struct solo5_mft hdr = {SOLO5_MFT_VERSION, img->nr_entries};
	size_t entries_len = img->nr_entries * sizeof(struct solo5_mft_entry);
	uint64_t gpa = SOLO5_HVT_BOOT_INFO_GPA + sizeof(bi);
	size_t cmd_len = cmdline ? strlen(cmdline) : 0;

	if (cmd_len >= SOLO5_HVT_CMDLINE_SIZE)
		return loader_fail(err, err_len,
				   "command line is %zu bytes; Solo5 hvt takes at most %u", cmd_len,
				   SOLO5_HVT_CMDLINE_SIZE - 1);
	bi.mft = gpa;
	if (guest_mem_write(mem, gpa, &hdr, sizeof(hdr)) ||
	    guest_mem_write(mem, gpa + sizeof(hdr), img->entry, entries_len))
		return loader_fail(err, err_len, "no room for the Solo5 manifest");
	gpa += sizeof(hdr) + entries_len;
	bi.cmdline = gpa;
	if (guest_mem_write(mem, gpa, cmdline ? cmdline : "", cmd_len + 1) ||
	    guest_mem_write(mem, SOLO5_HVT_BOOT_INFO_GPA, &bi, sizeof(bi)))
		return loader_fail(err, err_len, "no room for the Solo5 boot info");
	return 0;
}

int solo5_hvt_set_tsc_hz(const struct guest_mem *mem, uint64_t hz)
{
	return guest_mem_write(
	    mem, SOLO5_HVT_BOOT_INFO_GPA + offsetof(struct solo5_hvt_boot_info, cpu_cycle_freq),
	    &hz, sizeof(hz));
}

/* Insert [lo, hi) into the sorted ranges, joining it to a neighbour it touches. */
static int add_readonly(struct boot_state *boot, uint64_t lo, uint64_t hi, char *err,
			size_t err_len)
{
	unsigned i = 0;

	while (i < boot->nr_readonly && boot->readonly[i].gpa + boot->readonly[i].size < lo)
		i++;
	if (i < boot->nr_readonly && boot->readonly[i].gpa + boot->readonly[i].size == lo) {
		boot->readonly[i].size = hi - boot->readonly[i].gpa;
		return 0;
	}
	if (i < boot->nr_readonly && boot->readonly[i].gpa == hi) {
		boot->readonly[i] = (struct guest_range){lo, boot->readonly[i].size + (hi - lo)};
		return 0;
	}
	if (boot->nr_readonly == BOOT_MAX_READONLY)
		return loader_fail(err, err_len, "more than %d separate read-only segments",
				   BOOT_MAX_READONLY);
	memmove(&boot->readonly[i + 1], &boot->readonly[i],
		(boot->nr_readonly - i) * sizeof(boot->readonly[0]));
	boot->readonly[i] = (struct guest_range){lo, hi - lo};
	boot->nr_readonly++;
	return 0;
}

/*
 * As solo5-hvt protects each segment by its p_flags (tenders/common/elf.c):
 * every segment without PF_W (text, rodata, the TLS image) becomes a
 * read-only range, page-rounded up at its end; W+X is refused. Like
 * solo5-hvt, a segment must start on a page, so no page is shared by a
 * read-only and a writable segment (elf_load() refuses overlaps).
 */
int solo5_hvt_readonly(const struct elf_image *elf, struct boot_state *boot, char *err,
		       size_t err_len)
{
	for (unsigned i = 0; i < elf->nr_segments; i++) {
		const struct elf_segment *s = &elf->seg[i];
		uint64_t hi = (s->paddr + s->memsz + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);

		if (s->paddr & (PAGE_SIZE - 1))
			return loader_fail(err, err_len,
					   "segment %u starts at 0x%llx, not on a page: Solo5 "
					   "protects memory by page and refuses that",
					   s->phdr, (unsigned long long)s->paddr);
		if ((s->flags & PF_W) && (s->flags & PF_X))
			return loader_fail(
			    err, err_len,
			    "segment %u is both writable and executable: Solo5 refuses "
			    "that",
			    s->phdr);
		if (!(s->flags & PF_W) && add_readonly(boot, s->paddr, hi, err, err_len))
			return -1;
	}
	return 0;
}

static void entry_state(struct boot_state *boot, uint64_t entry, uint64_t mem_size)
{
	boot->mode = BOOT_MODE_SOLO5_HVT;
	boot->rip = entry;
	boot->rsp = mem_size - 8; /* the SysV ABI's (rsp + 8) % 16 == 0 at a call's entry */
	boot->rflags = X86_RFLAGS_RESERVED;
	boot->rdi = SOLO5_HVT_BOOT_INFO_GPA;
	boot->start_info_gpa = SOLO5_HVT_BOOT_INFO_GPA;
	boot->cs = hvt_code;
	boot->ds = hvt_data;
	boot->tr = hvt_tr;
	boot->gdt_base = SOLO5_HVT_GDT_GPA;
	boot->gdt_limit = SOLO5_HVT_GDT_ENTRIES * 8 - 1;
	boot->cr0 = X86_CR0_PE | X86_CR0_NE | X86_CR0_WP | X86_CR0_PG;
	boot->cr3 = SOLO5_HVT_PML4_GPA;
	boot->cr4 = X86_CR4_PAE | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT;
	boot->efer = X86_EFER_LME | X86_EFER_LMA;
}

int solo5_hvt_load(const struct guest_mem *mem, int fd, const struct solo5_image *img,
		   const char *cmdline, struct boot_state *boot, char *err, size_t err_len)
{
	struct elf_image elf;
	uint64_t mem_size;

	if (mem->nr_regions != 1 || mem->region[0].gpa != 0)
		return loader_fail(
		    err, err_len,
		    "Solo5 hvt guests get one RAM range from 0, so at most %llu MiB here "
		    "(see -m)",
		    GUEST_MMIO_HOLE_START >> 20);
	mem_size = mem->region[0].size & ~(SOLO5_HVT_PAGE - 1); /* hvt rounds down to 2 MiB */
	if (elf_load(fd, mem, SOLO5_HVT_GUEST_MIN_BASE, &elf, err, err_len))
		return -1;
	if (!elf.is_64 || elf.is_pvh)
		return loader_fail(err, err_len, "%s",
				   elf.is_pvh ? "carries both a Solo5 ABI1 note and a Xen PVH note"
					      : "a Solo5 hvt executable must be ELF64");
	if (elf.hi > mem_size)
		return loader_fail(
		    err, err_len, "image ends at 0x%llx, above the %llu MiB Solo5 sees (see -m)",
		    (unsigned long long)elf.hi, (unsigned long long)(mem_size >> 20));
	memset(boot, 0, sizeof(*boot));
	if (solo5_hvt_readonly(&elf, boot, err, err_len))
		return -1;
	if (write_gdt(mem) || write_page_tables(mem, mem_size))
		return loader_fail(err, err_len, "guest RAM too small for hvt's page tables");
	if (write_boot_info(mem, mem_size, elf.hi, img, cmdline, err, err_len))
		return -1;
	entry_state(boot, elf.entry, mem_size);
	boot->kernel_lo = elf.lo;
	boot->kernel_hi = elf.hi;
	boot->nr_segments = elf.nr_segments;
	return 0;
}
