// SPDX-License-Identifier: MIT
/*
 * The kernel's KVM as a provider: the system fd is /dev/kvm and every
 * request is a plain ioctl(2). Nothing is checked or translated here, so
 * that the errno a caller sees is exactly the kernel's.
 */
#include <fcntl.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include "vcpu/provider.h"

static int kernel_open_system(void)
{
	return open("/dev/kvm", O_RDWR | O_CLOEXEC);
}

static int kernel_ioctl(int fd, unsigned long request, void *arg)
{
	return ioctl(fd, request, arg);
}

static int kernel_close(int fd)
{
	return close(fd);
}

const struct kvm_provider kvm_provider_kernel = {
    .name = "kvm",
    .open_system = kernel_open_system,
    .ioctl = kernel_ioctl,
    .close = kernel_close,
};
