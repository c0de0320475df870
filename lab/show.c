/*
 * show.c: a lab as the kernel sees it, namespace by namespace: links with
 * their addresses and qdiscs, main-table routes, MPTCP endpoints and
 * limits, and how many processes run inside. `topo show` prints it and
 * lab_up() compares it with the spec to verify what it built.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <netlink/addr.h>
#include <netlink/cache.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/route.h>

#include "lab_int.h"

static void from_nl_addr(const struct nl_addr *n, struct lab_addr *a)
{
	unsigned len = nl_addr_get_len(n);

	memset(a, 0, sizeof(*a));
	if (!n || len > sizeof(a->bytes))
		return;
	a->family = nl_addr_get_family(n);
	memcpy(a->bytes, nl_addr_get_binary_addr(n), len);
	a->prefixlen = (uint8_t)nl_addr_get_prefixlen(n);
}

static struct lab_show_iface *iface_by_index(struct lab_show_node *out, int ifindex)
{
	for (unsigned i = 0; i < out->n_ifaces; i++)
		if (out->ifaces[i].ifindex == ifindex)
			return &out->ifaces[i];
	return NULL;
}

static int read_links(struct lab_nl *nl, struct lab_show_node *out, struct diag *d)
{
	struct nl_cache *cache = NULL;
	struct nl_object *o;
	int r = rtnl_link_alloc_cache(nl->route, AF_UNSPEC, &cache);

	if (r < 0)
		return diag_set(d, lab_nl_errno(r), "cannot list links in netns '%s': %s",
				nl->netns, nl_geterror(r));
	for (o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
		struct rtnl_link *l = (struct rtnl_link *)o;
		struct lab_show_iface *f;
		const char *type = rtnl_link_get_type(l);

		if (out->n_ifaces >= ARRAY_SIZE(out->ifaces))
			break;
		f = &out->ifaces[out->n_ifaces++];
		snprintf(f->ifname, sizeof(f->ifname), "%s", rtnl_link_get_name(l));
		snprintf(f->kind, sizeof(f->kind), "%s",
			 type ? type : (rtnl_link_get_flags(l) & IFF_LOOPBACK) ? "loopback" : "");
		f->ifindex = rtnl_link_get_ifindex(l);
		f->up = rtnl_link_get_flags(l) & IFF_UP;
		f->mtu = rtnl_link_get_mtu(l);
	}
	nl_cache_free(cache);
	return 0;
}

static int read_addrs(struct lab_nl *nl, struct lab_show_node *out, struct diag *d)
{
	struct nl_cache *cache = NULL;
	struct nl_object *o;
	int r = rtnl_addr_alloc_cache(nl->route, &cache);

	if (r < 0)
		return diag_set(d, lab_nl_errno(r), "cannot list addresses in netns '%s': %s",
				nl->netns, nl_geterror(r));
	for (o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
		struct rtnl_addr *a = (struct rtnl_addr *)o;
		struct lab_show_iface *f = iface_by_index(out, rtnl_addr_get_ifindex(a));
		struct lab_addr la;

		if (!f || f->n_addrs >= ARRAY_SIZE(f->addrs) || !rtnl_addr_get_local(a))
			continue;
		from_nl_addr(rtnl_addr_get_local(a), &la);
		la.prefixlen = (uint8_t)rtnl_addr_get_prefixlen(a);
		if (la.family == AF_INET6 && la.bytes[0] == 0xfe && (la.bytes[1] & 0xc0) == 0x80)
			continue; /* link-local: the kernel's, not the lab's */
		f->addrs[f->n_addrs++] = la;
	}
	nl_cache_free(cache);
	return 0;
}

static int read_routes(struct lab_nl *nl, struct lab_show_node *out, struct diag *d)
{
	struct nl_cache *cache = NULL;
	struct nl_object *o;
	int r = rtnl_route_alloc_cache(nl->route, AF_UNSPEC, 0, &cache);

	if (r < 0)
		return diag_set(d, lab_nl_errno(r), "cannot list routes in netns '%s': %s",
				nl->netns, nl_geterror(r));
	for (o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
		struct rtnl_route *rt = (struct rtnl_route *)o;
		struct lab_show_route *sr;
		struct rtnl_nexthop *nh;

		if (rtnl_route_get_table(rt) != RT_TABLE_MAIN ||
		    rtnl_route_get_type(rt) != RTN_UNICAST ||
		    rtnl_route_get_protocol(rt) == RTPROT_KERNEL)
			continue; /* connected and link-local routes come with addresses */
		if (out->n_routes >= ARRAY_SIZE(out->routes))
			break;
		sr = &out->routes[out->n_routes++];
		memset(sr, 0, sizeof(*sr));
		from_nl_addr(rtnl_route_get_dst(rt), &sr->dst);
		if (!sr->dst.family)
			sr->dst.family = rtnl_route_get_family(rt);
		sr->metric = rtnl_route_get_priority(rt);
		nh = rtnl_route_nexthop_n(rt, 0);
		if (nh) {
			struct lab_show_iface *f = iface_by_index(out, rtnl_route_nh_get_ifindex(nh));

			if (rtnl_route_nh_get_gateway(nh))
				from_nl_addr(rtnl_route_nh_get_gateway(nh), &sr->via);
			if (f)
				memcpy(sr->dev, f->ifname, sizeof(sr->dev));
		}
	}
	nl_cache_free(cache);
	return 0;
}

/* Read one namespace. with_qdiscs: also ask for every interface's qdiscs
 * (topo show; lab_up() checks qdiscs when it adds them). */
int lab_show_read_node(struct lab_nl *nl, const char *netns, bool with_qdiscs,
		       struct lab_show_node *out, struct diag *d)
{
	size_t len = strnlen(netns, sizeof(out->netns) - 1);
	int r;

	memmove(out->netns, netns, len);
	out->netns[len] = '\0';
	r = read_links(nl, out, d);
	if (r >= 0)
		r = read_addrs(nl, out, d);
	if (r >= 0)
		r = read_routes(nl, out, d);
	for (unsigned i = 0; r >= 0 && with_qdiscs && i < out->n_ifaces; i++) {
		struct lab_show_iface *f = &out->ifaces[i];

		r = lab_qdisc_dump(nl, f->ifindex, f->qdiscs, ARRAY_SIZE(f->qdiscs),
				   &f->n_qdiscs, d);
	}
	if (r < 0)
		return r;
	/* MPTCP state: a kernel without the family has none to show. */
	if (lab_nl_genl(nl, NULL) == 0) {
		r = lab_pm_get_limits(nl, &out->limit_subflows, &out->limit_add_addr_accepted, d);
		if (r < 0)
			return r;
		out->has_limits = true;
		r = lab_pm_dump_endpoints(nl, out->endpoints, ARRAY_SIZE(out->endpoints),
					  &out->n_endpoints, d);
	}
	return r;
}

int lab_show(const char *name, struct lab_show_node **nodes, unsigned *n, struct diag *d)
{
	char prefix[LAB_NAME_MAX + 8];
	char **names = NULL;
	unsigned n_names = 0;
	struct lab_show_node *out = NULL;
	int r;

	*nodes = NULL;
	*n = 0;
	snprintf(prefix, sizeof(prefix), LAB_NETNS_PREFIX "%s-", name);
	r = lab_netns_list(prefix, &names, &n_names);
	if (r < 0)
		return diag_set(d, r, "cannot list '%s': %s", LAB_NETNS_DIR, strerror(-r));
	if (!n_names) {
		r = diag_set(d, -ENOENT, "no lab named '%s' (no namespace '%s*')", name, prefix);
		goto out;
	}
	out = calloc(n_names, sizeof(*out));
	if (!out) {
		r = diag_set(d, -ENOMEM, "out of memory");
		goto out;
	}
	for (unsigned i = 0; i < n_names && r >= 0; i++) {
		struct lab_nl nl;
		pid_t *pids = NULL;
		int fd = -1;

		snprintf(out[i].node, sizeof(out[i].node), "%s", names[i] + strlen(prefix));
		r = lab_netns_open(names[i], &fd, d);
		if (r < 0)
			break;
		r = lab_nl_open(&nl, fd, names[i], d);
		if (r >= 0)
			r = lab_show_read_node(&nl, names[i], true, &out[i], d);
		lab_nl_close(&nl);
		close(fd);
		if (lab_netns_pids(names[i], &pids, &out[i].n_pids) == 0)
			free(pids);
	}
	if (r >= 0) {
		*nodes = out;
		*n = n_names;
		out = NULL;
	}
out:
	free(out);
	for (unsigned i = 0; i < n_names; i++)
		free(names[i]);
	free(names);
	return r;
}
