#!/bin/bash
# compare_smoke: `mptcp-lab compare` on real runs catches a real slowdown and
# stays quiet when nothing changed.
#
# Three sides of the smoke scenario (2 s + 1 s warm-up), 6 ok runs each,
# run in two interleaved rounds (base, same, slow, base, same, slow) so
# drift hits all three alike:
#   base  the scenario as shipped (50 + 30 Mbit/s)       --tag side=base
#   same  the same configuration again                   --tag side=same
#   slow  both paths 10 % lower (45 + 27 Mbit/s)          --tag side=slow
# Then:
#   compare base vs slow --format junit --output F  -> exit 1, and F holds
#       exactly one <failure>, for smoke goodput_bps (efficiency is goodput
#       over the ideal of the shaped rates: both scale by 0.9, so it must
#       not change, and must not fail): efficiency is derived (out of the
#       family), neither a regression nor an improvement, its change
#       inside its floor (and "no change" when its CI fits there too);
#   compare base vs same                            -> exit 0, no failure.
# The expected slowdown comes from the rates (-10 %), not from a run.
# Runs that come out invalid (a tool hiccup) are topped up, up to 3 more
# per side, so the test needs 6 ok runs a side, not 18 lucky runs.
# About 18 x 4 s of traffic: ~75 s.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=run_lib.sh
. "$(dirname "$0")/run_lib.sh"
mpl_run_init

SC="$MPL_SOURCE_DIR/scenarios/smoke.json"
REPS=6
SHORT=(--set traffic.duration=2s --set traffic.omit=1s)
SLOW=(--set paths.path1.rate=45mbit --set paths.path2.rate=27mbit)
mpl_snapshot before

# run_side SIDE REPS [ARGS...]: REPS runs of the smoke scenario tagged side=SIDE.
run_side()
{
	local side=$1 reps=$2 rc
	shift 2
	"$MPL_BIN" run --db "$MPL_DB" --reps "$reps" "${SHORT[@]}" "$@" --tag "side=$side" "$SC" \
		>"$MPL_TMP/run.out" 2>&1
	rc=$?
	sed "s/^/#   [$side] /" "$MPL_TMP/run.out"
	# 1 = a run was invalid or failed: it is stored as such and not counted
	[ "$rc" -le 1 ] || mpl_die "run of side '$side' exited $rc"
}

ok_runs() { mpl_sql "SELECT count(*) FROM runs r JOIN tags t ON t.run_id = r.id WHERE t.key = 'side' AND t.value = '$1' AND r.status = 'ok'"; }

for round in 1 2; do
	mpl_log "round $round of 2"
	run_side base $((REPS / 2))
	run_side same $((REPS / 2))
	run_side slow $((REPS / 2)) "${SLOW[@]}"
done
for side in base same slow; do
	extra=()
	[ "$side" = slow ] && extra=("${SLOW[@]}")
	for _ in 1 2 3; do
		[ "$(ok_runs "$side")" -lt "$REPS" ] || break
		mpl_log "side $side has $(ok_runs "$side") ok runs: one more"
		run_side "$side" 1 "${extra[@]}"
	done
	n=$(ok_runs "$side")
	[ "$n" -ge "$REPS" ] || mpl_die "side $side has only $n ok runs of the $REPS needed"
	mpl_log "side $side: $n ok runs, goodput (Mbit/s): $(mpl_sql "SELECT group_concat(printf('%.2f', m.value / 1e6), ' ') FROM runs r JOIN tags t ON t.run_id = r.id JOIN metrics m ON m.run_id = r.id WHERE t.key = 'side' AND t.value = '$side' AND r.status = 'ok' AND m.name = 'goodput_bps'")"
done

# base vs slow: one regression, for goodput_bps
junit="$MPL_TMP/slow.xml"
"$MPL_BIN" compare --db "$MPL_DB" --baseline tag:side=base --candidate tag:side=slow \
	--format junit --output "$junit" >"$MPL_TMP/cmp.out" 2>&1
rc=$?
sed 's/^/#   /' "$MPL_TMP/cmp.out"
mpl_eq "compare base vs slow (paths -10 %) exits 1" 1 "$rc"
mpl_eq "the JUnit file has exactly one <failure>" 1 "$(grep -c '<failure ' "$junit")"
failure=$(grep -B1 '<failure ' "$junit" | tr -d '\n')
mpl_log "JUnit: $failure"
# name="VARIANT goodput_bps" (smoke pins cc=cubic), or "goodput_bps" without variants
mpl_check "the failure is the smoke scenario's goodput_bps" \
	grep -Eq '<testcase classname="smoke" name="([^"]* )?goodput_bps">' <<<"$failure"
mpl_check "its message names the series and the change" \
	grep -Eq 'message="smoke ([^"]* )?goodput_bps regressed: -[0-9.]+ %' <<<"$failure"
mpl_eq "the suite counts 2 tests (goodput_bps, efficiency), 1 failure" 2/1 \
	"$(sed -n 's/.*<testsuite [^>]*tests="\([0-9]*\)" failures="\([0-9]*\)".*/\1\/\2/p' "$junit")"
"$MPL_BIN" compare --db "$MPL_DB" --baseline tag:side=base --candidate tag:side=slow \
	--format json >"$MPL_TMP/slow-all.json" 2>"$MPL_TMP/err"
eff='.series[] | select(.metric == "efficiency")'
mpl_log "efficiency: $(jq -r "$eff | \"\(.verdict): \(.reason)\"" "$MPL_TMP/slow-all.json")"
mpl_check "efficiency is derived from goodput, out of the family" \
	jq -e "$eff | .role == \"derived\" and .derived_from == \"goodput_bps\" and (.in_family | not)" \
	"$MPL_TMP/slow-all.json"
mpl_check "efficiency does not change: no regression, no improvement, its change inside its floor" \
	jq -e "$eff | (.verdict == \"no_change\" or .verdict == \"inconclusive\") and
		((.ratio - 1) | fabs) < .floor" "$MPL_TMP/slow-all.json"
if command -v xmllint >/dev/null 2>&1; then
	mpl_check "xmllint accepts the JUnit file" xmllint --noout "$junit"
else
	mpl_skip_part "xmllint is not installed (Debian package libxml2-utils): the JUnit file not parsed"
fi

# The same comparison as JSON: the change is about the -10 % the rates say.
"$MPL_BIN" compare --db "$MPL_DB" --baseline tag:side=base --candidate tag:side=slow \
	--metric goodput_bps --format json >"$MPL_TMP/slow.json" 2>"$MPL_TMP/err"
ratio=$(jq -r '.series[0].ratio' "$MPL_TMP/slow.json")
mpl_check "goodput ratio $ratio is 0.9 within 2 points" \
	awk -v r="$ratio" 'BEGIN { exit !(r > 0.88 && r < 0.92) }'

# base vs same: nothing changed, nothing fails
"$MPL_BIN" compare --db "$MPL_DB" --baseline tag:side=base --candidate tag:side=same \
	--format junit --output "$MPL_TMP/same.xml" >"$MPL_TMP/cmp.out" 2>&1
rc=$?
sed 's/^/#   /' "$MPL_TMP/cmp.out"
mpl_eq "compare base vs same exits 0" 0 "$rc"
mpl_eq "no <failure> in its JUnit file" 0 "$(grep -c '<failure ' "$MPL_TMP/same.xml")"

mpl_check "no run namespace left" mpl_no_run_netns
mpl_snapshot_check before
mpl_finish
