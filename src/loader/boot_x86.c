// SPDX-License-Identifier: MIT
/*
 * x86 boot structures the VMM builds in the boot area: a flat GDT (whose
 * descriptors are generated from the same boot_segment values the vCPU's
 * hidden segment state gets, so the two always agree), identity-mapped
 * page tables for a direct 64-bit entry, and the two initial CPU states.
 */
#include "loader/loader.h"

#include <multiboot/multiboot.h>

#include "loader/multiboot2.h"
#include <string.h>

#include "loader/x86_defs.h"

static const struct boot_segment seg_code32 = {
    .limit = 0xffffffff,
    .selector = BOOT_SEL_CODE32,
    .type = SEG_TYPE_CODE_RX_ACCESSED,
    .present = 1,
    .db = 1,
    .s = 1,
    .g = 1,
};
static const struct boot_segment seg_data = {
    .limit = 0xffffffff,
    .selector = BOOT_SEL_DATA,
    .type = SEG_TYPE_DATA_RW_ACCESSED,
    .present = 1,
    .db = 1,
    .s = 1,
    .g = 1,
};
static const struct boot_segment seg_code64 = {
    .limit = 0xffffffff,
    .selector = BOOT_SEL_CODE64,
    .type = SEG_TYPE_CODE_RX_ACCESSED,
    .present = 1,
    .s = 1,
    .l = 1,
    .g = 1,
};
/* PVH requires TR to be a 32-bit TSS with base 0 and limit 0x67; long mode accepts the same. */
static const struct boot_segment seg_tss = {
    .limit = 0x67,
    .selector = BOOT_SEL_TSS,
    .type = SEG_TYPE_TSS_BUSY,
    .present = 1,
};

/* The 8-byte descriptor (SDM vol. 3, 3.4.5) for a segment's hidden state. */
uint64_t boot_gdt_descriptor(const struct boot_segment *s)
{
	uint64_t limit = s->g ? s->limit >> 12 : s->limit;

	return (limit & 0xffff) | ((s->base & 0xffffff) << 16) | ((uint64_t)s->type << 40) |
	       ((uint64_t)s->s << 44) | ((uint64_t)s->dpl << 45) | ((uint64_t)s->present << 47) |
	       (((limit >> 16) & 0xf) << 48) | ((uint64_t)s->l << 53) | ((uint64_t)s->db << 54) |
	       ((uint64_t)s->g << 55) | (((s->base >> 24) & 0xff) << 56);
}

/*
 * Linux's 64-bit boot protocol wants __BOOT_CS (0x10) execute/read and
 * __BOOT_DS (0x18) read/write (Documentation/arch/x86/boot.rst): the same
 * descriptors as ours, under the selectors Linux names.
 */
#define LINUX_BOOT_CS 0x10
#define LINUX_BOOT_DS 0x18

static struct boot_segment with_selector(struct boot_segment s, uint16_t selector)
{
	s.selector = selector;
	return s;
}

#define GDT_ENTRIES 6 /* null, three code or data slots, 16-byte TSS */

static int write_gdt(const struct guest_mem *mem, const struct boot_segment *segs, unsigned n)
{
	uint64_t gdt[GDT_ENTRIES] = {0};

	for (unsigned i = 0; i < n; i++)
		gdt[segs[i].selector / 8] = boot_gdt_descriptor(&segs[i]);
	gdt[BOOT_SEL_TSS / 8] = boot_gdt_descriptor(&seg_tss);
	gdt[BOOT_SEL_TSS / 8 + 1] = seg_tss.base >> 32; /* upper half of a 64-bit TSS descriptor */
	return guest_mem_write(mem, BOOT_GDT_GPA, gdt, sizeof(gdt));
}

int boot_write_gdt(const struct guest_mem *mem)
{
	const struct boot_segment segs[] = {seg_code32, seg_data, seg_code64};

	return write_gdt(mem, segs, 3);
}

int boot_write_gdt_linux(const struct guest_mem *mem)
{
	const struct boot_segment segs[] = {with_selector(seg_code64, LINUX_BOOT_CS),
					    with_selector(seg_data, LINUX_BOOT_DS)};

	return write_gdt(mem, segs, 2);
}

/* Highest guest-physical address + 1 of RAM. */
static uint64_t ram_top(const struct guest_mem *mem)
{
	uint64_t top = 0;

	for (unsigned i = 0; i < mem->nr_regions; i++)
		if (mem->region[i].gpa + mem->region[i].size > top)
			top = mem->region[i].gpa + mem->region[i].size;
	return top;
}

/*
 * Identity map with 2 MiB pages over max(4 GiB, top of RAM): RAM, the
 * MMIO hole and high RAM are all reachable at their physical addresses.
 */
int boot_write_page_tables(const struct guest_mem *mem)
{
	uint64_t top = ram_top(mem), nr_pd = 4;
	uint64_t *pml4, *pdpt;

	if (top > 4 * GIB)
		nr_pd = (top + GIB - 1) / GIB;
	if (nr_pd > BOOT_PD_MAX)
		return -1;
	pml4 = guest_mem_ptr(mem, BOOT_PML4_GPA, PAGE_SIZE);
	pdpt = guest_mem_ptr(mem, BOOT_PDPT_GPA, PAGE_SIZE);
	if (!pml4 || !pdpt)
		return -1;
	memset(pml4, 0, PAGE_SIZE);
	memset(pdpt, 0, PAGE_SIZE);
	pml4[0] = BOOT_PDPT_GPA | PTE_P | PTE_RW;
	for (uint64_t i = 0; i < nr_pd; i++) {
		uint64_t *pd = guest_mem_ptr(mem, BOOT_PD_GPA + i * PAGE_SIZE, PAGE_SIZE);

		if (!pd)
			return -1;
		pdpt[i] = (BOOT_PD_GPA + i * PAGE_SIZE) | PTE_P | PTE_RW;
		for (uint64_t j = 0; j < 512; j++)
			pd[j] = (i * GIB + (j << 21)) | PTE_P | PTE_RW | PTE_PS;
	}
	return 0;
}

static void boot_state_common(struct boot_state *boot, uint64_t entry, uint64_t start_info)
{
	memset(boot, 0, sizeof(*boot));
	boot->rip = entry;
	boot->rflags = X86_RFLAGS_RESERVED; /* interrupts off */
	boot->start_info_gpa = start_info;
	boot->ds = seg_data;
	boot->tr = seg_tss;
	boot->gdt_base = BOOT_GDT_GPA;
	boot->gdt_limit = GDT_ENTRIES * 8 - 1;
	/* An empty IDT: any exception before the guest installs its own is a triple fault. */
	boot->idt_base = 0;
	boot->idt_limit = 0;
}

void boot_state_pvh(struct boot_state *boot, uint64_t entry, uint64_t start_info)
{
	boot_state_common(boot, entry, start_info);
	boot->mode = BOOT_MODE_PVH32;
	boot->cs = seg_code32;
	boot->rbx = start_info;
	boot->cr0 = X86_CR0_PE | X86_CR0_ET;
}

static void paging_on(struct boot_state *boot)
{
	boot->cr0 = X86_CR0_PE | X86_CR0_MP | X86_CR0_ET | X86_CR0_NE | X86_CR0_WP | X86_CR0_AM |
		    X86_CR0_PG;
	boot->cr3 = BOOT_PML4_GPA;
	boot->cr4 = X86_CR4_PAE | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT;
	boot->efer = X86_EFER_LME | X86_EFER_LMA;
}

void boot_state_long64(struct boot_state *boot, uint64_t entry, uint64_t start_info)
{
	boot_state_common(boot, entry, start_info);
	boot->mode = BOOT_MODE_LONG64;
	boot->cs = seg_code64;
	boot->rdi = start_info;
	boot->rsp = BOOT_STACK_TOP;
	paging_on(boot);
}

void boot_state_linux64(struct boot_state *boot, uint64_t entry, uint64_t boot_params)
{
	boot_state_common(boot, entry, boot_params);
	boot->mode = BOOT_MODE_LINUX64;
	boot->cs = with_selector(seg_code64, LINUX_BOOT_CS);
	boot->ds = with_selector(seg_data, LINUX_BOOT_DS);
	boot->rsi = boot_params;
	boot->rsp = BOOT_STACK_TOP;
	paging_on(boot);
}

void boot_state_multiboot(struct boot_state *boot, uint64_t entry, uint64_t info)
{
	boot_state_common(boot, entry, info);
	boot->mode = BOOT_MODE_MULTIBOOT;
	boot->cs = seg_code32;
	boot->rax = MULTIBOOT_BOOTLOADER_MAGIC;
	boot->rbx = info;
	boot->cr0 = X86_CR0_PE | X86_CR0_ET;
}

void boot_state_multiboot2(struct boot_state *boot, uint64_t entry, uint64_t info)
{
	boot_state_multiboot(boot, entry, info);
	boot->mode = BOOT_MODE_MULTIBOOT2;
	boot->rax = MB2_BOOTLOADER_MAGIC;
}
