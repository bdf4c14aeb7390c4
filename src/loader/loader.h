/* SPDX-License-Identifier: MIT */
/*
 * The guest loader: puts an ELF kernel (and an initrd) into guest RAM,
 * writes the PVH start_info, GDT and boot page tables, and describes the
 * initial vCPU state as data (struct boot_state); the vCPU code applies it.
 * Nothing here knows about KVM.
 */
#ifndef MINIVMM_LOADER_H
#define MINIVMM_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "memory.h"

struct solo5_image;

/*
 * Low-memory boot area, reserved in the guest's memory map. Kernels load
 * above it (normally at 1 MiB); a segment that overlaps it is refused.
 */
#define BOOT_GDT_GPA 0x1000ULL
#define BOOT_START_INFO_GPA 0x2000ULL /* struct hvm_start_info */
#define BOOT_MODLIST_GPA 0x2100ULL    /* hvm_modlist_entry[], Multiboot's module list */
#define BOOT_MEMMAP_GPA 0x2200ULL     /* struct hvm_memmap_table_entry[] */
#define BOOT_MEMMAP_MAX 16
#define BOOT_CMDLINE_GPA 0x3000ULL
#define BOOT_CMDLINE_MAX 4096	  /* bytes including the terminating NUL */
#define BOOT_PARAMS_GPA 0x4000ULL /* Linux's struct boot_params (the "zero page") */
#define BOOT_MODSTR_GPA 0x4000ULL /* PVH, Multiboot: the modules' strings */
#define BOOT_MODSTR_MAX 0x1000
#define BOOT_MB_AREA_END 0x5000ULL /* Multiboot reserves only [0, this): no page tables */
#define BOOT_STACK_TOP 0x8000ULL   /* initial RSP of a direct 64-bit boot */
#define BOOT_PML4_GPA 0x8000ULL
#define BOOT_PDPT_GPA 0x9000ULL
#define BOOT_PD_GPA 0xa000ULL /* one page directory per GiB mapped */
#define BOOT_PD_MAX 64	      /* so the identity map covers at most 64 GiB */
#define BOOT_AREA_END (BOOT_PD_GPA + BOOT_PD_MAX * 0x1000ULL) /* reserved: [0, this) */

/*
 * The ACPI tables, RSDP first, at the start of the PC's BIOS area where
 * the legacy scan of 0xE0000-0xFFFFF looks; reserved in the memory map,
 * and no kernel segment may load into it. (Only 64 KiB: kernels built to
 * load just below 1 MiB, such as the tests' small guests at 0xff000, fit.)
 */
#define BOOT_ACPI_GPA 0xe0000ULL
#define BOOT_ACPI_END 0xf0000ULL
#define BOOT_ACPI_SIZE (BOOT_ACPI_END - BOOT_ACPI_GPA)

/* The end of a PC's conventional memory: Multiboot's mem_lower and the BDA say 640 KiB. */
#define BOOT_CONVENTIONAL_END 0xa0000ULL
/* The end of the legacy area (VGA, ROMs, BIOS: the ACPI tables here), where RAM resumes. */
#define BOOT_LEGACY_END 0x100000ULL

/* GDT selectors the VMM's GDT provides. */
#define BOOT_SEL_CODE32 0x08
#define BOOT_SEL_DATA 0x10
#define BOOT_SEL_CODE64 0x18
#define BOOT_SEL_TSS 0x20

/* Smallest guest RAM the loader accepts (boot area + a little room). */
#define BOOT_MIN_RAM (2ULL << 20)

enum boot_mode {
	BOOT_MODE_PVH32,     /* Xen PVH: 32-bit protected mode, paging off, EBX = start_info */
	BOOT_MODE_LONG64,    /* ELF64 without PVH note: long mode, identity map, RDI = start_info */
	BOOT_MODE_SOLO5_HVT, /* Solo5 ABI1 note, target hvt: hvt's long mode, RDI = boot info */
	BOOT_MODE_LINUX64,   /* bzImage: 64-bit startup_64, RSI = boot_params */
	BOOT_MODE_MULTIBOOT, /* Multiboot v1: 32-bit, paging off, EAX magic, EBX = info */
	BOOT_MODE_MULTIBOOT2, /* Multiboot2: the same, with v2's magic and information tags */
};

/* The protocol's name for -v ("Xen PVH", "Solo5 hvt", "ELF64"). */
const char *boot_mode_name(enum boot_mode mode);

#define BOOT_MAX_READONLY 8

/* A segment register's hidden state, in the field layout of struct kvm_segment. */
struct boot_segment {
	uint64_t base;
	uint32_t limit; /* bytes */
	uint16_t selector;
	uint8_t type, present, dpl, db, s, l, g;
};

struct boot_state {
	enum boot_mode mode;
	uint64_t rip, rsp, rflags, rax, rbx, rdi, rsi;
	uint64_t cr0, cr3, cr4, efer;
	struct boot_segment cs, ds; /* ds is also loaded into es, fs, gs, ss */
	struct boot_segment tr;
	uint64_t gdt_base, idt_base;
	uint16_t gdt_limit, idt_limit;
	uint64_t start_info_gpa;
	/* What was loaded, for --verbose. */
	uint64_t kernel_lo, kernel_hi;	  /* [lo, hi) covering all PT_LOAD segments */
	uint64_t initrd_gpa, initrd_size; /* the first module */
	unsigned nr_segments;
	/* Guest-physical ranges the VMM maps read-only (KVM_MEM_READONLY): Solo5 text. */
	struct guest_range readonly[BOOT_MAX_READONLY];
	unsigned nr_readonly;
};

/*
 * A boot module from --module 'PATH[ ARGS]' (or --initrd PATH): the file is
 * spec's first path_len bytes; the whole spec is the module's string, as
 * GRUB and QEMU's -initrd "PATH ARGS,..." pass it.
 */
struct loader_module {
	const char *spec;
	size_t path_len;
};
#define LOADER_MAX_MODULES 8

struct loader_args {
	const char *kernel_path;
	const struct loader_module *modules; /* in order; PVH and Linux: the first is the initrd */
	unsigned nr_modules;
	const char *cmdline; /* NULL: empty */
	/* The Solo5 notes found by loader_detect(), with the devices the VMM attached. */
	const struct solo5_image *solo5;
	/* Where the VMM puts the ACPI RSDP (BOOT_ACPI_GPA), told to the kernel; 0: none. */
	uint64_t rsdp_gpa;
};

/*
 * Which protocol boots kernel_path, in the documented order: a Solo5 ABI1
 * note (then *solo5 is filled), else a Xen PVH note, else plain ELF64 (the
 * last two are told apart while loading: BOOT_MODE_LONG64 is returned for
 * both). -1 with err when the file is unreadable or its Solo5 notes are refused.
 */
int loader_detect(const char *kernel_path, struct solo5_image *solo5, enum boot_mode *mode,
		  char *err, size_t err_len);

/*
 * Load everything and fill *boot. On failure returns -1 with a one-line
 * reason in err (no trailing newline, without the file name: the caller
 * prints "minivmm: <err_path>: <err>"), err_path naming the file at fault.
 */
int loader_load(const struct guest_mem *mem, const struct loader_args *args,
		struct boot_state *boot, const char **err_path, char *err, size_t err_len);

/* --- pieces, each in its own file ---------------------------------------- */

/* Format a one-line reason into err; returns -1 (every loader error path). */
int loader_fail(char *err, size_t err_len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* pread() all of [offset, offset + size) into dst; 0 or -1. */
int loader_read_all(int fd, void *dst, uint64_t size, uint64_t offset);
/*
 * Load the file at path page aligned as high as possible in [floor, ceiling)
 * of guest RAM; the range it took in *placed. -1 with a reason in err.
 */
int loader_place_file(const struct guest_mem *mem, const char *path, uint64_t floor,
		      uint64_t ceiling, struct guest_range *placed, char *err, size_t err_len);
uint64_t loader_low_ram_end(const struct guest_mem *mem);

#define ELF_MAX_LOAD_SEGMENTS 64

struct elf_segment {
	uint64_t paddr, filesz, memsz, offset;
	unsigned phdr;	/* program header number, for messages */
	uint32_t flags; /* p_flags: PF_R, PF_W, PF_X */
};

struct elf_image {
	bool is_pvh;
	uint64_t entry; /* PVH entry if is_pvh, else e_entry */
	bool is_64;
	unsigned nr_segments;
	struct elf_segment seg[ELF_MAX_LOAD_SEGMENTS];
	uint64_t lo, hi; /* [lo, hi) over all segments */
};

/*
 * elf_load.c: parse fd with libelf, check every PT_LOAD against guest RAM
 * (and against [0, reserved_end), the boot area) and against each other,
 * then copy the file bytes and zero the bss. -1 with err set on failure.
 */
int elf_load(int fd, const struct guest_mem *mem, uint64_t reserved_end, struct elf_image *img,
	     char *err, size_t err_len);
/* 1 if fd is an ELF file with a Xen PVH entry note (which wins over a Multiboot header). */
int elf_has_pvh_note(int fd);
/* elf_load() for a Multiboot kernel: ELF32 or ELF64, no PVH note needed. */
int elf_load_any(int fd, const struct guest_mem *mem, uint64_t reserved_end, struct elf_image *img,
		 char *err, size_t err_len);

/* boot_x86.c: GDT and identity page tables in the boot area. */
uint64_t boot_gdt_descriptor(const struct boot_segment *s); /* SDM vol. 3, 3.4.5 */
int boot_write_gdt(const struct guest_mem *mem);
int boot_write_page_tables(const struct guest_mem *mem);
/* The BIOS Data Area's memory size and EBDA words (bios_data.c); -1 if RAM lacks them. */
int boot_write_bios_data(const struct guest_mem *mem);
void boot_state_pvh(struct boot_state *boot, uint64_t entry, uint64_t start_info);
void boot_state_long64(struct boot_state *boot, uint64_t entry, uint64_t start_info);
int boot_write_gdt_linux(const struct guest_mem *mem);
void boot_state_linux64(struct boot_state *boot, uint64_t entry, uint64_t boot_params);
void boot_state_multiboot(struct boot_state *boot, uint64_t entry, uint64_t info);
void boot_state_multiboot2(struct boot_state *boot, uint64_t entry, uint64_t info);

/* memmap.c: the guest's memory map, the one every boot protocol reports in its own format. */
#define BOOT_MEMMAP_RANGES_MAX (GUEST_MEM_MAX_REGIONS + 4)
struct boot_mem_range {
	uint64_t addr, size;
	bool ram; /* false: reserved (the boot area, the ACPI tables) */
};
/*
 * Fill map (BOOT_MEMMAP_RANGES_MAX entries) in address order, with [0,
 * reserved_end) and the ACPI tables reserved; returns the count.
 */
unsigned boot_memory_map(const struct guest_mem *mem, uint64_t reserved_end,
			 struct boot_mem_range *map);

/* modules.c: the modules, placed top-down in [floor, ceiling) of low RAM. */
struct loaded_module {
	uint64_t gpa, size;
	uint64_t string_gpa; /* 0 unless strings were written */
};
/*
 * Load args->modules; with_strings, write each module's string from
 * BOOT_MODSTR_GPA on. -1 with *err_path naming the module at fault.
 */
int modules_load(const struct guest_mem *mem, const struct loader_args *args, uint64_t floor,
		 uint64_t ceiling, bool with_strings, struct loaded_module *out,
		 const char **err_path, char *err, size_t err_len);

/* linux_boot.c: 1 if fd holds a bzImage setup header ("HdrS", boot flag 0xAA55), else 0. */
int linux_detect(int fd);
/* Load a bzImage from fd and its initrd with the Linux boot protocol's 64-bit entry. */
int linux_boot(int fd, const struct guest_mem *mem, const struct loader_args *args,
	       struct boot_state *boot, const char **err_path, char *err, size_t err_len);

/* start_info.c: hvm_start_info, memory map, command line, module list, RSDP. */
int start_info_write(const struct guest_mem *mem, const char *cmdline,
		     const struct loaded_module *mods, unsigned nr_mods, uint64_t rsdp_gpa,
		     char *err, size_t err_len);

/* multiboot.c: an image placed by its header's addresses (v1's a.out kludge, v2's address tag). */
struct mb_raw_layout {
	const char *what; /* for messages: "a.out kludge", "Multiboot2 address tag" */
	uint64_t hdr_off; /* file offset of the header, which loads at header_addr */
	uint64_t header_addr, load_addr, load_end_addr, bss_end_addr, entry_addr;
};
/* Check the layout against the file and RAM (not the boot area, not the ACPI tables), load it. */
int multiboot_load_raw(int fd, const struct guest_mem *mem, const struct mb_raw_layout *l,
		       struct elf_image *img, char *err, size_t err_len);

/* multiboot.c: 1 if the first 8 KiB of fd hold a valid Multiboot v1 header, else 0. */
int multiboot_detect(int fd);
/* Load a Multiboot v1 kernel (ELF or a.out kludge) and its modules; the info structure. */
int multiboot_boot(int fd, const struct guest_mem *mem, const struct loader_args *args,
		   struct boot_state *boot, const char **err_path, char *err, size_t err_len);

/* multiboot2.c: 1 if the first 32 KiB of fd hold a Multiboot2 header (magic, checksum), else 0. */
int multiboot2_detect(int fd);
/* Load a Multiboot2 kernel (ELF or address tag) and its modules; the boot information tags. */
int multiboot2_boot(int fd, const struct guest_mem *mem, const struct loader_args *args,
		    struct boot_state *boot, const char **err_path, char *err, size_t err_len);

#endif
