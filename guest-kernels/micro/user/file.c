// SPDX-License-Identifier: MIT
/*
 * micro's file server (thread 2): clients read and write 512-byte records
 * by sector; the server checks the sector against the disk's size (which
 * it asked the block server for) and forwards the request. Data passes
 * through this server's window: client -> file -> block for a write,
 * block -> file -> client for a read (two kernel copies each way).
 */
#include "ulib.h"

static uint8_t window[IPC_WINDOW] __attribute__((aligned(4096)));

static uint64_t serve(uint64_t capacity, const struct msg *m, uint64_t r[4])
{
	uint64_t req[4] = {0, m->w[1], 0, 0};
	struct msg a;

	if ((m->w[0] != FS_READ && m->w[0] != FS_WRITE) || m->w[1] >= capacity)
		return (uint64_t)E_INVAL;
	req[0] = m->w[0] == FS_READ ? BLK_READ : BLK_WRITE;
	req[3] = m->w[0] == FS_WRITE ? m->w[3] : 0;
	if (ipc_call(TID_BLOCK, req, &a) || a.w[0])
		return (uint64_t)E_IO;
	r[3] = a.w[3]; /* a read's data is in our window now: pass it on */
	return 0;
}

int main(uint64_t a0, uint64_t a1, uint64_t a2)
{
	const uint64_t ask[4] = {BLK_CAPACITY, 0, 0, 0};
	uint64_t capacity = 0;
	struct msg m;

	(void)a0;
	(void)a1;
	(void)a2;
	ipc_window(window);
	if (ipc_call(TID_BLOCK, ask, &m) == 0)
		capacity = m.w[1];
	ipc_recv(&m);
	for (;;) {
		uint64_t r[4] = {0, 0, 0, 0};

		r[0] = serve(capacity, &m, r);
		ipc_reply_wait(m.from, r, &m);
	}
}
