/* SPDX-License-Identifier: MIT */
/*
 * A tiny library OS for the Solo5 hvt ABI (the guest side of
 * src/abi/solo5_abi.h, which both sides share): one address space,
 * ring 0, no system calls. The tender enters _start in long mode with
 * RDI = the boot info; hvt_start() calls the guest's hvt_main() and halts
 * with its return value. Every service is a hypercall: a 32-bit OUT of
 * the argument structure's address to port 0x500 + number.
 */
#ifndef GUEST_SOLO5_HVT_H
#define GUEST_SOLO5_HVT_H

#include <stddef.h>
#include <stdint.h>

#include "abi/solo5_abi.h"

/* Each Solo5 guest defines this; bi is the tender's boot info. */
int hvt_main(const struct solo5_hvt_boot_info *bi);

static inline void hvt_hypercall(unsigned nr, volatile void *arg)
{
	__asm__ __volatile__("outl %0, %1"
			     :
			     : "a"((uint32_t)(uintptr_t)arg),
			       "d"((uint16_t)(SOLO5_HVT_PIO_BASE + nr))
			     : "memory");
}

/* The same with a raw guest-physical argument address (for hostile tests). */
static inline void hvt_hypercall_gpa(unsigned nr, uint32_t gpa)
{
	__asm__ __volatile__("outl %0, %1"
			     :
			     : "a"(gpa), "d"((uint16_t)(SOLO5_HVT_PIO_BASE + nr))
			     : "memory");
}

void hvt_puts(const char *s, size_t len);
/* printf over PUTS (ksnprintf's conversions), at most 511 bytes a call. */
int hvt_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
uint64_t hvt_walltime(void);
/* Sleep up to ns; returns the POLL's ret. */
int hvt_poll(uint64_t ns, uint64_t *ready_set);
int hvt_block_write(uint64_t handle, uint64_t offset, const void *data, uint64_t len);
int hvt_block_read(uint64_t handle, uint64_t offset, void *data, uint64_t len);
void hvt_halt(int status, void *cookie) __attribute__((noreturn));

/* The manifest the tender copied into the boot info. */
static inline const struct solo5_mft *hvt_manifest(const struct solo5_hvt_boot_info *bi)
{
	return (const struct solo5_mft *)(uintptr_t)bi->mft;
}

static inline const struct solo5_mft_entry *hvt_entry(const struct solo5_hvt_boot_info *bi,
						      uint32_t i)
{
	return (const struct solo5_mft_entry *)(uintptr_t)(bi->mft + sizeof(struct solo5_mft)) + i;
}

/* Handle (manifest index) of the attached block device called name, or -1. */
int hvt_block_handle(const struct solo5_hvt_boot_info *bi, const char *name);

/*
 * The two ELF notes that make an hvt executable (elf_abi.h, mft_abi.h):
 * "Solo5" ABI1 {target hvt, version 2} and "Solo5" MFT1 {the manifest},
 * the latter padded so that the manifest is 8-aligned within the note.
 */
struct hvt_abi_note {
	uint32_t namesz, descsz, type;
	char name[8];
	struct solo5_abi1_info info;
};

#define HVT_DECLARE_ABI_NOTE                                                                       \
	const struct hvt_abi_note hvt_abi_note                                                     \
	    __attribute__((section(".note.solo5.abi"), aligned(4), used)) = {                      \
		.namesz = sizeof(SOLO5_NOTE_NAME),                                                 \
		.descsz = sizeof(struct solo5_abi1_info),                                          \
		.type = SOLO5_NOTE_ABI1,                                                           \
		.name = SOLO5_NOTE_NAME,                                                           \
		.info = {SOLO5_TARGET_HVT, SOLO5_HVT_ABI_VERSION, 0, 0},                           \
	}

/* A manifest note with N entries (entry 0 the reserved one): declare, then fill .e[]. */
#define HVT_MFT_NOTE_TYPE(N)                                                                       \
	struct {                                                                                   \
		uint32_t namesz, descsz, type;                                                     \
		char name[8];                                                                      \
		uint32_t pad;                                                                      \
		struct solo5_mft m;                                                                \
		struct solo5_mft_entry e[N];                                                       \
	} __attribute__((aligned(8)))

#define HVT_MFT_NOTE_HEADER(N)                                                                     \
	.namesz = sizeof(SOLO5_NOTE_NAME),                                                         \
	.descsz = 4 + sizeof(struct solo5_mft) + (N) * sizeof(struct solo5_mft_entry),             \
	.type = SOLO5_NOTE_MFT1, .name = SOLO5_NOTE_NAME, .m = {SOLO5_MFT_VERSION, (N)}

#define HVT_MFT_RESERVED_FIRST                                                                     \
	{                                                                                          \
		.type = SOLO5_MFT_RESERVED_FIRST                                                   \
	}
#define HVT_MFT_BLOCK(NAME)                                                                        \
	{                                                                                          \
		.name = NAME, .type = SOLO5_MFT_BLOCK_BASIC                                        \
	}

#endif
