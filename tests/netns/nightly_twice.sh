#!/bin/bash
# nightly_twice: `mptcp-lab nightly` end to end on the smoke scenario (5
# runs of 2 s + 1 s warm-up a night), four "nights" on one database:
#   1  no history: exit 0, nothing to compare with;
#   2  the same configuration (A/A) against night 1: exit 0, no JUnit
#      failure - and a verdict was possible: goodput is the one member of
#      the family (efficiency is derived from it), 5 runs a side, so a
#      complete separation (Mann-Whitney p = 0.0079 < 0.01) with a CI
#      beyond the floor would be a regression;
#   3  both paths 3 % slower, against night 1 (--baseline): exit 1, one
#      NEW regression, recorded (regressions.md, `ack --list`) - the check
#      of night 2 can fail;
#   4  the same slower configuration again: the regression is known, still
#      open, and does not fail the job (exit 0);
# then `mptcp-lab ack ID --note` closes it: nothing open.
# All four "nights" fall on one UTC date; each is its own group (its
# nightly=<id> tag), which is what the comparison's unit is.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=run_lib.sh
. "$(dirname "$0")/run_lib.sh"
mpl_run_init xmllint

out="$MPL_TMP/out"
night() # N [ARGS...]
{
	local n=$1
	shift
	"$MPL_BIN" nightly --db "$MPL_DB" --out "$out" --suite "$MPL_SOURCE_DIR/scenarios/smoke.json" \
		--reps 5 --set traffic.duration=2s "$@" >"$MPL_TMP/night$n.log" 2>&1
}
night 1
rc=$?
sed 's/^/#   1: /' "$MPL_TMP/night1.log" | tail -n 12
mpl_eq "night 1 exits 0" 0 "$rc"
mpl_check "night 1 had nothing to compare with" grep -q 'nothing to compare with yet' "$MPL_TMP/night1.log"
first=$(mpl_sql "SELECT value FROM tags WHERE key = 'nightly' LIMIT 1")
rm -rf "$out"

night 2
rc=$?
sed 's/^/#   2: /' "$MPL_TMP/night2.log" | tail -n 24
mpl_eq "night 2 (A/A) exits 0" 0 "$rc"
mpl_eq "10 ok runs stored" 10 "$(mpl_sql "SELECT count(*) FROM runs WHERE status = 'ok'")"
# what a run that was not ok said, so a rare one can be told from a bug
mpl_sql "SELECT 'not ok: rep ' || repetition || ' ' || status || ': ' || coalesce(reason, '')
	FROM runs WHERE status != 'ok'" | sed 's/^/#   /'
for f in compare.md compare.junit.xml compare.ktap trend.md trend.junit.xml trend.ktap regressions.md; do
	mpl_check "$f written and not empty" test -s "$out/$f"
done
mpl_check "compare.junit.xml is well-formed XML" xmllint --noout "$out/compare.junit.xml"
mpl_eq "JUnit: no failure" 0 "$(grep -c '<failure' "$out/compare.junit.xml")"
mpl_check "JUnit: the smoke series are test cases" grep -q 'classname="smoke"' "$out/compare.junit.xml"
mpl_check "a verdict was possible: goodput has its 5 runs a side (no 'need 5')" \
	bash -c "! grep -q 'need 5' '$out/compare.ktap'"
mpl_check "KTAP header" grep -q '^KTAP version 1' "$out/compare.ktap"
mpl_check "the HTML report is written" test -s "$out/report/index.html"
mpl_check "and its Markdown summary" test -s "$out/report/report.md"
mpl_check "regressions.md: none new" grep -q '0 new regressions' "$out/regressions.md"

slow=(--set paths.path1.rate=48500kbit --set paths.path2.rate=29100kbit)
night 3 --baseline "tag:nightly=$first" "${slow[@]}"
rc=$?
sed 's/^/#   3: /' "$MPL_TMP/night3.log" | grep -E 'REGRESSION|NEW|regressions:|series:' | head -n 12
mpl_eq "night 3 (3 % slower) exits 1: the A/A check could fail" 1 "$rc"
mpl_check "night 3 reports one NEW regression" grep -q '^NEW .*smoke .*goodput_bps' "$MPL_TMP/night3.log"
mpl_check "regressions.md: one new" grep -q '1 new regression' "$out/regressions.md"
mpl_eq "it is recorded, open" 1 "$(mpl_sql "SELECT count(*) FROM regressions WHERE acked_at_us IS NULL")"
id=$(mpl_sql "SELECT id FROM regressions LIMIT 1")

night 4 --baseline "tag:nightly=$first" "${slow[@]}"
rc=$?
sed 's/^/#   4: /' "$MPL_TMP/night4.log" | grep -E 'REGRESSION|KNOWN|still open|regressions:' | head -n 12
mpl_eq "night 4 (still slower) exits 0: the regression is known" 0 "$rc"
mpl_check "night 4 lists it as still open" grep -q "^still open *#$id " "$MPL_TMP/night4.log"
mpl_check "the JUnit of night 4 skips it as known" grep -q "<skipped message=\"known regression #$id" \
	"$out/compare.junit.xml"
mpl_eq "still one regression recorded" 1 "$(mpl_sql "SELECT count(*) FROM regressions")"

mpl_check "ack $id with a note" "$MPL_BIN" ack --db "$MPL_DB" "$id" --note "the paths were slowed on purpose"
mpl_check "nothing open after the ack" bash -c "'$MPL_BIN' ack --db '$MPL_DB' --list | grep -q 'no open regression'"
mpl_check "no run namespace left" mpl_no_run_netns
mpl_finish
