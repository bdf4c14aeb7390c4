// SPDX-License-Identifier: MIT
/*
 * micro's block server (thread 1): lib/virtio_blk.c running in ring 3.
 * The kernel mapped the device's MMIO window into this address space only
 * and passed: a0 = its user address, a1 = the physical address of our own
 * memory (the device does DMA by physical address and there is no IOMMU,
 * so a DMA-capable driver is trusted with memory, a known limit of
 * user-mode drivers), a2 = the window's size. A read or write comes with
 * the page that holds the record granted for the call (abi.h): the kernel
 * tells us its physical address, and the device reads or writes that page
 * itself, so the data is never copied on its way. While the device works
 * it waits for the device's interrupt, which the kernel turns into a
 * message to us (abi.h, SYS_IRQ_WAIT). It serves the file
 * server only: the kernel fills in who sent a message, so a client cannot
 * go around the file server's checks by talking to the disk directly.
 */
#include "guest.h"
#include "uspace.h"
#include "ulib.h"
#include "virtio_blk.h"

#define PAGE 4096u
#define SECTOR 512u

static uint8_t window[IPC_WINDOW] __attribute__((aligned(4096)));
static uint64_t memory_pa, grant_pa;

/*
 * What lib/virtio_blk.c calls for DMA addresses when built for ring 3
 * (guest.h): the page granted for the current request, or our own memory
 * (the virtqueue, request headers and status bytes).
 */
uint64_t user_virt_to_phys(const void *p)
{
	uint64_t va = (uint64_t)(uintptr_t)p;

	if (va - GRANT_VA < PAGE)
		return grant_pa + (va - GRANT_VA);
	return va - USER_BASE + memory_pa;
}

/*
 * While the device works on a request: sleep until its interrupt arrives
 * as a message from the kernel (nonzero if the kernel gave us no line:
 * the driver then polls).
 */
static int wait_for_interrupt(void *ctx)
{
	struct msg m;

	(void)ctx;
	return ipc_irq_wait(&m) == 0 ? 0 : -1;
}

static uint64_t serve(struct vblk *d, const struct msg *m, uint64_t r[4])
{
	int st;

	if (m->from != TID_FILE)
		return (uint64_t)E_PERM;
	switch (m->w[0]) {
	case BLK_CAPACITY:
		r[1] = d->capacity;
		return 0;
	case BLK_READ:
	case BLK_WRITE:
		if (m->grant != GRANT_VA || !m->grant_pa || m->w[2] > PAGE - SECTOR)
			return (uint64_t)E_INVAL;
		grant_pa = m->grant_pa;
		st = vblk_rw(d, m->w[0] == BLK_READ ? VIRTIO_BLK_T_IN : VIRTIO_BLK_T_OUT, m->w[1],
			     (void *)(uintptr_t)(GRANT_VA + m->w[2]), SECTOR);
		return st == VIRTIO_BLK_S_OK ? 0 : (uint64_t)E_IO;
	default:
		return (uint64_t)E_INVAL;
	}
}

int main(uint64_t mmio, uint64_t mem_pa, uint64_t size)
{
	static struct vblk d;
	struct msg m;

	memory_pa = mem_pa;
	ipc_window(window);
	if (vblk_init(&d, (uintptr_t)mmio, size, 0, 0))
		return 3;
	d.wait_irq = wait_for_interrupt;
	ipc_recv(&m);
	for (;;) {
		uint64_t r[4] = {0, 0, 0, 0};

		r[0] = serve(&d, &m, r);
		ipc_reply_wait(m.from, r, &m);
	}
}
