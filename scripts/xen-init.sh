#!/bin/sh
# SPDX-License-Identifier: MIT
# /init of the Xen demo's dom0 initramfs (scripts/xen-initramfs.py puts it
# there with busybox). Runs in Debian's Linux as Xen's PV dom0: prints a
# marker and what it runs on, then either writes the number given as
# xen_exit=N on dom0's command line to port 0xf4 (isa-debug-exit: minivmm
# exits with N; dom0 has I/O port access, /dev/port is the way from user
# space), or starts a shell on dom0's console (hvc0, Xen's serial line) and
# writes its exit status there when it ends.
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
echo "xen-demo: dom0 /init started"
echo "xen-demo: $(uname -sr) on $(cat /sys/hypervisor/type 2>/dev/null || echo '?')" \
	"$(cat /sys/hypervisor/version/major 2>/dev/null).$(cat /sys/hypervisor/version/minor 2>/dev/null)"

# port_exit N: one byte N to port 0xf4 (244).
port_exit() {
	printf "\\$(printf %o "$1")" | dd of=/dev/port bs=1 seek=244 count=1 conv=notrunc 2>/dev/null
	echo "xen-demo: writing $1 to port 0xf4 failed"
}

status=$(sed -n 's/.*xen_exit=\([0-9]*\).*/\1/p' /proc/cmdline)
if [ -n "$status" ]; then
	echo "xen-demo: exit status $status to port 0xf4"
	port_exit "$status"
	exit 1
fi
echo "xen-demo: dom0 shell on hvc0 ('exit' ends the VM with the shell's status)"
setsid cttyhack sh -l
port_exit $?
