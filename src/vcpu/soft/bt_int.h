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
 * then executes. Every exit stores rip and the retired count.
 */
#ifndef MINIVMM_SOFT_BT_INT_H
#define MINIVMM_SOFT_BT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <Zydis/Zydis.h>

#include "vcpu/soft/bt.h"
#include "vcpu/soft/exec.h"

/* The context block at the start of the data page (offsets used by emitted code). */
struct bt_ctx {
	uint64_t gpr[16];
	uint64_t flags;	  /* guest RFLAGS in (arithmetic bits used), host RFLAGS out */
	int64_t left;	  /* instruction budget, counted down by every block exit */
	uint64_t rip;	  /* where the guest continues after an exit */
	uint64_t cpu;	  /* struct soft_cpu *: the TLB */
	uint64_t bitmap;  /* vm->code_bitmap */
	uint64_t bpages;  /* vm->code_bitmap_pages */
	uint64_t patch;	  /* BT_EXIT_CHAIN: RX address of the jmp rel32 to point at the target */
	uint64_t src;	  /* BT_EXIT_CHAIN: the struct bt_block that left */
};

/* Why translated code returned (the trampoline's result). */
enum bt_exit {
	BT_EXIT_NEXT = 1,  /* continue at ctx.rip (budget gone or not chainable) */
	BT_EXIT_CHAIN = 2, /* continue at ctx.rip; ctx.patch may be pointed at its block */
	BT_EXIT_STEP = 3,  /* the interpreter executes the instruction at ctx.rip */
};

#define BT_CODE_SIZE (4u << 20) /* code region; full: everything is flushed */
#define BT_DATA_SIZE 4096
#define BT_BLOCK_MAX 32		/* guest instructions per block */
#define BT_BLOCK_ROOM 16384	/* code bytes a block may need at most */
#define BT_NBLOCKS 8192		/* blocks before a flush */
#define BT_HASH 4096

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
	size_t tramp_end;   /* the trampoline's bytes at the start */
	const uint8_t *epilogue;
};

struct bt {
	struct bt_code code;
	ZydisDecoder dec;
	struct bt_block *hash[BT_HASH];
	struct bt_block *blocks; /* BT_NBLOCKS */
	unsigned nblocks;
	uint32_t generation; /* vm->generation the blocks were made under */
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
/* lea dst, [base + index*scale + disp] (base/index 0xff: none) */
void bt_lea(struct bt_buf *b, unsigned dst, unsigned base, unsigned index, unsigned scale,
	    int32_t disp);
/* jcc/jmp rel32 to an address known now, or 0: returns the rx address of the rel32 */
uint64_t bt_jcc(struct bt_buf *b, int cc, uint64_t target); /* cc -1: jmp */
void bt_fix(struct bt_buf *b, uint64_t rel32_at, uint64_t target);
/* op r64, [rip+ctx+off] (REX.W) */
void bt_op_ctx(struct bt_buf *b, const struct bt_code *c, uint8_t op, unsigned reg, unsigned off);
/* Leave with rip = v and retired instructions k: exit code e. */
void bt_exit_to(struct bt_buf *b, const struct bt_code *c, uint64_t rip, unsigned k, int e);
/* Count k retired instructions down from ctx.left; jumps to over when budget remains. */
uint64_t bt_budget(struct bt_buf *b, const struct bt_code *c, unsigned k);
/* The exit of an exhausted budget after bt_budget() (rip: where to go on), fixing its jrcxz. */
void bt_budget_exit(struct bt_buf *b, const struct bt_code *c, uint64_t jrcxz_at, uint64_t rip);

/* ---- one guest instruction (bt_insn.c) ---- */
enum bt_kind { BTK_STEP, BTK_NATIVE, BTK_NOP, BTK_JCC, BTK_JMP };

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
	int64_t disp;
	uint8_t cc;	       /* BTK_JCC: condition 0..15 */
	uint64_t target;       /* BTK_JCC/JMP: linear target */
};

void bt_plan_insn(const ZydisDecoder *d, const uint8_t *bytes, unsigned len, uint64_t rip,
		  struct bt_plan *p);

/* ---- one block (bt_block.c) ---- */
/* Translate the block at cpu->rip (page host copy, offset off); NULL when out of room. */
struct bt_block *bt_translate(struct bt *bt, struct soft_cpu *cpu, const uint8_t *page,
			      unsigned off, uint64_t gpage, const struct cc_page *pg);

#endif
