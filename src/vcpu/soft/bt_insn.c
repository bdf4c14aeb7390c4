// SPDX-License-Identifier: MIT
/*
 * Which guest instructions the translator runs as host instructions, and
 * their rewrite. Translated: integer instructions that cannot fault when
 * their memory operand (if any) is a TLB hit, whose flags and results the
 * host CPU computes exactly as the guest's would (same ISA), and whose
 * registers are general-purpose; Jcc and JMP rel; PUSH/POP r64, CALL
 * rel32 and qword [mem], RET, LEAVE and DIV/IDIV, which have sequences of
 * their own (bt_special.c); LOCKed read-modify-writes of memory; integer
 * SSE (bt_sse.c). Everything else (privileged, I/O, string, other stack
 * forms, 32-bit addressing, x87/MMX/SSE FP, anything CPUID may hide) is
 * BTK_STEP: the interpreter runs it.
 *
 * The rewrite keeps the instruction's bytes, with two changes made in its
 * ModRM byte: a memory operand becomes [ptr] (ptr a legacy register the
 * instruction does not use, holding the host address), and RSP as a
 * register operand becomes another unused legacy register (guest RSP is
 * loaded there: host RSP stays the host's). The result is decoded again
 * and must mean the same, or the instruction is left to the interpreter.
 */
#include <string.h>

#include "vcpu/soft/bt_int.h"

#define NONE 0xff

static bool translatable(ZydisMnemonic m)
{
	switch (m) {
	case ZYDIS_MNEMONIC_MOV: case ZYDIS_MNEMONIC_MOVZX: case ZYDIS_MNEMONIC_MOVSX:
	case ZYDIS_MNEMONIC_MOVSXD: case ZYDIS_MNEMONIC_LEA:
	case ZYDIS_MNEMONIC_ADD: case ZYDIS_MNEMONIC_ADC: case ZYDIS_MNEMONIC_SUB:
	case ZYDIS_MNEMONIC_SBB: case ZYDIS_MNEMONIC_AND: case ZYDIS_MNEMONIC_OR:
	case ZYDIS_MNEMONIC_XOR: case ZYDIS_MNEMONIC_CMP: case ZYDIS_MNEMONIC_TEST:
	case ZYDIS_MNEMONIC_INC: case ZYDIS_MNEMONIC_DEC: case ZYDIS_MNEMONIC_NEG:
	case ZYDIS_MNEMONIC_NOT: case ZYDIS_MNEMONIC_SHL: case ZYDIS_MNEMONIC_SHR:
	case ZYDIS_MNEMONIC_SAR: case ZYDIS_MNEMONIC_ROL: case ZYDIS_MNEMONIC_ROR:
	case ZYDIS_MNEMONIC_RCL: case ZYDIS_MNEMONIC_RCR: case ZYDIS_MNEMONIC_SHLD:
	case ZYDIS_MNEMONIC_SHRD: case ZYDIS_MNEMONIC_IMUL: case ZYDIS_MNEMONIC_MUL:
	case ZYDIS_MNEMONIC_BSWAP: case ZYDIS_MNEMONIC_XCHG: case ZYDIS_MNEMONIC_BT:
	case ZYDIS_MNEMONIC_BTS: case ZYDIS_MNEMONIC_BTR: case ZYDIS_MNEMONIC_BTC:
	case ZYDIS_MNEMONIC_BSF: case ZYDIS_MNEMONIC_BSR:
	case ZYDIS_MNEMONIC_XADD: case ZYDIS_MNEMONIC_CMPXCHG:
	case ZYDIS_MNEMONIC_CBW: case ZYDIS_MNEMONIC_CWDE: case ZYDIS_MNEMONIC_CDQE:
	case ZYDIS_MNEMONIC_CWD: case ZYDIS_MNEMONIC_CDQ: case ZYDIS_MNEMONIC_CQO:
	case ZYDIS_MNEMONIC_CLC: case ZYDIS_MNEMONIC_STC: case ZYDIS_MNEMONIC_CMC:
	case ZYDIS_MNEMONIC_LAHF: case ZYDIS_MNEMONIC_SAHF:
	case ZYDIS_MNEMONIC_SETB: case ZYDIS_MNEMONIC_SETBE: case ZYDIS_MNEMONIC_SETL:
	case ZYDIS_MNEMONIC_SETLE: case ZYDIS_MNEMONIC_SETNB: case ZYDIS_MNEMONIC_SETNBE:
	case ZYDIS_MNEMONIC_SETNL: case ZYDIS_MNEMONIC_SETNLE: case ZYDIS_MNEMONIC_SETNO:
	case ZYDIS_MNEMONIC_SETNP: case ZYDIS_MNEMONIC_SETNS: case ZYDIS_MNEMONIC_SETNZ:
	case ZYDIS_MNEMONIC_SETO: case ZYDIS_MNEMONIC_SETP: case ZYDIS_MNEMONIC_SETS:
	case ZYDIS_MNEMONIC_SETZ:
	case ZYDIS_MNEMONIC_CMOVB: case ZYDIS_MNEMONIC_CMOVBE: case ZYDIS_MNEMONIC_CMOVL:
	case ZYDIS_MNEMONIC_CMOVLE: case ZYDIS_MNEMONIC_CMOVNB: case ZYDIS_MNEMONIC_CMOVNBE:
	case ZYDIS_MNEMONIC_CMOVNL: case ZYDIS_MNEMONIC_CMOVNLE: case ZYDIS_MNEMONIC_CMOVNO:
	case ZYDIS_MNEMONIC_CMOVNP: case ZYDIS_MNEMONIC_CMOVNS: case ZYDIS_MNEMONIC_CMOVNZ:
	case ZYDIS_MNEMONIC_CMOVO: case ZYDIS_MNEMONIC_CMOVP: case ZYDIS_MNEMONIC_CMOVS:
	case ZYDIS_MNEMONIC_CMOVZ:
		return true;
	default:
		return false;
	}
}

/*
 * The read-modify-write instructions a LOCK prefix may precede (SDM vol. 2
 * LOCK): with a memory destination they run as host instructions on the
 * guest's RAM with the prefix kept, so they stay atomic against the other
 * vCPUs' threads and devices.
 */
static bool lockable(ZydisMnemonic m)
{
	switch (m) {
	case ZYDIS_MNEMONIC_ADD: case ZYDIS_MNEMONIC_ADC: case ZYDIS_MNEMONIC_SUB:
	case ZYDIS_MNEMONIC_SBB: case ZYDIS_MNEMONIC_AND: case ZYDIS_MNEMONIC_OR:
	case ZYDIS_MNEMONIC_XOR: case ZYDIS_MNEMONIC_INC: case ZYDIS_MNEMONIC_DEC:
	case ZYDIS_MNEMONIC_NEG: case ZYDIS_MNEMONIC_NOT: case ZYDIS_MNEMONIC_XADD:
	case ZYDIS_MNEMONIC_CMPXCHG: case ZYDIS_MNEMONIC_XCHG: case ZYDIS_MNEMONIC_BTS:
	case ZYDIS_MNEMONIC_BTR: case ZYDIS_MNEMONIC_BTC:
		return true;
	default:
		return false;
	}
}

/* GPR number 0..15 of a general-purpose register (AH..BH: their 64-bit one), else -1. */
int bt_gpr_of(ZydisRegister r)
{
	switch (ZydisRegisterGetClass(r)) {
	case ZYDIS_REGCLASS_GPR8:
	case ZYDIS_REGCLASS_GPR16:
	case ZYDIS_REGCLASS_GPR32:
	case ZYDIS_REGCLASS_GPR64:
		return ZydisRegisterGetId(ZydisRegisterGetLargestEnclosing(ZYDIS_MACHINE_MODE_LONG_64, r));
	default:
		return -1;
	}
}

static bool ignorable(ZydisRegister r)
{
	ZydisRegisterClass c = ZydisRegisterGetClass(r);

	return c == ZYDIS_REGCLASS_FLAGS || c == ZYDIS_REGCLASS_IP;
}

bool bt_take_mem(const ZydisDecodedInstruction *zi, const ZydisDecodedOperand *z,
		 struct bt_plan *p, unsigned max_bits)
{
	int base = bt_gpr_of(z->mem.base), index = bt_gpr_of(z->mem.index);

	if (z->visibility != ZYDIS_OPERAND_VISIBILITY_EXPLICIT || p->memsize ||
	    zi->address_width != 64 || !z->size || z->size % 8 || z->size > max_bits)
		return false;
	if (z->mem.segment == ZYDIS_REGISTER_FS)
		p->seg = SEG_FS;
	else if (z->mem.segment == ZYDIS_REGISTER_GS)
		p->seg = SEG_GS;
	if (z->mem.base == ZYDIS_REGISTER_RIP)
		base = 16;
	else if (z->mem.base != ZYDIS_REGISTER_NONE && base < 0)
		return false;
	if (z->mem.index != ZYDIS_REGISTER_NONE && index < 0)
		return false;
	p->base = base < 0 ? NONE : (uint8_t)base;
	p->index = index < 0 ? NONE : (uint8_t)index;
	p->scale = z->mem.index != ZYDIS_REGISTER_NONE ? z->mem.scale : 1;
	p->disp = z->mem.disp.has_displacement ? z->mem.disp.value : 0;
	p->memsize = (uint8_t)(z->size / 8);
	if (z->actions & ZYDIS_OPERAND_ACTION_MASK_READ)
		p->acc |= BT_TP_R;
	if (z->actions & ZYDIS_OPERAND_ACTION_MASK_WRITE)
		p->acc |= BT_TP_W;
	return p->acc != 0;
}

/* LEA's address from RSP or RIP into p, as a memory operand that is never accessed. */
static bool take_agen(const ZydisDecodedInstruction *zi, const ZydisDecodedOperand *z,
		      struct bt_plan *p)
{
	int index = bt_gpr_of(z->mem.index);

	if (zi->address_width != 64 || z->mem.segment == ZYDIS_REGISTER_FS ||
	    z->mem.segment == ZYDIS_REGISTER_GS ||
	    (z->mem.index != ZYDIS_REGISTER_NONE && index < 0))
		return false;
	p->base = z->mem.base == ZYDIS_REGISTER_RIP ? 16 : 4;
	p->index = index < 0 ? NONE : (uint8_t)index;
	p->scale = z->mem.index != ZYDIS_REGISTER_NONE ? z->mem.scale : 1;
	p->disp = z->mem.disp.has_displacement ? z->mem.disp.value : 0;
	return true;
}

static bool write_defines(const ZydisDecodedInstruction *zi, const ZydisDecodedOperand *z)
{
	switch (zi->mnemonic) {
	case ZYDIS_MNEMONIC_MOV: case ZYDIS_MNEMONIC_MOVZX: case ZYDIS_MNEMONIC_MOVSX:
	case ZYDIS_MNEMONIC_MOVSXD: case ZYDIS_MNEMONIC_LEA:
		return z->actions == ZYDIS_OPERAND_ACTION_WRITE && z->size >= 32;
	default:
		return false;
	}
}

/*
 * The registers each operand uses; *rsp_enc the ModRM field naming RSP
 * (0 none, 1 reg, 2 rm). false: not translatable.
 */
static bool take_operands(const ZydisDecodedInstruction *zi, const ZydisDecodedOperand *zo,
			  struct bt_plan *p, int *rsp_enc, int *mem)
{
	unsigned i;

	*rsp_enc = 0;
	*mem = -1;
	for (i = 0; i < zi->operand_count; i++) {
		const ZydisDecodedOperand *z = &zo[i];
		int g;

		if (z->type == ZYDIS_OPERAND_TYPE_IMMEDIATE)
			continue;
		if (z->type == ZYDIS_OPERAND_TYPE_MEMORY) {
			if (z->mem.type == ZYDIS_MEMOP_TYPE_AGEN &&
			    (z->mem.base == ZYDIS_REGISTER_RSP || z->mem.base == ZYDIS_REGISTER_RIP)) {
				/* LEA from RSP or RIP: the address is computed into ptr */
				if (!take_agen(zi, z, p))
					return false;
				*mem = (int)i;
				continue;
			}
			if (z->mem.type == ZYDIS_MEMOP_TYPE_AGEN) {
				/* LEA: its address registers are plain reads */
				g = bt_gpr_of(z->mem.base);
				if (z->mem.base != ZYDIS_REGISTER_NONE && (g < 0 || g == 4))
					return false;
				if (g >= 0)
					p->load |= 1u << g;
				g = bt_gpr_of(z->mem.index);
				if (z->mem.index != ZYDIS_REGISTER_NONE && g < 0)
					return false;
				if (g >= 0)
					p->load |= 1u << g;
				if (zi->address_width != 64 ||
				    z->mem.segment == ZYDIS_REGISTER_FS ||
				    z->mem.segment == ZYDIS_REGISTER_GS)
					return false;
				continue;
			}
			if (z->mem.type != ZYDIS_MEMOP_TYPE_MEM || !bt_take_mem(zi, z, p, 64))
				return false;
			*mem = (int)i;
			continue;
		}
		if (z->type != ZYDIS_OPERAND_TYPE_REGISTER)
			return false;
		if (ignorable(z->reg.value))
			continue;
		g = bt_gpr_of(z->reg.value);
		if (g < 0)
			return false;
		if (g == 4) {
			if (z->visibility != ZYDIS_OPERAND_VISIBILITY_EXPLICIT)
				return false;
			if (z->encoding == ZYDIS_OPERAND_ENCODING_MODRM_REG)
				*rsp_enc |= 1;
			else if (z->encoding == ZYDIS_OPERAND_ENCODING_MODRM_RM)
				*rsp_enc |= 2;
			else
				return false;
			/* bit 4 stands for guest RSP, carried in p->rsp_host */
		}
		/*
		 * A 32/64-bit MOV/LEA destination is defined whole: no load. (Not
		 * in general: BSF/BSR leave theirs alone on a zero source, which
		 * Linux's ffs()/fls() rely on, though Zydis calls it a write.)
		 */
		if (!write_defines(zi, z))
			p->load |= 1u << g;
		if (z->actions & ZYDIS_OPERAND_ACTION_MASK_WRITE)
			p->store |= 1u << g;
	}
	return true;
}

uint8_t bt_free_legacy(unsigned used)
{
	static const uint8_t order[] = { 3, 6, 7, 1, 2, 0 };
	unsigned i;

	for (i = 0; i < sizeof(order); i++)
		if (!(used & (1u << order[i])))
			return order[i];
	return NONE;
}

static bool drop_prefix(uint8_t b)
{
	return b == 0x26 || b == 0x2e || b == 0x36 || b == 0x3e; /* ignored in 64-bit mode */
}

/* The instruction with its ModRM changed (see the file comment) into p->out. */
static bool rewrite(const ZydisDecodedInstruction *zi, const uint8_t *b, struct bt_plan *p,
		    int rsp_enc, bool mem)
{
	unsigned i, n = 0, tail, off = zi->raw.modrm.offset;
	uint8_t m, reg, rm, mod;

	if (!(zi->attributes & ZYDIS_ATTRIB_HAS_MODRM))
		return false;
	for (i = 0; i < zi->raw.prefix_count; i++) {
		uint8_t x = b[i];

		if (mem && (drop_prefix(x) || x == 0x64 || x == 0x65))
			continue; /* segments: the address in ptr is linear */
		if (mem && (x & 0xf0) == 0x40)
			x &= ~0x03; /* REX.X and REX.B named the base and index */
		p->out[n++] = x;
	}
	for (i = zi->raw.prefix_count; i < off; i++)
		p->out[n++] = b[i];
	m = b[off];
	reg = (m >> 3) & 7;
	rm = m & 7;
	mod = m >> 6;
	if (rsp_enc & 1)
		reg = p->rsp_host;
	if (rsp_enc & 2)
		rm = p->rsp_host;
	tail = off + 1;
	if (mem) {
		tail += (zi->attributes & ZYDIS_ATTRIB_HAS_SIB) ? 1 : 0;
		tail += zi->raw.disp.size / 8;
		mod = 0;
		rm = p->ptr;
	}
	p->out[n++] = (uint8_t)(mod << 6 | reg << 3 | rm);
	for (i = tail; i < zi->length; i++)
		p->out[n++] = b[i];
	if (n > 15)
		return false;
	p->n = (uint8_t)n;
	return true;
}

bool bt_mem_is_ptr(const ZydisDecodedOperand *c, const struct bt_plan *p)
{
	return c->mem.base != ZYDIS_REGISTER_NONE && bt_gpr_of(c->mem.base) == p->ptr &&
	       c->mem.index == ZYDIS_REGISTER_NONE &&
	       !(c->mem.disp.has_displacement && c->mem.disp.value);
}

bool bt_redecode(const ZydisDecoder *d, const ZydisDecodedInstruction *zi,
		 const ZydisDecodedOperand *zo, const struct bt_plan *p, ZydisDecodedOperand *no)
{
	ZydisDecodedInstruction ni;
	unsigned i;

	if (!ZYAN_SUCCESS(ZydisDecoderDecodeFull(d, p->out, p->n, &ni, no)) || ni.length != p->n ||
	    ni.mnemonic != zi->mnemonic || ni.operand_count != zi->operand_count)
		return false;
	for (i = 0; i < zi->operand_count; i++) {
		const ZydisDecodedOperand *a = &zo[i], *c = &no[i];

		if (a->type != c->type || a->size != c->size || a->actions != c->actions ||
		    (a->type == ZYDIS_OPERAND_TYPE_IMMEDIATE && a->imm.value.u != c->imm.value.u))
			return false;
	}
	return true;
}

/* The rewrite must decode to the same instruction on the renamed registers. */
static bool same_meaning(const ZydisDecoder *d, const ZydisDecodedInstruction *zi,
			 const ZydisDecodedOperand *zo, const struct bt_plan *p)
{
	ZydisDecodedOperand no[ZYDIS_MAX_OPERAND_COUNT];
	unsigned i;

	if (!bt_redecode(d, zi, zo, p, no))
		return false;
	for (i = 0; i < zi->operand_count; i++) {
		const ZydisDecodedOperand *a = &zo[i], *c = &no[i];

		if (a->type == ZYDIS_OPERAND_TYPE_REGISTER) {
			if (bt_gpr_of(a->reg.value) == 4 ? bt_gpr_of(c->reg.value) != p->rsp_host ||
								ZydisRegisterGetWidth(ZYDIS_MACHINE_MODE_LONG_64, a->reg.value) !=
								    ZydisRegisterGetWidth(ZYDIS_MACHINE_MODE_LONG_64, c->reg.value)
						      : a->reg.value != c->reg.value)
				return false;
		} else if (a->type == ZYDIS_OPERAND_TYPE_MEMORY &&
			   (a->mem.type == ZYDIS_MEMOP_TYPE_MEM || p->base == 4 || p->base == 16)) {
			if (!bt_mem_is_ptr(c, p))
				return false;
		} else if (a->type == ZYDIS_OPERAND_TYPE_MEMORY) {
			if (a->mem.base != c->mem.base || a->mem.index != c->mem.index ||
			    a->mem.scale != c->mem.scale || a->mem.disp.value != c->mem.disp.value)
				return false;
		}
	}
	return true;
}

/* A stack access of 8 bytes at [RSP + disp] through ptr (never the GPRs in used, nor AX). */
static bool plan_stack(struct bt_plan *p, enum bt_kind kind, int disp, uint8_t acc, unsigned used)
{
	p->ptr = bt_free_legacy(used | 1u << 0 | 1u << 4);
	if (p->ptr == NONE)
		return false;
	p->kind = (uint8_t)kind;
	p->base = 4;
	p->disp = disp;
	p->acc = acc;
	p->memsize = 8;
	return true;
}

/* CALL qword [mem]: its memory operand as any other's; ptr avoids what it is addressed with. */
static bool plan_call_mem(const ZydisDecodedInstruction *zi, const ZydisDecodedOperand *zo,
			  struct bt_plan *p)
{
	unsigned used = 1u << 0 | 1u << 4;

	if (zo[0].type != ZYDIS_OPERAND_TYPE_MEMORY || zo[0].mem.type != ZYDIS_MEMOP_TYPE_MEM ||
	    !bt_take_mem(zi, &zo[0], p, 64) || p->memsize != 8 || p->acc != BT_TP_R)
		return false;
	used |= bt_bit(p->base) | bt_bit(p->index);
	p->ptr = bt_free_legacy(used);
	if (p->ptr == NONE)
		return false;
	p->kind = BTK_CALLM;
	return true;
}

/* MOV r32/r64, Sreg: the selector, zero-extended (SDM); a 16-bit destination stays the interpreter's. */
static bool plan_mov_sreg(const ZydisDecodedInstruction *zi, const ZydisDecodedOperand *zo, int g,
			  struct bt_plan *p)
{
	static const ZydisRegister sregs[] = { ZYDIS_REGISTER_ES, ZYDIS_REGISTER_CS,
					       ZYDIS_REGISTER_SS, ZYDIS_REGISTER_DS,
					       ZYDIS_REGISTER_FS, ZYDIS_REGISTER_GS };
	unsigned i;

	if (zi->opcode != 0x8c || zi->operand_count < 2 || g < 0 || g == 4 ||
	    zo[0].type != ZYDIS_OPERAND_TYPE_REGISTER || zo[0].size < 32 ||
	    zo[1].type != ZYDIS_OPERAND_TYPE_REGISTER)
		return false;
	for (i = 0; i < 6; i++) {
		if (zo[1].reg.value == sregs[i]) {
			p->kind = BTK_MOVSREG;
			p->seg = (uint8_t)i; /* SEG_ES..SEG_GS, the SDM's Sreg order */
			return true;
		}
	}
	return false;
}

/* CALL r64 / JMP r64 (not RSP): the target from the context block, the block's last. */
static bool plan_branch_reg(const ZydisDecodedInstruction *zi, int g, struct bt_plan *p)
{
	if (g == 4)
		return false;
	if (zi->mnemonic == ZYDIS_MNEMONIC_JMP) {
		p->kind = BTK_JMPR;
		return true;
	}
	p->kind = BTK_CALLR;
	return true;
}

/* DIV/IDIV with a memory divisor: read through ptr (never RAX, RDX or an address register). */
static bool plan_div_mem(const ZydisDecodedInstruction *zi, const ZydisDecodedOperand *zo,
			 struct bt_plan *p)
{
	if (zo[0].mem.type != ZYDIS_MEMOP_TYPE_MEM || !bt_take_mem(zi, &zo[0], p, 64) ||
	    p->acc != BT_TP_R)
		return false;
	p->ptr = bt_free_legacy(1u << 0 | 1u << 2 | 1u << 4 | bt_bit(p->base) | bt_bit(p->index));
	return p->ptr != NONE;
}

/*
 * PUSH/POP r64, CALL rel32, RET and DIV/IDIV r32/r64, which bt_block.c
 * emits by their own sequences; false: not one of them (or a form the
 * interpreter keeps: 16-bit operands, RSP itself, RET imm16).
 */
static bool plan_special(const ZydisDecodedInstruction *zi, const ZydisDecodedOperand *zo,
			 uint64_t rip, struct bt_plan *p)
{
	int g = zi->operand_count && zo[0].type == ZYDIS_OPERAND_TYPE_REGISTER
			? bt_gpr_of(zo[0].reg.value)
			: -1;

	p->reg = g < 0 ? NONE : (uint8_t)g;
	switch (zi->mnemonic) {
	case ZYDIS_MNEMONIC_PUSH:
		if (zi->operand_width != 64)
			return false;
		if (zi->opcode == 0x68 || zi->opcode == 0x6a) {
			/* push imm: sign-extended to 64 bits (kept in target) */
			p->target = (uint64_t)zo[0].imm.value.s;
			return plan_stack(p, BTK_PUSH, -8, BT_TP_W, 0);
		}
		if (zi->opcode < 0x50 || zi->opcode > 0x57 || g < 0)
			return false;
		/* push rsp pushes the value before the push */
		return plan_stack(p, BTK_PUSH, -8, BT_TP_W, 1u << g);
	case ZYDIS_MNEMONIC_POP:
		if (zi->opcode < 0x58 || zi->opcode > 0x5f || zi->operand_width != 64 || g < 0 ||
		    g == 4)
			return false;
		return plan_stack(p, BTK_POP, 0, BT_TP_R, 1u << g);
	case ZYDIS_MNEMONIC_CALL:
	case ZYDIS_MNEMONIC_JMP:
		if (zi->opcode == 0xff && zi->operand_width == 64 && g >= 0)
			return plan_branch_reg(zi, g, p);
		if (zi->mnemonic == ZYDIS_MNEMONIC_JMP)
			return false;
		if (zi->opcode == 0xff && zi->operand_width == 64)
			return plan_call_mem(zi, zo, p);
		if (zi->opcode != 0xe8 || zi->operand_width != 64)
			return false;
		p->target = rip + zi->length + (uint64_t)zo[0].imm.value.s;
		return plan_stack(p, BTK_CALL, -8, BT_TP_W, 0);
	case ZYDIS_MNEMONIC_RET:
		if (zi->opcode != 0xc3 || zi->operand_width != 64)
			return false;
		return plan_stack(p, BTK_RET, 0, BT_TP_R, 0);
	case ZYDIS_MNEMONIC_MOV:
		return plan_mov_sreg(zi, zo, g, p);
	case ZYDIS_MNEMONIC_PUSHFQ:
		return zi->operand_width == 64 && plan_stack(p, BTK_PUSHF, -8, BT_TP_W, 0);
	case ZYDIS_MNEMONIC_CLI:
		p->kind = BTK_CLI; /* at CPL 0 only (bt_block.c) */
		return true;
	case ZYDIS_MNEMONIC_LEAVE:
		if (zi->operand_width != 64 || !plan_stack(p, BTK_LEAVE, 0, BT_TP_R, 1u << 5))
			return false;
		p->base = 5; /* [RBP] */
		return true;
	case ZYDIS_MNEMONIC_DIV:
	case ZYDIS_MNEMONIC_IDIV:
		if ((zo[0].size != 32 && zo[0].size != 64) ||
		    (zo[0].type == ZYDIS_OPERAND_TYPE_MEMORY ? !plan_div_mem(zi, zo, p)
							     : g < 0 || g == 4))
			return false;
		p->kind = BTK_DIV;
		p->opsize = (uint8_t)(zo[0].size / 8);
		p->sgn = zi->mnemonic == ZYDIS_MNEMONIC_IDIV;
		return true;
	default:
		return false;
	}
}

/* Control may go elsewhere than the next instruction (or the mode may change). */
static bool transfers_control(const ZydisDecodedInstruction *zi)
{
	switch (zi->meta.category) {
	case ZYDIS_CATEGORY_CALL: case ZYDIS_CATEGORY_COND_BR: case ZYDIS_CATEGORY_UNCOND_BR:
	case ZYDIS_CATEGORY_RET: case ZYDIS_CATEGORY_INTERRUPT: case ZYDIS_CATEGORY_SYSCALL:
	case ZYDIS_CATEGORY_SYSRET: case ZYDIS_CATEGORY_SYSTEM:
		return true;
	default:
		return zi->mnemonic == ZYDIS_MNEMONIC_HLT || zi->mnemonic == ZYDIS_MNEMONIC_UD2;
	}
}

static void plan_branch(const ZydisDecodedInstruction *zi, const ZydisDecodedOperand *zo,
			uint64_t rip, struct bt_plan *p)
{
	if (zi->operand_width != 64 || zo[0].type != ZYDIS_OPERAND_TYPE_IMMEDIATE ||
	    !zo[0].imm.is_relative)
		return;
	p->target = rip + zi->length + (uint64_t)zo[0].imm.value.s;
	if (zi->mnemonic == ZYDIS_MNEMONIC_JMP) {
		p->kind = BTK_JMP;
	} else {
		p->cc = zi->opcode & 0xf; /* 70+cc, 0F 80+cc */
		p->kind = BTK_JCC;
	}
}

void bt_plan_insn(const ZydisDecoder *d, const uint8_t *bytes, unsigned len, uint64_t rip,
		  bool sse, struct bt_plan *p)
{
	ZydisDecodedInstruction zi;
	ZydisDecodedOperand zo[ZYDIS_MAX_OPERAND_COUNT];
	int rsp_enc, mem;
	unsigned used;

	memset(p, 0, sizeof(*p));
	p->kind = BTK_STEP;
	p->ends = true;
	p->rsp_host = p->ptr = p->base = p->index = p->seg = NONE;
	if (!ZYAN_SUCCESS(ZydisDecoderDecodeFull(d, bytes, len, &zi, zo)) || zi.length != len ||
	    zi.encoding != ZYDIS_INSTRUCTION_ENCODING_LEGACY ||
	    ((zi.attributes & ZYDIS_ATTRIB_HAS_LOCK) && !lockable(zi.mnemonic)) ||
	    (zi.attributes & (ZYDIS_ATTRIB_HAS_REP | ZYDIS_ATTRIB_HAS_REPE |
			      ZYDIS_ATTRIB_HAS_REPNE | ZYDIS_ATTRIB_HAS_XACQUIRE |
			      ZYDIS_ATTRIB_HAS_XRELEASE)))
		return;
	p->len = (uint8_t)len;
	p->ends = transfers_control(&zi);
	if ((zi.mnemonic == ZYDIS_MNEMONIC_JMP && zi.opcode != 0x0f && zi.opcode != 0xff) ||
	    mnemonic_is_jcc(zi.mnemonic)) {
		if (zi.mnemonic == ZYDIS_MNEMONIC_JMP && zi.opcode != 0xe9 && zi.opcode != 0xeb)
			return;
		plan_branch(&zi, zo, rip, p);
		return;
	}
	if (zi.mnemonic == ZYDIS_MNEMONIC_NOP || zi.mnemonic == ZYDIS_MNEMONIC_PREFETCHT0 ||
	    zi.mnemonic == ZYDIS_MNEMONIC_PREFETCHT1 || zi.mnemonic == ZYDIS_MNEMONIC_PREFETCHT2 ||
	    zi.mnemonic == ZYDIS_MNEMONIC_PREFETCHNTA || zi.mnemonic == ZYDIS_MNEMONIC_PREFETCHW) {
		/* hints: never a fault, no architectural effect (the interpreter's exec_nop) */
		p->kind = BTK_NOP;
		return;
	}
	if (plan_special(&zi, zo, rip, p)) {
		memcpy(p->out, bytes, len);
		p->n = (uint8_t)len;
		return;
	}
	if (!translatable(zi.mnemonic)) {
		struct bt_plan step = *p;

		if (!sse || !bt_plan_sse(d, &zi, zo, bytes, p))
			*p = step; /* the interpreter's, with nothing half-planned */
		return;
	}
	/* LOCK without a memory destination is #UD: the interpreter's */
	if (!take_operands(&zi, zo, p, &rsp_enc, &mem) ||
	    ((zi.attributes & ZYDIS_ATTRIB_HAS_LOCK) && (mem < 0 || !(p->acc & BT_TP_W))))
		return;
	/* BT* with a register bit offset address beyond the operand: interpreter */
	if (mem >= 0 && (zi.mnemonic == ZYDIS_MNEMONIC_BT || zi.mnemonic == ZYDIS_MNEMONIC_BTS ||
			 zi.mnemonic == ZYDIS_MNEMONIC_BTR || zi.mnemonic == ZYDIS_MNEMONIC_BTC) &&
	    zo[1].type == ZYDIS_OPERAND_TYPE_REGISTER)
		return;
	used = p->load | p->store | 1u << 4;
	if (mem >= 0) {
		p->ptr = bt_free_legacy(used | 1u << 0); /* AX carries the flags around the probe */
		if (p->ptr == NONE)
			return;
		used |= 1u << p->ptr;
	}
	if (rsp_enc) {
		p->rsp_host = bt_free_legacy(used);
		if (p->rsp_host == NONE)
			return;
	}
	if (mem < 0 && !rsp_enc) {
		memcpy(p->out, bytes, len);
		p->n = (uint8_t)len;
	} else if (!rewrite(&zi, bytes, p, rsp_enc, mem >= 0) || !same_meaning(d, &zi, zo, p)) {
		return;
	}
	p->kind = BTK_NATIVE;
}

void bt_plan_step(struct bt_plan *p)
{
	struct bt_plan step = { .kind = BTK_STEP, .len = p->len, .ends = p->ends,
				.rsp_host = NONE, .ptr = NONE, .base = NONE, .index = NONE,
				.seg = NONE };

	*p = step;
}

void bt_plan_regs(const struct bt_plan *p, uint16_t *use, uint16_t *def, uint16_t *host)
{
	uint16_t u = (uint16_t)(p->load | p->store), d = p->store;

	if (p->ptr != NONE) {
		u |= bt_bit(p->base) | bt_bit(p->index);
		*host |= bt_bit(p->ptr);
	}
	*host |= bt_bit(p->rsp_host);
	if (p->kind == BTK_PUSH || p->kind == BTK_POP || p->kind == BTK_DIV ||
	    p->kind == BTK_CALLR || p->kind == BTK_JMPR)
		u |= bt_bit(p->reg);
	if (p->kind == BTK_LEAVE)
		d |= bt_bit(5);
	if (p->kind == BTK_MOVSREG) {
		u |= bt_bit(p->reg);
		d |= bt_bit(p->reg);
	}
	if (p->kind == BTK_POP)
		d |= bt_bit(p->reg);
	if (p->kind == BTK_DIV) {
		u |= bt_bit(0) | bt_bit(2);
		d |= bt_bit(0) | bt_bit(2);
	}
	*use |= u;
	*def |= d;
}
