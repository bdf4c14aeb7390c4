/* SPDX-License-Identifier: MIT */
/*
 * The legacy platform devices of the machine model: each one registers
 * its own ports on the bus. (The UART has its own header, uart.h.)
 */
#ifndef MINIVMM_DEVICES_H
#define MINIVMM_DEVICES_H

#include "devices/bus.h"

/* QEMU's isa-debug-exit: port and width as QEMU's "iobase=0xf4,iosize=4". */
#define DEBUG_EXIT_PORT 0xf4
#define DEBUG_EXIT_LEN 4

/* i8042 keyboard controller: data and command/status ports. */
#define I8042_DATA_PORT 0x60
#define I8042_CMD_PORT 0x64
#define I8042_CMD_RESET 0xfe

/* POST diagnostic port. */
#define POST_PORT 0x80

/* Status minivmm exits with after an i8042 reset (a clean stop). */
#define I8042_RESET_STATUS 0

/*
 * isa-debug-exit: a write of v stops the VM with exit status v (the low
 * 8 bits, all a process exit status can carry). QEMU exits with
 * (v << 1) | 1 instead; minivmm passes the guest's value unchanged.
 * The stop is BUS_STOP_GUEST_EXIT: the guest chose how minivmm ends.
 */
int debug_exit_register(struct bus *bus);

/* i8042: a reset pulse (0xfe, or any 0xf0-0xfe even) to port 0x64 stops the VM with status 0. */
int i8042_register(struct bus *bus);

/* Port 0x80: writes swallowed, reads return 0xff. */
int post_register(struct bus *bus);

/* Register all three; returns 0 or the first bus_register() error. */
int platform_devices_register(struct bus *bus);

#endif
