// SPDX-License-Identifier: MIT
/* minivmm: boot an ELF kernel in a KVM-API virtual machine. */
#include <stdio.h>

#include "cli/cli.h"
#include "vm.h"

int main(int argc, char **argv)
{
	struct vm_config cfg;

	switch (cli_parse(argc, argv, &cfg, stdout, stderr)) {
	case CLI_EXIT_OK:
		return MINIVMM_EXIT_OK;
	case CLI_USAGE_ERROR:
		return MINIVMM_EXIT_USAGE;
	case CLI_RUN:
		break;
	}
	return vm_run(&cfg);
}
