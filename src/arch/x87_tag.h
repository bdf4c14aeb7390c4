/* SPDX-License-Identifier: MIT */
/*
 * The x87 tag word (SDM vol. 1, 8.1.7 and table 10-2): FXSAVE keeps an
 * abridged form, one bit per physical register (1 = not empty); FNSTENV,
 * FNSAVE and a debugger's ftag give the full one, two bits per physical
 * register (00 valid, 01 zero, 10 special, 11 empty), derived from the
 * register contents. One home for the conversion, used by the soft CPU's
 * x87 environment instructions and by the gdb stub; pure functions of an
 * FXSAVE image, so any layer may include this.
 */
#ifndef MINIVMM_ARCH_X87_TAG_H
#define MINIVMM_ARCH_X87_TAG_H

#include <stdint.h>
#include <string.h>

/* FXSAVE image offsets used here. */
#define X87_FX_FSW 2
#define X87_FX_FTW 4 /* the abridged tag word */
#define X87_FX_ST(i) (32 + 16 * (i))

/* Tag of one 80-bit register: 0 valid, 1 zero, 2 special (NaN, infinity, denormal, unnormal). */
static inline unsigned x87_reg_tag(const uint8_t *r)
{
	uint64_t mant;
	unsigned exp = (unsigned)(r[8] | r[9] << 8) & 0x7fff;

	memcpy(&mant, r, sizeof(mant));
	if (exp == 0x7fff)
		return 2;
	if (exp == 0)
		return mant ? 2 : 1;
	return (mant >> 63) ? 0 : 2;
}

/* The full tag word of an FXSAVE image; ST(i) is physical register (TOP + i) & 7. */
static inline uint16_t x87_full_tag_word(const uint8_t *fx)
{
	unsigned top = (fx[X87_FX_FSW + 1] >> 3) & 7;
	uint16_t ftw = 0;

	for (unsigned p = 0; p < 8; p++) {
		unsigned tag = 3;

		if ((fx[X87_FX_FTW] >> p) & 1)
			tag = x87_reg_tag(fx + X87_FX_ST((p - top) & 7));
		ftw |= (uint16_t)(tag << (2 * p));
	}
	return ftw;
}

/* The abridged tag word of a full one: a register is in use unless its tag is 11. */
static inline uint8_t x87_abridged_tag_word(uint16_t ftw)
{
	uint8_t t = 0;

	for (unsigned p = 0; p < 8; p++)
		if (((ftw >> (2 * p)) & 3) != 3)
			t |= (uint8_t)(1u << p);
	return t;
}

#endif
