// SPDX-License-Identifier: MIT
/*
 * Port 0x80, where firmware and kernels write POST codes (and which Linux
 * uses as an I/O delay). Claimed so that it is swallowed silently instead
 * of being reported as unclaimed; the bundled guests' 0xa5 marker for the
 * QEMU comparison lands here too and is counted like any other exit.
 */
#include "devices/devices.h"

#include <string.h>

static void post_access(void *opaque, uint64_t offset, uint8_t *data, unsigned size, bool is_write)
{
	if (!is_write)
		memset(data, 0xff, size);
}

int post_register(struct bus *bus)
{
	return bus_register(bus, BUS_PIO, POST_PORT, 1, "post", post_access, NULL);
}

int platform_devices_register(struct bus *bus)
{
	int rc = debug_exit_register(bus);

	if (!rc)
		rc = i8042_register(bus);
	if (!rc)
		rc = post_register(bus);
	return rc;
}
