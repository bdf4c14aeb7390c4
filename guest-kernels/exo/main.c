// SPDX-License-Identifier: MIT
/*
 * exo: an exokernel, as a teaching example.
 *
 * The kernel multiplexes raw resources and protects them, nothing more:
 * physical pages (page_alloc/page_free), disk blocks (block_bind, then
 * block_read/block_write of blocks one owns) and the CPU in time slices
 * (yield to a named environment). resources.c keeps the secure bindings.
 * Abstractions live in ring 3, in library OSes linked with their
 * applications (exo/user/):
 *   env 0, libOS "direct": every record is one block_read and one
 *          block_write, no cache: it runs the workload on the main areas;
 *   env 1, libOS "batched": a cache page read ahead and a page written
 *          behind, 8 blocks per kernel call: the same workload on a small
 *          area of its own, side by side on the same disk;
 *   env 2, a hostile program that tries the others' blocks and pages;
 *   env 3, an heir: once both library OSes have exited it binds their
 *          blocks and takes every page, which works only because the
 *          kernel revoked the dead environments' bindings (env_gone).
 * The environments pass the CPU to each other at every progress line
 * (cooperative: no timer yet).
 *
 * Where the switches happen: each kernel call is two ring transitions
 * (on_call); a yield or an exit that lets another environment run loads
 * its CR3 (run_env). The counts printed are those of env 0, so they
 * compare with the other kernels' workload programs; env 1's follow.
 */
#include "abi.h"
#include "guest.h"
#include "kstring.h"
#include "exo.h"
#include "printf.h"
#include "workload.h"

#define ENV_MEM (USER_MEM_MAX / 8)
#define ENV_DIRECT 0
#define ENV_BATCHED 1
#define ENV_HEIR 3

extern const char prog_libos_direct_start[], prog_libos_direct_end[];
extern const char prog_libos_batched_start[], prog_libos_batched_end[];
extern const char prog_hostile_start[], prog_hostile_end[];
extern const char prog_heir_start[], prog_heir_end[];

static struct env envs[MAX_ENVS];
static unsigned nenvs, current;
static uint64_t killed;
static int64_t status[MAX_ENVS] = {-1, -1, -1, -1};
static struct wl_params params;
static const char *boot_cmdline;

static void finish(void)
{
	const struct env *b = &envs[ENV_BATCHED], *e = &envs[ENV_DIRECT];

	uspace_switch(NULL);
	kprintf("exo: libos-batched used kernel_calls=%lu ring_transitions=%lu as_switches=%lu "
		"cycles=%lu\n",
		b->calls, b->ring_transitions, b->as_switches, b->cycles);
	kprintf("stats: arch=exo records=%lu kernel_calls=%lu ring_transitions=%lu messages=%lu "
		"as_switches=%lu ctx_switches=%lu cycles=%lu cycles_per_record=%lu\n",
		params.records, e->calls, e->ring_transitions, e->calls, e->as_switches, e->slices,
		e->cycles, e->cycles / params.records);
	kprintf("exo: library OS exits %ld and %ld, heir %ld, hostile programs killed %lu\n",
		(long)status[ENV_DIRECT], (long)status[ENV_BATCHED], (long)status[ENV_HEIR],
		killed);
	debug_exit(status[ENV_DIRECT] == 0 && status[ENV_BATCHED] == 0 && status[ENV_HEIR] == 0 &&
			   killed == 1
		       ? 0
		       : 1);
}

/* Give the CPU to environment t (its slice starts now), with its registers in tf. */
static void run_env(unsigned t, struct trap_frame *tf)
{
	uint64_t now = rdtsc();

	envs[current].cycles += now - envs[current].slice_start;
	if (t != current) {
		envs[t].slices++;
		envs[t].as_switches++;
		uspace_switch(&envs[t].as);
		current = t;
	}
	envs[t].slice_start = rdtsc();
	*tf = envs[t].regs;
}

/* The environment to, if it can run; else the next live one after the current; else finish. */
static void pick(unsigned to, struct trap_frame *tf)
{
	if (to < nenvs && envs[to].alive) {
		run_env(to, tf);
		return;
	}
	for (unsigned i = 1; i <= nenvs; i++) {
		unsigned t = (current + i) % nenvs;

		if (envs[t].alive) {
			run_env(t, tf);
			return;
		}
	}
	envs[current].cycles += rdtsc() - envs[current].slice_start;
	finish();
}

static void env_gone(unsigned e, int64_t code)
{
	envs[e].alive = 0;
	status[e] = code;
	res_release(e, &envs[e].as);
}

static int64_t copy_cmdline(struct env *e, uint64_t va, uint64_t size)
{
	uint64_t n = strlen(boot_cmdline) + 1;
	char *b = uspace_ptr(&e->as, va, size);

	if (!b || size < n)
		return E_FAULT;
	memcpy(b, boot_cmdline, n);
	return (int64_t)n;
}

static int64_t console(struct env *e, uint64_t va, uint64_t len)
{
	const char *s = uspace_ptr(&e->as, va, len);

	if (!s)
		return E_FAULT;
	for (uint64_t i = 0; i < len; i++)
		kprintf("%c", s[i]);
	return (int64_t)len;
}

/* One kernel call of the current environment; its result goes back in rax. */
static int64_t call(struct trap_frame *tf)
{
	struct env *e = &envs[current];
	uint64_t a0 = tf->rdi, a1 = tf->rsi, a2 = tf->rdx;

	switch (tf->rax) {
	case EXO_CONSOLE:
		return console(e, a0, a1);
	case EXO_CMDLINE:
		return copy_cmdline(e, a0, a1);
	case EXO_PAGE_ALLOC:
		return res_page_alloc(current, &e->as, a0);
	case EXO_PAGE_FREE:
		return res_page_free(current, &e->as, a0);
	case EXO_BLOCK_BIND:
		return res_block_bind(current, a0, a1);
	case EXO_BLOCK_READ:
	case EXO_BLOCK_WRITE:
		return res_block_io(current, &e->as, tf->rax == EXO_BLOCK_WRITE, a0, a1, a2);
	default:
		return E_INVAL;
	}
}

static void on_call(struct trap_frame *tf)
{
	struct env *e = &envs[current];

	e->calls++;
	e->ring_transitions += 2;
	if (tf->rax == EXO_EXIT) {
		env_gone(current, (int64_t)tf->rdi);
		pick(nenvs, tf);
	} else if (tf->rax == EXO_YIELD) {
		tf->rax = 0;
		e->regs = *tf;
		pick((unsigned)(tf->rdi < nenvs ? tf->rdi : nenvs), tf);
	} else {
		tf->rax = (uint64_t)call(tf);
	}
}

static void on_fault(struct trap_frame *tf)
{
	if ((tf->cs & 3) != 3) {
		kprintf("exo: kernel fault\n");
		trap_dump(tf);
		debug_exit(GUEST_EXIT_TRAP);
	}
	envs[current].ring_transitions += 2;
	kprintf("exo: killed %s (env %u): %s error 0x%lx at user rip 0x%lx\n", envs[current].name,
		current, trap_name(tf->vector), tf->error_code, tf->rip);
	killed++;
	env_gone(current, -1);
	pick(nenvs, tf);
}

static int spawn(const char *name, const char *start, const char *end)
{
	struct env *e = &envs[nenvs];

	if (nenvs == MAX_ENVS || uspace_create(&e->as, start, (size_t)(end - start), ENV_MEM))
		return -1;
	e->name = name;
	e->alive = 1;
	uspace_frame_init(&e->as, &e->regs, 0, 0);
	nenvs++;
	return 0;
}

static void console_print(void *ctx, const char *text)
{
	(void)ctx;
	kprintf("%s", text);
}

int guest_main(const char *cmdline)
{
	const struct wl_io con = {NULL, NULL, NULL, console_print};

	kprintf("exo: exokernel, pages, blocks and time slices bound to library OSes\n");
	boot_cmdline = cmdline;
	if (wl_parse(cmdline, &params, &con))
		return 4;
	if (res_init(cmdline)) {
		kprintf("exo: no virtio-blk disk on the command line\n");
		return 3;
	}
	uspace_init();
	for (unsigned v = 0; v < 32; v++)
		idt_set_handler(v, on_fault);
	idt_set_handler(USER_INT_VEC, on_fault);
	idt_set_handler(USER_SYSCALL_VEC, on_call);
	if (spawn("libos-direct", prog_libos_direct_start, prog_libos_direct_end) ||
	    spawn("libos-batched", prog_libos_batched_start, prog_libos_batched_end) ||
	    spawn("hostile", prog_hostile_start, prog_hostile_end) ||
	    spawn("heir", prog_heir_start, prog_heir_end)) {
		kprintf("exo: out of memory for the environments\n");
		return 5;
	}
	current = ENV_DIRECT;
	envs[current].as_switches++;
	envs[current].ring_transitions++;
	envs[current].slices++;
	uspace_switch(&envs[current].as);
	envs[current].slice_start = rdtsc();
	uspace_resume(&envs[current].regs);
}
