// SPDX-License-Identifier: MIT
/*
 * gdb's view of the machine over the vcpu API: registers as plain
 * structs, and guest-virtual memory page by page through KVM_TRANSLATE
 * and the checked guest-physical accessor. A page that does not
 * translate, or translates outside RAM, ends the access there.
 */
#include "gdb/target.h"

#include <string.h>

#include "memory.h"

#define PAGE_SIZE 4096ULL

static struct gdb_vcpu_target *vt(struct gdb_target *t)
{
	return (struct gdb_vcpu_target *)t;
}

static int get_regs(struct gdb_target *t, struct vcpu_regs *r)
{
	return vcpu_get_regs(vt(t)->cpu, r);
}

static int set_regs(struct gdb_target *t, const struct vcpu_regs *r)
{
	return vcpu_set_regs(vt(t)->cpu, r);
}

static int get_fx(struct gdb_target *t, uint8_t fx[VCPU_FXSAVE_SIZE])
{
	return vcpu_get_fxsave(vt(t)->cpu, fx);
}

static int set_fx(struct gdb_target *t, const uint8_t fx[VCPU_FXSAVE_SIZE])
{
	return vcpu_set_fxsave(vt(t)->cpu, fx);
}

/* Host pointer for up to the end of gva's page; NULL if unmapped or not RAM. */
static uint8_t *page_ptr(struct gdb_vcpu_target *t, uint64_t gva, size_t n, size_t *chunk)
{
	uint64_t gpa, room = PAGE_SIZE - (gva & (PAGE_SIZE - 1));

	*chunk = n < room ? n : (size_t)room;
	if (vcpu_translate(t->cpu, gva, &gpa))
		return NULL;
	return guest_mem_ptr(t->mem, gpa, *chunk);
}

static size_t read_mem(struct gdb_target *t, uint64_t gva, void *buf, size_t n)
{
	size_t done = 0, chunk;

	while (done < n) {
		const uint8_t *p = page_ptr(vt(t), gva + done, n - done, &chunk);

		if (!p)
			break;
		memcpy((uint8_t *)buf + done, p, chunk);
		done += chunk;
	}
	return done;
}

static size_t write_mem(struct gdb_target *t, uint64_t gva, const void *buf, size_t n)
{
	size_t done = 0, chunk;

	while (done < n) {
		uint8_t *p = page_ptr(vt(t), gva + done, n - done, &chunk);

		if (!p)
			break;
		memcpy(p, (const uint8_t *)buf + done, chunk);
		done += chunk;
	}
	return done;
}

void gdb_vcpu_target_init(struct gdb_vcpu_target *t, struct vcpu *cpu, const struct guest_mem *mem)
{
	t->ops = (struct gdb_target){.get_regs = get_regs,
				     .set_regs = set_regs,
				     .get_fx = get_fx,
				     .set_fx = set_fx,
				     .read_mem = read_mem,
				     .write_mem = write_mem};
	t->cpu = cpu;
	t->mem = mem;
}
