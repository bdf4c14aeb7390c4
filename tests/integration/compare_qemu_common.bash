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

# Providers to compare on: the soft CPU always (it is the provider every
# machine has, so a soft run that fails is a failure, not a skip), and the
# kernel's KVM when /dev/kvm opens.
providers() {
	echo soft
	if [ -c /dev/kvm ] && [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
		echo kvm
	else
		echo "   kvm: skipped: no /dev/kvm" >&2
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
