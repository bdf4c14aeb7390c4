/* SPDX-License-Identifier: MIT */
/*
 * The soft provider's KVM ioctl ABI (src/vcpu/soft/soft_kvm.c): the same
 * requests, structs, return values and errno as the kernel's KVM, served
 * in process by the interpreter in soft_cpu.h.
 */
#ifndef MINIVMM_SOFT_KVM_H
#define MINIVMM_SOFT_KVM_H

int soft_kvm_open(void);
int soft_kvm_ioctl(int fd, unsigned long request, void *arg);
int soft_kvm_close(int fd);

#endif
