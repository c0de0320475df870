# shellcheck shell=bash
#
# lib.sh: what the cli tests that talk to a real VictoriaMetrics share
# (sourced after tests/lib.sh, never run): a VictoriaMetrics of their own
# on loopback, with its storage in the test's $MPL_TMP, stopped at exit by
# the harness. The caller sets VM (the binary).
#
# What it does not do: checks or skips of its own (tests/lib.sh has them).

vm_pid=
port=

# start_vm PORT: start and wait until /health answers (poll, 20 s at most).
start_vm()
{
	"$VM" -storageDataPath "$MPL_TMP/vm" -httpListenAddr "127.0.0.1:$1" \
		-loggerLevel ERROR >>"$MPL_TMP/vm.log" 2>&1 &
	vm_pid=$!
	mpl_track_pid "$vm_pid"
	for _ in $(seq 200); do
		curl -sf --max-time 1 "http://127.0.0.1:$1/health" >/dev/null && return 0
		kill -0 "$vm_pid" 2>/dev/null || break
		sleep 0.1
	done
	mpl_stop_pid "$vm_pid"
	vm_pid=
	return 1
}

stop_vm()
{
	[ -n "$vm_pid" ] || return 0
	mpl_stop_pid "$vm_pid"
	vm_pid=
}

# vm_start: a free port, tried a few times; sets port, or skips with the
# server's log when it will not start.
vm_start()
{
	local p
	port=
	for _ in 1 2 3 4 5; do
		p=$((20000 + RANDOM % 30000))
		ss -ltn "sport = :$p" 2>/dev/null | grep -q LISTEN && continue
		if start_vm "$p"; then port=$p; return 0; fi
	done
	sed 's/^/#   /' "$MPL_TMP/vm.log"
	mpl_skip "victoria-metrics did not start"
}
