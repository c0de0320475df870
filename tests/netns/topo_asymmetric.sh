#!/bin/bash
# topo_asymmetric: topologies/asymmetric.json comes up as the file says,
# checked through ip/tc with the expected values read from the file by jq;
# it carries an MPTCP transfer (mptcp_xfer, 4 MiB) that ends with one
# subflow per path; and it goes down without a trace (no namespace, no
# registry entry, root namespace as before).
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
mpl_init

TOPO=$(mpl_topology asymmetric)
[ -r "$TOPO" ] || mpl_die "topology '$TOPO' is missing"
mpl_new_lab LAB
mpl_snapshot before

"$MPL_BIN" topo up "$TOPO" --name "$LAB" >"$MPL_TMP/out" 2>"$MPL_TMP/err"
rc=$?
if [ "$rc" -eq 69 ]; then
	# A capability this kernel lacks (e.g. netem for a delay): honest skip.
	mpl_check_gone "$LAB" before
	[ "$MPL_FAIL" -eq 0 ] || mpl_finish
	mpl_skip "asymmetric needs a capability this kernel lacks: $(head -n 1 "$MPL_TMP/err")"
fi
mpl_eq "topo up exits 0" 0 "$rc"
[ "$rc" -eq 0 ] || { sed 's/^/#   /' "$MPL_TMP/err"; mpl_finish; }
mpl_check "topo up says 'lab $LAB is up'" grep -q "^lab $LAB is up" "$MPL_TMP/out"

mpl_verify_topology "$TOPO" "$LAB"
mpl_xfer_check "$TOPO" "$LAB" 4194304

"$MPL_BIN" topo down "$LAB" >/dev/null 2>"$MPL_TMP/err"
rc=$?
mpl_eq "topo down exits 0" 0 "$rc"
[ "$rc" -eq 0 ] || sed 's/^/#   /' "$MPL_TMP/err"
mpl_check_gone "$LAB" before

mpl_finish
