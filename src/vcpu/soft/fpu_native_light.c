// SPDX-License-Identifier: MIT
/*
 * What the light trampoline (fpu_native_code.c) must reproduce of the
 * full one. An instruction of the light path (FNU_SSE, FNU_INT) cannot
 * change the x87 state, but the full path passed that state through the
 * host's FXRSTOR64 + FXSAVE64 and committed what came out, which is not
 * always what went in: the reserved bits of FCW, byte 5 and bytes 10-15
 * of each ST/MM slot come back as the host keeps them (measured on this
 * AMD host: FCW's reserved bits 7 and 13-15 and those bytes cleared, bit 6
 * set). So that the
 * light path gives the same results, its commit applies the same change:
 * keep the bits the host's round trip keeps of an all-ones image, set
 * those it sets in an all-zeros one (this host: FCW bit 6 always set).
 *
 * Whether the host's round trip is such a change at all is checked when the
 * executor is created, with seeded random images as the full path would
 * load them (valid MXCSR, FSW's ES and B set exactly when an unmasked
 * exception flag is, fsw_loaded() in fpu_native.c); if it is not, the
 * executor has no light path and every instruction takes the full one.
 */
#include <string.h>

#include "vcpu/soft/fpu.h"
#include "vcpu/soft/fpu_native.h"

#define PROBE_IMAGES 64

/* in -> the host's FXRSTOR64 -> FXSAVE64 -> out; the caller's state is put back. */
static void round_trip(const uint8_t *in, uint8_t *out)
{
	_Alignas(64) uint8_t host[512], a[512], b[512];

	memcpy(a, in, sizeof(a));
	__asm__ volatile("fxsave64 %[h]\n\tfxrstor64 %[a]\n\tfxsave64 %[b]\n\t"
			 "fninit\n\tfxrstor64 %[h]"
			 : [h] "+m"(host), [b] "=m"(b)
			 : [a] "m"(a));
	memcpy(out, b, sizeof(b));
}

/*
 * Bytes of the legacy image the light commit canonicalises: FCW, FTW and
 * its reserved byte, the ST slots. Not FSW: the host derives ES and B
 * from the flags and masks, which load_context() has already done.
 */
static bool x87_byte(unsigned i)
{
	return i == FPU_OFF_FCW || i == FPU_OFF_FCW + 1 || i == FPU_OFF_FTW ||
	       i == FPU_OFF_FTW + 1 || (i >= FPU_OFF_ST(0) && i < FPU_OFF_XMM(0));
}

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* A random image as load_context() would hand it to the full trampoline. */
static void probe_image(uint64_t *s, uint8_t *img)
{
	uint32_t mxcsr = 0x1f80 | (uint32_t)(xorshift(s) & 0x7f);
	uint16_t fcw, fsw;
	unsigned i;

	for (i = 0; i < FPU_LEGACY_SIZE; i += 8) {
		uint64_t v = xorshift(s);

		memcpy(img + i, &v, 8);
	}
	memcpy(img + FPU_OFF_MXCSR, &mxcsr, 4);
	memcpy(&fcw, img + FPU_OFF_FCW, 2);
	memcpy(&fsw, img + FPU_OFF_FSW, 2);
	fsw &= 0x7f7f;
	if (fsw & ~fcw & 0x3f) /* pending: an exception flag whose mask is clear */
		fsw |= 0x8080;
	memcpy(img + FPU_OFF_FSW, &fsw, 2);
}

/* What the round trip of an image of bytes `fill` (valid MXCSR) leaves of the x87 bytes. */
static void probe_fill(uint8_t fill, uint8_t keep, uint8_t *mask)
{
	_Alignas(64) uint8_t in[512], out[512];
	unsigned i;

	memset(in, fill, sizeof(in));
	memcpy(in + FPU_OFF_MXCSR, &(uint32_t){0x1f80}, 4);
	round_trip(in, out);
	for (i = 0; i < FNAT_CANON_SIZE; i++)
		mask[i] = x87_byte(i) ? out[i] : keep;
}

bool fnat_light_probe(uint8_t (*canon)[FNAT_CANON_SIZE])
{
	_Alignas(64) uint8_t in[512], out[512];
	uint64_t seed = 0x9e3779b97f4a7c15ULL;
	unsigned n, i;

	probe_fill(0xff, 0xff, canon[0]); /* the bits it keeps */
	probe_fill(0, 0, canon[1]);	  /* the bits it sets */
	for (n = 0; n < PROBE_IMAGES; n++) {
		probe_image(&seed, in);
		round_trip(in, out);
		for (i = 0; i < FNAT_CANON_SIZE; i++)
			if (x87_byte(i) && out[i] != ((in[i] & canon[0][i]) | canon[1][i]))
				return false;
		if (memcmp(in + FPU_OFF_FSW, out + FPU_OFF_FSW, 2) ||
		    memcmp(in + FPU_OFF_MXCSR, out + FPU_OFF_MXCSR, 4) ||
		    memcmp(in + FPU_OFF_XMM(0), out + FPU_OFF_XMM(0), 16 * 16))
			return false;
	}
	return true;
}

void fnat_light_canon(const uint8_t (*canon)[FNAT_CANON_SIZE], uint8_t *area)
{
	uint64_t v, keep, set;
	unsigned i;

	/* eight bytes at a time: this runs once per SSE instruction */
	for (i = 0; i < FNAT_CANON_SIZE; i += 8) {
		memcpy(&v, area + i, 8);
		memcpy(&keep, canon[0] + i, 8);
		memcpy(&set, canon[1] + i, 8);
		v = (v & keep) | set;
		memcpy(area + i, &v, 8);
	}
}
