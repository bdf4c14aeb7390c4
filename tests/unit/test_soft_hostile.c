// SPDX-License-Identifier: MIT
/*
 * What a hostile guest can do to the vCPU (issue 9), through the KVM
 * ioctl ABI of the soft provider and, where /dev/kvm opens, of the
 * kernel's KVM as the oracle of the same expectation:
 *
 *  - an instruction with several accesses outside RAM (a page-crossing
 *    or wider-than-8-byte access, a far pointer, an LRET or IRET frame)
 *    completes, one exit per piece of at most 8 bytes, in address order
 *    within each operand (api.rst: KVM_EXIT_MMIO; KVM's emulator cuts
 *    its fragments the same way), every read given its own data and
 *    every write reaching the VMM;
 *  - stop requests (a signal whose handler sets immediate_exit, as the
 *    VMM's --timeout and SIGTERM do) are honoured within a bound whatever
 *    long-running string instruction the guest loops over.
 *
 * The machine: 64-bit long mode, RAM [0, 4M), 2 MiB pages identity over
 * [0, 8M) (so [4M, 8M) is MMIO), and the linear gigabyte [1G, 2G) mapped
 * 512 times onto the RAM at [2M, 4M): a rep string instruction can walk
 * a gigabyte while touching only 2 MiB of host memory.
 */
#include "support/run_suite.h"
#include "support/x86_tables.h"
#include "test_kvm_abi_util.h"

#include <stdbool.h>
#include <stdlib.h>

#define RAM_SIZE (4u << 20)
#define GDT_GPA 0x1000
#define PML4_GPA 0x2000
#define PDPT_GPA 0x3000
#define PD_GPA 0x4000
#define PD_ALIAS_GPA 0x5000
#define CODE_GPA 0x8000
#define STACK_TOP 0x70000
#define ALIAS_LIN 0x40000000ULL /* [1G, 2G): 512 views of RAM [2M, 4M) */
#define ALIAS_GPA 0x200000ULL

#define SEL_CODE64 0x08
#define SEL_DATA 0x10

/* The machine above with code at CODE_GPA, rsp = STACK_TOP, IF = 0, other GPRs 0. */
static void guest_setup(struct kt_vm *v, const struct kvm_provider *p, const uint8_t *code,
			size_t len)
{
	struct kvm_cpuid2 *cpuid = calloc(1, sizeof(*cpuid) + 256 * sizeof(cpuid->entries[0]));
	struct kvm_sregs sr;
	struct kvm_regs regs;
	uint8_t *m;
	unsigned i;

	kt_vm_create(v, p, RAM_SIZE);
	m = v->mem;
	ck_assert(cpuid);
	cpuid->nent = 256;
	ck_assert(p->ioctl(v->sys, KVM_GET_SUPPORTED_CPUID, cpuid) == 0);
	ck_assert(p->ioctl(v->cpu, KVM_SET_CPUID2, cpuid) == 0);
	free(cpuid);

	x86_put64(m, GDT_GPA + SEL_CODE64, x86_seg_desc(0, 0xfffff, 0xb, 1, 0, 1, 0, 1));
	x86_put64(m, GDT_GPA + SEL_DATA, x86_seg_desc(0, 0xfffff, 0x3, 1, 0, 0, 1, 1));
	x86_identity_map_2m(m, PML4_GPA, PDPT_GPA, PD_GPA, 4, X86_PTE_P | X86_PTE_W);
	x86_put64(m, PDPT_GPA + 8, PD_ALIAS_GPA | X86_PTE_P | X86_PTE_W);
	for (i = 0; i < 512; i++)
		x86_put64(m, PD_ALIAS_GPA + 8 * i, ALIAS_GPA | X86_PTE_P | X86_PTE_W | X86_PTE_PS);
	memcpy(m + CODE_GPA, code, len);

	ck_assert(p->ioctl(v->cpu, KVM_GET_SREGS, &sr) == 0);
	x86_flat_seg(&sr.ds, SEL_DATA, 3, 0, 0, 1);
	sr.es = sr.fs = sr.gs = sr.ss = sr.ds;
	x86_flat_seg(&sr.cs, SEL_CODE64, 11, 0, 1, 0);
	sr.gdt.base = GDT_GPA;
	sr.gdt.limit = 3 * 8 - 1;
	sr.cr0 = 0x80000011; /* PG, PE, ET */
	sr.cr3 = PML4_GPA;
	sr.cr4 = 0x20;	 /* PAE */
	sr.efer = 0x500; /* LME, LMA */
	ck_assert_msg(p->ioctl(v->cpu, KVM_SET_SREGS, &sr) == 0, "%s: set sregs: %s", p->name,
		      strerror(errno));
	memset(&regs, 0, sizeof(regs));
	regs.rip = CODE_GPA;
	regs.rsp = STACK_TOP;
	regs.rflags = 2;
	ck_assert(p->ioctl(v->cpu, KVM_SET_REGS, &regs) == 0);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- instructions with several MMIO accesses ---- */

#define MMIO_GPA 0x400000ULL /* the first page outside RAM */
#define MMIO_SIZE 0x2000
#define TARGET_GPA 0x9000 /* a hlt the far transfers go to */
#define MAX_PIECES 16	  /* MMIO exits in a row: the bug made endless ones */
#define PORT_OUT_MAX 256

/* The test's device: plain memory behind MMIO, and the exits that reached it. */
struct mmio_dev {
	uint8_t mem[MMIO_SIZE];
	struct piece {
		bool write;
		uint64_t addr;
		unsigned len;
		uint8_t data[8];
	} p[MAX_PIECES];
	unsigned n;
	uint8_t port_out[PORT_OUT_MAX]; /* bytes the guest wrote to ports, in order */
	unsigned nport;
};

/* A port write: its bytes go to port_out; the MMIO exits before it count as one instruction's. */
static void port_exit(struct kvm_run *run, struct mmio_dev *dev)
{
	size_t n = (size_t)run->io.size * run->io.count;

	ck_assert(run->io.direction == KVM_EXIT_IO_OUT && dev->nport + n <= PORT_OUT_MAX);
	memcpy(dev->port_out + dev->nport, (uint8_t *)run + run->io.data_offset, n);
	dev->nport += n;
	dev->n = 0;
}

/*
 * Run to the guest's hlt serving MMIO from dev (and taking port writes);
 * false after MAX_PIECES MMIO exits in a row.
 */
static bool run_to_hlt(struct kt_vm *v, struct mmio_dev *dev)
{
	struct kvm_run *run = v->run;

	for (;;) {
		ck_assert_msg(v->p->ioctl(v->cpu, KVM_RUN, NULL) == 0, "%s: KVM_RUN: %s",
			      v->p->name, strerror(errno));
		if (run->exit_reason == KVM_EXIT_HLT)
			return true;
		if (run->exit_reason == KVM_EXIT_IO) {
			port_exit(run, dev);
			continue;
		}
		ck_assert_msg(run->exit_reason == KVM_EXIT_MMIO, "%s: exit %u", v->p->name,
			      run->exit_reason);
		ck_assert(run->mmio.phys_addr >= MMIO_GPA && run->mmio.len <= 8 &&
			  run->mmio.phys_addr + run->mmio.len <= MMIO_GPA + MMIO_SIZE);
		if (dev->n == MAX_PIECES)
			return false;
		dev->p[dev->n].write = run->mmio.is_write;
		dev->p[dev->n].addr = run->mmio.phys_addr;
		dev->p[dev->n].len = run->mmio.len;
		if (run->mmio.is_write)
			memcpy(dev->mem + (run->mmio.phys_addr - MMIO_GPA), run->mmio.data,
			       run->mmio.len);
		else
			memcpy(run->mmio.data, dev->mem + (run->mmio.phys_addr - MMIO_GPA),
			       run->mmio.len);
		memcpy(dev->p[dev->n].data, run->mmio.data, run->mmio.len);
		dev->n++;
	}
}

/*
 * The exits cover [addr, addr + len) once, in address order, each of at
 * most 8 bytes and none crossing a page (how KVM cuts an access).
 */
static void assert_covered(const struct kvm_provider *p, const char *what,
			   const struct mmio_dev *dev, bool write, uint64_t addr, unsigned len)
{
	uint64_t at = addr;
	unsigned i;

	for (i = 0; i < dev->n; i++) {
		const struct piece *x = &dev->p[i];

		ck_assert_msg(x->write == write && x->addr == at,
			      "%s: %s: exit %u is %s %#llx, expected %s %#llx", p->name, what, i,
			      x->write ? "write" : "read", (unsigned long long)x->addr,
			      write ? "write" : "read", (unsigned long long)at);
		ck_assert_msg((x->addr & 0xfff) + x->len <= 4096, "%s: %s: exit %u crosses a page",
			      p->name, what, i);
		at += x->len;
	}
	ck_assert_msg(at == addr + len, "%s: %s: exits cover %llu of %u bytes", p->name, what,
		      (unsigned long long)(at - addr), len);
}

struct mmio_case {
	const char *name;
	uint8_t code[24];
	size_t len;
	bool write;    /* the instruction writes the MMIO operand (else reads it) */
	uint64_t addr; /* the operand: its guest-physical address and length */
	unsigned size;
	bool kernel_differs; /* see iretq */
};

#define CODE(...) .code = {__VA_ARGS__}, .len = sizeof((uint8_t[]){__VA_ARGS__})

static const struct mmio_case mmio_cases[] = {
    /* mov rax, [0x400ffc]: 4 bytes in each of two MMIO pages */
    {.name = "page-crossing read",
     CODE(0x48, 0x8b, 0x04, 0x25, 0xfc, 0x0f, 0x40, 0x00, 0xf4),
     .addr = 0x400ffc,
     .size = 8},
    /* mov rax, 0x8877665544332211; mov [0x400ffc], rax */
    {.name = "page-crossing write",
     CODE(0x48, 0xb8, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x48, 0x89, 0x04, 0x25, 0xfc,
	  0x0f, 0x40, 0x00, 0xf4),
     .write = true,
     .addr = 0x400ffc,
     .size = 8},
    /* sgdt [0x400300]: 10 bytes, more than one exit can carry */
    {.name = "10-byte write",
     CODE(0x0f, 0x01, 0x04, 0x25, 0x00, 0x03, 0x40, 0x00, 0xf4),
     .write = true,
     .addr = 0x400300,
     .size = 10},
    /* jmp far [0x400000]: m16:32, offset then selector */
    {.name = "far pointer",
     CODE(0xff, 0x2c, 0x25, 0x00, 0x00, 0x40, 0x00),
     .addr = 0x400000,
     .size = 6},
    /* mov esp, 0x400100; lretq: rip then cs popped from MMIO */
    {.name = "lret frame",
     CODE(0xbc, 0x00, 0x01, 0x40, 0x00, 0x48, 0xcb),
     .addr = 0x400100,
     .size = 16},
    /*
     * mov esp, 0x400200; iretq: rip, cs, rflags, rsp, ss from MMIO.
     * KVM's emulator implements IRET in real mode only (em_iret), so
     * the kernel answers this one with an emulation failure.
     */
    {.name = "iret frame",
     CODE(0xbc, 0x00, 0x02, 0x40, 0x00, 0x48, 0xcf),
     .addr = 0x400200,
     .size = 40,
     .kernel_differs = true},
};

#define NMMIO (sizeof(mmio_cases) / sizeof(mmio_cases[0]))

static void put_dev64(struct mmio_dev *dev, uint64_t gpa, uint64_t v)
{
	memcpy(dev->mem + (gpa - MMIO_GPA), &v, 8);
}

static uint64_t get_dev64(const struct mmio_dev *dev, uint64_t gpa)
{
	uint64_t v;

	memcpy(&v, dev->mem + (gpa - MMIO_GPA), 8);
	return v;
}

static void mmio_case_on(const struct kvm_provider *p, const struct mmio_case *c)
{
	static struct mmio_dev dev;
	struct kvm_sregs sr;
	struct kvm_regs r;
	struct kt_vm v;
	uint16_t sel = SEL_CODE64;
	uint32_t off = TARGET_GPA;

	memset(&dev, 0, sizeof(dev));
	put_dev64(&dev, 0x400ffc, 0x0123456789abcdefULL);   /* the crossing read's bytes */
	memcpy(dev.mem + 0, &off, 4);			    /* far pointer: offset ... */
	memcpy(dev.mem + 4, &sel, 2);			    /* ... and selector */
	put_dev64(&dev, 0x400100, TARGET_GPA);		    /* lret: rip */
	put_dev64(&dev, 0x400108, SEL_CODE64);		    /* cs */
	put_dev64(&dev, 0x400200, TARGET_GPA);		    /* iret: rip */
	put_dev64(&dev, 0x400208, SEL_CODE64);		    /* cs */
	put_dev64(&dev, 0x400210, 0x2 | 0x40 | 0x80 | 0x1); /* rflags: ZF SF CF */
	put_dev64(&dev, 0x400218, 0x60000);		    /* rsp */
	put_dev64(&dev, 0x400220, SEL_DATA);		    /* ss */
	guest_setup(&v, p, c->code, c->len);
	v.mem[TARGET_GPA] = 0xf4;
	ck_assert_msg(run_to_hlt(&v, &dev), "%s: %s: still exiting after %u MMIO exits", p->name,
		      c->name, MAX_PIECES);
	assert_covered(p, c->name, &dev, c->write, c->addr, c->size);
	ck_assert(p->ioctl(v.cpu, KVM_GET_REGS, &r) == 0);
	ck_assert(p->ioctl(v.cpu, KVM_GET_SREGS, &sr) == 0);
	if (c->addr == 0x400ffc && !c->write)
		ck_assert_msg(r.rax == 0x0123456789abcdefULL, "%s: rax %#llx", p->name,
			      (unsigned long long)r.rax);
	if (c->addr == 0x400ffc && c->write)
		ck_assert_msg(get_dev64(&dev, 0x400ffc) == 0x8877665544332211ULL,
			      "%s: device holds %#llx", p->name,
			      (unsigned long long)get_dev64(&dev, 0x400ffc));
	if (c->size == 10) {
		uint16_t limit;

		memcpy(&limit, dev.mem + 0x300, 2);
		ck_assert(limit == sr.gdt.limit && get_dev64(&dev, 0x400302) == sr.gdt.base);
	}
	if (!c->write && c->addr != 0x400ffc) /* the far transfers: at the hlt, cs loaded */
		ck_assert_msg(r.rip == TARGET_GPA + 1 && sr.cs.selector == SEL_CODE64,
			      "%s: %s: rip %#llx cs %#x", p->name, c->name,
			      (unsigned long long)r.rip, sr.cs.selector);
	if (c->size == 40)
		ck_assert_msg(
		    r.rsp == 0x60000 && (r.rflags & 0xfff) == 0xc3 && sr.ss.selector == SEL_DATA,
		    "%s: iret: rsp %#llx rflags %#llx ss %#x", p->name, (unsigned long long)r.rsp,
		    (unsigned long long)r.rflags, sr.ss.selector);
	if (c->size == 16)
		ck_assert_msg(r.rsp == 0x400110, "%s: lret: rsp %#llx", p->name,
			      (unsigned long long)r.rsp);
	kt_vm_destroy(&v);
}

START_TEST(test_mmio_pieces)
{
	const struct mmio_case *c = &mmio_cases[_i];

	mmio_case_on(&kvm_provider_soft, c);
	if (kt_kernel() && !c->kernel_differs)
		mmio_case_on(kt_kernel(), c);
	else if (!kt_kernel())
		kt_note_skip("MMIO pieces");
}
END_TEST

/*
 * mov esi, 0x400000; mov ecx, 256; mov edx, 0x80; rep outsb; hlt: a pass
 * of port output from MMIO could take 32 exits of 8-byte pieces before
 * any progress (an emulation failure before); as with KVM, each element
 * is one read and one port write, and the port sees the device's bytes
 * in order.
 */
START_TEST(test_rep_outs_from_mmio)
{
	static const uint8_t code[] = {0xbe, 0x00, 0x00, 0x40, 0x00, 0xb9, 0x00, 0x01, 0x00,
				       0x00, 0xba, 0x80, 0x00, 0x00, 0x00, 0xf3, 0x6e, 0xf4};
	static struct mmio_dev dev;
	struct kt_vm v;
	unsigned i;

	memset(&dev, 0, sizeof(dev));
	for (i = 0; i < PORT_OUT_MAX; i++)
		dev.mem[i] = (uint8_t)(0x40 + 3 * i);
	guest_setup(&v, &kvm_provider_soft, code, sizeof(code));
	ck_assert_msg(run_to_hlt(&v, &dev), "rep outsb: %u MMIO exits in a row", MAX_PIECES);
	ck_assert_uint_eq(dev.nport, PORT_OUT_MAX);
	ck_assert(memcmp(dev.port_out, dev.mem, PORT_OUT_MAX) == 0);
	kt_vm_destroy(&v);
}
END_TEST

/* ---- stop requests during long string instructions ---- */

/*
 * Loops of one rep string instruction over up to half a gigabyte of linear space
 * (the alias above), forever: `top: mov esi, 1G; mov edi, 1G + 1M;
 * mov ecx, 2^26; xor eax, eax; <insn>; jmp top`. Before the fix, a kick
 * waited for 4,096 executions of up to 16,384 elements (or pages) each.
 */
struct string_loop {
	const char *name;
	uint8_t insn[3];
};

static const struct string_loop string_loops[] = {
    {"rep stosq", {0xf3, 0x48, 0xab}},	{"rep stosb", {0x90, 0xf3, 0xaa}},
    {"rep movsq", {0xf3, 0x48, 0xa5}},	{"rep movsb", {0x90, 0xf3, 0xa4}},
    {"repe cmpsq", {0xf3, 0x48, 0xa7}}, {"repe scasq", {0xf3, 0x48, 0xaf}},
    {"rep lodsq", {0xf3, 0x48, 0xad}},
};

#define NLOOPS (sizeof(string_loops) / sizeof(string_loops[0]))

/* Generous against a loaded host; the bug took tens of seconds. */
#define STOP_BOUND_S 1.0

static void stop_bound_on(const struct kvm_provider *p, const struct string_loop *l)
{
	uint8_t code[] = {
	    0xbe, 0x00, 0x00, 0x00, 0x40, /* top: mov esi, 0x40000000 */
	    0xbf, 0x00, 0x00, 0x10, 0x40, /* mov edi, 0x40100000 */
	    0xb9, 0x00, 0x00, 0x00, 0x04, /* mov ecx, 1 << 26 */
	    0x31, 0xc0,			  /* xor eax, eax */
	    0x90, 0x90, 0x90,		  /* the string instruction */
	    0xeb, 0xea,			  /* jmp top */
	};
	struct kt_kick k;
	struct kvm_regs regs;
	struct kt_vm v;
	double waited;
	int rc, err;

	memcpy(code + 17, l->insn, 3);
	guest_setup(&v, p, code, sizeof(code));
	/* let the guest get into its loop first */
	kt_kick_start(&k, v.run, 50 * 1000 * 1000);
	rc = p->ioctl(v.cpu, KVM_RUN, NULL);
	err = errno;
	waited = now_s() - (k.first.tv_sec + k.first.tv_nsec / 1e9);
	kt_kick_stop(&k);
	printf("%s: %s stopped %.1f ms after the first kick\n", p->name, l->name, waited * 1e3);
	ck_assert_msg(rc == -1 && err == EINTR, "%s: %s: KVM_RUN %d (%s, exit %u), not EINTR",
		      p->name, l->name, rc, strerror(err), v.run->exit_reason);
	ck_assert_msg(waited < STOP_BOUND_S, "%s: %s: stop honoured after %.3f s (bound %.1f s)",
		      p->name, l->name, waited, STOP_BOUND_S);
	ck_assert(p->ioctl(v.cpu, KVM_GET_REGS, &regs) == 0);
	ck_assert_msg(regs.rip >= CODE_GPA && regs.rip < CODE_GPA + sizeof(code),
		      "%s: %s: rip %#llx outside the loop", p->name, l->name,
		      (unsigned long long)regs.rip);
	kt_vm_destroy(&v);
}

START_TEST(test_stop_bound)
{
	const struct string_loop *l = &string_loops[_i];

	stop_bound_on(&kvm_provider_soft, l);
	if (kt_kernel())
		stop_bound_on(kt_kernel(), l);
	else
		kt_note_skip("stop bound");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("soft_hostile");
	TCase *tm = tcase_create("mmio_pieces");
	TCase *tc = tcase_create("stop_bound");

	tcase_add_loop_test(tm, test_mmio_pieces, 0, NMMIO);
	tcase_add_test(tm, test_rep_outs_from_mmio);
	suite_add_tcase(s, tm);

	tcase_add_loop_test(tc, test_stop_bound, 0, NLOOPS);
	/* a stuck stop must fail here, not hang the suite */
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	return test_run_suite(s);
}
