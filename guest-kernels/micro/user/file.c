// SPDX-License-Identifier: MIT
/*
 * micro's file server (thread 2): clients read and write 512-byte records
 * by sector, each call granting the page that holds the record (w2: its
 * offset in the page). The server checks the sector against the disk's
 * size (which it asked the block server for) and the offset against the
 * page, and forwards the request to the block server, passing the granted
 * page on (it grants GRANT_VA, the page it holds for this call). The data
 * goes between the device and the client's page: no copy on the way.
 */
#include "ulib.h"

#define PAGE 4096u
#define SECTOR 512u

static uint64_t serve(uint64_t capacity, const struct msg *m)
{
	uint64_t req[4] = {0, m->w[1], m->w[2], 0};
	struct msg a;

	if ((m->w[0] != FS_READ && m->w[0] != FS_WRITE) || m->w[1] >= capacity ||
	    m->grant != GRANT_VA || m->w[2] > PAGE - SECTOR)
		return (uint64_t)E_INVAL;
	req[0] = m->w[0] == FS_READ ? BLK_READ : BLK_WRITE;
	if (ipc_call_grant(TID_BLOCK, req, (const void *)GRANT_VA, &a) || a.w[0])
		return (uint64_t)E_IO;
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
	if (ipc_call(TID_BLOCK, ask, &m) == 0)
		capacity = m.w[1];
	ipc_recv(&m);
	for (;;) {
		uint64_t r[4] = {0, 0, 0, 0};

		r[0] = serve(capacity, &m);
		ipc_reply_wait(m.from, r, &m);
	}
}
