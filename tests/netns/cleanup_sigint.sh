#!/bin/bash
# cleanup_sigint: `topo up --hold` tears everything down on SIGINT (and on
# SIGTERM) and exits 0; nothing of the lab is left.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
mpl_init

mpl_topology TOPO two-path
mpl_snapshot before

for sig in INT TERM; do
	mpl_new_lab LAB "${sig,,}"
	"$MPL_BIN" topo up "$TOPO" --name "$LAB" --hold >"$MPL_TMP/out.$sig" 2>"$MPL_TMP/err.$sig" &
	pid=$!
	mpl_track_pid "$pid"
	if ! mpl_wait_until 30 mpl_lab_has_all "$LAB" "$TOPO"; then
		mpl_notok "SIG$sig: the namespaces of topo up --hold did not appear"
		sed 's/^/#   /' "$MPL_TMP/err.$sig"
		continue
	fi
	mpl_ok "SIG$sig: every node's namespace exists while held"
	# The namespaces come first; the lab is complete when it says so
	# (a script waiting on this line needs it flushed, not buffered).
	mpl_check "SIG$sig: 'lab $LAB is up' printed while held" \
		mpl_wait_until 30 grep -q "^lab $LAB is up" "$MPL_TMP/out.$sig"
	kill -"$sig" "$pid"
	# Bounded: a teardown that hangs must fail the test, not stall it.
	mpl_wait_until 30 mpl_not_running "$pid" ||
		mpl_notok "SIG$sig: topo up --hold still running after 30 s"
	wait "$pid"
	rc=$?
	mpl_eq "SIG$sig: topo up --hold exits 0" 0 "$rc"
	mpl_check_gone "$LAB" before
done

# SIGINT while the lab is still being built: lab_up() sees the cancel flag
# between steps and the half-built lab comes down. The signal goes out as
# soon as the first namespace shows, which is usually mid-build (the log
# says which case this run hit).
# A builtin-only check, polled without sleeping, to catch the build early.
lab_has_any() { compgen -G "/run/netns/mpl-$1-*" >/dev/null; }
spin_until_any()
{
	local deadline=$((SECONDS + 30))
	until lab_has_any "$1"; do
		[ "$SECONDS" -lt "$deadline" ] || return 1
	done
}
mpl_new_lab LAB early
"$MPL_BIN" topo up "$TOPO" --name "$LAB" --hold >"$MPL_TMP/out.early" 2>"$MPL_TMP/err.early" &
pid=$!
mpl_track_pid "$pid"
if spin_until_any "$LAB"; then
	kill -INT "$pid"
	if grep -q "^lab $LAB is up" "$MPL_TMP/out.early"; then
		mpl_log "early SIGINT arrived after the build had finished"
	else
		mpl_log "early SIGINT arrived during the build"
	fi
	mpl_wait_until 30 mpl_not_running "$pid" ||
		mpl_notok "early SIGINT: topo up --hold still running after 30 s"
	wait "$pid"
	rc=$?
	mpl_log "early SIGINT: exit $rc: $(head -n 1 "$MPL_TMP/err.early")"
	# 130 alone could be a death by SIGINT: the message shows the signal
	# was handled and the build unwound.
	mpl_check "early SIGINT: handled (exit 0, or 130 with 'interrupted')" \
		bash -c '[ "$1" -eq 0 ] || { [ "$1" -eq 130 ] && grep -q interrupted "$2"; }' \
		_ "$rc" "$MPL_TMP/err.early"
	mpl_check_gone "$LAB" before
else
	mpl_notok "early SIGINT: no namespace of topo up --hold appeared"
fi

mpl_finish
