// SPDX-License-Identifier: MIT
/*
 * The in-process software CPU as a provider: the same three entry points
 * as the kernel's, served by the ioctl adapter in soft/soft_kvm.c.
 */
#include "vcpu/provider.h"
#include "vcpu/soft/soft_kvm.h"

const struct kvm_provider kvm_provider_soft = {
    .name = "soft",
    .open_system = soft_kvm_open,
    .ioctl = soft_kvm_ioctl,
    .close = soft_kvm_close,
    .irqchip_optional = true,
};
