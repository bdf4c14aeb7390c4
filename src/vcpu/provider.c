// SPDX-License-Identifier: MIT
/*
 * The one place that decides which provider of the KVM API the VMM uses
 * (--accel). "auto" prefers the kernel and says so on stderr when it
 * falls back to the software CPU, so a user never wonders which ran.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/kvm.h>

#include "vcpu/provider.h"

/* Why /dev/kvm is unusable: 0 when it opens and speaks API version 12. */
static int kernel_usable(const char **why)
{
	const struct kvm_provider *k = &kvm_provider_kernel;
	int fd, version, err = 0;

	fd = k->open_system();
	if (fd < 0) {
		err = errno;
		*why = strerror(err);
		return -err;
	}
	version = k->ioctl(fd, KVM_GET_API_VERSION, NULL);
	if (version != KVM_API_VERSION) {
		err = version < 0 ? errno : EPROTO;
		*why = version < 0 ? strerror(err) : "unexpected KVM_GET_API_VERSION";
	}
	k->close(fd);
	return -err;
}

int kvm_provider_choose(const char *accel, const struct kvm_provider **out)
{
	const char *why = NULL;
	int err;

	if (!accel || !strcmp(accel, "auto")) {
		if (kernel_usable(&why) == 0) {
			*out = &kvm_provider_kernel;
			return 0;
		}
		fprintf(stderr,
			"minivmm: /dev/kvm unusable (%s), falling back to the software CPU\n", why);
		*out = &kvm_provider_soft;
		return 0;
	}
	if (!strcmp(accel, "kvm")) {
		err = kernel_usable(&why);
		if (err) {
			fprintf(stderr, "minivmm: --accel kvm: /dev/kvm unusable: %s\n", why);
			return err;
		}
		*out = &kvm_provider_kernel;
		return 0;
	}
	if (!strcmp(accel, "soft")) {
		*out = &kvm_provider_soft;
		return 0;
	}
	fprintf(stderr, "minivmm: unknown accelerator '%s' (auto, kvm or soft)\n", accel);
	return -EINVAL;
}

void kvm_provider_soft_engine(const char *engine)
{
	if (engine)
		setenv("MINIVMM_SOFT_ENGINE", engine, 1);
}
