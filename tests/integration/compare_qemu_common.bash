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

# Providers to compare on: the soft CPU always, the kernel's KVM when it opens.
providers() {
	echo soft
	if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
		echo kvm
	else
		echo "   (kvm: skipped: no /dev/kvm)" >&2
	fi
}
