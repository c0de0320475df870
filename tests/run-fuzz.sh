#!/bin/bash
# run-fuzz.sh BUILD_DIR [RUNS]: build every libFuzzer target (tests/fuzz/fuzz_*.c)
# with clang and run each for RUNS inputs (default 20000) over its seed corpus
# tests/fuzz/corpus/<name>/ (fuzz_topology -> corpus/topology). Fails on any
# crash, leak, sanitizer report or timeout; the input that did it is kept in
# BUILD_DIR/fuzz-artifacts/.
#
# Not only the fuzz_*.c files but all the code they call is compiled with the
# fuzzer's coverage and with ASan/UBSan (MPL_FUZZ in CMakeLists.txt): without
# that libFuzzer would be blind to the parser's branches and ASan to its bugs.
# New inputs found during the run go to a scratch copy, never into the source
# tree; the seed corpus stays what is committed.
#
# Exit 0 when every target ran clean, 1 when one did not, 77 without clang
# (a failure with MPL_STRICT=1), 64 on a usage error, 70 when CMake fails.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
	echo "usage: $0 BUILD_DIR [RUNS]" >&2
	exit 64
fi
build=$1
runs=${2:-20000}
case $runs in
'' | *[!0-9]*)
	echo "$0: RUNS must be a number, got '$runs'" >&2
	exit 64
	;;
esac
src=$(cd "$(dirname "$0")/.." && pwd)

command -v clang >/dev/null || mpl_skip "clang is not installed (libFuzzer needs it)"
mpl_tmp_init

mkdir -p "$build"
CC=clang cmake -S "$src" -B "$build" -DMPL_FUZZ=ON -DBUILD_TESTING=ON \
	-DCMAKE_BUILD_TYPE=RelWithDebInfo \
	>"$build/fuzz-cmake.log" 2>&1 || {
	cat "$build/fuzz-cmake.log" >&2
	exit 70
}

targets=()
for f in "$src"/tests/fuzz/fuzz_*.c; do
	[ -e "$f" ] || continue
	targets+=("$(basename "$f" .c)")
done
[ ${#targets[@]} -gt 0 ] || mpl_die "no tests/fuzz/fuzz_*.c targets"
cmake --build "$build" -j"$(nproc)" --target "${targets[@]}"

mkdir -p "$build/fuzz-artifacts"
for t in "${targets[@]}"; do
	seeds="$src/tests/fuzz/corpus/${t#fuzz_}"
	bin=$(find "$build" -type f -name "$t" -perm -u+x | head -n 1)
	if [ -z "$bin" ]; then
		mpl_notok "$t: binary not found under $build"
		continue
	fi
	work="$MPL_TMP/$t"
	mkdir "$work"
	log="$build/fuzz-artifacts/$t.log"
	dirs=("$work")
	[ -d "$seeds" ] && dirs+=("$seeds")
	# First directory gets new inputs; the seed directory is only read.
	if "$bin" -runs="$runs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$build/fuzz-artifacts/$t-" "${dirs[@]}" >"$log" 2>&1; then
		execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
		secs=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -n 1)
		cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1)
		corpus=$(find "$work" -type f | wc -l)
		mpl_ok "$t: ${execs:-?} execs in ${secs:-?} s, ${cov:-cov: ?}, $corpus new inputs, seeds: $(find "$seeds" -type f 2>/dev/null | wc -l)"
	else
		mpl_notok "$t: see $log and $build/fuzz-artifacts/$t-*"
		grep -E 'ERROR|SUMMARY|runtime error|deadly signal' "$log" | head -n 20 | sed 's/^/#   /' || true
	fi
	rm -rf "$work"
done
mpl_finish
