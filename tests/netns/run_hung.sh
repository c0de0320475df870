#!/bin/bash
# run_hung: an iperf3 server stopped with SIGSTOP hangs the transfer; the
# watchdog must kill it, the run must be `invalid` with the reason, and the
# lab must be torn down.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=run_lib.sh
. "$(dirname "$0")/run_lib.sh"
mpl_run_init

SC="$MPL_SOURCE_DIR/scenarios/smoke.json"
"$MPL_BIN" run --db "$MPL_DB" --reps 1 --set traffic.duration=2s --set traffic.omit=0s \
	"$SC" >"$MPL_TMP/out" 2>"$MPL_TMP/err" &
pid=$!
mpl_track_pid "$pid"

# The iperf3 server of this run: a process this runner started (never one
# of another run on the host).
server_pid()
{
	local p
	for p in $(mpl_descendants "$pid"); do
		if tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -q '^iperf3 -s'; then
			echo "$p"
			return 0
		fi
	done
	return 1
}
if mpl_wait_until 20 server_pid >/dev/null; then
	sp=$(server_pid)
	# Who the runner started, named so that a reused pid is not them.
	for p in $(mpl_descendants "$pid"); do mpl_proc_id "$p"; done >"$MPL_TMP/procs"
	kill -STOP "$sp"
	mpl_ok "iperf3 server $sp stopped with SIGSTOP"
else
	mpl_notok "no iperf3 server appeared"
	: >"$MPL_TMP/procs"
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
mpl_log "the runner had started $(wc -l <"$MPL_TMP/procs") processes"
mpl_check "none of them is left running (the stopped iperf3 server included)" \
	mpl_procs_gone "$MPL_TMP/procs"
mpl_procs_gone "$MPL_TMP/procs" || mpl_log "still running: $(mpl_procs_left "$MPL_TMP/procs")"
mpl_finish
