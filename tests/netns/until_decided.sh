#!/bin/bash
# until_decided: `run --until-decided` follows compare's three answers.
# The smoke scenario (2 s + 1 s warm-up): 6 baseline runs; then
#   both paths 10 % slower, --reps 5: a regression at once (exit 1, no
#     extra round: 5 runs in its invocation);
#   the same configuration, --reps 5 --max-reps 12: more rounds only while
#     goodput (the family's one member; efficiency is derived and never
#     asks for a round) is inconclusive, one run a round; it ends on "no
#     change" (the CI inside the floor: evidence, not a missing p) or at
#     the cap still inconclusive, and exits 0 either way - never a
#     regression.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=run_lib.sh
. "$(dirname "$0")/run_lib.sh"
mpl_run_init

SC="$MPL_SOURCE_DIR/scenarios/smoke.json"
SHORT=(--set traffic.duration=2s --set traffic.omit=1s)
"$MPL_BIN" run --db "$MPL_DB" --reps 6 "${SHORT[@]}" --tag side=base "$SC" >"$MPL_TMP/base.out" 2>&1
[ "$(mpl_sql "SELECT count(*) FROM runs WHERE status = 'ok'")" -ge 5 ] ||
	mpl_die "the baseline has fewer than 5 ok runs: $(tail -n 3 "$MPL_TMP/base.out")"

"$MPL_BIN" run --db "$MPL_DB" --reps 5 "${SHORT[@]}" --set paths.path1.rate=45mbit \
	--set paths.path2.rate=27mbit --tag side=slow --until-decided --baseline tag:side=base \
	--max-reps 12 "$SC" >"$MPL_TMP/slow.out" 2>&1
rc=$?
grep -E 'REGRESSION|inconclusive|no change|still' "$MPL_TMP/slow.out" | sed 's/^/#   [slow] /'
mpl_eq "10 % slower: a regression, exit 1" 1 "$rc"
mpl_check "the goodput row says REGRESSION" grep -qE '^REGRESSION +smoke .*goodput_bps' "$MPL_TMP/slow.out"
mpl_eq "decided on the first round: 5 runs" 5 \
	"$(mpl_sql "SELECT count(*) FROM runs r JOIN tags t ON t.run_id = r.id WHERE t.key = 'side' AND t.value = 'slow'")"

"$MPL_BIN" run --db "$MPL_DB" --reps 5 "${SHORT[@]}" --tag side=same --until-decided \
	--baseline tag:side=base --max-reps 12 "$SC" >"$MPL_TMP/same.out" 2>&1
rc=$?
grep -E 'REGRESSION|inconclusive|no change|still' "$MPL_TMP/same.out" | sed 's/^/#   [same] /'
n=$(mpl_sql "SELECT count(*) FROM runs r JOIN tags t ON t.run_id = r.id WHERE t.key = 'side' AND t.value = 'same'")
mpl_eq "the same configuration: exit 0" 0 "$rc"
mpl_check "never a regression" bash -c "! grep -q '^REGRESSION' '$MPL_TMP/same.out'"
mpl_check "between 5 and 12 runs, one a round ($n)" test "$n" -ge 5 -a "$n" -le 12
if grep -qE '^no change +smoke .*goodput_bps' "$MPL_TMP/same.out"; then
	mpl_ok "goodput ended on no change after $n runs"
	if [ "$n" -gt 5 ]; then
		mpl_check "it took rounds only while goodput was undecided: the last round decided it" \
			bash -c "! grep -q 'still inconclusive' '$MPL_TMP/same.out'"
	fi
else
	mpl_check "not decided: the cap or the runs that would decide are named" \
		grep -qE 'still inconclusive after [0-9]+ repetitions' "$MPL_TMP/same.out"
fi
mpl_check "no run namespace left" mpl_no_run_netns
mpl_finish
