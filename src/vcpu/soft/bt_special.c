// SPDX-License-Identifier: MIT
/*
 * The translator's own sequences for instructions that cannot run as a
 * copy of themselves: the stack operations (their memory operand is
 * [RSP], and host RSP stays the host's), CALL rel32 and RET (which also
 * end the block), and register DIV/IDIV, whose #DE is checked before the
 * host divides. In every one, the state on the miss path is the state
 * before the instruction, which the interpreter then executes exactly.
 */
#include "vcpu/soft/bt_int.h"

#define R10 10
#define R11 11

/* [REX] op with a register-direct ModRM (reg, rm); w: REX.W */
static void op_rr(struct xlat *x, uint8_t op, bool w, unsigned reg, unsigned rm)
{
	uint8_t rex = (uint8_t)(0x40 | (w ? 8 : 0) | (reg >= 8 ? 4 : 0) | (rm >= 8 ? 1 : 0));

	if (rex != 0x40)
		bt_byte(&x->b, rex);
	bt_byte(&x->b, op);
	bt_byte(&x->b, (uint8_t)(0xc0 | (reg & 7) << 3 | (rm & 7)));
}

/* mov [ptr], g (op 0x89) or mov g, [ptr] (0x8b); ptr is a legacy register, not RSP/RBP */
static void mov_ptr(struct xlat *x, uint8_t op, unsigned g, unsigned ptr)
{
	bt_byte(&x->b, (uint8_t)(0x48 | (g >= 8 ? 4 : 0)));
	bt_byte(&x->b, op);
	bt_byte(&x->b, (uint8_t)((g & 7) << 3 | ptr));
}

/* Guest RSP += d in the context block, flag-free, through the block's scratch T. */
static void add_rsp(struct xlat *x, int d)
{
	bt_xl_evict(x, (uint16_t)(1u << x->tt));
	bt_ld_ctx(&x->b, x->c, x->tt, bt_gpr_off(4));
	bt_lea(&x->b, x->tt, x->tt, 0xff, 1, d);
	bt_st_ctx(&x->b, x->c, bt_gpr_off(4), x->tt);
}

void bt_emit_push_pop(struct xlat *x, const struct bt_plan *p, uint64_t rip, unsigned k)
{
	struct bt_misses m = { .n = 0 };
	uint16_t dirty = bt_xl_mem(x, p, rip + p->len, &m);

	if (p->kind == BTK_PUSH && (p->reg == 0xff || p->reg == 4)) {
		/* an immediate, or RSP as it was before the push (tt is scratch after the probe) */
		if (p->reg == 0xff)
			bt_mov_imm64(&x->b, x->tt, p->target);
		else
			bt_ld_ctx(&x->b, x->c, x->tt, bt_gpr_off(4));
		mov_ptr(x, 0x89, x->tt, p->ptr);
		add_rsp(x, -8);
	} else if (p->kind == BTK_PUSH) {
		bt_xl_use(x, p->reg);
		mov_ptr(x, 0x89, p->reg, p->ptr);
		add_rsp(x, -8);
	} else {
		add_rsp(x, 8);
		mov_ptr(x, 0x8b, p->reg, p->ptr);
		x->cached |= (uint16_t)(1u << p->reg);
		x->dirty |= (uint16_t)(1u << p->reg);
	}
	bt_xl_miss(x, &m, dirty, rip, k, bt_probe_restore, sizeof(bt_probe_restore));
}

/* The registers are all home (the block ends here). */
void bt_emit_call(struct xlat *x, const struct bt_plan *p, uint64_t rip, unsigned k)
{
	struct bt_misses m = { .n = 0 };
	uint16_t dirty = bt_xl_mem(x, p, rip + p->len, &m);

	bt_mov_imm64(&x->b, R11, rip + p->len);
	mov_ptr(x, 0x89, R11, p->ptr);
	add_rsp(x, -8);
	bt_xl_miss(x, &m, dirty, rip, k, bt_probe_restore, sizeof(bt_probe_restore));
	bt_xl_chain(x, p->target, k + 1);
}

/*
 * The return address goes through the jump cache; when it misses, through
 * BT_EXIT_RET: the dispatcher checks it is canonical (else it undoes the
 * RET and the interpreter raises #GP at it) and finds its block.
 */
void bt_emit_ret(struct xlat *x, const struct bt_plan *p, uint64_t rip, unsigned k)
{
	struct bt_misses m = { .n = 0 };
	uint16_t dirty = bt_xl_mem(x, p, rip + p->len, &m);

	mov_ptr(x, 0x8b, R10, p->ptr);
	add_rsp(x, 8);
	bt_xl_miss(x, &m, dirty, rip, k, bt_probe_restore, sizeof(bt_probe_restore));
	bt_mov_imm64(&x->b, R11, rip);
	bt_st_ctx(&x->b, x->c, offsetof(struct bt_ctx, from), R11);
	bt_jc_emit(x, k + 1, BT_EXIT_RET);
}

/* LEAVE: the read of [RBP] first (a miss leaves RSP and RBP as they were), then RSP, RBP. */
void bt_emit_leave(struct xlat *x, const struct bt_plan *p, uint64_t rip, unsigned k)
{
	struct bt_misses m = { .n = 0 };
	uint16_t dirty = bt_xl_mem(x, p, rip + p->len, &m);

	bt_xl_use(x, 5);
	bt_lea(&x->b, x->tt, 5, 0xff, 1, 8); /* T = RBP + 8 (tt is scratch after the probe) */
	bt_st_ctx(&x->b, x->c, bt_gpr_off(4), x->tt);
	mov_ptr(x, 0x8b, 5, p->ptr);
	x->cached |= (uint16_t)(1u << 5);
	x->dirty |= (uint16_t)(1u << 5);
	bt_xl_miss(x, &m, dirty, rip, k, bt_probe_restore, sizeof(bt_probe_restore));
}

/*
 * The rest of an indirect CALL whose target is parked in ctx.target: the
 * push's probe, then (the flags still in AX) the SDM's check that the
 * target is canonical, #GP(0) before anything is pushed; the return
 * address stored, and on through the jump cache. Any miss leaves with
 * nothing changed: the interpreter runs the CALL.
 */
static void call_target(struct xlat *x, const struct bt_plan *p, uint64_t rip, unsigned k,
			struct bt_misses *m, uint16_t dirty)
{
	static const uint8_t canon[] = {
		0x4d, 0x89, 0xd3,	/* mov r11, r10 */
		0x49, 0xc1, 0xfb, 0x2f, /* sar r11, 47: 0 or -1 when canonical */
		0x49, 0xff, 0xc3,	/* inc r11 */
		0x49, 0x83, 0xfb, 0x01, /* cmp r11, 1 */
	};
	struct bt_plan push = { .ptr = 3, .base = 4, .index = 0xff, .scale = 1, .seg = 0xff,
				.disp = -8, .acc = BT_TP_W, .memsize = 8 };

	bt_xl_mem_open(x, &push, rip + p->len, m);
	bt_ld_ctx(&x->b, x->c, R10, offsetof(struct bt_ctx, target));
	bt_bytes(&x->b, canon, sizeof(canon));
	bt_xl_miss_jcc(x, m, 0x7); /* ja: not canonical */
	bt_bytes(&x->b, bt_probe_restore, sizeof(bt_probe_restore));
	bt_mov_imm64(&x->b, R11, rip + p->len);
	mov_ptr(x, 0x89, R11, push.ptr);
	add_rsp(x, -8);
	bt_xl_miss(x, m, dirty, rip, k, bt_probe_restore, sizeof(bt_probe_restore));
	bt_ld_ctx(&x->b, x->c, R10, offsetof(struct bt_ctx, target));
	bt_jc_emit(x, k + 1, BT_EXIT_NEXT);
}

/* CALL qword [mem] (the registers are all home: the block ends here): the target read first. */
void bt_emit_call_mem(struct xlat *x, const struct bt_plan *p, uint64_t rip, unsigned k)
{
	struct bt_misses m = { .n = 0 };
	uint16_t dirty = bt_xl_mem(x, p, rip + p->len, &m);

	mov_ptr(x, 0x8b, R10, p->ptr);
	bt_st_ctx(&x->b, x->c, offsetof(struct bt_ctx, target), R10);
	call_target(x, p, rip, k, &m, dirty);
}

/* CALL r64 (the registers are all home). */
void bt_emit_call_reg(struct xlat *x, const struct bt_plan *p, uint64_t rip, unsigned k)
{
	struct bt_misses m = { .n = 0 };

	bt_ld_ctx(&x->b, x->c, R10, bt_gpr_off(p->reg));
	bt_st_ctx(&x->b, x->c, offsetof(struct bt_ctx, target), R10);
	call_target(x, p, rip, k, &m, 0);
}

/*
 * JMP r64 (the registers are all home): through the jump cache, whose hits
 * are blocks (canonical); a miss leaves with BT_EXIT_JMP and the
 * dispatcher raises #GP at the JMP for a non-canonical target.
 */
void bt_emit_jmp_reg(struct xlat *x, const struct bt_plan *p, uint64_t rip, unsigned k)
{
	bt_ld_ctx(&x->b, x->c, R10, bt_gpr_off(p->reg));
	bt_mov_imm64(&x->b, R11, rip);
	bt_st_ctx(&x->b, x->c, offsetof(struct bt_ctx, from), R11);
	bt_jc_emit(x, k + 1, BT_EXIT_JMP);
}

/*
 * PUSHFQ: the guest's arithmetic flags are the host's (pushfq), its other
 * bits the vCPU's RFLAGS, which translated code never changes but CLI
 * (VM and RF pushed as 0, as the interpreter). The host's image waits on
 * the host stack across the probe; a miss drops it.
 */
void bt_emit_pushf(struct xlat *x, const struct bt_plan *p, uint64_t rip, unsigned k)
{
	static const uint8_t miss[] = { 0x04, 0x7f, 0x9e,		/* add al, 0x7f; sahf */
					0x48, 0x8d, 0x64, 0x24, 0x08 }; /* lea rsp, [rsp + 8] */
	static const uint8_t or_[] = { 0x0b }, mov_ld[] = { 0x8b };
	struct bt_misses m = { .n = 0 };
	unsigned t = x->te, u = x->tb;
	uint16_t dirty;

	bt_byte(&x->b, 0x9c); /* pushfq */
	dirty = bt_xl_mem_open(x, p, rip + p->len, &m);
	if (t >= 8)
		bt_byte(&x->b, 0x41);
	bt_byte(&x->b, (uint8_t)(0x58 | (t & 7))); /* pop t */
	bt_ri32(&x->b, true, 0x81, 4, t, (uint32_t)FL_ARITH); /* and t, ARITH */
	bt_mov_imm64(&x->b, u, x->rflags);
	bt_rm(&x->b, true, mov_ld, 1, u, u, 0); /* mov u, [u] */
	bt_ri32(&x->b, true, 0x81, 4, u, (uint32_t) ~(FL_ARITH | FL_VM | FL_RF)); /* and u */
	bt_rr(&x->b, true, or_, 1, t, u);	/* or t, u */
	mov_ptr(x, 0x89, t, p->ptr);
	bt_bytes(&x->b, bt_probe_restore, sizeof(bt_probe_restore));
	add_rsp(x, -8);
	bt_xl_miss(x, &m, dirty, rip, k, miss, sizeof(miss));
}

/* CLI at CPL 0 (never #GP there): IF cleared, the guest flags kept on the host stack around it. */
void bt_emit_cli(struct xlat *x)
{
	unsigned t = x->tt;

	bt_xl_evict(x, (uint16_t)(1u << t));
	bt_mov_imm64(&x->b, t, x->rflags);
	bt_byte(&x->b, 0x9c); /* pushfq */
	bt_rm(&x->b, true, (const uint8_t[]){ 0x81 }, 1, 4, t, 0); /* and qword [T], imm32 */
	bt_u32(&x->b, (uint32_t)~FL_IF);
	bt_byte(&x->b, 0x9d); /* popfq */
}

/* MOV r32/r64, Sreg: movzx r32, word [the selector], flag-free. */
void bt_emit_mov_sreg(struct xlat *x, const struct bt_plan *p)
{
	static const uint8_t movzx[] = { 0x0f, 0xb7 };
	unsigned r = p->reg;

	bt_mov_imm64(&x->b, r, x->sel[p->seg]); /* r is overwritten whole: neither loaded nor stored */
	bt_rm(&x->b, false, movzx, 2, r, r, 0);
	x->cached |= (uint16_t)(1u << r);
	x->dirty |= (uint16_t)(1u << r);
}

/* The divisor from memory: the probe, then mov d, [ptr] (32 bits zero-extended). */
static void load_divisor(struct xlat *x, const struct bt_plan *p, unsigned d, uint64_t rip,
			 unsigned k)
{
	struct bt_misses m = { .n = 0 };
	uint16_t dirty = bt_xl_mem(x, p, rip + p->len, &m);

	bt_rm(&x->b, p->opsize == 8, (const uint8_t[]){ 0x8b }, 1, d, p->ptr, 0);
	bt_xl_miss(x, &m, dirty, rip, k, bt_probe_restore, sizeof(bt_probe_restore));
}

/*
 * Division faults (#DE) only when the divisor is 0 or the quotient does
 * not fit. A memory divisor is read first (a miss: the interpreter's, with
 * nothing changed). Checked first, with the guest flags saved on the host
 * stack (DIV leaves them as they were, as the interpreter does): DIV fits when
 * rDX < divisor; IDIV here only when rDX is rAX's sign extension (CQO/CDQ
 * before it, as compilers emit) and the divisor is not -1. Anything else
 * is the interpreter's.
 */
void bt_emit_div(struct xlat *x, const struct bt_plan *p, uint64_t rip, unsigned k)
{
	static const uint8_t popf[] = { 0x9d };
	struct bt_misses m = { .n = 0 };
	bool w = p->opsize == 8, mem = p->ptr != 0xff;
	/* a memory divisor goes to the block's scratch E (after the probe that used it) */
	unsigned d = mem ? x->te : p->reg, t = d == R11 ? R10 : R11;
	uint16_t dirty;

	if (mem) {
		load_divisor(x, p, d, rip, k);
		t = x->tt;
	}
	bt_xl_evict(x, (uint16_t)(1u << t));
	bt_xl_use(x, 0);
	bt_xl_use(x, 2);
	if (!mem)
		bt_xl_use(x, d);
	dirty = x->dirty;
	bt_byte(&x->b, 0x9c); /* pushfq */
	op_rr(x, 0x85, w, d, d); /* test d, d */
	bt_xl_miss_jcc(x, &m, 0x4); /* jz */
	if (!p->sgn) {
		op_rr(x, 0x39, w, d, 2); /* cmp rdx, d */
		bt_xl_miss_jcc(x, &m, 0x3); /* jae */
	} else {
		op_rr(x, 0x89, w, 0, t); /* mov t, rax */
		op_rr(x, 0xc1, w, 7, t); /* sar t, bits - 1 */
		bt_byte(&x->b, w ? 63 : 31);
		op_rr(x, 0x39, w, 2, t); /* cmp t, rdx */
		bt_xl_miss_jcc(x, &m, 0x5); /* jne */
		op_rr(x, 0x83, w, 7, d); /* cmp d, -1 */
		bt_byte(&x->b, 0xff);
		bt_xl_miss_jcc(x, &m, 0x4); /* je */
	}
	if (mem)
		op_rr(x, 0xf7, w, p->sgn ? 7 : 6, d); /* div/idiv d */
	else
		bt_bytes(&x->b, p->out, p->n);
	bt_byte(&x->b, 0x9d); /* popfq */
	x->cached |= (uint16_t)(1u << 0 | 1u << 2);
	x->dirty |= (uint16_t)(1u << 0 | 1u << 2);
	bt_xl_miss(x, &m, dirty, rip, k, popf, sizeof(popf));
}

#define ARITH_MASK 0x8d5u /* CF PF AF ZF SF OF */

/*
 * An instruction the translator leaves to the interpreter, inside the
 * block: every guest register is home, the flags go to ctx.flags, and
 * bt_helper_step() runs it with the host ABI (RSP 16-byte aligned at the
 * call: the trampoline left it 8 off). The callee-saved host registers
 * come back, but any guest register may have changed: none stays cached.
 * After it, the flags come back from ctx.flags, and either the block goes
 * on or it leaves with ctx.rip as the interpreter left it.
 */
void bt_emit_helper(struct xlat *x, uint64_t rip, unsigned len, uint64_t cpu)
{
	static const uint8_t save[] = { 0x9c, 0x59 };			 /* pushfq; pop rcx */
	static const uint8_t down[] = { 0x48, 0x8d, 0x64, 0x24, 0xf8 }; /* lea rsp, [rsp-8] */
	static const uint8_t call[] = { 0xff, 0xd0, 0x48, 0x8d, 0x64, 0x24, 0x08 }; /* call rax; lea rsp, [rsp+8] */
	static const uint8_t keep[] = { 0x9c, 0x48, 0x81, 0x24, 0x24 }; /* pushfq; and qword [rsp], imm32 */
	static const uint8_t set[] = { 0x48, 0x09, 0x0c, 0x24, 0x9d,	 /* or [rsp], rcx; popfq */
				       0x89, 0xc1, 0xe3 };		 /* mov ecx, eax; jrcxz */
	uint64_t at;

	bt_xl_flush(x);
	x->cached = 0;
	bt_bytes(&x->b, save, sizeof(save));
	bt_st_ctx(&x->b, x->c, offsetof(struct bt_ctx, flags), 1);
	bt_bytes(&x->b, down, sizeof(down));
	bt_mov_imm64(&x->b, 7, cpu);	   /* rdi */
	bt_mov_imm64(&x->b, 6, rip);	   /* rsi */
	bt_mov_imm64(&x->b, 2, rip + len); /* rdx */
	bt_mov_imm64(&x->b, 0, (uint64_t)(uintptr_t)bt_helper_step);
	bt_left_save(&x->b, x->c);
	bt_bytes(&x->b, call, sizeof(call));
	bt_left_load(&x->b, x->c);
	bt_bytes(&x->b, keep, sizeof(keep));
	bt_u32(&x->b, ~ARITH_MASK);
	bt_ld_ctx(&x->b, x->c, 1, offsetof(struct bt_ctx, flags));
	bt_bytes(&x->b, (const uint8_t[]){ 0x81, 0xe1 }, 2); /* and ecx, ARITH */
	bt_u32(&x->b, ARITH_MASK);
	bt_bytes(&x->b, set, sizeof(set));
	at = bt_here(&x->b);
	bt_byte(&x->b, 0);
	bt_byte(&x->b, 0xb8); /* mov eax, BT_EXIT_HELPER */
	bt_u32(&x->b, BT_EXIT_HELPER);
	bt_jcc(&x->b, -1, (uint64_t)(uintptr_t)x->c->epilogue);
	bt_fix8(&x->b, at);
}
