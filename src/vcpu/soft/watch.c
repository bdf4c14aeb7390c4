// SPDX-License-Identifier: MIT
/*
 * Data breakpoints of KVM_SET_GUEST_DEBUG (KVM_GUESTDBG_USE_HW_BP): a
 * debug register whose DR7 R/W field is 01 (write) or 11 (read or write)
 * watches LEN bytes (1, 2, 4 or 8; the address is aligned down to LEN as
 * the hardware does, SDM vol. 3 18.2.5). The hit is a trap: reported
 * after the instruction completes, with its B bit in DR6.
 *
 * The cost stays off the fast paths: a page holding a watched byte is
 * never entered into the TLB, so every access to it takes the slow path
 * of mmu.c, which calls watch_access().
 */
#include "vcpu/soft/sys.h"

#define DR7_RW_WRITE 1u
#define DR7_RW_IO 2u

static unsigned dr_rw(uint64_t dr7, unsigned i)
{
	return (dr7 >> (16 + 4 * i)) & 3;
}

static uint64_t dr_len(uint64_t dr7, unsigned i)
{
	static const uint64_t len[4] = {1, 2, 8, 4}; /* LEN encodings 00, 01, 10, 11 */

	return len[(dr7 >> (18 + 4 * i)) & 3];
}

void watch_configure(struct soft_cpu *cpu)
{
	uint64_t dr7 = cpu->debug_dr7;

	cpu->watch_mask = 0;
	cpu->watch_hits = 0;
	for (unsigned i = 0; i < 4; i++) {
		unsigned rw = dr_rw(dr7, i);

		/* enabled (L or G), and a data access rather than execute or I/O */
		if (((dr7 >> (2 * i)) & 3) && rw != 0 && rw != DR7_RW_IO)
			cpu->watch_mask |= (uint8_t)(1u << i);
	}
	/* pages cached before now may hold watched bytes */
	tlb_flush(cpu);
}

static uint64_t watch_start(const struct soft_cpu *cpu, unsigned i)
{
	return cpu->debug_bp[i] & ~(dr_len(cpu->debug_dr7, i) - 1);
}

bool watch_page(const struct soft_cpu *cpu, uint64_t lin)
{
	uint64_t page = lin & ~0xfffULL;

	for (unsigned i = 0; i < 4; i++) {
		uint64_t start = watch_start(cpu, i);

		/* a watched range is at most 8 aligned bytes: never spans two pages */
		if ((cpu->watch_mask >> i) & 1 && (start & ~0xfffULL) == page)
			return true;
	}
	return false;
}

void watch_access(struct soft_cpu *cpu, uint64_t lin, unsigned size, bool write)
{
	for (unsigned i = 0; i < 4; i++) {
		uint64_t start = watch_start(cpu, i), len = dr_len(cpu->debug_dr7, i);

		if (!((cpu->watch_mask >> i) & 1) || !size)
			continue;
		if (!write && dr_rw(cpu->debug_dr7, i) == DR7_RW_WRITE)
			continue;
		/* [lin, lin + size) and [start, start + len) overlap (no wrap: size <= 4096) */
		if (lin - start < len || start - lin < size)
			cpu->watch_hits |= (uint8_t)(1u << i);
	}
}
