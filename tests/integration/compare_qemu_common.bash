# Shared by tests/integration/compare_qemu_*.sh (sourced; not a test itself,
# hence not named *.sh).

skip() {
	echo "skipped: $*"
	exit 77
}

need_qemu() {
	command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 is not installed"
}

need_file() {
	[ -e "$1" ] || skip "$2 ($1) is not built yet"
}

need_stats_option() {
	[ -x ./minivmm ] || skip "./minivmm is not built"
	./minivmm --help 2>&1 | grep -q -- '--stats' || skip "./minivmm has no --stats option yet"
}

# Providers to compare on: the kernel's KVM when /dev/kvm opens, and the
# soft CPU once it runs hello.elf to completion (its own boot tests fail
# when it does not; here that is reported as a visible skip of that half).
providers() {
	if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
		echo kvm
	else
		echo "   kvm: skipped: no /dev/kvm" >&2
	fi
	if timeout 30 ./minivmm --accel soft guest-kernels/hello.elf >/dev/null 2>&1; then
		echo soft
	else
		echo "   soft: skipped: ./minivmm --accel soft does not run hello.elf to completion yet" >&2
	fi
}

# Run the comparison on every provider; 77 when none could run.
compare_on_providers() {
	local ran=0 accel
	for accel in $(providers); do
		echo "-- --accel $accel"
		tools/compare-qemu --accel "$accel" "$@" || exit 1
		ran=1
	done
	[ "$ran" = 1 ] || skip "no provider can run the guest"
	exit 0
}
