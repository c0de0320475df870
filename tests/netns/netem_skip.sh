#!/bin/bash
# netem_skip: a delay needs netem, and the lab is honest about it.
#
# Probe: can a throwaway namespace's loopback take `netem delay 1ms`?
#   no  -> `topo up` with a path delay must exit 69 (capability missing)
#          and leave nothing; then the test exits 77, "netem not available".
#   yes -> the delay is in `tc -j qdisc` where the lab places the path's
#          shaping, and the ping RTT between the client and the server's
#          address on that path grows by about 2 x delay (both directions
#          are delayed) compared with the same lab without the delay.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
mpl_init

mpl_topology TOPO two-path
DELAY=10ms
DELAY_US=$(mpl_time_us "$DELAY")
mpl_new_lab LAB
mpl_new_lab BASE b
mpl_snapshot before

p1=$(jq -r '.paths | keys[0]' "$TOPO")
client=$(jq -r .client "$TOPO")
addr=$(mpl_server_addr "$TOPO" "$p1" inet)

# The probe namespace carries the test's lab prefix, so the trap removes it
# whatever happens.
probe="mpl-$LAB-probe"
ip netns add "$probe" || mpl_die "cannot add probe namespace '$probe'"
ip -n "$probe" link set lo up
if tc -n "$probe" qdisc add dev lo root netem delay 1ms 2>"$MPL_TMP/probe"; then
	have_netem=1
else
	have_netem=0
	mpl_log "probe: $(head -n 1 "$MPL_TMP/probe")"
fi
ip netns del "$probe"

"$MPL_BIN" topo up "$TOPO" --name "$LAB" --set "paths.$p1.shaping.delay=$DELAY" \
	>/dev/null 2>"$MPL_TMP/err"
rc=$?

if [ "$have_netem" -eq 0 ]; then
	mpl_eq "topo up with a $DELAY delay exits 69 without netem" 69 "$rc"
	mpl_log "stderr: $(head -n 1 "$MPL_TMP/err")"
	mpl_check "the error names netem" grep -qi netem "$MPL_TMP/err"
	[ "$rc" -ne 0 ] || "$MPL_BIN" topo down "$LAB" >/dev/null 2>&1
	mpl_check_gone "$LAB" before
	mpl_skip "netem not available"
fi

mpl_eq "topo up with a $DELAY delay exits 0" 0 "$rc"
[ "$rc" -eq 0 ] || { sed 's/^/#   /' "$MPL_TMP/err"; mpl_finish; }
for dir in up down; do
	read -r wnode wif wkind <<<"$(mpl_path_placement "$TOPO" "$p1" "$dir")"
	ns="mpl-$LAB-$wnode"
	[ "$wkind" = egress ] || wif=$(w_ingress_redirect "$ns" "$wif")
	mpl_eq "$dir: netem delay on '$wif' in '$wnode' (µs)" "$DELAY_US" "$(w_netem_delay_us "$ns" "$wif")"
done

# Only now is ping needed (Debian: iputils-ping).
command -v ping >/dev/null 2>&1 || {
	"$MPL_BIN" topo down "$LAB" >/dev/null 2>&1
	mpl_check_gone "$LAB" before
	mpl_skip "netem is available but 'ping' is not installed (iputils-ping)"
}
"$MPL_BIN" topo up "$TOPO" --name "$BASE" >/dev/null 2>"$MPL_TMP/err.base" ||
	{ sed 's/^/#   /' "$MPL_TMP/err.base"; mpl_die "the lab without delay did not come up"; }

# avg RTT in ms of `ping -c 3` from the client of lab $1
rtt_ms()
{
	ip netns exec "mpl-$1-$client" ping -n -q -c 3 -i 0.2 -W 2 "$addr" |
		awk -F/ '/^rtt|^round-trip/ { print $5 }'
}
with=$(rtt_ms "$LAB")
without=$(rtt_ms "$BASE")
mpl_log "RTT to $addr: $without ms without delay, $with ms with $DELAY each way"
if awk -v a="$with" -v b="$without" -v d="$DELAY_US" 'BEGIN {
	g = (a - b) * 1000; exit !(a != "" && b != "" && g >= 1.8 * d && g <= 2.5 * d) }'; then
	mpl_ok "RTT grows by about 2 x $DELAY"
else
	mpl_notok "RTT grows from '$without' to '$with' ms, expected about +2 x $DELAY"
fi

"$MPL_BIN" topo down "$LAB" >/dev/null 2>&1
"$MPL_BIN" topo down "$BASE" >/dev/null 2>&1
mpl_check_gone "$LAB"
mpl_check_gone "$BASE" before
mpl_finish
