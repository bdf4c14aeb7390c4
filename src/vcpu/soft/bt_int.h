/* SPDX-License-Identifier: MIT */
/*
 * Internals of the binary translator (bt.h), shared by its files.
 *
 * Execution model. Translated code runs between a trampoline that saves
 * the host's callee-saved registers and an epilogue that restores them;
 * host RSP is never touched (signals may arrive). While it runs, the
 * guest's GPRs live in the context block (struct bt_ctx, the RW data page
 * right after the code, reached RIP-relative) and the guest's arithmetic
 * flags live in the host's RFLAGS: every translated instruction loads the
 * registers it uses into the same host registers with MOV (which leaves
 * the flags alone), runs as a copy of itself, and stores what it wrote.
 * A memory operand becomes [ptr] after an inline probe of the MMU's TLB
 * (flags saved in AX by LAHF/SETO around it); a miss, an MMIO page, a
 * page crossing or a write to a page holding decoded code leaves the
 * block with the state exact at that instruction, which the interpreter
 * then executes. Every exit stores rip and the retired count. Host XMM15
 * holds the instruction budget; the guest's XMM registers stay in the
 * vCPU's x87/SSE image, and an integer SSE instruction loads the ones it
 * names into host XMM0/XMM1 around its copy (bt_sse.c).
 *
 * Within a block the guest registers stay in their host registers once
 * loaded (struct xlat), a taken Jcc leaves through a side exit that stores
 * them, and the block goes on after it. Control reaches the next block by
 * a patched jump when both are on one guest page (the entry's lookup
 * validated that page for all of them), and otherwise through the jump
 * cache (bt_jcache.c), which also serves RET and the indirect CALL/JMP.
 */
#ifndef MINIVMM_SOFT_BT_INT_H
#define MINIVMM_SOFT_BT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <Zydis/Zydis.h>

#include "vcpu/soft/bt.h"
#include "vcpu/soft/exec.h"
#include "vcpu/soft/fpu_native.h"

#define BT_NEGK 64 /* budget decrements with a constant of their own */

/* The context block at the start of the data page (offsets used by emitted code). */
struct bt_ctx {
	uint64_t gpr[16];
	uint64_t flags;	  /* guest RFLAGS in (arithmetic bits used), host RFLAGS out */
	int64_t left;	  /* instruction budget, counted down by every block exit */
	uint64_t rip;	  /* where the guest continues after an exit */
	uint64_t bitmap;  /* vm->code_bitmap */
	uint64_t tlb;	  /* the vCPU's TLB (struct tlb_entry[TLB_ENTRIES]) */
	uint64_t patch;	  /* BT_EXIT_CHAIN: RX address of the jmp rel32 to point at the target */
	uint64_t src;	  /* BT_EXIT_CHAIN: the struct bt_block that left */
	uint64_t from;	  /* BT_EXIT_RET/JMP: the RET's or JMP's own rip */
	int64_t negk[BT_NEGK][2]; /* {-k, 0}: PADDQ operands (16-byte aligned) */
	/* the x87 bytes of the image as the interpreter's SSE commit leaves them (bt_sse.c) */
	_Alignas(16) uint8_t canon_m[FNAT_CANON_SIZE];
	_Alignas(16) uint8_t canon_v[FNAT_CANON_SIZE];
	uint64_t target; /* BTK_CALLM: the target between its two memory accesses */
};

/* Why translated code returned (the trampoline's result). */
enum bt_exit {
	BT_EXIT_NEXT = 1,  /* continue at ctx.rip (budget gone or not chainable) */
	BT_EXIT_CHAIN = 2, /* continue at ctx.rip; ctx.patch may be pointed at its block */
	BT_EXIT_STEP = 3,  /* the interpreter executes the instruction at ctx.rip */
	BT_EXIT_RET = 4,   /* a RET at ctx.from went to ctx.rip (checked canonical by C) */
	BT_EXIT_HELPER = 5, /* after bt_helper_step(): continue at ctx.rip, or bt->helper_rc */
	BT_EXIT_JMP = 6,   /* a JMP r64 at ctx.from went to ctx.rip (checked canonical by C) */
};

#define BT_CODE_SIZE (32u << 20) /* code region (reserved, touched as used); full: flushed */
#define BT_DATA_SIZE 4096
#define BT_BLOCK_MAX 32		/* guest instructions per block */
#define BT_BLOCK_ROOM 16384	/* code bytes a block may need at most */
#define BT_NBLOCKS 65536	/* blocks before a flush (Debian's Linux boot: ~40k live) */
#define BT_HASH_BITS 15
#define BT_HASH (1u << BT_HASH_BITS)

/* Permission bits of a TLB entry: mmu.c's TP_RS/TP_WS (supervisor), << 3 for user. */
#define BT_TP_R 1
#define BT_TP_W 2

struct bt_block {
	uint64_t lin;	     /* linear address of its first instruction */
	uint64_t gpage;	     /* guest-physical page of its code */
	uint64_t serial;     /* cc_page.serial of the decoded page it came from */
	const void *pg;	     /* that cc_page (compared, never followed) */
	const uint8_t *code; /* RX entry */
	uint8_t cpl;
	uint8_t ninsn;	     /* 0: the first instruction is the interpreter's */
	struct bt_block *hnext;
};

/* The executable region (bt_code.c). */
struct bt_code {
	uint8_t *rx, *rw; /* the same memfd pages: executed / written */
	struct bt_ctx *ctx;
	size_t used;	    /* bytes of code handed out */
	size_t populated;   /* bytes of code faulted in ahead (bt_code_room) */
	size_t tramp_end;   /* the trampoline's bytes at the start */
	const uint8_t *epilogue;
};

/* The jump cache (bt_jcache.c). */
#define BT_JC_SIZE 65536u	/* slots per privilege level: indexed by the low 16 bits */
#define BT_JC_FILL_MAX 4096u	/* slots remembered for a cheap clear; more: clear all */
#define BT_JC_PAGE_BITS 4096u	/* the filter of pages with entries (INVLPG of others keeps them) */

struct bt_jcache {
	uint64_t *lin;	/* [2][BT_JC_SIZE]: CPL 0, CPL 3 */
	uint64_t *host; /* the same shape: translated entries */
	uint32_t filled[BT_JC_FILL_MAX];
	unsigned nfilled;
	/* what the entries were made under */
	uint32_t run_epoch, code_drops;
	uint64_t tlb_flushes, bt_flushes, tlb_page_seq;
	uint64_t pages[BT_JC_PAGE_BITS / 64]; /* a bit per hash of the pages entries are in */
};

int bt_jc_init(struct bt_jcache *j);
void bt_jc_fini(struct bt_jcache *j);
void bt_jc_clear(struct bt_jcache *j);
/* Empty it if anything it was filled under changed. */
void bt_jc_check(struct bt_jcache *j, const struct soft_cpu *cpu, uint64_t bt_flushes);
void bt_jc_fill(struct bt_jcache *j, uint64_t lin, unsigned cpl, const uint8_t *code);
/* The translated entry of lin at cpl, or NULL. */
const uint8_t *bt_jc_find(const struct bt_jcache *j, uint64_t lin, unsigned cpl);
/* The address of the lin or host table of cpl; 0: none (CPL 1, 2). */
uint64_t bt_jc_table(const struct bt_jcache *j, unsigned cpl, bool host);

/* Block starts seen but not translated yet, and how often they ran. */
#define BT_HEAT 4096
#define BT_HOT_DEFAULT 3

struct bt_heat {
	uint64_t key; /* lin ^ cpl */
	uint32_t runs;
};

struct bt {
	struct bt_code code;
	struct bt_heat heat[BT_HEAT];
	unsigned hot; /* runs before a block is translated (SOFT_BT_HOT_ENV) */
	struct bt_jcache jc;
	uint64_t flushes; /* every flush of the blocks (the jump cache's validity) */
	int helper_rc;	  /* bt_helper_step()'s cpu_step() result, for BT_EXIT_HELPER */
	ZydisDecoder dec;
	struct bt_block *hash[BT_HASH];
	struct bt_block *blocks; /* BT_NBLOCKS */
	unsigned nblocks;
	uint32_t generation; /* vm->generation the blocks were made under */
	bool sse;	     /* integer SSE may be translated (the interpreter's light path exists) */
	bool sse_blocks;     /* some block holds translated SSE (valid while SSE is usable) */
};

/* An emit buffer: bytes go to rw, addresses are rx's. */
struct bt_buf {
	uint8_t *rw;
	const uint8_t *rx;
	size_t n, cap;
	bool overflow;
};

int bt_code_init(struct bt_code *c);
void bt_code_fini(struct bt_code *c);
void bt_code_reset(struct bt_code *c);
/* Before a block is written at c->used: its room faulted in, a chunk at a time. */
void bt_code_room(struct bt_code *c);
/* Translated code: run it from entry; returns enum bt_exit. */
int bt_code_enter(struct bt_code *c, const uint8_t *entry);
/* Point the jmp rel32 at rx address patch to target. */
void bt_code_patch(struct bt_code *c, uint64_t patch, const uint8_t *target);

/* ---- host instruction encodings (bt_emit.c) ---- */
void bt_byte(struct bt_buf *b, uint8_t v);
void bt_bytes(struct bt_buf *b, const uint8_t *p, unsigned n);
void bt_u32(struct bt_buf *b, uint32_t v);
uint64_t bt_here(const struct bt_buf *b);
/* mov r64, [rip+ctx+off] / mov [rip+ctx+off], r64 */
void bt_ld_ctx(struct bt_buf *b, const struct bt_code *c, unsigned reg, unsigned off);
void bt_st_ctx(struct bt_buf *b, const struct bt_code *c, unsigned off, unsigned reg);
void bt_mov_imm64(struct bt_buf *b, unsigned reg, uint64_t v);
/* op (1-2 bytes) with ModRM reg, rm register-direct; w: REX.W. Any registers 0-15. */
void bt_rr(struct bt_buf *b, bool w, const uint8_t *op, unsigned nop, unsigned reg, unsigned rm);
/* op with ModRM reg and memory [base + disp8]. */
void bt_rm(struct bt_buf *b, bool w, const uint8_t *op, unsigned nop, unsigned reg, unsigned base,
	   int8_t disp);
/* Group ops with an immediate: op /ext rm, imm8 or imm32. */
void bt_ri8(struct bt_buf *b, bool w, uint8_t op, unsigned ext, unsigned rm, uint8_t imm);
void bt_ri32(struct bt_buf *b, bool w, uint8_t op, unsigned ext, unsigned rm, uint32_t imm);
/* lea dst, [base + index*scale + disp] (base/index 0xff: none) */
void bt_lea(struct bt_buf *b, unsigned dst, unsigned base, unsigned index, unsigned scale,
	    int32_t disp);
/* jcc/jmp rel32 to an address known now, or 0: returns the rx address of the rel32 */
uint64_t bt_jcc(struct bt_buf *b, int cc, uint64_t target); /* cc -1: jmp */
void bt_fix(struct bt_buf *b, uint64_t rel32_at, uint64_t target);
/* Point the rel8 (jrcxz) at rel8_at to here (at most 127 bytes on). */
void bt_fix8(struct bt_buf *b, uint64_t rel8_at);
/* op r64, [rip+ctx+off] (REX.W) */
void bt_op_ctx(struct bt_buf *b, const struct bt_code *c, uint8_t op, unsigned reg, unsigned off);
/* The RX address of offset off in the context block (RIP-relative operands). */
uint64_t bt_ctx_addr(const struct bt_code *c, unsigned off);
/* The budget (ctx.left while in C, XMM15 in translated code): -= k, flag-free. */
void bt_sub_left(struct bt_buf *b, const struct bt_code *c, unsigned k);
/* XMM15 to ctx.left / back (around a call into C, which may clobber it). */
void bt_left_save(struct bt_buf *b, const struct bt_code *c);
void bt_left_load(struct bt_buf *b, const struct bt_code *c);
/* Leave with rip = v and retired instructions k: exit code e. */
void bt_exit_to(struct bt_buf *b, const struct bt_code *c, uint64_t rip, unsigned k, int e);
/* The same with rip in host register reg (not RCX, which the count uses). */
void bt_exit_reg(struct bt_buf *b, const struct bt_code *c, unsigned reg, unsigned k, int e);
/* Count k retired instructions down from ctx.left; jumps to over when budget remains. */
uint64_t bt_budget(struct bt_buf *b, const struct bt_code *c, unsigned k);
/*
 * The same test the other way round: falls through while budget remains,
 * jumps (JRCXZ, rel8 to be fixed) when it is spent; for loops, whose
 * continuing path should be the one without a taken branch.
 */
uint64_t bt_budget_spent(struct bt_buf *b, const struct bt_code *c, unsigned k);
/* The exit of an exhausted budget after bt_budget() (rip: where to go on), fixing its jrcxz. */
void bt_budget_exit(struct bt_buf *b, const struct bt_code *c, uint64_t jrcxz_at, uint64_t rip);

/* ---- one guest instruction (bt_insn.c) ---- */
enum bt_kind {
	BTK_STEP,   /* the interpreter runs it */
	BTK_NATIVE, /* a (rewritten) copy of itself */
	BTK_NOP,
	BTK_JCC,
	BTK_JMP,
	BTK_PUSH,   /* push r64 (reg) */
	BTK_POP,    /* pop r64 (reg) */
	BTK_CALL,   /* call rel32 to target */
	BTK_RET,    /* ret (no immediate) */
	BTK_DIV,    /* div/idiv r32/r64 (reg, opsize; sgn for idiv) with its #DE checked first */
	BTK_SSE,    /* integer SSE on XMM0/XMM1 loaded from the guest's image (bt_sse.c) */
	BTK_LEAVE,  /* leave (64-bit): RSP = RBP + 8, RBP = [RBP] */
	BTK_CALLM,  /* call qword [mem]: the target read, checked canonical, then the push */
	BTK_CALLR,  /* call r64 (reg) */
	BTK_JMPR,   /* jmp r64 (reg) */
	BTK_PUSHF,  /* pushfq: the host's arithmetic flags with the vCPU's other bits */
	BTK_CLI,    /* cli at CPL 0: IF cleared in the vCPU's RFLAGS */
	BTK_MOVSREG, /* mov r32/r64, Sreg (reg; seg: SEG_*) */
};

struct bt_plan {
	uint8_t kind;
	uint8_t len;	       /* guest length */
	uint8_t n;	       /* bytes of the rewritten instruction in out[] */
	uint8_t out[16];
	uint16_t load, store;  /* guest GPRs loaded before / stored after (host reg = same) */
	uint8_t rsp_host;      /* host register carrying guest RSP, 0xff none */
	uint8_t ptr;	       /* host register holding the memory pointer, 0xff no memory */
	uint8_t acc;	       /* BT_TP_R | BT_TP_W of the memory operand */
	uint8_t memsize;
	uint8_t base, index, scale; /* memory operand: GPR numbers (0xff none), 16 = RIP */
	uint8_t seg;	       /* SEG_FS/SEG_GS: its base is added; 0xff: none (base 0) */
	int64_t disp;
	uint8_t cc;	       /* BTK_JCC: condition 0..15 */
	uint64_t target;       /* BTK_JCC/JMP/CALL: linear target; BTK_PUSH of an immediate: it */
	bool ends;	       /* BTK_STEP: may transfer control (the block ends there) */
	uint8_t reg;	       /* BTK_PUSH/POP/DIV/CALLR/JMPR/MOVSREG: the GPR; PUSH: 0xff imm */
	uint8_t opsize;	       /* BTK_DIV: 4 or 8 */
	bool sgn;	       /* BTK_DIV: idiv */
	uint8_t xreg, xrm;     /* BTK_SSE: guest XMM of ModRM.reg / .rm, 0xff none */
	uint8_t xwr;	       /* BTK_SSE: 1 xreg written, 2 xrm written */
	bool align16;	       /* the memory operand must be 16-byte aligned (else #GP(0)) */
};

/* sse: integer SSE may be planned as BTK_SSE (bt_sse.c) */
void bt_plan_insn(const ZydisDecoder *d, const uint8_t *bytes, unsigned len, uint64_t rip,
		  bool sse, struct bt_plan *p);
/*
 * p->out decoded into no[]: false unless it is zi's mnemonic with operands
 * of the same kinds, sizes, accesses and immediates (the caller checks
 * the registers and memory operands it renamed).
 */
bool bt_redecode(const ZydisDecoder *d, const ZydisDecodedInstruction *zi,
		 const ZydisDecodedOperand *zo, const struct bt_plan *p, ZydisDecodedOperand *no);
/* A rewritten memory operand c (decoded) is [p->ptr], no index or displacement. */
bool bt_mem_is_ptr(const ZydisDecodedOperand *c, const struct bt_plan *p);
/* GPR number 0..15 of a general-purpose register (AH..BH: their 64-bit one), else -1. */
int bt_gpr_of(ZydisRegister r);
/* A legacy register (no REX needed) outside used, not RSP/RBP (ModRM forms); 0xff if none. */
uint8_t bt_free_legacy(unsigned used);
/* The explicit memory operand z (at most max_bits) into p; false: not translatable. */
bool bt_take_mem(const ZydisDecodedInstruction *zi, const ZydisDecodedOperand *z,
		 struct bt_plan *p, unsigned max_bits);
/*
 * Adds to *use the guest registers p reads, writes or addresses with, to
 * *def those it writes, to *host the host registers its rewrite borrows
 * (the memory pointer, the register carrying guest RSP).
 */
void bt_plan_regs(const struct bt_plan *p, uint16_t *use, uint16_t *def, uint16_t *host);
/* Back to the interpreter's: p keeps only its length and whether it ends the block. */
void bt_plan_step(struct bt_plan *p);

/* ---- one block (bt_block.c) ---- */
/*
 * A block being translated. Within it, a guest GPR once loaded stays in
 * its host register (cached) until the block ends or the register is
 * needed as scratch; a written one (dirty) is stored back to the context
 * block then, and on every path that leaves the block. Guest RSP is never
 * cached: host RSP stays the host's.
 */
struct bt_side_exit {
	uint64_t at;	/* the jcc's rel32 */
	uint64_t target;
	uint16_t dirty; /* registers to store on the way out */
	uint8_t k;	/* instructions retired when taken */
};

/*
 * A block that branches back to its own start runs as a host loop: its
 * registers are loaded once before the loop label, and the back edge
 * (after counting the budget) jumps to the label with them still in
 * host registers (bt_loop.c). A branch back to an instruction inside the
 * block (an inner loop) jumps to that instruction's code the same way.
 */
struct bt_label {
	uint64_t at;	 /* RX address of the instruction's code */
	uint64_t rip;
	uint16_t cached; /* state the code from there on assumes */
	uint16_t dirty;
	uint8_t index;	 /* the instruction's index in the block */
	uint8_t done;	 /* instructions counted before it (emit_body's done) */
};

/* jcc rel32 to a miss label fixed later: the fixups of one instruction. */
struct bt_misses {
	uint64_t at[8];
	unsigned n;
};

/* A miss path, emitted after the block so that hits fall through (struct xlat). */
struct bt_miss_stub {
	struct bt_misses m;
	uint64_t rip;
	uint16_t dirty;
	uint8_t k, nrestore;
	const uint8_t *restore;
};

struct xlat {
	struct bt_buf b;
	const struct bt_code *c;
	struct bt_block *blk;
	uint64_t cpu; /* struct soft_cpu * (for bt_helper_step()) */
	uint64_t fs_base, gs_base; /* addresses of the vCPU's FS and GS bases */
	uint64_t rflags;	   /* address of the vCPU's RFLAGS (non-arithmetic bits) */
	uint64_t sel[6];	   /* addresses of the vCPU's segment selectors (SEG_*) */
	uint64_t jc_lin, jc_host; /* the jump cache of this block's CPL, or 0 */
	const uint8_t *fpu_area; /* the guest's x87/SSE image (cpu->fpu.area) */
	uint8_t cpl;
	/*
	 * The scratch registers of memory operands: the TLB entry, a temporary,
	 * the code bitmap's byte. Three registers the block does not use when
	 * there are (no evictions then), else R10, R11, R9. Never RAX (the
	 * flags around a probe) or RSP (the host's).
	 */
	uint8_t te, tt, tb;
	uint16_t cached, dirty;
	unsigned nside, nmiss, nlab;
	uint64_t loop_rip; /* the block's start when it loops to it (its label: lab[0]); else 0 */
	/* the arrays last: bt_translate() clears only what comes before them */
	struct bt_side_exit side[BT_BLOCK_MAX]; /* taken Jcc, emitted after the block */
	struct bt_miss_stub miss[BT_BLOCK_MAX + 1]; /* the same for memory misses and #DE */
	struct bt_label lab[BT_BLOCK_MAX]; /* each instruction's code, for inner loops */
};


/* A guest GPR's bit in the cached/dirty/use masks; 0 for a non-GPR (16 and up). */
static inline uint16_t bt_bit(unsigned g)
{
	return g < 16 ? (uint16_t)(1u << g) : 0;
}

unsigned bt_gpr_off(unsigned g);
void bt_xl_store(struct xlat *x, uint16_t mask);
void bt_xl_evict(struct xlat *x, uint16_t mask);
void bt_xl_use(struct xlat *x, unsigned g);
void bt_xl_flush(struct xlat *x);
void bt_xl_miss_jcc(struct xlat *x, struct bt_misses *m, int cc);
/*
 * The memory operand of p (its scratch registers evicted): p->ptr becomes
 * the host pointer after an inline TLB probe whose misses go to m. Returns
 * the dirty set the miss path must store.
 */
uint16_t bt_xl_mem(struct xlat *x, const struct bt_plan *p, uint64_t next_rip,
		   struct bt_misses *m);
/* The same, leaving the guest flags in AX (LAHF/SETO): the caller restores them. */
uint16_t bt_xl_mem_open(struct xlat *x, const struct bt_plan *p, uint64_t next_rip,
			struct bt_misses *m);
/*
 * The misses of m leave at rip after k instructions, restore (n bytes,
 * static) putting the flags back; the path is emitted by bt_xl_emit_misses().
 */
void bt_xl_miss(struct xlat *x, const struct bt_misses *m, uint16_t dirty, uint64_t rip,
		unsigned k, const uint8_t *restore, unsigned n);
void bt_xl_emit_misses(struct xlat *x);
/* The bytes that put back flags saved by the probe (LAHF/SETO in AX). */
extern const uint8_t bt_probe_restore[3];
/* Go on at rip after k instructions: budget, then a patchable jump to its block. */
void bt_xl_chain(struct xlat *x, uint64_t rip, unsigned k);

/* A block that loops to its start (bt_loop.c): the registers of its n plans, loaded. */
void bt_loop_prologue(struct xlat *x, const struct bt_plan *plans, unsigned n, uint64_t start);
/* Before instruction index (rip) of the block, done of them counted: its label. */
void bt_loop_mark(struct xlat *x, unsigned index, uint64_t rip, unsigned done);
/* The label a branch from instruction index (done counted) to target can take, or NULL. */
const struct bt_label *bt_loop_target(const struct xlat *x, uint64_t target, unsigned done);
/* The back edge to l from a point with registers cached/dirty, k instructions uncounted. */
void bt_loop_back(struct xlat *x, const struct bt_label *l, uint16_t cached, uint16_t dirty,
		  unsigned k);
/* A Jcc (condition cc) that is a back edge to l: the loop's path in line, the other jumps on. */
void bt_loop_jcc(struct xlat *x, const struct bt_label *l, int cc, unsigned k);

/* Leave for the guest address in R10 through the jump cache (bt_jcache.c). */
void bt_jc_emit(struct xlat *x, unsigned k, int e);

/*
 * The interpreter, called from translated code for one instruction at rip
 * (BTK_STEP inside a block): 0 when the block may go on at next, else
 * the block must leave (BT_EXIT_HELPER).
 */
uint32_t bt_helper_step(struct soft_cpu *cpu, uint64_t rip, uint64_t next);
void bt_emit_helper(struct xlat *x, uint64_t rip, unsigned len, uint64_t cpu);

/* PUSH, POP, CALL, RET, DIV, LEAVE (bt_special.c); a block ends after CALL and RET. */
void bt_emit_push_pop(struct xlat *x, const struct bt_plan *p, uint64_t rip, unsigned k);
void bt_emit_call(struct xlat *x, const struct bt_plan *p, uint64_t rip, unsigned k);
void bt_emit_ret(struct xlat *x, const struct bt_plan *p, uint64_t rip, unsigned k);
void bt_emit_div(struct xlat *x, const struct bt_plan *p, uint64_t rip, unsigned k);
void bt_emit_leave(struct xlat *x, const struct bt_plan *p, uint64_t rip, unsigned k);
void bt_emit_call_mem(struct xlat *x, const struct bt_plan *p, uint64_t rip, unsigned k);
void bt_emit_call_reg(struct xlat *x, const struct bt_plan *p, uint64_t rip, unsigned k);
void bt_emit_jmp_reg(struct xlat *x, const struct bt_plan *p, uint64_t rip, unsigned k);
void bt_emit_pushf(struct xlat *x, const struct bt_plan *p, uint64_t rip, unsigned k);
void bt_emit_cli(struct xlat *x);
void bt_emit_mov_sreg(struct xlat *x, const struct bt_plan *p);

/* Integer SSE (bt_sse.c): plan one (false: not one of them), emit it, the block's gate. */
bool bt_plan_sse(const ZydisDecoder *d, const ZydisDecodedInstruction *zi,
		 const ZydisDecodedOperand *zo, const uint8_t *bytes, struct bt_plan *p);
void bt_emit_sse(struct xlat *x, const struct bt_plan *p, uint64_t rip, unsigned k);
/* At the start of a block with BTK_SSE: leave for the interpreter unless the x87 part is canonical. */
void bt_emit_sse_gate(struct xlat *x, uint64_t rip);
/* ctx.canon_m/v from the native executor's round-trip masks. */
void bt_sse_canon_init(struct bt_ctx *ctx, const uint8_t (*canon)[FNAT_CANON_SIZE]);

/* Translate the block at cpu->rip (page host copy, offset off); NULL when out of room. */
/* sse: integer SSE is usable now (CR0.EM/TS clear, CR4.OSFXSR set) and may be translated */
struct bt_block *bt_translate(struct bt *bt, struct soft_cpu *cpu, const uint8_t *page,
			      unsigned off, uint64_t gpage, const struct cc_page *pg, bool sse);

#endif
