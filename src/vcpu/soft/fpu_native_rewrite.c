// SPDX-License-Identifier: MIT
/*
 * One guest instruction -> one host stub. The instruction is decoded in
 * the guest's mode with every operand (Zydis), and re-encoded for 64-bit
 * mode with: its explicit memory operand replaced by [rip + disp32] of the
 * host operand buffer (ModRM mod=00 rm=101, SIB and displacement dropped,
 * REX.X/REX.B cleared since they extended the base and index); segment
 * overrides and the address-size prefix dropped (the buffer is neither
 * segment- nor 32-bit-relative); a register field naming RSP/ESP/SP/SPL
 * renamed to a scratch register the instruction does not use, which the
 * trampoline loads with guest RSP (the host's RSP is never the guest's:
 * a signal may arrive). Prefixes, opcode, reg field and immediates are the
 * guest's own. The result is decoded again and compared with the original
 * (mnemonic, operand kinds, sizes, registers) before it is ever run.
 */
#include <string.h>

#include "vcpu/soft/exec.h"
#include "vcpu/soft/fpu_native.h"

bool fpu_native_takes(const ZydisDecodedInstruction *zi)
{
	if (zi->encoding != ZYDIS_INSTRUCTION_ENCODING_LEGACY)
		return false; /* VEX/EVEX: no AVX is advertised, they stay #UD */
	switch (zi->meta.isa_ext) {
	case ZYDIS_ISA_EXT_X87:
	case ZYDIS_ISA_EXT_MMX:
	case ZYDIS_ISA_EXT_SSE:
	case ZYDIS_ISA_EXT_SSE2:
	case ZYDIS_ISA_EXT_SSE3:
	case ZYDIS_ISA_EXT_SSSE3:
	case ZYDIS_ISA_EXT_SSE4:
	case ZYDIS_ISA_EXT_MOVBE:
		break;
	default:
		return false;
	}
	switch (zi->meta.isa_set) {
	case ZYDIS_ISA_SET_SSEMXCSR: /* LDMXCSR/STMXCSR: exec_fpu_ctl.c */
	case ZYDIS_ISA_SET_FXSAVE:
	case ZYDIS_ISA_SET_FXSAVE64:
	case ZYDIS_ISA_SET_SSE_PREFETCH:
		return false;
	default:
		break;
	}
	switch (zi->mnemonic) {
	/* state and control instructions of exec_fpu_ctl.c */
	case ZYDIS_MNEMONIC_FNSAVE:
	case ZYDIS_MNEMONIC_FRSTOR:
	case ZYDIS_MNEMONIC_FNSTENV:
	case ZYDIS_MNEMONIC_FLDENV:
	case ZYDIS_MNEMONIC_FNINIT:
	case ZYDIS_MNEMONIC_FNCLEX:
	case ZYDIS_MNEMONIC_FWAIT:
	case ZYDIS_MNEMONIC_FXSAVE:
	case ZYDIS_MNEMONIC_FXSAVE64:
	case ZYDIS_MNEMONIC_FXRSTOR:
	case ZYDIS_MNEMONIC_FXRSTOR64:
	/* ordering and cache hints: the integer table's no-ops */
	case ZYDIS_MNEMONIC_LFENCE:
	case ZYDIS_MNEMONIC_SFENCE:
	case ZYDIS_MNEMONIC_MFENCE:
	case ZYDIS_MNEMONIC_CLFLUSH:
	case ZYDIS_MNEMONIC_MONITOR:
	case ZYDIS_MNEMONIC_MWAIT:
		return false;
	default:
		return true;
	}
}

static bool is_reg_class(ZydisRegister r, ZydisRegisterClass c)
{
	return ZydisRegisterGetClass(r) == c;
}

static bool is_gpr(ZydisRegister r)
{
	ZydisRegisterClass c = ZydisRegisterGetClass(r);

	return c == ZYDIS_REGCLASS_GPR8 || c == ZYDIS_REGCLASS_GPR16 || c == ZYDIS_REGCLASS_GPR32 ||
	       c == ZYDIS_REGCLASS_GPR64;
}

/* GPR number 0..15 of a general-purpose register (AH..BH count as RAX..RBX), or -1. */
static int gpr_index(ZydisRegister r)
{
	ZydisRegister big;

	if (!is_gpr(r))
		return -1;
	big = ZydisRegisterGetLargestEnclosing(ZYDIS_MACHINE_MODE_LONG_64, r);
	return big >= ZYDIS_REGISTER_RAX && big <= ZYDIS_REGISTER_R15
		   ? (int)(big - ZYDIS_REGISTER_RAX)
		   : -1;
}

/* SSE-family instructions whose 16-byte memory operand may be unaligned (SDM). */
bool fnat_unaligned_ok(unsigned m)
{
	switch (m) {
	case ZYDIS_MNEMONIC_MOVUPS:
	case ZYDIS_MNEMONIC_MOVUPD:
	case ZYDIS_MNEMONIC_MOVDQU:
	case ZYDIS_MNEMONIC_LDDQU:
	case ZYDIS_MNEMONIC_PCMPESTRI:
	case ZYDIS_MNEMONIC_PCMPESTRM:
	case ZYDIS_MNEMONIC_PCMPISTRI:
	case ZYDIS_MNEMONIC_PCMPISTRM:
		return true;
	default:
		return false;
	}
}

/*
 * An x87 instruction: its own ISA extension, or SSE3's FISTTP (Zydis
 * files the m16/m64 forms as SSE3X87 and the m32 form as plain SSE3).
 */
static bool is_x87(const ZydisDecodedInstruction *zi)
{
	return zi->meta.isa_ext == ZYDIS_ISA_EXT_X87 || zi->meta.isa_set == ZYDIS_ISA_SET_SSE3X87 ||
	       zi->mnemonic == ZYDIS_MNEMONIC_FISTTP;
}

/*
 * The no-wait x87 instructions the native executor runs: FNSTSW, FNSTCW,
 * and the 8087/287 FNENI, FNDISI and FNSETPM, executed as no-ops that do
 * not wait either (measured: the host raises no #MF for them).
 */
static bool x87_nowait(unsigned m)
{
	return m == ZYDIS_MNEMONIC_FNSTSW || m == ZYDIS_MNEMONIC_FNSTCW ||
	       m == ZYDIS_MNEMONIC_FENI8087_NOP || m == ZYDIS_MNEMONIC_FDISI8087_NOP ||
	       m == ZYDIS_MNEMONIC_FSETPM287_NOP;
}

static unsigned unit_of(const ZydisDecodedInstruction *zi, const ZydisDecodedOperand *zo)
{
	bool mmx = false;
	unsigned i;

	if (is_x87(zi))
		return x87_nowait(zi->mnemonic) ? FNU_X87_NOWAIT : FNU_X87;
	if (zi->meta.isa_ext == ZYDIS_ISA_EXT_MMX)
		return FNU_MMX;
	for (i = 0; i < zi->operand_count; i++) {
		if (zo[i].type != ZYDIS_OPERAND_TYPE_REGISTER)
			continue;
		mmx |= is_reg_class(zo[i].reg.value, ZYDIS_REGCLASS_MMX);
	}
	/*
	 * MOVBE, CRC32, MOVNTI, POPCNT: general-purpose, no CR0/CR4 checks (SDM).
	 * Every other one is SSE even with no XMM register named
	 * (CVT(T)SS2SI/CVT(T)SD2SI r, m): MXCSR, #XM and the SSE checks.
	 */
	if (zi->meta.isa_ext == ZYDIS_ISA_EXT_MOVBE || zi->mnemonic == ZYDIS_MNEMONIC_CRC32 ||
	    zi->mnemonic == ZYDIS_MNEMONIC_MOVNTI || zi->mnemonic == ZYDIS_MNEMONIC_POPCNT)
		return FNU_INT;
	return mmx ? FNU_SSE_MMX : FNU_SSE;
}

static bool x87_control(unsigned m)
{
	return m == ZYDIS_MNEMONIC_FLDCW || m == ZYDIS_MNEMONIC_FNSTCW ||
	       m == ZYDIS_MNEMONIC_FNSTSW;
}

/*
 * The memory operand (explicit, or MASKMOV's implicit [rDI]) into
 * info->ea, its size, access and alignment rule. false if unsupported.
 */
static bool mem_operand(const ZydisDecodedInstruction *zi, const ZydisDecodedOperand *zo,
			struct fnat_info *info, int *explicit_mem)
{
	bool maskmov =
	    zi->mnemonic == ZYDIS_MNEMONIC_MASKMOVQ || zi->mnemonic == ZYDIS_MNEMONIC_MASKMOVDQU;
	unsigned i;

	*explicit_mem = -1;
	for (i = 0; i < zi->operand_count; i++) {
		const ZydisDecodedOperand *z = &zo[i];

		if (z->type != ZYDIS_OPERAND_TYPE_MEMORY)
			continue;
		if (z->visibility != ZYDIS_OPERAND_VISIBILITY_EXPLICIT && !maskmov)
			return false; /* an implicit memory operand we would not redirect */
		if (z->mem.type != ZYDIS_MEMOP_TYPE_MEM || info->memsize)
			return false;
		if (!z->size || z->size % 8 || z->size / 8 > FNAT_BUF_SIZE)
			return false;
		if (!decode_operand(z, &info->ea.op[0]))
			return false;
		info->ea.addrsize = zi->address_width / 8;
		info->ea.nops = 1;
		info->memsize = (uint8_t)(z->size / 8);
		if (z->actions & ZYDIS_OPERAND_ACTION_MASK_READ)
			info->flags |= FNF_MEM_READ;
		if (z->actions & ZYDIS_OPERAND_ACTION_MASK_WRITE)
			info->flags |= FNF_MEM_WRITE;
		if (maskmov)
			info->flags |= FNF_MASKMOV | FNF_MEM_READ | FNF_MEM_WRITE;
		else
			*explicit_mem = (int)i;
		if (info->memsize == 16 && !maskmov && !fnat_unaligned_ok(zi->mnemonic) &&
		    (info->unit == FNU_SSE || info->unit == FNU_SSE_MMX))
			info->flags |= FNF_ALIGN16;
	}
	return !maskmov || (info->flags & FNF_MASKMOV);
}

/*
 * The scratch register for guest RSP: a legacy GPR (no REX needed to name
 * it) that no operand of the instruction uses. R_NONE when RSP is not a
 * register operand; false if RSP is used in a way we cannot rename.
 */
static bool choose_scratch(const ZydisDecodedInstruction *zi, const ZydisDecodedOperand *zo,
			   uint8_t *scratch)
{
	unsigned used = 0, i;
	bool rsp = false;

	*scratch = R_NONE;
	for (i = 0; i < zi->operand_count; i++) {
		const ZydisDecodedOperand *z = &zo[i];
		int g;

		if (z->type == ZYDIS_OPERAND_TYPE_MEMORY) {
			if ((g = gpr_index(z->mem.base)) >= 0)
				used |= 1u << g;
			if ((g = gpr_index(z->mem.index)) >= 0)
				used |= 1u << g;
			continue;
		}
		if (z->type != ZYDIS_OPERAND_TYPE_REGISTER || (g = gpr_index(z->reg.value)) < 0)
			continue;
		used |= 1u << g;
		if (g == R_RSP) {
			if (z->encoding != ZYDIS_OPERAND_ENCODING_MODRM_REG &&
			    z->encoding != ZYDIS_OPERAND_ENCODING_MODRM_RM)
				return false;
			rsp = true;
		}
	}
	if (!rsp)
		return true;
	for (i = 0; i < 8; i++) {
		if (i != R_RSP && !(used & (1u << i))) {
			*scratch = (uint8_t)i;
			return true;
		}
	}
	return false;
}

static bool is_rsp_field(const ZydisDecodedInstruction *zi, const ZydisDecodedOperand *zo,
			 ZydisOperandEncoding enc)
{
	unsigned i;

	for (i = 0; i < zi->operand_count_visible; i++)
		if (zo[i].type == ZYDIS_OPERAND_TYPE_REGISTER && zo[i].encoding == enc &&
		    gpr_index(zo[i].reg.value) == R_RSP)
			return true;
	return false;
}

static bool is_segment_or_asize_prefix(uint8_t b)
{
	return b == 0x26 || b == 0x2e || b == 0x36 || b == 0x3e || b == 0x64 || b == 0x65 ||
	       b == 0x67;
}

/* Encode the stub instruction into out; its length, or 0 if it would exceed 15 bytes. */
static unsigned encode(const ZydisDecodedInstruction *zi, const ZydisDecodedOperand *zo,
		       const uint8_t *b, int mem, uint8_t scratch, uint64_t disp_target,
		       uint64_t insn_addr, uint8_t *out)
{
	bool modrm = zi->attributes & ZYDIS_ATTRIB_HAS_MODRM,
	     is64 = zi->machine_mode == ZYDIS_MACHINE_MODE_LONG_64;
	unsigned n = 0, i, op_end, tail;
	uint8_t tmp[32];

	for (i = 0; i < zi->raw.prefix_count; i++) {
		uint8_t p = b[i];

		if (is_segment_or_asize_prefix(p))
			continue;
		if (is64 && (p & 0xf0) == 0x40 && mem >= 0)
			p &= ~0x03; /* REX.X and REX.B extended the base and index */
		tmp[n++] = p;
	}
	op_end = modrm		       ? zi->raw.modrm.offset
		 : zi->raw.imm[0].size ? zi->raw.imm[0].offset
				       : zi->length;
	for (i = zi->raw.prefix_count; i < op_end; i++)
		tmp[n++] = b[i];
	tail = op_end;
	if (modrm) {
		uint8_t m = b[zi->raw.modrm.offset];
		unsigned reg = (m >> 3) & 7, rm = m & 7, mod = m >> 6;

		if (scratch != R_NONE && is_rsp_field(zi, zo, ZYDIS_OPERAND_ENCODING_MODRM_REG))
			reg = scratch;
		if (scratch != R_NONE && is_rsp_field(zi, zo, ZYDIS_OPERAND_ENCODING_MODRM_RM))
			rm = scratch;
		tail = zi->raw.modrm.offset + 1;
		if (mem >= 0) {
			tail += (zi->attributes & ZYDIS_ATTRIB_HAS_SIB) ? 1 : 0;
			tail += zi->raw.disp.size / 8;
			mod = 0;
			rm = 5;
		}
		tmp[n++] = (uint8_t)(mod << 6 | reg << 3 | rm);
		if (mem >= 0)
			n += 4; /* disp32, filled in below once the length is known */
	}
	for (i = tail; i < zi->length; i++)
		tmp[n++] = b[i];
	if (n > ZYDIS_MAX_INSTRUCTION_LENGTH)
		return 0;
	if (mem >= 0) {
		int64_t d = (int64_t)(disp_target - (insn_addr + n));
		int32_t d32 = (int32_t)d;
		unsigned at = n - (zi->length - tail) - 4;

		memcpy(tmp + at, &d32, 4);
	}
	memcpy(out, tmp, n);
	return n;
}

/* The stub must mean what the guest's instruction meant (see the file comment). */
static bool same_meaning(const ZydisDecoder *d64, const ZydisDecodedInstruction *zi,
			 const ZydisDecodedOperand *zo, const uint8_t *out, unsigned n,
			 uint8_t scratch)
{
	ZydisDecodedInstruction ni;
	ZydisDecodedOperand no[ZYDIS_MAX_OPERAND_COUNT];
	unsigned i;

	if (!ZYAN_SUCCESS(ZydisDecoderDecodeFull(d64, out, n, &ni, no)))
		return false;
	if (ni.length != n || ni.mnemonic != zi->mnemonic ||
	    ni.operand_count_visible != zi->operand_count_visible)
		return false;
	for (i = 0; i < zi->operand_count_visible; i++) {
		const ZydisDecodedOperand *a = &zo[i], *c = &no[i];

		if (a->type != c->type || a->size != c->size)
			return false;
		if (a->type == ZYDIS_OPERAND_TYPE_REGISTER) {
			int ga = gpr_index(a->reg.value);

			if (ga == R_RSP ? gpr_index(c->reg.value) != scratch
					: a->reg.value != c->reg.value)
				return false;
		} else if (a->type == ZYDIS_OPERAND_TYPE_MEMORY) {
			if (c->mem.base != ZYDIS_REGISTER_RIP ||
			    c->mem.index != ZYDIS_REGISTER_NONE)
				return false;
		} else if (a->type == ZYDIS_OPERAND_TYPE_IMMEDIATE) {
			if (a->imm.value.u != c->imm.value.u)
				return false;
		}
	}
	return true;
}

static uint8_t flags_of(const ZydisDecodedInstruction *zi)
{
	const ZydisAccessedFlags *f = zi->cpu_flags;
	uint32_t all;

	if (!f)
		return 0;
	all = f->tested | f->modified | f->set_0 | f->set_1 | f->undefined;
	return (all & FL_ARITH) ? FNF_FLAGS : 0;
}

bool fnat_rewrite(struct fpu_native *fn, const uint8_t *bytes, unsigned len, unsigned code_bits,
		  unsigned slot, struct fnat_info *info)
{
	const ZydisDecoder *d = code_bits == 64	  ? &fn->dec64
				: code_bits == 32 ? &fn->dec32
						  : &fn->dec16;
	ZydisDecodedInstruction zi;
	ZydisDecodedOperand zo[ZYDIS_MAX_OPERAND_COUNT];
	uint8_t out[FNAT_SLOT_SIZE], *rx = fnat_slot_rx(fn, slot);
	unsigned n;
	int mem;
	int32_t rel;

	memset(info, 0, sizeof(*info));
	if (!ZYAN_SUCCESS(ZydisDecoderDecodeFull(d, bytes, len, &zi, zo)) || zi.length != len ||
	    !fpu_native_takes(&zi))
		return false;
	info->unit = (uint8_t)unit_of(&zi, zo);
	/* no x87 or MMX state: XMM0-15 and MXCSR are all it can read or write */
	info->light = fn->light && (info->unit == FNU_SSE || info->unit == FNU_INT);
	info->flags = flags_of(&zi);
	if (is_x87(&zi)) {
		if (x87_control(zi.mnemonic))
			info->flags |= FNF_X87_CONTROL;
		/* SDM vol. 1 8.1.8: bits 2:0 of the first opcode byte, then the ModRM byte */
		info->fop =
		    (uint16_t)((bytes[zi.raw.prefix_count] & 7) << 8 | bytes[zi.raw.modrm.offset]);
	}
	if (!mem_operand(&zi, zo, info, &mem) || !choose_scratch(&zi, zo, &info->scratch))
		return false;
	fnat_arith_form(&zi, zo, info);
	n = encode(&zi, zo, bytes, mem, info->scratch, (uint64_t)(uintptr_t)(fn->data + FNAT_D_BUF),
		   (uint64_t)(uintptr_t)rx, out);
	if (!n || !same_meaning(&fn->dec64, &zi, zo, out, n, info->scratch))
		return false;
	/* jmp rel32 back to the trampoline's epilogue */
	out[n] = 0xe9;
	rel = (int32_t)(fnat_epilogue_rx(fn, info->light) - (rx + n + 5));
	memcpy(out + n + 1, &rel, 4);
	memcpy(fn->rw + (rx - fn->rx), out, n + 5);
	return true;
}
