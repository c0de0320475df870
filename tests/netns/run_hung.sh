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
mpl_run_init pgrep

SC="$MPL_SOURCE_DIR/scenarios/smoke.json"

# The traffic server of this run (its command line matches $1), inside a
# run namespace.
server_pid()
{
	local p ns
	for ns in $(mpl_run_netns); do
		for p in $(ip netns pids "$ns" 2>/dev/null); do
			if tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -Eq "$1"; then
				echo "$p"
				return 0
			fi
		done
	done
	return 1
}

hung()
{
	local engine=$1 pattern=$2 pid sp start rc reason
	"$MPL_BIN" run --db "$MPL_DB" --reps 1 --set traffic.duration=2s --set traffic.omit=0s \
		--set "traffic.engine=$engine" --tag "test=hung-$engine" \
		"$SC" >"$MPL_TMP/out" 2>"$MPL_TMP/err" &
	pid=$!
	MPL_RUN_PIDS+=("$pid")
	if mpl_wait_until 20 server_pid "$pattern" >/dev/null; then
		sp=$(server_pid "$pattern")
		kill -STOP "$sp"
		mpl_ok "$engine: server $sp stopped with SIGSTOP"
	else
		mpl_notok "$engine: no server appeared"
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
}

hung native ' xfer server '
hung iperf3 '^iperf3 -s'
mpl_finish
