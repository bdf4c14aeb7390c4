// SPDX-License-Identifier: MIT
/*
 * Register table, target description and register packets. Register
 * values travel in target byte order (little-endian), as gdb expects.
 */
#include "gdb/regs.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "arch/x87_tag.h"
#include "gdb/packet.h"

#define FIELD(f) SRC_CPU, offsetof(struct vcpu_regs, f), sizeof(((struct vcpu_regs *)0)->f)
#define FX(off, size) SRC_FX, off, size

/* Where a register's value lives in struct gdb_regs. */
enum reg_src {
	SRC_CPU,  /* struct vcpu_regs */
	SRC_FX,	  /* the FXSAVE image */
	SRC_FTAG, /* the full x87 tag word, derived from the image's abridged one */
};

struct reg_desc {
	const char *feature; /* starts a new <feature> when it differs from the previous one */
	const char *name;
	unsigned bits;
	const char *type;
	enum reg_src src;
	size_t offset; /* in struct vcpu_regs or the FXSAVE image */
	size_t field_size;
};

#define CORE "org.gnu.gdb.i386.core"
#define SSE "org.gnu.gdb.i386.sse"
#define SEGS "org.gnu.gdb.i386.segments"
#define SYS "org.minivmm.x86.sys"

/* FXSAVE image offsets (SDM vol. 1, table 10-2, 64-bit format). */
#define FX_XMM(i) (160 + 16 * (i))

/*
 * gdb numbers registers in this order (its amd64 layout); the x87 control
 * registers follow gdb's i387 conventions: fiseg/foseg hold bits 63:32 of
 * the 64-bit FPU instruction and data pointers, as gdb reads an FXSAVE64
 * image, and ftag is the full 16-bit tag word.
 */
static const struct reg_desc regs[] = {
    {CORE, "rax", 64, "int64", FIELD(gpr[0])},
    {CORE, "rbx", 64, "int64", FIELD(gpr[1])},
    {CORE, "rcx", 64, "int64", FIELD(gpr[2])},
    {CORE, "rdx", 64, "int64", FIELD(gpr[3])},
    {CORE, "rsi", 64, "int64", FIELD(gpr[4])},
    {CORE, "rdi", 64, "int64", FIELD(gpr[5])},
    {CORE, "rbp", 64, "data_ptr", FIELD(gpr[6])},
    {CORE, "rsp", 64, "data_ptr", FIELD(gpr[7])},
    {CORE, "r8", 64, "int64", FIELD(gpr[8])},
    {CORE, "r9", 64, "int64", FIELD(gpr[9])},
    {CORE, "r10", 64, "int64", FIELD(gpr[10])},
    {CORE, "r11", 64, "int64", FIELD(gpr[11])},
    {CORE, "r12", 64, "int64", FIELD(gpr[12])},
    {CORE, "r13", 64, "int64", FIELD(gpr[13])},
    {CORE, "r14", 64, "int64", FIELD(gpr[14])},
    {CORE, "r15", 64, "int64", FIELD(gpr[15])},
    {CORE, "rip", 64, "code_ptr", FIELD(rip)},
    {CORE, "eflags", 32, "i386_eflags", FIELD(rflags)},
    {CORE, "cs", 32, "int32", FIELD(sel[0])},
    {CORE, "ss", 32, "int32", FIELD(sel[1])},
    {CORE, "ds", 32, "int32", FIELD(sel[2])},
    {CORE, "es", 32, "int32", FIELD(sel[3])},
    {CORE, "fs", 32, "int32", FIELD(sel[4])},
    {CORE, "gs", 32, "int32", FIELD(sel[5])},
    {CORE, "st0", 80, "i387_ext", FX(X87_FX_ST(0), 10)},
    {CORE, "st1", 80, "i387_ext", FX(X87_FX_ST(1), 10)},
    {CORE, "st2", 80, "i387_ext", FX(X87_FX_ST(2), 10)},
    {CORE, "st3", 80, "i387_ext", FX(X87_FX_ST(3), 10)},
    {CORE, "st4", 80, "i387_ext", FX(X87_FX_ST(4), 10)},
    {CORE, "st5", 80, "i387_ext", FX(X87_FX_ST(5), 10)},
    {CORE, "st6", 80, "i387_ext", FX(X87_FX_ST(6), 10)},
    {CORE, "st7", 80, "i387_ext", FX(X87_FX_ST(7), 10)},
    {CORE, "fctrl", 32, "int", FX(0, 2)},
    {CORE, "fstat", 32, "int", FX(2, 2)},
    {CORE, "ftag", 32, "int", SRC_FTAG, 4, 1},
    {CORE, "fiseg", 32, "int", FX(12, 4)},
    {CORE, "fioff", 32, "int", FX(8, 4)},
    {CORE, "foseg", 32, "int", FX(20, 4)},
    {CORE, "fooff", 32, "int", FX(16, 4)},
    {CORE, "fop", 32, "int", FX(6, 2)},
    {SSE, "xmm0", 128, "vec128", FX(FX_XMM(0), 16)},
    {SSE, "xmm1", 128, "vec128", FX(FX_XMM(1), 16)},
    {SSE, "xmm2", 128, "vec128", FX(FX_XMM(2), 16)},
    {SSE, "xmm3", 128, "vec128", FX(FX_XMM(3), 16)},
    {SSE, "xmm4", 128, "vec128", FX(FX_XMM(4), 16)},
    {SSE, "xmm5", 128, "vec128", FX(FX_XMM(5), 16)},
    {SSE, "xmm6", 128, "vec128", FX(FX_XMM(6), 16)},
    {SSE, "xmm7", 128, "vec128", FX(FX_XMM(7), 16)},
    {SSE, "xmm8", 128, "vec128", FX(FX_XMM(8), 16)},
    {SSE, "xmm9", 128, "vec128", FX(FX_XMM(9), 16)},
    {SSE, "xmm10", 128, "vec128", FX(FX_XMM(10), 16)},
    {SSE, "xmm11", 128, "vec128", FX(FX_XMM(11), 16)},
    {SSE, "xmm12", 128, "vec128", FX(FX_XMM(12), 16)},
    {SSE, "xmm13", 128, "vec128", FX(FX_XMM(13), 16)},
    {SSE, "xmm14", 128, "vec128", FX(FX_XMM(14), 16)},
    {SSE, "xmm15", 128, "vec128", FX(FX_XMM(15), 16)},
    {SSE, "mxcsr", 32, "i386_mxcsr", FX(24, 4)},
    {SEGS, "fs_base", 64, "int", FIELD(fs_base)},
    {SEGS, "gs_base", 64, "int", FIELD(gs_base)},
    {SYS, "cr0", 64, "int", FIELD(cr0)},
    {SYS, "cr2", 64, "int", FIELD(cr2)},
    {SYS, "cr3", 64, "int", FIELD(cr3)},
    {SYS, "cr4", 64, "int", FIELD(cr4)},
    {SYS, "cr8", 64, "int", FIELD(cr8)},
    {SYS, "efer", 64, "int", FIELD(efer)},
};

#define NR_REGS (sizeof(regs) / sizeof(regs[0]))

unsigned gdb_regs_count(void)
{
	return NR_REGS;
}

/* The eflags type gdb's own amd64 descriptions use, so `info registers` names the flags. */
static const char eflags_type[] =
    "<flags id=\"i386_eflags\" size=\"4\">"
    "<field name=\"CF\" start=\"0\" end=\"0\"/><field name=\"\" start=\"1\" end=\"1\"/>"
    "<field name=\"PF\" start=\"2\" end=\"2\"/><field name=\"AF\" start=\"4\" end=\"4\"/>"
    "<field name=\"ZF\" start=\"6\" end=\"6\"/><field name=\"SF\" start=\"7\" end=\"7\"/>"
    "<field name=\"TF\" start=\"8\" end=\"8\"/><field name=\"IF\" start=\"9\" end=\"9\"/>"
    "<field name=\"DF\" start=\"10\" end=\"10\"/><field name=\"OF\" start=\"11\" end=\"11\"/>"
    "<field name=\"NT\" start=\"14\" end=\"14\"/><field name=\"RF\" start=\"16\" end=\"16\"/>"
    "<field name=\"VM\" start=\"17\" end=\"17\"/><field name=\"AC\" start=\"18\" end=\"18\"/>"
    "<field name=\"VIF\" start=\"19\" end=\"19\"/><field name=\"VIP\" start=\"20\" end=\"20\"/>"
    "<field name=\"ID\" start=\"21\" end=\"21\"/></flags>";

/* The SSE feature's types: the vector views and MXCSR's flags, named as gdb's own amd64 ones. */
static const char sse_types[] =
    "<vector id=\"v4f\" type=\"ieee_single\" count=\"4\"/>"
    "<vector id=\"v2d\" type=\"ieee_double\" count=\"2\"/>"
    "<vector id=\"v16i8\" type=\"int8\" count=\"16\"/>"
    "<vector id=\"v8i16\" type=\"int16\" count=\"8\"/>"
    "<vector id=\"v4i32\" type=\"int32\" count=\"4\"/>"
    "<vector id=\"v2i64\" type=\"int64\" count=\"2\"/>"
    "<union id=\"vec128\"><field name=\"v4_float\" type=\"v4f\"/>"
    "<field name=\"v2_double\" type=\"v2d\"/><field name=\"v16_int8\" type=\"v16i8\"/>"
    "<field name=\"v8_int16\" type=\"v8i16\"/><field name=\"v4_int32\" type=\"v4i32\"/>"
    "<field name=\"v2_int64\" type=\"v2i64\"/><field name=\"uint128\" type=\"uint128\"/>"
    "</union>"
    "<flags id=\"i386_mxcsr\" size=\"4\">"
    "<field name=\"IE\" start=\"0\" end=\"0\"/><field name=\"DE\" start=\"1\" end=\"1\"/>"
    "<field name=\"ZE\" start=\"2\" end=\"2\"/><field name=\"OE\" start=\"3\" end=\"3\"/>"
    "<field name=\"UE\" start=\"4\" end=\"4\"/><field name=\"PE\" start=\"5\" end=\"5\"/>"
    "<field name=\"DAZ\" start=\"6\" end=\"6\"/><field name=\"IM\" start=\"7\" end=\"7\"/>"
    "<field name=\"DM\" start=\"8\" end=\"8\"/><field name=\"ZM\" start=\"9\" end=\"9\"/>"
    "<field name=\"OM\" start=\"10\" end=\"10\"/><field name=\"UM\" start=\"11\" end=\"11\"/>"
    "<field name=\"PM\" start=\"12\" end=\"12\"/><field name=\"FZ\" start=\"15\" end=\"15\"/>"
    "</flags>";

/* The types a feature defines before its registers. */
static const char *feature_types(const char *feature)
{
	if (!strcmp(feature, CORE))
		return eflags_type;
	if (!strcmp(feature, SSE))
		return sse_types;
	return "";
}

struct xml_out {
	char *buf;
	size_t cap, len;
	bool overflow;
};

static void xml_add(struct xml_out *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void xml_add(struct xml_out *x, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (x->overflow)
		return;
	va_start(ap, fmt);
	n = vsnprintf(x->buf + x->len, x->cap - x->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= x->cap - x->len)
		x->overflow = true;
	else
		x->len += (size_t)n;
}

size_t gdb_target_xml(char *out, size_t cap)
{
	struct xml_out x = {out, cap, 0, cap == 0};
	const char *feature = NULL;

	xml_add(&x, "<?xml version=\"1.0\"?><!DOCTYPE target SYSTEM \"gdb-target.dtd\">"
		    "<target version=\"1.0\"><architecture>i386:x86-64</architecture>");
	for (size_t i = 0; i < NR_REGS; i++) {
		if (!feature || strcmp(feature, regs[i].feature)) {
			if (feature)
				xml_add(&x, "</feature>");
			feature = regs[i].feature;
			xml_add(&x, "<feature name=\"%s\">%s", feature, feature_types(feature));
		}
		xml_add(&x, "<reg name=\"%s\" bitsize=\"%u\" type=\"%s\"%s/>", regs[i].name,
			regs[i].bits, regs[i].type,
			strcmp(regs[i].feature, SYS) ? "" : " group=\"system\"");
	}
	xml_add(&x, "</feature></target>");
	return x.overflow ? 0 : x.len;
}

static size_t reg_bytes(const struct reg_desc *d)
{
	return d->bits / 8;
}

static const uint8_t *src_ptr(const struct gdb_regs *r, const struct reg_desc *d)
{
	return d->src == SRC_CPU ? (const uint8_t *)&r->cpu + d->offset : r->fx + d->offset;
}

static bool reg_available(const struct gdb_regs *r, const struct reg_desc *d)
{
	return d->src == SRC_CPU || r->fx_valid;
}

/* The register's value in target byte order, zero-extended to its size. */
static void reg_get(const struct gdb_regs *r, const struct reg_desc *d, uint8_t *val)
{
	memset(val, 0, reg_bytes(d));
	if (d->src == SRC_FTAG) {
		uint16_t tw = x87_full_tag_word(r->fx);

		memcpy(val, &tw, sizeof(tw));
		return;
	}
	memcpy(val, src_ptr(r, d), d->field_size < reg_bytes(d) ? d->field_size : reg_bytes(d));
}

static void reg_set(struct gdb_regs *r, const struct reg_desc *d, const uint8_t *val)
{
	uint8_t *f = (uint8_t *)src_ptr(r, d);

	if (d->src == SRC_FTAG) {
		r->fx[4] = x87_abridged_tag_word((uint16_t)(val[0] | val[1] << 8));
		return;
	}
	memset(f, 0, d->field_size);
	memcpy(f, val, d->field_size < reg_bytes(d) ? d->field_size : reg_bytes(d));
}

static size_t encode_one(const struct gdb_regs *r, const struct reg_desc *d, char *out)
{
	uint8_t val[16];
	size_t n = reg_bytes(d);

	if (!reg_available(r, d)) {
		memset(out, 'x', 2 * n);
	} else {
		reg_get(r, d, val);
		gdb_hex_encode(out, val, n);
	}
	return 2 * n;
}

size_t gdb_regs_encode_all(const struct gdb_regs *r, char *out, size_t cap)
{
	size_t len = 0;

	for (size_t i = 0; i < NR_REGS; i++) {
		if (len + 2 * reg_bytes(&regs[i]) > cap)
			return 0;
		len += encode_one(r, &regs[i], out + len);
	}
	return len;
}

static int decode_one(struct gdb_regs *r, const struct reg_desc *d, const char *hex)
{
	uint8_t val[16];

	if (!reg_available(r, d))
		return 0; /* whatever gdb sends for a register we do not have */
	if (gdb_hex_decode(val, hex, reg_bytes(d)))
		return -1;
	reg_set(r, d, val);
	return 0;
}

int gdb_regs_decode_all(struct gdb_regs *r, const char *hex, size_t len)
{
	size_t pos = 0;

	for (size_t i = 0; i < NR_REGS && pos + 2 * reg_bytes(&regs[i]) <= len; i++) {
		if (decode_one(r, &regs[i], hex + pos))
			return -1;
		pos += 2 * reg_bytes(&regs[i]);
	}
	return 0;
}

int gdb_reg_encode(const struct gdb_regs *r, unsigned regno, char *out, size_t cap)
{
	if (regno >= NR_REGS || cap < 2 * reg_bytes(&regs[regno]))
		return -1;
	return (int)encode_one(r, &regs[regno], out);
}

int gdb_reg_decode(struct gdb_regs *r, unsigned regno, const char *hex, size_t len)
{
	if (regno >= NR_REGS || len != 2 * reg_bytes(&regs[regno]))
		return -1;
	return decode_one(r, &regs[regno], hex);
}
