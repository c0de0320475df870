#!/bin/bash
# report: `mptcp-lab report` on synthetic nightly history written with
# sqlite3 (as trend_cli.sh), with a hostile scenario name, variant value
# and tag. Checks: every page and chart exists and is non-empty, every
# href/src resolves to a file in DIR, every SVG parses as XML, no marker
# file was created by a label, no <script anywhere in the HTML, hostile
# text appears escaped; one chart failing alone, a gnuplot dying mid-batch,
# --png, the exit codes. The pages in a browser: report_browser.sh.
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
mpl_setup sqlite3 gnuplot
# shellcheck source=../fixtures/report_db.sh
. "$MPL_SOURCE_DIR/tests/fixtures/report_db.sh"
marker=/tmp/mpl-x-$$
rm_markers() { rm -f "$marker" "$marker-y" "$marker-z"; }
mpl_on_exit rm_markers
sqlq() { printf '%s' "$1" | sed "s/'/''/g"; }

db=$MPL_TMP/lab.db
out=$MPL_TMP/report
"$MPL_BIN" runs --db "$db" >/dev/null || mpl_die "cannot create the database"

nl='
'
evil_scen="evil \`touch $marker\` \$(touch $marker-y) <script>alert(1)</script> \"dq\" 'sq' &amp;${nl}line2"
evil_var="cc=<b>bold</b>\`touch $marker-z\`"
evil_tag="\$(touch $marker-y) <script>alert(2)</script>"

# gen SCENARIO VARIANT NIGHTS DROP_PCT: 5 runs a night, goodput around
# 75 Mbit/s, lowered by DROP_PCT on the last night; the last run of each
# night has 5 iperf3 intervals; the kernel changes at night 6.
gen()
{
	local scen var nights=$3 pct=$4
	scen=$(sqlq "$1")
	var=$(sqlq "$2")
	{
		echo "BEGIN;"
		echo "INSERT OR IGNORE INTO hosts (hostname, cpu_model, cores, governor) VALUES ('h', 'cpu', 2, '');"
		echo "INSERT OR IGNORE INTO kernels (release, version, config_hash, debug, boot_mode) VALUES ('6.18', 'v', '', '', 'bare-metal');"
		echo "INSERT OR IGNORE INTO kernels (release, version, config_hash, debug, boot_mode) VALUES ('6.19-rc1', 'v', '', '', 'bare-metal');"
		for n in $(seq 0 $((nights - 1))); do
			local krel=6.18
			[ "$n" -ge 6 ] && krel=6.19-rc1
			for r in 1 2 3 4 5; do
				local t=$((1767225600 + n * 86400 + r * 600)) v e
				v=$(awk -v n="$n" -v r="$r" -v last=$((nights - 1)) -v pct="$pct" \
					'BEGIN { v = 75e6 * (1 + 0.003 * sin(n * 7 + r * 3)); if (n == last) v *= 1 - pct / 100; printf "%.0f", v }')
				e=$(awk -v v="$v" 'BEGIN { printf "%.4f", v / 80e6 }')
				echo "INSERT INTO runs (uuid, scenario, variant_key, variant_json, repetition, started_at_us, finished_at_us, status, host_id, kernel_id)
				      VALUES ('$RANDOM-$n-$r-$RANDOM$RANDOM', '$scen', '$var', '{}', $r, ${t}000000, $((t + 4))000000, 'ok',
				              (SELECT id FROM hosts), (SELECT id FROM kernels WHERE release = '$krel'));"
				echo "INSERT INTO metrics (run_id, name, value) VALUES (last_insert_rowid(), 'goodput_bps', $v);"
				echo "INSERT INTO metrics (run_id, name, value) SELECT max(id), 'efficiency', $e FROM runs;"
				echo "INSERT INTO tags (run_id, key, value) SELECT max(id), 'note', '$(sqlq "$evil_tag")' FROM runs;"
				if [ "$r" -eq 5 ]; then
					for i in 0 1 2 3 4; do
						echo "INSERT INTO intervals (run_id, idx, start_us, end_us, bytes, bps, retransmits)
						      SELECT max(id), $i, $((i * 1000000)), $(((i + 1) * 1000000)), $((v / 8)), $v, 0 FROM runs;"
					done
				fi
			done
		done
		echo "COMMIT;"
	} | sqlite3 -batch "$db"
}
gen plain cc=cubic 12 10
gen plain cc=bbr 12 0
gen "$evil_scen" "$evil_var" 12 0
# a skipped run on the newest night
sqlite3 "$db" "INSERT INTO runs (uuid, scenario, variant_key, variant_json, repetition, started_at_us, finished_at_us, status, reason, host_id, kernel_id)
	VALUES ('skipped-1', 'plain', 'cc=cubic', '{}', 6, $(((1767225600 + 11 * 86400 + 4000) * 1000000)), $(((1767225600 + 11 * 86400 + 4001) * 1000000)),
	'skipped', 'no netem', (SELECT id FROM hosts), (SELECT max(id) FROM kernels))"

# per-subflow telemetry (as the native engine stores it) for plain's newest
# ok runs: 2 subflows x 10 samples, acked bytes, cwnd and RTT (present =
# BYTES_ACKED | CWND | SRTT | ADDRS), and two path-manager events
{
	echo "BEGIN;"
	for sfid in 1 2; do
		for i in $(seq 0 9); do
			echo "INSERT INTO samples (run_id, idx, t_us, role, subflow_id, local, remote, present, bytes_acked, cwnd, srtt_us)
			      SELECT id, $((sfid * 100 + i)), $((i * 500000)), 'client', $sfid, '10.0.$sfid.1:4000', '<img src=x>$sfid', 1050,
			             $((i * 500000 * sfid * 3)), $((10 + i * sfid)), $((20000 + sfid * 5000 + i * 100))
			      FROM runs WHERE scenario = 'plain' AND started_at_us =
			            (SELECT max(started_at_us) FROM runs WHERE scenario = 'plain' AND status = 'ok');"
		done
	done
	for e in "0 200000 sub_established" "1 3000000 sub_closed"; do
		set -- $e
		echo "INSERT INTO pm_events (run_id, idx, t_us, role, type, backup)
		      SELECT id, $1, $2, 'client', '$3', 0 FROM runs WHERE scenario = 'plain' AND started_at_us =
		            (SELECT max(started_at_us) FROM runs WHERE scenario = 'plain' AND status = 'ok');"
	done
	echo "COMMIT;"
} | sqlite3 -batch "$db" || mpl_notok "cannot write telemetry samples"

# another lab box's run (merged databases): not part of host h's history
sqlite3 "$db" "INSERT INTO hosts (hostname, cpu_model, cores, governor) VALUES ('h2', 'cpu', 2, '');
	INSERT INTO kernels (release, version, config_hash, debug, boot_mode) VALUES ('9.9-other', 'v', '', '', 'bare-metal');
	INSERT INTO runs (uuid, scenario, variant_key, variant_json, repetition, started_at_us, finished_at_us, status, host_id, kernel_id)
	VALUES ('h2-run', 'plain', 'cc=bbr', '{}', 1, $(((1767225600 + 3 * 86400 + 30) * 1000000)), $(((1767225600 + 3 * 86400 + 34) * 1000000)), 'ok',
		(SELECT id FROM hosts WHERE hostname = 'h2'), (SELECT id FROM kernels WHERE release = '9.9-other'));
	INSERT INTO metrics (run_id, name, value) VALUES (last_insert_rowid(), 'goodput_bps', 10e6);"

"$MPL_BIN" report --db "$db" --out "$out" --timing >"$MPL_TMP/stdout" 2>"$MPL_TMP/stderr"
rc=$?
if [ "$rc" -eq 0 ]; then mpl_ok "report exits 0"; else
	mpl_notok "report exits $rc"
	sed 's/^/#   /' "$MPL_TMP/stdout" "$MPL_TMP/stderr"
fi
grep -q 'warning' "$MPL_TMP/stderr" && { mpl_notok "report warned"; sed 's/^/#   /' "$MPL_TMP/stderr"; }

for f in index.html report.md; do
	[ -s "$out/$f" ] && mpl_ok "$f exists" || mpl_notok "$f missing or empty"
done
n_pages=$(find "$out" -maxdepth 1 -name 'scenario-*.html' -size +0 | wc -l)
[ "$n_pages" -eq 2 ] && mpl_ok "2 scenario pages" || mpl_notok "expected 2 scenario pages, found $n_pages"
bad=$(find "$out" -maxdepth 1 -name 'scenario-*' | sed 's|.*/||' | grep -v '^scenario-[a-z0-9_-]*\.html$')
[ -z "$bad" ] && mpl_ok "page names are [a-z0-9_-]" || mpl_notok "unsafe page names: $bad"
n_svg=$(find "$out/charts" -name '*.svg' | wc -l)
# 6 series sparklines + per scenario 2 trend + 2 CDF + 2 points, + plain's
# 3 per-subflow charts (throughput, cwnd, RTT) + the other's iperf3 total
[ "$n_svg" -eq 22 ] && mpl_ok "22 SVG charts" || mpl_notok "expected 22 SVG charts, found $n_svg"
[ -s "$out"/charts/run-thr-plain-*.svg ] && [ -s "$out"/charts/run-cwnd-plain-*.svg ] && [ -s "$out"/charts/run-rtt-plain-*.svg ] &&
	grep -q '2 subflows, 20 samples' "$out"/scenario-plain-*.html && mpl_ok "per-subflow charts from the telemetry" ||
	mpl_notok "no per-subflow charts for plain"
grep -q 'need the lab.s own' "$out"/scenario-evil-*.html && mpl_ok "iperf3-only run: the page says per-subflow data needs the native engine" ||
	mpl_notok "no native-engine note on the iperf3-only page"
empty=0
for svg in "$out"/charts/*.svg; do
	png=${svg%.svg}.png
	case $svg in
	*/spark-*) { [ -s "$svg" ] && [ -s "$png" ]; } || { empty=$((empty + 1)); echo "# empty or missing: $svg / $png"; } ;;
	*) { [ -s "$svg" ] && [ ! -e "$png" ]; } || { empty=$((empty + 1)); echo "# empty SVG or unasked PNG: $svg"; } ;;
	esac
done
[ "$empty" -eq 0 ] && mpl_ok "every chart has a non-empty SVG, the sparklines a PNG (report.md links them)" ||
	mpl_notok "$empty charts empty, missing or with an unasked PNG"
# one gnuplot for the charts the comparison needs (drawing while the trend
# is computed), one for the history charts
grep -q '22 charts by 3 gnuplot' "$MPL_TMP/stdout" && mpl_ok "22 charts drawn by three gnuplot processes" ||
	{ mpl_notok "not two gnuplot for the report"; grep timing "$MPL_TMP/stdout" | sed 's/^/#   /'; }

rdb_check_xml "$out"
rdb_check_links "$out" 20

made=$(ls -d "$marker"* 2>/dev/null)
[ -z "$made" ] && mpl_ok "no marker file created" || mpl_notok "a label ran a command: $made"
if grep -qi '<script' "$out"/*.html "$out"/report.md; then mpl_notok "a <script element reached the output"; else mpl_ok "no <script in the HTML or Markdown"; fi
grep -q '<b>bold' "$out"/*.html && mpl_notok "a <b> from a variant became markup" || mpl_ok "no injected element from the variant"
grep -q '&lt;script&gt;alert(1)&lt;/script&gt;' "$out/index.html" && mpl_ok "the hostile name is shown as text" ||
	mpl_notok "the hostile scenario name is not in index.html as escaped text"
grep -q '>regression<' "$out/index.html" && mpl_ok "the 10 % drop of plain cc=cubic is a regression" ||
	mpl_notok "no regression row in index.html"
grep -q '9.9-other' "$out"/scenario-plain-*.html && mpl_notok "another host's kernel is in plain's history" ||
	mpl_ok "plain's history is host h's only"
grep -q '6.19-rc1' "$out"/scenario-plain-*.html && mpl_ok "the kernel change is listed" || mpl_notok "no kernel change listed"
grep -q 'skipped 1' "$out/index.html" && mpl_ok "the skipped run is counted" || mpl_notok "the skipped run is not counted"
grep -q 'charts/spark-.*\.png' "$out/report.md" && mpl_ok "report.md links PNG sparklines" || mpl_notok "report.md has no PNG link"
for l in $(grep -o -E '\]\([^)]*\)' "$out/report.md" | sed -E 's/^\]\(//; s/\)$//'); do
	[ -s "$out/$l" ] || mpl_notok "report.md: $l does not resolve"
done

# ---- other invocations ----
"$MPL_BIN" report --db "$db" --out "$MPL_TMP/pinned" --baseline scenario:plain,until:2026-01-06 scenario:plain >"$MPL_TMP/o" 2>&1
rc=$?
{ [ "$rc" -eq 0 ] && grep -q 'selected by --baseline' "$MPL_TMP/pinned/index.html"; } && mpl_ok "a pinned --baseline (exit $rc)" ||
	{ mpl_notok "a pinned --baseline: exit $rc"; sed 's/^/#   /' "$MPL_TMP/o"; }
"$MPL_BIN" report --db "$db" >/dev/null 2>&1
rc=$?
[ "$rc" -eq 64 ] && mpl_ok "no --out is a usage error (64)" || mpl_notok "no --out: exit $rc, expected 64"
"$MPL_BIN" report --db "$MPL_TMP/none.db" --out "$MPL_TMP/x" >/dev/null 2>&1
rc=$?
{ [ "$rc" -eq 65 ] && [ ! -e "$MPL_TMP/none.db" ]; } && mpl_ok "a missing database is bad input (65), not created" ||
	mpl_notok "a missing database: exit $rc, expected 65"
"$MPL_BIN" report --db "$db" --out "$MPL_TMP/x" scenario:none >/dev/null 2>&1
rc=$?
[ "$rc" -eq 65 ] && mpl_ok "an empty selection is bad input (65)" || mpl_notok "an empty selection: exit $rc, expected 65"

# one chart that gnuplot cannot draw costs that chart only: its page says so
MPL_CHART_FAULT=7:error "$MPL_BIN" report --db "$db" --out "$MPL_TMP/onebad" --timing >"$MPL_TMP/o" 2>"$MPL_TMP/e"
rc=$?
n_bad=$(find "$MPL_TMP/onebad/charts" -name '*.svg' | wc -l)
n_note=$(grep -c 'chart not drawn: .*injected' "$MPL_TMP"/onebad/*.html | awk -F: '{ s += $2 } END { print s + 0 }')
n_small=$(grep -o 'title="cannot draw chart[^"]*injected[^"]*">no chart' "$MPL_TMP"/onebad/*.html | wc -l)
{ [ "$rc" -eq 0 ] && [ "$n_bad" -eq 21 ] && [ $((n_note + n_small)) -eq 1 ] && grep -q 'warning: .*injected' "$MPL_TMP/e" &&
	grep -q 'by 3 gnuplot' "$MPL_TMP/o"; } &&
	mpl_ok "a chart gnuplot fails on is missing alone, and its page says why (exit $rc, $n_bad charts)" ||
	{ mpl_notok "one failing chart: exit $rc, $n_bad SVGs, $n_note + $n_small notes"; sed 's/^/#   /' "$MPL_TMP/e" "$MPL_TMP/o"; }
MPL_CHART_FAULT=3:exit "$MPL_BIN" report --db "$db" --out "$MPL_TMP/crash" --timing >"$MPL_TMP/o" 2>"$MPL_TMP/e"
rc=$?
n_bad=$(find "$MPL_TMP/crash/charts" -name '*.svg' | wc -l)
{ [ "$rc" -eq 0 ] && [ "$n_bad" -eq 21 ] && grep -q 'by 4 gnuplot' "$MPL_TMP/o"; } &&
	mpl_ok "a gnuplot that dies on a chart: the others are drawn by another one ($n_bad charts)" ||
	{ mpl_notok "gnuplot dying: exit $rc, $n_bad SVGs"; sed 's/^/#   /' "$MPL_TMP/e" "$MPL_TMP/o"; }
"$MPL_BIN" report --db "$db" --out "$MPL_TMP/png" --png >/dev/null 2>&1
n_png=$(find "$MPL_TMP/png/charts" -name '*.png' -size +0 | wc -l)
[ "$n_png" -eq 22 ] && mpl_ok "--png: a PNG of every chart" || mpl_notok "--png: $n_png PNGs, expected 22"

env PATH=/nonexistent "$MPL_BIN" report --db "$db" --out "$MPL_TMP/nognuplot" >/dev/null 2>"$MPL_TMP/e"
rc=$?
{ [ "$rc" -eq 69 ] && [ -s "$MPL_TMP/nognuplot/index.html" ] && grep -q 'chart not drawn' "$MPL_TMP"/nognuplot/scenario-*.html; } &&
	mpl_ok "without gnuplot: pages with notes, exit 69" || { mpl_notok "without gnuplot: exit $rc"; sed 's/^/#   /' "$MPL_TMP/e" | head -3; }

mpl_finish
