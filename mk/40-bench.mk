# Exit accounting beside QEMU, and benchmarks (not part of `make check`).
#
#   make compare-qemu GUEST=guest-kernels/hello.elf [APPEND='...'] [DISK=img] [ACCEL=soft|kvm|auto]
#       runs the guest under minivmm --stats and under QEMU microvm with a
#       trace, prints both device-access counts side by side (tools/compare-qemu).
#   make bench
#       the four side-by-side tables (bench/run.sh); results under
#       bench/results/, the latest in bench/results/latest.md.

.PHONY: compare-qemu bench

compare-qemu: all
	@test -n "$(GUEST)" || { echo "usage: make compare-qemu GUEST=file.elf [APPEND='cmdline'] [DISK=image] [ACCEL=auto|kvm|soft]" >&2; exit 2; }
	tools/compare-qemu $(if $(ACCEL),--accel $(ACCEL)) $(if $(DISK),--disk '$(DISK)') --append '$(APPEND)' '$(GUEST)'

bench: all
	bash bench/run.sh
