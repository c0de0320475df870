#!/bin/bash
# ack_cli: `mptcp-lab ack` on regressions written into the database with
# sqlite3 (an independent writer of the documented table of schema
# version 7): --list shows the open ones, --json says the same, ack with a
# note closes one (no longer open, acknowledged with its note and who),
# --undo reopens it; an ID that does not exist is 65 (the others still
# acknowledged), no --note or a bad ID 64, no database 65 (not created).
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
mpl_setup sqlite3 jq

db=$MPL_TMP/lab.db
"$MPL_BIN" runs --db "$db" >/dev/null || mpl_die "cannot create the database"
mpl_expect_rc 0 "--list on a fresh database" "$MPL_BIN" ack --db "$db" --list
grep -q "no open regression" "$MPL_TMP/out" && mpl_ok "nothing open" || mpl_notok "expected 'no open regression'"

sqlite3 -batch "$db" <<'SQL' || mpl_die "cannot write the regressions"
INSERT INTO regressions (host, scenario, variant_key, metric, since_us, since_label, first_reported_us,
	first_nightly, last_seen_us, change, median_before, median_after, kernel_before, kernel_after)
VALUES ('box1', 'smoke', 'cc=cubic', 'goodput_bps', 1764460800000000, '2025-11-30', 1764464400000000,
	'n22', 1765155600000000, -0.041, 75.1e6, 72.0e6, '6.18.21', '6.18.22'),
       ('box1', 'three-path', '', 'goodput_bps', 1764892800000000, '2025-12-05', 1764896400000000,
	'n27', 1765155600000000, -0.032, 80e6, 77.4e6, '6.18.26', '6.18.27');
SQL

mpl_expect_rc 0 "--list" "$MPL_BIN" ack --db "$db" --list
[ "$(grep -c ' open ' "$MPL_TMP/out")" -eq 2 ] && mpl_ok "two open regressions listed" || mpl_notok "expected 2 open rows"
grep -q '6.18.21 *-> 6.18.22' "$MPL_TMP/out" && mpl_ok "with the kernels either side" || mpl_notok "no kernel range in the list"
mpl_expect_rc 0 "--list --json" "$MPL_BIN" ack --db "$db" --list --json
[ "$(jq '.regressions | length' "$MPL_TMP/out")" = 2 ] &&
	[ "$(jq -r '.regressions[0] | "\(.id) \(.state) \(.since) \(.kernel_before) \(.change * 1000 | round)"' "$MPL_TMP/out")" = "1 open 2025-11-30 6.18.21 -41" ] &&
	mpl_ok "JSON: id, state, since, kernels, change" || mpl_notok "JSON: $(cat "$MPL_TMP/out")"

mpl_expect_rc 64 "ack without --note" "$MPL_BIN" ack --db "$db" 1
mpl_expect_rc 64 "ack of a bad ID" "$MPL_BIN" ack --db "$db" one --note x
mpl_expect_rc 64 "--list with an ID" "$MPL_BIN" ack --db "$db" --list 1
mpl_expect_rc 0 "ack 1 with a note" "$MPL_BIN" ack --db "$db" 1 --note "fixed in -rc3, bisected to abc123" --by tester
mpl_expect_rc 0 "--list after the ack" "$MPL_BIN" ack --db "$db" --list
[ "$(grep -c ' open ' "$MPL_TMP/out")" -eq 1 ] && grep -q 'three-path' "$MPL_TMP/out" &&
	mpl_ok "one open left" || mpl_notok "expected only three-path open"
mpl_expect_rc 0 "--list --all --json" "$MPL_BIN" ack --db "$db" --list --all --json
[ "$(jq -r '.regressions[0] | "\(.state)|\(.note)|\(.by)"' "$MPL_TMP/out")" = "acknowledged|fixed in -rc3, bisected to abc123|tester" ] &&
	jq -e '.regressions[0].acked_at | test("^20[0-9-]+T")' "$MPL_TMP/out" >/dev/null &&
	mpl_ok "acknowledged with its note, who and when" || mpl_notok "JSON after ack: $(cat "$MPL_TMP/out")"
mpl_expect_rc 65 "ack of an ID that does not exist, beside one that does" \
	"$MPL_BIN" ack --db "$db" 99 2 --note "expected: the new default"
grep -q "no regression 99" "$MPL_TMP/err" && mpl_ok "the missing ID is named" || mpl_notok "no message for 99"
[ "$(sqlite3 "$db" 'SELECT count(*) FROM regressions WHERE acked_at_us IS NOT NULL')" = 2 ] &&
	mpl_ok "the other ID was acknowledged" || mpl_notok "regression 2 not acknowledged"
mpl_expect_rc 0 "--undo 1" "$MPL_BIN" ack --db "$db" --undo 1
[ "$(sqlite3 "$db" 'SELECT acked_at_us IS NULL AND ack_note IS NULL FROM regressions WHERE id = 1')" = 1 ] &&
	mpl_ok "reopened: no ack, no note" || mpl_notok "regression 1 still acknowledged"
mpl_expect_rc 65 "no database at --db" "$MPL_BIN" ack --db "$MPL_TMP/none/lab.db" --list
[ ! -e "$MPL_TMP/none" ] && mpl_ok "nothing created" || mpl_notok "a database was created"

mpl_finish
