#!/bin/bash
# trend_cli: `mptcp-lab trend` and `compare` on a database of synthetic
# nightly history written with sqlite3 (an independent writer of the
# documented schema): a 6 % drop after 20 flat nights is a regression
# (exit 1, KTAP "not ok", the change point stored once even when trending
# twice); a flat history exits 0; an empty selection 65; bad usage 64.
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
mpl_setup sqlite3

db=$MPL_TMP/lab.db
# Let mptcp-lab create the schema (an empty selection on a fresh database).
"$MPL_BIN" runs --db "$db" >/dev/null || mpl_die "cannot create the database"

# gen SCENARIO NIGHTS DROP_FROM DROP_PCT: 3 runs a night, goodput around
# 75 Mbit/s with 0.3 % deterministic jitter, lowered by DROP_PCT from night
# DROP_FROM on.
gen()
{
	local scenario=$1 nights=$2 from=$3 pct=$4
	{
		echo "BEGIN;"
		echo "INSERT OR IGNORE INTO hosts (hostname, cpu_model, cores, governor) VALUES ('h', 'cpu', 2, '');"
		echo "INSERT OR IGNORE INTO kernels (release, version, config_hash, debug, boot_mode) VALUES ('6.18', 'v', '', '', 'bare-metal');"
		for n in $(seq 0 $((nights - 1))); do
			for r in 1 2 3; do
				local t=$((1767225600 + n * 86400 + r * 600)) v
				v=$(awk -v n="$n" -v r="$r" -v from="$from" -v pct="$pct" \
					'BEGIN { v = 75e6 * (1 + 0.003 * sin(n * 7 + r * 3)); if (n >= from) v *= 1 - pct / 100; printf "%.0f", v }')
				echo "INSERT INTO runs (uuid, scenario, variant_key, variant_json, repetition, started_at_us, finished_at_us, status, host_id, kernel_id)
				      VALUES ('$scenario-$n-$r', '$scenario', 'cc=cubic', '{\"cc\":\"cubic\"}', $r, ${t}000000, $((t + 4))000000, 'ok',
				              (SELECT id FROM hosts), (SELECT id FROM kernels));"
				echo "INSERT INTO metrics (run_id, name, value) VALUES (last_insert_rowid(), 'goodput_bps', $v);"
			done
		done
		echo "COMMIT;"
	} | sqlite3 -batch "$db"
}
gen drop 25 20 6
gen flat 25 99 0

mpl_expect_rc 1 "trend: a 6 % drop after 20 nights is a regression" \
	"$MPL_BIN" trend --db "$db" --metric goodput_bps --format ktap --output "$MPL_TMP/t.ktap" scenario:drop
grep -q '^not ok' "$MPL_TMP/t.ktap" && mpl_ok "KTAP says not ok" || mpl_notok "KTAP has no 'not ok'"
n1=$(sqlite3 "$db" "SELECT count(*) FROM changepoints WHERE scenario = 'drop'")
[ "$n1" -eq 1 ] && mpl_ok "one change point stored" || mpl_notok "expected 1 change point, found $n1"
label=$(sqlite3 "$db" "SELECT label FROM changepoints WHERE scenario = 'drop'")
[ "$label" = "2026-01-21" ] && mpl_ok "it starts at night 21 ($label)" || mpl_notok "change point at '$label', expected 2026-01-21"
"$MPL_BIN" trend --db "$db" --metric goodput_bps scenario:drop >/dev/null 2>&1
n2=$(sqlite3 "$db" "SELECT count(*) FROM changepoints WHERE scenario = 'drop'")
[ "$n2" -eq 1 ] && mpl_ok "trending twice stores it once" || mpl_notok "trending twice left $n2 rows"

mpl_expect_rc 0 "trend: a flat history is no regression" \
	"$MPL_BIN" trend --db "$db" --metric goodput_bps scenario:flat
mpl_expect_rc 65 "trend: an empty selection" "$MPL_BIN" trend --db "$db" scenario:none
mpl_expect_rc 64 "trend: a bad --by" "$MPL_BIN" trend --db "$db" --by week scenario:flat

mpl_expect_rc 1 "compare: the last 5 nights of 'drop' against its first 20" \
	"$MPL_BIN" compare --db "$db" --metric goodput_bps --baseline scenario:drop,until:2026-01-21 \
	--candidate scenario:drop,since:2026-01-21 --format junit --output "$MPL_TMP/c.xml"
[ "$(grep -c '<failure' "$MPL_TMP/c.xml")" -eq 1 ] && mpl_ok "JUnit has one failure" || mpl_notok "JUnit failures: $(grep -c '<failure' "$MPL_TMP/c.xml")"
mpl_expect_rc 0 "compare: two halves of 'flat'" \
	"$MPL_BIN" compare --db "$db" --metric goodput_bps --baseline scenario:flat,until:2026-01-13 \
	--candidate scenario:flat,since:2026-01-13
mpl_expect_rc 65 "compare: an empty candidate" \
	"$MPL_BIN" compare --db "$db" --baseline scenario:flat --candidate scenario:none
mpl_expect_rc 64 "compare: no --candidate" "$MPL_BIN" compare --db "$db" --baseline scenario:flat

mpl_finish
