#!/usr/bin/env bash
# The test command (README): install what is needed, build from scratch with
# -Werror, run every CTest tier (unit, cli, netns), a sanitizer build of the
# unit tests, and bounded fuzzing. Root is needed for the netns tier.
#
#   scripts/run-tests.sh [--strict] [--quick]
#     --strict  a test that would SKIP for a missing kernel feature fails
#     --quick   skip the sanitizer build and fuzzing
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

before=$(ip netns list | wc -l)
status=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT
(cd "$top/build" && ctest --output-on-failure --timeout 300) 2>&1 | tee "$log" || status=1

if [ "$quick" -eq 0 ]; then
	rm -rf "$top/build-asan"
	cmake -S "$top" -B "$top/build-asan" -DMPL_SANITIZE=ON -DMPL_WERROR=ON -DBUILD_TESTING=ON >/dev/null
	cmake --build "$top/build-asan" -j"$(nproc)" >/dev/null
	echo "== unit tests under ASan/UBSan"
	(cd "$top/build-asan" && ctest --output-on-failure -L unit) || status=1
	echo "== fuzzing (bounded)"
	"$top/tests/run-fuzz.sh" "$top/build-fuzz" "${MPL_FUZZ_RUNS:-20000}" || status=1
fi

# One closing line with the main suite's counts (CTest's own is above).
total=$(sed -n 's/.* tests failed out of \([0-9]*\)$/\1/p' "$log" | tail -n 1)
failed=$(sed -n 's/.*, \([0-9]*\) tests failed out of .*/\1/p' "$log" | tail -n 1)
skipped=$(grep -c '\*\*\*Skipped' "$log" || true)

after=$(ip netns list | wc -l)
if [ "$after" -ne "$before" ]; then
	echo "run-tests: the suite left network namespaces behind:" >&2
	ip netns list >&2
	status=1
fi
echo "summary: $((${total:-0} - ${failed:-0} - skipped)) passed, ${failed:-0} failed, $skipped skipped"
exit $status
