// SPDX-License-Identifier: MIT
/*
 * The run loop: KVM_RUN, then hand the exit to the device bus or stop.
 * One pass per exit, no allocation; IO and MMIO go to bus_dispatch() and
 * the loop has no knowledge of which device lives where.
 */
#include "vcpu/vcpu.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <string.h>
#include <asm/processor-flags.h>
#include <linux/kvm.h>

#include "devices/bus.h"
#include "stats.h"
#include "vcpu/provider.h"

/* The bus's range index is the device index stats counts by. */
_Static_assert(BUS_MAX_DEVICES <= STATS_MAX_DEVICES, "stats cannot count every bus device");

void vcpu_kick(struct vcpu *cpu, int sig)
{
	if (!cpu->kick_signal)
		cpu->kick_signal = sig;
	/* Outside KVM_RUN this is harmless: the loop looks at kick_signal first. */
	if (cpu->run)
		cpu->run->immediate_exit = 1;
}

void vcpu_idle_tick(struct vcpu *cpu)
{
	if (!cpu->vm || !cpu->vm->irqchip)
		return;
	if (cpu->exits != cpu->exits_at_tick) {
		cpu->exits_at_tick = cpu->exits;
		return; /* it exited since the last tick: it is not asleep */
	}
	cpu->halt_check = 1;
	if (cpu->run)
		cpu->run->immediate_exit = 1;
}

/* Halted with IF = 0 and no NMI to come: nothing can ever wake it (no SMIs, one vCPU). */
static bool halted_for_good(struct vcpu *cpu)
{
	const struct kvm_provider *p = cpu->vm->prov;
	struct kvm_mp_state mp;
	struct kvm_regs regs;
	struct kvm_vcpu_events ev;

	if (p->ioctl(cpu->fd, KVM_GET_MP_STATE, &mp) < 0 || mp.mp_state != KVM_MP_STATE_HALTED)
		return false;
	if (p->ioctl(cpu->fd, KVM_GET_REGS, &regs) < 0 || (regs.rflags & X86_EFLAGS_IF))
		return false;
	if (cpu->vm->vcpu_events && p->ioctl(cpu->fd, KVM_GET_VCPU_EVENTS, &ev) == 0 &&
	    (ev.nmi.pending || ev.nmi.injected))
		return false;
	return true;
}

int vcpu_pending_signal(const struct vcpu *cpu)
{
	return cpu->kick_signal;
}

void vcpu_request_debug_stop(struct vcpu *cpu)
{
	cpu->debug_request = 1;
	if (cpu->run)
		cpu->run->immediate_exit = 1;
}

static void stop_with(struct vcpu_stop *stop, enum vcpu_stop_kind kind, int status, bool dump,
		      const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void stop_with(struct vcpu_stop *stop, enum vcpu_stop_kind kind, int status, bool dump,
		      const char *fmt, ...)
{
	va_list ap;

	stop->kind = kind;
	stop->status = status;
	stop->dump_registers = dump;
	stop->reset = false;
	va_start(ap, fmt);
	vsnprintf(stop->reason, sizeof(stop->reason), fmt, ap);
	va_end(ap);
}

static bool valid_access_size(unsigned size)
{
	return size == 1 || size == 2 || size == 4 || size == 8;
}

/* Port I/O; a string instruction (rep ins/outs) arrives as count elements in a row. */
static int handle_io(struct vcpu *cpu, struct bus *bus, struct stats *st)
{
	struct kvm_run *run = cpu->run;
	unsigned size = run->io.size;
	uint32_t count = run->io.count;
	bool is_write = run->io.direction == KVM_EXIT_IO_OUT;
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	int dev = -1;

	/* The provider is trusted, but a wrong offset here would be a host memory bug. */
	if (!valid_access_size(size) || size == 8 || run->io.data_offset > cpu->vm->run_size ||
	    (uint64_t)count * size > cpu->vm->run_size - run->io.data_offset)
		return -1;
	for (uint32_t i = 0; i < count && !bus->stop_requested; i++)
		dev = bus_dispatch(bus, BUS_PIO, run->io.port, data + (size_t)i * size, size,
				   is_write);
	if (st)
		stats_record_io(st, STATS_PIO, run->io.port, size, is_write, count, data, dev);
	return 0;
}

static int handle_mmio(struct vcpu *cpu, struct bus *bus, struct stats *st)
{
	struct kvm_run *run = cpu->run;
	int dev;

	if (!valid_access_size(run->mmio.len))
		return -1;
	dev = bus_dispatch(bus, BUS_MMIO, run->mmio.phys_addr, run->mmio.data, run->mmio.len,
			   run->mmio.is_write);
	if (st)
		stats_record_io(st, STATS_MMIO, run->mmio.phys_addr, run->mmio.len,
				run->mmio.is_write, 1, run->mmio.data, dev);
	return 0;
}

/*
 * What an internal error's suberror says, as " (...)" or "". Delivery
 * (KVM_INTERNAL_ERROR_DELIVERY_EV): data[0] is the IDT-vectoring
 * information (bit 31 valid, bits 7:0 the vector), data[1] the VMX exit
 * reason; after an EPT misconfiguration (49) data[3] is the address.
 */
static void internal_error_cause(const struct kvm_run *run, char *buf, size_t len)
{
	uint32_t n = run->internal.ndata;
	const __u64 *d = run->internal.data;
	char vector[24] = "", addr[48] = "";

	buf[0] = 0;
	if (run->internal.suberror == KVM_INTERNAL_ERROR_EMULATION)
		snprintf(buf, len, " (instruction emulation failed)");
	if (run->internal.suberror != KVM_INTERNAL_ERROR_DELIVERY_EV)
		return;
	if (n >= 1 && (d[0] & (1u << 31)))
		snprintf(vector, sizeof(vector), ": vector %u", (unsigned)(d[0] & 0xff));
	if (n >= 4 && d[1] == 49)
		snprintf(addr, sizeof(addr), ", guest-physical address 0x%llx",
			 (unsigned long long)d[3]);
	snprintf(buf, len,
		 " (delivering an interrupt or exception touched memory outside RAM%s%s)",
		 vector, addr);
}

static void stop_for_signal(struct vcpu_stop *stop, int sig)
{
	if (sig == SIGALRM)
		stop_with(stop, VCPU_STOP_TIMEOUT, VCPU_STATUS_TIMEOUT, false,
			  "--timeout expired; guest stopped");
	else
		stop_with(stop, VCPU_STOP_SIGNAL, VCPU_STATUS_SIGNAL_BASE + sig, false,
			  "stopped by signal %d (%s)", sig, strsignal(sig));
}

static void stop_for_system_event(struct kvm_run *run, struct vcpu_stop *stop)
{
	switch (run->system_event.type) {
	case KVM_SYSTEM_EVENT_SHUTDOWN:
		stop_with(stop, VCPU_STOP_HALT, VCPU_STATUS_HALT, false,
			  "guest requested shutdown");
		break;
	case KVM_SYSTEM_EVENT_RESET:
		stop_with(stop, VCPU_STOP_HALT, VCPU_STATUS_HALT, false, "guest requested reset");
		stop->reset = true;
		break;
	default:
		stop_with(stop, VCPU_STOP_CRASH, VCPU_STATUS_GUEST_CRASH, true,
			  "guest crashed (KVM_EXIT_SYSTEM_EVENT type %u)", run->system_event.type);
	}
}

static bool debugger_trap(struct vcpu *cpu, struct vcpu_stop *stop)
{
	const struct vcpu_debugger *d = cpu->debugger;
	struct vcpu_debug_event ev = {
	    .trap = true,
	    .exception = cpu->run->debug.arch.exception,
	    .pc = cpu->run->debug.arch.pc,
	    .dr6 = cpu->run->debug.arch.dr6,
	};

	return d->stopped(d->ctx, cpu, &ev, stop);
}

/* A stop vcpu_request_debug_stop() asked for, with the guest between two KVM_RUNs. */
static bool debugger_request(struct vcpu *cpu, struct vcpu_stop *stop)
{
	const struct vcpu_debugger *d = cpu->debugger;
	struct vcpu_debug_event ev = {.trap = false};

	cpu->debug_request = 0;
	cpu->run->immediate_exit = 0;
	return d->stopped(d->ctx, cpu, &ev, stop);
}

/*
 * Handle one exit. Returns true when the VM must stop (then *stop is set).
 */
static bool handle_exit(struct vcpu *cpu, struct bus *bus, struct stats *st, struct vcpu_stop *stop)
{
	struct kvm_run *run = cpu->run;

	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		if (handle_io(cpu, bus, st) == 0)
			return false;
		stop_with(stop, VCPU_STOP_CRASH, VCPU_STATUS_GUEST_CRASH, true,
			  "malformed KVM_EXIT_IO (port 0x%x size %u count %u)", run->io.port,
			  run->io.size, run->io.count);
		return true;
	case KVM_EXIT_MMIO:
		if (handle_mmio(cpu, bus, st) == 0)
			return false;
		stop_with(stop, VCPU_STOP_CRASH, VCPU_STATUS_GUEST_CRASH, true,
			  "malformed KVM_EXIT_MMIO (address 0x%llx length %u)",
			  (unsigned long long)run->mmio.phys_addr, run->mmio.len);
		return true;
	case KVM_EXIT_HLT:
		/* No interrupt controller: nothing could ever wake the vCPU again. */
		if (run->if_flag)
			stop_with(stop, VCPU_STOP_HALT, VCPU_STATUS_HALT, false,
				  "guest halted with interrupts enabled; no interrupt source "
				  "exists, so it could never wake");
		else
			stop_with(stop, VCPU_STOP_HALT, VCPU_STATUS_HALT, false,
				  "guest halted with interrupts disabled");
		return true;
	case KVM_EXIT_SHUTDOWN:
		stop_with(stop, VCPU_STOP_CRASH, VCPU_STATUS_GUEST_CRASH, true,
			  "guest crashed: triple fault (KVM_EXIT_SHUTDOWN)");
		stop->reset = true; /* what a PC does next, and how Linux's reboot=t resets */
		return true;
	case KVM_EXIT_FAIL_ENTRY:
		stop_with(stop, VCPU_STOP_CRASH, VCPU_STATUS_GUEST_CRASH, true,
			  "vCPU entry failed (KVM_EXIT_FAIL_ENTRY, hardware reason 0x%llx)",
			  (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
		return true;
	case KVM_EXIT_INTERNAL_ERROR: {
		char why[160];

		internal_error_cause(run, why, sizeof(why));
		stop_with(stop, VCPU_STOP_CRASH, VCPU_STATUS_GUEST_CRASH, true,
			  "guest crashed: KVM internal error, suberror %u%s", run->internal.suberror,
			  why);
		return true;
	}
	case KVM_EXIT_SYSTEM_EVENT:
		stop_for_system_event(run, stop);
		return true;
	case KVM_EXIT_DEBUG:
		if (cpu->debugger)
			return debugger_trap(cpu, stop);
		/* nobody asked for guest debugging */
		__attribute__((fallthrough));
	default:
		stop_with(stop, VCPU_STOP_CRASH, VCPU_STATUS_GUEST_CRASH, true,
			  "unhandled exit reason %u", run->exit_reason);
		return true;
	}
}

void vcpu_run(struct vcpu *cpu, struct bus *bus, struct stats *st, struct vcpu_stop *stop)
{
	const struct kvm_provider *p = cpu->vm->prov;
	struct kvm_run *run = cpu->run;

	for (;;) {
		bool done;

		if (cpu->kick_signal) {
			stop_for_signal(stop, cpu->kick_signal);
			break;
		}
		if (cpu->halt_check) {
			cpu->halt_check = 0;
			if (halted_for_good(cpu)) {
				stop_with(stop, VCPU_STOP_HALT, VCPU_STATUS_HALT, false,
					  "guest halted with interrupts disabled");
				break;
			}
		}
		if (cpu->debug_request && cpu->debugger) {
			if (debugger_request(cpu, stop))
				break;
			continue;
		}
		if (p->ioctl(cpu->fd, KVM_RUN, NULL) < 0) {
			if (errno == EINTR || errno == EAGAIN) {
				run->immediate_exit = 0;
				continue; /* the top of the loop sees the signal, if any */
			}
			stop_with(stop, VCPU_STOP_FAILURE, VCPU_STATUS_VMM_FAILURE, true,
				  "KVM_RUN failed: %s", strerror(errno));
			break;
		}
		/* Wraps: only "changed since the last tick" matters. */
		cpu->exits = (sig_atomic_t)((unsigned)cpu->exits + 1);
		if (st)
			stats_exit_begin(st);
		done = handle_exit(cpu, bus, st, stop);
		if (st)
			stats_record_exit(st, run->exit_reason);
		if (done)
			break;
		if (bus->stop_requested) {
			stop_with(stop, VCPU_STOP_DEVICE, bus->stop_status, false, "%s (status %d)",
				  bus->stop_reason ? bus->stop_reason : "a device stopped the VM",
				  bus->stop_status);
			stop->reset = bus->stop_kind == BUS_STOP_GUEST_RESET;
			break;
		}
	}
}
