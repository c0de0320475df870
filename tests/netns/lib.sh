# shellcheck shell=bash
#
# lib.sh: helpers shared by the netns tests (sourced, never run).
#
# What it gives a test:
#   - honest skips: not root, no jq, no ip/tc -> exit 77 with the reason;
#   - a unique lab name per test (t<pid><suffix>, at most 16 characters);
#   - a trap that ALWAYS tears down what the test built: background
#     processes it started, `mptcp-lab topo down NAME`, then any namespace
#     `mpl-NAME-*` that is still there (killing what runs inside);
#   - a snapshot of the root namespace (links, qdiscs, addresses, routes,
#     MPTCP endpoints/limits, a few sysctls, `ip netns list`) to compare
#     before/after;
#   - witnesses: what ip(8)/tc(8) say a namespace holds, as JSON for jq.
#     They never go through mptcp-lab, so they check it independently.
#
# What it does not do: configure anything itself (tests build labs only
# through mptcp-lab), or touch namespaces that are not the test's own.
#
# Environment (set by CTest): MPL_BIN, MPL_XFER, MPL_SOURCE_DIR,
# MPL_BUILD_DIR.

set -u
set -o pipefail

MPL_PASS=0
MPL_FAIL=0
MPL_LABS=()
MPL_PIDS=()
MPL_TMP=""

mpl_log() { printf '# %s\n' "$*"; }
# With MPL_STRICT=1 (scripts/run-tests.sh --strict) a skip is a failure:
# CI that expects every feature must not pass on a kernel that lacks one.
mpl_skip() {
	if [ "${MPL_STRICT:-0}" = 1 ]; then
		printf 'FAIL (strict mode, would skip): %s\n' "$*" >&2
		exit 1
	fi
	printf 'SKIP: %s\n' "$*"
	exit 77
}
mpl_die() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }

# ok/not ok lines, TAP-like, counted; the test ends with mpl_finish.
mpl_ok() { MPL_PASS=$((MPL_PASS + 1)); printf 'ok - %s\n' "$*"; }
mpl_notok() { MPL_FAIL=$((MPL_FAIL + 1)); printf 'not ok - %s\n' "$*"; }

# mpl_check DESCRIPTION CMD...: run CMD, ok if it succeeds.
mpl_check()
{
	local what=$1
	shift
	if "$@"; then
		mpl_ok "$what"
	else
		mpl_notok "$what"
	fi
}

# mpl_eq DESCRIPTION EXPECTED FOUND
mpl_eq()
{
	if [ "$2" = "$3" ]; then
		mpl_ok "$1 ($3)"
	else
		mpl_notok "$1: expected '$2', found '$3'"
	fi
}

mpl_finish()
{
	printf '# %d passed, %d failed\n' "$MPL_PASS" "$MPL_FAIL"
	[ "$MPL_FAIL" -eq 0 ] || exit 1
	exit 0
}

# ---- prerequisites ----------------------------------------------------------

mpl_require_root()
{
	[ "$(id -u)" -eq 0 ] || mpl_skip "needs root (network namespaces)"
}

mpl_require_tools()
{
	local t
	command -v jq >/dev/null 2>&1 || mpl_skip "jq is not installed (apt-get install jq)"
	for t in ip tc "$@"; do
		command -v "$t" >/dev/null 2>&1 || mpl_skip "'$t' is not installed"
	done
}

mpl_init()
{
	local here
	here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
	: "${MPL_SOURCE_DIR:=$(cd "$here/../.." && pwd)}"
	: "${MPL_BUILD_DIR:=$MPL_SOURCE_DIR/build}"
	: "${MPL_BIN:=$MPL_BUILD_DIR/mptcp-lab}"
	: "${MPL_XFER:=$MPL_BUILD_DIR/tests/tools/mptcp_xfer}"
	export MPL_SOURCE_DIR MPL_BUILD_DIR MPL_BIN MPL_XFER
	mpl_require_root
	mpl_require_tools "$@"
	[ -x "$MPL_BIN" ] || mpl_die "MPL_BIN '$MPL_BIN' is not an executable"
	[ -x "$MPL_XFER" ] || mpl_die "MPL_XFER '$MPL_XFER' is not an executable"
	MPL_TMP=$(mktemp -d /tmp/mpl-test.XXXXXX) || mpl_die "cannot create a temp dir"
	trap mpl_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
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

# mpl_track_pid PID: kill PID (TERM, then KILL) at exit if still running.
mpl_track_pid() { MPL_PIDS+=("$1"); }

# mpl_pid_running PID: alive and not a zombie (kill -0 succeeds on a
# zombie our shell has not reaped yet).
mpl_pid_running()
{
	local st
	st=$(sed -n 's/^[0-9]* (.*) \([A-Za-z]\) .*/\1/p' "/proc/$1/stat" 2>/dev/null) || return 1
	[ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

# Namespaces of a lab that exist right now, one per line.
mpl_lab_netns()
{
	ip netns list 2>/dev/null | awk '{print $1}' | grep -E "^mpl-$1-" || true
}

mpl_netns_exists() { ip netns list 2>/dev/null | awk '{print $1}' | grep -qxF "$1"; }

# mpl_wait_until TIMEOUT_S CMD...: poll CMD every 50 ms until it succeeds.
mpl_wait_until()
{
	local deadline=$((SECONDS + $1))
	shift
	while ! "$@"; do
		[ "$SECONDS" -lt "$deadline" ] || return 1
		sleep 0.05
	done
}

mpl_no_lab_netns() { [ -z "$(mpl_lab_netns "$1")" ]; }

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

mpl_cleanup()
{
	local rc=$? pid lab ns _
	trap - EXIT INT TERM
	for pid in "${MPL_PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null || continue
		for _ in $(seq 100); do
			mpl_pid_running "$pid" || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	for lab in "${MPL_LABS[@]}"; do
		[ -n "$(mpl_lab_netns "$lab")" ] || [ -e "/run/mptcp-lab/$lab.lab" ] || continue
		"$MPL_BIN" topo down "$lab" >/dev/null 2>&1 || true
		for ns in $(mpl_lab_netns "$lab"); do
			printf '# cleanup: %s was left behind, removing it\n' "$ns"
			mpl_force_del_netns "$ns"
		done
		rm -f "/run/mptcp-lab/$lab.lab"
	done
	[ -z "$MPL_TMP" ] || rm -rf "$MPL_TMP"
	exit "$rc"
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

mpl_topology() { printf '%s/topologies/%s.json\n' "$MPL_SOURCE_DIR" "$1"; }

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

# mpl_xfer_server NS PORT OUTFILE [args...]: start mptcp_xfer server in NS
# in the background, wait until it prints "ready", set MPL_SERVER_PID.
mpl_xfer_server()
{
	local ns=$1 port=$2 out=$3
	shift 3
	: >"$out"
	ip netns exec "$ns" "$MPL_XFER" server --port "$port" --once --timeout 60 "$@" >"$out" &
	MPL_SERVER_PID=$!
	mpl_track_pid "$MPL_SERVER_PID"
	mpl_wait_until 10 grep -qx ready "$out" || {
		mpl_notok "mptcp_xfer server in '$ns' did not become ready"
		return 1
	}
}

# mpl_xfer_server_result OUTFILE: wait for the server, print its JSON line.
mpl_xfer_server_result()
{
	wait "$MPL_SERVER_PID" 2>/dev/null || true
	grep '^{' "$1" | tail -n 1
}

mpl_not_running() { ! mpl_pid_running "$1"; }

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
# the server's address on the first path uses MPTCP and ends with one
# subflow per path (the extra subflows joined over the other paths).
mpl_xfer_check()
{
	local f=$1 lab=$2 bytes=$3 client server p1 addr want out res
	client=$(jq -r .client "$f")
	server=$(jq -r .server "$f")
	p1=$(jq -r '.paths | keys[0]' "$f")
	addr=$(mpl_server_addr "$f" "$p1" inet)
	[ -n "$addr" ] || addr=$(mpl_server_addr "$f" "$p1" inet6)
	want=$(jq -r '.paths | length' "$f")
	out="$MPL_TMP/xfer.server"
	mpl_xfer_server "mpl-$lab-$server" 5201 "$out" || return
	res=$(ip netns exec "mpl-$lab-$client" "$MPL_XFER" client --connect "$addr" \
		--port 5201 --bytes "$bytes" --timeout 60 2>"$MPL_TMP/xfer.err")
	mpl_log "client: $res"
	[ -n "$res" ] || { sed 's/^/#   /' "$MPL_TMP/xfer.err"; res='{}'; }
	mpl_log "server: $(mpl_xfer_server_result "$out")"
	mpl_eq "transfer to $addr ($p1): all $bytes bytes sent" "$bytes" \
		"$(jq -r '.bytes // "none"' <<<"$res")"
	mpl_eq "transfer: the connection is MPTCP" true "$(jq -r '.mptcp // "none"' <<<"$res")"
	mpl_eq "transfer: subflows = number of paths" "$want" \
		"$(jq -r '.subflows // "none"' <<<"$res")"
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
	topo=$(mpl_topology "$name")
	[ -r "$topo" ] || mpl_die "topology '$topo' is missing"
	mpl_new_lab lab
	mpl_snapshot before

	"$MPL_BIN" topo up "$topo" --name "$lab" >"$MPL_TMP/out" 2>"$MPL_TMP/err"
	rc=$?
	if [ "$rc" -eq 69 ]; then
		mpl_check_gone "$lab" before
		[ "$MPL_FAIL" -eq 0 ] || mpl_finish
		mpl_skip "$name needs a capability this kernel lacks: $(head -n 1 "$MPL_TMP/err")"
	fi
	mpl_eq "topo up exits 0" 0 "$rc"
	[ "$rc" -eq 0 ] || { sed 's/^/#   /' "$MPL_TMP/err"; mpl_finish; }
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
