// SPDX-License-Identifier: MIT
/*
 * MTRRs (SDM vol. 3 12.11): the registers, their reserved bits and valid
 * memory types, as KVM keeps them for a guest (8 variable ranges, the
 * fixed ranges, write-combining; no SMRR). The soft CPU has no caches, so
 * the types change nothing it does: kernels only need the registers to
 * exist and to hold what they write (Xen reads MTRRcap unconditionally on
 * a CPU that says MTRR in CPUID; Linux sets PAT up only with MTRRs on).
 */
#include "vcpu/soft/mtrr.h"

enum {
	MSR_MTRRCAP = 0xfe,
	MSR_MTRR_PHYS_BASE0 = 0x200,
	MSR_MTRR_FIX64K_00000 = 0x250,
	MSR_MTRR_FIX16K_80000 = 0x258,
	MSR_MTRR_FIX16K_A0000 = 0x259,
	MSR_MTRR_FIX4K_C0000 = 0x268,
	MSR_MTRR_FIX4K_F8000 = 0x26f,
	MSR_MTRR_DEF_TYPE = 0x2ff,
};

#define MTRRCAP_FIX (1u << 8)
#define MTRRCAP_WC (1u << 10)
#define DEF_TYPE_VALID 0xcffULL /* type (7:0), FE (10), E (11) */
#define VAR_BASE_RSVD 0xf00ULL	/* bits 11:8 of PhysBase */
#define VAR_MASK_RSVD 0x7ffULL	/* bits 10:0 of PhysMask (11 is V) */

/* UC, WC, WT, WP, WB: types 2, 3 and 7 and above are reserved. */
static bool type_valid(unsigned t)
{
	return t == 0 || t == 1 || t == 4 || t == 5 || t == 6;
}

static bool fixed_valid(uint64_t v)
{
	for (unsigned i = 0; i < 8; i++)
		if (!type_valid((v >> (8 * i)) & 0xff))
			return false;
	return true;
}

/* The index into soft_mtrr.fixed, or -1. */
static int fixed_slot(uint32_t index)
{
	if (index == MSR_MTRR_FIX64K_00000)
		return 0;
	if (index == MSR_MTRR_FIX16K_80000 || index == MSR_MTRR_FIX16K_A0000)
		return 1 + (int)(index - MSR_MTRR_FIX16K_80000);
	if (index >= MSR_MTRR_FIX4K_C0000 && index <= MSR_MTRR_FIX4K_F8000)
		return 3 + (int)(index - MSR_MTRR_FIX4K_C0000);
	return -1;
}

static bool is_var(uint32_t index)
{
	return index >= MSR_MTRR_PHYS_BASE0 && index < MSR_MTRR_PHYS_BASE0 + 2 * MTRR_NR_VAR;
}

int mtrr_msr_read(const struct soft_mtrr *m, uint32_t index, uint64_t *v)
{
	int f = fixed_slot(index);

	if (index == MSR_MTRRCAP)
		*v = MTRRCAP_WC | MTRRCAP_FIX | MTRR_NR_VAR;
	else if (index == MSR_MTRR_DEF_TYPE)
		*v = m->def_type;
	else if (f >= 0)
		*v = m->fixed[f];
	else if (is_var(index))
		*v = m->var[index - MSR_MTRR_PHYS_BASE0];
	else
		return 1;
	return 0;
}

int mtrr_msr_write(struct soft_mtrr *m, uint32_t index, uint64_t v, unsigned maxphyaddr)
{
	uint64_t above_phys = ~((1ULL << maxphyaddr) - 1);
	int f = fixed_slot(index);

	if (index == MSR_MTRRCAP)
		return -1; /* read-only */
	if (index == MSR_MTRR_DEF_TYPE) {
		if ((v & ~DEF_TYPE_VALID) || !type_valid(v & 0xff))
			return -1;
		m->def_type = v;
	} else if (f >= 0) {
		if (!fixed_valid(v))
			return -1;
		m->fixed[f] = v;
	} else if (is_var(index)) {
		bool base = !((index - MSR_MTRR_PHYS_BASE0) & 1);

		if (v & above_phys)
			return -1;
		if (base ? (v & VAR_BASE_RSVD) || !type_valid(v & 0xff) : (v & VAR_MASK_RSVD))
			return -1;
		m->var[index - MSR_MTRR_PHYS_BASE0] = v;
	} else {
		return 1;
	}
	return 0;
}
