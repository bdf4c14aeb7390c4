// SPDX-License-Identifier: MIT
/*
 * What a hostile guest can do to the vCPU (issue 9), through the KVM
 * ioctl ABI of the soft provider and, where /dev/kvm opens, of the
 * kernel's KVM as the oracle of the same expectation:
 *
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
	TCase *tc = tcase_create("stop_bound");

	tcase_add_loop_test(tc, test_stop_bound, 0, NLOOPS);
	/* a stuck stop must fail here, not hang the suite */
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	return test_run_suite(s);
}
