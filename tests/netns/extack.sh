#!/bin/bash
# extack: what the kernel refuses reaches the user in the kernel's words.
#
# 1. An endpoint with flags signal+fullmesh is refused by the parser
#    (exit 65, the JSON path named), before anything is created.
# 2. With a two-path lab up, a second lab is asked for something the
#    parser lets through but the kernel refuses: an endpoint with a port
#    and flags signal+subflow (the kernel wants "signal and not subflow"
#    with a port). The message must carry the kernel's extended ACK,
#    "(kernel: ...)", the half-built lab must be gone, and the first lab
#    untouched. If the parser refuses that too (exit 65), no command-line
#    path reaches the kernel with an invalid request: the item is skipped
#    (item 1 still counts: a failure there fails the test; with
#    MPL_STRICT=1 the skip is a failure too).
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
mpl_init

mpl_topology TOPO two-path
mpl_new_lab LAB
mpl_new_lab BAD x
mpl_snapshot before

# The first node with endpoints, and its first endpoint.
node=$(jq -r '[.nodes | to_entries[] | select(.value.mptcp.endpoints | length > 0) | .key][0]' "$TOPO")
ep="nodes.$node.mptcp.endpoints[0]"

# ---- 1. signal+fullmesh: the parser says no ---------------------------------------
"$MPL_BIN" topo up "$TOPO" --name "$BAD" --set "$ep.flags=[\"signal\",\"fullmesh\"]" \
	>/dev/null 2>"$MPL_TMP/err1"
rc=$?
mpl_eq "signal+fullmesh: exit 65" 65 "$rc"
mpl_log "stderr: $(head -n 1 "$MPL_TMP/err1")"
mpl_check "signal+fullmesh: message names $ep.flags" \
	grep -qF "$ep.flags" "$MPL_TMP/err1"
mpl_check_gone "$BAD" before

# ---- 2. what only the kernel refuses ------------------------------------------------
mpl_lab_up "$LAB" "$TOPO"
links_before=$(ip -n "mpl-$LAB-$node" -j link show | jq -c '[.[] | .ifname] | sort')

"$MPL_BIN" topo up "$TOPO" --name "$BAD" --set "$ep.flags=[\"signal\",\"subflow\"]" \
	--set "$ep.port=10100" >/dev/null 2>"$MPL_TMP/err2"
rc=$?
mpl_log "signal+subflow+port: exit $rc: $(head -n 1 "$MPL_TMP/err2")"
if [ "$rc" -eq 0 ]; then
	mpl_notok "signal+subflow+port: accepted by parser and kernel"
	"$MPL_BIN" topo down "$BAD" >/dev/null 2>&1
elif grep -Eq '\(kernel: [^)]+\)' "$MPL_TMP/err2"; then
	mpl_ok "signal+subflow+port: message carries the kernel's extended ACK"
	mpl_check "signal+subflow+port: message names the endpoint" \
		grep -q "endpoint '" "$MPL_TMP/err2"
	mpl_check "signal+subflow+port: exit $rc is a failure below 128" \
		test "$rc" -lt 128
elif [ "$rc" -eq 65 ] && grep -qF "$ep" "$MPL_TMP/err2"; then
	# Refused by the parser, by JSON path: the kernel was never asked.
	mpl_skip_part "item 2: the parser refuses signal+subflow+port too, so no command-line" \
		"path makes the lab send the kernel an invalid request"
else
	mpl_notok "signal+subflow+port: failed (exit $rc) without the kernel's extended ACK"
fi
mpl_check_gone "$BAD"
mpl_eq "the first lab is untouched" "$links_before" \
	"$(ip -n "mpl-$LAB-$node" -j link show | jq -c '[.[] | .ifname] | sort')"

"$MPL_BIN" topo down "$LAB" >/dev/null 2>&1
mpl_check_gone "$LAB" before
mpl_finish
