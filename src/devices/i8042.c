// SPDX-License-Identifier: MIT
/*
 * The part of the i8042 keyboard controller guests use to reboot the
 * machine: command 0xfe ("pulse reset line") on port 0x64. There is no
 * keyboard: the status register says the output buffer is empty, so a
 * guest waiting for a key or for the input buffer to drain never spins.
 */
#include "devices/devices.h"

#include <string.h>

static void i8042_data_access(void *opaque, uint64_t offset, uint8_t *data, unsigned size,
			      bool is_write)
{
	/* No keyboard attached: reads give 0, writes (keyboard commands) are dropped. */
	if (!is_write)
		memset(data, 0, size);
}

static void i8042_cmd_access(void *opaque, uint64_t offset, uint8_t *data, unsigned size,
			     bool is_write)
{
	struct bus *bus = opaque;

	if (!is_write) {
		/* Status: output buffer empty, input buffer empty, system flag set. */
		memset(data, 0, size);
		data[0] = 0x04;
		return;
	}
	/* 0xf0-0xff pulse the output port's bits 0-3 whose command bit is 0; bit 0 is reset */
	if ((data[0] & 0xf1) == 0xf0)
		bus_request_stop(bus, BUS_STOP_GUEST_RESET, I8042_RESET_STATUS,
				 "the guest reset the machine via the i8042");
}

int i8042_register(struct bus *bus)
{
	int rc = bus_register(bus, BUS_PIO, I8042_DATA_PORT, 1, "i8042", i8042_data_access, bus);

	if (rc)
		return rc;
	return bus_register(bus, BUS_PIO, I8042_CMD_PORT, 1, "i8042", i8042_cmd_access, bus);
}
