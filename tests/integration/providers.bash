# SPDX-License-Identifier: MIT
# The one rule for which providers an integration test runs on (sourced):
# the soft provider always, and it is never skipped: a soft provider that
# cannot start a guest is a failure on every machine. The kvm provider
# when /dev/kvm opens read-write; when it does not, kvm is skipped and the
# reason printed. (A present /dev/kvm that cannot run a guest is a failure.)

# Does /dev/kvm exist and open read-write? (Never creates it.)
kvm_usable() {
	([ -c /dev/kvm ] && exec 3<>/dev/kvm) 2>/dev/null
}

# Sets PROVIDERS; prints the kvm skip line (to stdout, or to fd 2 with --stderr).
test_providers() {
	PROVIDERS=(soft)
	if kvm_usable; then
		PROVIDERS=(kvm soft)
	elif [ "${1:-}" = --stderr ]; then
		echo "skipped: kvm provider: no /dev/kvm (cannot open it read-write)" >&2
	else
		echo "skipped: kvm provider: no /dev/kvm (cannot open it read-write)"
	fi
}
