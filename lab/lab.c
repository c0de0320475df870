/*
 * lab.c: lab_up() and lab_down(), the order in which a lab is built and
 * torn down.
 *
 *   registry entry  ->  namespaces (+ lo up)  ->  sysctls  ->  veth pairs
 *   (created up)  ->  addresses  ->  routes  ->  shaping  ->  MPTCP path
 *   manager  ->  read back and compare
 *
 * Every step is counted, checked against the cancel flag and the test
 * fault hook, and whatever outlives its container goes on the undo journal
 * (see lab_int.h). lab_down() closes the lab's sockets, then deletes all
 * its namespaces in one pass (killing what runs inside), then the registry
 * entry, so a lab that failed at any step comes down the same way.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lab_int.h"

struct lab_node {
	char name[LAB_NAME_MAX];
	char netns[64];
	int fd;
	struct lab_nl nl;
	int next_ifindex; /* the lab numbers its links after what a fresh namespace holds */
	int n_ifb;
};

struct lab {
	struct lab_spec spec;
	struct lab_node nodes[LAB_MAX_NODES];
	unsigned n_nodes;
	int ifindex[LAB_MAX_LINKS][2];
	char ifb[LAB_MAX_PATHS][2][LAB_IFNAMSIZ]; /* ingress shaping per path, [down, up] */
	struct lab_journal journal;
	unsigned steps;
	const struct lab_opts *opts;
	bool detached;
};

static int step(struct lab *lab, struct diag *d)
{
	lab->steps++;
	if (lab->opts && lab->opts->cancel && *lab->opts->cancel)
		return diag_set(d, -EINTR, "interrupted while building lab '%s'", lab->spec.name);
	if (lab->opts && lab->opts->fail_at_step == lab->steps)
		return diag_set(d, -ECANCELED, "fault injected before step %u of lab '%s'",
				lab->steps, lab->spec.name);
	return 0;
}

static struct lab_node *node_of(struct lab *lab, const char *name)
{
	for (unsigned i = 0; i < lab->n_nodes; i++)
		if (!strcmp(lab->nodes[i].name, name))
			return &lab->nodes[i];
	return NULL;
}

static int ifindex_of(const struct lab *lab, const char *node, const char *ifname)
{
	for (unsigned i = 0; i < lab->spec.n_links; i++)
		for (int e = 0; e < 2; e++)
			if (!strcmp(lab->spec.links[i].end[e].node, node) &&
			    !strcmp(lab->spec.links[i].end[e].ifname, ifname))
				return lab->ifindex[i][e];
	return 0;
}

static int journal(struct lab *lab, enum lab_undo_kind kind, const char *name, struct diag *d)
{
	struct lab_undo u = { .kind = kind };

	snprintf(u.name, sizeof(u.name), "%s", name);
	if (lab_journal_push(&lab->journal, &u) < 0)
		return diag_set(d, -ENOMEM, "out of memory");
	return 0;
}

static int add_nodes(struct lab *lab, struct diag *d)
{
	for (unsigned i = 0; i < lab->spec.n_nodes; i++) {
		struct lab_node *n = &lab->nodes[i];
		int r = step(lab, d);

		if (r < 0)
			return r;
		memcpy(n->name, lab->spec.nodes[i], sizeof(n->name)); /* both LAB_NAME_MAX */
		n->fd = -1;
		r = lab_netns_name(lab->spec.name, n->name, n->netns, sizeof(n->netns));
		if (r < 0)
			return diag_set(d, r, "namespace name for node '%s' is too long", n->name);
		r = lab_netns_create(n->netns, &n->fd, d);
		if (r < 0)
			return r;
		lab->n_nodes++;
		r = journal(lab, LAB_UNDO_NETNS, n->netns, d);
		if (r < 0)
			return r;
		r = lab_nl_open(&n->nl, n->fd, n->netns, d);
		if (r < 0)
			return r;
		r = lab_link_set_up(&n->nl, 1, "lo", d);
		if (r < 0)
			return r;
		for (unsigned k = 0; lab->opts && k < lab->opts->test_fallback_links; k++) {
			char name[LAB_IFNAMSIZ];
			int ifindex;

			snprintf(name, sizeof(name), "mplfb%u", k);
			r = lab_link_add_ifb(&n->nl, name, &ifindex, d);
			if (r < 0)
				return r;
		}
		/* A fresh namespace holds lo and whatever the kernel adds to
		 * every namespace: sit0, ip6tnl0, tunl0, gre0... when those
		 * drivers are built in or loaded (IPV6_SIT defaults to y with
		 * IPV6). The lab numbers its own links after them. */
		r = lab_link_max_ifindex(&n->nl, &n->next_ifindex, d);
		if (r < 0)
			return r;
		n->next_ifindex++;
	}
	return 0;
}

static int set_sysctls(struct lab *lab, struct diag *d)
{
	for (unsigned i = 0; i < lab->spec.n_sysctls; i++) {
		const struct lab_sysctl_spec *s = &lab->spec.sysctls[i];
		struct lab_node *n = node_of(lab, s->node);
		int r = step(lab, d);

		if (r < 0)
			return r;
		r = lab_sysctl_set(n->fd, s->key, s->value, NULL, 0, d);
		if (r < 0)
			return diag_prefix(d, "node '%s'", n->name);
	}
	return 0;
}

static int add_links(struct lab *lab, struct diag *d)
{
	for (unsigned i = 0; i < lab->spec.n_links; i++) {
		const struct lab_link_spec *l = &lab->spec.links[i];
		struct lab_node *a = node_of(lab, l->end[0].node), *b = node_of(lab, l->end[1].node);
		int r = step(lab, d);

		if (r < 0)
			return r;
		lab->ifindex[i][0] = a->next_ifindex++;
		lab->ifindex[i][1] = b->next_ifindex++;
		r = lab_link_add_veth(&a->nl, l->end[0].ifname, &b->nl, l->end[1].ifname,
				      &lab->ifindex[i][1], l->mtu, &lab->ifindex[i][0], d);
		if (r < 0)
			return r;
	}
	return 0;
}

static int add_addresses(struct lab *lab, struct diag *d)
{
	for (unsigned i = 0; i < lab->spec.n_links; i++) {
		for (int e = 0; e < 2; e++) {
			const struct lab_iface_spec *f = &lab->spec.links[i].end[e];
			struct lab_node *n = node_of(lab, f->node);

			for (unsigned k = 0; k < f->n_addrs; k++) {
				int r = step(lab, d);

				if (r < 0)
					return r;
				r = lab_addr_add(&n->nl, lab->ifindex[i][e], f->ifname, &f->addrs[k],
						 d);
				if (r < 0)
					return r;
			}
		}
	}
	return 0;
}

static int add_routes(struct lab *lab, struct diag *d)
{
	for (unsigned i = 0; i < lab->spec.n_routes; i++) {
		const struct lab_route_spec *rs = &lab->spec.routes[i];
		struct lab_node *n = node_of(lab, rs->node);
		int r = step(lab, d);

		if (r < 0)
			return r;
		r = lab_route_add(&n->nl, rs, rs->dev[0] ? ifindex_of(lab, rs->node, rs->dev) : 0,
				  d);
		if (r < 0)
			return r;
	}
	return 0;
}

static bool shaping_set(const struct lab_shaping *sh)
{
	return sh->rate_bps || lab_shaping_needs_netem(sh);
}

static uint32_t mtu_of(const struct lab *lab, const struct lab_iface_spec *f)
{
	for (unsigned i = 0; i < lab->spec.n_links; i++)
		for (int e = 0; e < 2; e++)
			if (&lab->spec.links[i].end[e] == f)
				return lab->spec.links[i].mtu ? lab->spec.links[i].mtu : 1500;
	return 1500;
}

/* Shape one direction of path i (or remove its shaping when sh is
 * empty). Ingress shaping keeps its ifb for later changes. */
static int shape_direction(struct lab *lab, unsigned i, bool up, const struct lab_shaping *sh,
			   struct diag *d)
{
	const struct lab_path_spec *p = &lab->spec.paths[i];
	char *ifb = lab->ifb[i][up];
	const struct lab_iface_spec *f;
	struct lab_node *n;
	bool ingress;
	int r, ifindex;

	r = lab_path_placement(&lab->spec, p, up, &f, &ingress);
	if (r < 0)
		return diag_set(d, r, "cannot place the shaping of path '%s'", p->name);
	n = node_of(lab, f->node);
	ifindex = ifindex_of(lab, f->node, f->ifname);
	if (ingress && ifb[0]) {
		/* The redirect is in place: only the ifb's egress changes. */
		r = lab_link_ifindex(&n->nl, ifb, &ifindex, d);
		if (r >= 0)
			r = shaping_set(sh) ? lab_shape_egress(&n->nl, ifindex, ifb, sh, mtu_of(lab, f), d)
					    : lab_qdisc_clear(&n->nl, ifindex, d);
	} else if (!shaping_set(sh)) {
		r = ingress ? 0 : lab_qdisc_clear(&n->nl, ifindex, d);
	} else if (ingress) {
		snprintf(ifb, LAB_IFNAMSIZ, "ifb%d", n->n_ifb++);
		r = lab_shape_ingress(&n->nl, ifindex, f->ifname, ifb, sh, mtu_of(lab, f), d);
	} else {
		r = lab_shape_egress(&n->nl, ifindex, f->ifname, sh, mtu_of(lab, f), d);
	}
	if (r < 0)
		return diag_prefix(d, "path '%s' (%s)", p->name, up ? "up" : "down");
	return 0;
}

static int add_shaping(struct lab *lab, struct diag *d)
{
	for (unsigned i = 0; i < lab->spec.n_paths; i++) {
		for (int up = 1; up >= 0; up--) {
			const struct lab_shaping *sh = up ? &lab->spec.paths[i].up :
							    &lab->spec.paths[i].down;
			int r;

			if (!shaping_set(sh))
				continue;
			r = step(lab, d);
			if (r >= 0)
				r = shape_direction(lab, i, up, sh, d);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

static int path_index(const struct lab *lab, const char *path, struct diag *d)
{
	for (unsigned i = 0; i < lab->spec.n_paths; i++)
		if (!strcmp(lab->spec.paths[i].name, path))
			return (int)i;
	return diag_set(d, -ENOENT, "lab '%s' has no path '%s'", lab->spec.name, path);
}

int lab_path_set_shaping(struct lab *lab, const char *path, const struct lab_shaping *up,
			 const struct lab_shaping *down, struct diag *d)
{
	int i = path_index(lab, path, d), r;

	if (i < 0)
		return i;
	r = shape_direction(lab, (unsigned)i, true, up, d);
	if (r >= 0)
		r = shape_direction(lab, (unsigned)i, false, down, d);
	if (r >= 0) {
		lab->spec.paths[i].up = *up;
		lab->spec.paths[i].down = *down;
	}
	return r;
}

int lab_path_set_link(struct lab *lab, const char *path, bool up, struct diag *d)
{
	const struct lab_link_spec *l;
	int i = path_index(lab, path, d), e, link;
	struct lab_node *n;

	if (i < 0)
		return i;
	for (link = 0; link < (int)lab->spec.n_links; link++)
		if (!strcmp(lab->spec.links[link].name, lab->spec.paths[i].links[0]))
			break;
	l = &lab->spec.links[link];
	e = strcmp(l->end[0].node, lab->spec.client) ? 0 : 1; /* the end away from the client */
	n = node_of(lab, l->end[e].node);
	return lab_link_set_state(&n->nl, lab->ifindex[link][e], l->end[e].ifname, up, d);
}

static int add_mptcp(struct lab *lab, struct diag *d)
{
	for (unsigned i = 0; i < lab->n_nodes; i++) {
		struct lab_node *n = &lab->nodes[i];
		const struct lab_limits_spec *lim = NULL;
		bool any = false;
		int r;

		for (unsigned k = 0; k < lab->spec.n_limits; k++)
			if (!strcmp(lab->spec.limits[k].node, n->name))
				lim = &lab->spec.limits[k];
		for (unsigned k = 0; k < lab->spec.n_endpoints; k++)
			any |= !strcmp(lab->spec.endpoints[k].node, n->name);
		if (!lim && !any)
			continue;
		r = step(lab, d);
		if (r < 0)
			return r;
		r = lab_nl_genl(&n->nl, d);
		if (r >= 0)
			r = lab_pm_flush(&n->nl, d);
		if (r >= 0 && lim)
			r = lab_pm_set_limits(&n->nl, lim->subflows, lim->add_addr_accepted, d);
		for (unsigned k = 0; r >= 0 && k < lab->spec.n_endpoints; k++) {
			const struct lab_endpoint_spec *e = &lab->spec.endpoints[k];

			if (strcmp(e->node, n->name))
				continue;
			r = step(lab, d);
			if (r >= 0)
				r = lab_pm_add_endpoint(&n->nl, e,
							e->dev[0] ? ifindex_of(lab, n->name, e->dev) : 0,
							d);
		}
		if (r < 0)
			return r;
	}
	return 0;
}

/* ---- read back ----------------------------------------------------------------- */

static const struct lab_show_iface *shown_iface(const struct lab_show_node *s, const char *name)
{
	for (unsigned i = 0; i < s->n_ifaces; i++)
		if (!strcmp(s->ifaces[i].ifname, name))
			return &s->ifaces[i];
	return NULL;
}

static int verify_ifaces(const struct lab *lab, const struct lab_node *n,
			 const struct lab_show_node *s, struct diag *d)
{
	char buf[64];

	for (unsigned i = 0; i < lab->spec.n_links; i++) {
		for (int e = 0; e < 2; e++) {
			const struct lab_iface_spec *f = &lab->spec.links[i].end[e];
			const struct lab_show_iface *got;

			if (strcmp(f->node, n->name))
				continue;
			got = shown_iface(s, f->ifname);
			if (!got)
				return diag_set(d, -EPROTO, "link '%s' is missing in netns '%s'",
						f->ifname, n->netns);
			if (!got->up)
				return diag_set(d, -EPROTO, "link '%s' in netns '%s' is not up",
						f->ifname, n->netns);
			if (lab->spec.links[i].mtu && got->mtu != lab->spec.links[i].mtu)
				return diag_set(d, -EPROTO,
						"link '%s' in netns '%s' has MTU %u, expected %u",
						f->ifname, n->netns, got->mtu, lab->spec.links[i].mtu);
			for (unsigned k = 0; k < f->n_addrs; k++) {
				bool found = false;

				for (unsigned m = 0; m < got->n_addrs && !found; m++)
					found = lab_addr_equal(&got->addrs[m], &f->addrs[k]) &&
						got->addrs[m].prefixlen == f->addrs[k].prefixlen;
				if (!found)
					return diag_set(d, -EPROTO,
							"address '%s' is missing on '%s' in netns '%s'",
							lab_addr_format(&f->addrs[k], true, buf, sizeof(buf)),
							f->ifname, n->netns);
			}
		}
	}
	return 0;
}

static bool route_matches(const struct lab_route_spec *want, const struct lab_show_route *got)
{
	if (want->dst.family != got->dst.family || want->dst.prefixlen != got->dst.prefixlen)
		return false;
	if (want->dst.prefixlen && !lab_addr_equal(&want->dst, &got->dst))
		return false;
	if (want->via.family && !lab_addr_equal(&want->via, &got->via))
		return false;
	if (want->dev[0] && strcmp(want->dev, got->dev))
		return false;
	return !want->metric || want->metric == got->metric;
}

static int verify_routes(const struct lab *lab, const struct lab_node *n,
			 const struct lab_show_node *s, struct diag *d)
{
	char buf[64];

	for (unsigned i = 0; i < lab->spec.n_routes; i++) {
		const struct lab_route_spec *want = &lab->spec.routes[i];
		bool found = false;

		if (strcmp(want->node, n->name))
			continue;
		for (unsigned k = 0; k < s->n_routes && !found; k++)
			found = route_matches(want, &s->routes[k]);
		if (!found)
			return diag_set(d, -EPROTO, "route to '%s' is missing in netns '%s'",
					lab_addr_format(&want->dst, true, buf, sizeof(buf)), n->netns);
	}
	return 0;
}

static int verify_mptcp(const struct lab *lab, const struct lab_node *n,
			const struct lab_show_node *s, struct diag *d)
{
	char buf[64];
	unsigned expected = 0;

	for (unsigned i = 0; i < lab->spec.n_limits; i++) {
		const struct lab_limits_spec *l = &lab->spec.limits[i];

		if (strcmp(l->node, n->name))
			continue;
		if (!s->has_limits || s->limit_subflows != l->subflows ||
		    s->limit_add_addr_accepted != l->add_addr_accepted)
			return diag_set(d, -EPROTO,
					"MPTCP limits in netns '%s' read subflows %u add_addr_accepted %u, expected %u and %u",
					n->netns, s->limit_subflows, s->limit_add_addr_accepted,
					l->subflows, l->add_addr_accepted);
	}
	for (unsigned i = 0; i < lab->spec.n_endpoints; i++) {
		const struct lab_endpoint_spec *e = &lab->spec.endpoints[i];
		bool found = false;

		if (strcmp(e->node, n->name))
			continue;
		expected++;
		for (unsigned k = 0; k < s->n_endpoints && !found; k++) {
			const struct lab_show_endpoint *g = &s->endpoints[k];

			found = lab_addr_equal(&g->addr, &e->addr) && g->flags == e->flags &&
				(!e->id || g->id == e->id) && (!e->dev[0] || !strcmp(g->dev, e->dev));
		}
		if (!found)
			return diag_set(d, -EPROTO,
					"MPTCP endpoint '%s' in netns '%s' does not read back as configured",
					lab_addr_format(&e->addr, false, buf, sizeof(buf)), n->netns);
	}
	if (expected && s->n_endpoints != expected)
		return diag_set(d, -EPROTO, "netns '%s' has %u MPTCP endpoints, expected %u",
				n->netns, s->n_endpoints, expected);
	return 0;
}

static int verify(struct lab *lab, struct diag *d)
{
	struct lab_show_node *s = malloc(sizeof(*s));
	int r = 0;

	if (!s)
		return diag_set(d, -ENOMEM, "out of memory");
	for (unsigned i = 0; i < lab->n_nodes && r >= 0; i++) {
		struct lab_node *n = &lab->nodes[i];

		r = step(lab, d);
		if (r < 0)
			break;
		memset(s, 0, sizeof(*s));
		r = lab_show_read_node(&n->nl, n->netns, false, s, d);
		if (r >= 0)
			r = verify_ifaces(lab, n, s, d);
		if (r >= 0)
			r = verify_routes(lab, n, s, d);
		if (r >= 0)
			r = verify_mptcp(lab, n, s, d);
	}
	free(s);
	return r;
}

/* ---- public -------------------------------------------------------------------- */

int lab_up(const struct lab_spec *spec, const struct lab_opts *opts, struct lab **out,
	   struct diag *d)
{
	struct lab *lab;
	int r;

	*out = NULL;
	r = lab_spec_validate(spec, d);
	if (r < 0)
		return r;
	lab = calloc(1, sizeof(*lab));
	if (!lab)
		return diag_set(d, -ENOMEM, "out of memory");
	lab->spec = *spec;
	lab->opts = opts;

	r = step(lab, d);
	if (r < 0)
		goto out;
	r = lab_registry_create(spec->name, false, d);
	if (r < 0)
		goto out;
	*out = lab;
	r = journal(lab, LAB_UNDO_REGISTRY, spec->name, d);
	if (r >= 0)
		r = add_nodes(lab, d);
	if (r >= 0)
		r = set_sysctls(lab, d);
	if (r >= 0)
		r = add_links(lab, d);
	if (r >= 0)
		r = add_addresses(lab, d);
	if (r >= 0)
		r = add_routes(lab, d);
	if (r >= 0)
		r = add_shaping(lab, d);
	if (r >= 0)
		r = add_mptcp(lab, d);
	if (r >= 0)
		r = verify(lab, d);
	return r;
out:
	free(lab);
	return r;
}

static void close_nodes(struct lab *lab)
{
	for (unsigned i = 0; i < lab->n_nodes; i++) {
		lab_nl_close(&lab->nodes[i].nl);
		if (lab->nodes[i].fd >= 0)
			close(lab->nodes[i].fd);
		lab->nodes[i].fd = -1;
	}
}

int lab_down(struct lab *lab, struct diag *d)
{
	const char **netns;
	unsigned n_netns = 0;
	int r = 0, k;

	if (!lab)
		return 0;
	/* Our own sockets and fds hold the namespaces too. */
	close_nodes(lab);
	netns = calloc(lab->journal.n + 1, sizeof(*netns));
	if (!netns) {
		r = diag_set(d, -ENOMEM, "out of memory");
		goto out;
	}
	/* Replay in reverse; consecutive namespace deletions are done as
	 * one set (one scan of /proc for processes to kill). */
	for (int i = (int)lab->journal.n - 1; i >= 0; i--) {
		const struct lab_undo *u = &lab->journal.items[i];

		switch (u->kind) {
		case LAB_UNDO_NETNS:
			netns[n_netns++] = u->name;
			break;
		case LAB_UNDO_REGISTRY:
			k = lab_netns_delete_set(netns, n_netns, d);
			if (k < 0 && !r)
				r = k;
			n_netns = 0;
			k = lab_registry_remove(u->name);
			if (k < 0 && !r)
				r = diag_set(d, k, "cannot remove the registry entry of lab '%s': %s",
					     u->name, strerror(-k));
			break;
		}
	}
	k = lab_netns_delete_set(netns, n_netns, d);
	if (k < 0 && !r)
		r = k;
out:
	free(netns);
	lab_journal_release(&lab->journal);
	free(lab);
	return r;
}

void lab_detach(struct lab *lab)
{
	if (!lab)
		return;
	close_nodes(lab);
	lab_registry_set_persistent(lab->spec.name, true, NULL);
	lab_journal_release(&lab->journal);
	free(lab);
}

unsigned lab_steps(const struct lab *lab)
{
	return lab ? lab->steps : 0;
}

const char *lab_name(const struct lab *lab)
{
	return lab->spec.name;
}

int lab_netns_fd(const struct lab *lab, const char *node)
{
	for (unsigned i = 0; i < lab->n_nodes; i++)
		if (!strcmp(lab->nodes[i].name, node))
			return lab->nodes[i].fd;
	return -ENOENT;
}
