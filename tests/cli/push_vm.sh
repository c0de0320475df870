#!/bin/bash
# push_vm: `mptcp-lab push` against a real VictoriaMetrics on loopback
# (Debian package victoria-metrics), started here with a temporary storage
# directory. Synthetic runs are written with sqlite3 (an independent writer
# of the documented schema). Checks:
#  - the pushed values, read back through /api/v1/export, equal the
#    database's (every metric of every run and run=1, tags escaped and
#    sanitised, the variant key as a tag, timestamp = started_at);
#  - pushing twice sends nothing new; a second URL gets everything;
#  - with the server stopped push exits 1 and the outbox keeps the new runs
#    (attempts 1, a backoff), a push inside the backoff skips them; after a
#    restart `push --now` delivers them;
#  - a server that never answers (tests/tools/mpl_blackhole) trips
#    --timeout 1000 with a clear error and the run stays in the outbox;
#  - a token on the command line is refused (64).
# Skips (77) when victoria-metrics, sqlite3, curl or jq are missing.
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
mpl_setup sqlite3 curl jq
VM=$(command -v victoria-metrics) ||
	mpl_skip "needs victoria-metrics (Debian package victoria-metrics)"
BLACKHOLE=$MPL_BUILD_DIR/tests/tools/mpl_blackhole
[ -x "$BLACKHOLE" ] || mpl_die "$BLACKHOLE is not built"

# The server (both it starts are stopped at exit by the harness).
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

db=$MPL_TMP/lab.db
"$MPL_BIN" runs --db "$db" >/dev/null || mpl_die "cannot create the database"
# VictoriaMetrics keeps a month by default: the runs are from the last hours.
base_ms=$(( ($(date +%s) - 7200) * 1000 ))
n_runs=0
# add_runs N: N runs on a host whose name needs escaping, a variant axis
# whose name needs sanitising, two metrics each (whole milliseconds,
# values exact in a few digits).
add_runs()
{
	local i t
	{
		echo "BEGIN;"
		echo "INSERT OR IGNORE INTO hosts (hostname, cpu_model, cores, governor) VALUES ('box,a b=1', 'cpu', 2, '');"
		echo "INSERT OR IGNORE INTO kernels (release, version, config_hash, debug, boot_mode) VALUES ('6.18.0-mpl', 'v', '', '', 'bare-metal');"
		for i in $(seq 1 "$1"); do
			n_runs=$((n_runs + 1))
			t=$((base_ms + n_runs * 60000))
			echo "INSERT INTO runs (uuid, scenario, variant_key, variant_json, repetition, started_at_us, finished_at_us, status, host_id, kernel_id)
			      VALUES ('run-$n_runs', 'two path', 'cc=bbr,rate-limit=10', '{}', $n_runs, ${t}000, ${t}000 + 4000000, 'ok',
			              (SELECT id FROM hosts), (SELECT id FROM kernels));"
			echo "INSERT INTO metrics (run_id, name, value) VALUES (last_insert_rowid(), 'goodput_bps', $((75000000 + n_runs * 1250)).5);"
			echo "INSERT INTO metrics (run_id, name, value) VALUES ((SELECT id FROM runs WHERE uuid = 'run-$n_runs'), 'retransmits', $((n_runs * 3)));"
		done
		echo "COMMIT;"
	} >"$MPL_TMP/add.sql" # not a pipe: n_runs must survive the subshell
	sqlite3 -batch "$db" <"$MPL_TMP/add.sql"
}
add_runs 4

vm_start
vm=http://127.0.0.1:$port
url=$vm/write

# compare_export: every (metric, host, kernel, scenario, cc, rate_limit,
# variant, status, timestamp, value) of the database is in VictoriaMetrics
# and nothing else is; every run also has mptcp_lab_run = 1. Unique
# samples: the second URL below is the same server, which keeps a sample
# sent twice twice (no -dedup configured).
compare_export()
{
	curl -sf "$vm/internal/force_flush" >/dev/null || return 1
	curl -sf "$vm/api/v1/export" --data-urlencode 'match[]={__name__=~"mptcp_lab_.*"}' >"$MPL_TMP/export.jsonl" ||
		return 1
	jq -r '. as $s | range(0; .values | length) as $i |
		[$s.metric.__name__, $s.metric.host, $s.metric.kernel, $s.metric.scenario,
		 $s.metric.cc, $s.metric.rate_limit, $s.metric.variant, $s.metric.status,
		 ($s.timestamps[$i] | tostring), ($s.values[$i] | tostring)] | join("|")' \
		"$MPL_TMP/export.jsonl" | sort -u >"$MPL_TMP/got"
	sqlite3 -batch -separator '|' "$db" "
		SELECT 'mptcp_lab_' || m.name, h.hostname, k.release, r.scenario, 'bbr', '10',
		       r.variant_key, r.status, r.started_at_us / 1000, m.value
		FROM runs r JOIN metrics m ON m.run_id = r.id JOIN hosts h ON h.id = r.host_id
		JOIN kernels k ON k.id = r.kernel_id ${1:-}
		UNION ALL
		SELECT 'mptcp_lab_run', h.hostname, k.release, r.scenario, 'bbr', '10',
		       r.variant_key, r.status, r.started_at_us / 1000, 1
		FROM runs r JOIN hosts h ON h.id = r.host_id JOIN kernels k ON k.id = r.kernel_id" |
		jq -R -r 'split("|") | .[9] |= (tonumber | tostring) | join("|")' | sort >"$MPL_TMP/want"
	if ! cmp -s "$MPL_TMP/got" "$MPL_TMP/want"; then
		diff "$MPL_TMP/want" "$MPL_TMP/got" | sed 's/^/#   /'
		return 1
	fi
	echo "#   $(wc -l <"$MPL_TMP/got") samples match"
}
pushed_count() # URL: runs delivered to URL
{
	sqlite3 -batch "$db" "SELECT count(*) FROM push_outbox WHERE url = '$1' AND pushed_at_us IS NOT NULL"
}

echo "token-from-file" >"$MPL_TMP/token"
mpl_expect_rc 0 "push 4 runs" "$MPL_BIN" push --db "$db" --url "$url" --token-file "$MPL_TMP/token"
mpl_check "it says 4 runs" grep -q "pushed 4 runs" "$MPL_TMP/out"
mpl_check "the values read back equal the database's (8 samples + 4 run counts)" compare_export
mpl_check "the outbox marks 4 delivered" [ "$(pushed_count "$url")" = 4 ]
mpl_expect_rc 0 "push again" "$MPL_BIN" push --db "$db" --url "$url"
mpl_check "sends nothing new" grep -q "pushed 0 runs" "$MPL_TMP/out"
mpl_expect_rc 0 "a second URL gets everything" "$MPL_BIN" push --db "$db" --url "$vm/influx/write"
mpl_check "all 4 runs" grep -q "pushed 4 runs" "$MPL_TMP/out"
mpl_check "still the same samples (same series and timestamps)" compare_export

# the server stops: nothing is lost
stop_vm
add_runs 2
mpl_expect_rc 1 "push with the server stopped" "$MPL_BIN" push --db "$db" --url "$url" --connect-timeout 1000
mpl_check "the error names the URL and the reason" grep -q "cannot push to '$url'" "$MPL_TMP/err"
mpl_check "2 runs kept, attempts 1, next attempt in the future" [ "$(sqlite3 -batch "$db" "
	SELECT count(*) FROM push_outbox WHERE url = '$url' AND pushed_at_us IS NULL AND attempts = 1
	AND next_attempt_at_us > CAST(strftime('%s', 'now') AS INTEGER) * 1000000")" = 2 ]
mpl_expect_rc 1 "push inside the backoff" "$MPL_BIN" push --db "$db" --url "$url"
mpl_check "skips them (waiting), no new attempt" grep -q "2 waiting" "$MPL_TMP/out"
mpl_check "attempts still 1" [ "$(sqlite3 -batch "$db" "SELECT max(attempts) FROM push_outbox WHERE url = '$url'")" = 1 ]
start_vm "$port" || { mpl_notok "victoria-metrics restarts"; exit 1; }
mpl_expect_rc 0 "after a restart, push --now delivers" "$MPL_BIN" push --db "$db" --url "$url" --now
mpl_check "the 2 kept runs" grep -q "pushed 2 runs" "$MPL_TMP/out"
mpl_check "6 delivered" [ "$(pushed_count "$url")" = 6 ]
mpl_check "the values read back equal the database's (12 samples + 6 run counts)" compare_export

# a server that never answers
"$BLACKHOLE" --max-seconds 120 >"$MPL_TMP/bh.port" &
mpl_track_pid $!
mpl_wait_until 5 test -s "$MPL_TMP/bh.port" || mpl_die "mpl_blackhole printed no port"
bh_url=http://127.0.0.1:$(cat "$MPL_TMP/bh.port")/write
add_runs 1
t0=$(date +%s%N)
mpl_expect_rc 1 "push to a server that never answers" "$MPL_BIN" push --db "$db" --url "$bh_url" --timeout 1000
t1=$(date +%s%N)
mpl_check "it trips the 1 s timeout ($(( (t1 - t0) / 1000000 )) ms)" [ $(( (t1 - t0) / 1000000 )) -lt 5000 ]
mpl_check "with a clear error" grep -q "cannot push to '$bh_url': .*timed out" "$MPL_TMP/err"
sed 's/^/#   /' "$MPL_TMP/err"
mpl_check "the runs stay in the outbox" [ "$(sqlite3 -batch "$db" "
	SELECT count(*) FROM push_outbox WHERE url = '$bh_url' AND pushed_at_us IS NULL AND attempts = 1")" = 7 ]
mpl_expect_rc 0 "the real server still gets the new run" "$MPL_BIN" push --db "$db" --url "$url"
mpl_check "7 delivered there" [ "$(pushed_count "$url")" = 7 ]

# usage
mpl_expect_rc 64 "a token on the command line is refused" "$MPL_BIN" push --db "$db" --url "$url" --token secret
mpl_expect_rc 64 "push without --url" "$MPL_BIN" push --db "$db"
mpl_expect_rc 65 "a URL libcurl cannot parse" "$MPL_BIN" push --db "$db" --url "http://[::1"
mpl_expect_rc 65 "an unreadable token file" "$MPL_BIN" push --db "$db" --url "$url" --token-file "$MPL_TMP/none"

mpl_finish
