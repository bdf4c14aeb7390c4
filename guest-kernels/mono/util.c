// SPDX-License-Identifier: MIT
/*
 * mono's utility procedures: the helpers the service procedures of
 * syscall.c are built from. The disk driver lives here, inside the kernel,
 * as in any monolithic kernel: a system call reaches the device with no
 * further switch.
 */
#include "bootinfo.h"
#include "guest.h"
#include "mono.h"
#include "printf.h"
#include "virtio_blk.h"
#include "workload.h"

static struct vblk disk;
static const char *boot_cmdline = "";

int util_disk_init(const char *cmdline)
{
	uintptr_t base;
	uint64_t window;
	unsigned irq;

	boot_cmdline = cmdline;
	if (vblk_find(cmdline, 0, &base, &window, &irq) || vblk_init(&disk, base, window, irq, 0))
		return -1;
	return 0;
}

/*
 * One sector between the disk and buf, a kernel pointer from
 * util_user_ptr(): process memory is physically contiguous and identity
 * mapped for the kernel, so the device reads and writes the user's buffer
 * directly (no copy).
 */
int util_disk_rw(int write, uint64_t sector, void *buf)
{
	int st = vblk_rw(&disk, write ? VIRTIO_BLK_T_OUT : VIRTIO_BLK_T_IN, sector, buf,
			 WL_RECORD_BYTES);

	return st == VIRTIO_BLK_S_OK ? 0 : -1;
}

/* The kernel's view of a user buffer, or NULL: every user pointer goes through here. */
void *util_user_ptr(struct process *p, uint64_t va, uint64_t len)
{
	return uspace_ptr(&p->as, va, len);
}

const char *util_cmdline(void)
{
	return boot_cmdline;
}
