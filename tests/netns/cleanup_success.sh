#!/bin/bash
# cleanup_success: a lab built by `topo up` and removed by `topo down`
# leaves nothing: no namespace, no registry entry, and the root namespace
# (links, qdiscs, addresses, routes, MPTCP state, netns list) as it was.
# Also: `topo down` of a lab that does not exist fails and changes nothing.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
mpl_init

mpl_topology TOPO two-path
mpl_new_lab LAB

mpl_snapshot before
out=$("$MPL_BIN" topo up "$TOPO" --name "$LAB" 2>"$MPL_TMP/err")
rc=$?
mpl_eq "topo up exits 0" 0 "$rc"
[ "$rc" -eq 0 ] || sed 's/^/#   /' "$MPL_TMP/err"
mpl_check "topo up says 'lab $LAB is up'" grep -q "^lab $LAB is up" <<<"$out"

want=$(mpl_jq "$TOPO" '.nodes | keys | length')
mpl_eq "one namespace per node" "$want" "$(mpl_lab_netns "$LAB" | wc -l)"
for node in $(mpl_jq "$TOPO" '.nodes | keys[]'); do
	mpl_check "namespace mpl-$LAB-$node exists" mpl_netns_exists "mpl-$LAB-$node"
done
mpl_check "registry entry /run/mptcp-lab/$LAB.lab exists" test -e "/run/mptcp-lab/$LAB.lab"
mpl_check "topo list shows the lab" \
	bash -c '"$1" topo list --json | jq -e --arg n "$2" "[.. | objects | select(.name? == \$n)] | length >= 1" >/dev/null' \
	_ "$MPL_BIN" "$LAB"

"$MPL_BIN" topo down "$LAB" >/dev/null 2>"$MPL_TMP/err"
rc=$?
mpl_eq "topo down exits 0" 0 "$rc"
[ "$rc" -eq 0 ] || sed 's/^/#   /' "$MPL_TMP/err"
mpl_check_gone "$LAB" before

"$MPL_BIN" topo down "$LAB" >/dev/null 2>&1
rc=$?
mpl_check "topo down of a lab that is gone fails (exit $rc)" test "$rc" -ne 0
mpl_snapshot_check before

mpl_finish
