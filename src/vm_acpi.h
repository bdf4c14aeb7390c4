/* SPDX-License-Identifier: MIT */
/* The machine the VM object builds, described to the guest in ACPI tables. */
#ifndef MINIVMM_VM_ACPI_H
#define MINIVMM_VM_ACPI_H

#include "devices/virtio_setup.h"
#include "memory.h"

/*
 * Write the ACPI tables for this machine (interrupt controllers, COM1, the
 * power device, each virtio-mmio transport in virtio with the window and
 * GSI it was attached with) at BOOT_ACPI_GPA.
 * Returns 0, or -1 after one line on stderr.
 */
int vm_acpi_build(const struct guest_mem *mem, const struct virtio_devices *virtio);

#endif
