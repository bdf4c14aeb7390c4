// SPDX-License-Identifier: MIT
/*
 * Register table, target description and register packets. Register
 * values travel in target byte order (little-endian), as gdb expects.
 */
#include "gdb/regs.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "gdb/packet.h"

#define UNAVAILABLE ((size_t)-1)
#define FIELD(f) offsetof(struct vcpu_regs, f), sizeof(((struct vcpu_regs *)0)->f)
#define NONE UNAVAILABLE, 0

struct reg_desc {
	const char *feature; /* starts a new <feature> when it differs from the previous one */
	const char *name;
	unsigned bits;
	const char *type;
	size_t offset; /* in struct vcpu_regs, or UNAVAILABLE */
	size_t field_size;
};

#define CORE "org.gnu.gdb.i386.core"
#define SEGS "org.gnu.gdb.i386.segments"
#define SYS "org.minivmm.x86.sys"

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
    {CORE, "st0", 80, "i387_ext", NONE},
    {CORE, "st1", 80, "i387_ext", NONE},
    {CORE, "st2", 80, "i387_ext", NONE},
    {CORE, "st3", 80, "i387_ext", NONE},
    {CORE, "st4", 80, "i387_ext", NONE},
    {CORE, "st5", 80, "i387_ext", NONE},
    {CORE, "st6", 80, "i387_ext", NONE},
    {CORE, "st7", 80, "i387_ext", NONE},
    {CORE, "fctrl", 32, "int", NONE},
    {CORE, "fstat", 32, "int", NONE},
    {CORE, "ftag", 32, "int", NONE},
    {CORE, "fiseg", 32, "int", NONE},
    {CORE, "fioff", 32, "int", NONE},
    {CORE, "foseg", 32, "int", NONE},
    {CORE, "fooff", 32, "int", NONE},
    {CORE, "fop", 32, "int", NONE},
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
			xml_add(&x, "<feature name=\"%s\">%s", feature,
				strcmp(feature, CORE) ? "" : eflags_type);
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

/* The register's value in target byte order, zero-extended to its size. */
static void reg_get(const struct vcpu_regs *r, const struct reg_desc *d, uint8_t *val)
{
	memset(val, 0, reg_bytes(d));
	memcpy(val, (const uint8_t *)r + d->offset,
	       d->field_size < reg_bytes(d) ? d->field_size : reg_bytes(d));
}

static void reg_set(struct vcpu_regs *r, const struct reg_desc *d, const uint8_t *val)
{
	uint8_t *f = (uint8_t *)r + d->offset;

	memset(f, 0, d->field_size);
	memcpy(f, val, d->field_size < reg_bytes(d) ? d->field_size : reg_bytes(d));
}

static size_t encode_one(const struct vcpu_regs *r, const struct reg_desc *d, char *out)
{
	uint8_t val[16];
	size_t n = reg_bytes(d);

	if (d->offset == UNAVAILABLE) {
		memset(out, 'x', 2 * n);
	} else {
		reg_get(r, d, val);
		gdb_hex_encode(out, val, n);
	}
	return 2 * n;
}

size_t gdb_regs_encode_all(const struct vcpu_regs *r, char *out, size_t cap)
{
	size_t len = 0;

	for (size_t i = 0; i < NR_REGS; i++) {
		if (len + 2 * reg_bytes(&regs[i]) > cap)
			return 0;
		len += encode_one(r, &regs[i], out + len);
	}
	return len;
}

static int decode_one(struct vcpu_regs *r, const struct reg_desc *d, const char *hex)
{
	uint8_t val[16];

	if (d->offset == UNAVAILABLE)
		return 0; /* whatever gdb sends for a register we do not have */
	if (gdb_hex_decode(val, hex, reg_bytes(d)))
		return -1;
	reg_set(r, d, val);
	return 0;
}

int gdb_regs_decode_all(struct vcpu_regs *r, const char *hex, size_t len)
{
	size_t pos = 0;

	for (size_t i = 0; i < NR_REGS && pos + 2 * reg_bytes(&regs[i]) <= len; i++) {
		if (decode_one(r, &regs[i], hex + pos))
			return -1;
		pos += 2 * reg_bytes(&regs[i]);
	}
	return 0;
}

int gdb_reg_encode(const struct vcpu_regs *r, unsigned regno, char *out, size_t cap)
{
	if (regno >= NR_REGS || cap < 2 * reg_bytes(&regs[regno]))
		return -1;
	return (int)encode_one(r, &regs[regno], out);
}

int gdb_reg_decode(struct vcpu_regs *r, unsigned regno, const char *hex, size_t len)
{
	if (regno >= NR_REGS || len != 2 * reg_bytes(&regs[regno]))
		return -1;
	return decode_one(r, &regs[regno], hex);
}
