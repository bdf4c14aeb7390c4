/* SPDX-License-Identifier: MIT */
/*
 * The Solo5 hvt hypercalls as a device on the bus, registered only when
 * the kernel is a Solo5 hvt executable: a 32-bit OUT to port 0x500 + nr
 * carries the guest-physical address of the call's argument structure
 * (see abi/solo5_abi.h). Block devices are the -d disks bound by name
 * to the manifest's BLOCK_BASIC entries; the handle is the entry's index.
 * Also traps guest writes to its read-only segments (KVM_MEM_READONLY slots
 * turn them into MMIO exits), which are fatal as under solo5-hvt.
 */
#ifndef MINIVMM_DEVICES_SOLO5_HVT_H
#define MINIVMM_DEVICES_SOLO5_HVT_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/bus.h"
#include "abi/solo5_abi.h"
#include "memory.h"

/* Exit status when the guest breaks the ABI: minivmm's "guest crashed" (vm.h). */
#define SOLO5_HVT_FATAL_STATUS 5
/*
 * Exit status of a guest write to a read-only segment: solo5-hvt's, whose
 * KVM_RUN fails with EFAULT there ("host/guest translation fault", exit 1).
 */
#define SOLO5_HVT_FAULT_STATUS 1
#define SOLO5_HVT_FAULT_TEXT "host/guest translation fault"
#define SOLO5_HVT_MAX_RO 8

struct solo5_disk {
	int fd; /* -1: this manifest entry is no attached block device */
	bool ro;
	uint64_t capacity; /* bytes, a multiple of block_size */
	uint32_t block_size;
};

struct solo5_hvt;

/* One read-only range trapped on the bus (the bus callback's opaque). */
struct solo5_ro_trap {
	struct solo5_hvt *dev;
	struct guest_range range;
};

struct solo5_hvt {
	const struct guest_mem *mem;
	struct bus *bus;
	const struct solo5_image *img;
	struct solo5_disk disk[SOLO5_MFT_MAX_ENTRIES]; /* by manifest index (= handle) */
	struct solo5_ro_trap ro[SOLO5_HVT_MAX_RO];
	unsigned nr_ro;
	/* Nonzero when a stop (signal, --timeout) is pending: POLL returns early. */
	int (*stop_pending)(void *ctx);
	void *stop_ctx;
	bool verbose;
	uint64_t calls[SOLO5_HC_MAX]; /* hypercalls served, by number */
	char reason[192];	      /* the bus stop reason, when this device stops the VM */
};

/*
 * Open the -d disks (specs as on the command line) and bind each, by its
 * name=, to a BLOCK_BASIC entry of img's manifest, marking the entry
 * attached with its capacity and block size (sector=, default 512). Every
 * disk must name a block entry and every manifest device must be attached
 * (minivmm has no network device). -1 after one line on stderr (exit 2).
 */
int solo5_hvt_attach_disks(struct solo5_hvt *dev, struct solo5_image *img, char *const *specs,
			   unsigned nr_specs);

/* Register the hypercall ports and the read-only range write traps. 0 or -errno. */
int solo5_hvt_register(struct solo5_hvt *dev, struct bus *bus, const struct guest_mem *mem,
		       const struct guest_range *ro, unsigned nr_ro);

/* Close the images (none before solo5_hvt_attach_disks() ran). Idempotent. */
void solo5_hvt_close(struct solo5_hvt *dev);

struct sandbox;

/* Add the system calls the hypercalls make once the guest runs (its disks' fds, POLL's sleep). */
void solo5_hvt_sandbox_allow(const struct solo5_hvt *dev, struct sandbox *sb);

/* The bus stop reason of a HALT hypercall: the guest chose its status. */
extern const char solo5_hvt_halt_reason[];

#endif
