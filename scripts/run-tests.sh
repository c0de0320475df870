#!/usr/bin/env bash
# The test command (README): install what is needed, build from scratch with
# -Werror, run every CTest tier (unit, cli, netns, vm), a sanitizer build of
# the unit tests, and bounded fuzzing. Root is needed for the netns tier.
#
#   scripts/run-tests.sh [--strict] [--quick]
#     --strict  a test that would SKIP (a missing kernel feature, tool or
#               package) fails instead, naming what is missing: MPL_STRICT=1
#               reaches every test of every tier, the sanitizer run and the
#               fuzzing included
#     --quick   skip the sanitizer build and fuzzing
#
# Ends with one summary line: the counts of the main suite (the tests that
# failed named), then how the sanitizer run and the fuzzing ended.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
strict=0
quick=0
for a in "$@"; do
	case "$a" in
	--strict) strict=1 ;;
	--quick) quick=1 ;;
	*) echo "usage: $0 [--strict] [--quick]" >&2; exit 64 ;;
	esac
done
export MPL_STRICT=$strict

"$top/scripts/deps.sh"
rm -rf "$top/build"
"$top/scripts/build.sh" -DMPL_WERROR=ON -DBUILD_TESTING=ON

# One real kernel for the tests that read one (unit: kimage, initramfs;
# vm: the guest), fetched once into a cache kept between runs. Without it
# those parts skip, and fail with --strict.
export MPL_KERNEL_DIR=${MPL_KERNEL_DIR:-/var/tmp/mptcp-lab-kernels}
"$top/build/mptcp-lab" kernel fetch --dir "$MPL_KERNEL_DIR" >/dev/null 2>"$top/build/kernel-fetch.err" ||
	echo "run-tests: no kernel in $MPL_KERNEL_DIR: $(tail -n 1 "$top/build/kernel-fetch.err")" >&2

# Namespaces of labs whose builder still runs (/run/mptcp-lab/NAME.lab
# names it) belong to someone else on this host, not to the suite.
foreign_netns()
{
	local f lab pid start
	for f in /run/mptcp-lab/*.lab; do
		[ -e "$f" ] || continue
		lab=$(basename "$f" .lab)
		pid=$(sed -n 's/^owner=//p' "$f")
		start=$(sed -n 's/^owner_start=//p' "$f")
		[ -n "$pid" ] && [ "$(awk '{ print $22 }' "/proc/$pid/stat" 2>/dev/null)" = "$start" ] ||
			continue
		ip netns list | awk '{ print $1 }' | grep -E "^mpl-$lab-" || true
	done
}
ip netns list | awk '{ print $1 }' | sort >"$top/build/netns.before"

status=0
log=$(mktemp)
asan_log=$(mktemp)
trap 'rm -f "$log" "$asan_log"' EXIT
(cd "$top/build" && ctest --output-on-failure --timeout 300) 2>&1 | tee "$log" || status=1

# counts LOG -> "P passed, F failed[ (NAMES)], S skipped" of one ctest run
counts()
{
	local total failed skipped names
	total=$(sed -n 's/.* tests failed out of \([0-9]*\)$/\1/p' "$1" | tail -n 1)
	failed=$(sed -n 's/.*, \([0-9]*\) tests failed out of .*/\1/p' "$1" | tail -n 1)
	skipped=$(grep -c '\*\*\*Skipped' "$1" || true)
	names=$(sed -n '/^The following tests FAILED:/,/^Errors while running/p' "$1" |
		sed -n 's/^[[:space:]]*[0-9]* - \([^ ]*\) .*/\1/p' | tr '\n' ' ' | sed 's/ $//')
	printf '%s passed, %s failed%s, %s skipped' "$((${total:-0} - ${failed:-0} - skipped))" \
		"${failed:-0}" "${names:+ ($names)}" "$skipped"
}

asan="not run (--quick)"
fuzz="not run (--quick)"
if [ "$quick" -eq 0 ]; then
	rm -rf "$top/build-asan"
	cmake -S "$top" -B "$top/build-asan" -DMPL_SANITIZE=ON -DMPL_WERROR=ON -DBUILD_TESTING=ON >/dev/null
	cmake --build "$top/build-asan" -j"$(nproc)" >/dev/null
	echo "== unit tests under ASan/UBSan"
	(cd "$top/build-asan" && ctest --output-on-failure -L unit) 2>&1 | tee "$asan_log" || status=1
	asan=$(counts "$asan_log")
	echo "== fuzzing (bounded)"
	rc=0
	"$top/tests/run-fuzz.sh" "$top/build-fuzz" "${MPL_FUZZ_RUNS:-20000}" || rc=$?
	case $rc in
	0) fuzz="passed" ;;
	77) fuzz="skipped" ;;
	*) fuzz="failed (exit $rc)"; status=1 ;;
	esac
fi

ip netns list | awk '{ print $1 }' | sort >"$top/build/netns.after"
foreign_netns | sort >"$top/build/netns.foreign"
left=$(comm -13 "$top/build/netns.before" "$top/build/netns.after" |
	comm -23 - "$top/build/netns.foreign")
if [ -n "$left" ]; then
	echo "run-tests: the suite left network namespaces behind:" >&2
	echo "$left" >&2
	status=1
fi
echo "summary: $(counts "$log"); unit tier under ASan/UBSan: $asan; fuzzing: $fuzz${left:+; namespaces left behind}"
exit $status
