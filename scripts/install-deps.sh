#!/usr/bin/env bash
# Install the Debian 12 packages minivmm needs to build and test, if missing.
# Uses apt-get when root, sudo otherwise, and says what it installs.
set -eu

# build: gcc make libelf-dev zlib1g-dev (libelf.a and libz.a are linked
#        statically) libzydis-dev libxen-dev (Xen's PVH start_info.h and
#        elfnote.h, so the ABI structs are not copied by hand) libseccomp-dev
#        (the --sandbox seccomp filter; libseccomp.a is linked statically)
#        multiboot (the Multiboot specification's own multiboot/multiboot.h:
#        header and boot information structs, not copied by hand)
# tests: check pkg-config libunicorn-dev (instruction oracle) qemu-system-x86 (peer)
#        valgrind (bench); python3 for the comparison tool; libjansson-dev
#        (test_stats parses the JSON report with a parser we did not write)
#        acpica-tools (iasl -d: ACPICA's disassembler checks every ACPI table minivmm builds)
# fuzz:  clang libclang-rt-14-dev (libFuzzer and the sanitizer runtimes for
#        clang: the tests/fuzz targets, run over their corpora by make check)
PKGS="gcc make pkg-config libelf-dev zlib1g-dev libzydis-dev libxen-dev libseccomp-dev multiboot check libunicorn-dev
      qemu-system-x86 python3 valgrind libjansson-dev clang libclang-rt-14-dev acpica-tools"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

echo "install-deps: installing missing Debian packages:$missing" >&2
if [ "$(id -u)" -eq 0 ]; then
	SUDO=""
elif command -v sudo >/dev/null 2>&1; then
	SUDO="sudo"
else
	echo "install-deps: not root and no sudo; please install:$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >&2 || true
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >&2
