#!/bin/bash
# bound_tbf: a scenario's completion-time bound on real runs. The shipped
# simult-flows-tbf (the kernel selftest's formula, 15 + 5 Mbit/s on tbf)
# with 4 MiB instead of 16: the bound follows the size, 4 MiB x 8 x 10 /
# (20 Mbit/s x 9) = 1864 ms, + 400 + 50 = 2314 ms (computed here from the
# formula, not from a run); 3 runs, each stores completion_bound_us 2314000
# and over_bound 1 exactly when its completion_us is above it; compare of
# 3 runs against 2 more carries P(exceed) per side (too few runs for a
# verdict on the time itself: the bound is counted all the same).
# simult-flows (netem delays) is skipped here with the reason when the
# kernel has no netem, and runs where it does.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=run_lib.sh
. "$(dirname "$0")/run_lib.sh"
mpl_run_init jq

want=$(( (4 * 1048576 * 8 * 10 * 1000 / (20000000 * 9)) * 1000 + 450000 ))
"$MPL_BIN" run --db "$MPL_DB" --reps 3 --set traffic.bytes=4MiB --tag side=a \
	"$MPL_SOURCE_DIR/scenarios/simult-flows-tbf.json" >"$MPL_TMP/run.out" 2>&1
rc=$?
sed 's/^/#   /' "$MPL_TMP/run.out" | tail -n 4
mpl_eq "3 runs, exit 0" 0 "$rc"
mpl_eq "every ok run stores the bound, $want us" 3 \
	"$(mpl_sql "SELECT count(*) FROM metrics WHERE name = 'completion_bound_us' AND value = $want")"
mpl_eq "over_bound is 1 exactly when completion_us is above the bound" 3 \
	"$(mpl_sql "SELECT count(*) FROM metrics c JOIN metrics o ON o.run_id = c.run_id AND o.name = 'over_bound'
	            WHERE c.name = 'completion_us' AND o.value = (c.value > $want)")"
mpl_sql "SELECT '#   completion ' || printf('%.3f', c.value / 1e6) || ' s, over ' || o.value
	FROM metrics c JOIN metrics o ON o.run_id = c.run_id AND o.name = 'over_bound' WHERE c.name = 'completion_us'"
"$MPL_BIN" run --db "$MPL_DB" --reps 2 --set traffic.bytes=4MiB --tag side=b \
	"$MPL_SOURCE_DIR/scenarios/simult-flows-tbf.json" >"$MPL_TMP/run2.out" 2>&1
"$MPL_BIN" compare --db "$MPL_DB" --baseline tag:side=a --candidate tag:side=b \
	--format json >"$MPL_TMP/cmp.json" 2>"$MPL_TMP/cmp.err"
if [ -s "$MPL_TMP/cmp.json" ]; then
	mpl_check "compare: completion_us carries P(exceed) per side" \
		jq -e '.series[] | select(.metric == "completion_us") | .bound.baseline.n == 3 and .bound.candidate.n == 2 and (.bound.p_fisher | type) == "number"' \
		"$MPL_TMP/cmp.json"
fi

if "$MPL_BIN" check 2>/dev/null | grep -q '^qdisc.netem *yes'; then
	mpl_log "netem is here: simult-flows runs"
else
	"$MPL_BIN" run --db "$MPL_DB" --reps 1 "$MPL_SOURCE_DIR/scenarios/simult-flows.json" >"$MPL_TMP/netem.out" 2>&1
	mpl_check "simult-flows is skipped, with the reason" grep -q "skipped.*missing capability 'qdisc.netem'" \
		"$MPL_TMP/netem.out"
	mpl_eq "stored as skipped" 1 "$(mpl_sql "SELECT count(*) FROM runs WHERE scenario = 'simult-flows' AND status = 'skipped'")"
fi
mpl_check "no run namespace left" mpl_no_run_netns
mpl_finish
