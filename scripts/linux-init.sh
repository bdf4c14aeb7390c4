#!/bin/sh
# SPDX-License-Identifier: MIT
# /init of the Linux demo's initramfs (scripts/linux-initramfs.py puts it
# there, with busybox and the modules listed in /etc/modules in load order).
# Mounts proc, sysfs and devtmpfs, loads the virtio-mmio disk and ext4
# modules, mounts /dev/vda on /mnt, then either runs /mnt/autorun.sh and
# powers off (the integration test writes that file on the disk, so its
# kernel command line stays "console=ttyS0 panic=-1"), or starts an
# interactive shell on the console (ttyS0) as its controlling terminal.
# busybox's poweroff/reboot/halt signal PID 1 (SIGUSR2/SIGTERM/SIGUSR1):
# this script unmounts the disk and asks the kernel to do it.
export PATH=/bin
echo "linux-demo: /init started"
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
for m in $(cat /etc/modules); do
	insmod "/lib/modules/$m.ko" || echo "linux-demo: insmod $m failed"
done
echo "linux-demo: modules:" $(cut -d' ' -f1 /proc/modules | sort)
i=0
while [ ! -b /dev/vda ] && [ $i -lt 100 ]; do
	sleep 0.05
	i=$((i + 1))
done
if mount -t ext4 /dev/vda /mnt; then
	echo "linux-demo: /dev/vda mounted on /mnt"
else
	echo "linux-demo: no ext4 disk on /dev/vda"
fi

stop() {
	cd /
	sync
	umount /mnt 2>/dev/null
	"$1" -f
}
trap 'stop poweroff' USR2
trap 'stop halt' USR1
trap 'stop reboot' TERM

if [ -f /mnt/autorun.sh ]; then
	(cd /mnt && sh ./autorun.sh)
	echo "linux-demo: autorun.sh exit status $?"
	stop poweroff
fi
# The shell runs in the background so that this shell can take poweroff's
# signal while it waits.
setsid cttyhack sh -l &
wait
echo "linux-demo: the shell ended"
stop poweroff
