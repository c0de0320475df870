#!/bin/bash
# nightly_push: `mptcp-lab nightly --push` end to end on the smoke scenario,
# against a real VictoriaMetrics on loopback (Debian package
# victoria-metrics, started here; tests/cli/lib.sh), two nights on one
# database:
#  - night 1 pushes its runs and has no verdict to queue (nothing to
#    compare with);
#  - night 2 pushes to a port where nothing listens: the job still exits
#    0, its runs stay in the outbox with one failed attempt and its verdict
#    points (one per compared series) are left untried, pending;
#  - a later `mptcp-lab push` delivers both, and VictoriaMetrics has each
#    verdict with the figures `compare --format json` gives for the same
#    two nights, tagged with the runs' host and kernel.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=run_lib.sh
. "$(dirname "$0")/run_lib.sh"
mpl_run_init curl
VM=$(command -v victoria-metrics) || mpl_skip "victoria-metrics is not installed (Debian package victoria-metrics)"
tmp=$MPL_TMP
# shellcheck source=../cli/lib.sh
. "$MPL_SOURCE_DIR/tests/cli/lib.sh"
vm_start
mpl_track_pid "$vm_pid"
vm=http://127.0.0.1:$port

out="$MPL_TMP/out"
night() # N PUSH_URL
{
	"$MPL_BIN" nightly --db "$MPL_DB" --out "$out" --suite "$MPL_SOURCE_DIR/scenarios/smoke.json" \
		--reps 5 --set traffic.duration=2s --push "$2" >"$MPL_TMP/night$1.log" 2>&1
}
night 1 "$vm/write"
rc=$?
sed 's/^/#   1: /' "$MPL_TMP/night1.log" | tail -n 8
mpl_eq "night 1 exits 0" 0 "$rc"
mpl_check "night 1 pushed its 5 runs" grep -q "pushed 5 runs" "$MPL_TMP/night1.log"
mpl_eq "night 1 queued no verdict (nothing to compare with)" 0 "$(mpl_sql "SELECT count(*) FROM push_points")"

# a port where nothing listens
dead=
for _ in 1 2 3 4 5; do
	p=$((20000 + RANDOM % 30000))
	ss -ltn "sport = :$p" 2>/dev/null | grep -q LISTEN || { dead=$p; break; }
done
night 2 "http://127.0.0.1:$dead/write"
rc=$?
sed 's/^/#   2: /' "$MPL_TMP/night2.log" | tail -n 8
mpl_eq "night 2 exits 0 although its push failed" 0 "$rc"
mpl_check "it says the push did not deliver everything" grep -q "push did not deliver everything" "$MPL_TMP/night2.log"
n_cmp=$(mpl_sql "SELECT count(DISTINCT m.name) FROM metrics m JOIN runs r ON r.id = m.run_id
	WHERE m.name IN ('goodput_bps', 'efficiency')")
mpl_eq "night 2 queued a verdict point per compared series" "$n_cmp" \
	"$(mpl_sql "SELECT count(*) FROM push_points WHERE kind = 'verdict' AND line LIKE '%,check=compare,%'")"
# the runs' batch failed on the way to the server: the points were not
# even tried, and stay pending like the runs
mpl_check "the points were left untried" grep -q "verdict points: 0 failed, $n_cmp not tried" "$MPL_TMP/night2.log"
mpl_eq "none is marked delivered" 0 "$(mpl_sql "SELECT count(*) FROM push_points_outbox WHERE pushed_at_us IS NOT NULL")"

"$MPL_BIN" push --db "$MPL_DB" --url "$vm/write" --now >"$MPL_TMP/push.log" 2>&1
rc=$?
sed 's/^/#   /' "$MPL_TMP/push.log"
mpl_eq "a later push delivers them" 0 "$rc"
mpl_check "night 2's runs and the verdicts" grep -q "pushed 5 runs (5 lines) and $n_cmp verdict points" "$MPL_TMP/push.log"

# what VictoriaMetrics has, against what compare says of the same nights
id1=$(mpl_sql "SELECT value FROM tags t JOIN runs r ON r.id = t.run_id WHERE key = 'nightly' ORDER BY r.started_at_us LIMIT 1")
id2=$(mpl_sql "SELECT value FROM tags t JOIN runs r ON r.id = t.run_id WHERE key = 'nightly' ORDER BY r.started_at_us DESC LIMIT 1")
"$MPL_BIN" compare --db "$MPL_DB" --baseline "tag:nightly=$id1" --candidate "tag:nightly=$id2" --format json \
	--output "$MPL_TMP/compare.json" >/dev/null 2>&1
host=$(mpl_sql "SELECT DISTINCT h.hostname FROM runs r JOIN hosts h ON h.id = r.host_id")
kernel=$(mpl_sql "SELECT DISTINCT k.release FROM runs r JOIN kernels k ON k.id = r.kernel_id")
# points stamped within the current hour become searchable only once
# VictoriaMetrics has indexed their new series (in the background, seconds
# later): poll for them, 30 s at most
verdict_series()
{
	curl -sf "$vm/internal/force_flush" >/dev/null
	curl -sf "$vm/api/v1/export" --data-urlencode 'match[]={__name__=~"mptcp_lab_verdict_.*"}' \
		>"$MPL_TMP/export.jsonl" || return 1
	[ "$(jq -s 'map(select(.metric.__name__ == "mptcp_lab_verdict_n_candidate")) | length' \
		"$MPL_TMP/export.jsonl")" = "$n_cmp" ]
}
for _ in $(seq 60); do verdict_series && break; sleep 0.5; done
same_value() # WANT GOT: equal within 1e-9 relative, or both absent
{
	jq -en --arg w "$1" --arg g "$2" 'if $w == "absent" then $g == "absent" else ($g != "absent" and
		(($w | tonumber) - ($g | tonumber) | fabs) <= 1e-9 * (($w | tonumber) | fabs) + 1e-12) end' \
		>/dev/null
}
for metric in goodput_bps efficiency; do
	for field in change ci_lo ci_hi p_adjusted n_candidate; do
		want=$(jq -r --arg m "$metric" --arg f "$field" '.series[] | select(.metric == $m) |
			{change: (.ratio - 1), ci_lo: (.ci95[0] - 1), ci_hi: (.ci95[1] - 1),
			 p_adjusted, n_candidate}[$f] // "absent"' "$MPL_TMP/compare.json")
		verdict=$(jq -r --arg m "$metric" '.series[] | select(.metric == $m) | .verdict' "$MPL_TMP/compare.json")
		got=$(jq -r --arg m "$metric" --arg n "mptcp_lab_verdict_$field" --arg h "$host" --arg k "$kernel" \
			--arg v "$verdict" 'select(.metric.__name__ == $n and .metric.metric == $m and
				.metric.scenario == "smoke" and .metric.check == "compare" and .metric.host == $h and
				.metric.kernel == $k and .metric.verdict == $v) | .values[]' "$MPL_TMP/export.jsonl")
		mpl_check "$metric $verdict, $field: VictoriaMetrics has ${got:-nothing}, compare says $want" \
			same_value "$want" "${got:-absent}"
	done
done
if [ "$MPL_FAIL" -ne 0 ]; then
	mpl_sql "SELECT line FROM push_points" | sed 's/^/#   queued: /'
	jq -c .metric "$MPL_TMP/export.jsonl" | sed 's/^/#   in VictoriaMetrics: /'
	sed 's/^/#   vm.log: /' "$tmp/vm.log"
fi
mpl_check "no run namespace left" mpl_no_run_netns
mpl_finish
