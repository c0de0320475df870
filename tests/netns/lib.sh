# shellcheck shell=bash
#
# lib.sh: what the netns tests share on top of the harness of every test
# (../lib.sh, sourced here: ok/not ok, skips, the temp dir and the exit
# trap). Sourced, never run.
#
# What it gives a test:
#   - mpl_init: root, jq, ip and tc or an honest skip, then ../lib.sh's
#     mpl_setup;
#   - a unique lab name per test (t<pid><suffix>, at most 16 characters);
#   - an exit clean-up that ALWAYS tears down what the test built:
#     `mptcp-lab topo down NAME`, then any namespace `mpl-NAME-*` that is
#     still there (killing what runs inside it, and only there);
#   - a snapshot of the root namespace (links, qdiscs, addresses, routes,
#     MPTCP endpoints/limits, a few sysctls, `ip netns list`) to compare
#     before/after;
#   - witnesses: what ip(8)/tc(8) say a namespace holds, as JSON for jq.
#     They never go through mptcp-lab, so they check it independently;
#   - traffic through the native engine's own client and server
#     (`mptcp-lab xfer`), run by hand in the lab's namespaces.
#
# What it does not do: configure anything itself (tests build labs only
# through mptcp-lab), or touch namespaces that are not the test's own.
#
# Environment (set by CTest): MPL_BIN, MPL_SOURCE_DIR, MPL_BUILD_DIR.

# shellcheck source=../lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

MPL_LABS=()

mpl_init()
{
	mpl_require_root
	mpl_setup jq ip tc "$@"
	mpl_on_exit mpl_labs_cleanup
}

# ---- names and cleanup --------------------------------------------------------

# mpl_new_lab VAR [SUFFIX]: set VAR to "t<pid><suffix>" and register it for
# cleanup (a function, not $(...), so the registration is not lost in a
# subshell). Lab names are 1..16 of [a-z0-9_-]; a pid has at most 7 digits.
mpl_new_lab()
{
	local name="t$$${2:-}"
	[ ${#name} -le 16 ] || mpl_die "lab name '$name' is longer than 16"
	MPL_LABS+=("$name")
	printf -v "$1" '%s' "$name"
}

# mpl_track_lab NAME: also clean NAME up at exit (for names made elsewhere).
mpl_track_lab() { MPL_LABS+=("$1"); }

# Namespaces of a lab that exist right now, one per line.
mpl_lab_netns()
{
	ip netns list 2>/dev/null | awk '{print $1}' | grep -E "^mpl-$1-" || true
}

mpl_netns_exists() { ip netns list 2>/dev/null | awk '{print $1}' | grep -qxF "$1"; }

mpl_no_lab_netns() { [ -z "$(mpl_lab_netns "$1")" ]; }

# mpl_lab_has_all LAB TOPO: LAB has one namespace per node of TOPO.
mpl_lab_has_all() { [ "$(mpl_lab_netns "$1" | wc -l)" -eq "$(jq '.nodes | length' "$2")" ]; }

# mpl_lab_up LAB TOPO [ARGS...]: `topo up TOPO --name LAB ARGS...`, its
# output in $MPL_TMP/out and $MPL_TMP/err. Exit 69 (a capability this
# kernel lacks, e.g. netem for a delay) is an honest skip, once the lab is
# checked gone (and the root namespace against snapshot "before", when the
# test took one); any other failure ends the test.
mpl_lab_up()
{
	local lab=$1 topo=$2 rc
	shift 2
	"$MPL_BIN" topo up "$topo" --name "$lab" "$@" >"$MPL_TMP/out" 2>"$MPL_TMP/err"
	rc=$?
	if [ "$rc" -eq 69 ]; then
		if [ -e "$MPL_TMP/root.before" ]; then
			mpl_check_gone "$lab" before
		else
			mpl_check_gone "$lab"
		fi
		mpl_skip "$(basename "$topo" .json) needs a capability this kernel lacks: $(head -n 1 "$MPL_TMP/err")"
	fi
	mpl_eq "topo up $(basename "$topo") as '$lab' exits 0" 0 "$rc"
	[ "$rc" -eq 0 ] || { sed 's/^/#   /' "$MPL_TMP/err"; mpl_finish; }
}

# Delete a namespace by hand, the way a careful human would: kill what runs
# inside first, since a process keeps the namespace alive.
mpl_force_del_netns()
{
	local ns=$1 pids
	pids=$(ip netns pids "$ns" 2>/dev/null || true)
	# shellcheck disable=SC2086
	[ -z "$pids" ] || kill -KILL $pids 2>/dev/null || true
	ip netns del "$ns" 2>/dev/null || true
}

# The test's labs at exit: `topo down`, then whatever is left by hand.
mpl_labs_cleanup()
{
	local lab ns
	for lab in "${MPL_LABS[@]}"; do
		[ -n "$(mpl_lab_netns "$lab")" ] || [ -e "/run/mptcp-lab/$lab.lab" ] || continue
		"$MPL_BIN" topo down "$lab" >/dev/null 2>&1 || true
		for ns in $(mpl_lab_netns "$lab"); do
			printf '# cleanup: %s was left behind, removing it\n' "$ns"
			mpl_force_del_netns "$ns"
		done
		rm -f "/run/mptcp-lab/$lab.lab"
	done
}

# ---- the root namespace: snapshot and compare ----------------------------------

# Print a normalised description of the root namespace. Fields that change
# on their own (address lifetimes, refcounts, route expiry) are dropped.
mpl_root_state()
{
	printf 'links '
	ip -j link show | jq -cS '[.[] | {ifindex, ifname, flags, mtu, qdisc,
		operstate, master, link_type, address, link_netnsid}]'
	printf 'qdiscs '
	tc -j qdisc show | jq -cS '[.[] | del(.refcnt)]'
	printf 'addrs '
	ip -j addr show | jq -cS '[.[] | {ifname, a: [.addr_info[]? |
		{local, prefixlen}]}]'
	printf 'routes '
	ip -j route show table all | jq -cS '[.[] | del(.expires)]'
	printf 'routes6 '
	ip -6 -j route show table all | jq -cS '[.[] | del(.expires)]'
	printf 'mptcp_endpoints '
	ip mptcp endpoint show 2>/dev/null | sort | tr '\n' ';'
	printf '\nmptcp_limits '
	ip mptcp limits show 2>/dev/null | tr '\n' ';'
	printf '\nsysctls '
	sysctl -n net.ipv4.ip_forward net.ipv6.conf.all.forwarding \
		net.ipv4.conf.all.rp_filter 2>/dev/null | tr '\n' ' '
	sysctl -a --pattern '^net\.mptcp\.' 2>/dev/null | sort | tr '\n' ';'
	printf '\nnetns '
	# Namespaces of other labs (other tests, other users of this host)
	# may come and go: compare everything else, and check our own lab's
	# absence separately with mpl_no_lab_netns.
	ip netns list 2>/dev/null | awk '{print $1}' | grep -v '^mpl-' | sort | tr '\n' ' '
	printf '\n'
}

mpl_snapshot() { mpl_root_state >"$MPL_TMP/root.$1"; }

# mpl_snapshot_check TAG: ok if the root namespace equals snapshot TAG.
mpl_snapshot_check()
{
	mpl_root_state >"$MPL_TMP/root.$1.after"
	if cmp -s "$MPL_TMP/root.$1" "$MPL_TMP/root.$1.after"; then
		mpl_ok "root namespace unchanged since snapshot '$1'"
	else
		mpl_notok "root namespace changed since snapshot '$1'"
		diff -u "$MPL_TMP/root.$1" "$MPL_TMP/root.$1.after" | sed 's/^/#   /'
	fi
}

# mpl_check_gone LAB [TAG]: the lab's namespaces are gone, its registry entry
# too, and (with TAG) the root namespace equals the snapshot.
mpl_check_gone()
{
	local left
	left=$(mpl_lab_netns "$1" | tr '\n' ' ')
	if [ -z "$left" ]; then
		mpl_ok "no namespace of lab '$1' left"
	else
		mpl_notok "namespaces of lab '$1' left: $left"
	fi
	mpl_check "no registry entry of lab '$1' left" test ! -e "/run/mptcp-lab/$1.lab"
	[ $# -lt 2 ] || mpl_snapshot_check "$2"
}

# ---- topology files --------------------------------------------------------------

# mpl_topology VAR NAME: set VAR to the shipped topologies/NAME.json; a
# missing file fails the test.
mpl_topology()
{
	local f="$MPL_SOURCE_DIR/topologies/$2.json"
	[ -r "$f" ] || mpl_die "topology '$f' is missing"
	printf -v "$1" '%s' "$f"
}

# mpl_jq FILE FILTER [jq args...]: raw output of a filter over a topology.
mpl_jq() { local f=$1 q=$2; shift 2; jq -r "$@" "$q" "$f"; }

# ---- witnesses: what the kernel says, through ip(8) and tc(8) --------------------

w_links() { ip -n "$1" -j link show; }
w_addrs() { ip -n "$1" -j addr show; }
w_routes() { ip -n "$1" -j route show; ip -n "$1" -6 -j route show; }
w_qdiscs() { tc -n "$1" -j qdisc show; }
w_endpoints() { ip -n "$1" -j mptcp endpoint show; }
w_sysctl() { ip netns exec "$1" sysctl -n "$2"; }

# w_has_addr NS IFNAME ADDR PREFIXLEN
w_has_addr()
{
	ip -n "$1" -j addr show dev "$2" 2>/dev/null | jq -e --arg a "$3" --argjson p "$4" \
		'[.[].addr_info[] | select(.local == $a and .prefixlen == $p)] | length == 1' >/dev/null
}

# w_link_up NS IFNAME
w_link_up()
{
	ip -n "$1" -j link show dev "$2" 2>/dev/null | jq -e '.[0].flags | index("UP") != null' >/dev/null
}

# w_mtu NS IFNAME -> MTU
w_mtu() { ip -n "$1" -j link show dev "$2" | jq -r '.[0].mtu'; }

# w_has_route NS DST VIA DEV: VIA may be "" for a connected route. DST is
# "default" or a prefix as ip prints it.
w_has_route()
{
	w_routes "$1" 2>/dev/null | jq -se --arg d "$2" --arg v "$3" --arg dev "$4" '
		[.[][] | select(.dst == $d and (.gateway // "") == $v and
			($dev == "" or .dev == $dev))] | length >= 1' >/dev/null
}

# w_root_qdisc_kind NS DEV -> kind of the root qdisc
w_root_qdisc_kind()
{
	tc -n "$1" -j qdisc show dev "$2" | jq -r '[.[] | select(.root == true)][0].kind // "none"'
}

# w_shaper_rate_bps NS DEV -> rate in bit/s of the rate shaper on DEV's
# egress: tbf at the root, or the htb class that carries the traffic.
# tc prints rates in bytes per second in JSON.
w_shaper_rate_bps()
{
	local kind
	kind=$(w_root_qdisc_kind "$1" "$2")
	case $kind in
	tbf)
		tc -n "$1" -j qdisc show dev "$2" |
			jq -r '[.[] | select(.kind == "tbf")][0].options.rate * 8'
		;;
	htb)
		tc -n "$1" -j class show dev "$2" |
			jq -r '[.[] | select(.class == "htb") | .rate] | max * 8'
		;;
	*) echo 0 ;;
	esac
}

# w_has_netem NS DEV: any netem qdisc on DEV
w_has_netem() { tc -n "$1" -j qdisc show dev "$2" | jq -e 'any(.[]; .kind == "netem")' >/dev/null; }

# w_netem_delay_us NS DEV -> netem delay in µs (tc prints seconds)
w_netem_delay_us()
{
	tc -n "$1" -j qdisc show dev "$2" |
		jq -r '[.[] | select(.kind == "netem")][0].options.delay.delay * 1000000 | round'
}

# w_has_ingress NS DEV
w_has_ingress() { tc -n "$1" -j qdisc show dev "$2" | jq -e 'any(.[]; .kind == "ingress")' >/dev/null; }

# w_ingress_redirect NS DEV -> device the ingress filter redirects to
w_ingress_redirect()
{
	tc -n "$1" -j filter show dev "$2" ingress 2>/dev/null | jq -r '
		[.[] | .options.actions[]? | select(.kind == "mirred" and
			.mirred_action == "redirect") | .to_dev][0] // "none"'
}

# w_has_endpoint NS ADDR FLAGS_CSV [ID [DEV]]: one endpoint with this address
# and exactly these flags (and this id / device when given)
w_has_endpoint()
{
	w_endpoints "$1" 2>/dev/null | jq -e --arg a "$2" --arg f "$3" --arg id "${4:-}" \
		--arg dev "${5:-}" '
		[.[] | select(.address == $a and
			([("signal","subflow","backup","fullmesh")] as $all |
			 [$all[] as $k | select(.[$k] == true) | $k] | sort) ==
			($f | split(",") | map(select(. != "")) | sort) and
			($id == "" or (.id | tostring) == $id) and
			($dev == "" or .dev == $dev))] | length == 1' >/dev/null
}

w_endpoint_count() { w_endpoints "$1" | jq 'length'; }

# w_limits NS -> {"subflows":N,"add_addr_accepted":M}: iproute2 6.1 has no
# JSON output for limits, so the text "add_addr_accepted 2 subflows 2" is
# turned into JSON here.
w_limits()
{
	ip -n "$1" mptcp limits show | tr -s ' \n' ' ' | awk '{
		out = "{"; sep = ""
		for (i = 1; i < NF; i += 2) { out = out sep "\"" $i "\":" $(i + 1); sep = "," }
		print out "}" }'
}

# ---- traffic ------------------------------------------------------------------
#
# The native engine's own client and server (`mptcp-lab xfer`, protocol and
# output in runner/engine/xfer.h), run by hand in a lab's namespaces: JSON
# lines of samples, then one summary line after a complete transfer.

# mpl_xfer_server NS PORT OUTFILE [args...]: an xfer server in NS, in the
# background, for one connection; returns once it printed "ready" (its
# first line, after listen()), not after a sleep. Sets MPL_SERVER_PID; its
# stderr goes to OUTFILE.err.
mpl_xfer_server()
{
	local ns=$1 port=$2 out=$3
	shift 3
	: >"$out"
	ip netns exec "$ns" "$MPL_BIN" xfer server --port "$port" --timeout 60s "$@" \
		>"$out" 2>"$out.err" &
	MPL_SERVER_PID=$!
	mpl_track_pid "$MPL_SERVER_PID"
	mpl_wait_until 10 grep -qx ready "$out" || {
		mpl_notok "xfer server in '$ns' did not print 'ready'"
		sed 's/^/#   /' "$out.err"
		return 1
	}
}

# mpl_xfer_server_wait: the server's exit status.
mpl_xfer_server_wait() { wait "$MPL_SERVER_PID"; }

# mpl_xfer_summary FILE: the summary line of an xfer output.
mpl_xfer_summary() { grep '"type":"summary"' "$1" | tail -n 1; }

# mpl_xfer_jq FILE FILTER: a jq filter over the summary of FILE, raw.
mpl_xfer_jq() { mpl_xfer_summary "$1" | jq -r "$2"; }

# ---- checking a lab against its topology file ----------------------------------------
#
# Expected values are computed from the topology file with jq (what the
# file says), found values come from ip(8)/tc(8) (what the kernel has). The
# file format is described in topologies/README.md.

# mpl_rate_bps "50mbit" -> 50000000 (tc(8) units: *bit = bit/s, *bps =
# bytes/s, a bare number is bit/s), "" when malformed.
mpl_rate_bps()
{
	printf '%s\n' "$1" | awk '{
		s = tolower($0)
		if (!match(s, /^[0-9]+(\.[0-9]+)?/)) { print ""; exit }
		n = substr(s, 1, RLENGTH); u = substr(s, RLENGTH + 1)
		f["bit"] = 1; f[""] = 1; f["kbit"] = 1e3; f["mbit"] = 1e6; f["gbit"] = 1e9
		f["tbit"] = 1e12; f["kibit"] = 1024; f["mibit"] = 1048576
		f["gibit"] = 1073741824; f["bps"] = 8; f["kbps"] = 8e3; f["mbps"] = 8e6
		f["gbps"] = 8e9
		if (!(u in f)) { print ""; exit }
		printf "%.0f\n", n * f[u] }'
}

# mpl_time_us "10ms" -> 10000
mpl_time_us()
{
	printf '%s\n' "$1" | awk '{
		s = tolower($0)
		if (!match(s, /^[0-9]+(\.[0-9]+)?/)) { print ""; exit }
		n = substr(s, 1, RLENGTH); u = substr(s, RLENGTH + 1)
		f["us"] = 1; f["ms"] = 1000; f["s"] = 1e6
		if (!(u in f)) { print ""; exit }
		printf "%.0f\n", n * f[u] }'
}

# mpl_within A B PCT: |A - B| <= PCT % of B
mpl_within() { awk -v a="$1" -v b="$2" -v p="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= b * p / 100) }'; }

# mpl_path_placement FILE PATH DIR(up|down) -> "NODE IFNAME ingress|egress"
# Where the lab puts a path's shaping (lab_path_placement in lab/spec.c,
# rule documented in lab.h): a direct link is shaped on the receiver's
# ingress (through ifb); otherwise on the forwarding node next to the
# receiver, on its egress towards the receiver.
mpl_path_placement()
{
	jq -r --arg p "$2" --arg dir "$3" '
		. as $t
		| ($t.paths[$p].links) as $L
		| def link($n): ($t.links[] | select(.name == $n));
		  def nodes($l): [$l.a.node, $l.b.node];
		if ($L | length) == 1 then
			link($L[0]) as $l
			| (if $dir == "up" then $t.server else $t.client end) as $rx
			| (if $l.a.node == $rx then $l.a else $l.b end) as $e
			| "\($e.node) \($e.ifname) ingress"
		else
			(if $dir == "up" then link($L[-1]) else link($L[0]) end) as $l
			| (if $dir == "up" then link($L[-2]) else link($L[1]) end) as $in
			| (if (nodes($in) | index($l.a.node)) != null then $l.a else $l.b end) as $e
			| "\($e.node) \($e.ifname) egress"
		end' "$1"
}

# mpl_path_shaping FILE PATH DIR KEY -> the value of shaping KEY in
# direction DIR (the direction's own value wins over the path's), or "".
mpl_path_shaping()
{
	jq -r --arg p "$2" --arg dir "$3" --arg k "$4" '
		.paths[$p].shaping // {} | (.[$dir][$k] // .[$k] // "") | tostring' "$1"
}

# mpl_server_addr FILE PATH [inet|inet6] -> the server's address on a path
# (on the server's end of the path's last link), without the prefix.
mpl_server_addr()
{
	jq -r --arg p "$2" --arg fam "${3:-inet}" '
		. as $t | ($t.paths[$p].links[-1]) as $ln
		| ($t.links[] | select(.name == $ln)) as $l
		| (if $l.a.node == $t.server then $l.a else $l.b end)
		| [.addresses[]? | split("/")[0]
		   | select(($fam == "inet6") == (contains(":")))][0] // ""' "$1"
}

# Canonical form of a route destination as ip(8) prints it.
mpl_route_dst()
{
	case $1 in
	default) echo default ;;
	*:*/128) echo "${1%/128}" ;;
	*/32) echo "${1%/32}" ;;
	*) echo "$1" ;;
	esac
}

# mpl_verify_topology FILE LAB: every object the file describes is in the
# kernel, checked through ip(8)/tc(8). One ok/not ok line per object.
mpl_verify_topology()
{
	local f=$1 lab=$2 node ns l e k v want got dst via dev dir p
	local where wnode wif wkind rate delay ifb

	# Nodes -> namespaces, nothing more, nothing less.
	want=$(jq -r '.nodes | keys | length' "$f")
	mpl_eq "lab '$lab' has one namespace per node" "$want" "$(mpl_lab_netns "$lab" | wc -l)"
	for node in $(jq -r '.nodes | keys[]' "$f"); do
		mpl_check "namespace of node '$node' exists" mpl_netns_exists "mpl-$lab-$node"
	done

	# Links: both ends up, in their node, with MTU and addresses.
	while IFS= read -r l; do
		for e in a b; do
			node=$(jq -r ".$e.node" <<<"$l")
			ns="mpl-$lab-$node"
			k=$(jq -r ".$e.ifname" <<<"$l")
			mpl_check "link $(jq -r .name <<<"$l"): '$k' is up in '$node'" w_link_up "$ns" "$k"
			want=$(jq -r '.mtu // empty' <<<"$l")
			[ -z "$want" ] || mpl_eq "mtu of '$k' in '$node'" "$want" "$(w_mtu "$ns" "$k")"
			for v in $(jq -r ".$e.addresses[]?" <<<"$l"); do
				case $v in
				*/*) ;;
				*:*) v="$v/128" ;;
				*) v="$v/32" ;;
				esac
				mpl_check "address $v on '$k' in '$node'" \
					w_has_addr "$ns" "$k" "${v%/*}" "${v#*/}"
			done
		done
	done < <(jq -c '.links[]' "$f")

	# Routes, per node.
	while IFS=$'\t' read -r node dst via dev; do
		dst=$(mpl_route_dst "$dst")
		mpl_check "route in '$node' to $dst${via:+ via $via}${dev:+ dev $dev}" \
			w_has_route "mpl-$lab-$node" "$dst" "$via" "$dev"
	done < <(jq -r '(.routes // {}) | to_entries[] | .key as $n | .value[] |
		[$n, .to, (.via // ""), (.dev // "")] | @tsv' "$f")

	# Sysctls, explicit and implied by "forwarding": true.
	while IFS=$'\t' read -r node k v; do
		mpl_eq "sysctl $k in '$node'" "$v" "$(w_sysctl "mpl-$lab-$node" "$k" 2>&1)"
	done < <(jq -r '.nodes | to_entries[] | .key as $n | .value |
		(((.sysctls // {}) | to_entries[] | [$n, .key, (.value | tostring)]),
		 (if .forwarding == true then
			[$n, "net.ipv4.ip_forward", "1"],
			[$n, "net.ipv6.conf.all.forwarding", "1"] else empty end)) | @tsv' "$f")

	# MPTCP: limits and endpoints, and no endpoint the file does not name.
	for node in $(jq -r '.nodes | to_entries[] | select(.value.mptcp != null) | .key' "$f"); do
		ns="mpl-$lab-$node"
		want=$(jq -c --arg n "$node" '.nodes[$n].mptcp.limits // empty |
			{subflows: (.subflows // 0), add_addr_accepted: (.add_addr_accepted // 0)}' "$f")
		if [ -n "$want" ]; then
			got=$(w_limits "$ns" | jq -c '{subflows, add_addr_accepted}')
			mpl_eq "MPTCP limits in '$node'" "$want" "$got"
		fi
		while IFS=$'\t' read -r v k p dev; do
			mpl_check "MPTCP endpoint $v [$k]${p:+ id $p}${dev:+ dev $dev} in '$node'" \
				w_has_endpoint "$ns" "$v" "$k" "$p" "$dev"
		done < <(jq -r --arg n "$node" '.nodes[$n].mptcp.endpoints[]? |
			[.address, ((.flags // []) | join(",")), ((.id // "") | tostring),
			 (.dev // "")] | @tsv' "$f")
		want=$(jq -r --arg n "$node" '.nodes[$n].mptcp.endpoints // [] | length' "$f")
		mpl_eq "number of MPTCP endpoints in '$node'" "$want" "$(w_endpoint_count "$ns")"
	done

	# Shaping of each path, where the lab's placement rule puts it.
	for p in $(jq -r '(.paths // {}) | keys[]' "$f"); do
		for dir in up down; do
			rate=$(mpl_path_shaping "$f" "$p" "$dir" rate)
			delay=$(mpl_path_shaping "$f" "$p" "$dir" delay)
			[ -n "$rate$delay" ] || continue
			where=$(mpl_path_placement "$f" "$p" "$dir")
			read -r wnode wif wkind <<<"$where"
			ns="mpl-$lab-$wnode"
			if [ "$wkind" = ingress ]; then
				mpl_check "path $p $dir: ingress qdisc on '$wif' in '$wnode'" \
					w_has_ingress "$ns" "$wif"
				ifb=$(w_ingress_redirect "$ns" "$wif")
				mpl_check "path $p $dir: '$wif' redirected to an ifb ('$ifb')" \
					bash -c '[ "$(ip -n "$1" -d -j link show dev "$2" 2>/dev/null |
						jq -r ".[0].linkinfo.info_kind")" = ifb ]' _ "$ns" "$ifb"
				wif=$ifb
			fi
			if [ -n "$rate" ]; then
				want=$(mpl_rate_bps "$rate")
				got=$(w_shaper_rate_bps "$ns" "$wif")
				if mpl_within "$got" "$want" 1; then
					mpl_ok "path $p $dir: $rate on '$wif' in '$wnode' ($(w_root_qdisc_kind "$ns" "$wif") $got bit/s)"
				else
					mpl_notok "path $p $dir: rate on '$wif' in '$wnode' is $got bit/s, expected $want ($rate)"
				fi
			fi
			if [ -n "$delay" ]; then
				want=$(mpl_time_us "$delay")
				got=$(w_netem_delay_us "$ns" "$wif")
				mpl_eq "path $p $dir: netem delay on '$wif' in '$wnode' (µs)" "$want" "$got"
			fi
		done
	done
}

# mpl_xfer_check FILE LAB BYTES: an MPTCP transfer from the client node to
# the server's address on the first path delivers every byte, is MPTCP at
# both ends, and ends with one subflow per path (the extra subflows joined
# over the other paths): the client's last sample, taken after the
# transfer and before close(), lists them.
mpl_xfer_check()
{
	local f=$1 lab=$2 bytes=$3 client server p1 addr want cout sout
	client=$(jq -r .client "$f")
	server=$(jq -r .server "$f")
	p1=$(jq -r '.paths | keys[0]' "$f")
	addr=$(mpl_server_addr "$f" "$p1" inet)
	[ -n "$addr" ] || addr=$(mpl_server_addr "$f" "$p1" inet6)
	want=$(jq -r '.paths | length' "$f")
	sout="$MPL_TMP/xfer.server"
	cout="$MPL_TMP/xfer.client"
	mpl_xfer_server "mpl-$lab-$server" 5201 "$sout" || return
	ip netns exec "mpl-$lab-$client" "$MPL_BIN" xfer client --connect "$addr" \
		--port 5201 --bytes "$bytes" --timeout 60s >"$cout" 2>"$cout.err" ||
		sed 's/^/#   /' "$cout.err"
	mpl_xfer_server_wait
	mpl_log "client: $(mpl_xfer_summary "$cout" | cut -c1-300)"
	mpl_log "server: $(mpl_xfer_summary "$sout" | cut -c1-300)"
	mpl_eq "transfer to $addr ($p1): all $bytes bytes sent" "$bytes" \
		"$(mpl_xfer_jq "$cout" '.bytes_sent // "none"')"
	mpl_eq "transfer: the server received them all" "$bytes" \
		"$(mpl_xfer_jq "$sout" '.bytes // "none"')"
	mpl_eq "transfer: the connection is MPTCP at both ends" "true true" \
		"$(mpl_xfer_jq "$cout" .mptcp) $(mpl_xfer_jq "$sout" .mptcp)"
	mpl_eq "transfer: subflows = number of paths" "$want" \
		"$(grep '^{' "$cout" | jq -s '(map(select(.type == "conn")) | last | .t_us) as $t |
			[.[] | select(.type == "subflow" and .t_us == $t)] | length')"
}

# mpl_topo_updown_test NAME BYTES: the whole test of one shipped topology
# (topologies/NAME.json), shared by the topo_*.sh scripts: `topo up` comes
# up as the file says (mpl_verify_topology), carries a BYTES transfer with
# one subflow per path (mpl_xfer_check), and `topo down` leaves no trace
# (mpl_check_gone). Exit 69 from `topo up` (a capability this kernel
# lacks, e.g. netem for a delay) is an honest skip. Ends the test.
mpl_topo_updown_test()
{
	local name=$1 bytes=$2 topo lab rc
	mpl_topology topo "$name"
	mpl_new_lab lab
	mpl_snapshot before

	mpl_lab_up "$lab" "$topo"
	mpl_check "topo up says 'lab $lab is up'" grep -q "^lab $lab is up" "$MPL_TMP/out"

	mpl_verify_topology "$topo" "$lab"
	mpl_xfer_check "$topo" "$lab" "$bytes"

	"$MPL_BIN" topo down "$lab" >/dev/null 2>"$MPL_TMP/err"
	rc=$?
	mpl_eq "topo down exits 0" 0 "$rc"
	[ "$rc" -eq 0 ] || sed 's/^/#   /' "$MPL_TMP/err"
	mpl_check_gone "$lab" before

	mpl_finish
}
