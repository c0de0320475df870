#!/bin/bash
# kernels_cli: `mptcp-lab kernels` on an empty database (a friendly line,
# exit 0, and {"kernels": []}) and on a database of synthetic runs written
# with sqlite3 (an independent writer of the documented schema):
#
#   kernel                      boot mode   runs (host: status)          days
#   6.18.0                      bare-metal  h1: ok ok ok invalid         2026-01-01..03
#   6.1.0-28-amd64              qemu-tcg    h1: ok, h2: ok               2026-02-01
#   6.1.0-28-amd64              bare-metal  h2: failed                   2026-02-05
#   6.1.0-28-amd64-rt           qemu-kvm    h2: ok (tagged lab=b)        2026-02-06
#
# Expected figures come from this table: 4 kernels, counts and hosts per
# kernel, first/last dates; kernel:6.1.0-28-amd64 matches the release
# exactly (2 kernels, not the -rt one, not 6.1.0 as a prefix); host:, tag:
# and since: narrow the runs counted; bad selectors and options exit 64.
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
mpl_setup sqlite3 jq

db=$MPL_TMP/lab.db
mpl_expect_rc 0 "kernels on an empty database" "$MPL_BIN" kernels --db "$db"
mpl_eq "empty: one friendly line" 1 "$(wc -l <"$MPL_TMP/out")"
grep -q '^no runs stored yet' "$MPL_TMP/out" && mpl_ok "empty: says no runs are stored yet" ||
	mpl_notok "empty: says '$(cat "$MPL_TMP/out")'"
mpl_expect_rc 0 "kernels --json on an empty database" "$MPL_BIN" kernels --db "$db" --json
mpl_eq "empty --json: an empty list" 0 "$(jq '.kernels | length' "$MPL_TMP/out")"

# run UUID KERNEL_ID HOST DAY HOUR STATUS [TAG]
run()
{
	local t
	t=$(date -u -d "$4 $5:00:00" +%s)
	echo "INSERT INTO runs (uuid, scenario, variant_key, variant_json, repetition, started_at_us, finished_at_us, status, host_id, kernel_id)
	      VALUES ('$1', 'smoke', 'cc=cubic', '{\"cc\":\"cubic\"}', 1, ${t}000000, $((t + 4))000000, '$6',
	              (SELECT id FROM hosts WHERE hostname = '$3'), $2);"
	[ -z "${7:-}" ] || echo "INSERT INTO tags (run_id, key, value) VALUES (last_insert_rowid(), '${7%%=*}', '${7#*=}');"
}
{
	echo "BEGIN;"
	echo "INSERT INTO hosts (hostname, cpu_model, cores, governor) VALUES ('h1', 'cpu', 2, ''), ('h2', 'cpu', 4, '');"
	echo "INSERT INTO kernels (id, release, version, config_hash, debug, boot_mode) VALUES
		(1, '6.18.0', '#1 SMP PREEMPT_DYNAMIC', 'c0ffee0123456789', '', 'bare-metal'),
		(2, '6.1.0-28-amd64', '#1 SMP Debian 6.1.119-1', '', '', 'qemu-tcg'),
		(3, '6.1.0-28-amd64', '#1 SMP Debian 6.1.119-1', '', '', 'bare-metal'),
		(4, '6.1.0-28-amd64-rt', '#1 SMP PREEMPT_RT Debian', '', 'lockdep', 'qemu-kvm');"
	run a1 1 h1 2026-01-01 10 ok
	run a2 1 h1 2026-01-02 10 ok
	run a3 1 h1 2026-01-03 09 ok
	run a4 1 h1 2026-01-03 10 invalid
	run b1 2 h1 2026-02-01 10 ok
	run b2 2 h2 2026-02-01 11 ok
	run c1 3 h2 2026-02-05 10 failed
	run d1 4 h2 2026-02-06 10 ok lab=b
	echo "COMMIT;"
} | sqlite3 -batch "$db" || mpl_die "cannot write the synthetic runs"

mpl_expect_rc 0 "kernels (table)" "$MPL_BIN" kernels --db "$db"
sed 's/^/#   /' "$MPL_TMP/out"
mpl_eq "table: a header and 4 kernel rows" 4 "$(grep -cE '^6\.' "$MPL_TMP/out")"
grep -qE '^RELEASE +BOOT MODE +HOSTS +RUNS +OK +FIRST +LAST' "$MPL_TMP/out" && mpl_ok "table: the header names the columns" ||
	mpl_notok "table: header '$(head -n 1 "$MPL_TMP/out")'"
grep -qE '^6\.18\.0 +bare-metal +h1 +4 +3 +2026-01-01 +2026-01-03' "$MPL_TMP/out" &&
	mpl_ok "table: 6.18.0 bare-metal, h1, 4 runs, 3 ok, 2026-01-01..2026-01-03" ||
	mpl_notok "table: the 6.18.0 row is wrong"
grep -qE '^6\.1\.0-28-amd64 +qemu-tcg +h1, h2 +2 +2 +2026-02-01 +2026-02-01' "$MPL_TMP/out" &&
	mpl_ok "table: 6.1.0-28-amd64 under qemu-tcg, hosts h1, h2" || mpl_notok "table: the qemu-tcg row is wrong"
grep -qE '^6\.1\.0-28-amd64 +bare-metal +h2 +1 +0 ' "$MPL_TMP/out" &&
	mpl_ok "table: 6.1.0-28-amd64 bare-metal is its own row, 1 run, 0 ok" ||
	mpl_notok "table: the bare-metal 6.1 row is wrong"

mpl_expect_rc 0 "kernels --json" "$MPL_BIN" kernels --db "$db" --json
cp "$MPL_TMP/out" "$MPL_TMP/all.json"
mpl_eq "json: 4 kernels" 4 "$(jq '.kernels | length' "$MPL_TMP/all.json")"
mpl_eq "json: 6.18.0 figures" '{"boot_mode":"bare-metal","config_hash":"c0ffee0123456789","debug":"","first_started_at":"2026-01-01T10:00:00Z","hosts":["h1"],"last_started_at":"2026-01-03T10:00:00Z","ok":3,"runs":4,"version":"#1 SMP PREEMPT_DYNAMIC"}' \
	"$(jq -cS '.kernels[] | select(.release == "6.18.0") | del(.release)' "$MPL_TMP/all.json")"
mpl_eq "json: unknown config_hash is null" null \
	"$(jq -r '.kernels[] | select(.boot_mode == "qemu-tcg") | .config_hash' "$MPL_TMP/all.json")"
mpl_eq "json: the -rt kernel's debug markers" lockdep \
	"$(jq -r '.kernels[] | select(.release == "6.1.0-28-amd64-rt") | .debug' "$MPL_TMP/all.json")"
mpl_eq "json: total runs = runs stored" 8 "$(jq '[.kernels[].runs] | add' "$MPL_TMP/all.json")"

mpl_expect_rc 0 "kernel:6.1.0-28-amd64 (exact)" "$MPL_BIN" kernels --db "$db" --json kernel:6.1.0-28-amd64
mpl_eq "kernel: exact release: qemu-tcg and bare-metal, not -rt" "bare-metal qemu-tcg" \
	"$(jq -r '[.kernels[] | select(.release == "6.1.0-28-amd64") | .boot_mode] | join(" ")' "$MPL_TMP/out")"
mpl_eq "kernel: exact release: nothing else" 2 "$(jq '.kernels | length' "$MPL_TMP/out")"
mpl_expect_rc 0 "kernel:6.1.0 (a prefix matches nothing)" "$MPL_BIN" kernels --db "$db" kernel:6.1.0
grep -q '^no run matches these selectors' "$MPL_TMP/out" && mpl_ok "kernel: a prefix: says no run matches" ||
	mpl_notok "kernel: a prefix: says '$(cat "$MPL_TMP/out")'"
mpl_expect_rc 0 "host:h2" "$MPL_BIN" kernels --db "$db" --json host:h2
mpl_eq "host:h2: three kernels, one run each" "1 1 1" "$(jq -r '[.kernels[].runs] | map(tostring) | join(" ")' "$MPL_TMP/out")"
mpl_eq "host:h2: the qemu-tcg kernel counts only h2's run" '["h2"]' \
	"$(jq -c '.kernels[] | select(.boot_mode == "qemu-tcg") | .hosts' "$MPL_TMP/out")"
mpl_expect_rc 0 "tag:lab=b" "$MPL_BIN" kernels --db "$db" --json tag:lab=b
mpl_eq "tag:lab=b: the -rt kernel only" 6.1.0-28-amd64-rt "$(jq -r '.kernels[].release' "$MPL_TMP/out")"
mpl_expect_rc 0 "since:2026-02-02,status:ok" "$MPL_BIN" kernels --db "$db" --json since:2026-02-02,status:ok
mpl_eq "since:2026-02-02,status:ok: the -rt kernel only" 6.1.0-28-amd64-rt "$(jq -r '.kernels[].release' "$MPL_TMP/out")"
mpl_expect_rc 0 "runs kernel:6.18.0 agrees (4 runs)" "$MPL_BIN" runs --db "$db" kernel:6.18.0
mpl_eq "runs kernel:6.18.0: 4 rows" 4 "$(grep -cE '^a[0-9] ' "$MPL_TMP/out")"

mpl_expect_rc 64 "a malformed selector" "$MPL_BIN" kernels --db "$db" kernel
mpl_expect_rc 64 "an unknown selector" "$MPL_BIN" kernels --db "$db" release:6.18.0
mpl_expect_rc 64 "an unknown option" "$MPL_BIN" kernels --db "$db" --format csv

mpl_finish
