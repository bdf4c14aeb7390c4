/* SPDX-License-Identifier: MIT */
/*
 * Internal state and contracts of the software CPU, shared by its files:
 *
 *   x86.h                     the architecture: EFLAGS/CR/EFER/PTE bits, vectors, widths
 *   decode.c, decode_cache.c  Zydis -> struct insn (handler choice), cached per guest page
 *   insn_table.c, handlers.h  the mnemonic -> handler table; every handler's prototype
 *   run.c                     the execute loop, single-step, breakpoints
 *   flags.c                   lazy arithmetic flags, RFLAGS get/set
 *   operand.c                 operand read/write (effective addresses: exec.h op_ea)
 *   stack.c                   push/pop, stack width, the SS of a privilege return
 *   exec_*.c                  instruction handlers, one family per file
 *   mmu.c                     segmentation + paging + TLB, the memory API
 *   io.c                      port and MMIO exits (io_read/io_write)
 *   seg.c                     descriptor loads, far transfers, mode changes
 *   system.c / msr.c / cpuid.c  system instructions
 *   except.c                  exception / interrupt delivery, #DF, triple fault
 *   soft_cpu.c                the public API of soft_cpu.h
 *
 * Rules every handler follows:
 *  - all guest memory goes through mem_*() (never a raw pointer it made);
 *  - a nonzero result of any mem_, io_ or op_ call is returned at once:
 *    the instruction is abandoned with no architectural change, so that it
 *    can fault or be re-executed after a VMM exit;
 *  - memory writes happen before register writes.
 */
#ifndef MINIVMM_SOFT_CPU_INTERNAL_H
#define MINIVMM_SOFT_CPU_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/kvm.h>

#include "vcpu/soft/clock.h"
#include "vcpu/soft/fpu.h"
#include "vcpu/soft/mtrr.h"
#include "vcpu/soft/soft_cpu.h"
#include "vcpu/soft/x86.h"

/* ---- results of handlers and of every memory/io helper ---- */
enum exec_result {
	EXEC_OK = 0,    /* continue (instruction committed when the handler returns) */
	EXEC_FAULT = 1, /* exception queued in cpu->exc; instruction abandoned */
	EXEC_EXIT = 2,  /* kvm_run filled; abandoned, re-executed on the next KVM_RUN */
	EXEC_YIELD = 3, /* as EXEC_OK, and the loop must look at kicks before going on */
};

/* Exits one instruction may make for its accesses outside RAM (cpu->io). */
#define IO_MAX_PIECES 64

/* ---- registers ---- */
enum {
	R_RAX, R_RCX, R_RDX, R_RBX, R_RSP, R_RBP, R_RSI, R_RDI,
	R_R8, R_R9, R_R10, R_R11, R_R12, R_R13, R_R14, R_R15,
	R_AH = 16, R_CH, R_DH, R_BH,   /* legacy high-byte registers */
	R_ES = 20, R_CS, R_SS, R_DS, R_FS, R_GS,  /* segment registers */
	R_CR0 = 32,                    /* R_CR0 + n for CRn */
	R_DR0 = 48,                    /* R_DR0 + n for DRn */
	R_RIP = 60,                    /* base of RIP-relative operands */
	R_NONE = 0xff,
};

enum { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS, SEG_NONE = 0xff };

/* Cached segment register (the hidden part), as KVM's struct kvm_segment. */
struct seg {
	uint64_t base;
	uint32_t limit; /* byte granular, already scaled by G */
	uint16_t sel;
	uint8_t type, s, dpl, present, avl, l, db, g, unusable;
};

struct dtable {
	uint64_t base;
	uint16_t limit;
};

/* ---- decoded instruction ---- */
enum op_kind { OP_NONE, OP_REG, OP_MEM, OP_IMM, OP_PTR };

struct operand {
	uint8_t kind;   /* enum op_kind */
	uint8_t size;   /* bytes (1, 2, 4, 8; 6/10/16 for some memory operands) */
	uint8_t reg;    /* OP_REG: R_*; byte registers 0..15 are the low bytes */
	uint8_t seg;    /* OP_MEM: SEG_* after overrides */
	uint8_t base;   /* OP_MEM: R_* or R_NONE; R_RIP for RIP-relative */
	uint8_t index;  /* OP_MEM: R_* or R_NONE */
	uint8_t scale;  /* OP_MEM: 1, 2, 4, 8 */
	uint16_t sel;   /* OP_PTR: selector of a far pointer */
	int64_t disp;   /* OP_MEM displacement; OP_IMM value (sign-extended); OP_PTR offset */
};

struct soft_cpu;
struct insn;
typedef int (*insn_fn)(struct soft_cpu *cpu, const struct insn *in);

enum { PFX_LOCK = 1, PFX_REP = 2, PFX_REPNE = 4 };

struct insn {
	insn_fn fn;
	uint16_t mnemonic; /* ZydisMnemonic */
	uint8_t len;       /* bytes */
	uint8_t opsize;    /* effective operand size, bytes */
	uint8_t addrsize;  /* effective address size, bytes */
	uint8_t nops;      /* visible operands in op[] */
	uint8_t prefix;    /* PFX_* */
	uint8_t cc;        /* condition code 0..15 for jcc/setcc/cmovcc */
	uint8_t aux;       /* handler-private detail chosen at decode time */
	uint8_t iflags;    /* INSN_F_* loop hints set by decode.c (exec.h) */
	struct operand op[3];
};

/* ---- lazy flags ---- */
struct lazy_flags {
	uint64_t res, src1, src2; /* result and operands of the last flag-setting op */
	uint8_t op;               /* which operation produced them (flags.c's enum) */
	uint8_t size;             /* operand size in bytes */
};

/* ---- TLB ---- */
#define TLB_ENTRIES 256
#define TLB_PAGE_RING 8
struct tlb_entry {
	uint64_t vpage;  /* linear page number | valid bit, see mmu.c */
	uint8_t *host;   /* host pointer of the page, NULL for MMIO/absent */
	uint64_t gpage;  /* guest-physical page address */
	uint8_t perm;    /* permissions cached for this entry (mmu.c) */
	/*
	 * The page's bit in vm->code_bitmap: byte index and mask (0 when the
	 * bitmap does not cover it), so that translated code tests it in
	 * four instructions.
	 */
	uint8_t code_mask;
	uint32_t code_byte;
};

/* ---- the vCPU ---- */
struct soft_cpu {
	uint64_t gpr[16];
	uint64_t rip;      /* address of the instruction being executed */
	uint64_t next_rip; /* set by the loop to rip + len; branches overwrite it */
	uint64_t rflags;   /* non-arithmetic bits; arithmetic ones live in lf */
	struct lazy_flags lf;

	struct seg seg[6];
	struct seg ldtr, tr;
	struct dtable gdtr, idtr;
	uint64_t cr0, cr2, cr3, cr4, cr8, efer;
	uint64_t dr[8];
	uint64_t apic_base;
	uint64_t star, lstar, cstar, fmask, kernel_gs_base;
	uint64_t sysenter_cs, sysenter_esp, sysenter_eip;
	uint64_t pat, misc_enable, tsc_offset, tsc_aux;
	uint64_t ucode_rev; /* IA32_BIOS_SIGN_ID: the microcode revision in bits 63:32 */
	uint64_t mcg_status; /* IA32_MCG_STATUS (no banks: MCG_CAP reads 0) */
	uint64_t spec_ctrl;  /* IA32_SPEC_CTRL: IBRS, held and without effect (msr.c) */
	struct soft_mtrr mtrr;

	uint8_t cpl;       /* current privilege level (CS.DPL, SS.DPL) */
	uint8_t code_bits; /* 16, 32 or 64: decode mode from CS.L/CS.D and EFER.LMA */

	/* pending exception (EXEC_FAULT) */
	struct {
		bool pending;
		uint8_t vector;
		bool has_error;
		uint32_t error;
		uint8_t nesting; /* 0 = first, 1 = while delivering (#DF), 2 = triple */
	} exc;
	/* While an event is delivered (except.c): its VMX IDT-vectoring information; else 0. */
	uint32_t delivering;

	/* external interrupts (KVM_INTERRUPT) and the STI/MOV SS shadow */
	bool irq_pending;
	uint8_t irq_vector;
	bool int_shadow; /* interrupts blocked for one more instruction */
	bool halted;

	/*
	 * I/O and MMIO exit bookkeeping (io.c). An instruction may need
	 * several accesses outside RAM (a page-crossing or wider-than-8-byte
	 * access, a far pointer, an IRET frame): as KVM's emulator, each
	 * piece of at most 8 bytes is one exit. Reads stop the instruction;
	 * it is re-executed after each and takes the reads completed so far
	 * in order (rd). Writes are queued (wr) and leave one per KVM_RUN
	 * after the instruction committed.
	 */
	struct {
		struct io_piece {
			uint64_t addr;
			uint32_t size, count;
			bool mmio;
			uint8_t data[8]; /* MMIO data; port data is in pio_data */
		} rd[IO_MAX_PIECES], wr[IO_MAX_PIECES];
		uint8_t nrd;	 /* reads in rd[] (the last one outstanding while read_exit) */
		uint8_t rd_next; /* the next read a re-execution takes from rd[] */
		uint8_t nwr;	 /* writes in wr[] */
		uint8_t wr_next; /* the next write to hand to the VMM */
		bool replay;	 /* re-executing the instruction whose reads are in rd[] */
		bool read_done;	 /* rd[] is complete: re-execute the instruction first */
		bool read_exit;	 /* a read exit is outstanding (io.c/soft_cpu.c) */
		bool exit_after_commit; /* kvm_run holds an exit (write, HLT): leave after commit */
		uint8_t pio_data[4096]; /* IN/INS data returned by userspace */
	} io;

	/* guest debug (KVM_SET_GUEST_DEBUG) */
	uint32_t debug_control;
	uint64_t debug_bp[4];
	uint64_t debug_dr7;  /* arch.debugreg[7]: which debug_bp are enabled, and how */
	bool debug_resume;   /* run.c: skip the hw breakpoint at rip once after its exit */
	uint8_t watch_mask;  /* watch.c: debug registers that are data breakpoints */
	uint8_t watch_hits;  /* watch.c: those hit by the current instruction (DR6 B0-B3) */

	/* set by soft_cpu_kick() (async-signal-safe): KVM_RUN returns -EINTR */
	volatile int kick;
	/*
	 * Work left before the loop looks at kicks again, in string elements
	 * (a rep element, or 64 bytes of a bulk rep stos): the run loop sets
	 * it to STRING_WORK_BUDGET before each block, rep string instructions
	 * spend it and return EXEC_YIELD when it is gone. It bounds the time
	 * between kick checks whatever the guest runs (issue 9).
	 */
	int32_t string_work;

	struct kvm_cpuid_entry2 *cpuid;
	uint32_t cpuid_nent;

	/* x87/MMX/SSE state (fpu.h): the one home of the FPU registers */
	struct fpu_state fpu;
	/* the native executor of FP/vector instructions (fpu_native.h) */
	struct fpu_native *fnat;
	/* the binary translator (bt.h); NULL: the interpreter runs everything */
	struct bt *bt;
	/* the in-"kernel" local APIC (lapic.c), NULL until KVM_CREATE_IRQCHIP */
	struct lapic *lapic;
	/*
	 * In-"kernel" interrupts (irqchip.c). irq_work: another thread (or
	 * this one) changed what this vCPU may take; the loop looks between
	 * blocks, without returning to the VMM (unlike kick). A halted vCPU
	 * sleeps on the futex word wake_seq (sleeping set meanwhile).
	 * intr_ready: an interrupt waits for IF (computed under the lock).
	 * NMI: pending (KVM_NMI, LAPIC) and blocked until IRET.
	 */
	volatile uint32_t irq_work;
	uint32_t wake_seq, sleeping;
	bool intr_ready;
	bool nmi_pending, nmi_masked;
	uint64_t timer_due_ns;	 /* earliest PIT/LAPIC timer expiry (host ns), UINT64_MAX none */
	uint64_t timer_poll_insns; /* insns retired when the loop last read the clock */
	/* kvmclock (pvclock.c): MSR_KVM_SYSTEM_TIME_NEW, MSR_KVM_WALL_CLOCK_NEW */
	uint64_t pvclock_msr, wall_clock_msr;
	uint32_t pvclock_generation; /* clock generation the record was written for */

	struct tlb_entry tlb[TLB_ENTRIES];
	uint32_t tlb_generation; /* soft_vm generation the TLB was filled under */
	uint64_t tlb_flushes;	 /* bumped by every flush (the translator's jump cache) */
	/*
	 * The single 4 KiB pages INVLPG dropped (no large-page entry with
	 * them), the last TLB_PAGE_RING of them, numbered by tlb_page_seq:
	 * the jump cache keeps its entries over flushes of pages it has none in.
	 */
	uint64_t tlb_page_seq;
	uint64_t tlb_page_ring[TLB_PAGE_RING];

	struct soft_vm *vm;
	struct kvm_run *run;
	unsigned id;
	struct soft_cpu_stats stats;
};

/* ---- memory slots and the decoded-code cache ---- */
struct soft_slot {
	uint64_t gpa, size;
	uint8_t *hva;
	uint32_t flags;
	bool used;
};

struct code_cache;    /* decode_cache.c */
struct soft_irqchip; /* irqchip.c: PIC, IOAPIC, PIT and the VM clock */

struct soft_vm {
	struct soft_slot slot[SOFT_NR_MEMSLOTS];
	/* one bit per guest page holding decoded code (decode_cache.c) */
	uint8_t *code_bitmap;
	uint64_t code_bitmap_pages;
	struct code_cache *cc;
	uint32_t generation; /* bumped on slot changes: TLBs and caches revalidate */
	uint32_t run_epoch;  /* bumped on every KVM_RUN: the VMM may have written RAM */
	uint32_t code_drops; /* bumped when decoded pages are dropped (decode_cache.c) */
	struct soft_irqchip *irqchip; /* NULL until KVM_CREATE_IRQCHIP */
	struct soft_clock clock;      /* host time, guest TSC, KVM clock (clock.h) */
};

/* Host pointer of [gpa, gpa+len) if inside one slot, else NULL (never touches outside). */
uint8_t *soft_vm_gpa_ptr(struct soft_vm *vm, uint64_t gpa, uint64_t len);

/* ---- memory API (mmu.c) ---- */
enum {
	ACC_READ = 1,
	ACC_WRITE = 2,
	ACC_EXEC = 4,
	ACC_SUPER = 8, /* implicit supervisor access (GDT, IDT, TSS) even at CPL 3 */
	ACC_PROBE = 16, /* a debugger's look (KVM_TRANSLATE): no #PF, no CR2, no A/D bits */
};

/* Logical accesses: segment checks, then paging; MMIO goes to io_read/io_write. */
int mem_read(struct soft_cpu *cpu, int seg, uint64_t off, void *dst, unsigned size);
int mem_write(struct soft_cpu *cpu, int seg, uint64_t off, const void *src, unsigned size);
/* Linear accesses (system structures, stacks built by delivery); acc is ACC_*. */
int mem_read_lin(struct soft_cpu *cpu, uint64_t lin, void *dst, unsigned size, int acc);
int mem_write_lin(struct soft_cpu *cpu, uint64_t lin, const void *src, unsigned size, int acc);
/*
 * Host pointer for an atomic read-modify-write of size bytes, or NULL with
 * *rc set: EXEC_FAULT/EXEC_EXIT, or EXEC_OK when the access is legal but
 * cannot be atomic (MMIO or page crossing: the caller then uses
 * mem_read + mem_write).
 */
void *mem_rmw_ptr(struct soft_cpu *cpu, int seg, uint64_t off, unsigned size, int *rc);
/* The same for reading only (no write permission needed, no code-cache note). */
const void *mem_read_ptr(struct soft_cpu *cpu, int seg, uint64_t off, unsigned size, int *rc);
/*
 * Instruction fetch translation: guest-physical address and host pointer
 * of linear address lin, checked for execute. *avail = bytes to the end
 * of the page. EXEC_FAULT on #PF/#GP, EXEC_EXIT when not RAM.
 * NB: *host points at lin itself, not at the start of its page (the
 * page starts at *host - (lin & 0xfff)); likewise *gpa is lin's address.
 */
int mem_fetch_translate(struct soft_cpu *cpu, uint64_t lin, uint64_t *gpa, const uint8_t **host,
			unsigned *avail);
/*
 * Whether the page of linear address lin is guest RAM for access acc
 * (false: MMIO, one exit per piece). EXEC_FAULT as the access would.
 */
int mem_lin_is_ram(struct soft_cpu *cpu, uint64_t lin, int acc, bool *ram);
/* Segment-relative address -> linear, with limit/canonical checks (EXEC_FAULT). */
int seg_linear(struct soft_cpu *cpu, int seg, uint64_t off, unsigned size, int acc,
	       uint64_t *lin);
/*
 * KVM_TRANSLATE: walk the guest's page tables for linear address lin as a
 * supervisor read would, without side effects. true with *gpa when mapped.
 */
bool mem_probe_translate(struct soft_cpu *cpu, uint64_t lin, uint64_t *gpa, bool *writeable);
/* ---- data breakpoints (watch.c) ---- */
/* After KVM_SET_GUEST_DEBUG: which debug registers watch data; flushes the TLB. */
void watch_configure(struct soft_cpu *cpu);
/* lin's page holds a watched byte: keep it out of the TLB so accesses reach watch_access(). */
bool watch_page(const struct soft_cpu *cpu, uint64_t lin);
/* An access of the slow path: note the data breakpoints it hits in watch_hits. */
void watch_access(struct soft_cpu *cpu, uint64_t lin, unsigned size, bool write);

void tlb_flush(struct soft_cpu *cpu);
void tlb_flush_page(struct soft_cpu *cpu, uint64_t lin);

/* ---- port and MMIO exits (io.c) ---- */
/*
 * A read: EXEC_OK with data when the VMM already completed it (re-execution),
 * else kvm_run is filled and EXEC_EXIT returned. For string I/O count > 1.
 */
int io_read(struct soft_cpu *cpu, bool mmio, uint64_t addr, unsigned size, unsigned count,
	    void *data);
/* A write: fills kvm_run, returns EXEC_OK; the loop exits after the instruction commits. */
int io_write(struct soft_cpu *cpu, bool mmio, uint64_t addr, unsigned size, unsigned count,
	     const void *data);
/* The instruction faulted instead of committing: forget its writes. */
void io_drop_writes(struct soft_cpu *cpu);

/* ---- exceptions (except.c) ---- */
/* Queue an exception for delivery; returns EXEC_FAULT. */
int cpu_fault(struct soft_cpu *cpu, int vector, uint32_t error);   /* with error code */
int cpu_fault_noerr(struct soft_cpu *cpu, int vector);
/* Deliver cpu->exc through the IDT (#DF, triple fault -> KVM_EXIT_SHUTDOWN: returns EXEC_EXIT). */
int cpu_deliver_exception(struct soft_cpu *cpu);
/* Deliver a software interrupt (int n/int3/into): next_rip is the return address. */
int cpu_soft_interrupt(struct soft_cpu *cpu, int vector);
/*
 * Deliver the queued external interrupt if IF=1 and no shadow; true if delivered.
 * EXEC_EXIT (2) when delivering it triple-faulted: kvm_run holds KVM_EXIT_SHUTDOWN.
 */
int cpu_deliver_irq(struct soft_cpu *cpu);
/*
 * Deliver an acknowledged external interrupt or NMI (vector) now, whatever
 * IF says (the caller checked): 1, or EXEC_EXIT after a triple fault.
 */
int cpu_deliver_external(struct soft_cpu *cpu, uint8_t vector);

/* ---- modes and segments (seg.c) ---- */
void cpu_update_mode(struct soft_cpu *cpu); /* recompute cpl/code_bits after CS/CR0/EFER */
int seg_load(struct soft_cpu *cpu, int seg, uint16_t sel); /* mov/pop to a segment register */

/* ---- flags (flags.c) ---- */
uint64_t cpu_get_rflags(struct soft_cpu *cpu);
void cpu_set_rflags(struct soft_cpu *cpu, uint64_t v);
bool cpu_cond(struct soft_cpu *cpu, unsigned cc); /* condition code 0..15 as in Jcc */

/* ---- operands and stack (operand.c) ---- */
int op_read(struct soft_cpu *cpu, const struct insn *in, int i, uint64_t *v);
int op_write(struct soft_cpu *cpu, const struct insn *in, int i, uint64_t v);

/* ---- decoded-code cache (decode_cache.c) ---- */
void code_cache_invalidate_page(struct soft_vm *vm, uint64_t gpage);
void code_cache_flush(struct soft_vm *vm);

/* Called by every write to guest RAM: drop decoded code of the written pages. */
static inline void code_cache_note_write(struct soft_vm *vm, uint64_t gpa, unsigned len)
{
	uint64_t p = gpa >> 12, last = (gpa + (len ? len - 1 : 0)) >> 12;

	for (; p <= last; p++)
		if (p < vm->code_bitmap_pages && (vm->code_bitmap[p >> 3] >> (p & 7)) & 1)
			code_cache_invalidate_page(vm, p);
}

/* ---- the execute loop (run.c): runs until kvm_run holds an exit ---- */
/*
 * On KVM_RUN after a read exit: re-execute the instruction waiting for
 * the data alone, before anything else (as KVM's complete_userspace_io).
 * 1 when kvm_run holds an exit (its next read, its write...), else 0.
 */
int cpu_complete_io(struct soft_cpu *cpu);
/* One instruction with every check (the translator's fallback): 0 go on, 1 exit. */
int cpu_step(struct soft_cpu *cpu);
/* The interpreter's block loop (the translator's fallback): 0 go on, 1 exit. */
int cpu_interp_block(struct soft_cpu *cpu);
/* About 0.1-1 ms of string work between two looks at kicks (cpu->string_work). */
#define STRING_WORK_BUDGET 8192
int cpu_run_loop(struct soft_cpu *cpu);

/*
 * The execute loop (run.c), called by soft_cpu_run() after any pending
 * read was completed. Returns 0 with kvm_run describing the exit, or
 * -EINTR (run->exit_reason = KVM_EXIT_INTR) after soft_cpu_kick().
 * A handler that must exit *after* committing (OUT, MMIO write, HLT...)
 * fills kvm_run, sets cpu->io.exit_after_commit and returns EXEC_OK.
 * (cpu_run_loop is declared above.)
 */
/* Free the decoded-code cache (soft_vm_destroy calls it). */
void code_cache_destroy(struct soft_vm *vm);

/* Log an unimplemented opcode once (bytes and disassembly) and raise #UD. */
int cpu_undefined(struct soft_cpu *cpu, const struct insn *in);

#endif
