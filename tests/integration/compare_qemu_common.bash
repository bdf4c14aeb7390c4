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

# Providers to compare on (providers.bash): the soft CPU always (a soft run
# that fails is a failure, not a skip), the kernel's KVM when /dev/kvm opens.
. "$(dirname "${BASH_SOURCE[0]}")/providers.bash"

# Run the comparison on every provider.
compare_on_providers() {
	local accel
	test_providers
	for accel in "${PROVIDERS[@]}"; do
		echo "-- --accel $accel"
		tools/compare-qemu --accel "$accel" "$@" || exit 1
	done
	exit 0
}
