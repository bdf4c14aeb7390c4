/* SPDX-License-Identifier: MIT */
/* The command line: `minivmm [options] KERNEL` into a struct vm_config. */
#ifndef MINIVMM_CLI_H
#define MINIVMM_CLI_H

#include <stdint.h>
#include <stdio.h>

#include "vm.h"

#define MINIVMM_VERSION "0.1.0"

enum cli_result {
	CLI_RUN,	 /* cfg is complete: boot it */
	CLI_EXIT_OK,	 /* --help or --version was printed */
	CLI_USAGE_ERROR, /* one line was printed on err; exit with MINIVMM_EXIT_USAGE */
};

/*
 * Parse argv into cfg (which keeps pointers into argv). Help and version
 * go to out, errors (one line each, with a hint to --help) to err.
 */
enum cli_result cli_parse(int argc, char **argv, struct vm_config *cfg, FILE *out, FILE *err);

/* "64M", "1G", "4096", "512K": bytes. -1 on anything else or on overflow. */
int cli_parse_size(const char *s, uint64_t *bytes);

void cli_print_help(FILE *out);

#endif
