#!/usr/bin/env bash
# bench_detector.sh [WORKDIR]: how well `mptcp-lab compare` tells a real
# 3-5 % throughput regression from noise, measured on real runs.
#
# Four pools of a scenario (SCENARIO, default the smoke scenario at 2 s +
# 1 s warm-up), each in N blocks of R runs, tagged bench=detector, pool=P,
# block=K:
#   base   the scenario as shipped (smoke: 50 + 30 Mbit/s)
#   same   the same configuration again
#   m3     every path's rate 3 % lower (smoke: 48.5 + 29.1 Mbit/s)
#   m5     every path's rate 5 % lower (smoke: 47.5 + 28.5 Mbit/s)
# The rates scaled are those of the scenario's "paths" (read with jq; a
# scenario whose paths take their rates from the topology must list them
# there), or the smoke scenario's 50 + 30 Mbit/s.
# SCENARIO=bench/detector-hetero.json is the heterogeneous case: 40 Mbit/s
# with a short queue beside 10 Mbit/s behind a deep one, so the paths' RTTs
# differ by ~150 ms and the scheduler's choices show.
# Blocks run interleaved: round K runs block K of every pool, the pools'
# order rotating from round to round, so drift and the machine's moods hit
# every pool alike. Then, for every K, on goodput_bps alone:
#   A/A   compare base block K vs same block K   (a verdict = false alarm)
#   3 %   compare base block K vs m3 block K     (a regression = detected)
#   5 %   compare base block K vs m5 block K
# i.e. disjoint runs on each side of each comparison, R a side. It prints
# every comparison, then: false alarms over the A/A comparisons (any
# regression or improvement), detection rates at 3 % and 5 %, the
# inconclusive counts, the pools' noise, the pooled comparisons (N x R a
# side), and the time `compare` takes over 10 000 stored runs
# (bench_compare, synthetic runs in WORKDIR/synthetic.db).
#
# Environment: SCENARIO (a scenario file, default scenarios/smoke.json),
# R (runs a side, default 6), N (comparisons of each kind, default 10),
# DURATION and OMIT (smoke: 2s and 1s; another scenario: its own unless
# set), COMPARE_ARGS (extra arguments for compare, e.g. "--alpha 0.05
# --floor 1.5"), LOCK (a file: every `run` takes it with flock(1), so a
# long campaign shares a quiet machine with other measurements block by
# block), MPL_BIN, BENCH_COMPARE.
#
# Runtime: 4 pools x N x R runs of DURATION + OMIT + ~0.1 s of lab set-up
# and tear-down: with the defaults 240 runs x ~3.1 s = ~12.5 minutes (743 s
# measured, bench_compare's ~5 s included). Resumable: everything goes into
# WORKDIR/detector.db (default ./bench-detector); a block that already has R
# ok runs is not run again, so an interrupted bench continues where it
# stopped, and running it again with other COMPARE_ARGS only compares. Use
# a fresh WORKDIR for another R, N, DURATION or OMIT: blocks are found by
# their tags only.
# A run that comes out invalid is topped up (at most 3 extra a block).
# Progress: one line per block.
#
# Needs root, jq, sqlite3, iperf3 (and mptcpize when iperf3 has no -m).
# For meaningful figures, run it on an otherwise idle machine.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
bin=${MPL_BIN:-$top/build/mptcp-lab}
bench_compare=${BENCH_COMPARE:-$(dirname "$bin")/bench/bench_compare}
work=${1:-./bench-detector}
R=${R:-6}
N=${N:-10}
scenario=${SCENARIO:-$top/scenarios/smoke.json}
if [ "$(basename "$scenario")" = smoke.json ]; then
	DURATION=${DURATION:-2s}
	OMIT=${OMIT:-1s}
fi
read -r -a compare_args <<<"${COMPARE_ARGS:-}"
db=$work/detector.db
pools=(base same m3 m5)

[ "$(id -u)" -eq 0 ] || { echo "bench_detector: needs root (network namespaces)" >&2; exit 77; }
for t in jq sqlite3; do
	command -v "$t" >/dev/null || { echo "bench_detector: '$t' is not installed" >&2; exit 69; }
done
[ -x "$bin" ] || { echo "bench_detector: '$bin' is not an executable (set MPL_BIN)" >&2; exit 64; }
mkdir -p "$work"

# The scenario's path rates in kbit/s ("path1 50000" lines): its "paths",
# else the smoke scenario's topology rates.
path_rates()
{
	local rates
	rates=$(jq -r '(.paths // {}) | to_entries[] | select(.value.rate != null)
		| "\(.key) \(.value.rate)"' "$scenario")
	[ -n "$rates" ] || rates=$'path1 50mbit\npath2 30mbit'
	while read -r path rate; do
		case $rate in
		*gbit) echo "$path $((${rate%gbit} * 1000000))" ;;
		*mbit) echo "$path $((${rate%mbit} * 1000))" ;;
		*kbit) echo "$path ${rate%kbit}" ;;
		*) echo "bench_detector: cannot scale rate '$rate' of $path" >&2; exit 64 ;;
		esac
	done <<<"$rates"
}
mapfile -t rates < <(path_rates)

# pool_args POOL: the --set arguments that make the pool's configuration
pool_args()
{
	local pct line
	case $1 in
	base | same) return ;;
	m3) pct=97 ;;
	m5) pct=95 ;;
	esac
	for line in "${rates[@]}"; do
		set -- $line
		printf -- '--set paths.%s.rate=%dkbit ' "$1" $(($2 * pct / 100))
	done
}

# the duration and warm-up when overridden
time_args=()
[ -z "${DURATION:-}" ] || time_args+=(--set "traffic.duration=$DURATION")
[ -z "${OMIT:-}" ] || time_args+=(--set "traffic.omit=$OMIT")
locked=()
[ -z "${LOCK:-}" ] || locked=(flock "$LOCK")

sql() { sqlite3 -batch -noheader "$db" "$1"; }

# ok_runs POOL BLOCK: ok runs stored for that block
ok_runs()
{
	[ -e "$db" ] || { echo 0; return; }
	sql "SELECT count(*) FROM runs r
	     JOIN tags p ON p.run_id = r.id AND p.key = 'pool' AND p.value = '$1'
	     JOIN tags b ON b.run_id = r.id AND b.key = 'block' AND b.value = '$2'
	     JOIN tags t ON t.run_id = r.id AND t.key = 'bench' AND t.value = 'detector'
	     WHERE r.status = 'ok'"
}

# run_block POOL BLOCK: bring the block to R ok runs
run_block()
{
	local pool=$1 block=$2 have need extra=0 rc
	local -a args
	read -r -a args <<<"$(pool_args "$pool")"
	while :; do
		have=$(ok_runs "$pool" "$block")
		need=$((R - have))
		[ "$need" -gt 0 ] || break
		if [ "$extra" -gt 3 ]; then
			echo "bench_detector: block $block of pool $pool has only $have ok runs after 3 top-ups" >&2
			exit 1
		fi
		rc=0
		"${locked[@]}" "$bin" run --db "$db" --reps "$need" "${time_args[@]}" \
			"${args[@]}" --tag bench=detector \
			--tag "pool=$pool" --tag "block=$block" "$scenario" \
			>>"$work/runs.log" 2>&1 || rc=$?
		# 1: a run was invalid or failed (stored as such, topped up above)
		[ "$rc" -le 1 ] || { echo "bench_detector: run exited $rc (see $work/runs.log)" >&2; exit "$rc"; }
		extra=$((extra + 1))
	done
}

t_start=$SECONDS
echo "# bench_detector: $N blocks x ${#pools[@]} pools x R=$R runs of $(basename "$scenario") (${DURATION:-its duration} + ${OMIT:-its} warm-up) into $db"
for k in $(seq 1 "$N"); do
	for i in 0 1 2 3; do
		pool=${pools[$(((i + k - 1) % 4))]}
		done_before=$(ok_runs "$pool" "$k")
		t0=$SECONDS
		run_block "$pool" "$k"
		if [ "$done_before" -ge "$R" ]; then
			state="already there"
		else
			state="$((SECONDS - t0)) s"
		fi
		printf '# [round %2d/%d] %-4s block %2d: %d ok runs (%s, %d s elapsed)\n' "$k" "$N" \
			"$pool" "$k" "$(ok_runs "$pool" "$k")" "$state" "$((SECONDS - t_start))"
	done
done

# compare_one BASEPOOL BASEBLOCK CANDPOOL CANDBLOCK: prints the tab-separated
# "rc verdict ratio p_adj n reason" of the comparison (goodput_bps only).
# Called in the main shell (not in $(...)), so its exit stops the bench.
compare_one()
{
	local base="tag:bench=detector,tag:pool=$1" cand="tag:bench=detector,tag:pool=$3" rc=0 out
	[ -z "$2" ] || base="$base,tag:block=$2"
	[ -z "$4" ] || cand="$cand,tag:block=$4"
	out=$("$bin" compare --db "$db" --baseline "$base" --candidate "$cand" --metric goodput_bps \
		"${compare_args[@]}" --format json 2>"$work/compare.err") || rc=$?
	if [ "$rc" -gt 1 ]; then
		echo "bench_detector: compare exited $rc: $(cat "$work/compare.err")" >&2
		exit "$rc"
	fi
	jq -r --arg rc "$rc" '.series[0] | [$rc, .verdict, (.ratio // "-" | tostring),
		(.p_adjusted // "-" | tostring), "\(.n_baseline)/\(.n_candidate)", .reason] | @tsv' <<<"$out"
}

# num FORMAT VALUE: VALUE formatted, or "-" when it is not a number
# shellcheck disable=SC2059 # the format is the caller's, on purpose
num() { if [[ $2 =~ ^[-+0-9.eE]+$ ]]; then printf "$1" "$2"; else printf '%s' "$2"; fi; }

declare -A alarms=() detected=() inconclusive=()
echo
printf '%-4s %5s  %-12s  %7s  %8s  %6s  %s\n' kind block verdict ratio p_adj n reason
for kind in aa m3 m5; do
	cand=same
	[ "$kind" = aa ] || cand=$kind
	alarms[$kind]=0
	detected[$kind]=0
	inconclusive[$kind]=0
	for k in $(seq 1 "$N"); do
		compare_one base "$k" "$cand" "$k" >"$work/compare.tsv"
		IFS=$'\t' read -r rc verdict ratio p n reason <"$work/compare.tsv"
		printf '%-4s %5d  %-12s  %7s  %8s  %6s  %s\n' "$kind" "$k" "$verdict" \
			"$(num %.4f "$ratio")" "$(num %.2g "$p")" "$n" "$reason"
		case $verdict in
		regression) detected[$kind]=$((detected[$kind] + 1)); alarms[$kind]=$((alarms[$kind] + 1)) ;;
		improvement) alarms[$kind]=$((alarms[$kind] + 1)) ;;
		inconclusive) inconclusive[$kind]=$((inconclusive[$kind] + 1)) ;;
		esac
		# the exit code and the verdict must agree
		if { [ "$rc" = 1 ] && [ "$verdict" != regression ]; } ||
		   { [ "$rc" = 0 ] && [ "$verdict" = regression ]; }; then
			echo "bench_detector: compare exited $rc with verdict '$verdict'" >&2
			exit 70
		fi
	done
done

echo
echo "# pooled: all $N blocks together ($((N * R)) runs a side)"
for cand in same m3 m5; do
	compare_one base "" "$cand" "" >"$work/compare.tsv"
	IFS=$'\t' read -r rc verdict ratio p n reason <"$work/compare.tsv"
	printf 'base vs %-4s  %-12s  ratio %s  p_adj %s  n %s  exit %s\n' "$cand" "$verdict" \
		"$(num %.4f "$ratio")" "$(num %.2g "$p")" "$n" "$rc"
done

echo
echo "# noise: goodput of each pool (ok runs)"
for pool in "${pools[@]}"; do
	sql "SELECT m.value / 1e6 FROM runs r
	     JOIN tags p ON p.run_id = r.id AND p.key = 'pool' AND p.value = '$pool'
	     JOIN tags t ON t.run_id = r.id AND t.key = 'bench' AND t.value = 'detector'
	     JOIN metrics m ON m.run_id = r.id AND m.name = 'goodput_bps'
	     WHERE r.status = 'ok'" | sort -g | awk -v pool="$pool" '
		{ v[NR] = $1; s += $1; ss += $1 * $1 }
		END { n = NR; m = s / n; sd = sqrt((ss - n * m * m) / (n > 1 ? n - 1 : 1))
		      med = n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
		      printf "%-4s  n %3d  median %7.2f Mbit/s  CV %5.2f %%  min %7.2f  max %7.2f\n",
			     pool, n, med, 100 * sd / m, v[1], v[n] }'
done
invalid=$(sql "SELECT count(*) FROM runs r JOIN tags t ON t.run_id = r.id AND t.key = 'bench'
	       AND t.value = 'detector' WHERE r.status != 'ok'")
echo "runs not ok (excluded, topped up): $invalid"

echo
if [ -x "$bench_compare" ]; then
	echo "# compare over 10 000 stored runs (synthetic, $work/synthetic.db)"
	"$bench_compare" -n 10000 --db "$work/synthetic.db" --repeat 3 >"$work/bench_compare.out"
	grep -v '^  [0-9]* stored$' "$work/bench_compare.out"
	t_10k=$(sed -n 's/^compare_time_s \([0-9.]*\).*/\1/p' "$work/bench_compare.out")
else
	echo "# bench_compare not found at '$bench_compare' (build target bench_compare): no timing"
	t_10k="-"
fi

echo
echo "# summary (goodput_bps, R = $R runs a side, $N comparisons each, compare ${COMPARE_ARGS:-with defaults: alpha 0.01, Holm, floor max(0.5 %, the measured noise), the night or invocation as the unit})"
printf 'false alarms over A/A        %2d/%d  (inconclusive %d)\n' "${alarms[aa]}" "$N" "${inconclusive[aa]}"
printf 'detection rate at -3 %%       %2d/%d  (inconclusive %d)\n' "${detected[m3]}" "$N" "${inconclusive[m3]}"
printf 'detection rate at -5 %%       %2d/%d  (inconclusive %d)\n' "${detected[m5]}" "$N" "${inconclusive[m5]}"
printf 'runs a side (R)              %d\n' "$R"
printf 'compare over 10 000 runs     %s s\n' "$t_10k"
printf 'bench wall time              %d s\n' "$((SECONDS - t_start))"
