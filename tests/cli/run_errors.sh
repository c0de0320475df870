#!/bin/bash
# run_errors: bad scenario files and bad arguments are refused before
# anything runs: exit 65 with every error located (file:line:col or the JSON
# path), exit 64 for usage errors, and no namespace is created.
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
mpl_require_root
mpl_setup jq
before=$(ip netns list | wc -l)

# expect CODE PATTERN FILE [ARGS...]: run, check exit code and stderr.
expect()
{
	local code=$1 pattern=$2 rc
	shift 2
	"$MPL_BIN" run --db "$MPL_TMP/db" "$@" >"$MPL_TMP/out" 2>"$MPL_TMP/err"
	rc=$?
	if [ "$rc" -eq "$code" ] && grep -Eq -- "$pattern" "$MPL_TMP/err"; then
		mpl_ok "exit $code, '$pattern'"
	else
		mpl_notok "expected exit $code and '$pattern', got $rc:"
		sed 's/^/#   /' "$MPL_TMP/err"
	fi
}

smoke="$MPL_SOURCE_DIR/scenarios/smoke.json"
# Scenario files refer to topologies by name, relative to ../topologies.
mkdir -p "$MPL_TMP/scenarios" && ln -s "$MPL_SOURCE_DIR/topologies" "$MPL_TMP/topologies"
mk() { jq "$2" "$smoke" >"$MPL_TMP/scenarios/$1.json"; }

printf '{"name": "x",\n  "topology": "two-path",,}\n' >"$MPL_TMP/scenarios/syntax.json"
expect 65 'syntax.json:2:[0-9]+' "$MPL_TMP/scenarios/syntax.json"
printf '{"name": "x", "name": "y", "topology": "two-path"}\n' >"$MPL_TMP/scenarios/dup.json"
expect 65 'dup.json:1:[0-9]+.*duplicate' "$MPL_TMP/scenarios/dup.json"
mk unknown '.colour = "blue"'
expect 65 'unknown.json: colour: unknown key' "$MPL_TMP/scenarios/unknown.json"
mk topo '.topology = "no-such-topology"'
expect 65 'topo.json: topology: .*no-such-topology' "$MPL_TMP/scenarios/topo.json"
mk rate '.paths = {"path1": {"rate": "fast"}}'
expect 65 "rate.json: paths.path1.rate: .*'fast'" "$MPL_TMP/scenarios/rate.json"
mk both '.traffic.bytes = "1MiB"'
expect 65 'both.json: traffic' "$MPL_TMP/scenarios/both.json"
mk many '.repetitions = 0 | .traffic.streams = 0 | .expect.min_efficiency = 3'
"$MPL_BIN" run --db "$MPL_TMP/db" "$MPL_TMP/scenarios/many.json" >/dev/null 2>"$MPL_TMP/err"
n=$(grep -c 'many.json: ' "$MPL_TMP/err")
if [ "$n" -ge 3 ]; then mpl_ok "three errors in one file, all reported ($n lines)"; else mpl_notok "expected 3 errors, got $n"; sed 's/^/#   /' "$MPL_TMP/err"; fi
expect 65 "traffic.duration" "$smoke" --set traffic.duration=soon
expect 64 'reps' --reps 0 "$smoke"
expect 64 'usage|needs a scenario'
expect 65 'cannot read|No such file' "$MPL_TMP/scenarios/missing.json"
[ ! -e "$MPL_TMP/db" ] && mpl_ok "no database was created for bad input" || mpl_notok "a database was created"
after=$(ip netns list | wc -l)
[ "$before" -eq "$after" ] && mpl_ok "no namespace created" || mpl_notok "namespaces changed: $before -> $after"
mpl_finish
