# virtio: the host devices live under src/devices/ (picked up by 00-core.mk);
# this fragment adds the disk workload guest, guest-kernels/disktest.elf,
# built on the shared guest library (which holds the virtio-blk driver,
# guest-kernels/lib/virtio_blk.c) with the rules from 20-guests.mk.

$(eval $(call guest_rules,disktest,))

# The README's demo: write and read back a 16 MiB pattern through virtio-blk,
# the checksum verified in the guest and again on the host from the image.
# ACCEL=kvm|soft|auto picks the provider (default auto).
DISK_DEMO_IMG := $(BUILD)/disk-demo.img
DISK_DEMO_ACCEL ?= $(if $(ACCEL),$(ACCEL),auto)
.PHONY: disk-demo
disk-demo: minivmm guest-kernels/disktest.elf
	@mkdir -p $(BUILD) && rm -f $(DISK_DEMO_IMG) && truncate -s 16M $(DISK_DEMO_IMG)
	./minivmm --accel $(DISK_DEMO_ACCEL) -d $(DISK_DEMO_IMG) -a 'disktest.sectors=32768 disktest.req=1M' \
		guest-kernels/disktest.elf | tr -d '\r' | tee $(BUILD)/disk-demo.out
	python3 guest-kernels/disktest/host/check.py check $(DISK_DEMO_IMG) 0 32768 1 --expect \
		"$$(sed -n 's/.*checksum \([0-9a-f]*\)$$/\1/p' $(BUILD)/disk-demo.out)"
	@echo "disk-demo: the image holds the pattern and the guest's checksum matches"

# mk/20-guests.mk expands `guests: $(GUEST_ELFS)` before this fragment adds
# disktest to that list, so name it here too.
guests: guest-kernels/disktest.elf
