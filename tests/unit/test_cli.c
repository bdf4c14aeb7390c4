// SPDX-License-Identifier: MIT
/* Command-line parsing: sizes, every option, and one-line errors. */
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "support/run_suite.h"

static char errbuf[4096], outbuf[8192];
static struct vm_config cfg;

/* Parse argv[0..argc) (argv[0] is "minivmm"); messages land in errbuf/outbuf. */
static enum cli_result parse_argv(int argc, char **argv)
{
	FILE *out = fmemopen(outbuf, sizeof(outbuf), "w");
	FILE *err = fmemopen(errbuf, sizeof(errbuf), "w");
	enum cli_result r;

	memset(errbuf, 0, sizeof(errbuf));
	memset(outbuf, 0, sizeof(outbuf));
	r = cli_parse(argc, argv, &cfg, out, err);
	fclose(out);
	fclose(err);
	return r;
}

/* Parse a NULL-terminated argument list. */
static enum cli_result parse(const char *first, ...)
{
	static char *argv[32]; /* cfg.args points into it after parse() returns */
	int argc = 0;
	va_list ap;

	argv[argc++] = "minivmm";
	va_start(ap, first);
	for (const char *a = first; a; a = va_arg(ap, const char *))
		argv[argc++] = (char *)a;
	va_end(ap);
	argv[argc] = NULL;
	return parse_argv(argc, argv);
}

/* One line, prefixed, naming what is wrong, with the --help hint. */
static void expect_usage_error(enum cli_result r, const char *mention)
{
	ck_assert_int_eq(r, CLI_USAGE_ERROR);
	ck_assert_msg(strncmp(errbuf, "minivmm: ", 9) == 0, "'%s'", errbuf);
	ck_assert_msg(strstr(errbuf, mention), "'%s' does not mention '%s'", errbuf, mention);
	ck_assert_ptr_nonnull(strstr(errbuf, "--help"));
	ck_assert_ptr_eq(strchr(errbuf, '\n'), errbuf + strlen(errbuf) - 1);
}

START_TEST(sizes)
{
	uint64_t b;

	ck_assert_int_eq(cli_parse_size("64M", &b), 0);
	ck_assert_uint_eq(b, 64ULL << 20);
	ck_assert_int_eq(cli_parse_size("1G", &b), 0);
	ck_assert_uint_eq(b, 1ULL << 30);
	ck_assert_int_eq(cli_parse_size("512k", &b), 0);
	ck_assert_uint_eq(b, 512ULL << 10);
	ck_assert_int_eq(cli_parse_size("4096", &b), 0);
	ck_assert_uint_eq(b, 4096);
	ck_assert_int_eq(cli_parse_size("2GiB", &b), 0);
	ck_assert_uint_eq(b, 2ULL << 30);
	ck_assert_int_eq(cli_parse_size("", &b), -1);
	ck_assert_int_eq(cli_parse_size("M", &b), -1);
	ck_assert_int_eq(cli_parse_size("-1M", &b), -1);
	ck_assert_int_eq(cli_parse_size(" 1M", &b), -1);
	ck_assert_int_eq(cli_parse_size("1T", &b), -1);
	ck_assert_int_eq(cli_parse_size("1MM", &b), -1);
	ck_assert_int_eq(cli_parse_size("99999999999999999999", &b), -1);
	ck_assert_int_eq(cli_parse_size("17179869184G", &b), -1); /* 2^64 bytes */
}
END_TEST

START_TEST(defaults)
{
	ck_assert_int_eq(parse("k.elf", NULL), CLI_RUN);
	ck_assert_str_eq(cfg.kernel, "k.elf");
	ck_assert_uint_eq(cfg.mem_size, 64ULL << 20);
	ck_assert_str_eq(cfg.accel, "auto");
	ck_assert_int_eq(cfg.serial, UART_CONSOLE_STDIO);
	ck_assert_ptr_null(cfg.append);
	ck_assert_uint_eq(cfg.nr_modules, 0);
	ck_assert_uint_eq(cfg.nr_disks, 0);
	ck_assert_int_eq(cfg.stats.format, STATS_OFF);
	ck_assert(cfg.timeout_s == 0);
	ck_assert(!cfg.verbose);
}
END_TEST

START_TEST(every_option_short_and_long)
{
	ck_assert_int_eq(parse("-m", "128M", "-a", "console=ttyS0 quiet", "--initrd", "i.img",
			       "--accel", "kvm", "--serial", "none", "-d", "a.img", "--disk",
			       "b.img,ro", "--stats=json:/tmp/s.json", "--timeout", "2.5", "-v",
			       "k.elf", NULL),
			 CLI_RUN);
	ck_assert_uint_eq(cfg.mem_size, 128ULL << 20);
	ck_assert_str_eq(cfg.append, "console=ttyS0 quiet");
	ck_assert_uint_eq(cfg.nr_modules, 1);
	ck_assert_str_eq(cfg.modules[0].spec, "i.img");
	ck_assert_uint_eq(cfg.modules[0].path_len, 5);
	ck_assert_str_eq(cfg.accel, "kvm");
	ck_assert_int_eq(cfg.serial, UART_CONSOLE_NONE);
	ck_assert_uint_eq(cfg.nr_disks, 2);
	ck_assert_str_eq(cfg.disks[0], "a.img");
	ck_assert_str_eq(cfg.disks[1], "b.img,ro");
	ck_assert_int_eq(cfg.stats.format, STATS_JSON);
	ck_assert_str_eq(cfg.stats.path, "/tmp/s.json");
	ck_assert(cfg.timeout_s == 2.5);
	ck_assert(cfg.verbose);
	ck_assert_str_eq(cfg.kernel, "k.elf");

	ck_assert_int_eq(parse("--mem=1G", "--append=x", "--accel=soft", "--stats", "k", NULL),
			 CLI_RUN);
	ck_assert_uint_eq(cfg.mem_size, 1ULL << 30);
	ck_assert_str_eq(cfg.append, "x");
	ck_assert_str_eq(cfg.accel, "soft");
	ck_assert_int_eq(cfg.stats.format, STATS_TEXT);
	ck_assert_int_eq(parse("--memory", "2M", "k", NULL), CLI_RUN);
	ck_assert_uint_eq(cfg.mem_size, 2ULL << 20);
}
END_TEST

/* Options end at KERNEL: what follows is the guest's (solo5-hvt's and uhyve's rule). */
START_TEST(arguments_after_the_kernel)
{
	ck_assert_int_eq(parse("k.elf", "-m", "256M", NULL), CLI_RUN);
	ck_assert_uint_eq(cfg.mem_size, 64ULL << 20);
	ck_assert_str_eq(cfg.kernel, "k.elf");
	ck_assert_uint_eq(cfg.nr_args, 2);
	ck_assert_str_eq(cfg.args[0], "-m");
	ck_assert_str_eq(cfg.args[1], "256M");

	/* One "--" after the kernel separates; a second one is an argument. */
	ck_assert_int_eq(parse("-v", "k.elf", "--", "--", "x", NULL), CLI_RUN);
	ck_assert(cfg.verbose);
	ck_assert_uint_eq(cfg.nr_args, 2);
	ck_assert_str_eq(cfg.args[0], "--");
	ck_assert_str_eq(cfg.args[1], "x");

	/* "--" before the kernel ends the options too. */
	ck_assert_int_eq(parse("--", "-k.elf", "a", NULL), CLI_RUN);
	ck_assert_str_eq(cfg.kernel, "-k.elf");
	ck_assert_uint_eq(cfg.nr_args, 1);

	ck_assert_int_eq(parse("k.elf", NULL), CLI_RUN);
	ck_assert_uint_eq(cfg.nr_args, 0);
}
END_TEST

START_TEST(disk_options)
{
	ck_assert_int_eq(
	    parse("-d", "a.img,ro,name=storage,sector=4096", "-d", "b.img,sector=512", "k", NULL),
	    CLI_RUN);
	ck_assert_uint_eq(cfg.nr_disks, 2);
	ck_assert_str_eq(cfg.disks[0], "a.img,ro,name=storage,sector=4096");
	expect_usage_error(parse("-d", "a.img,sector=1000", "k", NULL), "power of two");
	expect_usage_error(parse("-d", "a.img,sector=256", "k", NULL), "sector");
	expect_usage_error(parse("-d", "a.img,sector=65536", "k", NULL), "sector");
	expect_usage_error(parse("-d", "a.img,sector=", "k", NULL), "sector");
	expect_usage_error(parse("-d", "a.img,name=", "k", NULL), "name");
	expect_usage_error(parse("-d", "a.img,name=has-dash", "k", NULL), "letters and digits");
	expect_usage_error(parse("-d", "a.img,sync", "k", NULL), "unknown option 'sync'");
}
END_TEST

START_TEST(help_and_version)
{
	ck_assert_int_eq(parse("--help", NULL), CLI_EXIT_OK);
	ck_assert_ptr_nonnull(strstr(outbuf, "Usage: minivmm"));
	/* The help names every long option. */
	ck_assert_ptr_nonnull(strstr(outbuf, "--mem"));
	ck_assert_ptr_nonnull(strstr(outbuf, "--append"));
	ck_assert_ptr_nonnull(strstr(outbuf, "--initrd"));
	ck_assert_ptr_nonnull(strstr(outbuf, "--accel"));
	ck_assert_ptr_nonnull(strstr(outbuf, "--serial"));
	ck_assert_ptr_nonnull(strstr(outbuf, "--disk"));
	ck_assert_ptr_nonnull(strstr(outbuf, "--stats"));
	ck_assert_ptr_nonnull(strstr(outbuf, "--timeout"));
	ck_assert_ptr_nonnull(strstr(outbuf, "--verbose"));
	ck_assert_ptr_nonnull(strstr(outbuf, "--version"));
	ck_assert_str_eq(errbuf, "");
	ck_assert_int_eq(parse("-h", NULL), CLI_EXIT_OK);
	ck_assert_int_eq(parse("-V", NULL), CLI_EXIT_OK);
	ck_assert_ptr_nonnull(strstr(outbuf, "minivmm " MINIVMM_VERSION));
}
END_TEST

START_TEST(usage_errors)
{
	expect_usage_error(parse(NULL), "no kernel");
	expect_usage_error(parse("--bogus", "k", NULL), "--bogus");
	expect_usage_error(parse("-x", "k", NULL), "-x");
	expect_usage_error(parse("-m", "lots", "k", NULL), "--mem");
	expect_usage_error(parse("-m", "1M", "k", NULL), "--mem");
	expect_usage_error(parse("-m", "64G", "k", NULL), "--mem");
	expect_usage_error(parse("-m", "4097K", "k", NULL), "4K");
	expect_usage_error(parse("--accel", "xen", "k", NULL), "--accel");
	expect_usage_error(parse("--serial", "file", "k", NULL), "--serial");
	expect_usage_error(parse("--stats=xml", "k", NULL), "--stats");
	expect_usage_error(parse("--timeout", "0", "k", NULL), "--timeout");
	expect_usage_error(parse("--timeout", "soon", "k", NULL), "--timeout");
	expect_usage_error(parse("--timeout", "-3", "k", NULL), "--timeout");
	expect_usage_error(parse("-d", ",ro", "k", NULL), "--disk");
	expect_usage_error(parse("--initrd=", "k", NULL), "--initrd");
	expect_usage_error(parse("--module", " args", "k", NULL), "--module");
	expect_usage_error(parse("", NULL), "empty");
}
END_TEST

/* --initrd and --module share one list in command-line order; a module's path ends at a space. */
START_TEST(modules_in_order)
{
	ck_assert_int_eq(parse("--module", "a.bin first arg", "--initrd", "my initrd", "--module",
			       "b.bin", "k.elf", NULL),
			 CLI_RUN);
	ck_assert_uint_eq(cfg.nr_modules, 3);
	ck_assert_str_eq(cfg.modules[0].spec, "a.bin first arg");
	ck_assert_uint_eq(cfg.modules[0].path_len, 5);
	ck_assert_str_eq(cfg.modules[1].spec, "my initrd"); /* --initrd: all of it is the path */
	ck_assert_uint_eq(cfg.modules[1].path_len, 9);
	ck_assert_uint_eq(cfg.modules[2].path_len, 5);
	expect_usage_error(parse("--module", "1", "--module", "2", "--module", "3", "--module", "4",
				 "--module", "5", "--module", "6", "--module", "7", "--module", "8",
				 "--module", "9", "k", NULL),
			   "at most 8");
}
END_TEST

/* minivmm KERNEL with n disks "-d 0" .. "-d n-1". */
static enum cli_result parse_disks(unsigned n)
{
	static char names[70][12];
	static char *argv[2 * 70 + 3];
	int argc = 0;

	argv[argc++] = "minivmm";
	for (unsigned i = 0; i < n; i++) {
		snprintf(names[i], sizeof(names[i]), "%u", i);
		argv[argc++] = "-d";
		argv[argc++] = names[i];
	}
	argv[argc++] = "k";
	argv[argc] = NULL;
	return parse_argv(argc, argv);
}

/*
 * As many disks as a Solo5 manifest can have block devices: 63 (Solo5's
 * elftool refuses a manifest with "too many entries, maximum 63"); vm.c
 * holds a virtio-blk guest to 8 once it knows the boot protocol.
 */
START_TEST(at_most_63_disks)
{
	ck_assert_int_eq(parse_disks(63), CLI_RUN);
	ck_assert_uint_eq(cfg.nr_disks, 63);
	ck_assert_str_eq(cfg.disks[62], "62");
	expect_usage_error(parse_disks(64), "--disk");
}
END_TEST

START_TEST(parses_twice_in_one_process)
{
	ck_assert_int_eq(parse("-m", "8M", "a", NULL), CLI_RUN);
	ck_assert_int_eq(parse("-v", "b", NULL), CLI_RUN);
	ck_assert_str_eq(cfg.kernel, "b");
	ck_assert_uint_eq(cfg.mem_size, 64ULL << 20); /* defaults again, not the last run's */
}
END_TEST

static Suite *cli_suite(void)
{
	Suite *s = suite_create("cli");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, sizes);
	tcase_add_test(tc, defaults);
	tcase_add_test(tc, every_option_short_and_long);
	tcase_add_test(tc, arguments_after_the_kernel);
	tcase_add_test(tc, disk_options);
	tcase_add_test(tc, help_and_version);
	tcase_add_test(tc, usage_errors);
	tcase_add_test(tc, modules_in_order);
	tcase_add_test(tc, at_most_63_disks);
	tcase_add_test(tc, parses_twice_in_one_process);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run_suite(cli_suite());
}
