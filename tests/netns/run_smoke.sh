#!/bin/bash
# run_smoke: the smoke scenario with two variants (cubic vs bbr) and two
# repetitions stores four `ok` runs, interleaved (A B A B), whose efficiency
# lies within the bounds the scenario declares; the export follows the JSON
# contract; nothing is left behind. The scenario's engine is the default
# (native); one more run with engine iperf3, asked for explicitly, checks
# that iperf3 stays available per scenario.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=run_lib.sh
. "$(dirname "$0")/run_lib.sh"
mpl_run_init

SC="$MPL_SOURCE_DIR/scenarios/smoke.json"
min=$(mpl_jq "$SC" '.expect.min_efficiency')
max=$(mpl_jq "$SC" '.expect.max_efficiency')
mpl_snapshot before

"$MPL_BIN" run --db "$MPL_DB" --reps 2 --set 'variants.cc=["cubic","bbr"]' \
	--tag test=run_smoke "$SC" >"$MPL_TMP/out" 2>"$MPL_TMP/err"
rc=$?
sed 's/^/#   /' "$MPL_TMP/out" "$MPL_TMP/err"
mpl_eq "run exits 0" 0 "$rc"

mpl_export >"$MPL_TMP/export.json"
mpl_check "export is valid JSON" jq -e '.runs | type == "array"' "$MPL_TMP/export.json"
mpl_eq "4 runs stored" 4 "$(jq '.runs | length' "$MPL_TMP/export.json")"
mpl_eq "all 4 ok" 4 "$(jq '[.runs[] | select(.status == "ok")] | length' "$MPL_TMP/export.json")"
mpl_eq "the variants alternate (interleaved: cubic bbr cubic bbr)" "cubic bbr cubic bbr" \
	"$(jq -r '[.runs[].variant.cc] | join(" ")' "$MPL_TMP/export.json")"
mpl_eq "repetitions 1 1 2 2" "1 1 2 2" \
	"$(jq -r '[.runs[].repetition | tostring] | join(" ")' "$MPL_TMP/export.json")"
mpl_eq "every efficiency within [$min, $max]" 4 \
	"$(jq --argjson lo "$min" --argjson hi "$max" \
		'[.runs[] | select(.metrics.efficiency >= $lo and .metrics.efficiency <= $hi)] | length' \
		"$MPL_TMP/export.json")"
jq -r '.runs[] | "#   \(.variant.cc) rep \(.repetition): \(.metrics.goodput_bps / 1e6 | . * 100 | round / 100) Mbit/s, efficiency \(.metrics.efficiency | . * 1000 | round / 1000)"' \
	"$MPL_TMP/export.json"

# The contract's fields, and what they must say on this host.
mpl_eq "kernel.release is this kernel" "$(uname -r)" \
	"$(jq -r '.runs[0].kernel.release' "$MPL_TMP/export.json")"
mpl_check "host, started_at, uuid, metrics, subflows, tags present" \
	jq -e '.runs | all(.host.hostname and .started_at and (.uuid | length == 36) and .metrics.goodput_bps and (.subflows | type == "array") and .tags.test == "run_smoke")' \
	"$MPL_TMP/export.json"
mpl_check "the engine is the default, native, and recorded with its method" \
	jq -e '.runs | all(.engine.name == "native" and .engine.mptcp_method == "native")' \
	"$MPL_TMP/export.json"
mpl_check "the extra subflow joined in every run (MPJoinAckRx on the server)" \
	jq -e '.runs | all(.mib.server.MPJoinAckRx >= 1)' "$MPL_TMP/export.json"
mpl_check "the congestion control of the variant is recorded" \
	jq -e '.runs | all(.variant_key == "cc=\(.variant.cc)")' "$MPL_TMP/export.json"

# iperf3, asked for by the scenario (here through --set): one ok run, with
# the way iperf3 did MPTCP recorded.
"$MPL_BIN" run --db "$MPL_DB" --reps 1 --set traffic.engine=iperf3 --tag test=run_smoke_iperf3 \
	"$SC" >"$MPL_TMP/out" 2>"$MPL_TMP/err"
rc=$?
sed 's/^/#   /' "$MPL_TMP/out" "$MPL_TMP/err"
mpl_eq "run with engine iperf3 exits 0" 0 "$rc"
mpl_export tag:test=run_smoke_iperf3 >"$MPL_TMP/iperf3.json"
mpl_check "the iperf3 run is ok, within [$min, $max], with its MPTCP method recorded" \
	jq -e --argjson lo "$min" --argjson hi "$max" '.runs | length == 1 and all(.status == "ok" and
		.engine.name == "iperf3" and (.engine.mptcp_method == "-m" or .engine.mptcp_method == "mptcpize") and
		.metrics.efficiency >= $lo and .metrics.efficiency <= $hi)' "$MPL_TMP/iperf3.json"

# An independent witness of the store: sqlite3 itself.
mpl_eq "sqlite3 sees 5 runs" 5 "$(mpl_sql 'SELECT count(*) FROM runs')"
mpl_eq "integrity_check" ok "$(mpl_sql 'PRAGMA integrity_check')"
mpl_eq "journal mode" wal "$(mpl_sql 'PRAGMA journal_mode')"

mpl_check "no run namespace left" mpl_no_run_netns
mpl_snapshot_check before
mpl_finish
