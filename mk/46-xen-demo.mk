# make xen-demo: Debian's Xen 4.17 with Debian's Linux 6.1 as its PV dom0,
# to a busybox shell on Xen's serial console (scripts/xen-demo.sh; Xen,
# the kernel, busybox-static and the initramfs are fetched and built at
# run time into build/debian-cache, never committed). DOM0_KERNEL=vmlinux,
# XEN_APPEND='...', DOM0_APPEND='...', XEN_TIMEOUT=s as the script documents.

.PHONY: xen-demo
xen-demo: minivmm
	scripts/xen-demo.sh
