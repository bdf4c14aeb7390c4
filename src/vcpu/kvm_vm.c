// SPDX-License-Identifier: MIT
/*
 * VM-level KVM calls: API version, capabilities, KVM_CREATE_VM, the TSS
 * address, and guest RAM as user memory regions.
 */
#include "vcpu/vcpu.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <linux/kvm.h>

#include "memory.h"
#include "vcpu/provider.h"

static int vm_fail(const char *what)
{
	fprintf(stderr, "minivmm: %s: %s\n", what, strerror(errno));
	return -1;
}

static const struct {
	long cap;
	const char *name;
} required_caps[] = {
    {KVM_CAP_USER_MEMORY, "KVM_CAP_USER_MEMORY"},
    {KVM_CAP_SET_TSS_ADDR, "KVM_CAP_SET_TSS_ADDR"},
    {KVM_CAP_EXT_CPUID, "KVM_CAP_EXT_CPUID"},
};

int kvm_vm_create(struct kvm_vm *vm, const struct kvm_provider *prov)
{
	const char *name = prov->name;
	int version, size;

	memset(vm, 0, sizeof(*vm));
	vm->prov = prov;
	vm->vm_fd = -1;
	vm->sys_fd = prov->open_system();
	if (vm->sys_fd < 0) {
		fprintf(stderr, "minivmm: %s: cannot open the KVM system device: %s\n", name,
			strerror(errno));
		return -1;
	}
	version = prov->ioctl(vm->sys_fd, KVM_GET_API_VERSION, NULL);
	if (version != KVM_API_VERSION) {
		fprintf(stderr, "minivmm: %s: KVM API version %d, need %d\n", name, version,
			KVM_API_VERSION);
		goto fail;
	}
	for (size_t i = 0; i < sizeof(required_caps) / sizeof(required_caps[0]); i++) {
		if (prov->ioctl(vm->sys_fd, KVM_CHECK_EXTENSION, (void *)required_caps[i].cap) <=
		    0) {
			fprintf(stderr, "minivmm: %s: missing capability %s\n", name,
				required_caps[i].name);
			goto fail;
		}
	}
	vm->immediate_exit =
	    prov->ioctl(vm->sys_fd, KVM_CHECK_EXTENSION, (void *)(long)KVM_CAP_IMMEDIATE_EXIT) > 0;
	size = prov->ioctl(vm->sys_fd, KVM_GET_VCPU_MMAP_SIZE, NULL);
	if (size < (int)sizeof(struct kvm_run)) {
		vm_fail("KVM_GET_VCPU_MMAP_SIZE");
		goto fail;
	}
	vm->run_size = (size_t)size;
	vm->vm_fd = prov->ioctl(vm->sys_fd, KVM_CREATE_VM, (void *)0L);
	if (vm->vm_fd < 0) {
		vm_fail("KVM_CREATE_VM");
		goto fail;
	}
	if (prov->ioctl(vm->vm_fd, KVM_SET_TSS_ADDR, (void *)(unsigned long)KVM_TSS_GPA) < 0) {
		vm_fail("KVM_SET_TSS_ADDR");
		goto fail;
	}
	return 0;
fail:
	kvm_vm_destroy(vm);
	return -1;
}

static int set_slot(struct kvm_vm *vm, unsigned *slot, const struct guest_region *r, uint64_t gpa,
		    uint64_t end, bool ro)
{
	struct kvm_userspace_memory_region m = {
	    .slot = (*slot)++,
	    .flags = ro ? KVM_MEM_READONLY : 0,
	    .guest_phys_addr = gpa,
	    .memory_size = end - gpa,
	    .userspace_addr = (uint64_t)(uintptr_t)(r->host + (gpa - r->gpa)),
	};

	if (end <= gpa)
		return 0;
	if (vm->prov->ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &m) < 0)
		return vm_fail("KVM_SET_USER_MEMORY_REGION");
	return 0;
}

/*
 * One slot per stretch of a region: writable between the read-only ranges
 * (sorted, non-overlapping, page aligned: the loader's output), read-only
 * on them. Without KVM_CAP_READONLY_MEM everything stays writable.
 */
int kvm_vm_set_memory(struct kvm_vm *vm, const struct guest_mem *mem, const struct guest_range *ro,
		      unsigned nr_ro, bool *ro_mapped)
{
	unsigned slot = 0;

	*ro_mapped = nr_ro && vm->prov->ioctl(vm->sys_fd, KVM_CHECK_EXTENSION,
					      (void *)(long)KVM_CAP_READONLY_MEM) > 0;
	for (unsigned i = 0; i < mem->nr_regions; i++) {
		const struct guest_region *r = &mem->region[i];
		uint64_t pos = r->gpa, end = r->gpa + r->size;

		for (unsigned j = 0; *ro_mapped && j < nr_ro; j++) {
			uint64_t lo = ro[j].gpa, hi = ro[j].gpa + ro[j].size;

			if (lo < pos || hi > end)
				continue; /* not inside this region (or out of order): ignored */
			if (set_slot(vm, &slot, r, pos, lo, false) ||
			    set_slot(vm, &slot, r, lo, hi, true))
				return -1;
			pos = hi;
		}
		if (set_slot(vm, &slot, r, pos, end, false))
			return -1;
	}
	return 0;
}

void kvm_vm_destroy(struct kvm_vm *vm)
{
	if (!vm->prov)
		return;
	if (vm->vm_fd >= 0)
		vm->prov->close(vm->vm_fd);
	if (vm->sys_fd >= 0)
		vm->prov->close(vm->sys_fd);
	vm->vm_fd = vm->sys_fd = -1;
	vm->prov = NULL;
}
