#!/bin/bash
# shaping_accuracy: a path shaped to 50 Mbit/s delivers 90-98 % of it to a
# single plain TCP flow (the band the upstream simult_flows.sh and the
# harness's calibration rule expect: below 90 % the shaper's burst or queue
# is too small, above 98 % the rate is not enforced).
#
# two-path topology, first path forced to 50mbit in the client->server
# direction with --set; plain TCP (mptcp_xfer --tcp) from the client to the
# server's address on that path for about 4 s; goodput measured by the
# receiver from its first byte to EOF.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
mpl_init

TOPO=$(mpl_topology two-path)
[ -r "$TOPO" ] || mpl_die "topology '$TOPO' is missing"
RATE=50mbit
RATE_BPS=$(mpl_rate_bps "$RATE")
DURATION_MS=4000
mpl_new_lab LAB
mpl_snapshot before

p1=$(jq -r '.paths | keys[0]' "$TOPO")
client=$(jq -r .client "$TOPO")
server=$(jq -r .server "$TOPO")
addr=$(mpl_server_addr "$TOPO" "$p1" inet)
[ -n "$addr" ] || mpl_die "no IPv4 address of the server on path '$p1'"

# The direction's own rate would win over the path's: set both.
"$MPL_BIN" topo up "$TOPO" --name "$LAB" \
	--set "paths.$p1.shaping.rate=$RATE" --set "paths.$p1.shaping.up.rate=$RATE" \
	>/dev/null 2>"$MPL_TMP/err"
rc=$?
if [ "$rc" -eq 69 ]; then
	mpl_check_gone "$LAB" before
	[ "$MPL_FAIL" -eq 0 ] || mpl_finish
	mpl_skip "two-path needs a capability this kernel lacks: $(head -n 1 "$MPL_TMP/err")"
fi
mpl_eq "topo up with $p1 at $RATE exits 0" 0 "$rc"
[ "$rc" -eq 0 ] || { sed 's/^/#   /' "$MPL_TMP/err"; mpl_finish; }

read -r wnode wif wkind <<<"$(mpl_path_placement "$TOPO" "$p1" up)"
ns="mpl-$LAB-$wnode"
[ "$wkind" = egress ] || wif=$(w_ingress_redirect "$ns" "$wif")
got=$(w_shaper_rate_bps "$ns" "$wif")
mpl_check "shaper on '$wif' in '$wnode' is at $RATE ($got bit/s)" mpl_within "$got" "$RATE_BPS" 1

out="$MPL_TMP/server"
if mpl_xfer_server "mpl-$LAB-$server" 5201 "$out" --tcp; then
	res=$(ip netns exec "mpl-$LAB-$client" "$MPL_XFER" client --tcp --connect "$addr" \
		--port 5201 --duration-ms "$DURATION_MS" --timeout 30 2>"$MPL_TMP/cerr")
	mpl_log "client: ${res:-$(cat "$MPL_TMP/cerr")}"
	srv=$(mpl_xfer_server_result "$out")
	mpl_log "server: $srv"
	[ -n "$srv" ] || srv='{}'
	goodput=$(jq -r '.goodput_bps // 0' <<<"$srv")
	ratio=$(awk -v g="$goodput" -v r="$RATE_BPS" 'BEGIN { printf "%.1f", 100 * g / r }')
	mpl_log "goodput $(awk -v g="$goodput" 'BEGIN { printf "%.2f", g / 1e6 }') Mbit/s = $ratio % of $RATE"
	if awk -v x="$ratio" 'BEGIN { exit !(x >= 90 && x <= 98) }'; then
		mpl_ok "goodput is within 90-98 % of $RATE ($ratio %)"
	else
		mpl_notok "goodput is $ratio % of $RATE, expected 90-98 %"
	fi
fi

"$MPL_BIN" topo down "$LAB" >/dev/null 2>&1
mpl_check_gone "$LAB" before
mpl_finish
