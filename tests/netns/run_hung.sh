#!/bin/bash
# run_hung: a traffic server stopped with SIGSTOP hangs the transfer; the
# watchdog (or the engine's own time limit) must end it, the run must be
# `invalid` with the reason, and the lab must be torn down. Once with each
# engine: the default (native, whose server is `mptcp-lab xfer server`) and
# iperf3, asked for explicitly.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=run_lib.sh
. "$(dirname "$0")/run_lib.sh"
mpl_run_init

SC="$MPL_SOURCE_DIR/scenarios/smoke.json"

# The traffic server of the run $1 (its command line matches $2): a
# process this runner started (never one of another run on the host).
server_pid()
{
	local p
	for p in $(mpl_descendants "$1"); do
		if tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -Eq "$2"; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

hung()
{
	local engine=$1 pattern=$2 pid sp start rc reason p
	"$MPL_BIN" run --db "$MPL_DB" --reps 1 --set traffic.duration=2s --set traffic.omit=0s \
		--set "traffic.engine=$engine" --tag "test=hung-$engine" \
		"$SC" >"$MPL_TMP/out" 2>"$MPL_TMP/err" &
	pid=$!
	mpl_track_pid "$pid"
	if mpl_wait_until 20 server_pid "$pid" "$pattern" >/dev/null; then
		sp=$(server_pid "$pid" "$pattern")
		# Who the runner started, named so that a reused pid is not them.
		for p in $(mpl_descendants "$pid"); do mpl_proc_id "$p"; done >"$MPL_TMP/procs"
		kill -STOP "$sp"
		mpl_ok "$engine: server $sp stopped with SIGSTOP"
	else
		mpl_notok "$engine: no server appeared"
		: >"$MPL_TMP/procs"
	fi
	start=$SECONDS
	wait "$pid"
	rc=$?
	sed 's/^/#   /' "$MPL_TMP/out" "$MPL_TMP/err"
	mpl_log "$engine: the runner returned after $((SECONDS - start)) s"
	mpl_eq "$engine: run exits 1" 1 "$rc"
	mpl_export "tag:test=hung-$engine" >"$MPL_TMP/export.json"
	mpl_eq "$engine: its status" invalid "$(jq -r '.runs[0].status' "$MPL_TMP/export.json")"
	reason=$(jq -r '.runs[0].reason' "$MPL_TMP/export.json")
	mpl_check "$engine: the reason names the watchdog, the time limit or the killed tool ($reason)" \
		grep -Eqi 'watchdog|killed|timed out|timeout|gave up' <<<"$reason"
	mpl_check "$engine: no run namespace left" mpl_no_run_netns
	mpl_log "$engine: the runner had started $(wc -l <"$MPL_TMP/procs") processes"
	mpl_check "$engine: none of them is left running (the stopped server included)" \
		mpl_procs_gone "$MPL_TMP/procs"
	mpl_procs_gone "$MPL_TMP/procs" || mpl_log "still running: $(mpl_procs_left "$MPL_TMP/procs")"
}

hung native ' xfer server '
hung iperf3 '^iperf3 -s'
mpl_finish
