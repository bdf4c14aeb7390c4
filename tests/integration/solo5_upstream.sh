#!/bin/bash
# SPDX-License-Identifier: MIT
# Solo5's own hvt test unikernels under minivmm, judged by Solo5's own
# tests/tests.bats (the expectations its maintainers wrote for solo5-hvt):
# the Solo5 source is cloned at SOLO5_TAG (default v0.12.1, the ABI minivmm
# implements) and built with the host toolchain (configure.sh + make; no KVM
# needed to build), then tests.bats runs with minivmm in place of solo5-hvt
# through a small wrapper that turns solo5-hvt's options into minivmm's.
#
#   SOLO5_GIT=URL-or-path bash tests/integration/solo5_upstream.sh
#   SOLO5_SRC=/path/to/solo5 bash tests/integration/solo5_upstream.sh
#
# Without either it skips (77) and says why; so it does when a build tool is
# missing. The build is kept in build/solo5-upstream/TAG for the next run.
# What runs: every "* hvt" case of tests.bats but the network ones (they
# need root, tap interfaces and ping floods to 10.x addresses; minivmm has
# no network device), on every provider present, with the /dev/kvm check of
# tests.bats' setup() dropped for the soft provider. Cases whose solo5-hvt
# expectation minivmm does not meet on purpose are listed in DIFFERS below
# with the reason; any other failure fails this test, and so does a listed
# case that starts passing (the list must then shrink). The cases tests.bats
# runs only on OpenBSD (rnow, xnor, rnox, wnox) are run here directly and
# held to what minivmm documents for them.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/boot_common.bash

require_minivmm
TAG=${SOLO5_TAG:-v0.12.1}
TOP=$PWD
MINIVMM_ABS=$(cd "$(dirname "$MINIVMM")" && pwd)/$(basename "$MINIVMM")

skip() {
	echo "skipped: $*"
	exit 77
}

# The Solo5 tree: SOLO5_SRC as given, or a clone of SOLO5_GIT at TAG.
solo5_tree() {
	if [ -n "${SOLO5_SRC:-}" ]; then
		[ -f "$SOLO5_SRC/tests/tests.bats" ] || skip "SOLO5_SRC=$SOLO5_SRC has no tests/tests.bats"
		TREE=$(cd "$SOLO5_SRC" && pwd)
		return
	fi
	[ -n "${SOLO5_GIT:-}" ] ||
		skip "no Solo5 source: set SOLO5_GIT to a Solo5 git repository or mirror (checked out at $TAG) or SOLO5_SRC to a Solo5 tree"
	TREE=$TOP/build/solo5-upstream/$TAG
	[ -f "$TREE/.minivmm-built" ] && return
	rm -rf "$TREE"
	mkdir -p "$(dirname "$TREE")"
	git clone -q --no-checkout "$SOLO5_GIT" "$TREE" 2>"$BOOT_TMP/clone.err" &&
		git -C "$TREE" checkout -q "$TAG" 2>>"$BOOT_TMP/clone.err" ||
		skip "cannot clone $SOLO5_GIT at $TAG: $(tail -1 "$BOOT_TMP/clone.err")"
}

# configure.sh + make, once per tree; the tools it needs are checked first.
solo5_build() {
	local t
	[ -f "$TREE/tests/test_hello/test_hello.hvt" ] && return
	for t in cc ld objcopy make pkg-config git; do
		command -v "$t" >/dev/null || skip "building Solo5 needs $t"
	done
	pkg-config libseccomp ||
		skip "building Solo5's tenders needs libseccomp's development files (libseccomp-dev)"
	echo "building Solo5 $TAG in $TREE (log: $TREE/minivmm-build.log)"
	if ! (cd "$TREE" && ./configure.sh && make) >"$TREE/minivmm-build.log" 2>&1; then
		fail "Solo5 $TAG does not build: $(tail -3 "$TREE/minivmm-build.log")"
		finish
	fi
	touch "$TREE/.minivmm-built"
}

solo5_tree
solo5_build
W=$BOOT_TMP/solo5
mkdir -p "$W/tests"
ln -s "$TREE"/tests/test_* "$W/tests/"
ln -s "$TREE/Makeconf.sh" "$W/Makeconf.sh"
BATS=$TREE/tests/bats-core/bats
[ -x "$BATS" ] || BATS=$(command -v bats) || skip "no bats (Solo5's tests/bats-core, or Debian's bats)"

# solo5-hvt [--mem=MiB] [--block:NAME=FILE] [--block-sector-size:NAME=N]
# [--dumpcore=DIR] [--] UNIKERNEL [ARGS] as minivmm's -m and -d options.
# solo5-hvt maps up to 4 GiB; a Solo5 guest of minivmm gets at most 3 GiB
# (RAM below the MMIO hole), so larger --mem values are cut to that.
cat >"$W/solo5-hvt" <<EOF
#!/bin/bash
MINIVMM="$MINIVMM_ABS"
EOF
cat >>"$W/solo5-hvt" <<'EOF'
opts=() names=()
declare -A file sector
while [ $# -gt 0 ]; do
	case $1 in
	--mem=*) m=${1#--mem=}; [ "$m" -gt 3072 ] 2>/dev/null && m=3072; opts+=(-m "${m}M") ;;
	--block:*=*) n=${1#--block:}; names+=("${n%%=*}"); file[${n%%=*}]=${n#*=} ;;
	--block-sector-size:*=*) n=${1#--block-sector-size:}; sector[${n%%=*}]=${n#*=} ;;
	--dumpcore=*) ;; # minivmm writes no core files
	--) shift; break ;;
	-*) echo "solo5-hvt wrapper: $1: no minivmm equivalent" >&2; exit 1 ;;
	*) break ;;
	esac
	shift
done
for n in "${names[@]}"; do
	opts+=(-d "${file[$n]},name=$n${sector[$n]:+,sector=${sector[$n]}}")
done
exec "$MINIVMM" --accel "$ACCEL" "${opts[@]}" -- "$@"
EOF
chmod +x "$W/solo5-hvt"

# tests.bats with the hvt cases only (network ones dropped), the tender
# replaced and, for the soft provider, no /dev/kvm requirement.
patch_bats() {
	awk -v W="$W" '
	/^@test "/ { name = $0; sub(/^@test "/, "", name); sub(/".*/, "", name)
		keep = name ~ / hvt$/ && name !~ /^net/ }
	/\[ -c \/dev\/kvm -a -w \/dev\/kvm \] \|\| skip/ { print "      :"; n1++; next }
	/HVT_TENDER=\.\.\/tenders\/hvt\/solo5-hvt$/ { print "    HVT_TENDER=" W "/solo5-hvt"; n2++; next }
	/HVT_TENDER_DEBUG=\.\.\/tenders\/hvt\/solo5-hvt-debug$/ {
		print "    HVT_TENDER_DEBUG=" W "/solo5-hvt"; n3++; next }
	name == "" || keep { print }
	/^}/ { name = "" }
	END { if (n1 != 1 || n2 != 1 || n3 != 1) exit 1 }
	' "$TREE/tests/tests.bats" >"$W/tests/minivmm.bats"
}
patch_bats || { fail "tests.bats of $TAG is not laid out as this script expects"; finish; }

# The solo5-hvt expectations minivmm does not meet, on purpose.
declare -A DIFFERS=(
	["blk misaligned hvt"]="refused before boot with minivmm's status 2 (bad disk) and its own words; solo5-hvt's errx() status is 1"
	["blk odd hvt"]="sector=521 refused with minivmm's usage status 2 and its own words; solo5-hvt says 1"
	["blk too small hvt"]="sector=256 refused with minivmm's usage status 2 and its own words; solo5-hvt says 1"
	["buggyelf hvt"]="refused with minivmm's status 3 (bad kernel) and its own words; solo5-hvt says 1"
	["dumpcore hvt"]="minivmm has no --dumpcore (solo5-hvt-debug writes a core file); its debugging path is --gdb"
)

run_bats() { # PROVIDER
	local line name n_ok=0 n_differ=0
	(cd "$W/tests" && ACCEL=$1 TMPDIR=$BOOT_TMP "$BATS" -t minivmm.bats) >"$BOOT_TMP/bats-$1.tap" 2>&1
	while IFS= read -r line; do
		case $line in
		"ok "*"# skip"*) echo "$1: $line" ;;
		"ok "*) name=${line#ok [0-9]* }
			n_ok=$((n_ok + 1))
			[ -n "${DIFFERS[$name]:-}" ] && fail "$1: '$name' passes now: drop it from DIFFERS"
			echo "$1: $line" ;;
		"not ok "*) name=${line#not ok [0-9]* }
			if [ -n "${DIFFERS[$name]:-}" ]; then
				n_differ=$((n_differ + 1))
				echo "$1: $line (differs on purpose: ${DIFFERS[$name]})"
			else
				fail "$1: $line: $(grep -A12 -F "$line" "$BOOT_TMP/bats-$1.tap" | tail -n +2 | head -c 800)"
			fi ;;
		esac
	done <"$BOOT_TMP/bats-$1.tap"
	[ "$n_ok" -ge 15 ] || fail "$1: only $n_ok cases of tests.bats passed: $(head -c 600 "$BOOT_TMP/bats-$1.tap")"
	[ "$n_differ" -eq "${#DIFFERS[@]}" ] ||
		fail "$1: $n_differ of ${#DIFFERS[@]} known differences seen: was a case renamed?"
}

# tests.bats runs these only on OpenBSD, whose vmm(4) enforces execute-only
# and no-execute pages. Through the KVM API only writes can be refused
# (KVM_MEM_READONLY; there is no execute-only or no-execute memory slot), as
# for solo5-hvt on Linux: a write to rodata is the translation fault, and
# reading text or executing rodata or data just works (the guest says FAILURE).
run_openbsd_only() { # PROVIDER
	local t
	run "$1-rnow" -- --accel "$1" "$TREE/tests/test_rnow/test_rnow.hvt"
	expect_rc "$1: test_rnow" 1 && expect_err "$1: test_rnow" "host/guest translation fault"
	for t in xnor rnox wnox; do
		run "$1-$t" -- --accel "$1" "$TREE/tests/test_$t/test_$t.hvt"
		expect_rc "$1: test_$t" 1 && expect_out "$1: test_$t" "FAILURE"
	done
	echo "$1: test_rnow: status 1, host/guest translation fault; test_xnor, test_rnox, test_wnox: status 1, FAILURE (no X/NX through the KVM API)"
}

test_providers
for p in "${PROVIDERS[@]}"; do
	run_bats "$p"
	run_openbsd_only "$p"
done
finish
