// SPDX-License-Identifier: MIT
/*
 * The VM object. Order matters: everything that depends on user input
 * (memory size, kernel, initrd, disk images) is checked before a vCPU
 * exists, so a bad input costs one line on stderr and nothing else; the
 * terminal goes into raw mode only right before the guest runs.
 */
#include "vm.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devices/acpi_pm.h"
#include "devices/devices.h"
#include "devices/disk_spec.h"
#include "devices/rtc.h"
#include "devices/solo5_hvt.h"
#include "devices/virtio_setup.h"
#include "gdb/server.h"
#include "loader/loader.h"
#include "loader/solo5.h"
#include "memory.h"
#include "sandbox/sandbox.h"
#include "vcpu/kvm_stats.h"
#include "vcpu/provider.h"
#include "vcpu/vcpu.h"
#include "vm_acpi.h"

/* The statuses the Solo5 device stops the VM with are minivmm's own. */
_Static_assert(SOLO5_HVT_FAULT_STATUS == MINIVMM_EXIT_SOLO5_FAULT, "Solo5 fault status");
_Static_assert(SOLO5_HVT_FATAL_STATUS == MINIVMM_EXIT_GUEST_CRASH, "Solo5 ABI break status");
#include "vm_signals.h"

/* GSIs a device may drive: the IOAPIC's 24 pins (0-15 also the PICs'), as --stats counts them. */
#define VM_IRQ_LINES STATS_MAX_IRQS

struct vm {
	const struct vm_config *cfg;
	struct guest_mem mem;
	struct bus bus;
	struct uart16550 uart;
	struct uart_console console;
	struct acpi_pm pm; /* the ACPI power registers (not for Solo5 guests) */
	struct rtc rtc;
	struct virtio_devices virtio;
	struct boot_state boot;
	struct kvm_vm kvm;
	struct vcpu cpu;
	struct stats *stats;		      /* NULL unless --stats */
	char cmdline[SOLO5_HVT_CMDLINE_SIZE]; /* the larger of the protocols' limits */
	enum boot_mode mode;		      /* BOOT_MODE_SOLO5_HVT or not, before loading */
	struct solo5_image solo5;	      /* the Solo5 notes, when mode says so */
	struct solo5_hvt hvt;		      /* its hypercall device */
	/* NULL unless --gdb */
	struct gdb_server *gdb;
	/* Rising edges per interrupt line, counted where devices drive them (vm_irq_set). */
	uint64_t irq_raised[VM_IRQ_LINES];
};

void vm_config_init(struct vm_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->mem_size = VM_DEFAULT_MEM;
	cfg->accel = "auto";
	cfg->serial = UART_CONSOLE_STDIO;
	cfg->stats.format = STATS_OFF;
	cfg->sandbox = true;
}

/*
 * --append, then the arguments after the kernel, joined by spaces (as
 * solo5-hvt and uhyve pass theirs), within the protocol's limit.
 */
static int vm_build_cmdline(struct vm *vm)
{
	const struct vm_config *cfg = vm->cfg;
	size_t limit = vm->mode == BOOT_MODE_SOLO5_HVT ? SOLO5_HVT_CMDLINE_SIZE : BOOT_CMDLINE_MAX;
	size_t used = (size_t)snprintf(vm->cmdline, limit, "%s", cfg->append ? cfg->append : "");

	for (unsigned i = 0; i < cfg->nr_args && used < limit; i++)
		used += (size_t)snprintf(vm->cmdline + used, limit - used, "%s%s", used ? " " : "",
					 cfg->args[i]);
	if (used >= limit) {
		fprintf(stderr,
			"minivmm: --append and the kernel arguments make a command line of %zu+ "
			"bytes; at most %zu fit\n",
			used, limit - 1);
		return -1;
	}
	return 0;
}

/* RAM below the 32-bit MMIO hole (the rest continues at 4 GiB), as src/memory.c lays it out. */
static uint64_t vm_ram_below_4g(uint64_t mem_size)
{
	return mem_size < GUEST_MMIO_HOLE_START ? mem_size : GUEST_MMIO_HOLE_START;
}

/* Devices and the command line; status 0 or the exit status to return. */
static int vm_setup_devices(struct vm *vm)
{
	const struct vm_config *cfg = vm->cfg;
	int rc;

	vm->bus.verbose = cfg->verbose;
	uart_init(&vm->uart, NULL);
	rtc_init(&vm->rtc, vm_ram_below_4g(cfg->mem_size),
		 cfg->mem_size - vm_ram_below_4g(cfg->mem_size), NULL);
	rc = uart_register(&vm->bus, &vm->uart, UART_COM1_BASE);
	if (!rc)
		rc = rtc_register(&vm->bus, &vm->rtc);
	if (!rc)
		rc = platform_devices_register(&vm->bus);
	if (!rc && vm->mode != BOOT_MODE_SOLO5_HVT)
		rc = acpi_pm_register(&vm->pm, &vm->bus);
	if (rc) {
		fprintf(stderr, "minivmm: cannot register the platform devices: %s\n",
			strerror(-rc));
		return MINIVMM_EXIT_VMM_FAILURE;
	}
	if (vm_build_cmdline(vm))
		return MINIVMM_EXIT_USAGE;
	/* A Solo5 guest reaches its disks by hypercalls, everything else by virtio-blk. */
	if (vm->mode == BOOT_MODE_SOLO5_HVT)
		return solo5_hvt_attach_disks(&vm->hvt, &vm->solo5, cfg->disks, cfg->nr_disks)
			   ? MINIVMM_EXIT_USAGE
			   : 0;
	if (cfg->nr_disks > VIRTIO_MAX_DISKS) {
		fprintf(stderr,
			"minivmm: %u disks, but virtio-blk takes at most %d (only a Solo5 hvt "
			"kernel takes up to %d)\n",
			cfg->nr_disks, VIRTIO_MAX_DISKS, VM_MAX_DISKS);
		return MINIVMM_EXIT_USAGE;
	}
	/* virtio-blk disks: registers the devices and appends virtio_mmio.device=... */
	if (cfg->nr_disks &&
	    virtio_devices_setup(&vm->virtio, &vm->bus, &vm->mem, cfg->disks, cfg->nr_disks,
				 vm->cmdline, BOOT_CMDLINE_MAX) != 0)
		return MINIVMM_EXIT_USAGE;
	return 0;
}

int vm_disk_spec_check(const char *arg, char *why, size_t why_len)
{
	struct disk_spec spec;

	return disk_spec_parse(arg, &spec, why, why_len);
}

/* For the Solo5 POLL hypercall: a signal or --timeout is waiting for the run loop. */
static int hvt_stop_pending(void *ctx)
{
	struct vm *vm = ctx;

	return vcpu_pending_signal(&vm->cpu);
}

/* Which boot protocol: decides which devices serve the disks and the command line's limit. */
static int vm_detect(struct vm *vm)
{
	char err[256];

	vm->mode = BOOT_MODE_LONG64;
	if (loader_detect(vm->cfg->kernel, &vm->solo5, &vm->mode, err, sizeof(err))) {
		fprintf(stderr, "minivmm: %s: %s\n", vm->cfg->kernel, err);
		return MINIVMM_EXIT_BAD_GUEST;
	}
	return 0;
}

static int vm_load(struct vm *vm)
{
	const struct vm_config *cfg = vm->cfg;
	bool solo5 = vm->mode == BOOT_MODE_SOLO5_HVT;
	struct loader_args args = {.kernel_path = cfg->kernel,
				   .modules = cfg->modules,
				   .nr_modules = cfg->nr_modules,
				   .cmdline = vm->cmdline,
				   .solo5 = solo5 ? &vm->solo5 : NULL,
				   .rsdp_gpa = solo5 ? 0 : BOOT_ACPI_GPA};
	const char *path;
	char err[256];

	/*
	 * The tables first: Multiboot2 hands the kernel a copy of the RSDP.
	 * The BIOS data area too, with the boot area the loader keeps clear.
	 */
	if (!solo5 && (vm_acpi_build(&vm->mem, &vm->virtio) || boot_write_bios_data(&vm->mem)))
		return MINIVMM_EXIT_VMM_FAILURE;
	if (loader_load(&vm->mem, &args, &vm->boot, &path, err, sizeof(err))) {
		fprintf(stderr, "minivmm: %s: %s\n", path, err);
		return MINIVMM_EXIT_BAD_GUEST;
	}
	if (cfg->verbose) {
		fprintf(stderr,
			"minivmm: %s: %u segment%s at [0x%llx, 0x%llx), %s protocol, %s entry at "
			"0x%llx\n",
			cfg->kernel, vm->boot.nr_segments, vm->boot.nr_segments == 1 ? "" : "s",
			(unsigned long long)vm->boot.kernel_lo,
			(unsigned long long)vm->boot.kernel_hi, boot_mode_name(vm->boot.mode),
			vm->boot.mode == BOOT_MODE_PVH32 ? "PVH 32-bit"
			: vm->boot.mode == BOOT_MODE_MULTIBOOT || vm->boot.mode == BOOT_MODE_MULTIBOOT2
			    ? "32-bit"
			    : "64-bit",
			(unsigned long long)vm->boot.rip);
		if (cfg->nr_modules)
			fprintf(stderr, "minivmm: %s: %llu bytes at 0x%llx%s\n",
				cfg->modules[0].spec, (unsigned long long)vm->boot.initrd_size,
				(unsigned long long)vm->boot.initrd_gpa,
				cfg->nr_modules > 1 ? " (first module)" : "");
		fprintf(stderr, "minivmm: command line: \"%s\"\n", vm->cmdline);
	}
	if (!solo5)
		return 0;
	vm->hvt.verbose = cfg->verbose;
	vm->hvt.stop_pending = hvt_stop_pending;
	vm->hvt.stop_ctx = vm;
	if (solo5_hvt_register(&vm->hvt, &vm->bus, &vm->mem, vm->boot.readonly,
			       vm->boot.nr_readonly)) {
		fprintf(stderr, "minivmm: cannot register the Solo5 hypercall device\n");
		return MINIVMM_EXIT_VMM_FAILURE;
	}
	return 0;
}

/* Every device's irq_line ends here: counted, then KVM_IRQ_LINE. Any thread. */
static void vm_irq_set(void *ctx, unsigned gsi, int level)
{
	struct vm *vm = ctx;

	if (gsi >= VM_IRQ_LINES)
		return;
	if (level)
		__atomic_fetch_add(&vm->irq_raised[gsi], 1, __ATOMIC_RELAXED);
	/* Fails only if the provider lost its irqchip: the device's state stays right. */
	(void)kvm_vm_irq_line(&vm->kvm, gsi, level);
}

/* With an interrupt controller, the devices that interrupt get their lines. */
static void vm_connect_irqs(struct vm *vm)
{
	if (!vm->kvm.irqchip)
		return;
	uart_connect_irq(&vm->uart, &(struct irq_line){vm_irq_set, vm, UART_COM1_IRQ});
	rtc_connect_irq(&vm->rtc, &(struct irq_line){vm_irq_set, vm, RTC_IRQ});
	virtio_devices_connect_irqs(&vm->virtio, vm_irq_set, vm);
}

/* The ranges mapped with KVM_MEM_READONLY (with -v), or a warning that they could not be. */
static void report_readonly(const struct vm *vm, const char *prov_name, bool ro)
{
	if (vm->boot.nr_readonly && !ro)
		fprintf(stderr,
			"minivmm: warning: the %s provider has no KVM_CAP_READONLY_MEM, so the "
			"guest's read-only segments stay writable\n",
			prov_name);
	for (unsigned i = 0; ro && vm->cfg->verbose && i < vm->boot.nr_readonly; i++)
		fprintf(stderr, "minivmm: read-only slot (KVM_MEM_READONLY): [0x%llx, 0x%llx)\n",
			(unsigned long long)vm->boot.readonly[i].gpa,
			(unsigned long long)(vm->boot.readonly[i].gpa + vm->boot.readonly[i].size));
}

static int vm_create_vcpu(struct vm *vm)
{
	const struct kvm_provider *prov;
	bool ro;

	kvm_provider_soft_engine(vm->cfg->soft_engine);
	if (kvm_provider_choose(vm->cfg->accel, &prov) != 0)
		return MINIVMM_EXIT_VMM_FAILURE;
	if (vm->cfg->verbose)
		fprintf(stderr, "minivmm: accelerator: %s, %llu MiB of RAM\n", prov->name,
			(unsigned long long)(vm->cfg->mem_size >> 20));
	if (kvm_vm_create(&vm->kvm, prov) || kvm_vm_create_irqchip(&vm->kvm))
		return MINIVMM_EXIT_VMM_FAILURE;
	if (kvm_vm_set_memory(&vm->kvm, &vm->mem, vm->boot.readonly, vm->boot.nr_readonly, &ro) ||
	    vcpu_create(&vm->cpu, &vm->kvm, 0) || vcpu_setup_lapic(&vm->cpu))
		return MINIVMM_EXIT_VMM_FAILURE;
	if (vm->cfg->verbose)
		fprintf(stderr, "minivmm: interrupt controllers: %s\n",
			vm->kvm.irqchip ? "in-kernel 8259A pair, IOAPIC, LAPIC and 8254 PIT"
					: "none (the provider has no KVM_CAP_IRQCHIP)");
	vm_connect_irqs(vm);
	report_readonly(vm, prov->name, ro);
	if (vcpu_set_cpuid(&vm->cpu) || vcpu_apply_boot_state(&vm->cpu, &vm->boot))
		return MINIVMM_EXIT_VMM_FAILURE;
	/* Solo5's boot info carries the TSC frequency, known once the vCPU exists. */
	if (vm->mode == BOOT_MODE_SOLO5_HVT &&
	    solo5_hvt_set_tsc_hz(&vm->mem, vcpu_tsc_hz(&vm->cpu)))
		return MINIVMM_EXIT_VMM_FAILURE;
	return 0;
}

static void report_stop(struct vm *vm, const struct vcpu_stop *stop)
{
	bool restarts = stop->reset && vm->cfg->reboot;

	/* A guest that ends itself through isa-debug-exit chose its status: only say so if asked.
	 */
	if (stop->kind == VCPU_STOP_DEVICE && vm->bus.stop_kind == BUS_STOP_GUEST_EXIT &&
	    !vm->cfg->verbose)
		return;
	fprintf(stderr, "minivmm: %s\n", stop->reason);
	/* With --reboot a triple fault is a reset like any other: no register dump. */
	if (stop->dump_registers && !restarts)
		vcpu_dump_registers(&vm->cpu, stderr);
}

/* What stats counts by number (bus range index, KVM exit reason), by name. */
static void vm_stats_start(struct vm *vm)
{
	stats_init(vm->stats);
	for (unsigned i = 0; i < vm->bus.nr_ranges; i++)
		stats_name_device(vm->stats, i, vm->bus.range[i].name, vm->bus.range[i].base);
	for (unsigned r = 0; r < STATS_MAX_REASONS; r++)
		stats_name_reason(vm->stats, r, kvm_exit_reason_name(r));
}

static void counter_to_stats(void *opaque, const char *name, uint64_t value)
{
	stats_set_counter(opaque, name, value);
}

/*
 * Set-up is over: from here on minivmm may make only the system calls
 * that running the guest needs (src/sandbox/); each part adds its own.
 */
static int vm_enter_sandbox(struct vm *vm, FILE *stats_out, int stats_fd)
{
	struct vcpu_ioctl ioctls[VCPU_MAX_RUNTIME_IOCTLS];
	struct sandbox sb;
	unsigned n;

	if (!vm->cfg->sandbox) {
		if (vm->cfg->verbose)
			fprintf(stderr, "minivmm: sandbox: off (--sandbox off)\n");
		return 0;
	}
	if (sandbox_init(&sb, vm->cfg->verbose))
		return -1;
	vm_signals_sandbox_allow(&sb);
	uart_console_sandbox_allow(&vm->console, &sb);
	if (vm->mode == BOOT_MODE_SOLO5_HVT)
		solo5_hvt_sandbox_allow(&vm->hvt, &sb);
	n = vcpu_runtime_ioctls(&vm->cpu, ioctls);
	for (unsigned i = 0; i < n; i++)
		sandbox_allow_ioctl(&sb, ioctls[i].fd, ioctls[i].request);
	/* The console reader (IRQ 4) and the RTC timer (IRQ 8) drive their lines. */
	n = vcpu_irq_line_ioctls(&vm->cpu, ioctls);
	for (unsigned i = 0; i < n; i++) {
		sandbox_role_allow_ioctl(&sb, SANDBOX_ROLE_CONSOLE_READER, ioctls[i].fd,
					 ioctls[i].request);
		sandbox_role_allow_ioctl(&sb, SANDBOX_ROLE_RTC_TIMER, ioctls[i].fd,
					 ioctls[i].request);
	}
	if (vm->gdb) {
		gdb_server_sandbox_allow(vm->gdb, &sb);
		n = vcpu_debugger_ioctls(&vm->cpu, ioctls);
		for (unsigned i = 0; i < n; i++)
			sandbox_allow_ioctl(&sb, ioctls[i].fd, ioctls[i].request);
	}
	/* --stats: the provider's counters, read after the run; the json:PATH report. */
	if (stats_fd >= 0)
		sandbox_allow_arg0(&sb, SCMP_SYS(pread64), stats_fd);
	if (stats_out && stats_out != stderr)
		sandbox_allow_arg0(&sb, SCMP_SYS(write), fileno(stats_out));
	return sandbox_enter(&sb, vm_signals_restore_tty);
}

/* --stats: the table, and what must be open before the sandbox: the report file, the counters. */
static int vm_stats_prepare(struct vm *vm, FILE **out, int *provider_fd)
{
	vm->stats = calloc(1, sizeof(*vm->stats));
	if (!vm->stats) {
		fprintf(stderr, "minivmm: --stats: out of memory\n");
		return MINIVMM_EXIT_VMM_FAILURE;
	}
	vm_stats_start(vm);
	*out = stats_output_open(&vm->cfg->stats);
	if (!*out) {
		fprintf(stderr, "minivmm: --stats: cannot write %s: %s\n", vm->cfg->stats.path,
			strerror(errno));
		return MINIVMM_EXIT_USAGE;
	}
	/* A provider without binary statistics: our own counters only. */
	*provider_fd = kvm_stats_open(vm->kvm.prov, vm->cpu.fd);
	return 0;
}

static void vm_stats_report(struct vm *vm, FILE *out, int provider_fd)
{
	for (unsigned g = 0; g < VM_IRQ_LINES; g++)
		stats_set_irq(vm->stats, g, __atomic_load_n(&vm->irq_raised[g], __ATOMIC_RELAXED));
	/* The provider's own counters (in-kernel or soft CPU), beside ours. */
	if (provider_fd >= 0) {
		if (kvm_stats_read(provider_fd, counter_to_stats, vm->stats) >= 0)
			stats_set_provider(vm->stats, vm->kvm.prov->name);
		vm->kvm.prov->close(provider_fd);
	}
	if (stats_report_to(vm->stats, &vm->cfg->stats, out) != 0)
		fprintf(stderr, "minivmm: --stats: cannot write %s: %s\n",
			vm->cfg->stats.path ? vm->cfg->stats.path : "the report", strerror(errno));
}

static int vm_execute(struct vm *vm, bool *reset)
{
	struct vcpu_stop stop;
	FILE *stats_out = NULL;
	int stats_fd = -1, status;

	if (vm->cfg->stats.format != STATS_OFF) {
		status = vm_stats_prepare(vm, &stats_out, &stats_fd);
		if (status)
			return status;
	}
	if (vm->cfg->gdb) {
		vm->gdb = gdb_server_start(vm->cfg->gdb, vm->cfg->gdb_wait, &vm->cpu, &vm->mem);
		if (!vm->gdb)
			return MINIVMM_EXIT_VMM_FAILURE;
	}
	vm_signals_install(&vm->cpu, &vm->console, vm->cfg->timeout_s);
	if (vm->kvm.irqchip && vm_signals_start_idle_tick() != 0) {
		fprintf(stderr, "minivmm: cannot start the idle tick timer: %s\n", strerror(errno));
		vm_signals_restore();
		return MINIVMM_EXIT_VMM_FAILURE;
	}
	status = uart_console_attach(&vm->console, &vm->uart, vm->cfg->serial);
	if (status)
		fprintf(stderr, "minivmm: serial console: cannot start the input reader (%s); "
				"the guest gets no input\n",
			strerror(-status));

	if (vm_enter_sandbox(vm, stats_out, stats_fd) == 0) {
		/* The stdin reader starts under the sandbox and narrows itself. */
		status = uart_console_start_reader(&vm->console);
		if (status)
			fprintf(stderr, "minivmm: serial console: cannot start the input reader "
					"(%s); the guest gets no input\n",
				strerror(-status));
		vcpu_run(&vm->cpu, &vm->bus, vm->stats, &stop);
	} else
		stop = (struct vcpu_stop){
		    .kind = VCPU_STOP_FAILURE,
		    .status = MINIVMM_EXIT_VMM_FAILURE,
		    .reason = "guest not started: no sandbox (--sandbox off runs without)"};

	gdb_server_vm_ended(vm->gdb, &stop);
	vm_signals_restore();
	uart_console_restore(&vm->console);
	report_stop(vm, &stop);
	if (vm->cfg->verbose)
		fprintf(stderr, "minivmm: %llu unclaimed access%s, %llu bytes from the UART\n",
			(unsigned long long)vm->bus.unclaimed, vm->bus.unclaimed == 1 ? "" : "es",
			(unsigned long long)vm->uart.tx_bytes);
	if (vm->stats)
		vm_stats_report(vm, stats_out, stats_fd);
	*reset = stop.reset;
	return stop.status;
}

int vm_run(const struct vm_config *cfg)
{
	return cfg->reboot ? vm_reboot_run(cfg) : vm_boot_once(cfg, NULL);
}

int vm_boot_once(const struct vm_config *cfg, bool *reset)
{
	struct vm *vm = calloc(1, sizeof(*vm));
	bool was_reset = false;
	int status, rc;

	if (!vm) {
		fprintf(stderr, "minivmm: out of memory\n");
		return MINIVMM_EXIT_VMM_FAILURE;
	}
	vm->cfg = cfg;
	vm->cpu.fd = -1;
	rc = guest_mem_init(&vm->mem, cfg->mem_size);
	if (rc) {
		fprintf(stderr, "minivmm: cannot map %llu MiB of guest RAM: %s\n",
			(unsigned long long)(cfg->mem_size >> 20), strerror(-rc));
		status = MINIVMM_EXIT_VMM_FAILURE;
		goto out;
	}
	status = vm_detect(vm);
	if (!status)
		status = vm_setup_devices(vm);
	if (!status)
		status = vm_load(vm);
	if (!status)
		status = vm_create_vcpu(vm);
	if (!status)
		status = vm_execute(vm, &was_reset);
out:
	if (reset)
		*reset = was_reset;
	gdb_server_destroy(vm->gdb);
	/* Its thread may drive IRQ 8 through the VM fd: gone before the fd is. */
	rtc_destroy(&vm->rtc);
	if (vm->kvm.prov) {
		vcpu_destroy(&vm->cpu);
		kvm_vm_destroy(&vm->kvm);
	}
	virtio_devices_teardown(&vm->virtio);
	if (vm->mode == BOOT_MODE_SOLO5_HVT)
		solo5_hvt_close(&vm->hvt);
	guest_mem_destroy(&vm->mem);
	free(vm->stats);
	free(vm);
	return status;
}
