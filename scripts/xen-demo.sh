#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# make xen-demo: Debian's Xen 4.17 on minivmm's software CPU, with Debian's
# Linux 6.1 as its paravirtualised dom0 and a busybox shell on dom0's
# console (hvc0, which Xen carries on its serial line, COM1: minivmm's
# stdin and stdout). scripts/xen-prepare.sh fetches the packages with
# apt-get download and builds dom0's initramfs. `exit` in the shell writes
# its status to port 0xf4 and ends minivmm with it.
#
# Xen has both Multiboot headers and boots by v1, as under QEMU's -kernel:
# each string starts with its image's file name, which Xen strips.
#
# Environment: DOM0_KERNEL (bzimage, the default, or vmlinux: the ELF inside
# the bzImage's xz payload, which spares Xen decompressing it: 3.5 G guest
# instructions to /init instead of 7.8 G), XEN_APPEND (Xen's options, default "console=com1
# com1=115200,8n1 dom0_mem=512M noreboot"), DOM0_APPEND (default
# "console=hvc0 earlyprintk=xen panic=-1"; add xen_exit=N to have /init
# write N to port 0xf4 instead of starting the shell), XEN_TIMEOUT (seconds,
# default none), DEBIAN_CACHE (build/debian-cache), MINIVMM (./minivmm).
set -euo pipefail
cd "$(dirname "$0")/.."

MINIVMM=${MINIVMM:-./minivmm}
paths=$(scripts/xen-prepare.sh "${DEBIAN_CACHE:-build/debian-cache}")
xen=$(awk '$1 == "xen" {print $2}' <<<"$paths")
case ${DOM0_KERNEL:-bzimage} in
bzimage) vmlinuz=$(awk '$1 == "vmlinuz" {print $2}' <<<"$paths") ;;
vmlinux) vmlinuz=$(awk '$1 == "vmlinux" {print $2}' <<<"$paths") ;;
*)
	echo "xen-demo: DOM0_KERNEL must be bzimage or vmlinux, not '$DOM0_KERNEL'" >&2
	exit 2
	;;
esac
initrd=$(awk '$1 == "initrd" {print $2}' <<<"$paths")

echo "xen-demo: $(basename "$xen") with dom0 $(basename "$vmlinuz") and $(basename "$initrd")" >&2
echo "xen-demo: Xen + dom0 take minutes on the software CPU; 'exit' in dom0's shell ends the VM" >&2
exec "$MINIVMM" --accel soft -m 1G ${XEN_TIMEOUT:+--timeout "$XEN_TIMEOUT"} \
	-a "${XEN_APPEND:-console=com1 com1=115200,8n1 dom0_mem=512M noreboot}" \
	--module "$vmlinuz ${DOM0_APPEND:-console=hvc0 earlyprintk=xen panic=-1}" \
	--module "$initrd" "$xen"
