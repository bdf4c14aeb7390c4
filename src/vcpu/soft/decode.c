// SPDX-License-Identifier: MIT
/*
 * Decode: Zydis -> struct insn. The handler is chosen here, once per
 * decoded instruction, from the table insn_table.c lists by mnemonic,
 * so that the run loop only calls in->fn.
 * Anything without a handler runs exec_undefined (#UD, logged once).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <Zydis/Zydis.h>

#include "vcpu/soft/exec.h"
#include "vcpu/soft/fpu_native.h"

static ZydisDecoder dec16, dec32, dec64;
static struct insn_table table;
static pthread_once_t decode_once = PTHREAD_ONCE_INIT;

static void decode_setup(void)
{
	unsigned m;
	int rc;

	ZydisDecoderInit(&dec16, ZYDIS_MACHINE_MODE_LEGACY_16, ZYDIS_STACK_WIDTH_16);
	ZydisDecoderInit(&dec32, ZYDIS_MACHINE_MODE_LEGACY_32, ZYDIS_STACK_WIDTH_32);
	ZydisDecoderInit(&dec64, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
	rc = insn_table_build(&table, insn_groups, insn_ngroups, &m);
	if (rc) {
		/* a bug in insn_table.c, which its unit test catches first */
		fprintf(stderr, "soft cpu: handler table: mnemonic %s (%u): %s\n",
			ZydisMnemonicGetString((ZydisMnemonic)m), m, strerror(-rc));
		abort();
	}
}

void decode_init(void)
{
	pthread_once(&decode_once, decode_setup);
}

static int gs_seg(ZydisRegister r)
{
	if (r >= ZYDIS_REGISTER_ES && r <= ZYDIS_REGISTER_GS)
		return SEG_ES + (r - ZYDIS_REGISTER_ES);
	return SEG_NONE;
}

/* Zydis register -> R_* (R_NONE when the interpreter has no such register). */
static unsigned map_reg(ZydisRegister r)
{
	if (r >= ZYDIS_REGISTER_AL && r <= ZYDIS_REGISTER_BL)
		return r - ZYDIS_REGISTER_AL;
	if (r >= ZYDIS_REGISTER_AH && r <= ZYDIS_REGISTER_BH)
		return R_AH + (r - ZYDIS_REGISTER_AH);
	if (r >= ZYDIS_REGISTER_SPL && r <= ZYDIS_REGISTER_R15B)
		return 4 + (r - ZYDIS_REGISTER_SPL);
	if (r >= ZYDIS_REGISTER_AX && r <= ZYDIS_REGISTER_R15W)
		return r - ZYDIS_REGISTER_AX;
	if (r >= ZYDIS_REGISTER_EAX && r <= ZYDIS_REGISTER_R15D)
		return r - ZYDIS_REGISTER_EAX;
	if (r >= ZYDIS_REGISTER_RAX && r <= ZYDIS_REGISTER_R15)
		return r - ZYDIS_REGISTER_RAX;
	if (r >= ZYDIS_REGISTER_ES && r <= ZYDIS_REGISTER_GS)
		return R_ES + (r - ZYDIS_REGISTER_ES);
	if (r >= ZYDIS_REGISTER_CR0 && r <= ZYDIS_REGISTER_CR15)
		return R_CR0 + (r - ZYDIS_REGISTER_CR0);
	if (r >= ZYDIS_REGISTER_DR0 && r <= ZYDIS_REGISTER_DR7)
		return R_DR0 + (r - ZYDIS_REGISTER_DR0);
	if (r == ZYDIS_REGISTER_RIP || r == ZYDIS_REGISTER_EIP || r == ZYDIS_REGISTER_IP)
		return R_RIP;
	return R_NONE;
}

static bool is_gpr(unsigned r)
{
	return r <= R_BH;
}

bool decode_operand(const ZydisDecodedOperand *z, struct operand *o)
{
	memset(o, 0, sizeof(*o));
	o->size = z->size / 8;
	o->base = o->index = R_NONE;
	o->seg = SEG_NONE;
	o->reg = R_NONE;
	switch (z->type) {
	case ZYDIS_OPERAND_TYPE_REGISTER:
		o->kind = OP_REG;
		o->reg = map_reg(z->reg.value);
		return o->reg != R_NONE;
	case ZYDIS_OPERAND_TYPE_MEMORY:
		o->kind = OP_MEM;
		o->seg = gs_seg(z->mem.segment);
		o->base = map_reg(z->mem.base);
		o->index = map_reg(z->mem.index);
		o->scale = z->mem.scale ? z->mem.scale : 1;
		o->disp = z->mem.disp.has_displacement ? z->mem.disp.value : 0;
		if (o->base != R_NONE && o->base != R_RIP && !is_gpr(o->base))
			return false;
		if (o->index != R_NONE && !is_gpr(o->index))
			return false;
		if (o->base >= R_AH && o->base <= R_BH)
			return false;
		return true;
	case ZYDIS_OPERAND_TYPE_IMMEDIATE:
		o->kind = OP_IMM;
		o->disp = z->imm.is_signed ? z->imm.value.s : (int64_t)z->imm.value.u;
		if (!o->size)
			o->size = 8;
		return true;
	case ZYDIS_OPERAND_TYPE_POINTER:
		o->kind = OP_PTR;
		o->sel = z->ptr.segment;
		o->disp = z->ptr.offset;
		return true;
	default:
		return false;
	}
}

int exec_gp0(struct soft_cpu *cpu, const struct insn *in)
{
	return cpu_fault(cpu, X_GP, 0);
}

static bool lockable(unsigned m)
{
	switch (m) {
	case ZYDIS_MNEMONIC_ADD: case ZYDIS_MNEMONIC_ADC: case ZYDIS_MNEMONIC_AND:
	case ZYDIS_MNEMONIC_BTC: case ZYDIS_MNEMONIC_BTR: case ZYDIS_MNEMONIC_BTS:
	case ZYDIS_MNEMONIC_CMPXCHG: case ZYDIS_MNEMONIC_CMPXCHG8B:
	case ZYDIS_MNEMONIC_CMPXCHG16B: case ZYDIS_MNEMONIC_DEC: case ZYDIS_MNEMONIC_INC:
	case ZYDIS_MNEMONIC_NEG: case ZYDIS_MNEMONIC_NOT: case ZYDIS_MNEMONIC_OR:
	case ZYDIS_MNEMONIC_SBB: case ZYDIS_MNEMONIC_SUB: case ZYDIS_MNEMONIC_XOR:
	case ZYDIS_MNEMONIC_XADD: case ZYDIS_MNEMONIC_XCHG:
		return true;
	default:
		return false;
	}
}

static bool is_sreg(const struct operand *o)
{
	return o->kind == OP_REG && o->reg >= R_ES && o->reg <= R_GS;
}

static bool is_cr(const struct operand *o)
{
	return o->kind == OP_REG && o->reg >= R_CR0 && o->reg < R_CR0 + 16;
}

static bool is_dr(const struct operand *o)
{
	return o->kind == OP_REG && o->reg >= R_DR0 && o->reg < R_DR0 + 8;
}

/*
 * The system forms of mnemonics the integer ISA shares, which run a
 * system handler instead of the mnemonic's: far JMP/CALL/RET, MOV to or
 * from a control, debug or segment register, POP to a segment register.
 * NULL for every other instruction.
 */
static insn_fn system_form(const struct insn *in, bool far)
{
	unsigned i;

	if (far) {
		switch (in->mnemonic) {
		case ZYDIS_MNEMONIC_JMP:
			return exec_far_jmp;
		case ZYDIS_MNEMONIC_CALL:
			return exec_far_call;
		case ZYDIS_MNEMONIC_RET:
			return exec_far_ret;
		default:
			return NULL;
		}
	}
	if (in->mnemonic == ZYDIS_MNEMONIC_MOV) {
		for (i = 0; i < in->nops; i++) {
			if (is_cr(&in->op[i]))
				return exec_mov_cr;
			if (is_dr(&in->op[i]))
				return exec_mov_dr;
			if (is_sreg(&in->op[i]))
				return exec_mov_sreg;
		}
	}
	if (in->mnemonic == ZYDIS_MNEMONIC_POP && is_sreg(&in->op[0]))
		return exec_pop_sreg;
	return NULL;
}

/* Whether a register operand is not a general-purpose register (integer handlers index gpr[]). */
static bool has_non_gpr(const struct insn *in)
{
	unsigned i;

	for (i = 0; i < in->nops; i++)
		if (in->op[i].kind == OP_REG && in->op[i].reg > R_BH)
			return true;
	return false;
}

/*
 * The handler of a decoded instruction, NULL for #UD. In this order of
 * precedence:
 *  1. a LOCK prefix where the SDM allows none (not a lockable mnemonic,
 *     or no memory destination): #UD;
 *  2. the system form of a shared mnemonic (system_form());
 *  3. a system mnemonic: its handler, which takes every operand form;
 *  4. an operand the interpreter cannot model (ok false), or a register
 *     other than a GPR on an integer handler (PUSH takes segment
 *     registers itself): #UD;
 *  5. an x87/MMX/SSE..SSE4.2 instruction (native: fpu_native_takes())
 *     that has no handler of its own in the table for its operand form
 *     (POPCNT/LZCNT/TZCNT keep their C handlers; SSE's MOVSD/CMPSD share
 *     a mnemonic with the string instructions but name XMM registers):
 *     the native executor, which models every operand itself;
 *  6. a handler specialised for the operand form (exec_fast.c);
 *  7. the mnemonic's handler from the table, if any.
 */
static insn_fn choose_handler(const struct insn *in, bool far, bool ok, bool native)
{
	unsigned m = in->mnemonic;
	insn_fn f;

	if ((in->prefix & PFX_LOCK) && (!lockable(m) || in->nops < 1 || in->op[0].kind != OP_MEM))
		return NULL;
	f = system_form(in, far);
	if (f)
		return f;
	if (table.system[m])
		return table.fn[m];
	if (native && (!table.fn[m] || !ok || has_non_gpr(in)))
		return exec_fpu_native;
	if (!ok || (m != ZYDIS_MNEMONIC_PUSH && has_non_gpr(in)) || !table.fn[m])
		return NULL;
	f = fast_specialize(in);
	return f ? f : table.fn[m];
}

/*
 * Whether a record ends its decoded block: the instruction may change
 * the mode, paging, IF or the interrupt shadow, or the segment state
 * later records were decoded under.
 */
static bool ends_block(const struct insn *in, bool far)
{
	switch (in->mnemonic) {
	case ZYDIS_MNEMONIC_MOV:
		return is_cr(&in->op[0]) || is_cr(&in->op[1]) || is_dr(&in->op[0]) ||
		       is_dr(&in->op[1]) || is_sreg(&in->op[0]);
	case ZYDIS_MNEMONIC_POP:
		return is_sreg(&in->op[0]);
	case ZYDIS_MNEMONIC_LSS:
	case ZYDIS_MNEMONIC_LDS:
	case ZYDIS_MNEMONIC_LES:
	case ZYDIS_MNEMONIC_LFS:
	case ZYDIS_MNEMONIC_LGS:
		return true;
	default:
		return far || table.system[in->mnemonic];
	}
}

/*
 * Whether an instruction may have a hidden memory operand based on
 * (R/E)SI or (R/E)BX, the source of a string instruction's aux segment:
 * only these categories and XLAT (checked over 17 M random encodings in
 * all three modes against ZydisDecoderDecodeFull). Every other instruction
 * needs only its visible operands, which Zydis decodes first and
 * identically, so their hidden ones (flags, stack pointer, ...) are not
 * decoded at all: decoding is most of the cost of code that runs once.
 */
static bool needs_hidden_operands(const ZydisDecodedInstruction *zi)
{
	return zi->meta.category == ZYDIS_CATEGORY_STRINGOP ||
	       zi->meta.category == ZYDIS_CATEGORY_IOSTRINGOP ||
	       zi->meta.category == ZYDIS_CATEGORY_PADLOCK || zi->mnemonic == ZYDIS_MNEMONIC_XLAT;
}

/* ZydisDecoderDecodeFull, minus the hidden operands no one reads. */
static ZyanStatus decode_zydis(const ZydisDecoder *d, const uint8_t *buf, unsigned avail,
			       ZydisDecodedInstruction *zi, ZydisDecodedOperand *zo,
			       unsigned *nops)
{
	ZydisDecoderContext ctx;
	ZyanStatus st;

	st = ZydisDecoderDecodeInstruction(d, &ctx, buf, avail, zi);
	if (!ZYAN_SUCCESS(st))
		return st;
	*nops = needs_hidden_operands(zi) ? zi->operand_count : zi->operand_count_visible;
	return ZydisDecoderDecodeOperands(d, &ctx, zi, zo, (ZyanU8)*nops);
}

int decode_insn(struct soft_cpu *cpu, const uint8_t *buf, unsigned avail, struct insn *in)
{
	ZydisDecodedInstruction zi;
	ZydisDecodedOperand zo[ZYDIS_MAX_OPERAND_COUNT];
	const ZydisDecoder *d;
	ZyanStatus st;
	unsigned i, n, ndecoded = 0;
	bool ok = true, far;

	decode_init();
	d = cpu->code_bits == 64 ? &dec64 : cpu->code_bits == 32 ? &dec32 : &dec16;
	memset(in, 0, sizeof(*in));
	if (avail > ZYDIS_MAX_INSTRUCTION_LENGTH)
		avail = ZYDIS_MAX_INSTRUCTION_LENGTH;
	st = decode_zydis(d, buf, avail, &zi, zo, &ndecoded);
	if (st == ZYDIS_STATUS_NO_MORE_DATA && avail < ZYDIS_MAX_INSTRUCTION_LENGTH)
		return 1;
	in->len = 1;
	if (!ZYAN_SUCCESS(st)) {
		in->fn = st == ZYDIS_STATUS_INSTRUCTION_TOO_LONG ? exec_gp0 : exec_undefined;
		in->len = st == ZYDIS_STATUS_INSTRUCTION_TOO_LONG ? ZYDIS_MAX_INSTRUCTION_LENGTH : 1;
		in->iflags = INSN_F_END;
		return 0;
	}
	in->mnemonic = zi.mnemonic;
	in->len = zi.length;
	in->opsize = zi.operand_width / 8;
	in->addrsize = zi.address_width / 8;
	if (zi.attributes & ZYDIS_ATTRIB_HAS_LOCK)
		in->prefix |= PFX_LOCK;
	if (zi.attributes & (ZYDIS_ATTRIB_HAS_REP | ZYDIS_ATTRIB_HAS_REPE))
		in->prefix |= PFX_REP;
	if (zi.attributes & ZYDIS_ATTRIB_HAS_REPNE)
		in->prefix |= PFX_REPNE;
	in->cc = zi.opcode & 0xf;
	n = zi.operand_count_visible;
	if (n > 3)
		n = 3;
	in->nops = n;
	for (i = 0; i < n; i++)
		if (!decode_operand(&zo[i], &in->op[i]))
			ok = false;
	/* String instructions: aux = segment of the source (overridable) operand. */
	in->aux = SEG_DS;
	for (i = 0; i < ndecoded; i++) {
		const ZydisDecodedOperand *z = &zo[i];

		if (z->type == ZYDIS_OPERAND_TYPE_MEMORY &&
		    (z->mem.base == ZYDIS_REGISTER_RSI || z->mem.base == ZYDIS_REGISTER_ESI ||
		     z->mem.base == ZYDIS_REGISTER_SI || z->mem.base == ZYDIS_REGISTER_RBX ||
		     z->mem.base == ZYDIS_REGISTER_EBX || z->mem.base == ZYDIS_REGISTER_BX) &&
		    z->visibility != ZYDIS_OPERAND_VISIBILITY_EXPLICIT)
			in->aux = gs_seg(z->mem.segment);
	}
	far = zi.meta.branch_type == ZYDIS_BRANCH_TYPE_FAR;
	in->fn = choose_handler(in, far, ok, fpu_native_takes(&zi));
	if (ends_block(in, far) || !in->fn)
		in->iflags |= INSN_F_END;
	if (!in->fn)
		in->fn = exec_undefined;
	if (zi.mnemonic == ZYDIS_MNEMONIC_INT3)
		in->iflags |= INSN_F_INT3;
	return 0;
}

/* ---- unknown opcodes: #UD, logged once per byte sequence ---- */
#define UD_SEEN_MAX 256
static struct {
	uint8_t len;
	uint8_t bytes[15];
} ud_seen[UD_SEEN_MAX];
static unsigned ud_nseen;
static pthread_mutex_t ud_lock = PTHREAD_MUTEX_INITIALIZER;

/* True the first time these bytes are seen (and while the table has room). */
static bool ud_first(const uint8_t *b, unsigned len)
{
	bool first = true;
	unsigned i;

	pthread_mutex_lock(&ud_lock);
	for (i = 0; i < ud_nseen; i++) {
		if (ud_seen[i].len == len && !memcmp(ud_seen[i].bytes, b, len)) {
			first = false;
			break;
		}
	}
	if (first) {
		if (ud_nseen < UD_SEEN_MAX) {
			ud_seen[ud_nseen].len = len;
			memcpy(ud_seen[ud_nseen].bytes, b, len);
			ud_nseen++;
		} else {
			first = false; /* stop logging rather than grow without bound */
		}
	}
	pthread_mutex_unlock(&ud_lock);
	return first;
}

int cpu_undefined(struct soft_cpu *cpu, const struct insn *in)
{
	uint8_t b[15] = { 0 };
	unsigned len = 0, i;
	ZydisDisassembledInstruction dis;
	ZydisMachineMode mode;
	char hex[48];
	uint64_t lin = cpu->seg[SEG_CS].base + cpu->rip;

	/*
	 * Best effort: the bytes as the guest sees them now, from this page
	 * only, so that logging never faults or touches CR2.
	 */
	{
		uint64_t gpa;
		const uint8_t *host;
		unsigned avail;

		if (mem_fetch_translate(cpu, lin, &gpa, &host, &avail) == EXEC_OK) {
			len = avail < sizeof(b) ? avail : sizeof(b);
			memcpy(b, host, len);
		} else {
			cpu->exc.pending = false;
		}
	}
	if (in && in->len && in->len < len && in->mnemonic)
		len = in->len;
	if (len && ud_first(b, len)) {
		mode = cpu->code_bits == 64 ? ZYDIS_MACHINE_MODE_LONG_64 :
		       cpu->code_bits == 32 ? ZYDIS_MACHINE_MODE_LEGACY_32 :
					      ZYDIS_MACHINE_MODE_LEGACY_16;
		for (i = 0; i < len && i < 15; i++)
			snprintf(hex + 3 * i, sizeof(hex) - 3 * i, "%02x ", b[i]);
		if (!ZYAN_SUCCESS(ZydisDisassembleIntel(mode, lin, b, len, &dis)))
			snprintf(dis.text, sizeof(dis.text), "(bad)");
		fprintf(stderr, "soft cpu %u: #UD at %#llx (%u-bit): %s: %s\n", cpu->id,
			(unsigned long long)lin, cpu->code_bits, hex, dis.text);
	}
	return cpu_fault_noerr(cpu, X_UD);
}

int exec_undefined(struct soft_cpu *cpu, const struct insn *in)
{
	return cpu_undefined(cpu, in);
}
