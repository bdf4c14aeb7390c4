# virtio: the host devices live under src/devices/ (picked up by 00-core.mk);
# this fragment adds the disk workload guest, guest-kernels/disktest.elf,
# built on the shared guest library (which holds the virtio-blk driver,
# guest-kernels/lib/virtio_blk.c) with the rules from 20-guests.mk.

$(eval $(call guest_rules,disktest,))
