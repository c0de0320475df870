#!/bin/bash
# compare_report: `mptcp-lab compare --report DIR` on synthetic runs of two
# sides (tests/fixtures/report_db.sh: 8 runs a side of 2 scenarios x 2
# variants, one hostile scenario name and variant; plain cc=cubic's
# candidate 10 % slower with 4x the client's OFOQueue, join HMAC failures
# and SubflowStale). Checks: the verdict still decides the exit code (1),
# the pages and charts exist, every link resolves, every SVG parses, the
# median run of each side is drawn per subflow on shared axes, the MIB
# table shows the counters maintainers read first and the ones whose
# deltas differ (and not the ones that do not), nothing hostile ran or
# became markup, and the options are checked.
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
mpl_setup sqlite3 gnuplot
# shellcheck source=../fixtures/report_db.sh
. "$MPL_SOURCE_DIR/tests/fixtures/report_db.sh"
marker=/tmp/mpl-x-cmp-$$
rm_markers() { rm -f "$marker" "$marker-y" "$marker-z"; }
mpl_on_exit rm_markers

db=$MPL_TMP/lab.db
out=$MPL_TMP/cmp
rdb_comparison "$db" "$marker" || mpl_die "cannot write the synthetic runs"

mpl_expect_rc 1 "a regression: compare --report exits 1 as compare does" \
	"$MPL_BIN" compare --db "$db" --baseline tag:side=base --candidate tag:side=cand --report "$out"
grep -q "report: $out/index.html (8 series, 2 scenarios)" "$MPL_TMP/out" && mpl_ok "it says where the report is" ||
	mpl_notok "no 'report:' line"
grep -q 'REGRESSION' "$MPL_TMP/out" && mpl_ok "the text table is still printed" || mpl_notok "no text table"
[ -s "$out/index.html" ] && mpl_ok "index.html" || mpl_notok "no index.html"
n_pages=$(find "$out" -maxdepth 1 -name 'compare-*.html' -size +0 | wc -l)
mpl_eq "a page per scenario" 2 "$n_pages"
# per scenario and metric a CDF and a strip (8), per scenario and variant
# the median run of both sides: plain 3 charts each (throughput, cwnd,
# RTT: 12), the iperf3-only scenario its total throughput (4)
mpl_eq "SVG charts" 24 "$(find "$out/charts" -name '*.svg' | wc -l)"
mpl_eq "no PNG without --png" 0 "$(find "$out/charts" -name '*.png' | wc -l)"

plain=$(ls "$out"/compare-plain-*.html)
grep -c 'class="side"' "$plain" | grep -qx 4 && mpl_ok "plain: both sides' median runs, side by side, for both variants" ||
	mpl_notok "plain: not 4 side columns"
for side in base cand; do
	[ -s "$(ls "$out"/charts/run-thr-plain-*-cc-cubic-*-$side.svg)" ] || mpl_notok "no throughput chart of the $side side"
done
# shared axes: both sides' throughput charts end their y axis at the same tic
ytop() { grep -o '>[ ]*[0-9.]*</text>' "$1" | sed 's/[^0-9.]//g' | sort -n | tail -1; }
b=$(ytop "$(ls "$out"/charts/run-thr-plain-*-cc-cubic-*-base.svg)")
c=$(ytop "$(ls "$out"/charts/run-thr-plain-*-cc-cubic-*-cand.svg)")
[ -n "$b" ] && [ "$b" = "$c" ] && mpl_ok "the two sides share the throughput axis (top tic $b)" ||
	mpl_notok "the sides' axes differ: $b vs $c"
grep -q 'need the lab.s own' "$out"/compare-evil-*.html && mpl_ok "iperf3-only runs: the page says per-subflow data needs the native engine" ||
	mpl_notok "no native-engine note on the iperf3-only page"

# the MIB counters: in plain cc=cubic, OFOQueue, join failures, the HMAC
# counter and SubflowStale differ; DuplicateData and MPTCPRetrans are shown
# (watched) and do not; MPCapableSYNRX and MPJoinAckRx neither differ nor
# are shown
section=$(awk '/cc=cubic: the median run/,/cc=bbr: the median run/' "$plain")
for c in OFOQueue 'join failures' MPJoinSynAckHMacFailure SubflowStale; do
	grep -q "<code>$c</code>.*differs" <<<"$section" && mpl_ok "MIB: $c differs" || mpl_notok "MIB: $c not marked as differing"
done
for c in DuplicateData MPTCPRetrans; do
	{ grep -q "<code>$c</code>" <<<"$section" && ! grep -q "<code>$c</code>.*differs" <<<"$section"; } &&
		mpl_ok "MIB: $c shown, alike" || mpl_notok "MIB: $c missing or marked"
done
for c in MPCapableSYNRX MPJoinAckRx; do
	grep -q "<code>$c</code>" <<<"$section" && mpl_notok "MIB: $c shown though alike and not watched" ||
		mpl_ok "MIB: $c (alike, not watched) left out"
done
grep -q 'differs' <<<"$(awk '/cc=bbr: the median run/,0' "$plain")" && mpl_notok "MIB: a counter of cc=bbr differs" ||
	mpl_ok "MIB: nothing differs where nothing changed"
grep -q '<td>client <code>OFOQueue</code>, ' "$out/index.html" && mpl_ok "the index names the counters that differ" ||
	mpl_notok "the index does not name the counters that differ"
grep -q 'class="sure"' "$out/index.html" && mpl_ok "the index says how sure the lab is" || mpl_notok "no how-sure line"

# links, SVGs, hostile text
rdb_check_links "$out" 30
rdb_check_xml "$out"
made=$(ls -d "$marker"* 2>/dev/null)
[ -z "$made" ] && mpl_ok "no marker file created" || mpl_notok "a label ran a command: $made"
grep -qi '<script' "$out"/*.html && mpl_notok "a <script element reached the pages" || mpl_ok "no <script in the pages"
grep -q '<b>bold' "$out"/*.html && mpl_notok "a <b> from a variant became markup" || mpl_ok "no injected element"

# options
mpl_expect_rc 64 "--png without --report is a usage error" \
	"$MPL_BIN" compare --db "$db" --baseline tag:side=base --candidate tag:side=cand --png
mpl_expect_rc 0 "no regression: exit 0, pages written with --png" \
	"$MPL_BIN" compare --db "$db" --baseline tag:side=base,scenario:plain,variant:cc=bbr \
	--candidate tag:side=cand,scenario:plain,variant:cc=bbr --report "$MPL_TMP/png" --png
[ "$(find "$MPL_TMP/png/charts" -name '*.svg' | wc -l)" -gt 0 ] &&
	[ "$(find "$MPL_TMP/png/charts" -name '*.svg' | wc -l)" -eq "$(find "$MPL_TMP/png/charts" -name '*.png' | wc -l)" ] &&
	mpl_ok "--png: a PNG beside every SVG" || mpl_notok "--png: SVG and PNG counts differ"
mkdir -p "$MPL_TMP/ro" && touch "$MPL_TMP/ro/charts" # a file where the charts directory goes
mpl_expect_rc 70 "pages that cannot be written: 70, not a verdict" \
	"$MPL_BIN" compare --db "$db" --baseline tag:side=base --candidate tag:side=cand --report "$MPL_TMP/ro"

mpl_finish
