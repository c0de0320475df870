#!/bin/bash
# report_browser: every page of a two-night report and of a comparison
# report rendered in a real browser (Debian's chromium, headless, through
# the DevTools protocol: tests/cli/chromium_pages.py). A page fails on a
# console error, an uncaught exception, a resource that did not load, or an
# image that is not one. A full-page screenshot of each page is kept in
# $MPL_BUILD_DIR/Testing/Temporary/report_browser/ (beside CTest's own
# logs), and each must differ from a blank page. The night index with the
# charts it shows stays under 1 MB. The runs are synthetic
# (tests/fixtures/report_db.sh), with a hostile scenario name and variant.
# Without chromium the test skips, saying so (a failure with MPL_STRICT=1).
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
mpl_setup sqlite3 gnuplot python3
# shellcheck source=../fixtures/report_db.sh
. "$MPL_SOURCE_DIR/tests/fixtures/report_db.sh"
chromium=$(command -v chromium || command -v chromium-browser || true)
[ -n "$chromium" ] || mpl_skip "chromium is not installed (Debian package 'chromium'): the pages are not checked in a browser"
marker=/tmp/mpl-x-browser-$$
rm_markers() { rm -f "$marker" "$marker-y" "$marker-z"; }
mpl_on_exit rm_markers

shots=$MPL_BUILD_DIR/Testing/Temporary/report_browser
rm -rf "$shots"
mkdir -p "$shots" || mpl_die "cannot create '$shots'"
mpl_log "screenshots: $shots"

rdb_history "$MPL_TMP/night.db" 2 "$marker" || mpl_die "cannot write the nights"
rdb_comparison "$MPL_TMP/cmp.db" "$marker" || mpl_die "cannot write the comparison's runs"
mpl_expect_rc 0 "the report of the second night" "$MPL_BIN" report --db "$MPL_TMP/night.db" --out "$MPL_TMP/night"
mpl_expect_rc 1 "the comparison report (a regression)" \
	"$MPL_BIN" compare --db "$MPL_TMP/cmp.db" --baseline tag:side=base --candidate tag:side=cand --report "$MPL_TMP/compare"

# the index as a browser fetches it: the page and every image it shows
size=$(stat -c %s "$MPL_TMP/night/index.html")
for src in $(grep -o 'src="[^"]*"' "$MPL_TMP/night/index.html" | sed 's/^src="//; s/"$//'); do
	size=$((size + $(stat -c %s "$MPL_TMP/night/$src")))
done
[ "$size" -lt 1048576 ] && mpl_ok "the index with its charts is under 1 MB ($size bytes)" ||
	mpl_notok "the index with its charts is $size bytes, over 1 MB"

printf '<!DOCTYPE html><html><head><meta charset="utf-8"><title>blank</title></head><body></body></html>\n' >"$MPL_TMP/blank.html"
pages=("$MPL_TMP/blank.html" "$MPL_TMP"/night/*.html "$MPL_TMP"/compare/*.html)
python3 "$MPL_SOURCE_DIR/tests/cli/chromium_pages.py" --chromium "$chromium" --profile "$MPL_TMP/profile" \
	--shots "$shots" "${pages[@]}" >"$MPL_TMP/browser" 2>&1
rc=$?
sed 's/^/# /' "$MPL_TMP/browser"
[ "$rc" -le 1 ] || mpl_die "chromium could not be driven (exit $rc): $(tail -3 "$MPL_TMP/profile.log" 2>/dev/null)"
n_pages=$((${#pages[@]} - 1))
n_ok=$(grep -c '^ok ' "$MPL_TMP/browser")
# the blank page and 1 index + 2 scenario pages of each report
mpl_eq "pages that rendered clean (images loaded, no console error)" "$((n_pages + 1))" "$n_ok"
[ "$n_pages" -eq 6 ] && mpl_ok "6 pages checked" || mpl_notok "expected 6 pages, found $n_pages"
blank=$(stat -c %s "$shots"/*-blank.png 2>/dev/null || echo 0)
for shot in "$shots"/night-*.png "$shots"/compare-*.png; do
	s=$(stat -c %s "$shot" 2>/dev/null || echo 0)
	[ "$s" -gt $((blank * 4)) ] && mpl_ok "$(basename "$shot"): not blank ($s bytes, blank $blank)" ||
		mpl_notok "$(basename "$shot") looks blank ($s bytes, blank $blank)"
done
grep -q 'night-index: [1-9][0-9]* images loaded' "$MPL_TMP/browser" && mpl_ok "the night index shows its sparklines" ||
	mpl_notok "no image on the night index"
made=$(ls -d "$marker"* 2>/dev/null)
[ -z "$made" ] && mpl_ok "no marker file created" || mpl_notok "a label ran a command: $made"

mpl_finish
