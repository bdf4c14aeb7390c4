// SPDX-License-Identifier: MIT
/*
 * Command-line parsing with getopt_long. Every mistake is reported as one
 * line naming the option and what is wrong with it, plus a pointer to
 * --help, and nothing is started.
 */
#include "cli/cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "gdb/transport.h"

enum {
	OPT_INITRD = 0x100,
	OPT_MODULE,
	OPT_ACCEL,
	OPT_SOFT_ENGINE,
	OPT_SERIAL,
	OPT_STATS,
	OPT_TIMEOUT,
	OPT_GDB,
	OPT_GDB_WAIT,
	OPT_SANDBOX,
	OPT_REBOOT,
};

static const struct option long_options[] = {
    {"mem", required_argument, NULL, 'm'},
    {"memory", required_argument, NULL, 'm'},
    {"append", required_argument, NULL, 'a'},
    {"initrd", required_argument, NULL, OPT_INITRD},
    {"module", required_argument, NULL, OPT_MODULE},
    {"accel", required_argument, NULL, OPT_ACCEL},
    {"soft-engine", required_argument, NULL, OPT_SOFT_ENGINE},
    {"serial", required_argument, NULL, OPT_SERIAL},
    {"disk", required_argument, NULL, 'd'},
    {"stats", optional_argument, NULL, OPT_STATS},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"gdb", required_argument, NULL, OPT_GDB},
    {"gdb-wait", no_argument, NULL, OPT_GDB_WAIT},
    {"sandbox", required_argument, NULL, OPT_SANDBOX},
    {"reboot", optional_argument, NULL, OPT_REBOOT},
    {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

void cli_print_help(FILE *out)
{
	fprintf(out,
		"Usage: minivmm [options] KERNEL [--] [ARGS...]\n"
		"Boot a kernel (Solo5 hvt executable, Xen PVH entry note, Linux bzImage,\n"
		"Multiboot2 or v1 kernel, or ELF64 entered in long mode) in a virtual\n"
		"machine with ACPI tables, a 16550A serial console, isa-debug-exit, an i8042\n"
		"reset and virtio-blk disks (Solo5: block hypercalls), over the KVM API\n"
		"(/dev/kvm or the software CPU). ARGS are appended to the kernel command\n"
		"line; options go before KERNEL.\n"
		"\n"
		"Options:\n"
		"  -m, --mem SIZE         guest RAM, with K, M or G suffix (default 64M, 2M..32G)\n"
		"  -a, --append CMDLINE   kernel command line\n"
		"      --initrd FILE      load FILE as the initrd (the first module)\n"
		"      --module 'PATH[ ARGS]'\n"
		"                         a boot module, repeatable, in order (up to %d); the\n"
		"                         whole text is its Multiboot v1 string, ARGS its\n"
		"                         Multiboot2 string\n"
		"      --accel auto|kvm|soft\n"
		"                         /dev/kvm, the in-process software CPU, or /dev/kvm\n"
		"                         when it can be opened and the software CPU otherwise\n"
		"                         (default auto)\n"
		"      --soft-engine interp|bt\n"
		"                         the software CPU's engine: the interpreter, or the\n"
		"                         binary translator with the interpreter as fallback\n"
		"                         (default bt; also MINIVMM_SOFT_ENGINE)\n"
		"      --serial stdio|none\n"
		"                         COM1 on stdin/stdout (default), or detached\n"
		"  -d, --disk PATH[,ro][,name=NAME][,sector=N]\n"
		"                         disk from a raw image (virtio-blk: up to %d times;\n"
		"                         a Solo5 guest: up to %d); name binds it to a Solo5\n"
		"                         manifest block device, sector sets the logical\n"
		"                         block size (power of two, 512..32768)\n"
		"      --stats[=text|json|json:PATH]\n"
		"                         print exit accounting when the VM stops\n"
		"      --timeout SECONDS  stop the guest after SECONDS (exit status 124)\n"
		"      --reboot[=N]       a guest reset (i8042, ACPI, triple fault) restarts\n"
		"                         the VM, at most N times (default %d)\n"
		"      --gdb tcp:[HOST:]PORT|unix:PATH\n"
		"                         serve the GDB remote protocol there (HOST defaults\n"
		"                         to 127.0.0.1)\n"
		"      --gdb-wait         with --gdb: hold the guest at its first instruction\n"
		"                         until gdb attaches and continues\n"
		"      --sandbox on|off   seccomp allowlist once set up (default on); a\n"
		"                         forbidden system call kills minivmm (SIGSYS)\n"
		"  -v, --verbose          say what is loaded where, name unclaimed accesses\n"
		"  -h, --help             print this help\n"
		"  -V, --version          print the version\n"
		"\n"
		"Exit status: the value the guest writes to isa-debug-exit (port 0xf4);\n"
		"a Solo5 guest's HALT status; 0 guest halted or reset; 1 a Solo5 guest wrote\n"
		"to its read-only segments (solo5-hvt's host/guest translation fault); 2 usage\n"
		"error or bad disk (Solo5: disks and manifest disagree); 3 bad kernel, module\n"
		"or Solo5 notes; 4 could not start the guest; 5 guest crashed or broke the\n"
		"Solo5 ABI; 124 timeout; 128+N signal N; 159 (SIGSYS) a system call the\n"
		"sandbox forbids.\n"
		"See minivmm(1).\n",
		LOADER_MAX_MODULES, VIRTIO_MAX_DISKS, VM_MAX_DISKS, VM_DEFAULT_REBOOTS);
}

static enum cli_result usage_error(FILE *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static enum cli_result usage_error(FILE *err, const char *fmt, ...)
{
	va_list ap;

	fputs("minivmm: ", err);
	va_start(ap, fmt);
	vfprintf(err, fmt, ap);
	va_end(ap);
	fputs(" (see minivmm --help)\n", err);
	return CLI_USAGE_ERROR;
}

int cli_parse_size(const char *s, uint64_t *bytes)
{
	unsigned long long v;
	unsigned shift = 0;
	char *end;

	if (!s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -1;
	switch (*end) {
	case 'k':
	case 'K':
		shift = 10;
		end++;
		break;
	case 'm':
	case 'M':
		shift = 20;
		end++;
		break;
	case 'g':
	case 'G':
		shift = 30;
		end++;
		break;
	default:
		break;
	}
	/* Accept "64M", "64MB", "64MiB" alike. */
	if (shift && (!strcmp(end, "B") || !strcmp(end, "iB")))
		end += strlen(end);
	if (*end != '\0')
		return -1;
	if (shift && v > (UINT64_MAX >> shift))
		return -1;
	*bytes = (uint64_t)v << shift;
	return 0;
}

static enum cli_result parse_mem(const char *arg, struct vm_config *cfg, FILE *err)
{
	uint64_t bytes;

	if (cli_parse_size(arg, &bytes))
		return usage_error(err, "--mem: '%s' is not a size (e.g. 64M, 1G)", arg);
	if (bytes < VM_MIN_MEM || bytes > VM_MAX_MEM)
		return usage_error(err, "--mem: %s is outside %lluM..%lluG", arg, VM_MIN_MEM >> 20,
				   VM_MAX_MEM >> 30);
	if (bytes & 0xfff)
		return usage_error(err, "--mem: %s is not a multiple of 4K", arg);
	cfg->mem_size = bytes;
	return CLI_RUN;
}

static enum cli_result parse_timeout(const char *arg, struct vm_config *cfg, FILE *err)
{
	char *end;
	double t;

	errno = 0;
	t = strtod(arg, &end);
	if (errno || end == arg || *end != '\0' || !(t > 0) || t > VM_MAX_TIMEOUT_S)
		return usage_error(err, "--timeout: '%s' is not a number of seconds in (0, %.0f]",
				   arg, VM_MAX_TIMEOUT_S);
	cfg->timeout_s = t;
	return CLI_RUN;
}

static enum cli_result parse_reboot(const char *arg, struct vm_config *cfg, FILE *err)
{
	unsigned long n;
	char *end;

	if (!arg) {
		cfg->reboot = VM_DEFAULT_REBOOTS;
		return CLI_RUN;
	}
	errno = 0;
	n = strtoul(arg, &end, 10);
	if (errno || end == arg || *end || *arg < '1' || *arg > '9' || n > VM_MAX_REBOOTS)
		return usage_error(err, "--reboot: '%s' is not a number of restarts in [1, %d]",
				   arg, VM_MAX_REBOOTS);
	cfg->reboot = (unsigned)n;
	return CLI_RUN;
}

/* The spec is checked here (one line, status 2); the device that serves it parses it again. */
static enum cli_result parse_disk(const char *arg, struct vm_config *cfg, FILE *err)
{
	char why[160];

	if (cfg->nr_disks == VM_MAX_DISKS)
		return usage_error(err,
				   "--disk: at most %d disks (a Solo5 manifest's block devices)",
				   VM_MAX_DISKS);
	if (!*arg || *arg == ',')
		return usage_error(err, "--disk: '%s' has no file name", arg);
	if (vm_disk_spec_check(arg, why, sizeof(why)))
		return usage_error(err, "--disk %s: %s", arg, why);
	cfg->disks[cfg->nr_disks++] = (char *)arg;
	return CLI_RUN;
}

/* --initrd FILE is a module whose path is all of FILE; --module splits at the first space. */
static enum cli_result parse_module(bool initrd, const char *arg, struct vm_config *cfg, FILE *err)
{
	const char *opt = initrd ? "--initrd" : "--module";
	size_t path_len = initrd ? strlen(arg) : strcspn(arg, " ");

	if (path_len == 0)
		return usage_error(err, "%s: '%s' has no file name", opt, arg);
	if (cfg->nr_modules == LOADER_MAX_MODULES)
		return usage_error(err, "%s: at most %d modules", opt, LOADER_MAX_MODULES);
	cfg->modules[cfg->nr_modules++] = (struct loader_module){arg, path_len};
	return CLI_RUN;
}

static enum cli_result parse_gdb(const char *arg, struct vm_config *cfg, FILE *err)
{
	struct gdb_addr a;
	char why[400];

	if (gdb_addr_parse(arg, &a, why, sizeof(why)))
		return usage_error(err, "--gdb: %s", why);
	cfg->gdb = arg;
	return CLI_RUN;
}

static enum cli_result parse_one(int c, const char *arg, struct vm_config *cfg, FILE *err)
{
	switch (c) {
	case 'm':
		return parse_mem(arg, cfg, err);
	case 'a':
		cfg->append = arg;
		return CLI_RUN;
	case OPT_INITRD:
	case OPT_MODULE:
		return parse_module(c == OPT_INITRD, arg, cfg, err);
	case OPT_ACCEL:
		if (strcmp(arg, "auto") && strcmp(arg, "kvm") && strcmp(arg, "soft"))
			return usage_error(err, "--accel: '%s' is not auto, kvm or soft", arg);
		cfg->accel = arg;
		return CLI_RUN;
	case OPT_SOFT_ENGINE:
		if (strcmp(arg, "interp") && strcmp(arg, "bt"))
			return usage_error(err, "--soft-engine: '%s' is not interp or bt", arg);
		cfg->soft_engine = arg;
		return CLI_RUN;
	case OPT_SERIAL:
		if (!strcmp(arg, "stdio"))
			cfg->serial = UART_CONSOLE_STDIO;
		else if (!strcmp(arg, "none"))
			cfg->serial = UART_CONSOLE_NONE;
		else
			return usage_error(err, "--serial: '%s' is not stdio or none", arg);
		return CLI_RUN;
	case 'd':
		return parse_disk(arg, cfg, err);
	case OPT_STATS:
		if (stats_parse_option(arg, &cfg->stats))
			return usage_error(err, "--stats: '%s' is not text, json or json:PATH",
					   arg);
		return CLI_RUN;
	case OPT_TIMEOUT:
		return parse_timeout(arg, cfg, err);
	case OPT_GDB:
		return parse_gdb(arg, cfg, err);
	case OPT_REBOOT:
		return parse_reboot(arg, cfg, err);
	case OPT_GDB_WAIT:
		cfg->gdb_wait = true;
		return CLI_RUN;
	case OPT_SANDBOX:
		if (strcmp(arg, "on") && strcmp(arg, "off"))
			return usage_error(err, "--sandbox: '%s' is not on or off", arg);
		cfg->sandbox = !strcmp(arg, "on");
		return CLI_RUN;
	case 'v':
		cfg->verbose = true;
		return CLI_RUN;
	default:
		return usage_error(err, "internal error: option %d", c);
	}
}

enum cli_result cli_parse(int argc, char **argv, struct vm_config *cfg, FILE *out, FILE *err)
{
	int c;

	vm_config_init(cfg);
	optind = 0; /* full re-initialisation of getopt (glibc), so tests can parse twice */
	opterr = 0; /* we print our own one-line messages */
	/* '+': options end at KERNEL; what follows it is the guest's, not ours. */
	while ((c = getopt_long(argc, argv, "+:m:a:d:vhV", long_options, NULL)) != -1) {
		enum cli_result r;

		switch (c) {
		case 'h':
			cli_print_help(out);
			return CLI_EXIT_OK;
		case 'V':
			fprintf(out, "minivmm %s\n", MINIVMM_VERSION);
			return CLI_EXIT_OK;
		case '?':
			if (optopt)
				return usage_error(err, "unknown option -%c", optopt);
			return usage_error(err, "unknown or incomplete option '%s'",
					   argv[optind - 1]);
		case ':':
			return usage_error(err, "option '%s' needs an argument", argv[optind - 1]);
		default:
			r = parse_one(c, optarg, cfg, err);
			if (r != CLI_RUN)
				return r;
		}
	}
	if (optind >= argc)
		return usage_error(err, "no kernel given: minivmm [options] KERNEL [--] [ARGS...]");
	if (!*argv[optind])
		return usage_error(err, "empty kernel file name");
	if (cfg->gdb_wait && !cfg->gdb)
		return usage_error(err, "--gdb-wait needs --gdb");
	if (cfg->reboot && cfg->gdb)
		return usage_error(err, "--reboot and --gdb cannot be combined (each boot would "
					"be a new process for the debugger)");
	cfg->kernel = argv[optind++];
	/* ARGS (after an optional "--") are appended to the kernel command line. */
	if (optind < argc && !strcmp(argv[optind], "--"))
		optind++;
	cfg->args = argv + optind;
	cfg->nr_args = (unsigned)(argc - optind);
	return CLI_RUN;
}
