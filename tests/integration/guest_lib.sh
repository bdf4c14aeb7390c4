#!/bin/bash
# SPDX-License-Identifier: MIT
# The guest library's pure parts (printf, number and command-line parsing)
# built for the host and checked there, printf against glibc's snprintf.
set -u
cd "$(dirname "$0")/../.." || exit 1
bin=$(mktemp "${TMPDIR:-/tmp}/guest-lib-check.XXXXXX")
trap 'rm -f "$bin"' EXIT
gcc -std=gnu11 -O2 -Wall -Wextra -Werror -fno-builtin -Iguest-kernels/lib -o "$bin" \
	guest-kernels/lib/hosttest/lib_check.c guest-kernels/lib/printf.c \
	guest-kernels/lib/bootinfo.c guest-kernels/lib/string.c || {
	echo "FAIL: building the host check of guest-kernels/lib"
	exit 1
}
"$bin"
