/* SPDX-License-Identifier: MIT */
/*
 * The VM object: from a configuration (what the command line asked for)
 * to a stopped guest and minivmm's exit status. It owns guest memory, the
 * device bus and the devices, runs the loader, and drives one vCPU.
 */
#ifndef MINIVMM_VM_H
#define MINIVMM_VM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "abi/solo5_abi.h"
#include "devices/uart.h"
#include "loader/loader.h"
#include "devices/virtio_setup.h"
#include "stats.h"

/*
 * minivmm's exit statuses (documented in man/minivmm.1). A guest that
 * stops itself through isa-debug-exit gets its own value v & 0xff instead,
 * which may coincide with these numbers; QEMU would report (v << 1) | 1.
 */
#define MINIVMM_EXIT_OK 0	     /* HLT, i8042 or ACPI reset, ACPI poweroff, shutdown/reset event */
#define MINIVMM_EXIT_SOLO5_FAULT 1   /* a Solo5 guest wrote read-only memory, as solo5-hvt */
#define MINIVMM_EXIT_USAGE 2	     /* bad option or option value, bad disk image */
#define MINIVMM_EXIT_BAD_GUEST 3     /* kernel or module refused by the loader */
#define MINIVMM_EXIT_VMM_FAILURE 4   /* could not start the guest: KVM, memory */
#define MINIVMM_EXIT_GUEST_CRASH 5   /* triple fault, entry failure, internal error */
#define MINIVMM_EXIT_TIMEOUT 124     /* --timeout expired, as timeout(1) */
#define MINIVMM_EXIT_SIGNAL_BASE 128 /* + signal number for SIGINT, SIGTERM, SIGHUP */

#define VM_DEFAULT_MEM (64ULL << 20)
#define VM_MIN_MEM (2ULL << 20)
#define VM_MAX_MEM (32ULL << 30)
#define VM_MAX_TIMEOUT_S 1000000.0
#define VM_DEFAULT_REBOOTS 16 /* --reboot without =N */
#define VM_MAX_REBOOTS 1000000

/*
 * -d disks one command line takes: as many block devices as a Solo5 hvt
 * manifest can declare (its SOLO5_MFT_MAX_ENTRIES less the reserved first
 * entry), since those are hypercall devices that need no bus slot or
 * interrupt line. A virtio-blk guest takes at most VIRTIO_MAX_DISKS of
 * them: vm.c refuses more with one line once it knows the boot protocol.
 */
#define VM_MAX_DISKS (SOLO5_MFT_MAX_ENTRIES - 1)

struct vm_config {
	const char *kernel;
	/* --initrd FILE and --module 'PATH[ ARGS]', in command-line order */
	struct loader_module modules[LOADER_MAX_MODULES];
	unsigned nr_modules;
	const char *append; /* NULL: empty command line */
	uint64_t mem_size;  /* bytes, multiple of 4 KiB */
	const char *accel;  /* "auto", "kvm" or "soft" */
	const char *soft_engine; /* --soft-engine "interp" or "bt", NULL: the environment's */
	enum uart_console_mode serial;
	double timeout_s; /* 0: none */
	bool verbose;
	char *disks[VM_MAX_DISKS]; /* "PATH[,ro][,name=NAME][,sector=N]", pointing into argv */
	unsigned nr_disks;
	char *const *args; /* the arguments after KERNEL, appended to the command line */
	unsigned nr_args;
	struct stats_options stats;
	const char *gdb; /* --gdb tcp:[HOST:]PORT | unix:PATH, NULL: no gdb server */
	bool gdb_wait;	 /* --gdb-wait: hold the vCPU until a debugger resumes it */
	bool sandbox;	 /* --sandbox on (default): seccomp allowlist once set up */
	/*
	 * --reboot[=N]: restarts allowed after the guest resets the machine
	 * (i8042, ACPI reset register, reset event, triple fault); 0: a reset
	 * ends the VM (status 0; 5 for a triple fault).
	 */
	unsigned reboot;
};

/*
 * Check one -d argument's syntax (PATH[,ro][,name=NAME][,sector=N]) for the
 * command line; the devices parse it again when they open the image.
 * 0, or -1 with the reason in why.
 */
int vm_disk_spec_check(const char *arg, char *why, size_t why_len);

/* Defaults for everything the command line may leave out. */
void vm_config_init(struct vm_config *cfg);

/*
 * Build the machine, boot the kernel, run until it stops. Returns the exit
 * status. With cfg->reboot, every boot runs in a child process and a guest
 * reset starts the next one (src/vm_reboot.c).
 */
int vm_run(const struct vm_config *cfg);

/* One boot, in this process: *reset (if not NULL) says whether the guest reset the machine. */
int vm_boot_once(const struct vm_config *cfg, bool *reset);

/* vm_reboot.c: boots in child processes, a fresh one after each reset, up to cfg->reboot. */
int vm_reboot_run(const struct vm_config *cfg);

#endif
