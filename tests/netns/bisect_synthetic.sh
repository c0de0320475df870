#!/bin/bash
# bisect_synthetic: `git bisect run mptcp-lab bisect-run ...` names the one
# commit of a synthetic history that made the scenario slower, within
# ceil(log2 N) + 2 steps.
#
# The history (a git repository in the temp dir), N = 8 commits after the
# good root:
#   root      topo.json (two paths: 80 + 10 Mbit/s), scenario.json (the
#             native engine, 2 s + 1 s warm-up), notes.txt
#   c1..c8    each appends a line to notes.txt; c5 also lowers path1's
#             shaped rate by 5 % (80 -> 76 Mbit/s), so the total goodput
#             drops by 4/90 = 4.4 % (the runs of this set-up vary by well
#             under 1 %, measured here)
# The good baseline is 6 runs at the root, tagged commit=<root>; the bad
# endpoint 6 runs at the tip, tagged commit=<tip>, as the README's
# bisection does: bisect-run --bad measures the regression's size on them
# and asks of each commit whether it is like the good build or like the
# bad one (the midpoint, half the regression).
# Expected: refs/bisect/bad = c5 (computed from the history, not from a
# run), at most ceil(log2 8) + 2 = 5 bisect-run invocations (each stores
# its runs under its own bisect=<id> tag), every run tagged with the
# commit it measured, and no lab namespace left.
# About 6 + 3 x 5 runs of ~3 s: ~75 s.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=run_lib.sh
. "$(dirname "$0")/run_lib.sh"
mpl_run_init git

N=8
BAD_AT=5
MAX_STEPS=$((3 + 2)) # ceil(log2 8) + 2
REPO="$MPL_TMP/history"
t0=$SECONDS

mkdir -p "$REPO" || mpl_die "cannot create $REPO"
cd "$REPO" || mpl_die "cannot enter $REPO"
git init -q . || mpl_die "git init failed"
git config user.name "mptcp-lab test"
git config user.email "test@mptcp-lab.invalid"
git config commit.gpgsign false

mpl_native_scenario "$REPO" bisect-synthetic
echo "history of a synthetic regression" >notes.txt
git add -A && git commit -q -m "root: 80 + 10 Mbit/s" || mpl_die "cannot commit the root"
ROOT=$(git rev-parse HEAD)
declare -a C
for i in $(seq 1 "$N"); do
	echo "change $i" >>notes.txt
	if [ "$i" -eq "$BAD_AT" ]; then
		jq '.paths.path1.shaping.rate = "76mbit"' topo.json >topo.json.new &&
			mv topo.json.new topo.json || mpl_die "cannot lower the rate"
		msg="c$i: path1 80 -> 76 Mbit/s (-5 %)"
	else
		msg="c$i: notes only"
	fi
	git add -A && git commit -q -m "$msg" || mpl_die "cannot commit c$i"
	C[$i]=$(git rev-parse HEAD)
done
mpl_log "history: root ${ROOT:0:7}, c1..c$N, the rate drops at c$BAD_AT ${C[$BAD_AT]:0:7}"

# The good baseline, measured on the root as a user would.
git checkout -q "$ROOT" || mpl_die "cannot check out the root"
"$MPL_BIN" run --db "$MPL_DB" --reps 6 --tag "commit=$ROOT" scenario.json >"$MPL_TMP/base.out" 2>&1
rc=$?
sed 's/^/#   [baseline] /' "$MPL_TMP/base.out"
[ "$rc" -le 1 ] || mpl_die "the baseline run exited $rc"
n_base=$(mpl_sql "SELECT count(*) FROM runs r JOIN tags t ON t.run_id = r.id WHERE t.key = 'commit' AND t.value = '$ROOT' AND r.status = 'ok'")
[ "$n_base" -ge 5 ] || mpl_die "the baseline has only $n_base ok runs"
git checkout -q "${C[$N]}" || mpl_die "cannot check out the tip"
TIP=${C[$N]}
"$MPL_BIN" run --db "$MPL_DB" --reps 6 --tag "commit=$TIP" scenario.json >"$MPL_TMP/bad.out" 2>&1
rc=$?
sed 's/^/#   [bad endpoint] /' "$MPL_TMP/bad.out"
[ "$rc" -le 1 ] || mpl_die "the bad endpoint's run exited $rc"
t_base=$((SECONDS - t0))

git bisect start "${C[$N]}" "$ROOT" >/dev/null || mpl_die "git bisect start failed"
git bisect run "$MPL_BIN" bisect-run --db "$MPL_DB" --baseline "tag:commit=$ROOT" \
	--bad "tag:commit=$TIP" scenario.json >"$MPL_TMP/bisect.out" 2>&1
rc=$?
grep -E '^(bisect-run:|running|Bisecting|[0-9a-f]{40} is the first bad commit)' "$MPL_TMP/bisect.out" |
	sed 's/^/#   /'
mpl_eq "git bisect run exits 0" 0 "$rc"
effect=$(sed -n 's/.*the bad endpoint: .*bisecting a \([0-9.]*\) % regression.*/\1/p' "$MPL_TMP/bisect.out" | head -1)
mpl_check "bisect-run measured the regression on the bad endpoint: ${effect:-none} % (4.4 % planned)" \
	awk -v e="${effect:-0}" 'BEGIN { exit !(e > 3 && e < 6) }'

[ "$rc" -eq 0 ] || sed 's/^/#   [full log] /' "$MPL_TMP/bisect.out"

found=$(git rev-parse --verify -q refs/bisect/bad)
mpl_eq "refs/bisect/bad is c$BAD_AT" "${C[$BAD_AT]}" "$found"
mpl_check "git names it the first bad commit" grep -q "^${C[$BAD_AT]} is the first bad commit" \
	"$MPL_TMP/bisect.out"

steps=$(mpl_sql "SELECT count(DISTINCT t.value) FROM tags t WHERE t.key = 'bisect'")
log_steps=$(git bisect log | grep -cE '^git bisect (good|bad|skip)')
mpl_eq "one bisect= tag per step git logged" "$log_steps" "$steps"
mpl_check "$steps steps <= ceil(log2 $N) + 2 = $MAX_STEPS" test "$steps" -le "$MAX_STEPS"
mpl_check "no step was skipped (a skip next to c$BAD_AT would blur the answer)" \
	test "$(git bisect log | grep -c '^git bisect skip')" -eq 0

# Every bisect run carries the commit it measured: one of c1..cN.
bad_tags=0
while read -r c; do
	case " ${C[*]} " in
	*" $c "*) ;;
	*) bad_tags=$((bad_tags + 1)); mpl_log "run tagged with an unknown commit '$c'" ;;
	esac
done < <(mpl_sql "SELECT DISTINCT c.value FROM tags c JOIN tags b ON b.run_id = c.run_id AND b.key = 'bisect' WHERE c.key = 'commit'")
mpl_eq "every bisect run is tagged with a commit of the history" 0 "$bad_tags"
runs=$(mpl_sql "SELECT count(*) FROM tags WHERE key = 'bisect'")
mpl_log "figures: commits $N, steps $steps (bound $MAX_STEPS), runs measured $runs" \
	"($(mpl_sql "SELECT group_concat(n, '+') FROM (SELECT count(*) n FROM tags WHERE key = 'bisect' GROUP BY value ORDER BY min(run_id))")" \
	"per step), baseline ${t_base} s, bisect $((SECONDS - t0 - t_base)) s"
git bisect reset >/dev/null 2>&1 || true
cd / || true

mpl_check "no run namespace left" mpl_no_run_netns
mpl_finish
