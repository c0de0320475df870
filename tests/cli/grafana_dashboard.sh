#!/bin/bash
# grafana_dashboard: the Grafana dashboard of contrib/grafana, every query
# of it run against a real VictoriaMetrics on loopback (Debian package
# victoria-metrics, started here with a temporary storage directory; no
# Grafana here, so the test does what Grafana would send). Checks:
#  - the files: the dashboard is JSON whose panels all use the datasource
#    variable, ids and refIds unique, panels inside the 24-column grid and
#    not overlapping, every $variable defined, every selector filtering by
#    host, kernel, scenario and variant, the annotation's target the same
#    query as its legacy expr; the provisioning YAML names the dashboard's
#    datasource uid and a dashboards folder;
#  - synthetic runs (24 nights, two hosts, three series, a kernel change
#    each, runs that are not ok; written with sqlite3) pushed by
#    `mptcp-lab push`; the nightly verdict step (tests/tools/
#    mpl_queue_verdicts: report_compare, report_trend and the
#    verdict_points_queue() nightly calls) queues the verdicts, and the
#    next push delivers them;
#  - the queries, extracted from the dashboard by jq, run in four
#    selections (all; one host and kernel; one scenario and variant over
#    30 h; an ad hoc axis filter), each answer compared value by value with
#    the database's runs and with `compare --format json` / `trend --format
#    json` (tests/cli/grafana_dashboard.py), the variables' label_values()
#    too.
# Skips (77) when victoria-metrics, sqlite3, curl, jq or python3 are missing.
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../lib.sh
. "$HERE/../lib.sh"
mpl_setup sqlite3 curl jq python3
VM=$(command -v victoria-metrics) ||
	mpl_skip "needs victoria-metrics (Debian package victoria-metrics)"
QUEUE=$MPL_BUILD_DIR/tests/tools/mpl_queue_verdicts
[ -x "$QUEUE" ] || mpl_die "$QUEUE is not built"
GRAFANA=$MPL_SOURCE_DIR/contrib/grafana
DASH=$GRAFANA/mptcp-lab-fleet.json
tmp=$MPL_TMP

# shellcheck source=lib.sh
. "$HERE/lib.sh"

# ---- 1. the files ---------------------------------------------------------------
jqcheck() # DESCRIPTION FILTER: the filter must print true
{
	if jq -e "$2" "$DASH" >"$tmp/jq.out" 2>&1; then mpl_ok "$1"; else
		mpl_notok "$1"
		sed 's/^/#   /' "$tmp/jq.out" | head -n 20
	fi
}
jqcheck "the dashboard is JSON with its uid and a schema version" \
	'.uid == "mptcp-lab-fleet" and .schemaVersion >= 36 and (.panels | length) > 0'
jqcheck "every panel, target, variable and annotation asks the datasource variable" '
	[.panels[] | select(.type != "row") | .datasource.uid, .targets[].datasource.uid] +
	[.templating.list[] | select(.type != "datasource") | .datasource.uid] +
	[.annotations.list[] | select(.builtIn != 1) | .datasource.uid] | all(. == "${datasource}")'
jqcheck "panel ids are unique, and refIds within a panel" '
	([.panels[].id] | length == (unique | length)) and
	all(.panels[] | select(.targets); [.targets[].refId] | length == (unique | length))'
jqcheck "every panel fits the 24-column grid and none overlaps another" '
	[.panels[].gridPos] as $g |
	all($g[]; .x >= 0 and .w > 0 and .x + .w <= 24 and .h > 0) and
	all(range(0; $g | length) as $i | range($i + 1; $g | length) as $j | [$g[$i], $g[$j]];
	    .[0].x + .[0].w <= .[1].x or .[1].x + .[1].w <= .[0].x or
	    .[0].y + .[0].h <= .[1].y or .[1].y + .[1].h <= .[0].y)'
jqcheck "every \$variable a query uses is defined (or Grafana's own)" '
	[.templating.list[].name] as $defined |
	[.. | strings | scan("\\$(\\w+)") | .[0] | select(startswith("__") | not)] | unique |
	all(. as $v | $defined | index($v))'
jqcheck "every selector filters by host, kernel, scenario and variant" '
	[.panels[].targets[]?.expr, (.annotations.list[] | select(.expr) | .expr)] |
	all(. as $e | [$e | scan("\\{[^}]*\\}")] | length > 0 and
	    all(.[]; test("host=~\"\\$host\"") and test("kernel=~\"\\$kernel\"") and
	             test("scenario=~\"\\$scenario\"") and test("variant=~\"\\$variant\"")))'
jqcheck "an annotation's target is its legacy expr, step and formats" '
	all(.annotations.list[] | select(.builtIn != 1);
	    .target.expr == .expr and .target.step == .step and .target.titleFormat == .titleFormat and
	    .target.useValueForTime == .useValueForTime)'
jqcheck "a variable's definition is its query" '
	all(.templating.list[] | select(.type == "query"); .definition == .query.query)'
if python3 -c 'import yaml' 2>/dev/null; then
	mpl_check "the provisioning YAML: the dashboard's datasource uid, a dashboards folder" python3 - \
		"$GRAFANA/datasource.yaml" "$GRAFANA/dashboards.yaml" "$DASH" <<'EOF'
import json, sys, yaml
ds = yaml.safe_load(open(sys.argv[1]))
dash = yaml.safe_load(open(sys.argv[2]))
board = json.load(open(sys.argv[3]))
want = [v for v in board["templating"]["list"] if v["name"] == "datasource"][0]["current"]["value"]
src = [d for d in ds["datasources"] if d.get("uid") == want]
prov = dash["providers"][0]
ok = (ds["apiVersion"] == 1 and len(src) == 1 and src[0]["type"] == "prometheus" and
      src[0]["url"].startswith("http") and dash["apiVersion"] == 1 and prov["type"] == "file" and
      prov["options"]["path"].startswith("/"))
print("#   datasource %s at %s; dashboards from %s" % (want, src[0]["url"] if src else None,
                                                     prov["options"]["path"]))
sys.exit(0 if ok else 1)
EOF
else
	mpl_skip_part "the provisioning YAML: python3-yaml is missing (scripts/deps.sh installs it)"
fi

# ---- 2. the data: runs, then the nightly verdicts -------------------------------
db=$tmp/lab.db
"$MPL_BIN" runs --db "$db" >/dev/null || mpl_die "cannot create the database"
python3 "$HERE/grafana_dashboard.py" gen "$db" "$(date +%s)" >"$tmp/facts.json" ||
	mpl_die "cannot write the synthetic runs"
n_runs=$(sqlite3 -batch "$db" "SELECT count(*) FROM runs")

vm_start
vm=http://127.0.0.1:$port
mpl_expect_rc 0 "push the $n_runs runs" "$MPL_BIN" push --db "$db" --url "$vm/write"
mpl_check "all of them" grep -q "pushed $n_runs runs" "$tmp/out"

echo '{}' >"$tmp/verdicts.json"
for host in $(jq -r '.tonight | keys[]' "$tmp/facts.json"); do
	tag=$(jq -r --arg h "$host" '.tonight[$h].tag' "$tmp/facts.json")
	until_us=$(jq -r --arg h "$host" '.tonight[$h].until_us' "$tmp/facts.json")
	at_us=$(jq -r --arg h "$host" '.tonight[$h].at_us' "$tmp/facts.json")
	until=$(date -u -d "@$((until_us / 1000000))" +%Y-%m-%dT%H:%M:%S)
	mpl_expect_rc 0 "$host: the nightly verdict step queues tonight's verdicts" \
		"$QUEUE" "$db" "$host" "$tag" "$until_us" "$at_us"
	queued=$(cat "$tmp/out")
	"$MPL_BIN" compare --db "$db" --baseline "host:$host,until:$until" --candidate "tag:$tag" \
		--format json --output "$tmp/compare-$host.json" >/dev/null 2>&1
	"$MPL_BIN" trend --db "$db" --no-store --format json --output "$tmp/trend-$host.json" \
		"host:$host" >/dev/null 2>&1
	mpl_check "$host: $queued points = the comparison's series + the trend's new regimes" [ "$queued" = \
		"$(jq -s '(.[0].series | length) + ([.[1].series[] | select(.new_regime)] | length)' \
			"$tmp/compare-$host.json" "$tmp/trend-$host.json")" ]
	jq --arg h "$host" --arg c "$tmp/compare-$host.json" --arg t "$tmp/trend-$host.json" \
		--slurpfile f "$tmp/facts.json" \
		'.[$h] = {compare: $c, trend: $t, kernel: $f[0].tonight[$h].kernel, at_us: $f[0].tonight[$h].at_us}' \
		"$tmp/verdicts.json" >"$tmp/v.json" && mv "$tmp/v.json" "$tmp/verdicts.json"
done
n_points=$(sqlite3 -batch "$db" "SELECT count(*) FROM push_points WHERE kind = 'verdict'")
mpl_expect_rc 0 "push again: the verdicts" "$MPL_BIN" push --db "$db" --url "$vm/write"
mpl_check "only the $n_points verdict points" grep -q "pushed 0 runs (0 lines) and $n_points verdict points" "$tmp/out"
sed 's/^/#   /' "$tmp/out"
curl -sf "$vm/internal/force_flush" >/dev/null
curl -sf "$vm/internal/resetRollupResultCache" >/dev/null

# ---- 3. every query, as Grafana would send it -----------------------------------
# kind: range or instant (panels), annotation (its step), variable
jq '[(.panels[] | select(.targets) | .title as $t | .targets[] |
      {where: "\($t)/\(.refId)", title: $t, ref: .refId, expr,
       kind: (if .instant then "instant" else "range" end)}),
     (.annotations.list[] | select(.expr) |
      {where: "annotation \(.name)", title: "annotation \(.name)", ref: "Anno", expr,
       kind: "annotation", step_s: (.step | capture("^(?<n>[0-9]+)(?<u>[smh])$") |
                                   (.n | tonumber) * ({s: 1, m: 60, h: 3600}[.u]))}),
     (.templating.list[] | select(.type == "query") |
      {where: "variable \(.name)", title: "variable \(.name)", ref: "var", expr: .query.query,
       kind: "variable"})]' "$DASH" >"$tmp/queries.json"
echo "# $(jq length "$tmp/queries.json") queries in the dashboard"
python3 "$HERE/grafana_dashboard.py" check "$vm" "$db" "$tmp/queries.json" "$tmp/facts.json" \
	"$tmp/verdicts.json" >"$tmp/check.out" 2>&1
rc=$?
cat "$tmp/check.out"
MPL_PASS=$((MPL_PASS + $(grep -c '^ok - ' "$tmp/check.out")))
MPL_FAIL=$((MPL_FAIL + $(grep -c '^not ok - ' "$tmp/check.out")))
[ "$rc" -eq 0 ] || [ "$(grep -c '^not ok - ' "$tmp/check.out")" -gt 0 ] ||
	mpl_notok "the checker failed without saying why (exit $rc)"
mpl_finish
