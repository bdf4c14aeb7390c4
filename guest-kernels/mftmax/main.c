// SPDX-License-Identifier: MIT
/*
 * mftmax: a Solo5 hvt guest whose manifest is as large as the ABI allows,
 * SOLO5_MFT_MAX_ENTRIES entries: the reserved first one and 63 block
 * devices "storage0" .. "storage62" (what Solo5's own test_mft_maxdevices
 * declares). Solo5 block devices are hypercall devices, so minivmm takes
 * that many -d disks for such a guest, while a virtio-blk guest stays at
 * VIRTIO_MAX_DISKS. The guest checks every device: attached, with the
 * capacity and block size the test gave, and the first block of each
 * image holding that image's own number (written by the test on the host).
 *
 * Run: minivmm -d s0.img,name=storage0 ... -d s62.img,name=storage62 mftmax.elf
 * (tests/integration/solo5_maxdisks.sh).
 */
#include "kstring.h"
#include "printf.h"
#include "solo5/hvt.h"

HVT_DECLARE_ABI_NOTE;

#define DEVICES (SOLO5_MFT_MAX_ENTRIES - 1)

/* clang-format off */
#define B(n) HVT_MFT_BLOCK("storage" #n)
#define B10(t) B(t##0), B(t##1), B(t##2), B(t##3), B(t##4), B(t##5), B(t##6), B(t##7), B(t##8), \
	B(t##9)
/* clang-format on */

static const HVT_MFT_NOTE_TYPE(SOLO5_MFT_MAX_ENTRIES) mftmax_manifest
    __attribute__((section(".note.solo5.manifest"), aligned(8), used)) = {
	HVT_MFT_NOTE_HEADER(SOLO5_MFT_MAX_ENTRIES),
	.e = {HVT_MFT_RESERVED_FIRST, B(0), B(1), B(2), B(3), B(4), B(5), B(6), B(7), B(8), B(9),
	      B10(1), B10(2), B10(3), B10(4), B10(5), B(60), B(61), B(62)},
};

_Static_assert(sizeof(mftmax_manifest.e) / sizeof(mftmax_manifest.e[0]) == DEVICES + 1,
	       "one entry per device and the reserved first");

static uint8_t block[512] __attribute__((aligned(512)));

/* Device i (storage<i>): attached, 512-byte blocks, and its first block says i. */
static int check_device(const struct solo5_hvt_boot_info *bi, unsigned i)
{
	char name[16];
	int h;

	ksnprintf(name, sizeof(name), "storage%u", i);
	h = hvt_block_handle(bi, name);
	if (h < 0) {
		hvt_printf("mftmax: %s is not attached\n", name);
		return -1;
	}
	if (hvt_entry(bi, (uint32_t)h)->u.block.block_size != 512 ||
	    hvt_block_read((uint64_t)h, 0, block, sizeof(block)) != SOLO5_R_OK || block[0] != i) {
		hvt_printf("mftmax: %s (handle %d): wrong block size or contents\n", name, h);
		return -1;
	}
	return 0;
}

int hvt_main(const struct solo5_hvt_boot_info *bi)
{
	unsigned ok = 0;

	hvt_printf("mftmax: manifest of %u entries\n", hvt_manifest(bi)->entries);
	for (unsigned i = 0; i < DEVICES; i++)
		ok += check_device(bi, i) == 0;
	hvt_printf("mftmax: %u of %u block devices attached and read\n", ok, DEVICES);
	return ok == DEVICES ? 0 : 1;
}
