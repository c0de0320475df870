#!/bin/bash
# run_errors: bad scenario files and bad arguments are refused before
# anything runs: exit 65 with every error located (file:line:col or the JSON
# path), exit 64 for usage errors, and no namespace is created.
set -u
if [ "$(id -u)" != 0 ]; then
	echo "SKIP: needs root"
	exit 77
fi
command -v jq >/dev/null || { echo "SKIP: needs jq"; exit 77; }
: "${MPL_BIN:?}" "${MPL_SOURCE_DIR:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
notok() { fail=$((fail + 1)); echo "not ok - $*"; }
before=$(ip netns list | wc -l)

# expect CODE PATTERN FILE [ARGS...]: run, check exit code and stderr.
expect()
{
	local code=$1 pattern=$2 rc
	shift 2
	"$MPL_BIN" run --db "$tmp/db" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ "$rc" -eq "$code" ] && grep -Eq -- "$pattern" "$tmp/err"; then
		ok "exit $code, '$pattern'"
	else
		notok "expected exit $code and '$pattern', got $rc:"
		sed 's/^/#   /' "$tmp/err"
	fi
}

smoke="$MPL_SOURCE_DIR/scenarios/smoke.json"
# Scenario files refer to topologies by name, relative to ../topologies.
mkdir -p "$tmp/scenarios" && ln -s "$MPL_SOURCE_DIR/topologies" "$tmp/topologies"
mk() { jq "$2" "$smoke" >"$tmp/scenarios/$1.json"; }

printf '{"name": "x",\n  "topology": "two-path",,}\n' >"$tmp/scenarios/syntax.json"
expect 65 'syntax.json:2:[0-9]+' "$tmp/scenarios/syntax.json"
printf '{"name": "x", "name": "y", "topology": "two-path"}\n' >"$tmp/scenarios/dup.json"
expect 65 'dup.json:1:[0-9]+.*duplicate' "$tmp/scenarios/dup.json"
mk unknown '.colour = "blue"'
expect 65 'unknown.json: colour: unknown key' "$tmp/scenarios/unknown.json"
mk topo '.topology = "no-such-topology"'
expect 65 'topo.json: topology: .*no-such-topology' "$tmp/scenarios/topo.json"
mk rate '.paths = {"path1": {"rate": "fast"}}'
expect 65 "rate.json: paths.path1.rate: .*'fast'" "$tmp/scenarios/rate.json"
mk both '.traffic.bytes = "1MiB"'
expect 65 'both.json: traffic' "$tmp/scenarios/both.json"
mk many '.repetitions = 0 | .traffic.streams = 0 | .expect.min_efficiency = 3'
"$MPL_BIN" run --db "$tmp/db" "$tmp/scenarios/many.json" >/dev/null 2>"$tmp/err"
n=$(grep -c 'many.json: ' "$tmp/err")
if [ "$n" -ge 3 ]; then ok "three errors in one file, all reported ($n lines)"; else notok "expected 3 errors, got $n"; sed 's/^/#   /' "$tmp/err"; fi
expect 65 "traffic.duration" "$smoke" --set traffic.duration=soon
expect 64 'reps' --reps 0 "$smoke"
expect 64 'usage|needs a scenario'
expect 65 'cannot read|No such file' "$tmp/scenarios/missing.json"
[ ! -e "$tmp/db" ] && ok "no database was created for bad input" || notok "a database was created"
after=$(ip netns list | wc -l)
[ "$before" -eq "$after" ] && ok "no namespace created" || notok "namespaces changed: $before -> $after"
echo "# $pass passed, $fail failed"
[ "$fail" -eq 0 ]
