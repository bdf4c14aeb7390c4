// SPDX-License-Identifier: MIT
/*
 * The public API of the soft CPU (soft_cpu.h): creation in the x86
 * power-on state as KVM reports it after KVM_CREATE_VCPU, conversion of
 * the state to and from KVM's structs, and KVM_RUN (complete a pending
 * read, then run the execute loop until the next exit).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vcpu/soft/bt.h"
#include "vcpu/soft/exec.h"
#include "vcpu/soft/fpu_native.h"
#include "vcpu/soft/irqchip.h"
#include "vcpu/soft/pvclock.h"
#include "vcpu/soft/sys.h"

static void seg_reset(struct seg *s, uint16_t sel, uint64_t base, uint8_t type, uint8_t sbit)
{
	memset(s, 0, sizeof(*s));
	s->sel = sel;
	s->base = base;
	s->limit = 0xffff;
	s->type = type;
	s->s = sbit;
	s->present = 1;
}

/* SDM vol. 3 9.1.1 power-on state, with the values KVM shows for it. */
static void cpu_reset(struct soft_cpu *cpu)
{
	unsigned i;

	memset(cpu->gpr, 0, sizeof(cpu->gpr));
	cpu->gpr[R_RDX] = 0x600; /* family 6 processor signature */
	cpu->rip = 0xfff0;
	cpu->next_rip = cpu->rip;
	memset(&cpu->lf, 0, sizeof(cpu->lf));
	cpu_set_rflags(cpu, FL_FIXED);
	seg_reset(&cpu->seg[SEG_CS], 0xf000, 0xffff0000ULL, 0xb, 1);
	for (i = 0; i < 6; i++)
		if (i != SEG_CS)
			seg_reset(&cpu->seg[i], 0, 0, 0x3, 1);
	seg_reset(&cpu->tr, 0, 0, 0xb, 0);
	seg_reset(&cpu->ldtr, 0, 0, 0x2, 0);
	cpu->gdtr.base = 0;
	cpu->gdtr.limit = 0xffff;
	cpu->idtr.base = 0;
	cpu->idtr.limit = 0xffff;
	cpu->cr0 = CR0_CD | CR0_NW | CR0_ET;
	cpu->cr2 = cpu->cr3 = cpu->cr4 = cpu->cr8 = cpu->efer = 0;
	memset(cpu->dr, 0, sizeof(cpu->dr));
	cpu->dr[6] = 0xffff0ff0;
	cpu->dr[7] = 0x400;
	cpu->apic_base = 0xfee00900ULL; /* enabled, BSP */
	cpu->pat = 0x0007040600070406ULL;
	cpu->misc_enable = 1; /* fast strings, as KVM */
	cpu->exc.pending = false;
	cpu->irq_pending = false;
	cpu->int_shadow = false;
	cpu->halted = false;
	fpu_reset(&cpu->fpu);
	cpu_update_mode(cpu);
}

struct soft_cpu *soft_cpu_create(struct soft_vm *vm, unsigned id, struct kvm_run *run)
{
	struct soft_cpu *cpu;

	if (!vm || !run)
		return NULL;
	/* the FPU image inside is 64-byte aligned (XSAVE's rule): calloc promises only 16 */
	cpu = aligned_alloc(_Alignof(struct soft_cpu), sizeof(*cpu));
	if (!cpu)
		return NULL;
	memset(cpu, 0, sizeof(*cpu));
	cpu->vm = vm;
	cpu->run = run;
	cpu->id = id;
	/* now: the sandbox entered later forbids executable mappings */
	cpu->fnat = fpu_native_create();
	if (!cpu->fnat) {
		free(cpu);
		return NULL;
	}
	if (soft_engine_default() == SOFT_ENGINE_BT && !(cpu->bt = bt_create(cpu))) {
		fpu_native_destroy(cpu->fnat);
		free(cpu);
		return NULL;
	}
	cpu_reset(cpu);
	if (id)
		cpu->apic_base &= ~(1ULL << 8); /* only vCPU 0 is the bootstrap processor */
	/* as KVM, the guest TSC starts near 0 when the vCPU is created */
	cpu->tsc_offset = -soft_tsc_from_ns(soft_clock_host_ns(&vm->clock));
	cpu->timer_due_ns = UINT64_MAX;
	cpu->ucode_rev = 1ULL << 32; /* microcode revision 1, KVM's default */
	if (vm->irqchip && irqchip_attach_cpu(vm->irqchip, cpu)) {
		bt_destroy(cpu->bt);
		fpu_native_destroy(cpu->fnat);
		free(cpu);
		return NULL;
	}
	tlb_flush(cpu);
	return cpu;
}

void soft_cpu_destroy(struct soft_cpu *cpu)
{
	if (!cpu)
		return;
	if (cpu->lapic)
		irqchip_detach_cpu(cpu->vm->irqchip, cpu);
	free(cpu->cpuid);
	bt_destroy(cpu->bt);
	fpu_native_destroy(cpu->fnat);
	free(cpu);
}

void soft_cpu_get_regs(struct soft_cpu *cpu, struct kvm_regs *r)
{
	r->rax = cpu->gpr[R_RAX];
	r->rbx = cpu->gpr[R_RBX];
	r->rcx = cpu->gpr[R_RCX];
	r->rdx = cpu->gpr[R_RDX];
	r->rsi = cpu->gpr[R_RSI];
	r->rdi = cpu->gpr[R_RDI];
	r->rsp = cpu->gpr[R_RSP];
	r->rbp = cpu->gpr[R_RBP];
	r->r8 = cpu->gpr[R_R8];
	r->r9 = cpu->gpr[R_R9];
	r->r10 = cpu->gpr[R_R10];
	r->r11 = cpu->gpr[R_R11];
	r->r12 = cpu->gpr[R_R12];
	r->r13 = cpu->gpr[R_R13];
	r->r14 = cpu->gpr[R_R14];
	r->r15 = cpu->gpr[R_R15];
	r->rip = cpu->rip;
	r->rflags = cpu_get_rflags(cpu);
}

void soft_cpu_set_regs(struct soft_cpu *cpu, const struct kvm_regs *r)
{
	cpu->gpr[R_RAX] = r->rax;
	cpu->gpr[R_RBX] = r->rbx;
	cpu->gpr[R_RCX] = r->rcx;
	cpu->gpr[R_RDX] = r->rdx;
	cpu->gpr[R_RSI] = r->rsi;
	cpu->gpr[R_RDI] = r->rdi;
	cpu->gpr[R_RSP] = r->rsp;
	cpu->gpr[R_RBP] = r->rbp;
	cpu->gpr[R_R8] = r->r8;
	cpu->gpr[R_R9] = r->r9;
	cpu->gpr[R_R10] = r->r10;
	cpu->gpr[R_R11] = r->r11;
	cpu->gpr[R_R12] = r->r12;
	cpu->gpr[R_R13] = r->r13;
	cpu->gpr[R_R14] = r->r14;
	cpu->gpr[R_R15] = r->r15;
	cpu->rip = r->rip;
	cpu->next_rip = r->rip;
	/* bit 1 always reads as one; the reserved upper bits are dropped */
	cpu_set_rflags(cpu, (r->rflags & 0x3f7fd7ULL) | FL_FIXED);
	/* new state: whatever was half done for an I/O exit is void */
	cpu->io.read_done = false;
}

static void seg_to_kvm(const struct seg *s, struct kvm_segment *k)
{
	memset(k, 0, sizeof(*k));
	k->base = s->base;
	k->limit = s->limit;
	k->selector = s->sel;
	k->type = s->type;
	k->present = s->present;
	k->dpl = s->dpl;
	k->db = s->db;
	k->s = s->s;
	k->l = s->l;
	k->g = s->g;
	k->avl = s->avl;
	k->unusable = s->unusable;
}

static void seg_from_kvm(struct seg *s, const struct kvm_segment *k)
{
	s->base = k->base;
	s->limit = k->limit;
	s->sel = k->selector;
	s->type = k->type & 15;
	s->present = !!k->present;
	s->dpl = k->dpl & 3;
	s->db = !!k->db;
	s->s = !!k->s;
	s->l = !!k->l;
	s->g = !!k->g;
	s->avl = !!k->avl;
	s->unusable = !!k->unusable;
}

void soft_cpu_get_sregs(struct soft_cpu *cpu, struct kvm_sregs *sr)
{
	memset(sr, 0, sizeof(*sr));
	seg_to_kvm(&cpu->seg[SEG_CS], &sr->cs);
	seg_to_kvm(&cpu->seg[SEG_DS], &sr->ds);
	seg_to_kvm(&cpu->seg[SEG_ES], &sr->es);
	seg_to_kvm(&cpu->seg[SEG_FS], &sr->fs);
	seg_to_kvm(&cpu->seg[SEG_GS], &sr->gs);
	seg_to_kvm(&cpu->seg[SEG_SS], &sr->ss);
	seg_to_kvm(&cpu->tr, &sr->tr);
	seg_to_kvm(&cpu->ldtr, &sr->ldt);
	sr->gdt.base = cpu->gdtr.base;
	sr->gdt.limit = cpu->gdtr.limit;
	sr->idt.base = cpu->idtr.base;
	sr->idt.limit = cpu->idtr.limit;
	sr->cr0 = cpu->cr0;
	sr->cr2 = cpu->cr2;
	sr->cr3 = cpu->cr3;
	sr->cr4 = cpu->cr4;
	sr->cr8 = cpu->lapic ? irqchip_cr8(cpu) : cpu->cr8;
	sr->efer = cpu->efer;
	sr->apic_base = cpu_apic_base(cpu);
	if (cpu->irq_pending)
		sr->interrupt_bitmap[cpu->irq_vector / 64] = 1ULL << (cpu->irq_vector % 64);
}

/* The consistency KVM demands of KVM_SET_SREGS (kvm_is_valid_sregs). */
static bool sregs_valid(const struct kvm_sregs *sr)
{
	if ((sr->cr0 & CR0_PG) && !(sr->cr0 & CR0_PE))
		return false;
	if ((sr->cr0 & CR0_NW) && !(sr->cr0 & CR0_CD))
		return false;
	if (sr->cr0 >> 32)
		return false;
	if ((sr->efer & EFER_LME) && (sr->cr0 & CR0_PG)) {
		if (!(sr->cr4 & CR4_PAE) || !(sr->efer & EFER_LMA))
			return false;
		if (sr->cs.l && sr->cs.db)
			return false;
	} else if (sr->efer & EFER_LMA) {
		return false;
	}
	return true;
}

int soft_cpu_set_sregs(struct soft_cpu *cpu, const struct kvm_sregs *sr)
{
	unsigned i;

	if (!sregs_valid(sr) || !cpu_cr4_valid(cpu, sr->cr4))
		return -EINVAL;
	seg_from_kvm(&cpu->seg[SEG_CS], &sr->cs);
	seg_from_kvm(&cpu->seg[SEG_DS], &sr->ds);
	seg_from_kvm(&cpu->seg[SEG_ES], &sr->es);
	seg_from_kvm(&cpu->seg[SEG_FS], &sr->fs);
	seg_from_kvm(&cpu->seg[SEG_GS], &sr->gs);
	seg_from_kvm(&cpu->seg[SEG_SS], &sr->ss);
	seg_from_kvm(&cpu->tr, &sr->tr);
	seg_from_kvm(&cpu->ldtr, &sr->ldt);
	cpu->gdtr.base = sr->gdt.base;
	cpu->gdtr.limit = sr->gdt.limit;
	cpu->idtr.base = sr->idt.base;
	cpu->idtr.limit = sr->idt.limit;
	cpu->cr0 = sr->cr0 | CR0_ET;
	cpu->cr2 = sr->cr2;
	cpu->cr3 = sr->cr3;
	cpu->cr4 = sr->cr4;
	cpu->cr8 = sr->cr8 & 15;
	if (cpu->lapic) {
		irqchip_set_cr8(cpu, sr->cr8 & 15);
		msr_write_host(cpu, MSR_IA32_APIC_BASE, sr->apic_base, true);
	}
	cpu->efer = sr->efer;
	cpu->apic_base = sr->apic_base;
	for (i = 0; i < 256; i++) {
		if ((sr->interrupt_bitmap[i / 64] >> (i % 64)) & 1) {
			cpu->irq_pending = true;
			cpu->irq_vector = (uint8_t)i;
			break;
		}
	}
	cpu->io.read_done = false;
	cpu_update_mode(cpu);
	tlb_flush(cpu);
	return 0;
}

int soft_cpu_interrupt(struct soft_cpu *cpu, unsigned vector)
{
	if (vector > 255)
		return -EINVAL;
	/* as KVM: KVM_INTERRUPT is for a userspace irqchip only */
	if (cpu->lapic)
		return -ENXIO;
	/* KVM without an in-kernel irqchip replaces a vector not yet delivered. */
	cpu->irq_pending = true;
	cpu->irq_vector = (uint8_t)vector;
	return 0;
}

int soft_cpu_set_guest_debug(struct soft_cpu *cpu, const struct kvm_guest_debug *dbg)
{
	const uint32_t known = KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP |
			       KVM_GUESTDBG_USE_SW_BP | KVM_GUESTDBG_USE_HW_BP;
	unsigned i;

	if (dbg->control & ~known)
		return -EINVAL;
	cpu->debug_control = (dbg->control & KVM_GUESTDBG_ENABLE) ? dbg->control : 0;
	for (i = 0; i < 4; i++)
		cpu->debug_bp[i] = dbg->arch.debugreg[i];
	/* the debugger's DR7 is its own; the guest keeps seeing its DR7 */
	cpu->debug_dr7 = (cpu->debug_control & KVM_GUESTDBG_USE_HW_BP) ? dbg->arch.debugreg[7] : 0;
	cpu->debug_resume = false;
	watch_configure(cpu);
	return 0;
}

void soft_cpu_translate(struct soft_cpu *cpu, struct kvm_translation *tr)
{
	uint64_t gpa = 0;
	bool writeable = false;

	tr->valid = mem_probe_translate(cpu, tr->linear_address, &gpa, &writeable);
	tr->physical_address = tr->valid ? gpa : 0;
	tr->writeable = writeable;
	tr->usermode = 0;
}

int soft_cpu_get_msr(struct soft_cpu *cpu, uint32_t index, uint64_t *value)
{
	return msr_read(cpu, index, value);
}

int soft_cpu_set_msr(struct soft_cpu *cpu, uint32_t index, uint64_t value)
{
	return msr_write_host(cpu, index, value, true);
}

/* What KVM leaves in kvm_run after every KVM_RUN (the loop does it on its exits). */
static void run_save(struct soft_cpu *cpu)
{
	struct kvm_run *run = cpu->run;
	bool if_flag = cpu_get_rflags(cpu) & FL_IF;

	run->if_flag = if_flag;
	run->cr8 = cpu->lapic ? irqchip_cr8(cpu) : cpu->cr8;
	run->apic_base = cpu_apic_base(cpu);
	run->ready_for_interrupt_injection = if_flag && !cpu->int_shadow && !cpu->irq_pending;
	run->flags = 0;
}

/* An exit made by KVM_RUN before the loop runs: what the loop does when it leaves. */
static int exit_now(struct soft_cpu *cpu)
{
	run_save(cpu);
	cpu->stats.exits++;
	return 0;
}

int soft_cpu_run(struct soft_cpu *cpu)
{
	struct kvm_run *run = cpu->run;

	/* Userspace may have written guest RAM since the last exit (decode_cache.c). */
	cpu->vm->run_epoch++;
	if (cpu->tlb_generation != cpu->vm->generation)
		tlb_flush(cpu);
	/* userspace may change the TPR, as with KVM without an in-kernel LAPIC */
	if (!cpu->lapic)
		cpu->cr8 = run->cr8 & 15;
	pvclock_refresh(cpu);
	cpu->io.exit_after_commit = false;
	/*
	 * As KVM's complete_userspace_io, before immediate_exit is looked
	 * at: the next queued write piece is the exit, or a pending read
	 * completes (its data and the new RIP land) unless it needs another
	 * exit. Only then does immediate_exit return -EINTR.
	 */
	if (io_next_write(cpu))
		return exit_now(cpu);
	io_complete_read(cpu);
	if (cpu->io.read_done && cpu_complete_io(cpu))
		return 0;
	if (run->immediate_exit) {
		/* KVM returns -EINTR here without touching exit_reason */
		run_save(cpu);
		cpu->stats.exits++;
		return -EINTR;
	}
	return cpu_run_loop(cpu);
}

const struct soft_cpu_stats *soft_cpu_get_stats(const struct soft_cpu *cpu)
{
	return &cpu->stats;
}
