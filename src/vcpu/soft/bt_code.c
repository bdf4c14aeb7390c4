// SPDX-License-Identifier: MIT
/*
 * The translator's executable region: BT_CODE_SIZE bytes of code and the
 * RW data page (struct bt_ctx) right after it, RIP-relative from every
 * block. W^X (wx_map.c): one memfd mapped read+execute
 * where the code runs and read+write elsewhere where it is written, so no
 * mapping is ever writable and executable; made when the vCPU is created
 * (the seccomp sandbox entered later forbids PROT_EXEC). The trampoline
 * at its start is emitted here: a plain C call that keeps the host ABI
 * (callee-saved registers, DF clear, host RSP never replaced) and takes
 * only the arithmetic flags from the guest.
 */
#include <stdlib.h>
#include <string.h>

#include "vcpu/soft/bt_int.h"
#include "vcpu/soft/wx_map.h"

#define ARITH_MASK 0x8d5u /* CF PF AF ZF SF OF */

_Static_assert(offsetof(struct bt_ctx, negk) % 16 == 0 && sizeof(struct bt_ctx) <= BT_DATA_SIZE,
	       "PADDQ's memory operand is 16-byte aligned; the context fits its page");

static void emit_trampoline(struct bt_code *c)
{
	struct bt_buf b = {.rw = c->rw, .rx = c->rx, .cap = 256};
	static const uint8_t push[] = {0x53, 0x55, 0x41, 0x54, 0x41, 0x55, 0x41, 0x56, 0x41, 0x57};
	static const uint8_t pop[] = {0x41, 0x5f, 0x41, 0x5e, 0x41, 0x5d,
				      0x41, 0x5c, 0x5d, 0x5b, 0xc3};
	/* pushfq; and qword [rsp], ~ARITH */
	static const uint8_t clear[] = {0x9c, 0x48, 0x81, 0x24, 0x24};
	/* or [rsp], rax; popfq; jmp rdi */
	static const uint8_t set[] = {0x48, 0x09, 0x04, 0x24, 0x9d, 0xff, 0xe7};

	bt_bytes(&b, push, sizeof(push));
	bt_left_load(&b, c);
	bt_bytes(&b, clear, sizeof(clear));
	bt_u32(&b, ~ARITH_MASK);
	bt_ld_ctx(&b, c, 0, offsetof(struct bt_ctx, flags));
	bt_byte(&b, 0x25); /* and eax, ARITH */
	bt_u32(&b, ARITH_MASK);
	bt_bytes(&b, set, sizeof(set));
	/* the epilogue: eax holds the exit code; host RFLAGS are the guest's */
	c->epilogue = c->rx + b.n;
	bt_left_save(&b, c);
	bt_byte(&b, 0x9c); /* pushfq; pop rcx */
	bt_byte(&b, 0x59);
	bt_st_ctx(&b, c, offsetof(struct bt_ctx, flags), 1);
	bt_bytes(&b, pop, sizeof(pop));
	c->tramp_end = (b.n + 63) & ~(size_t)63;
	c->used = c->tramp_end;
}

int bt_code_init(struct bt_code *c)
{
	uint8_t *data;
	unsigned k;

	memset(c, 0, sizeof(*c));
	if (wx_map_create("minivmm-bt-code", BT_CODE_SIZE, BT_DATA_SIZE, &c->rx, &c->rw, &data))
		return -1;
	c->ctx = (struct bt_ctx *)data;
	for (k = 0; k < BT_NEGK; k++)
		c->ctx->negk[k][0] = -(int64_t)k;
	emit_trampoline(c);
	return 0;
}

void bt_code_fini(struct bt_code *c)
{
	if (!c->rx)
		return;
	wx_map_destroy(c->rx, c->rw, BT_CODE_SIZE, BT_DATA_SIZE);
	c->rx = NULL;
}

/*
 * The code region is touched as it is used; each new page faulted in
 * twice (the RW view written, the RX view run), one host fault each.
 * Faulting 256 KiB of both views ahead in two madvise calls costs the host
 * kernel much less (the translator's writes were 1.6% of a Linux boot in
 * page faults under perf).
 */
#define BT_POPULATE (256u << 10)

void bt_code_room(struct bt_code *c)
{
	size_t len;

	if (c->used + BT_BLOCK_ROOM <= c->populated || c->populated >= BT_CODE_SIZE)
		return;
	len = BT_CODE_SIZE - c->populated < BT_POPULATE ? BT_CODE_SIZE - c->populated : BT_POPULATE;
	wx_map_populate(c->rx, c->rw, c->populated, len);
	c->populated += len;
}

void bt_code_reset(struct bt_code *c)
{
	c->used = c->tramp_end;
}

int bt_code_enter(struct bt_code *c, const uint8_t *entry)
{
	int (*enter)(const uint8_t *) = (int (*)(const uint8_t *))(uintptr_t)c->rx;

	return enter(entry);
}

void bt_code_patch(struct bt_code *c, uint64_t patch, const uint8_t *target)
{
	int32_t rel = (int32_t)((uint64_t)(uintptr_t)target - (patch + 4));
	size_t at = (size_t)(patch - (uint64_t)(uintptr_t)c->rx);

	if (at + 4 <= BT_CODE_SIZE)
		memcpy(c->rw + at, &rel, 4);
}
