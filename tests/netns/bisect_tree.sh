#!/bin/bash
# bisect_tree: `bisect-run --tree DIR` builds the commit's lab kernel
# through `kernel build`'s library and answers git with 125 (skip), with
# the reason, whenever that build fails; nothing is measured or stored
# then. Fake kernel trees (tests/fixtures/kernel/fake-tree.sh) stand for
# the kernel: nothing is compiled, nothing boots.
#
# Baseline: 5 runs of the native two-path scenario (run_lib.sh), tagged
# side=base (it must exist: the baseline is checked before the build).
#   --tree a tree whose make fails at tinyconfig   125 "the kernel build
#                                                  failed", make's last
#                                                  words in the bisect log
#   --tree a tree whose make fails at bzImage      125, the same
#   --tree a tree whose olddefconfig drops VETH    125, VETH named with
#                                                  its unmet condition
#   --tree a directory that is no kernel tree      125 "not a kernel tree"
#   --tree with --effect 5, make failing           125, the regression's
#                                                  size said before the
#                                                  build
#   --tree with --bad naming the baseline's runs   125, the bad endpoint
#                                                  not measured (--bad),
#                                                  nothing built
#   --tree with --kernel, with --build; --out or
#   --build-nice without --tree                    125, usage
# and the runs in the database are the baseline's only.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=run_lib.sh
. "$(dirname "$0")/run_lib.sh"
mpl_run_init
command -v make >/dev/null 2>&1 || mpl_skip "'make' is not installed"

cd "$MPL_TMP" || mpl_die "cannot enter $MPL_TMP"
mpl_native_scenario "$MPL_TMP" bisect-tree
SC="$MPL_TMP/scenario.json"
BR=("$MPL_BIN" bisect-run --db "$MPL_DB" --baseline tag:side=base --accel tcg)
tree=$MPL_TMP/linux
bash "$MPL_SOURCE_DIR/tests/fixtures/kernel/fake-tree.sh" "$tree" 6.12.118-gfa4e ||
	mpl_die "cannot write the fake tree"
mkdir -p "$MPL_TMP/notatree"

nruns() { mpl_sql "SELECT count(*) FROM runs"; }
no_build() { ! grep -q 'building a lab kernel of' "$MPL_TMP/last.out"; }

# skip_says DESCRIPTION TEXT ARGS...: bisect-run exits 125, its last line is
# the SKIP line, and TEXT is in its output.
skip_says()
{
	local what=$1 text=$2 rc
	shift 2
	"$@" >"$MPL_TMP/last.out" 2>&1
	rc=$?
	grep -E 'bisect-run:|mptcp-lab:' "$MPL_TMP/last.out" | sed "s/^/#   [$what] /"
	mpl_eq "$what: exit code" 125 "$rc"
	mpl_check "$what: says SKIP (exit 125)" grep -q '^bisect-run: SKIP (exit 125)' "$MPL_TMP/last.out"
	mpl_check "$what: says '$text'" grep -qF -- "$text" "$MPL_TMP/last.out"
}

"$MPL_BIN" run --db "$MPL_DB" --reps 5 --tag side=base "$SC" >"$MPL_TMP/base.out" 2>&1
rc=$?
sed 's/^/#   [baseline] /' "$MPL_TMP/base.out"
[ "$rc" -le 1 ] || mpl_die "the baseline run exited $rc"
[ "$(mpl_sql "SELECT count(*) FROM runs WHERE status = 'ok'")" -ge 5 ] ||
	mpl_die "the baseline has fewer than 5 ok runs"
base=$(nruns)

FAKE_FAIL=tinyconfig skip_says "make failing at tinyconfig" \
	"SKIP (exit 125): the kernel build failed: tinyconfig failed: make exited with 2" \
	"${BR[@]}" --tree "$tree" --out "$MPL_TMP/kbuild" "$SC"
mpl_check "tinyconfig: make's last words are in the bisect log" \
	grep -q '^bisect-run: commit .*:   fake: tinyconfig broke: no kernel here' "$MPL_TMP/last.out"
mpl_check "tinyconfig: the build was announced" \
	grep -q "^bisect-run: commit .*: building a lab kernel of '$tree'" "$MPL_TMP/last.out"
FAKE_FAIL=bzImage skip_says "make failing at bzImage" "the kernel build failed: make bzImage failed" \
	"${BR[@]}" --tree "$tree" --out "$MPL_TMP/kbuild" --build-nice 5 "$SC"
FAKE_DROP=VETH skip_says "olddefconfig dropping VETH" "did not survive 'make olddefconfig'" \
	"${BR[@]}" --tree "$tree" --out "$MPL_TMP/kbuild" "$SC"
mpl_check "VETH: named with its fragment line" \
	grep -q '^bisect-run: commit .*:   CONFIG_VETH: wanted y, got n (.*lab.config:' "$MPL_TMP/last.out"
skip_says "not a kernel tree" "is not a kernel tree" "${BR[@]}" --tree "$MPL_TMP/notatree" "$SC"
FAKE_FAIL=bzImage skip_says "--tree with --effect" "the kernel build failed: make bzImage failed" \
	"${BR[@]}" --effect 5 --tree "$tree" --out "$MPL_TMP/kbuild" "$SC"
mpl_check "--effect: the regression's size is said before the build" \
	awk '/bisecting a 5.00 % regression \(--effect\)/ { e = NR } /building a lab kernel of/ { b = NR }
	     END { exit !(e && b && e < b) }' "$MPL_TMP/last.out"
skip_says "--tree with --bad on the baseline's runs" "the bad endpoint (--bad)" \
	"${BR[@]}" --bad tag:side=base --tree "$tree" --out "$MPL_TMP/kbuild" "$SC"
mpl_check "--bad: nothing is built when the bad endpoint cannot be measured" no_build
skip_says "--tree with --kernel" "bad command line" "${BR[@]}" --tree "$tree" --kernel /etc/hostname "$SC"
skip_says "--tree with --build" "bad command line" "${BR[@]}" --tree "$tree" --build true "$SC"
skip_says "--out without --tree" "bad command line" "${BR[@]}" --out "$MPL_TMP/kbuild" "$SC"
skip_says "--build-nice without --tree" "bad command line" "${BR[@]}" --build-nice 3 "$SC"
mpl_eq "no run stored by the failed builds" "$base" "$(nruns)"
mpl_finish
