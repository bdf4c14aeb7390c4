/* SPDX-License-Identifier: MIT */
/*
 * The Solo5 hvt ABI, host side, written for minivmm from the Solo5
 * documentation and headers (include/hvt_abi.h, elf_abi.h, mft_abi.h and
 * tenders/hvt of the Solo5 repository at tag v0.12.1, read, not copied).
 * Debian packages no Solo5 headers, so this is the one place the ABI lives.
 *
 * Version followed: HVT_ABI_VERSION 2 (unchanged from Solo5 0.8 to 0.12.1;
 * the "ABI version 2" is right), manifest MFT_VERSION 1. v0.12.1
 * appends three fields to the boot info (host_features, guest_features,
 * net_ring: ring-buffer networking negotiated by feature bits) without
 * raising the ABI version; minivmm offers no features and writes them as 0,
 * which is what an older tender's zeroed memory gives an older guest too.
 *
 * Every structure here is the guest's (x86-64 SysV) layout with guest
 * pointers and size_t as uint64_t, so the tender can never dereference
 * one; the _Static_asserts pin the offsets the guest's compiler produces.
 */
#ifndef MINIVMM_SOLO5_ABI_H
#define MINIVMM_SOLO5_ABI_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* --- ELF notes (elf_abi.h, mft_abi.h) ----------------------------------- */

#define SOLO5_NOTE_NAME "Solo5"	    /* owner of both notes, n_namesz 6 */
#define SOLO5_NOTE_ABI1 0x31494241U /* "ABI1": struct solo5_abi1_info */
#define SOLO5_NOTE_MFT1 0x3154464dU /* "MFT1": struct solo5_mft (+ entries) */
/*
 * Solo5 lays out a note as header + name padded to 4 bytes (20 bytes),
 * then pads so the content is aligned to the content's own alignment, and
 * counts that padding in n_descsz. The ABI1 content is 4-aligned (no pad),
 * the manifest 8-aligned (4 bytes of pad).
 */
#define SOLO5_NOTE_HDR_BYTES 20U
#define SOLO5_ABI1_ALIGN 4U
#define SOLO5_MFT1_ALIGN 8U

enum solo5_abi_target {
	SOLO5_TARGET_HVT = 1,
	SOLO5_TARGET_SPT,
	SOLO5_TARGET_VIRTIO,
	SOLO5_TARGET_MUEN,
	SOLO5_TARGET_GENODE,
	SOLO5_TARGET_XEN,
};

#define SOLO5_HVT_ABI_VERSION 2U

struct solo5_abi1_info {
	uint32_t abi_target;  /* enum solo5_abi_target */
	uint32_t abi_version; /* SOLO5_HVT_ABI_VERSION for hvt */
	uint32_t reserved0, reserved1;
};

/* --- the application manifest (mft_abi.h) ------------------------------- */

#define SOLO5_MFT_VERSION 1U
#define SOLO5_MFT_MAX_ENTRIES 64U
#define SOLO5_MFT_NAME_SIZE 68U /* bytes, including the NUL */

enum solo5_mft_type {
	SOLO5_MFT_BLOCK_BASIC = 1,
	SOLO5_MFT_NET_BASIC = 2,
	SOLO5_MFT_RESERVED_FIRST = 1U << 30, /* entry 0, always, with an empty name */
};

struct solo5_mft_entry {
	char name[SOLO5_MFT_NAME_SIZE];
	uint32_t type; /* enum solo5_mft_type */
	union {
		struct {
			uint64_t capacity; /* bytes */
			uint16_t block_size;
		} block;
		struct {
			uint8_t mac[6];
			uint16_t mtu;
		} net;
	} u;
	uint64_t backing; /* tender-private (host fd or pointer): minivmm writes 0 */
	uint8_t attached; /* C bool: set by the tender for each device it attached */
	uint8_t pad[7];
};

struct solo5_mft {
	uint32_t version;
	uint32_t entries;
	/* followed by entries * struct solo5_mft_entry */
};

_Static_assert(offsetof(struct solo5_mft_entry, type) == 68, "mft_entry.type");
_Static_assert(offsetof(struct solo5_mft_entry, u) == 72, "mft_entry.u");
_Static_assert(offsetof(struct solo5_mft_entry, backing) == 88, "mft_entry.b");
_Static_assert(offsetof(struct solo5_mft_entry, attached) == 96, "mft_entry.attached");
_Static_assert(sizeof(struct solo5_mft_entry) == 104, "mft_entry size");
_Static_assert(sizeof(struct solo5_mft) == 8, "mft header size");

/* A Solo5 executable's notes as minivmm holds them once validated (loader/solo5.h). */
struct solo5_image {
	struct solo5_abi1_info abi;
	uint32_t nr_entries; /* entry[0] is the reserved first entry */
	struct solo5_mft_entry entry[SOLO5_MFT_MAX_ENTRIES];
};

/* Index of the BLOCK_BASIC entry called name, or -1. */
static inline int solo5_mft_find_block(const struct solo5_image *img, const char *name)
{
	for (uint32_t i = 1; i < img->nr_entries && i < SOLO5_MFT_MAX_ENTRIES; i++)
		if (img->entry[i].type == SOLO5_MFT_BLOCK_BASIC &&
		    strncmp(img->entry[i].name, name, SOLO5_MFT_NAME_SIZE) == 0)
			return (int)i;
	return -1;
}

/* --- hvt on x86-64 (hvt_abi.h, tenders/hvt/hvt_cpu_x86_64.h) ------------- */

/* Guest-physical layout the tender sets up; the kernel loads at or above MIN_BASE. */
#define SOLO5_HVT_GDT_GPA 0x1000ULL
#define SOLO5_HVT_PML4_GPA 0x2000ULL
#define SOLO5_HVT_PDPT_GPA 0x3000ULL
#define SOLO5_HVT_PD_GPA 0x4000ULL  /* four page directories: 4 GiB */
#define SOLO5_HVT_PT0_GPA 0x8000ULL /* 4 KiB pages for the first 2 MiB */
#define SOLO5_HVT_BOOT_INFO_GPA 0x10000ULL
#define SOLO5_HVT_GUEST_MIN_BASE 0x100000ULL
#define SOLO5_HVT_PAGE 0x200000ULL /* guest RAM is a multiple of 2 MiB */
#define SOLO5_HVT_MAX_MEM (4ULL << 30)
#define SOLO5_HVT_CMDLINE_SIZE 8192U /* bytes, including the NUL */

/* GDT: null, code, data; selector = index * 8. */
#define SOLO5_HVT_SEL_CODE 0x08
#define SOLO5_HVT_SEL_DATA 0x10
#define SOLO5_HVT_GDT_ENTRIES 3

/* Hypercalls: a 32-bit OUT of the argument's guest-physical address to BASE + nr. */
#define SOLO5_HVT_PIO_BASE 0x500U
enum solo5_hvt_hypercall {
	SOLO5_HC_WALLTIME = 1,
	SOLO5_HC_PUTS,
	SOLO5_HC_POLL,
	SOLO5_HC_BLOCK_WRITE,
	SOLO5_HC_BLOCK_READ,
	SOLO5_HC_NET_WRITE,
	SOLO5_HC_NET_READ,
	SOLO5_HC_HALT,
	SOLO5_HC_MAX, /* ports [BASE, BASE + MAX) */
};

/* Results in the hypercall structures' ret fields (solo5.h solo5_result_t). */
enum solo5_result {
	SOLO5_R_OK = 0,
	SOLO5_R_AGAIN,
	SOLO5_R_EINVAL,
	SOLO5_R_EUNSPEC,
};

/* Exit status solo5_abort() halts with. */
#define SOLO5_EXIT_ABORT 255
/* HALT's cookie (a trap frame hint) must point at this many readable bytes. */
#define SOLO5_HALT_COOKIE_MAX 512U

struct solo5_hvt_boot_info {
	uint64_t mem_size;			/* bytes */
	uint64_t kernel_end;			/* first byte after the loaded image */
	uint64_t cpu_cycle_freq;		/* TSC, Hz */
	uint64_t cmdline;			/* gpa of a C string */
	uint64_t mft;				/* gpa of the manifest */
	uint32_t host_features, guest_features; /* v0.12 ring I/O negotiation: 0 */
	uint64_t net_ring;			/* 0: none */
};

struct solo5_hc_walltime {
	uint64_t nsecs; /* OUT: CLOCK_REALTIME */
};

struct solo5_hc_puts {
	uint64_t data, len;
};

struct solo5_hc_poll {
	uint64_t timeout_nsecs; /* IN, relative */
	uint64_t ready_set;	/* OUT: handles with input */
	int32_t ret;		/* OUT */
	uint32_t pad;
};

/* BLOCK_WRITE and BLOCK_READ share one layout (len is IN/OUT for reads). */
struct solo5_hc_block {
	uint64_t handle, offset, data, len;
	int32_t ret;
	uint32_t pad;
};

/* NET_WRITE and NET_READ share one layout. */
struct solo5_hc_net {
	uint64_t handle, data, len;
	int32_t ret;
	uint32_t pad;
};

struct solo5_hc_halt {
	uint64_t cookie; /* 0 or gpa of SOLO5_HALT_COOKIE_MAX bytes */
	int32_t exit_status;
	uint32_t pad;
};

/* The trap frame solo5 bindings point the cookie at after a fatal trap. */
struct solo5_trap_regs {
	uint64_t cr2, ec, rip, cs, rflags, rsp, ss;
};

_Static_assert(sizeof(struct solo5_hvt_boot_info) == 56, "hvt_boot_info");
_Static_assert(offsetof(struct solo5_hvt_boot_info, net_ring) == 48, "hvt_boot_info.net_ring");
_Static_assert(sizeof(struct solo5_hc_poll) == 24, "hc_poll");
_Static_assert(offsetof(struct solo5_hc_block, ret) == 32, "hc_block.ret");
_Static_assert(offsetof(struct solo5_hc_net, ret) == 24, "hc_net.ret");
_Static_assert(sizeof(struct solo5_hc_halt) == 16, "hc_halt");

#endif
