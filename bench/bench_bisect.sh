#!/usr/bin/env bash
# bench_bisect.sh [WORKDIR]: what a `git bisect run mptcp-lab bisect-run`
# costs on a synthetic history, in steps, runs and seconds.
#
# The history (a git repository in WORKDIR/history, made afresh): a good
# root with a two-path topology (80 + 10 Mbit/s) and a scenario (the native
# engine, DURATION + OMIT), then N commits that each append to notes.txt;
# commit BAD_AT also lowers path1's rate by 5 % (-4.4 % of the total). The
# baseline is 6 runs at the root, the bad endpoint 6 runs at the tip (as
# the README's bisection stores them: bisect-run --bad measures the size
# of the regression on them). Then `git bisect run` from the tip.
#
# Prints: commits N, the culprit found (and whether it is BAD_AT), steps
# taken vs ceil(log2 N) + 2, runs measured per step and in all, wall time of
# the baseline and of the bisection.
#
# Environment: N (commits after the root, default 16), BAD_AT (default 11),
# DURATION (2s), OMIT (1s), MPL_BIN (default build/mptcp-lab).
# Runtime: 12 + ~5 x log2(N) runs of DURATION + OMIT + ~0.1 s: about 115 s
# with the defaults. Needs root, git, jq, sqlite3.
set -u
N=${N:-16}
BAD_AT=${BAD_AT:-11}
DURATION=${DURATION:-2s}
OMIT=${OMIT:-1s}
here=$(cd "$(dirname "$0")" && pwd)
MPL_BIN=${MPL_BIN:-$here/../build/mptcp-lab}
WORK=$(mkdir -p "${1:-./bench-bisect}" && cd "${1:-./bench-bisect}" && pwd)
DB=$WORK/bisect.db
REPO=$WORK/history

die() { echo "bench_bisect: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "needs root"
for t in git jq sqlite3; do command -v "$t" >/dev/null || die "needs $t"; done
[ -x "$MPL_BIN" ] || die "MPL_BIN '$MPL_BIN' is not an executable"
[ "$BAD_AT" -ge 1 ] && [ "$BAD_AT" -le "$N" ] || die "BAD_AT must be 1..N"

rm -rf "$REPO" "$DB" "$DB-wal" "$DB-shm"
mkdir -p "$REPO" && cd "$REPO" || die "cannot create $REPO"
git init -q . && git config user.name bench && git config user.email bench@mptcp-lab.invalid
jq '.paths.path1.shaping.rate = "80mbit" | .paths.path2.shaping.rate = "10mbit"' \
	"$here/../topologies/two-path.json" >topo.json || die "cannot write topo.json"
jq -n --arg d "$DURATION" --arg o "$OMIT" '{name: "bench-bisect", topology: "topo.json",
	traffic: {engine: "native", direction: "upload", duration: $d, omit: $o},
	variants: {cc: ["cubic"]}, expect: {subflows: 2}}' >scenario.json
echo "bench history" >notes.txt
git add -A && git commit -q -m root || die "cannot commit"
root=$(git rev-parse HEAD)
for i in $(seq 1 "$N"); do
	echo "change $i" >>notes.txt
	[ "$i" -ne "$BAD_AT" ] || { jq '.paths.path1.shaping.rate = "76mbit"' topo.json >t && mv t topo.json; }
	git add -A && git commit -q -m "c$i" || die "cannot commit c$i"
	[ "$i" -ne "$BAD_AT" ] || culprit=$(git rev-parse HEAD)
done
tip=$(git rev-parse HEAD)

t0=$(date +%s.%N)
git checkout -q "$root"
"$MPL_BIN" run --db "$DB" --reps 6 --tag "commit=$root" scenario.json >"$WORK/baseline.log" 2>&1 ||
	[ $? -eq 1 ] || die "the baseline run failed (see $WORK/baseline.log)"
git checkout -q "$tip"
"$MPL_BIN" run --db "$DB" --reps 6 --tag "commit=$tip" scenario.json >"$WORK/bad.log" 2>&1 ||
	[ $? -eq 1 ] || die "the bad endpoint's run failed (see $WORK/bad.log)"
t1=$(date +%s.%N)
git bisect start "$tip" "$root" >/dev/null
git bisect run "$MPL_BIN" bisect-run --db "$DB" --baseline "tag:commit=$root" \
	--bad "tag:commit=$tip" scenario.json >"$WORK/bisect.log" 2>&1
rc=$?
t2=$(date +%s.%N)
found=$(git rev-parse --verify -q refs/bisect/bad || echo none)
git bisect reset >/dev/null 2>&1

bound=$(awk -v n="$N" 'BEGIN { l = log(n) / log(2); c = int(l); if (c < l) c++; print c + 2 }')
steps=$(sqlite3 "$DB" "SELECT count(DISTINCT value) FROM tags WHERE key = 'bisect'")
per_step=$(sqlite3 "$DB" "SELECT group_concat(n, ' ') FROM (SELECT count(*) n FROM tags WHERE key = 'bisect' GROUP BY value ORDER BY min(run_id))")
runs=$(sqlite3 "$DB" "SELECT count(*) FROM tags WHERE key = 'bisect'")
grep '^bisect-run: \(GOOD\|BAD\|SKIP\)' "$WORK/bisect.log"
echo "commits:        $N (the rate drops at c$BAD_AT)"
echo "git bisect run: exit $rc, culprit $([ "$found" = "$culprit" ] && echo "c$BAD_AT (right)" || echo "$found (WRONG, expected $culprit)")"
echo "steps:          $steps (bound ceil(log2 $N) + 2 = $bound)"
echo "runs per step:  $per_step"
echo "runs in all:    $runs, plus 6 for the baseline"
awk -v a="$t0" -v b="$t1" -v c="$t2" -v s="$steps" 'BEGIN {
	printf "wall time:      baseline %.1f s, bisection %.1f s (%.1f s a step)\n", b - a, c - b,
		s ? (c - b) / s : 0 }'
echo "logs:           $WORK/baseline.log, $WORK/bisect.log"
