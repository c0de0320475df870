#!/bin/bash
# run_hung: an iperf3 server stopped with SIGSTOP hangs the transfer; the
# watchdog must kill it, the run must be `invalid` with the reason, and the
# lab must be torn down.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=run_lib.sh
. "$(dirname "$0")/run_lib.sh"
mpl_run_init pgrep

SC="$MPL_SOURCE_DIR/scenarios/smoke.json"
"$MPL_BIN" run --db "$MPL_DB" --reps 1 --set traffic.duration=2s --set traffic.omit=0s \
	"$SC" >"$MPL_TMP/out" 2>"$MPL_TMP/err" &
pid=$!
MPL_RUN_PIDS+=("$pid")

# The iperf3 server of this run, inside a run namespace.
server_pid()
{
	local p ns
	for ns in $(mpl_run_netns); do
		for p in $(ip netns pids "$ns" 2>/dev/null); do
			if tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -q '^iperf3 -s'; then
				echo "$p"
				return 0
			fi
		done
	done
	return 1
}
if mpl_wait_until 20 server_pid >/dev/null; then
	sp=$(server_pid)
	kill -STOP "$sp"
	mpl_ok "iperf3 server $sp stopped with SIGSTOP"
else
	mpl_notok "no iperf3 server appeared"
fi
start=$SECONDS
wait "$pid"
rc=$?
sed 's/^/#   /' "$MPL_TMP/out" "$MPL_TMP/err"
mpl_log "the runner returned after $((SECONDS - start)) s"
mpl_eq "run exits 1" 1 "$rc"
mpl_export >"$MPL_TMP/export.json"
mpl_eq "its status" invalid "$(jq -r '.runs[0].status' "$MPL_TMP/export.json")"
reason=$(jq -r '.runs[0].reason' "$MPL_TMP/export.json")
mpl_check "the reason names the watchdog or the killed tool ($reason)" \
	grep -Eqi 'watchdog|killed|timed out|timeout' <<<"$reason"
mpl_check "no run namespace left" mpl_no_run_netns
mpl_check "no iperf3 left running" bash -c '! pgrep -x iperf3 >/dev/null'
mpl_finish
