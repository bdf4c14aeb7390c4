// SPDX-License-Identifier: MIT
/* QEMU's isa-debug-exit device: the guest's way to end the VM with a status. */
#include "devices/devices.h"

#include <string.h>

static void debug_exit_access(void *opaque, uint64_t offset, uint8_t *data, unsigned size,
			      bool is_write)
{
	struct bus *bus = opaque;
	uint32_t value = 0;

	if (!is_write) {
		/* QEMU's device reads as all ones (no read handler). */
		memset(data, 0xff, size);
		return;
	}
	memcpy(&value, data, size < sizeof(value) ? size : sizeof(value));
	bus_request_stop(bus, BUS_STOP_GUEST_EXIT, (int)(value & 0xff),
			 "the guest wrote to isa-debug-exit");
}

int debug_exit_register(struct bus *bus)
{
	return bus_register(bus, BUS_PIO, DEBUG_EXIT_PORT, DEBUG_EXIT_LEN, "debug-exit",
			    debug_exit_access, bus);
}
