#!/usr/bin/env bash
# bench_run.sh [REPS]: the runner's figures for the smoke scenario, next to
# plain iperf3 under mptcpize measured in the same invocation.
#
#   lab side:   `mptcp-lab run --reps REPS scenarios/smoke.json` into a
#               scratch database; from its export: harness overhead per
#               run = wall time of the run - wall time of the iperf3
#               client, and the goodput's coefficient of variation.
#   plain side: one lab kept up with `topo up`, an iperf3 server started
#               by hand in the server namespace and REPS client runs of the
#               same length through `mptcpize run` (the way the hand-made
#               scripts do it), their goodput's coefficient of variation:
#               once with the host's default congestion control, once with
#               the one the scenario pins (-C).
#
# Needs root, jq, iperf3, mptcpize. Prints a table; exits non-zero only
# when something did not run.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
bin=${MPL_BIN:-$top/build/mptcp-lab}
reps=${1:-10}
scenario=$top/scenarios/smoke.json
tmp=$(mktemp -d)
lab="bench$$"
trap '"$bin" topo down "$lab" >/dev/null 2>&1 || true; rm -rf "$tmp"' EXIT

duration=$(jq -r '.traffic.duration' "$scenario")
omit=$(jq -r '.traffic.omit' "$scenario")
secs=${duration%s}
omit_s=${omit%s}

stats() # reads numbers, prints "median mean cv%"
{
	sort -g | awk '{ v[NR] = $1; s += $1; ss += $1 * $1 }
		END { n = NR; m = s / n; sd = sqrt((ss - n * m * m) / (n > 1 ? n - 1 : 1));
		      med = n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2;
		      printf "%.6g %.6g %.2f\n", med, m, 100 * sd / m }'
}

echo "# lab: $reps repetitions of $(basename "$scenario") (${secs}s + ${omit_s}s warm-up)"
"$bin" run --db "$tmp/lab.db" --reps "$reps" "$scenario" >"$tmp/run.out"
"$bin" export --db "$tmp/lab.db" --format json >"$tmp/export.json"
ok=$(jq '[.runs[] | select(.status == "ok")] | length' "$tmp/export.json")
read -r ov_med ov_mean _ < <(sqlite3 -batch -noheader "$tmp/lab.db" \
	"SELECT (r.finished_at_us - r.started_at_us - m.value) / 1000.0 FROM runs r
	 JOIN metrics m ON m.run_id = r.id AND m.name = 'transfer_us' WHERE r.status = 'ok'" | stats)
read -r lab_med lab_mean lab_cv < <(jq -r '.runs[] | select(.status == "ok") | .metrics.goodput_bps / 1e6' "$tmp/export.json" | stats)
eff=$(jq -r '[.runs[] | select(.status == "ok") | .metrics.efficiency] | add / length' "$tmp/export.json")

echo "# plain: iperf3 under mptcpize, $reps runs of ${secs}s (-O ${omit_s}) on one lab"
"$bin" topo up "$top/topologies/two-path.json" --name "$lab" >/dev/null
server=$(jq -r '.server' "$top/topologies/two-path.json")
client=$(jq -r '.client' "$top/topologies/two-path.json")
addr=$(jq -r '[.links[] | (.a, .b) | select(.node == "'"$server"'") | .addresses[0]][0] | split("/")[0]' \
	"$top/topologies/two-path.json")
ip netns exec "mpl-$lab-$server" mptcpize run iperf3 -s -p 5399 >/dev/null 2>&1 &
disown
for _ in $(seq 100); do
	ip netns exec "mpl-$lab-$server" ss -Hltn "sport = :5399" | grep -q . && break
	sleep 0.02
done
cc=$(jq -r '.variants.cc[0] // empty' "$scenario")
plain() # [-C CC]: REPS client runs, one goodput (Mbit/s) per line
{
	for _ in $(seq "$reps"); do
		# A failed run (iperf3's "server is busy" race) counts as lost.
		ip netns exec "mpl-$lab-$client" mptcpize run iperf3 -c "$addr" -p 5399 \
			-t "$secs" -O "$omit_s" -J "$@" |
			jq -r '.end.sum_received.bits_per_second // empty | . / 1e6' 2>/dev/null || true
	done
}
plain >"$tmp/plain.txt"
read -r pl_med pl_mean pl_cv < <(stats <"$tmp/plain.txt")
if [ -n "$cc" ]; then
	plain -C "$cc" >"$tmp/plain_cc.txt"
	read -r pc_med pc_mean pc_cv < <(stats <"$tmp/plain_cc.txt")
	pc_med=$(printf '%.2f' "$pc_med")
	pc_cv=$(printf '%.2f' "$pc_cv")
fi

printf '\n%-34s %14s %16s %16s\n' "" "mptcp-lab run" "plain, host cc" "plain, -C ${cc:--}"
printf '%-34s %14s %16s %16s\n' "runs ok" "$ok/$reps" "$(wc -l <"$tmp/plain.txt")/$reps" \
	"$( [ -n "$cc" ] && echo "$(wc -l <"$tmp/plain_cc.txt")/$reps" || echo -)"
printf '%-34s %14.2f %16.2f %16s\n' "median goodput (Mbit/s)" "$lab_med" "$pl_med" "${pc_med:--}"
printf '%-34s %14.2f %16.2f %16s\n' "coefficient of variation (%)" "$lab_cv" "$pl_cv" "${pc_cv:--}"
printf '%-34s %14.3f %16s %16s\n' "mean efficiency" "$eff" "-" "-"
printf '%-34s %14.1f %16s %16s\n' "median harness overhead (ms/run)" "$ov_med" "-" "-"
printf '%-34s %14.1f %16s %16s\n' "mean harness overhead (ms/run)" "$ov_mean" "-" "-"
