/*
 * spec.c: addresses, names, and the checks on a struct lab_spec that only
 * lab/ can make (cross references, where shaping can go). Syntax and JSON
 * paths are runner/input/topology.c's business; this is the last line of defence
 * for specs built any other way.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>

#include "lab_int.h"

int lab_addr_parse(const char *s, struct lab_addr *a)
{
	char buf[INET6_ADDRSTRLEN + 8];
	const char *slash;
	size_t len;
	int max;

	memset(a, 0, sizeof(*a));
	if (!s)
		return -EINVAL;
	slash = strchr(s, '/');
	len = slash ? (size_t)(slash - s) : strlen(s);
	if (!len || len >= INET6_ADDRSTRLEN)
		return -EINVAL;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (inet_pton(AF_INET, buf, a->bytes) == 1) {
		a->family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, buf, a->bytes) == 1) {
		a->family = AF_INET6;
		max = 128;
	} else {
		return -EINVAL;
	}
	a->prefixlen = (uint8_t)max;
	if (slash) {
		char *end;
		long p;

		if (!slash[1] || slash[1] < '0' || slash[1] > '9')
			return -EINVAL;
		p = strtol(slash + 1, &end, 10);
		if (*end || p < 0 || p > max)
			return -EINVAL;
		a->prefixlen = (uint8_t)p;
	}
	return 0;
}

const char *lab_addr_format(const struct lab_addr *a, bool with_prefix, char *buf, size_t size)
{
	char ip[INET6_ADDRSTRLEN];

	if (!a->family) {
		snprintf(buf, size, "none");
		return buf;
	}
	if (!inet_ntop(a->family, a->bytes, ip, sizeof(ip)))
		snprintf(ip, sizeof(ip), "?");
	if (a->prefixlen == 0 && with_prefix)
		snprintf(buf, size, "default");
	else if (with_prefix)
		snprintf(buf, size, "%s/%u", ip, a->prefixlen);
	else
		snprintf(buf, size, "%s", ip);
	return buf;
}

bool lab_addr_equal(const struct lab_addr *a, const struct lab_addr *b)
{
	size_t len = a->family == AF_INET ? 4 : 16;

	return a->family == b->family && !memcmp(a->bytes, b->bytes, len);
}

bool lab_name_valid(const char *name)
{
	size_t len = strlen(name);

	if (!len || len >= LAB_NAME_MAX)
		return false;
	if (!((name[0] >= 'a' && name[0] <= 'z') || (name[0] >= '0' && name[0] <= '9')))
		return false;
	for (const char *p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_' ||
		      *p == '-'))
			return false;
	return true;
}

bool lab_ifname_valid(const char *name)
{
	size_t len = strlen(name);

	if (!len || len >= LAB_IFNAMSIZ || !strcmp(name, ".") || !strcmp(name, ".."))
		return false;
	for (const char *p = name; *p; p++)
		if (*p == '/' || *p == ':' || *p == ' ' || *p == '\t' || *p == '\n' ||
		    (unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			return false;
	return true;
}

int lab_random_name(const char *prefix, char *buf, size_t size)
{
	unsigned char b[3];

	if (getrandom(b, sizeof(b), 0) != sizeof(b))
		return -errno;
	return xsnprintf(buf, size, "%s%02x%02x%02x", prefix, b[0], b[1], b[2]);
}

int lab_netns_name(const char *lab, const char *node, char *buf, size_t size)
{
	return xsnprintf(buf, size, LAB_NETNS_PREFIX "%s-%s", lab, node);
}

static int node_index(const struct lab_spec *s, const char *node)
{
	for (unsigned i = 0; i < s->n_nodes; i++)
		if (!strcmp(s->nodes[i], node))
			return (int)i;
	return -1;
}

static bool node_has_iface(const struct lab_spec *s, const char *node, const char *ifname)
{
	for (unsigned i = 0; i < s->n_links; i++)
		for (int e = 0; e < 2; e++)
			if (!strcmp(s->links[i].end[e].node, node) &&
			    !strcmp(s->links[i].end[e].ifname, ifname))
				return true;
	return false;
}

static const struct lab_link_spec *find_link(const struct lab_spec *s, const char *name)
{
	for (unsigned i = 0; i < s->n_links; i++)
		if (!strcmp(s->links[i].name, name))
			return &s->links[i];
	return NULL;
}

int lab_spec_validate(const struct lab_spec *s, struct diag *d)
{
	if (!lab_name_valid(s->name))
		return diag_set(d, -EINVAL, "invalid lab name '%s': 1-16 of a-z 0-9 _ -", s->name);
	if (!s->n_nodes)
		return diag_set(d, -EINVAL, "lab '%s' has no nodes", s->name);
	for (unsigned i = 0; i < s->n_nodes; i++) {
		if (!lab_name_valid(s->nodes[i]))
			return diag_set(d, -EINVAL, "invalid node name '%s'", s->nodes[i]);
		if (node_index(s, s->nodes[i]) != (int)i)
			return diag_set(d, -EINVAL, "node '%s' is listed twice", s->nodes[i]);
	}
	for (unsigned i = 0; i < s->n_links; i++) {
		const struct lab_link_spec *l = &s->links[i];

		for (int e = 0; e < 2; e++) {
			if (node_index(s, l->end[e].node) < 0)
				return diag_set(d, -EINVAL, "link '%s' names unknown node '%s'",
						l->name, l->end[e].node);
			if (!lab_ifname_valid(l->end[e].ifname))
				return diag_set(d, -EINVAL, "link '%s': invalid interface name '%s'",
						l->name, l->end[e].ifname);
		}
		if (!strcmp(l->end[0].node, l->end[1].node))
			return diag_set(d, -EINVAL, "link '%s' joins node '%s' to itself", l->name,
					l->end[0].node);
	}
	for (unsigned i = 0; i < s->n_routes; i++)
		if (s->routes[i].dev[0] && !node_has_iface(s, s->routes[i].node, s->routes[i].dev))
			return diag_set(d, -EINVAL, "route on node '%s' uses unknown device '%s'",
					s->routes[i].node, s->routes[i].dev);
	for (unsigned i = 0; i < s->n_endpoints; i++) {
		const struct lab_endpoint_spec *e = &s->endpoints[i];

		if (e->dev[0] && !node_has_iface(s, e->node, e->dev))
			return diag_set(d, -EINVAL, "endpoint on node '%s' uses unknown device '%s'",
					e->node, e->dev);
		if ((e->flags & LAB_PM_FLAG_SIGNAL) && (e->flags & LAB_PM_FLAG_FULLMESH))
			return diag_set(d, -EINVAL,
					"endpoint on node '%s': flags signal and fullmesh exclude each other",
					e->node);
	}
	for (unsigned i = 0; i < s->n_paths; i++) {
		const struct lab_path_spec *p = &s->paths[i];

		if (p->n_links == 1 && (node_index(s, s->client) < 0 || node_index(s, s->server) < 0))
			return diag_set(d, -EINVAL,
					"path '%s' is a direct link: the lab needs its client and server nodes",
					p->name);
		if (!p->n_links || p->n_links > ARRAY_SIZE(p->links))
			return diag_set(d, -EINVAL, "path '%s' needs 1 to %zu links", p->name,
					ARRAY_SIZE(p->links));
		for (unsigned k = 0; k < p->n_links; k++)
			if (!find_link(s, p->links[k]))
				return diag_set(d, -EINVAL, "path '%s' names unknown link '%s'",
						p->name, p->links[k]);
	}
	return 0;
}

/* Where one direction of a path is shaped: the interface and whether it is
 * its egress or (through ifb) its ingress. */
int lab_path_placement(const struct lab_spec *s, const struct lab_path_spec *p, bool up,
		       const struct lab_iface_spec **iface, bool *ingress)
{
	const struct lab_link_spec *first = find_link(s, p->links[0]);
	const struct lab_link_spec *last = find_link(s, p->links[p->n_links - 1]);
	const struct lab_link_spec *l, *inner;
	int fwd_end;

	if (!first || !last)
		return -EINVAL;
	if (p->n_links == 1) {
		/* A direct link: no node in between, so shape on the
		 * receiver's ingress (tc-netem(8): with TSQ, shaping on the
		 * sender's own egress gives unrealistic TCP results). */
		const char *receiver = up ? s->server : s->client;

		if (strcmp(first->end[0].node, receiver) && strcmp(first->end[1].node, receiver))
			return -EINVAL;
		*iface = &first->end[strcmp(first->end[0].node, receiver) ? 1 : 0];
		*ingress = true;
		return 0;
	}
	/* The node next to the receiver forwards: shape its egress, on the
	 * end of the outermost link that it shares with the inner one. */
	l = up ? last : first;
	inner = find_link(s, p->links[up ? p->n_links - 2 : 1]);
	fwd_end = (!strcmp(l->end[0].node, inner->end[0].node) ||
		   !strcmp(l->end[0].node, inner->end[1].node)) ? 0 : 1;
	*iface = &l->end[fwd_end];
	*ingress = false;
	return 0;
}
