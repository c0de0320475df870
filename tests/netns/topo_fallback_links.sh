#!/bin/bash
# topo_fallback_links: a lab comes up in namespaces that already hold links
# when they are created, as on a kernel with sit, ip6_tunnel, ipip or gre
# built in or loaded (sit0, ip6tnl0, tunl0, gre0 appear in every new
# namespace; IPV6_SIT defaults to y with IPV6, so a tinyconfig-based lab
# kernel has sit0 at ifindex 2 in each).
#
# This host has no such driver, so the test hook
# MPTCP_LAB_TEST_FALLBACK_LINKS=2 puts two links (ifb, named mplfb0/1, the
# kernel numbering them 2 and 3) into every namespace right after it is
# created, before the lab adds its own. The lab used to number its links
# from 2 ("fresh namespace: lo is 1") and failed with "cannot add veth
# 'eth1' in netns ...: File exists". Now: `topo up two-path` exits 0, every
# object of the file is in the kernel (ip/tc as witnesses), the stand-ins
# are still there at 2 and 3, the lab's links come after them, it carries
# an MPTCP transfer over both paths, and `topo down` leaves no trace.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
mpl_init

mpl_topology topo two-path
mpl_new_lab lab
mpl_snapshot before

MPTCP_LAB_TEST_FALLBACK_LINKS=2 mpl_lab_up "$lab" "$topo"
mpl_verify_topology "$topo" "$lab"
for node in $(jq -r '.nodes | keys[]' "$topo"); do
	ns="mpl-$lab-$node"
	mpl_eq "'$node' holds the stand-ins at ifindex 2 and 3" "2 3" \
		"$(ip -n "$ns" -j link show | jq -r '[.[] | select(.ifname | startswith("mplfb")) | .ifindex] | sort | map(tostring) | join(" ")')"
	mpl_eq "the lab's links in '$node' come after them" "" \
		"$(ip -n "$ns" -j link show | jq -r '.[] | select(.ifname != "lo" and (.ifname | startswith("mplfb") | not) and .ifindex <= 3) | .ifname')"
done
mpl_xfer_check "$topo" "$lab" 1048576

"$MPL_BIN" topo down "$lab" >/dev/null 2>"$MPL_TMP/err"
mpl_eq "topo down exits 0" 0 "$?"
mpl_check_gone "$lab" before
mpl_finish
