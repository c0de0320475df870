#!/bin/bash
# topo_2path.sh NAME: topologies/two-path.json built and torn down with
# ip(8)/tc(8), the way a careful hand-written script does it; the reference
# bench_topo compares the lab's netlink path against.
#
#            +----- r1 (50 Mbit/s) -----+
#   client --+                          +-- server
#            +----- r2 (30 Mbit/s) -----+
#
# Same namespaces (mpl-NAME-client/r1/r2/server), veth pairs and names,
# IPv4+IPv6 addresses (no DAD, as the lab), routes, sysctls, tbf on each
# router's egress in both directions with the lab's burst/limit rule
# (burst = 4 ms at the rate, >= 2 frames; limit = 20 ms at the rate +
# burst), MPTCP limits and endpoints. Up, then down (kill what runs
# inside, `ip netns del`, wait until the names are gone).
#
# It prints CLOCK_REALTIME marks in µs for bench_topo:
#   t_start_us=...  t_up_us=...  t_down_us=...
# Unlike the lab it reads nothing back, so the comparison favours it.
set -eu

NAME=${1:?usage: topo_2path.sh NAME}
C=mpl-$NAME-client
R1=mpl-$NAME-r1
R2=mpl-$NAME-r2
S=mpl-$NAME-server
ALL="$C $R1 $R2 $S"

us() { echo "${EPOCHREALTIME/./}"; }

# tbf NS DEV RATE_BPS: the lab's derivation of burst and queue.
tbf()
{
	local bytes_ps=$(($3 / 8)) burst limit
	burst=$((bytes_ps * 4000 / 1000000))
	[ "$burst" -ge 3028 ] || burst=3028
	limit=$((bytes_ps * 20000 / 1000000 + burst))
	tc -n "$1" qdisc add dev "$2" root tbf rate "$3bit" burst "$burst" limit "$limit"
}

down()
{
	local ns pids
	for ns in $ALL; do
		pids=$(ip netns pids "$ns" 2>/dev/null || true)
		# shellcheck disable=SC2086
		[ -z "$pids" ] || kill -KILL $pids 2>/dev/null || true
		ip netns del "$ns" 2>/dev/null || true
	done
	for ns in $ALL; do
		while [ -e "/run/netns/$ns" ]; do sleep 0.001; done
	done
}
trap 'down' ERR

echo "t_start_us=$(us)"

for ns in $ALL; do
	ip netns add "$ns"
	ip -n "$ns" link set lo up
done

for ns in $ALL; do
	ip netns exec "$ns" sysctl -q -w net.ipv4.conf.all.rp_filter=0 \
		net.ipv4.conf.default.rp_filter=0
done
for ns in $R1 $R2; do
	ip netns exec "$ns" sysctl -q -w net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
done

# link NS_A IF_A NS_B IF_B
link()
{
	ip -n "$1" link add "$2" type veth peer name "$4" netns "$3"
	ip -n "$1" link set "$2" up
	ip -n "$3" link set "$4" up
}
link "$C" eth1 "$R1" c
link "$R1" s "$S" eth1
link "$C" eth2 "$R2" c
link "$R2" s "$S" eth2

# addr NS DEV V4 V6
addr()
{
	ip -n "$1" addr add "$3" dev "$2"
	ip -n "$1" addr add "$4" dev "$2" nodad
}
addr "$C" eth1 10.1.1.1/24 fd00:1:1::1/64
addr "$R1" c 10.1.1.2/24 fd00:1:1::2/64
addr "$R1" s 10.1.2.1/24 fd00:1:2::1/64
addr "$S" eth1 10.1.2.2/24 fd00:1:2::2/64
addr "$C" eth2 10.2.1.1/24 fd00:2:1::1/64
addr "$R2" c 10.2.1.2/24 fd00:2:1::2/64
addr "$R2" s 10.2.2.1/24 fd00:2:2::1/64
addr "$S" eth2 10.2.2.2/24 fd00:2:2::2/64

ip -n "$C" route add default via 10.1.1.2 dev eth1 metric 100
ip -n "$C" route add default via fd00:1:1::2 dev eth1 metric 100
ip -n "$C" route add default via 10.2.1.2 dev eth2 metric 200
ip -n "$C" route add default via fd00:2:1::2 dev eth2 metric 200
ip -n "$C" route add 10.2.2.0/24 via 10.2.1.2 dev eth2
ip -n "$C" route add fd00:2:2::/64 via fd00:2:1::2 dev eth2
ip -n "$R1" route add default via 10.1.2.2 dev s
ip -n "$R1" route add default via fd00:1:2::2 dev s
ip -n "$R2" route add default via 10.2.2.2 dev s
ip -n "$R2" route add default via fd00:2:2::2 dev s
ip -n "$S" route add default via 10.1.2.1 dev eth1 metric 100
ip -n "$S" route add default via fd00:1:2::1 dev eth1 metric 100
ip -n "$S" route add 10.2.1.0/24 via 10.2.2.1 dev eth2
ip -n "$S" route add fd00:2:1::/64 via fd00:2:2::1 dev eth2

# Path shaping on each router's egress: towards the server (up) and
# towards the client (down).
tbf "$R1" s 50000000
tbf "$R1" c 50000000
tbf "$R2" s 30000000
tbf "$R2" c 30000000

ip -n "$C" mptcp endpoint flush
ip -n "$C" mptcp limits set subflows 1 add_addr_accepted 0
ip -n "$C" mptcp endpoint add 10.2.1.1 dev eth2 subflow id 2
ip -n "$C" mptcp endpoint add fd00:2:1::1 dev eth2 subflow id 12
ip -n "$S" mptcp endpoint flush
ip -n "$S" mptcp limits set subflows 1 add_addr_accepted 0
ip -n "$S" mptcp endpoint add 10.2.2.2 dev eth2 signal id 2
ip -n "$S" mptcp endpoint add fd00:2:2::2 dev eth2 signal id 12

echo "t_up_us=$(us)"
trap - ERR
down
echo "t_down_us=$(us)"
