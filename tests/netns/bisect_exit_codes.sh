#!/bin/bash
# bisect_exit_codes: `mptcp-lab bisect-run` only ever exits 0 (good), 1 (bad)
# or 125 (skip), with the right one for each case, and stores nothing for a
# commit it could not measure.
#
# Scenario: two paths 80 + 10 Mbit/s (topo.json in the temp dir), the
# native engine, 2 s + 1 s warm-up. Baseline: 6 runs tagged side=base.
#   --build false                          125, nothing stored
#   --build no-such-program                125, nothing stored
#   --build "sleep 30" --build-timeout 2   125 within 15 s, nothing stored
#   --timeout 3, the transfer lasting 20 s 125 "timed out", no partial run,
#                                          no run namespace left (mpl-run-*:
#                                          other tests' labs may exist)
#   SIGTERM to bisect-run while it runs    125 "interrupted", nothing partial
#   SIGKILL to its measuring worker        125, the worker's lab removed by
#                                          bisect-run (and said), nothing partial
#   path1 at 60 % (48 Mbit/s), --effect 5  1, its runs tagged commit=<--commit>
#   the baseline's configuration, --effect 5  0 (like the good build: its
#                                          CI above -2.5 %, the midpoint)
#   a missing scenario file                125
#   an unknown option, no --baseline       125
#   a baseline with no runs                125, nothing measured
#   runs of another boot mode (qemu-tcg)   125, "not comparable"
# The expected verdicts come from the rates (-40 % of path 1 is -36 % of
# the total), not from a run.
# About 6 + 5 + 5 runs of ~3 s plus the timeouts: ~75 s.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=run_lib.sh
. "$(dirname "$0")/run_lib.sh"
mpl_run_init

cd "$MPL_TMP" || mpl_die "cannot enter $MPL_TMP"
mpl_native_scenario "$MPL_TMP" bisect-codes
SC="$MPL_TMP/scenario.json"
BR=("$MPL_BIN" bisect-run --db "$MPL_DB" --baseline tag:side=base)

nruns() { mpl_sql "SELECT count(*) FROM runs"; }

# expect_code DESCRIPTION CODE ARGS...: run bisect-run, check the exact code
# and the final line; the output stays in $MPL_TMP/last.out.
expect_code()
{
	local what=$1 want=$2 rc
	shift 2
	"$@" >"$MPL_TMP/last.out" 2>&1
	rc=$?
	grep -E 'bisect-run:|mptcp-lab:' "$MPL_TMP/last.out" | sed "s/^/#   [$what] /"
	mpl_eq "$what: exit code" "$want" "$rc"
	case $want in
	0) mpl_check "$what: says GOOD (exit 0)" grep -q '^bisect-run: GOOD (exit 0)' "$MPL_TMP/last.out" ;;
	1) mpl_check "$what: says BAD (exit 1)" grep -q '^bisect-run: BAD (exit 1)' "$MPL_TMP/last.out" ;;
	125) mpl_check "$what: says SKIP (exit 125)" grep -q '^bisect-run: SKIP (exit 125)' "$MPL_TMP/last.out" ;;
	esac
}

mpl_snapshot before

# Cheap refusals first: nothing measured, nothing stored.
expect_code "unknown option" 125 "${BR[@]}" --no-such-option "$SC"
expect_code "no --baseline" 125 "$MPL_BIN" bisect-run --db "$MPL_DB" "$SC"
expect_code "missing scenario file" 125 "${BR[@]}" "$MPL_TMP/no-such-scenario.json"
expect_code "empty baseline" 125 "${BR[@]}" "$SC"
mpl_check "empty baseline: says how to store one" \
	grep -q "mptcp-lab run --db $MPL_DB --reps 10 --tag commit=<good>" "$MPL_TMP/last.out"
mpl_eq "no run stored by the refusals" 0 "$(nruns)"

"$MPL_BIN" run --db "$MPL_DB" --reps 6 --tag side=base "$SC" >"$MPL_TMP/base.out" 2>&1
rc=$?
sed 's/^/#   [baseline] /' "$MPL_TMP/base.out"
[ "$rc" -le 1 ] || mpl_die "the baseline run exited $rc"
base=$(nruns)
[ "$(mpl_sql "SELECT count(*) FROM runs WHERE status = 'ok'")" -ge 5 ] ||
	mpl_die "the baseline has fewer than 5 ok runs"

expect_code "--build false" 125 "${BR[@]}" --build false "$SC"
mpl_check "--build false: says the build failed" grep -q 'the build failed (exit 1)' "$MPL_TMP/last.out"
expect_code "--build no-such-program" 125 "${BR[@]}" --build "mpl-no-such-program --flag" "$SC"
expect_code "--build with an unterminated quote" 125 "${BR[@]}" --build "make 'x" "$SC"
t=$SECONDS
expect_code "--build 'sleep 30' --build-timeout 2" 125 "${BR[@]}" --build "sleep 30" \
	--build-timeout 2 "$SC"
mpl_check "--build-timeout 2: over within 15 s ($((SECONDS - t)) s)" test $((SECONDS - t)) -le 15
mpl_check "--build-timeout: says it timed out" grep -q 'timed out after 2 s' "$MPL_TMP/last.out"
mpl_eq "no run stored by a failed build" "$base" "$(nruns)"

t=$SECONDS
expect_code "--timeout 3 on a 20 s transfer" 125 "${BR[@]}" --timeout 3 \
	--set traffic.duration=20s "$SC"
mpl_check "--timeout 3: over within 20 s ($((SECONDS - t)) s)" test $((SECONDS - t)) -le 20
mpl_check "--timeout: says 'timed out after 3 s'" grep -q 'timed out after 3 s' "$MPL_TMP/last.out"
mpl_eq "--timeout: no partial run stored" "$base" "$(nruns)"
mpl_check "--timeout: no run namespace left" mpl_no_run_netns

# SIGTERM to bisect-run (the parent): forwarded, the run discarded, 125.
"${BR[@]}" --set traffic.duration=20s "$SC" >"$MPL_TMP/term.out" 2>&1 &
pid=$!
mpl_track_pid "$pid"
mpl_wait_until 20 mpl_run_has_lab "$pid" ||
	mpl_notok "SIGTERM: no run lab came up within 20 s"
sleep 1
kill -TERM "$pid"
wait "$pid"
rc=$?
grep 'bisect-run:' "$MPL_TMP/term.out" | sed 's/^/#   [SIGTERM] /'
mpl_eq "SIGTERM: exit code" 125 "$rc"
mpl_check "SIGTERM: says interrupted" grep -q '^bisect-run: SKIP (exit 125): interrupted' "$MPL_TMP/term.out"
mpl_eq "SIGTERM: no partial run stored" "$base" "$(nruns)"
mpl_check "SIGTERM: no run namespace left" mpl_wait_until 10 mpl_no_run_netns

# SIGKILL to the measuring process (the worker that built the lab): it
# cannot tear its lab down, so bisect-run, its supervisor, must remove it,
# say so, and answer skip.
"${BR[@]}" --set traffic.duration=20s "$SC" >"$MPL_TMP/kill.out" 2>&1 &
pid=$!
mpl_track_pid "$pid"
mpl_wait_until 20 mpl_run_has_lab "$pid" ||
	mpl_notok "SIGKILL: no run lab came up within 20 s"
lab=$(mpl_run_labs_of "$pid" | head -n 1)
owner=$(mpl_run_lab_owner "$lab")
mpl_check "SIGKILL: the lab ($lab) was built by a worker, not by bisect-run itself" \
	test -n "${owner%%:*}" -a "${owner%%:*}" != "$pid"
kill -KILL "${owner%%:*}"
wait "$pid"
rc=$?
grep 'bisect-run:' "$MPL_TMP/kill.out" | sed 's/^/#   [SIGKILL] /'
mpl_eq "SIGKILL: exit code" 125 "$rc"
mpl_check "SIGKILL: says the worker was killed" grep -q 'killed by signal 9' "$MPL_TMP/kill.out"
mpl_check "SIGKILL: says it removed the worker's lab" \
	grep -q "removed lab '$lab', which the measuring process left behind" "$MPL_TMP/kill.out"
mpl_check "SIGKILL: the lab's namespaces are gone" \
	sh -c "! ip netns list | grep -q 'mpl-$lab-'"
mpl_eq "SIGKILL: no partial run stored" "$base" "$(nruns)"

# bisecting a 5 % regression (--effect): the commit is judged against the
# midpoint, -2.5 %, as the README's bisection does
expect_code "path1 at 60 %" 1 "${BR[@]}" --effect 5 --commit slowtest --set paths.path1.rate=48mbit "$SC"
mpl_check "path1 at 60 %: the batch line shows the figures" \
	grep -qE 'batch 1 \(5 runs\): goodput_bps median [0-9.]+ Mbit/s vs baseline [0-9.]+ Mbit/s \(-[0-9.]+ %, 90 % CI' \
	"$MPL_TMP/last.out"
mpl_eq "path1 at 60 %: 5 runs tagged commit=slowtest" 5 \
	"$(mpl_sql "SELECT count(*) FROM tags WHERE key = 'commit' AND value = 'slowtest'")"
mpl_eq "path1 at 60 %: all under one bisect= id" 1 \
	"$(mpl_sql "SELECT count(DISTINCT b.value) FROM tags b JOIN tags c ON c.run_id = b.run_id AND c.key = 'commit' AND c.value = 'slowtest' WHERE b.key = 'bisect'")"

expect_code "the baseline's configuration" 0 "${BR[@]}" --effect 5 --commit sametest "$SC"

# Runs of another boot mode (what a guest under TCG records) are not
# compared with a bare-metal baseline: skip, after the first batch.
expect_code "another boot mode" 125 env MPL_VM_ACCEL=tcg "${BR[@]}" --commit modetest --reps 1 \
	"$SC"
mpl_check "another boot mode: says why" grep -q 'not comparable' "$MPL_TMP/last.out"

mpl_check "no run namespace left" mpl_no_run_netns
mpl_snapshot_check before
mpl_finish
