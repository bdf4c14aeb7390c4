// SPDX-License-Identifier: MIT
/* Ring-3 processes: kernel stack, syscall MSRs, per-process page tables (see uspace.h). */
#include "uspace.h"
#include "cpu.h"
#include "gdt.h"
#include "guest.h"
#include "kstring.h"

#define PTE_P 0x001ul
#define PTE_W 0x002ul
#define PTE_U 0x004ul
#define PTE_PCD 0x010ul
#define ADDR_MASK 0x000ffffffffff000ul
#define PAGE 4096ul

/* Cleared on syscall entry: TF, IF, DF, NT. */
#define FMASK_BITS 0x4700ul

/* Memory handed out to processes and to their page tables (kernel .bss, identity mapped). */
#define USER_POOL_BYTES (6ul << 20)
#define TABLE_PAGES 64

static uint8_t kernel_stack[16384] __attribute__((aligned(16)));
static uint8_t user_pool[USER_POOL_BYTES] __attribute__((aligned(4096)));
static uint8_t table_pool[TABLE_PAGES][PAGE] __attribute__((aligned(4096)));
static size_t user_pool_used, table_pool_used;
static uint64_t boot_cr3;

/* Read by lib/uspace_entry.S: the stack every entry from ring 3 starts on. */
uint64_t uspace_kernel_rsp;
void uspace_syscall_entry(void);

void uspace_init(void)
{
	uspace_kernel_rsp = (uint64_t)(uintptr_t)(kernel_stack + sizeof(kernel_stack));
	gdt_init(uspace_kernel_rsp, 0);
	boot_cr3 = read_cr3();

	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
	/* sysret would load user cs/ss from STAR[63:48]; we return by iretq but keep it right. */
	wrmsr(MSR_STAR, ((uint64_t)SEL_USER_BASE << 48) | ((uint64_t)SEL_KCODE << 32));
	wrmsr(MSR_LSTAR, (uint64_t)(uintptr_t)uspace_syscall_entry);
	wrmsr(MSR_FMASK, FMASK_BITS);
	idt_set_user_gate(USER_INT_VEC);
}

static uint64_t *table_alloc(void)
{
	if (table_pool_used == TABLE_PAGES)
		return NULL;
	memset(table_pool[table_pool_used], 0, PAGE);
	return (uint64_t *)table_pool[table_pool_used++];
}

/* Map one user page va -> pa in the tables rooted at pml4 (identity-mapped kernel memory). */
static int map_user_page(uint64_t *pml4, uint64_t va, uint64_t pa, uint64_t flags)
{
	uint64_t *t = pml4;

	for (int shift = 39; shift > 12; shift -= 9) {
		uint64_t *e = &t[(va >> shift) & 511];

		if (!(*e & PTE_P)) {
			uint64_t *next = table_alloc();

			if (!next)
				return -1;
			*e = virt_to_phys(next) | PTE_P | PTE_W | PTE_U;
		}
		t = phys_to_virt(*e & ADDR_MASK);
	}
	t[(va >> 12) & 511] = (pa & ADDR_MASK) | flags | PTE_P | PTE_U;
	return 0;
}

int uspace_create(struct uspace *as, const void *image, size_t image_len, size_t mem_size)
{
	uint64_t *pml4, *kernel_pml4 = phys_to_virt(boot_cr3 & ADDR_MASK);
	uint8_t *mem;

	if (mem_size % PAGE || mem_size > USER_MEM_MAX || image_len > mem_size ||
	    mem_size > USER_POOL_BYTES - user_pool_used)
		return -1;
	pml4 = table_alloc();
	if (!pml4)
		return -1;
	/* The kernel's halves, supervisor-only as the boot code built them. */
	pml4[0] = kernel_pml4[0];
	pml4[511] = kernel_pml4[511];
	mem = user_pool + user_pool_used;
	user_pool_used += mem_size;
	memset(mem, 0, mem_size);
	memcpy(mem, image, image_len);
	*as = (struct uspace){virt_to_phys(pml4), virt_to_phys(mem), mem_size};
	for (uint64_t off = 0; off < mem_size; off += PAGE)
		if (map_user_page(pml4, USER_BASE + off, as->mem_pa + off, PTE_W))
			return -1;
	return 0;
}

int uspace_map_io(struct uspace *as, uint64_t pa, uint64_t len, uint64_t *user_va)
{
	uint64_t first = pa & ~(PAGE - 1), end = pa + len;

	if (len == 0 || end < pa || end - first > 16 * PAGE)
		return -1;
	for (uint64_t p = first; p < end; p += PAGE)
		if (map_user_page(phys_to_virt(as->pml4_pa), USER_IO_BASE + (p - first), p,
				  PTE_W | PTE_PCD))
			return -1;
	*user_va = USER_IO_BASE + (pa - first);
	return 0;
}

int uspace_map_page(struct uspace *as, uint64_t va, uint64_t pa)
{
	if (va % PAGE || va < USER_BASE + as->mem_size || va >= USER_BASE + USER_MEM_MAX ||
	    map_user_page(phys_to_virt(as->pml4_pa), va, pa, PTE_W))
		return -1;
	/* A translation may be cached from before (SDM vol. 3, 4.10.4.3): drop it. */
	if ((read_cr3() & ADDR_MASK) == as->pml4_pa)
		invlpg((const void *)(uintptr_t)va);
	return 0;
}

void uspace_unmap_page(struct uspace *as, uint64_t va)
{
	uint64_t *t = phys_to_virt(as->pml4_pa);

	for (int shift = 39; shift > 12; shift -= 9) {
		uint64_t e = t[(va >> shift) & 511];

		if (!(e & PTE_P))
			return;
		t = phys_to_virt(e & ADDR_MASK);
	}
	t[(va >> 12) & 511] = 0;
	if ((read_cr3() & ADDR_MASK) == as->pml4_pa)
		invlpg((const void *)(uintptr_t)va);
}

void *uspace_ptr(const struct uspace *as, uint64_t va, uint64_t len)
{
	uint64_t off = va - USER_BASE;

	if (va < USER_BASE || len > as->mem_size || off > as->mem_size - len)
		return NULL;
	return phys_to_virt(as->mem_pa + off);
}

void uspace_switch(const struct uspace *as)
{
	write_cr3(as ? as->pml4_pa : boot_cr3);
}

void uspace_frame_init(const struct uspace *as, struct trap_frame *tf, uint64_t a0, uint64_t a1)
{
	memset(tf, 0, sizeof(*tf));
	tf->rip = USER_BASE;
	tf->cs = SEL_UCODE;
	tf->rflags = 0x2; /* IF = 0 (a kernel with a timer sets it), IOPL = 0: ports by the TSS */
	tf->rsp = USER_BASE + as->mem_size;
	tf->ss = SEL_UDATA;
	tf->rdi = a0;
	tf->rsi = a1;
}
