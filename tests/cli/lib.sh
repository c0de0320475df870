# lib.sh: what the cli tests that talk to a real VictoriaMetrics share
# (sourced, not a test): TAP-like checks, and a VictoriaMetrics of their
# own on loopback with a temporary storage directory. The caller sets tmp
# (a scratch directory) and VM (the binary) before vm_start, and stops it
# in its EXIT trap with vm_stop.

pass=0
fail=0
vm_pid=
ok() { pass=$((pass + 1)); echo "ok - $*"; }
notok() { fail=$((fail + 1)); echo "not ok - $*"; }
expect_rc() # WANT DESCRIPTION CMD...
{
	local want=$1 what=$2 rc
	shift 2
	"$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ "$rc" -eq "$want" ]; then ok "$what (exit $rc)"; else
		notok "$what: expected exit $want, got $rc"
		sed 's/^/#   /' "$tmp/out" "$tmp/err"
	fi
}
check() # DESCRIPTION TEST...
{
	local what=$1
	shift
	if "$@"; then ok "$what"; else notok "$what"; fi
}

start_vm() # PORT: start and wait until /health answers (poll, 20 s at most)
{
	"$VM" -storageDataPath "$tmp/vm" -httpListenAddr "127.0.0.1:$1" \
		-loggerLevel ERROR >>"$tmp/vm.log" 2>&1 &
	vm_pid=$!
	for _ in $(seq 200); do
		curl -sf --max-time 1 "http://127.0.0.1:$1/health" >/dev/null && return 0
		kill -0 "$vm_pid" 2>/dev/null || break
		sleep 0.1
	done
	kill "$vm_pid" 2>/dev/null
	wait "$vm_pid" 2>/dev/null
	vm_pid=
	return 1
}
stop_vm()
{
	[ -n "$vm_pid" ] || return 0
	kill "$vm_pid" && wait "$vm_pid" 2>/dev/null
	vm_pid=
}
# vm_start: a free port, tried a few times; sets port, or exits 77 with
# the server's log when it will not start (1 with MPL_STRICT=1).
vm_start()
{
	local p
	port=
	for _ in 1 2 3 4 5; do
		p=$((20000 + RANDOM % 30000))
		ss -ltn "sport = :$p" 2>/dev/null | grep -q LISTEN && continue
		if start_vm "$p"; then port=$p; return 0; fi
	done
	echo "SKIP: victoria-metrics did not start"
	sed 's/^/#   /' "$tmp/vm.log"
	[ "${MPL_STRICT:-0}" = 1 ] && exit 1
	exit 77
}
