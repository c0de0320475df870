#!/bin/bash
# shaping_accuracy: a path shaped to 50 Mbit/s delivers 90-98 % of it to a
# single plain TCP flow (the band the upstream simult_flows.sh and the
# harness's calibration rule expect: below 90 % the shaper's burst or queue
# is too small, above 98 % the rate is not enforced).
#
# two-path topology, first path forced to 50mbit in the client->server
# direction with --set; plain TCP (`mptcp-lab xfer --tcp`, the native
# engine's client and server) from the client to the server's address on
# that path for about 4 s; goodput measured by the receiver from its first
# byte to its last.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
mpl_init

mpl_topology TOPO two-path
RATE=50mbit
RATE_BPS=$(mpl_rate_bps "$RATE")
DURATION=4s
mpl_new_lab LAB
mpl_snapshot before

p1=$(jq -r '.paths | keys[0]' "$TOPO")
client=$(jq -r .client "$TOPO")
server=$(jq -r .server "$TOPO")
addr=$(mpl_server_addr "$TOPO" "$p1" inet)
[ -n "$addr" ] || mpl_die "no IPv4 address of the server on path '$p1'"

# The direction's own rate would win over the path's: set both.
mpl_lab_up "$LAB" "$TOPO" --set "paths.$p1.shaping.rate=$RATE" \
	--set "paths.$p1.shaping.up.rate=$RATE"

read -r wnode wif wkind <<<"$(mpl_path_placement "$TOPO" "$p1" up)"
ns="mpl-$LAB-$wnode"
[ "$wkind" = egress ] || wif=$(w_ingress_redirect "$ns" "$wif")
got=$(w_shaper_rate_bps "$ns" "$wif")
mpl_check "shaper on '$wif' in '$wnode' is at $RATE ($got bit/s)" mpl_within "$got" "$RATE_BPS" 1

out="$MPL_TMP/server"
if mpl_xfer_server "mpl-$LAB-$server" 5201 "$out" --tcp --interval 0; then
	ip netns exec "mpl-$LAB-$client" "$MPL_BIN" xfer client --tcp --interval 0 \
		--connect "$addr" --port 5201 --duration "$DURATION" --timeout 30s \
		>"$MPL_TMP/client" 2>"$MPL_TMP/client.err" || sed 's/^/#   /' "$MPL_TMP/client.err"
	mpl_xfer_server_wait
	mpl_log "client: $(mpl_xfer_summary "$MPL_TMP/client" | cut -c1-300)"
	mpl_log "server: $(mpl_xfer_summary "$out" | cut -c1-300)"
	goodput=$(mpl_xfer_jq "$out" '.goodput_bps // 0')
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
