#!/bin/bash
# cleanup_sigkill: what a SIGKILL leaves behind is found and removed by
# `cleanup --stale`, and only that.
#
#   lab A: `topo up --hold`, SIGKILL -> its namespaces survive (named
#          namespaces are bind mounts); `cleanup --stale` removes them.
#   lab B: plain `topo up` (kept on purpose, its owner exited normally)
#          -> `cleanup --stale` must NOT touch it; then its own `topo down`.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
mpl_init

mpl_topology TOPO two-path
mpl_snapshot before

mpl_new_lab KEPT k
"$MPL_BIN" topo up "$TOPO" --name "$KEPT" >/dev/null 2>"$MPL_TMP/err.kept"
rc=$?
mpl_eq "lab B: topo up exits 0" 0 "$rc"
[ "$rc" -eq 0 ] || sed 's/^/#   /' "$MPL_TMP/err.kept"

mpl_new_lab DEAD d
"$MPL_BIN" topo up "$TOPO" --name "$DEAD" --hold >"$MPL_TMP/out.dead" 2>"$MPL_TMP/err.dead" &
pid=$!
mpl_track_pid "$pid"
if mpl_wait_until 30 grep -q "^lab $DEAD is up" "$MPL_TMP/out.dead" ||
	mpl_wait_until 1 mpl_lab_has_all "$DEAD" "$TOPO"; then
	mpl_ok "lab A: topo up --hold is up"
else
	mpl_notok "lab A: topo up --hold did not come up"
	sed 's/^/#   /' "$MPL_TMP/err.dead"
fi
kill -KILL "$pid"
wait "$pid" 2>/dev/null
mpl_check "lab A: namespaces survive the SIGKILL" mpl_lab_has_all "$DEAD" "$TOPO"

"$MPL_BIN" cleanup --stale >"$MPL_TMP/out.cleanup" 2>"$MPL_TMP/err.cleanup"
rc=$?
mpl_eq "cleanup --stale exits 0" 0 "$rc"
sed 's/^/#   cleanup: /' "$MPL_TMP/out.cleanup" "$MPL_TMP/err.cleanup"
mpl_check_gone "$DEAD"
mpl_check "lab B: all namespaces still there after cleanup --stale" mpl_lab_has_all "$KEPT" "$TOPO"
mpl_check "lab B: registry entry still there" test -e "/run/mptcp-lab/$KEPT.lab"

# Lab B still works after the sweep: its server node still has its
# addresses (the sweep must not have flushed anything inside).
server=$(mpl_jq "$TOPO" '.server')
mpl_check "lab B: node '$server' still has its links" \
	bash -c '[ "$(ip -n "$1" -j link show | jq length)" -gt 1 ]' _ "mpl-$KEPT-$server"

"$MPL_BIN" topo down "$KEPT" >/dev/null 2>"$MPL_TMP/err.down"
rc=$?
mpl_eq "lab B: topo down exits 0" 0 "$rc"
mpl_check_gone "$KEPT" before

mpl_finish
