/*
 * link.c: devices, addresses and routes inside a lab namespace, built as
 * libnl objects and sent through lab_nl_talk() so failures carry the
 * kernel's own words. Reading the result back is lab.c's job (one dump per
 * namespace is cheaper than one query per object).
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <netlink/addr.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/route.h>

#include "lab_int.h"

static int send_link(struct lab_nl *nl, struct rtnl_link *link, int flags, struct diag *d,
		     const char *what, const char *name)
{
	struct nl_msg *msg = NULL;
	int r = rtnl_link_build_add_request(link, flags, &msg);

	if (r < 0)
		return diag_set(d, lab_nl_errno(r), "cannot build request to %s '%s': %s", what,
				name, nl_geterror(r));
	return lab_nl_talk(nl->route, msg, d, "cannot %s '%s' in netns '%s'", what, name,
			   nl->netns);
}

int lab_link_add_veth(struct lab_nl *nl_a, const char *name_a, struct lab_nl *nl_b,
		      const char *name_b, int *ifindex_b, uint32_t mtu, int *ifindex_a,
		      struct diag *d)
{
	struct rtnl_link *link = rtnl_link_veth_alloc(), *peer;
	int r;

	if (!link)
		return diag_set(d, -ENOMEM, "out of memory");
	peer = rtnl_link_veth_get_peer(link);
	rtnl_link_set_name(link, name_a);
	rtnl_link_set_name(peer, name_b);
	rtnl_link_set_ns_fd(peer, nl_b->netns_fd);
	if (mtu) {
		rtnl_link_set_mtu(link, mtu);
		rtnl_link_set_mtu(peer, mtu);
	}
	/* Only this end is created up: the kernel opens the peer before the
	 * pair is joined, and veth_open() then fails with ENOTCONN. */
	rtnl_link_set_flags(link, IFF_UP);
	/* The caller may choose the ifindexes (fresh namespaces, so they are
	 * free): it saves asking for them afterwards. */
	if (*ifindex_a > 0)
		rtnl_link_set_ifindex(link, *ifindex_a);
	if (*ifindex_b > 0)
		rtnl_link_set_ifindex(peer, *ifindex_b);
	r = send_link(nl_a, link, NLM_F_CREATE | NLM_F_EXCL, d, "add veth", name_a);
	rtnl_link_put(peer);
	rtnl_link_veth_release(link);
	if (r < 0)
		return r;
	if (*ifindex_a <= 0)
		r = lab_link_ifindex(nl_a, name_a, ifindex_a, d);
	if (r >= 0 && *ifindex_b <= 0)
		r = lab_link_ifindex(nl_b, name_b, ifindex_b, d);
	if (r >= 0)
		r = lab_link_set_up(nl_b, *ifindex_b, name_b, d);
	return r;
}

int lab_link_add_ifb(struct lab_nl *nl, const char *name, int *ifindex, struct diag *d)
{
	struct rtnl_link *link = rtnl_link_alloc();
	int r;

	if (!link)
		return diag_set(d, -ENOMEM, "out of memory");
	rtnl_link_set_name(link, name);
	r = rtnl_link_set_type(link, "ifb");
	if (r < 0) {
		rtnl_link_put(link);
		return diag_set(d, lab_nl_errno(r), "cannot use link type 'ifb': %s",
				nl_geterror(r));
	}
	r = send_link(nl, link, NLM_F_CREATE | NLM_F_EXCL, d, "add ifb", name);
	rtnl_link_put(link);
	if (r < 0)
		return r;
	return lab_link_ifindex(nl, name, ifindex, d);
}

int lab_link_max_ifindex(struct lab_nl *nl, int *max, struct diag *d)
{
	struct nl_cache *cache = NULL;
	int r = rtnl_link_alloc_cache(nl->route, AF_UNSPEC, &cache);

	if (r < 0)
		return diag_set(d, lab_nl_errno(r), "cannot list the links of netns '%s': %s",
				nl->netns, nl_geterror(r));
	*max = 1;
	for (struct nl_object *o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
		int i = rtnl_link_get_ifindex((struct rtnl_link *)o);

		if (i > *max)
			*max = i;
	}
	nl_cache_free(cache);
	return 0;
}

int lab_link_ifindex(struct lab_nl *nl, const char *name, int *ifindex, struct diag *d)
{
	struct rtnl_link *link = NULL;
	int r = rtnl_link_get_kernel(nl->route, 0, name, &link);

	if (r < 0)
		return diag_set(d, lab_nl_errno(r), "cannot find link '%s' in netns '%s': %s", name,
				nl->netns, nl_geterror(r));
	*ifindex = rtnl_link_get_ifindex(link);
	rtnl_link_put(link);
	return 0;
}

int lab_link_set_state(struct lab_nl *nl, int ifindex, const char *name, bool up,
		       struct diag *d)
{
	struct rtnl_link *orig = rtnl_link_alloc(), *change = rtnl_link_alloc();
	struct nl_msg *msg = NULL;
	int r;

	if (!orig || !change) {
		r = diag_set(d, -ENOMEM, "out of memory");
		goto out;
	}
	rtnl_link_set_ifindex(orig, ifindex);
	if (up)
		rtnl_link_set_flags(change, IFF_UP);
	else
		rtnl_link_unset_flags(change, IFF_UP);
	r = rtnl_link_build_change_request(orig, change, 0, &msg);
	if (r < 0) {
		r = diag_set(d, lab_nl_errno(r), "cannot build request to set '%s' %s: %s", name,
			     up ? "up" : "down", nl_geterror(r));
		goto out;
	}
	r = lab_nl_talk(nl->route, msg, d, "cannot set link '%s' %s in netns '%s'", name,
			up ? "up" : "down", nl->netns);
out:
	rtnl_link_put(orig);
	rtnl_link_put(change);
	return r;
}

int lab_link_set_up(struct lab_nl *nl, int ifindex, const char *name, struct diag *d)
{
	return lab_link_set_state(nl, ifindex, name, true, d);
}

int lab_link_del(struct lab_nl *nl, int ifindex, struct diag *d)
{
	struct rtnl_link *link = rtnl_link_alloc();
	struct nl_msg *msg = NULL;
	int r;

	if (!link)
		return diag_set(d, -ENOMEM, "out of memory");
	rtnl_link_set_ifindex(link, ifindex);
	r = rtnl_link_build_delete_request(link, &msg);
	rtnl_link_put(link);
	if (r < 0)
		return diag_set(d, lab_nl_errno(r), "cannot build link delete request: %s",
				nl_geterror(r));
	return lab_nl_talk(nl->route, msg, d, "cannot delete link %d in netns '%s'", ifindex,
			   nl->netns);
}

static struct nl_addr *to_nl_addr(const struct lab_addr *a, bool with_prefix)
{
	size_t len = a->family == AF_INET ? 4 : 16;
	struct nl_addr *n = nl_addr_build(a->family, a->bytes, len);

	if (n)
		nl_addr_set_prefixlen(n, with_prefix ? a->prefixlen : (int)len * 8);
	return n;
}

int lab_addr_add(struct lab_nl *nl, int ifindex, const char *ifname, const struct lab_addr *a,
		 struct diag *d)
{
	struct rtnl_addr *ra = rtnl_addr_alloc();
	struct nl_addr *local = to_nl_addr(a, true);
	struct nl_msg *msg = NULL;
	char buf[64];
	int r;

	lab_addr_format(a, true, buf, sizeof(buf));
	if (!ra || !local) {
		r = diag_set(d, -ENOMEM, "out of memory");
		goto out;
	}
	rtnl_addr_set_ifindex(ra, ifindex);
	rtnl_addr_set_family(ra, a->family);
	rtnl_addr_set_local(ra, local);
	rtnl_addr_set_prefixlen(ra, a->prefixlen);
	/* No duplicate address detection: the lab's links are private, and
	 * a tentative address would delay or break the first subflow. */
	if (a->family == AF_INET6)
		rtnl_addr_set_flags(ra, IFA_F_NODAD);
	r = rtnl_addr_build_add_request(ra, NLM_F_CREATE | NLM_F_EXCL, &msg);
	if (r < 0) {
		r = diag_set(d, lab_nl_errno(r), "cannot build request to add address '%s': %s",
			     buf, nl_geterror(r));
		goto out;
	}
	r = lab_nl_talk(nl->route, msg, d, "cannot add address '%s' to '%s' in netns '%s'", buf,
			ifname, nl->netns);
out:
	nl_addr_put(local);
	rtnl_addr_put(ra);
	return r;
}

int lab_route_add(struct lab_nl *nl, const struct lab_route_spec *rs, int oif, struct diag *d)
{
	struct rtnl_route *route = rtnl_route_alloc();
	struct rtnl_nexthop *nh = rtnl_route_nh_alloc();
	struct nl_addr *dst = to_nl_addr(&rs->dst, true), *gw = NULL;
	struct nl_msg *msg = NULL;
	char dbuf[64], vbuf[64] = "";
	int r;

	lab_addr_format(&rs->dst, true, dbuf, sizeof(dbuf));
	if (rs->via.family)
		lab_addr_format(&rs->via, false, vbuf, sizeof(vbuf));
	if (!route || !nh || !dst) {
		r = diag_set(d, -ENOMEM, "out of memory");
		goto out;
	}
	rtnl_route_set_family(route, rs->dst.family);
	rtnl_route_set_table(route, RT_TABLE_MAIN);
	rtnl_route_set_protocol(route, RTPROT_STATIC);
	rtnl_route_set_type(route, RTN_UNICAST);
	rtnl_route_set_scope(route, rs->via.family ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK);
	r = rtnl_route_set_dst(route, dst);
	if (r < 0)
		goto nlerr;
	if (rs->metric)
		rtnl_route_set_priority(route, rs->metric);
	if (oif > 0)
		rtnl_route_nh_set_ifindex(nh, oif);
	if (rs->via.family) {
		gw = to_nl_addr(&rs->via, false);
		if (!gw) {
			r = diag_set(d, -ENOMEM, "out of memory");
			goto out;
		}
		rtnl_route_nh_set_gateway(nh, gw);
	}
	rtnl_route_add_nexthop(route, nh);
	nh = NULL; /* owned by route now */
	r = rtnl_route_build_add_request(route, NLM_F_CREATE | NLM_F_EXCL, &msg);
	if (r < 0)
		goto nlerr;
	r = lab_nl_talk(nl->route, msg, d, "cannot add route to '%s'%s%s in netns '%s'", dbuf,
			vbuf[0] ? " via " : "", vbuf, nl->netns);
	goto out;
nlerr:
	r = diag_set(d, lab_nl_errno(r), "cannot build route to '%s': %s", dbuf, nl_geterror(r));
	goto out;
out:
	if (nh)
		rtnl_route_nh_free(nh);
	nl_addr_put(dst);
	nl_addr_put(gw);
	rtnl_route_put(route);
	return r;
}
