// SPDX-License-Identifier: MIT
/*
 * The soft CPU's execute loop and decoder on hand-assembled snippets:
 * self-modifying code, string instructions in both directions, the lock
 * prefix against a concurrent host writer, instructions that span two
 * pages (also mapped to non-adjacent frames), #UD logged once, guest
 * debugging (single-step, int3, hardware breakpoints), interrupt
 * injection and the interrupt window, kicks (-EINTR), and random bytes
 * executed as code. Expected values follow from the Intel SDM; where a
 * second oracle helps, the host CPU runs the same instruction.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "test_soft_isa_harness.h"
#include "support/run_suite.h"

static struct guest g;

static void setup(void)
{
	guest_init(&g);
}

static void teardown(void)
{
	guest_fini(&g);
}

static void set_regs(uint64_t rip, uint64_t rflags)
{
	guest_start(&g, rip, rflags);
}

static struct kvm_regs regs(void)
{
	return guest_regs(&g);
}

/* Run code placed at G_CODE from a clean register file until HLT. */
static struct kvm_regs run_code(const uint8_t *code, size_t len)
{
	guest_code(&g, G_CODE, code, len);
	set_regs(G_CODE, 2);
	ck_assert_int_eq(guest_run(&g, 16), KVM_EXIT_HLT);
	return regs();
}

/* ---- self-modifying code ---- */
START_TEST(test_smc_same_page)
{
	static const uint8_t code[] = {
	    0xb9, 0x02, 0x00, 0x00, 0x00,	      /* 0: mov ecx, 2 */
	    0xb0, 0x11,				      /* 5: mov al, 0x11 (patched) */
	    0xc6, 0x05, 0xf8, 0xff, 0xff, 0xff, 0x42, /* 7: mov byte [rip-8], 0x42 */
	    0xff, 0xc9,				      /* 14: dec ecx */
	    0x75, 0xf3,				      /* 16: jnz 5 */
	    0xf4,				      /* 18: hlt */
	};
	struct kvm_regs r = run_code(code, sizeof(code));

	/* the second pass runs the patched instruction, not the cached one */
	ck_assert_uint_eq(r.rax & 0xff, 0x42);
	ck_assert_uint_eq(g.ram[G_CODE + 6], 0x42);
}
END_TEST

START_TEST(test_smc_other_page_rep_stos)
{
	/* the loop overwrites a routine in another page with rep stosb, then calls it */
	static const uint8_t code[] = {
	    0xe8, 0xfb, 0x0f, 0x00, 0x00,		 /* 0: call 0x1000 (routine) */
	    0x48, 0x89, 0xc3,				 /* 5: mov rbx, rax */
	    0x48, 0xbf, 0x00, 0x10, 0x10, 0, 0, 0, 0, 0, /* 8: mov rdi, G_CODE+0x1000 */
	    0xb0, 0x90,					 /* 18: mov al, 0x90 (nop) */
	    0xb9, 0x05, 0x00, 0x00, 0x00,		 /* 20: mov ecx, 5 */
	    0xf3, 0xaa,					 /* 25: rep stosb */
	    0xe8, 0xe1, 0x0f, 0x00, 0x00,		 /* 27: call 0x1000 */
	    0xf4,					 /* 32: hlt */
	};
	static const uint8_t routine[] = {
	    0xb8, 0x07, 0x00, 0x00, 0x00, /* mov eax, 7 (5 bytes, becomes nops) */
	    0xff, 0xc0,			  /* inc eax */
	    0xc3,			  /* ret */
	};
	struct kvm_regs r;

	memcpy(g.ram + G_CODE + 0x1000, routine, sizeof(routine));
	r = run_code(code, sizeof(code));
	ck_assert_uint_eq(r.rbx, 8);	/* first call: 7 + 1 */
	ck_assert_uint_eq(r.rax, 0x91); /* second call: nops, then inc of 0x90 */
}
END_TEST

/* ---- strings ---- */
/*
 * rep stos forward over page boundaries: a qword with eight different
 * bytes, a dword of zeros with RAX's upper half set (only the low four
 * bytes are stored, SDM STOS), a word of one repeated byte, each from an
 * unaligned start; memory against the element-by-element definition.
 */
START_TEST(test_rep_stos_patterns_across_pages)
{
	static const uint8_t code[] = {
	    0x48, 0xc7, 0xc7, 0xf8, 0x10, 0x20, 0x00, 0xb9, 0x58, 0x02, 0x00, 0x00,
	    0x48, 0xb8, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11, 0xfc, 0xf3,
	    0x48, 0xab, 0x48, 0xc7, 0xc7, 0x02, 0x30, 0x20, 0x00, 0xb9, 0x4c, 0x04,
	    0x00, 0x00, 0x48, 0xb8, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff,
	    0xf3, 0xab, 0x48, 0xc7, 0xc7, 0x01, 0x50, 0x20, 0x00, 0xb9, 0x34, 0x08,
	    0x00, 0x00, 0xb8, 0x5a, 0x5a, 0x00, 0x00, 0x66, 0xf3, 0xab, 0xf4,
	};
	static const uint8_t q[8] = { 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11 };
	struct kvm_regs r;
	unsigned i;

	memset(g.ram + G_DATA, 0xee, 0x7000);
	r = run_code(code, sizeof(code));
	for (i = 0; i < 600 * 8; i++)
		ck_assert_uint_eq(g.ram[G_DATA + 0x10f8 + i], q[i % 8]);
	ck_assert_uint_eq(g.ram[G_DATA + 0x10f8 + 600 * 8], 0xee);
	for (i = 0; i < 1100 * 4; i++)
		ck_assert_uint_eq(g.ram[G_DATA + 0x3002 + i], 0);
	ck_assert_uint_eq(g.ram[G_DATA + 0x3002 + 1100 * 4], 0xee);
	for (i = 0; i < 2100 * 2; i++)
		ck_assert_uint_eq(g.ram[G_DATA + 0x5001 + i], 0x5a);
	ck_assert_uint_eq(g.ram[G_DATA + 0x5001 + 2100 * 2], 0xee);
	ck_assert_uint_eq(g.ram[G_DATA + 0x5000], 0xee);
	ck_assert_uint_eq(r.rdi, G_DATA + 0x5001 + 2100 * 2);
	ck_assert_uint_eq(r.rcx, 0);
}
END_TEST

/*
 * rep movsq over page boundaries, source and destination crossing at
 * different points (the copy goes a page piece at a time where it can):
 * the bytes and the final RSI, RDI, RCX as element-by-element semantics
 * (SDM MOVS) give them.
 */
START_TEST(test_rep_movsq_across_pages)
{
	static const uint8_t code[] = {
	    0x48, 0xbe, 0x10, 0x0f, 0x20, 0, 0, 0, 0, 0, /* mov rsi, G_DATA+0xf10 */
	    0x48, 0xbf, 0x08, 0x40, 0x20, 0, 0, 0, 0, 0, /* mov rdi, G_DATA+0x4008 */
	    0xb9, 0xe8, 0x03, 0x00, 0x00,		 /* mov ecx, 1000 */
	    0xfc,					 /* cld */
	    0xf3, 0x48, 0xa5,				 /* rep movsq */
	    0xf4,					 /* hlt */
	};
	struct kvm_regs r;
	unsigned i;

	for (i = 0; i < 8000; i++)
		g.ram[G_DATA + 0xf10 + i] = (uint8_t)(i * 13 + 5);
	r = run_code(code, sizeof(code));
	ck_assert_int_eq(memcmp(g.ram + G_DATA + 0xf10, g.ram + G_DATA + 0x4008, 8000), 0);
	ck_assert_uint_eq(g.ram[G_DATA + 0x4008 + 8000], 0);
	ck_assert_uint_eq(r.rsi, G_DATA + 0xf10 + 8000);
	ck_assert_uint_eq(r.rdi, G_DATA + 0x4008 + 8000);
	ck_assert_uint_eq(r.rcx, 0);
}
END_TEST

START_TEST(test_rep_strings_both_directions)
{
	static const uint8_t code[] = {
	    0x48, 0xbe, 0x00, 0x00, 0x20, 0, 0, 0, 0, 0, /* mov rsi, G_DATA */
	    0x48, 0xbf, 0x00, 0x01, 0x20, 0, 0, 0, 0, 0, /* mov rdi, G_DATA+0x100 */
	    0xb9, 0x64, 0x00, 0x00, 0x00,		 /* mov ecx, 100 */
	    0xfc,					 /* cld */
	    0xf3, 0xa4,					 /* rep movsb */
	    0x48, 0xbf, 0x0c, 0x02, 0x20, 0, 0, 0, 0, 0, /* mov rdi, G_DATA+0x20c */
	    0xb9, 0x04, 0x00, 0x00, 0x00,		 /* mov ecx, 4 */
	    0xb8, 0xef, 0xbe, 0xad, 0xde,		 /* mov eax, 0xdeadbeef */
	    0xfd,					 /* std */
	    0xf3, 0xab,					 /* rep stosd */
	    0x48, 0xbe, 0x00, 0x03, 0x20, 0, 0, 0, 0, 0, /* mov rsi, G_DATA+0x300 */
	    0x48, 0xbf, 0x01, 0x03, 0x20, 0, 0, 0, 0, 0, /* mov rdi, G_DATA+0x301 */
	    0xb9, 0x08, 0x00, 0x00, 0x00,		 /* mov ecx, 8 */
	    0xfc,					 /* cld */
	    0xf3, 0xa4,					 /* rep movsb (overlapping) */
	    0xf4,					 /* hlt */
	};
	struct kvm_regs r;
	unsigned i;

	for (i = 0; i < 100; i++)
		g.ram[G_DATA + i] = (uint8_t)(i * 7 + 1);
	g.ram[G_DATA + 0x300] = 0x5a;
	r = run_code(code, sizeof(code));
	ck_assert_int_eq(memcmp(g.ram + G_DATA, g.ram + G_DATA + 0x100, 100), 0);
	for (i = 0; i < 4; i++) {
		uint32_t v;

		memcpy(&v, g.ram + G_DATA + 0x200 + 4 * i, 4);
		ck_assert_uint_eq(v, 0xdeadbeef);
	}
	ck_assert_uint_eq(g.ram[G_DATA + 0x210], 0);
	ck_assert_uint_eq(r.rdi, G_DATA + 0x301 + 8);
	/* element by element: an overlapping forward copy replicates the byte */
	for (i = 0; i < 9; i++)
		ck_assert_uint_eq(g.ram[G_DATA + 0x300 + i], 0x5a);
	ck_assert_uint_eq(r.rcx, 0);
}
END_TEST

/* ---- lock ---- */
#define LOCK_N 200000

static void *host_adder(void *p)
{
	uint32_t *w = p;
	unsigned i;

	for (i = 0; i < LOCK_N; i++)
		__atomic_fetch_add(w, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

START_TEST(test_lock_is_atomic_against_host)
{
	/* guest: LOCK_N times lock inc dword [G_DATA], while a host thread adds too */
	static const uint8_t code[] = {
	    0xb9,	  LOCK_N & 0xff, (LOCK_N >> 8) & 0xff,
	    LOCK_N >> 16, 0x00, /* mov ecx, N */
	    0xf0,	  0xff,		 0x04,
	    0x25,	  0x00,		 0x00,
	    0x20,	  0x00, /* lock inc dword [G_DATA] */
	    0xff,	  0xc9, /* dec ecx */
	    0x75,	  0xf4, /* jnz */
	    0xf4,
	};
	pthread_t t;
	uint32_t *w = (uint32_t *)(g.ram + G_DATA);

	*w = 0;
	ck_assert_int_eq(pthread_create(&t, NULL, host_adder, w), 0);
	run_code(code, sizeof(code));
	pthread_join(t, NULL);
	ck_assert_uint_eq(*w, 2 * LOCK_N);
}
END_TEST

START_TEST(test_lock_cmpxchg)
{
	static const uint8_t code[] = {
	    0xb8, 0x05, 0x00, 0x00, 0x00,			  /* mov eax, 5 */
	    0xbb, 0x09, 0x00, 0x00, 0x00,			  /* mov ebx, 9 */
	    0xf0, 0x0f, 0xb1, 0x1c, 0x25, 0x00, 0x00, 0x20, 0x00, /* lock cmpxchg [G_DATA], ebx */
	    0x0f, 0x94, 0xc1,					  /* sete cl */
	    0xbb, 0x0b, 0x00, 0x00, 0x00,			  /* mov ebx, 11 */
	    0xf0, 0x0f, 0xb1, 0x1c, 0x25, 0x00, 0x00, 0x20, 0x00, /* lock cmpxchg again: fails */
	    0x0f, 0x94, 0xc2,					  /* sete dl */
	    0xf4,
	};
	uint32_t v = 5;
	struct kvm_regs r;

	memcpy(g.ram + G_DATA, &v, 4);
	r = run_code(code, sizeof(code));
	memcpy(&v, g.ram + G_DATA, 4);
	ck_assert_uint_eq(v, 9);
	ck_assert_uint_eq(r.rcx & 0xff, 1);
	ck_assert_uint_eq(r.rdx & 0xff, 0);
	ck_assert_uint_eq(r.rax, 9); /* the failed compare loaded the memory value */
}
END_TEST

START_TEST(test_lock_on_register_is_ud)
{
	static const uint8_t code[] = {0xf0, 0x01, 0xd8, 0xf4}; /* lock add eax, ebx */
	struct kvm_regs r = run_code(code, sizeof(code));

	ck_assert_int_eq(guest_exception(&g, r.rip), X_UD);
}
END_TEST

/* ---- instructions across a page boundary ---- */
/* Map virtual 0x400000.. with 4 KiB pages: 0x400000->0x250000, 0x401000->0x260000, 0x402000 absent.
 */
static void map_split_pages(void)
{
	put64(g.ram + 0x3010, 0x7000 | 3); /* PD[2] -> page table at 0x7000 */
	memset(g.ram + 0x7000, 0, 4096);
	put64(g.ram + 0x7000, 0x250000 | 3);
	put64(g.ram + 0x7008, 0x260000 | 3);
}

START_TEST(test_page_crossing_instruction)
{
	static const uint8_t mov[] = {0x48, 0xb8, 1, 2, 3, 4, 5, 6, 7, 8}; /* mov rax, imm64 */
	struct kvm_regs r;

	map_split_pages();
	memcpy(g.ram + 0x250ffd, mov, 3);
	memcpy(g.ram + 0x260000, mov + 3, 7);
	g.ram[0x260007] = 0xf4;
	code_cache_flush(g.vm);
	set_regs(0x400ffd, 2);
	ck_assert_int_eq(guest_run(&g, 4), KVM_EXIT_HLT);
	r = regs();
	ck_assert_uint_eq(r.rax, 0x0807060504030201ULL);
	ck_assert_uint_eq(r.rip, 0x401008);
	/* the guest rewrites the second half: the next run sees the new bytes */
	g.ram[0x260006] = 0x77;
	set_regs(0x400ffd, 2);
	ck_assert_int_eq(guest_run(&g, 4), KVM_EXIT_HLT);
	ck_assert_uint_eq(regs().rax, 0x7707060504030201ULL);
}
END_TEST

START_TEST(test_page_crossing_into_unmapped_page_faults)
{
	static const uint8_t mov[] = {0x48, 0xb8, 1, 2}; /* mov rax, imm64: cut at the page end */
	struct kvm_sregs s;
	struct kvm_regs r;

	map_split_pages();
	memcpy(g.ram + 0x260ffc, mov, 4);
	code_cache_flush(g.vm);
	set_regs(0x401ffc, 2);
	ck_assert_int_eq(guest_run(&g, 4), KVM_EXIT_HLT);
	r = regs();
	ck_assert_int_eq(guest_exception(&g, r.rip), X_PF);
	soft_cpu_get_sregs(g.cpu, &s);
	ck_assert_uint_eq(s.cr2, 0x402000);
	ck_assert_uint_eq(r.rax, 0);
}
END_TEST

/* ---- #UD, logged once ---- */
static unsigned count_in_file(int fd, const char *needle)
{
	char buf[8192];
	ssize_t n;
	unsigned c = 0;
	char *p;

	lseek(fd, 0, SEEK_SET);
	n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	for (p = buf; (p = strstr(p, needle)); p++)
		c++;
	return c;
}

START_TEST(test_unknown_opcode_ud_logged_once)
{
	/* vaddps xmm0, xmm1, xmm1: AVX, which the soft CPU does not implement */
	static const uint8_t code[] = {0xc5, 0xf0, 0x58, 0xc1, 0xf4};
	char path[] = "/tmp/soft_isa_udXXXXXX";
	int fd = mkstemp(path), saved = dup(2), i;
	struct kvm_regs r;

	ck_assert_int_ge(fd, 0);
	unlink(path);
	fflush(stderr);
	dup2(fd, 2);
	for (i = 0; i < 3; i++) {
		r = run_code(code, sizeof(code));
		ck_assert_int_eq(guest_exception(&g, r.rip), X_UD);
	}
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	ck_assert_uint_eq(count_in_file(fd, "c5 f0 58 c1"), 1);
	ck_assert_uint_eq(count_in_file(fd, "vaddps"), 1);
	close(fd);
}
END_TEST

/* ---- guest debugging ---- */
static void set_debug(uint32_t control, uint64_t bp0, uint64_t dr7)
{
	struct kvm_guest_debug d;

	memset(&d, 0, sizeof(d));
	d.control = control;
	d.arch.debugreg[0] = bp0;
	d.arch.debugreg[7] = dr7;
	ck_assert_int_eq(soft_cpu_set_guest_debug(g.cpu, &d), 0);
}

static const uint8_t dbg_code[] = {
    0xb8, 0x01, 0x00, 0x00, 0x00, /* 0: mov eax, 1 */
    0xff, 0xc0,			  /* 5: inc eax */
    0xff, 0xc0,			  /* 7: inc eax */
    0xcc,			  /* 9: int3 */
    0xf4,			  /* 10: hlt */
};

START_TEST(test_single_step)
{
	static const uint64_t pcs[] = {5, 7, 9};
	unsigned i;

	guest_code(&g, G_CODE, dbg_code, sizeof(dbg_code));
	set_regs(G_CODE, 2);
	set_debug(KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP, 0, 0);
	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(soft_cpu_run(g.cpu), 0);
		ck_assert_uint_eq(g.run->exit_reason, KVM_EXIT_DEBUG);
		ck_assert_uint_eq(g.run->debug.arch.exception, X_DB);
		ck_assert_uint_eq(g.run->debug.arch.pc, G_CODE + pcs[i]);
		ck_assert_uint_eq(g.run->debug.arch.dr6 & 0x4000, 0x4000); /* BS */
		ck_assert_uint_eq(regs().rip, G_CODE + pcs[i]);
	}
	ck_assert_uint_eq(regs().rax, 3);
}
END_TEST

START_TEST(test_sw_breakpoint_exit)
{
	guest_code(&g, G_CODE, dbg_code, sizeof(dbg_code));
	set_regs(G_CODE, 2);
	set_debug(KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_SW_BP, 0, 0);
	ck_assert_int_eq(soft_cpu_run(g.cpu), 0);
	ck_assert_uint_eq(g.run->exit_reason, KVM_EXIT_DEBUG);
	ck_assert_uint_eq(g.run->debug.arch.exception, X_BP);
	ck_assert_uint_eq(g.run->debug.arch.pc, G_CODE + 9); /* at the int3, not after it */
	ck_assert_uint_eq(regs().rax, 3);
}
END_TEST

START_TEST(test_hw_breakpoint_exit)
{
	guest_code(&g, G_CODE, dbg_code, sizeof(dbg_code));
	set_regs(G_CODE, 2);
	set_debug(KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_HW_BP, G_CODE + 7, 0x1);
	ck_assert_int_eq(soft_cpu_run(g.cpu), 0);
	ck_assert_uint_eq(g.run->exit_reason, KVM_EXIT_DEBUG);
	ck_assert_uint_eq(g.run->debug.arch.exception, X_DB);
	ck_assert_uint_eq(g.run->debug.arch.pc, G_CODE + 7);
	ck_assert_uint_eq(g.run->debug.arch.dr6 & 0xf, 1);
	ck_assert_uint_eq(regs().rax, 2); /* stopped before the breakpointed instruction */
	/* as with KVM, running again stops at the same breakpoint ... */
	ck_assert_int_eq(soft_cpu_run(g.cpu), 0);
	ck_assert_uint_eq(g.run->exit_reason, KVM_EXIT_DEBUG);
	ck_assert_uint_eq(g.run->debug.arch.pc, G_CODE + 7);
	ck_assert_uint_eq(regs().rax, 2);
	/* ... until the debugger removes it */
	set_debug(KVM_GUESTDBG_ENABLE, 0, 0);
	ck_assert_int_eq(soft_cpu_run(g.cpu), 0);
	ck_assert_uint_eq(g.run->exit_reason, KVM_EXIT_HLT); /* int3 went to the guest's IDT */
	ck_assert_int_eq(guest_exception(&g, regs().rip), X_BP);
	ck_assert_uint_eq(regs().rax, 3);
}
END_TEST

START_TEST(test_guest_tf_raises_db)
{
	/* TF=1: a #DB trap after the first instruction (stub 1, return rip = next) */
	static const uint8_t code[] = {0xff, 0xc0, 0xff, 0xc0, 0xf4};
	struct kvm_regs r;
	uint64_t frame_rip;

	guest_code(&g, G_CODE, code, sizeof(code));
	set_regs(G_CODE, 2 | 0x100);
	ck_assert_int_eq(guest_run(&g, 4), KVM_EXIT_HLT);
	r = regs();
	ck_assert_int_eq(guest_exception(&g, r.rip), X_DB);
	memcpy(&frame_rip, g.ram + r.rsp, 8);
	ck_assert_uint_eq(frame_rip, G_CODE + 2);
	ck_assert_uint_eq(r.rax, 1);
}
END_TEST

/* ---- interrupts ---- */
START_TEST(test_interrupt_injection)
{
	static const uint8_t code[] = {0xff, 0xc0, 0xeb, 0xfc}; /* 1: inc eax; jmp 1 */
	struct kvm_regs r;

	guest_code(&g, G_CODE, code, sizeof(code));
	set_regs(G_CODE, 2 | 0x200);
	ck_assert_int_eq(soft_cpu_interrupt(g.cpu, 0x30), 0);
	ck_assert_int_eq(guest_run(&g, 4), KVM_EXIT_HLT);
	r = regs();
	ck_assert_int_eq(guest_exception(&g, r.rip), 0x30);
	ck_assert_uint_eq(g.run->if_flag, 0); /* an interrupt gate cleared IF */
}
END_TEST

START_TEST(test_interrupt_into_broken_idt_is_shutdown)
{
	static const uint8_t code[] = {0xeb, 0xfe}; /* jmp $ */
	struct kvm_sregs s;

	guest_code(&g, G_CODE, code, sizeof(code));
	soft_cpu_get_sregs(g.cpu, &s);
	s.idt.limit = 0; /* no gate for anything: #GP, #DF, then a triple fault */
	ck_assert_int_eq(soft_cpu_set_sregs(g.cpu, &s), 0);
	set_regs(G_CODE, 2 | 0x200);
	ck_assert_int_eq(soft_cpu_interrupt(g.cpu, 0x30), 0);
	ck_assert_int_eq(soft_cpu_run(g.cpu), 0);
	ck_assert_uint_eq(g.run->exit_reason, KVM_EXIT_SHUTDOWN);
}
END_TEST

START_TEST(test_interrupt_window_after_sti_shadow)
{
	static const uint8_t code[] = {0xfb, 0x90, 0x90, 0xf4}; /* sti; nop; nop; hlt */

	guest_code(&g, G_CODE, code, sizeof(code));
	set_regs(G_CODE, 2);
	g.run->request_interrupt_window = 1;
	ck_assert_int_eq(soft_cpu_run(g.cpu), 0);
	ck_assert_uint_eq(g.run->exit_reason, KVM_EXIT_IRQ_WINDOW_OPEN);
	/* the instruction after sti still ran in its shadow */
	ck_assert_uint_eq(regs().rip, G_CODE + 2);
	ck_assert_uint_eq(g.run->ready_for_interrupt_injection, 1);
	ck_assert_uint_eq(g.run->if_flag, 1);
	g.run->request_interrupt_window = 0;
}
END_TEST

/* ---- kicks ---- */
static struct soft_cpu *kick_target;

static void on_kick(int sig)
{
	soft_cpu_kick(kick_target);
}

static void *kicker(void *p)
{
	pthread_t *victim = p;
	unsigned i;

	for (i = 0; i < 200; i++) {
		usleep(2000);
		pthread_kill(*victim, SIGUSR1);
	}
	return NULL;
}

START_TEST(test_kick_interrupts_endless_loop)
{
	static const uint8_t code[] = {0xeb, 0xfe}; /* jmp $ */
	struct sigaction sa;
	pthread_t self = pthread_self(), t;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_kick;
	sigaction(SIGUSR1, &sa, NULL);
	kick_target = g.cpu;
	guest_code(&g, G_CODE, code, sizeof(code));
	set_regs(G_CODE, 2);
	/* a kick before KVM_RUN is not lost */
	soft_cpu_kick(g.cpu);
	ck_assert_int_eq(soft_cpu_run(g.cpu), -EINTR);
	ck_assert_uint_eq(g.run->exit_reason, KVM_EXIT_INTR);
	ck_assert_int_eq(pthread_create(&t, NULL, kicker, &self), 0);
	ck_assert_int_eq(soft_cpu_run(g.cpu), -EINTR);
	ck_assert_uint_eq(g.run->exit_reason, KVM_EXIT_INTR);
	ck_assert_uint_eq(regs().rip, G_CODE);
	pthread_cancel(t);
	pthread_join(t, NULL);
	signal(SIGUSR1, SIG_IGN);
}
END_TEST

/* ---- the host CPU as a second oracle (where Unicorn 2.0.1 is wrong) ---- */
START_TEST(test_popcnt16_and_lock_neg_match_host)
{
	static const uint8_t code[] = {
	    0x66, 0xf3, 0x0f, 0xb8, 0xc3,		    /* popcnt ax, bx */
	    0xf0, 0xf6, 0x1c, 0x25, 0x00, 0x00, 0x20, 0x00, /* lock neg byte [G_DATA] */
	    0x9c, 0x59,					    /* pushf; pop rcx */
	    0xf4,
	};
	uint64_t seed = 88172645463325252ULL;
	unsigned i;

	guest_code(&g, G_CODE, code, sizeof(code));
	for (i = 0; i < 2000; i++) {
		struct kvm_regs r;
		uint16_t x, hx = 0x1234;
		uint8_t m, hm;
		uint64_t hf;

		seed ^= seed << 13;
		seed ^= seed >> 7;
		seed ^= seed << 17;
		x = (uint16_t)seed;
		m = hm = (uint8_t)(seed >> 16);
		__asm__ volatile("popcnt %1, %0" : "=r"(hx) : "r"(x) : "cc");
		__asm__ volatile("lock negb %0\n\tpushfq\n\tpop %1" : "+m"(hm), "=r"(hf) : : "cc");
		g.ram[G_DATA] = m;
		memset(&r, 0, sizeof(r));
		r.rip = G_CODE;
		r.rflags = 2;
		r.rsp = G_STACK - 0x100;
		r.rax = 0xabcdef0000000000ULL;
		r.rbx = x;
		soft_cpu_set_regs(g.cpu, &r);
		ck_assert_int_eq(guest_run(&g, 4), KVM_EXIT_HLT);
		r = regs();
		ck_assert_uint_eq(r.rax, 0xabcdef0000000000ULL | hx);
		ck_assert_uint_eq(g.ram[G_DATA], hm);
		ck_assert_uint_eq(r.rcx & 0x8d5, hf & 0x8d5);
	}
}
END_TEST

/* ---- random bytes as code ---- */
static struct soft_cpu *alarm_target;

static void on_alarm(int sig)
{
	soft_cpu_kick(alarm_target);
}

START_TEST(test_random_code_never_hurts_host)
{
	static uint8_t low[0x8000];
	uint64_t seed = 0x243f6a8885a308d3ULL;
	struct itimerval tv = {{0, 500}, {0, 500}}, off = {{0, 0}, {0, 0}};
	struct sigaction sa;
	struct kvm_sregs s0;
	unsigned blob, i;

	soft_cpu_get_sregs(g.cpu, &s0);
	memcpy(low, g.ram, sizeof(low));
	/* a periodic kick bounds every KVM_RUN: an endless loop comes back as -EINTR */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	alarm_target = g.cpu;
	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &tv, NULL);
	for (blob = 0; blob < 3000; blob++) {
		uint8_t code[64];
		struct kvm_regs r;
		unsigned runs;

		for (i = 0; i < sizeof(code); i++) {
			seed ^= seed << 13;
			seed ^= seed >> 7;
			seed ^= seed << 17;
			code[i] = (uint8_t)seed;
		}
		/* whatever the last blob broke (tables, modes) is restored */
		memcpy(g.ram, low, sizeof(low));
		ck_assert_int_eq(soft_cpu_set_sregs(g.cpu, &s0), 0);
		guest_code(&g, G_CODE, code, sizeof(code));
		memset(&r, 0, sizeof(r));
		r.rip = G_CODE;
		r.rflags = 2;
		r.rsp = G_STACK - 0x100;
		r.rsi = r.rdi = G_DATA;
		r.rcx = seed & 0xffff;
		soft_cpu_set_regs(g.cpu, &r);
		for (runs = 0; runs < 4; runs++) {
			int rc = soft_cpu_run(g.cpu);

			ck_assert(rc == 0 || rc == -EINTR);
			if (rc == 0 && (g.run->exit_reason == KVM_EXIT_SHUTDOWN ||
					g.run->exit_reason == KVM_EXIT_INTERNAL_ERROR))
				break;
		}
	}
	setitimer(ITIMER_REAL, &off, NULL);
	signal(SIGALRM, SIG_IGN);
}
END_TEST

static Suite *soft_isa_suite(void)
{
	Suite *s = suite_create("soft_isa");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_smc_same_page);
	tcase_add_test(tc, test_smc_other_page_rep_stos);
	tcase_add_test(tc, test_rep_strings_both_directions);
	tcase_add_test(tc, test_rep_movsq_across_pages);
	tcase_add_test(tc, test_rep_stos_patterns_across_pages);
	tcase_add_test(tc, test_lock_is_atomic_against_host);
	tcase_add_test(tc, test_lock_cmpxchg);
	tcase_add_test(tc, test_lock_on_register_is_ud);
	tcase_add_test(tc, test_page_crossing_instruction);
	tcase_add_test(tc, test_page_crossing_into_unmapped_page_faults);
	tcase_add_test(tc, test_unknown_opcode_ud_logged_once);
	tcase_add_test(tc, test_single_step);
	tcase_add_test(tc, test_sw_breakpoint_exit);
	tcase_add_test(tc, test_hw_breakpoint_exit);
	tcase_add_test(tc, test_guest_tf_raises_db);
	tcase_add_test(tc, test_interrupt_injection);
	tcase_add_test(tc, test_interrupt_into_broken_idt_is_shutdown);
	tcase_add_test(tc, test_interrupt_window_after_sti_shadow);
	tcase_add_test(tc, test_kick_interrupts_endless_loop);
	tcase_add_test(tc, test_popcnt16_and_lock_neg_match_host);
	tcase_add_test(tc, test_random_code_never_hurts_host);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run_suite(soft_isa_suite());
}
