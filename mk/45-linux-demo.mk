# make linux-demo: Debian's Linux 6.1 to a busybox shell on the serial
# console with an ext4 disk mounted (scripts/linux-demo.sh; the kernel,
# busybox-static and the initramfs are fetched and built at run time into
# build/debian-cache, never committed). ACCEL=soft|kvm|auto,
# LINUX_BOOT=pvh|bzimage, LINUX_APPEND='...' as the script documents.

.PHONY: linux-demo
linux-demo: minivmm
	$(if $(ACCEL),ACCEL=$(ACCEL)) $(if $(LINUX_BOOT),LINUX_BOOT=$(LINUX_BOOT)) scripts/linux-demo.sh
