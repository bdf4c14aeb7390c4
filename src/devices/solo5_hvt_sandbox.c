// SPDX-License-Identifier: MIT
/* What the Solo5 hvt hypercalls need once the guest runs, for the sandbox's allowlist. */
#include "devices/solo5_hvt.h"

#include "sandbox/sandbox.h"

void solo5_hvt_sandbox_allow(const struct solo5_hvt *dev, struct sandbox *sb)
{
	for (unsigned i = 0; i < SOLO5_MFT_MAX_ENTRIES; i++) {
		const struct solo5_disk *k = &dev->disk[i];

		if (k->fd < 0)
			continue;
		/* BLOCK_READ and BLOCK_WRITE, on this disk's image only. */
		sandbox_allow_arg0(sb, SCMP_SYS(pread64), k->fd);
		if (!k->ro)
			sandbox_allow_arg0(sb, SCMP_SYS(pwrite64), k->fd);
	}
	/* POLL sleeps in slices: nanosleep(), which glibc makes clock_nanosleep. */
	sandbox_allow(sb, SCMP_SYS(clock_nanosleep));
	sandbox_allow(sb, SCMP_SYS(nanosleep));
	/* WALLTIME reads CLOCK_REALTIME: clock_gettime is on every thread's list. */
}
