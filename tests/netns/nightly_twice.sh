#!/bin/bash
# nightly_twice: `mptcp-lab nightly` end to end on the smoke scenario, two
# "nights" on one database: the first has no history (exit 0, nothing to
# compare); the second compares with the first and writes the summary,
# JUnit and KTAP files, and exits 0 (same configuration, no regression).
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=run_lib.sh
. "$(dirname "$0")/run_lib.sh"
mpl_run_init xmllint

out="$MPL_TMP/out"
night()
{
	"$MPL_BIN" nightly --db "$MPL_DB" --out "$out" --suite "$MPL_SOURCE_DIR/scenarios/smoke.json" \
		--reps 5 --set traffic.duration=2s >"$MPL_TMP/night$1.log" 2>&1
}
night 1
rc=$?
sed 's/^/#   1: /' "$MPL_TMP/night1.log" | tail -n 12
mpl_eq "night 1 exits 0" 0 "$rc"
mpl_check "night 1 had nothing to compare with" grep -q 'nothing to compare with yet' "$MPL_TMP/night1.log"
rm -rf "$out"

night 2
rc=$?
sed 's/^/#   2: /' "$MPL_TMP/night2.log" | tail -n 20
mpl_eq "night 2 exits 0" 0 "$rc"
mpl_eq "10 ok runs stored" 10 "$(mpl_sql "SELECT count(*) FROM runs WHERE status = 'ok'")"
# what a run that was not ok said, so a rare one can be told from a bug
mpl_sql "SELECT 'not ok: rep ' || repetition || ' ' || status || ': ' || coalesce(reason, '')
	FROM runs WHERE status != 'ok'" | sed 's/^/#   /'
for f in compare.md compare.junit.xml compare.ktap trend.md trend.junit.xml trend.ktap; do
	mpl_check "$f written and not empty" test -s "$out/$f"
done
mpl_check "compare.junit.xml is well-formed XML" xmllint --noout "$out/compare.junit.xml"
mpl_eq "JUnit: no failure" 0 "$(grep -c '<failure' "$out/compare.junit.xml")"
mpl_check "JUnit: the smoke series are test cases" grep -q 'classname="smoke"' "$out/compare.junit.xml"
mpl_check "KTAP header" grep -q '^KTAP version 1' "$out/compare.ktap"
mpl_check "the HTML report is written" test -s "$out/report/index.html"
mpl_check "and its Markdown summary" test -s "$out/report/report.md"
mpl_check "no run namespace left" mpl_no_run_netns
mpl_finish
