#!/bin/bash
# native_telemetry: the native engine's per-subflow telemetry and the PM
# events, end to end on the two-path topology (50 + 30 Mbit/s, rate only).
#
#  1. a 5 s upload: two subflows appear in the samples, one per path; the
#     per-subflow acked bytes add up to the connection's within 1 %; each
#     path's share of the bytes is within 10 share points of its share of
#     the shaped capacity (the default scheduler); the PM events show the
#     join; the stored share metrics agree with the samples.
#  2. failover (path 2 down at 2 s, up at 4 s, 7 s): during the outage the
#     path-2 subflow closes or stalls and path 1 carries the traffic; after
#     the link-up path 2 carries traffic again and recover_us is stored.
#
# Expected shares come from the topology file, not from a run. Everything
# is read through `mptcp-lab export --samples` (jq) and through sqlite3
# directly, an independent witness of what results/ stored.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=run_lib.sh
. "$(dirname "$0")/run_lib.sh"
mpl_run_init

mpl_topology TOPO two-path

# The client's addresses of each path, from the topology: {"10.1.1.1": "path1", ...}
PATHS_OF=$(jq -c '. as $t | [.paths | to_entries[] | .key as $p | .value.links[] as $l |
	$t.links[] | select(.name == $l) | (.a, .b) | select(.node == $t.client) |
	.addresses[] | {key: (split("/")[0]), value: $p}] | from_entries' "$TOPO")
# Shaped capacity share of each path: {"path1": 0.625, "path2": 0.375}
CAP_SHARE=$(jq -c '[.paths | to_entries[] | {key, value: (.value.shaping.rate |
	ascii_downcase | rtrimstr("mbit") | tonumber)}] | (map(.value) | add) as $sum |
	map(.value /= $sum) | from_entries' "$TOPO")
P1_BPS=$(jq -r '.paths.path1.shaping.rate | ascii_downcase | rtrimstr("mbit") | tonumber * 1000000' "$TOPO")
mpl_log "client addresses per path: $PATHS_OF"
mpl_log "capacity shares: $CAP_SHARE"

# jq -e without its output, for mpl_check.
jqe() { jq -e "$@" >/dev/null; }

# jq helpers: the address of "a.b.c.d:port" / "[v6]:port", and the path of
# a sample.
JQ_DEFS='def ip: if startswith("[") then (ltrimstr("[") | split("]")[0]) else split(":")[0] end;
	def path_of($m): ($m[(.local // "") | ip] // "none");'

scenario()
{
	local out=$1 name=$2 duration=$3 events=$4
	jq -n --arg topo "$TOPO" --arg name "$name" --arg d "$duration" --argjson ev "$events" \
		'{name: $name, topology: $topo, repetitions: 1, expect: {subflows: 2},
		  traffic: {engine: "native", direction: "upload", duration: $d}}
		 + (if ($ev | length) > 0 then {events: $ev} else {} end)' >"$out"
}

run_scenario()
{
	local sc=$1 tag=$2 rc
	"$MPL_BIN" run --db "$MPL_DB" --tag "test=$tag" "$sc" >"$MPL_TMP/out.$tag" 2>"$MPL_TMP/err.$tag"
	rc=$?
	sed 's/^/#   /' "$MPL_TMP/out.$tag" "$MPL_TMP/err.$tag"
	# a build without the engine refuses the scenario (65) naming it
	if [ "$rc" -eq 65 ] && grep -qi "engine" "$MPL_TMP/err.$tag"; then
		mpl_skip "this build has no native engine"
	fi
	mpl_eq "$tag: run exits 0" 0 "$rc"
}

# ---- 1. a 5 s upload ---------------------------------------------------------------

scenario "$MPL_TMP/upload.json" native-upload 5s '[]'
run_scenario "$MPL_TMP/upload.json" upload

"$MPL_BIN" export --db "$MPL_DB" --format json --samples tag:test=upload >"$MPL_TMP/up.json"
"$MPL_BIN" export --db "$MPL_DB" --format json tag:test=upload >"$MPL_TMP/up-plain.json"
R='.runs[0]'
mpl_eq "upload: one run, ok, native" "ok native" \
	"$(jq -r "$R | \"\(.status) \(.engine.name)\"" "$MPL_TMP/up.json")"
mpl_check "without --samples there are no samples, but the PM events" \
	jqe "$R | (has(\"samples\") | not) and (.pm_events | length > 0)" "$MPL_TMP/up-plain.json"

nsub=$(jq "[$R.samples.subflows[] | select(.role == \"client\") | [.id, .local]] | unique | length" \
	"$MPL_TMP/up.json")
mpl_eq "two subflows appear in the client's samples" 2 "$nsub"
paths=$(jq -r --argjson m "$PATHS_OF" "$JQ_DEFS"' [.runs[0].samples.subflows[] |
	select(.role == "client") | path_of($m)] | unique | join(" ")' "$MPL_TMP/up.json")
mpl_eq "one on each path" "path1 path2" "$paths"
mpl_check "the server sampled its side too" \
	jqe "$R | any(.samples.subflows[]; .role == \"server\" and .bytes_received > 0)" \
	"$MPL_TMP/up.json"

# Sum check at the client's last snapshot: subflow acked bytes vs the
# connection's (mptcpi_bytes_acked).
read -r sf_sum conn_acked < <(jq -r "$R.samples | ([.subflows[] | select(.role == \"client\") | .t_us] | max) as \$t |
	([.subflows[] | select(.role == \"client\" and .t_us == \$t) | .bytes_acked] | add) as \$s |
	([.connections[] | select(.role == \"client\" and .t_us == \$t) | .bytes_acked] | add) as \$c |
	\"\(\$s) \(\$c)\"" "$MPL_TMP/up.json")
mpl_log "acked bytes at the last sample: subflows $sf_sum, connection $conn_acked"
mpl_check "per-subflow acked bytes add up to the connection's within 1 % ($sf_sum vs $conn_acked)" \
	awk -v s="$sf_sum" -v c="$conn_acked" 'BEGIN { d = s - c; if (d < 0) d = -d; exit !(c > 0 && d / c <= 0.01) }'
# The same from sqlite3 itself.
sql_ratio=$(mpl_sql "WITH r AS (SELECT r.id FROM runs r JOIN tags t ON t.run_id = r.id
		WHERE t.key = 'test' AND t.value = 'upload'),
	last AS (SELECT max(t_us) AS t FROM samples WHERE run_id = (SELECT id FROM r) AND role = 'client')
	SELECT printf('%.6f', (SELECT sum(bytes_acked) FROM samples WHERE run_id = (SELECT id FROM r)
		AND role = 'client' AND t_us = (SELECT t FROM last)) * 1.0 /
		(SELECT sum(bytes_acked) FROM conn_samples WHERE run_id = (SELECT id FROM r)
		AND role = 'client' AND t_us = (SELECT t FROM last)))")
mpl_check "sqlite3 agrees: subflows / connection = $sql_ratio" \
	awk -v r="$sql_ratio" 'BEGIN { exit !(r >= 0.99 && r <= 1.01) }'

# Shares: the stored metrics, checked against the capacity and recomputed
# from the samples (each subflow's last acked bytes, by its client address).
for p in path1 path2; do
	got=$(jq -r "$R.metrics[\"share.$p\"]" "$MPL_TMP/up.json")
	want=$(jq -r --arg p "$p" '.[$p]' <<<"$CAP_SHARE")
	mine=$(jq -r --argjson m "$PATHS_OF" --arg p "$p" "$JQ_DEFS"' .runs[0].samples.subflows |
		map(select(.role == "client")) | group_by([.id, .local]) | map(max_by(.t_us)) |
		(map(.bytes_acked) | add) as $all |
		(map(select(path_of($m) == $p) | .bytes_acked) | add) / $all' "$MPL_TMP/up.json")
	mpl_log "share.$p: stored $got, from the samples $mine, capacity $want"
	mpl_check "share.$p $got is within 10 points of the capacity share $want" \
		awk -v g="$got" -v w="$want" 'BEGIN { d = g - w; if (d < 0) d = -d; exit !(d <= 0.10) }'
	mpl_check "share.$p agrees with the samples ($mine)" \
		awk -v g="$got" -v m="$mine" 'BEGIN { d = g - m; if (d < 0) d = -d; exit !(d < 0.001) }'
done
mpl_check "the export's subflows[] are the two subflows with their totals" \
	jqe "$R | (.subflows | length == 2) and ([.subflows[].bytes_acked] | add) > 0" "$MPL_TMP/up.json"
mpl_check "the client saw the extra subflow join (sub_established) and subflows_joined_us is stored" \
	jqe "$R | any(.pm_events[]; .role == \"client\" and .type == \"sub_established\") and
		(.metrics.subflows_joined_us > 0)" "$MPL_TMP/up.json"
mpl_eq "sqlite3: the PM events are stored" 1 \
	"$(mpl_sql "SELECT count(*) > 0 FROM pm_events WHERE type = 'sub_established' AND role = 'client'")"
mpl_check "sqlite3: the samples table came with schema version 4 (the database is at least that)" \
	[ "$(mpl_sql 'PRAGMA user_version')" -ge 4 ]

# ---- 2. failover -------------------------------------------------------------------

scenario "$MPL_TMP/failover.json" native-failover 7s \
	'[{"at": "2s", "path": "path2", "action": "down"}, {"at": "4s", "path": "path2", "action": "up"}]'
run_scenario "$MPL_TMP/failover.json" failover
"$MPL_BIN" export --db "$MPL_DB" --format json --samples tag:test=failover >"$MPL_TMP/fo.json"
mpl_log "events applied: $(jq -r "$R.noise.events_applied" "$MPL_TMP/fo.json")"
jq -r "$R.pm_events[] | \"#   pm \(.t_us) \(.role) \(.type) \(.local) \(.remote)\"" "$MPL_TMP/fo.json"

# Acked bytes per path at a time: the last sample at or before it of every
# client subflow of that path.
acked_at()
{
	jq -r --argjson m "$PATHS_OF" --arg p "$1" --argjson t "$2" "$JQ_DEFS"' .runs[0].samples.subflows |
		map(select(.role == "client" and .t_us <= $t and path_of($m) == $p)) |
		group_by([.id, .local]) | map(max_by(.t_us).bytes_acked) | add // 0' "$MPL_TMP/fo.json"
}
# The outage window, with 300 ms for in-flight acks to drain.
p1_a=$(acked_at path1 2300000); p1_b=$(acked_at path1 3950000)
p2_a=$(acked_at path2 2300000); p2_b=$(acked_at path2 3950000)
p2_end=$(acked_at path2 7000000)
mpl_log "outage 2.3-3.95 s: path1 +$((p1_b - p1_a)) bytes, path2 +$((p2_b - p2_a)) bytes"
closed=$(jq -r --argjson m "$PATHS_OF" "$JQ_DEFS"' [.runs[0].pm_events[] |
	select(.type == "sub_closed" and .t_us >= 2000000 and .t_us <= 4000000) |
	select((.role == "client" and path_of($m) == "path2") or
	       (.role == "server" and ($m[(.remote // "") | ip] // "") == "path2"))] | length' \
	"$MPL_TMP/fo.json")
mpl_check "during the outage path 2's subflow closed ($closed sub_closed) or stalled (+$((p2_b - p2_a)) bytes)" \
	test "$closed" -gt 0 -o $((p2_b - p2_a)) -le $(((p1_b - p1_a) / 100))
# The connection keeps going on path 1 alone. Not always at path 1's full
# rate: data in flight on the dead subflow holds the connection-level
# window until the kernel reinjects it, which takes a variable time (seen
# here: 8-100 % of path 1's rate over the window; the figure is logged).
# At least 5 % of the shaped rate over the 1.65 s window tells progress
# from a stall of the whole connection (~0).
p1_min=$((P1_BPS / 8 * 165 / 100 * 5 / 100))
mpl_check "and path 1 carried the traffic (+$((p1_b - p1_a)) bytes, at least $p1_min)" \
	test $((p1_b - p1_a)) -ge "$p1_min"
mpl_check "after the link-up path 2 carries traffic again (+$((p2_end - p2_b)) bytes)" \
	test $((p2_end - p2_b)) -gt 0
recover=$(jq -r "$R.metrics.recover_us // \"none\"" "$MPL_TMP/fo.json")
mpl_log "recover_us: $recover"
mpl_check "recover_us is recorded, after the link-up and before the end ($recover us)" \
	awk -v r="$recover" 'BEGIN { exit !(r != "none" && r > 0 && r < 3000000) }'
mpl_eq "sqlite3 has the same recover_us" "$recover" \
	"$(mpl_sql "SELECT CAST(m.value AS INTEGER) FROM metrics m JOIN tags t ON t.run_id = m.run_id
		WHERE t.key = 'test' AND t.value = 'failover' AND m.name = 'recover_us'")"

mpl_eq "integrity_check" ok "$(mpl_sql 'PRAGMA integrity_check')"
mpl_check "no run namespace left" mpl_no_run_netns
mpl_finish
