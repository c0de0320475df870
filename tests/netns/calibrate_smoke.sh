#!/bin/bash
# calibrate_smoke: `mptcp-lab calibrate` end to end on the smoke scenario
# (1 s + 1 s warm-up, 5 runs, 3 invocations): 15 runs stored, tagged
# calibrate=<id>, in 3 invocation=<id> groups; the JSON has goodput_bps
# (primary) and efficiency (derived) with 3 groups, a within and a between
# noise, a floor of at least 0.5 %, a finite minimum detectable change at
# 5 v 5 runs (at 3 v 3 there is none: Mann-Whitney cannot reach 0.01) and
# the runs a side -2 % needs; `calibrate --from` over the
# same runs says the same; a bad --invocations is 64.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=run_lib.sh
. "$(dirname "$0")/run_lib.sh"
mpl_run_init jq

"$MPL_BIN" calibrate --db "$MPL_DB" --reps 5 --invocations 3 --set traffic.duration=1s \
	--json "$MPL_SOURCE_DIR/scenarios/smoke.json" >"$MPL_TMP/cal.json" 2>"$MPL_TMP/cal.err"
rc=$?
sed 's/^/#   /' "$MPL_TMP/cal.err" | tail -n 5
mpl_eq "calibrate exits 0" 0 "$rc"
mpl_eq "15 ok runs stored" 15 "$(mpl_sql "SELECT count(*) FROM runs WHERE status = 'ok'")"
mpl_eq "all tagged calibrate=<id>" 15 "$(mpl_sql "SELECT count(*) FROM tags WHERE key = 'calibrate'")"
mpl_eq "in 3 invocations" 3 "$(mpl_sql "SELECT count(DISTINCT value) FROM tags WHERE key = 'invocation'")"
g='.series[] | select(.metric == "goodput_bps")'
mpl_check "goodput_bps: primary, 15 runs, 3 groups" \
	jq -e "$g | .role == \"primary\" and .runs == 15 and .groups == 3" "$MPL_TMP/cal.json"
mpl_check "efficiency: derived" jq -e '.series[] | select(.metric == "efficiency") | .role == "derived"' \
	"$MPL_TMP/cal.json"
mpl_check "a within and a between noise, a floor of at least 0.5 %" \
	jq -e "$g | (.sigma_within > 0) and (.sigma_between >= 0) and (.floor >= 0.005)" "$MPL_TMP/cal.json"
mpl_check "a minimum detectable change at 5 v 5 runs, and the runs -2 % needs" \
	jq -e "$g | (.planned_reps == 5) and (.min_detectable_change > .floor) and (.runs_for_change != 0)" \
	"$MPL_TMP/cal.json"
jq -r "$g | \"#   goodput: within \(.sigma_within), between \(.sigma_between), floor \(.floor), mdc \(.min_detectable_change), runs for -2 %: \(.runs_for_change)\"" \
	"$MPL_TMP/cal.json"
id=$(mpl_sql "SELECT value FROM tags WHERE key = 'calibrate' LIMIT 1")
"$MPL_BIN" calibrate --db "$MPL_DB" --reps 5 --from "tag:calibrate=$id" --json >"$MPL_TMP/from.json"
mpl_eq "--from over the same runs says the same" "$(jq -S . "$MPL_TMP/cal.json")" "$(jq -S . "$MPL_TMP/from.json")"
"$MPL_BIN" calibrate --db "$MPL_DB" --invocations 0 "$MPL_SOURCE_DIR/scenarios/smoke.json" >/dev/null 2>&1
mpl_eq "--invocations 0 is a usage error" 64 "$?"
mpl_check "no run namespace left" mpl_no_run_netns
mpl_finish
