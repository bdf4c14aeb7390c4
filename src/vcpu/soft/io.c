// SPDX-License-Identifier: MIT
/*
 * Port and MMIO exits, as KVM makes them. An access outside RAM is cut
 * into pieces of at most 8 bytes (as KVM's emulator does with its MMIO
 * fragments), one exit each.
 *
 * A read piece stops the instruction before it commits and fills
 * kvm_run; the next KVM_RUN hands back the data (io_complete_read) and
 * re-executes the instruction alone (run.c), which takes the pieces read
 * so far in order and exits again for the next one until it completes.
 *
 * A write piece lets the instruction go on: the first fills kvm_run and
 * the loop exits after the instruction commits; the others are queued
 * and each following KVM_RUN hands one to the VMM (io_next_write) before
 * anything runs. Also the port instructions IN/OUT/INS/OUTS with their
 * I/O privilege checks.
 */
#include <string.h>

#include <Zydis/Zydis.h>

#include "vcpu/soft/irqchip.h"
#include "vcpu/soft/sys.h"

/* The I/O data page: the second page of the vCPU's kvm_run mapping, like KVM. */
#define IO_DATA_OFFSET 4096
#define IO_DATA_MAX 4096
#define MMIO_PIECE_MAX 8 /* sizeof(kvm_run.mmio.data) */

static void fill_pio(struct soft_cpu *cpu, bool in, uint64_t port, unsigned size, unsigned count)
{
	struct kvm_run *run = cpu->run;

	run->exit_reason = KVM_EXIT_IO;
	run->io.direction = in ? KVM_EXIT_IO_IN : KVM_EXIT_IO_OUT;
	run->io.size = (uint8_t)size;
	run->io.port = (uint16_t)port;
	run->io.count = count;
	run->io.data_offset = IO_DATA_OFFSET;
}

static void fill_mmio(struct soft_cpu *cpu, bool write, uint64_t addr, unsigned size)
{
	struct kvm_run *run = cpu->run;

	run->exit_reason = KVM_EXIT_MMIO;
	run->mmio.phys_addr = addr;
	run->mmio.len = size;
	run->mmio.is_write = write;
	memset(run->mmio.data, 0, sizeof(run->mmio.data));
}

/* The instruction cannot be completed: KVM's emulation failure. */
static int io_too_big(struct soft_cpu *cpu)
{
	memset(&cpu->run->internal, 0, sizeof(cpu->run->internal));
	cpu->run->exit_reason = KVM_EXIT_INTERNAL_ERROR;
	cpu->run->internal.suberror = KVM_INTERNAL_ERROR_EMULATION;
	cpu->io.nwr = 0;
	cpu->io.exit_after_commit = false;
	return EXEC_EXIT;
}

/*
 * An event's delivery (the IDT, a descriptor, the TSS or the new stack)
 * reached memory outside RAM. KVM with VMX cannot complete that either:
 * an EPT misconfiguration while delivering ends KVM_RUN with
 * KVM_EXIT_INTERNAL_ERROR, suberror KVM_INTERNAL_ERROR_DELIVERY_EV
 * (vmx.c, __vmx_handle_exit), with the IDT-vectoring information, the exit
 * reason, the exit qualification and the address. Nothing was committed.
 */
#define VMX_EXIT_EPT_MISCONFIG 49

static int delivery_outside_ram(struct soft_cpu *cpu, uint64_t gpa)
{
	struct kvm_run *run = cpu->run;

	memset(&run->internal, 0, sizeof(run->internal));
	run->exit_reason = KVM_EXIT_INTERNAL_ERROR;
	run->internal.suberror = KVM_INTERNAL_ERROR_DELIVERY_EV;
	run->internal.ndata = 4;
	run->internal.data[0] = cpu->delivering;
	run->internal.data[1] = VMX_EXIT_EPT_MISCONFIG;
	run->internal.data[3] = gpa;
	cpu->io.nwr = 0;
	cpu->io.exit_after_commit = false;
	return EXEC_EXIT;
}

static bool piece_is(const struct io_piece *p, bool mmio, uint64_t addr, unsigned size,
		     unsigned count)
{
	return p->mmio == mmio && p->addr == addr && p->size == size && p->count == count;
}

/* One read piece: taken from rd[] on a re-execution, else a new exit. */
static int read_piece(struct soft_cpu *cpu, bool mmio, uint64_t addr, unsigned size, unsigned count,
		      void *data)
{
	struct io_piece *p;
	unsigned i;

	if (!cpu->io.replay) {
		cpu->io.nrd = 0; /* a new instruction: what was read is void */
	} else if (cpu->io.rd_next < cpu->io.nrd) {
		p = &cpu->io.rd[cpu->io.rd_next];
		if (piece_is(p, mmio, addr, size, count)) {
			memcpy(data, mmio ? p->data : cpu->io.pio_data, (size_t)size * count);
			cpu->io.rd_next++;
			return EXEC_OK;
		}
		/* not the access made before (the guest changed it): ask again from here */
		cpu->io.nrd = cpu->io.rd_next;
	}
	if (cpu->io.nrd == IO_MAX_PIECES)
		return io_too_big(cpu);
	/* one port data buffer: an instruction reads one port (IN, INS) */
	for (i = 0; !mmio && i < cpu->io.nrd; i++)
		if (!cpu->io.rd[i].mmio)
			return io_too_big(cpu);
	p = &cpu->io.rd[cpu->io.nrd++];
	*p = (struct io_piece){.addr = addr, .size = size, .count = count, .mmio = mmio};
	if (mmio)
		fill_mmio(cpu, false, addr, size);
	else
		fill_pio(cpu, true, addr, size, count);
	cpu->io.read_exit = true;
	/* the instruction is abandoned: its writes so far are made again */
	cpu->io.nwr = 0;
	cpu->io.exit_after_commit = false;
	return EXEC_EXIT;
}

/* One write piece: into kvm_run if it is the instruction's first exit, else queued. */
static int write_piece(struct soft_cpu *cpu, bool mmio, uint64_t addr, unsigned size,
		       unsigned count, const void *data)
{
	struct io_piece *p;

	if (!cpu->io.exit_after_commit) {
		if (mmio) {
			fill_mmio(cpu, true, addr, size);
			memcpy(cpu->run->mmio.data, data, size);
		} else {
			fill_pio(cpu, false, addr, size, count);
			memcpy((uint8_t *)cpu->run + IO_DATA_OFFSET, data, (size_t)size * count);
		}
		cpu->io.exit_after_commit = true;
		return EXEC_OK;
	}
	/* only MMIO pieces queue: an instruction writing a port writes nothing else outside RAM */
	if (!mmio || cpu->io.nwr == IO_MAX_PIECES)
		return io_too_big(cpu);
	p = &cpu->io.wr[cpu->io.nwr++];
	*p = (struct io_piece){.addr = addr, .size = size, .count = 1, .mmio = true};
	memcpy(p->data, data, size);
	return EXEC_OK;
}

/*
 * An access of the instruction outside RAM: a port access is one piece
 * (of up to a data page for INS/OUTS), an MMIO access is cut into pieces
 * of at most 8 bytes (the data kvm_run.mmio carries).
 */
static int io_access(struct soft_cpu *cpu, bool write, bool mmio, uint64_t addr, unsigned size,
		     unsigned count, uint8_t *data)
{
	unsigned done, n;
	int rc;

	/* the in-"kernel" PIC, PIT, IOAPIC and LAPIC answer without an exit, as KVM's */
	if (cpu->vm->irqchip) {
		if (mmio ? count == 1 && size <= MMIO_PIECE_MAX &&
			       irqchip_mmio(cpu, write, addr, size, data)
			 : irqchip_pio(cpu, write, (uint16_t)addr, size, count, data)) {
			cpu->stats.kernel_io++;
			return EXEC_OK;
		}
	}
	if (cpu->delivering)
		return delivery_outside_ram(cpu, addr);
	if (!mmio) {
		if ((size_t)size * count > IO_DATA_MAX || !count)
			return io_too_big(cpu);
		return write ? write_piece(cpu, false, addr, size, count, data)
			     : read_piece(cpu, false, addr, size, count, data);
	}
	if (count != 1 || size > IO_DATA_MAX)
		return io_too_big(cpu);
	for (done = 0; done < size; done += n) {
		n = size - done < MMIO_PIECE_MAX ? size - done : MMIO_PIECE_MAX;
		rc = write ? write_piece(cpu, true, addr + done, n, 1, data + done)
			   : read_piece(cpu, true, addr + done, n, 1, data + done);
		if (rc)
			return rc;
	}
	return EXEC_OK;
}

int io_read(struct soft_cpu *cpu, bool mmio, uint64_t addr, unsigned size, unsigned count,
	    void *data)
{
	return io_access(cpu, false, mmio, addr, size, count, data);
}

int io_write(struct soft_cpu *cpu, bool mmio, uint64_t addr, unsigned size, unsigned count,
	     const void *data)
{
	/* io_access() only reads the data of a write */
	return io_access(cpu, true, mmio, addr, size, count, (uint8_t *)(uintptr_t)data);
}

/* The instruction did not commit (it faulted): its writes never happened. */
void io_drop_writes(struct soft_cpu *cpu)
{
	cpu->io.nwr = 0;
	cpu->io.exit_after_commit = false;
}

bool io_next_write(struct soft_cpu *cpu)
{
	const struct io_piece *p;

	if (cpu->io.wr_next >= cpu->io.nwr) {
		cpu->io.nwr = cpu->io.wr_next = 0;
		return false;
	}
	p = &cpu->io.wr[cpu->io.wr_next++];
	fill_mmio(cpu, true, p->addr, p->size);
	memcpy(cpu->run->mmio.data, p->data, p->size);
	return true;
}

/* Called by soft_cpu_run() on re-entry: take the data userspace left in kvm_run. */
void io_complete_read(struct soft_cpu *cpu)
{
	struct io_piece *p;

	if (!cpu->io.read_exit)
		return;
	cpu->io.read_exit = false;
	p = &cpu->io.rd[cpu->io.nrd - 1];
	if (p->mmio)
		memcpy(p->data, cpu->run->mmio.data, p->size);
	else
		memcpy(cpu->io.pio_data, (uint8_t *)cpu->run + IO_DATA_OFFSET,
		       (size_t)p->size * p->count);
	cpu->io.read_done = true;
}

/* ---- IN, OUT, INS, OUTS ---- */

/*
 * SDM vol. 1 18.5: in protected mode with CPL > IOPL (or in virtual-8086
 * mode) each port must be allowed by the TSS I/O permission bitmap.
 */
static int io_permitted(struct soft_cpu *cpu, unsigned port, unsigned size)
{
	unsigned iopl = (cpu->rflags >> 12) & 3;
	uint16_t base, bits;
	uint64_t off;

	if (!cpu_protected(cpu) || (cpu->cpl <= iopl && !(cpu->rflags & FL_VM)))
		return EXEC_OK;
	/* only a 32/64-bit TSS has a bitmap */
	if (cpu->tr.unusable || !cpu->tr.present || ((cpu->tr.type & 7) != 1 && (cpu->tr.type & 7) != 3) ||
	    !(cpu->tr.type & 8) || cpu->tr.limit < 103)
		return cpu_fault(cpu, X_GP, 0);
	if (mem_read_lin(cpu, cpu->tr.base + 102, &base, 2, ACC_SUPER))
		return EXEC_FAULT;
	off = (uint64_t)base + port / 8;
	if (off + 1 > cpu->tr.limit)
		return cpu_fault(cpu, X_GP, 0);
	if (mem_read_lin(cpu, cpu->tr.base + off, &bits, 2, ACC_SUPER))
		return EXEC_FAULT;
	if ((bits >> (port & 7)) & ((1u << size) - 1))
		return cpu_fault(cpu, X_GP, 0);
	return EXEC_OK;
}

int exec_in(struct soft_cpu *cpu, const struct insn *in)
{
	uint64_t port, v = 0;
	unsigned size = in->op[0].size;
	int rc;

	rc = op_read(cpu, in, 1, &port);
	if (rc)
		return rc;
	port &= 0xffff;
	rc = io_permitted(cpu, (unsigned)port, size);
	if (rc)
		return rc;
	rc = io_read(cpu, false, port, size, 1, &v);
	if (rc)
		return rc;
	return op_write(cpu, in, 0, v);
}

int exec_out(struct soft_cpu *cpu, const struct insn *in)
{
	uint64_t port, v;
	unsigned size = in->op[1].size;
	int rc;

	rc = op_read(cpu, in, 0, &port);
	if (!rc)
		rc = op_read(cpu, in, 1, &v);
	if (rc)
		return rc;
	port &= 0xffff;
	rc = io_permitted(cpu, (unsigned)port, size);
	if (rc)
		return rc;
	return io_write(cpu, false, port, size, 1, &v);
}

static unsigned string_size(const struct insn *in)
{
	switch (in->mnemonic) {
	case ZYDIS_MNEMONIC_INSB:
	case ZYDIS_MNEMONIC_OUTSB:
		return 1;
	case ZYDIS_MNEMONIC_INSW:
	case ZYDIS_MNEMONIC_OUTSW:
		return 2;
	default:
		return 4;
	}
}

/*
 * How many elements one exit moves: the remaining count, capped to the
 * data page and to the guest page the string pointer is in (so that the
 * memory side is one contiguous access), at least one. When that memory
 * is MMIO, one element, as KVM: its exits then retire an element each
 * instead of a page of 8-byte pieces before any progress.
 */
static unsigned string_count(struct soft_cpu *cpu, const struct insn *in, uint64_t lin,
			     unsigned size, bool ram)
{
	uint64_t am = size_mask(in->addrsize);
	uint64_t left = (in->prefix & (PFX_REP | PFX_REPNE)) ? cpu->gpr[R_RCX] & am : 1;
	uint64_t n, room;

	if (!ram)
		return 1;

	if (cpu->rflags & FL_DF)
		room = ((lin & 0xfff) + size) / size;
	else
		room = (4096 - (lin & 0xfff)) / size;
	n = left;
	if (n > room)
		n = room;
	if (n > IO_DATA_MAX / size)
		n = IO_DATA_MAX / size;
	return n ? (unsigned)n : 1;
}

/* Advance the string pointer reg by n elements and RCX by n when repeated. */
static void string_advance(struct soft_cpu *cpu, const struct insn *in, unsigned reg, unsigned n,
			   unsigned size)
{
	uint64_t delta = (uint64_t)n * size, v = cpu->gpr[reg], am = size_mask(in->addrsize);
	bool rep = in->prefix & (PFX_REP | PFX_REPNE);

	v = (cpu->rflags & FL_DF) ? v - delta : v + delta;
	reg_set(cpu, reg, in->addrsize, v & am);
	if (rep) {
		uint64_t c = ((cpu->gpr[R_RCX] & am) - n) & am;

		reg_set(cpu, R_RCX, in->addrsize, c);
		if (c)
			cpu->next_rip = cpu->rip; /* the rest on the next pass */
	}
}

/* Memory start of n elements from pointer p going in the DF direction. */
static uint64_t block_start(struct soft_cpu *cpu, uint64_t p, unsigned n, unsigned size,
			    const struct insn *in)
{
	if (cpu->rflags & FL_DF)
		return (p - (uint64_t)(n - 1) * size) & size_mask(in->addrsize);
	return p;
}

/* Reverse element order (DF=1: the I/O order is descending memory). */
static void reverse_elems(uint8_t *buf, unsigned n, unsigned size)
{
	unsigned i, j;
	uint8_t t[4];

	for (i = 0, j = n - 1; i < j; i++, j--) {
		memcpy(t, buf + i * size, size);
		memcpy(buf + i * size, buf + j * size, size);
		memcpy(buf + j * size, t, size);
	}
}

/* One pass of INS/OUTS: port, element size, pointer and how many elements move now. */
struct string_io {
	unsigned port, size, n;
	uint64_t p; /* string pointer (RDI or RSI) masked to the address size */
};

/*
 * The checks INS and OUTS share: nothing to do for a zero count (*done),
 * then I/O permission, then the first element's segment access; and the
 * element count of this pass.
 */
static int string_io_setup(struct soft_cpu *cpu, const struct insn *in, unsigned reg, int seg,
			   int acc, struct string_io *sio, bool *done)
{
	uint64_t lin, am = size_mask(in->addrsize);
	bool ram;
	int rc;

	sio->size = string_size(in);
	sio->port = cpu->gpr[R_RDX] & 0xffff;
	sio->p = cpu->gpr[reg] & am;
	*done = (in->prefix & (PFX_REP | PFX_REPNE)) && !(cpu->gpr[R_RCX] & am);
	if (*done)
		return EXEC_OK;
	rc = io_permitted(cpu, sio->port, sio->size);
	if (!rc)
		rc = seg_linear(cpu, seg, sio->p, sio->size, acc, &lin);
	if (!rc)
		rc = mem_lin_is_ram(cpu, lin, acc, &ram);
	if (rc)
		return rc;
	sio->n = string_count(cpu, in, lin, sio->size, ram);
	return EXEC_OK;
}

int exec_ins(struct soft_cpu *cpu, const struct insn *in)
{
	uint8_t buf[IO_DATA_MAX];
	struct string_io sio;
	bool done;
	int rc;

	rc = string_io_setup(cpu, in, R_RDI, SEG_ES, ACC_WRITE, &sio, &done);
	if (rc || done)
		return rc;
	rc = io_read(cpu, false, sio.port, sio.size, sio.n, buf);
	if (rc)
		return rc;
	if (cpu->rflags & FL_DF)
		reverse_elems(buf, sio.n, sio.size);
	rc = mem_write(cpu, SEG_ES, block_start(cpu, sio.p, sio.n, sio.size, in), buf,
		       sio.n * sio.size);
	if (rc)
		return rc;
	string_advance(cpu, in, R_RDI, sio.n, sio.size);
	return EXEC_OK;
}

int exec_outs(struct soft_cpu *cpu, const struct insn *in)
{
	uint8_t buf[IO_DATA_MAX];
	struct string_io sio;
	int seg = in->aux; /* source segment: DS unless overridden */
	bool done;
	int rc;

	rc = string_io_setup(cpu, in, R_RSI, seg, ACC_READ, &sio, &done);
	if (rc || done)
		return rc;
	rc = mem_read(cpu, seg, block_start(cpu, sio.p, sio.n, sio.size, in), buf,
		      sio.n * sio.size);
	if (rc)
		return rc;
	if (cpu->rflags & FL_DF)
		reverse_elems(buf, sio.n, sio.size);
	rc = io_write(cpu, false, sio.port, sio.size, sio.n, buf);
	if (rc)
		return rc;
	string_advance(cpu, in, R_RSI, sio.n, sio.size);
	return EXEC_OK;
}
