/*
 * topology.c: a topology file (topologies/NAME.json) -> struct topology.
 *
 * Phase 1 is jansson's: the text must be JSON, without duplicate keys, and
 * every syntax error is located as "file:line:col". Then the --set
 * overrides are applied to the tree (jsonset.c). Phase 2 walks the tree by
 * hand, because jansson keeps no positions: every problem is reported with
 * its JSON path, what was expected and what was found, and the walk goes
 * on after an error so the user sees them all at once. The walk is done in
 * dependency order (node names, then links, then what refers to links) so
 * that a cross reference can be checked against what exists. This file
 * holds the walk, the node names, links, routes and paths; the nodes' own
 * settings (sysctls, forwarding, MPTCP limits and endpoints) are in
 * topology_nodes.c.
 *
 * The generic pieces (reading, messages, JSON paths, typed getters, units
 * and the shaping object, which scenarios share) are in jcheck.c. This file
 * does not build anything and does not know how lab/ places the shaping;
 * lab_spec_validate() checks what only lab/ knows. The format is
 * documented in topologies/README.md.
 */
#include "topology.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <jansson.h>

#include "jcheck.h"
#include "topology_int.h"

#define TOPO_MAX_PATH_LINKS 4

/* ---- the spec's tables -------------------------------------------------------- */

int topology_node_index(const struct lab_spec *s, const char *name)
{
	for (unsigned i = 0; i < s->n_nodes; i++)
		if (!strcmp(s->nodes[i], name))
			return (int)i;
	return -1;
}

static const char *node_list(const struct lab_spec *s, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < s->n_nodes && len < size; i++)
		len += (size_t)snprintf(buf + len, size - len, "%s%s",
					i ? ", " : "", s->nodes[i]);
	if (!s->n_nodes)
		snprintf(buf, size, "(no valid nodes)");
	return buf;
}

/* A reference to a node by name; out is left empty when it is wrong. */
static bool ref_node(struct tctx *c, const char *path, json_t *v,
		     char out[LAB_NAME_MAX])
{
	char list[256], show[JCHECK_SHOW_MAX];
	const char *s = jcheck_string(&c->jc, path, v);

	out[0] = '\0';
	if (!s)
		return false;
	if (topology_node_index(&c->t->spec, s) < 0) {
		jcheck_bad(&c->jc, path, "unknown node, expected one of: %s, got '%s'",
			   node_list(&c->t->spec, list, sizeof(list)), jcheck_shown(v, show));
		return false;
	}
	strcpy(out, s);
	return true;
}

/* The tables below are shared with topology_nodes.c (topology_int.h). */
const struct lab_iface_spec *topology_find_iface(const struct lab_spec *s, const char *node,
						 const char *ifname)
{
	for (unsigned l = 0; l < s->n_links; l++)
		for (unsigned e = 0; e < 2; e++) {
			const struct lab_iface_spec *i = &s->links[l].end[e];

			if (i->node[0] && i->ifname[0] && !strcmp(i->node, node) &&
			    !strcmp(i->ifname, ifname))
				return i;
		}
	return NULL;
}

const char *topology_iface_list(const struct lab_spec *s, const char *node, char *buf,
				size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (unsigned l = 0; l < s->n_links; l++)
		for (unsigned e = 0; e < 2; e++) {
			const struct lab_iface_spec *i = &s->links[l].end[e];

			if (len < size && i->ifname[0] && !strcmp(i->node, node))
				len += (size_t)snprintf(buf + len, size - len,
							"%s%s", len ? ", " : "",
							i->ifname);
		}
	if (!len)
		snprintf(buf, size, "(none)");
	return buf;
}

static size_t addr_len(int family)
{
	return family == AF_INET6 ? 16 : 4;
}

bool topology_addr_same(const struct lab_addr *a, const struct lab_addr *b)
{
	return a->family == b->family &&
	       !memcmp(a->bytes, b->bytes, addr_len(a->family));
}

/* Is a inside the prefix net/net->prefixlen? */
static bool addr_in_prefix(const struct lab_addr *a, const struct lab_addr *net)
{
	unsigned bits = net->prefixlen, full = bits / 8, rest = bits % 8;

	if (a->family != net->family || bits > 8 * addr_len(a->family))
		return false;
	if (memcmp(a->bytes, net->bytes, full))
		return false;
	if (!rest)
		return true;
	return ((a->bytes[full] ^ net->bytes[full]) & (0xff00 >> rest) & 0xff) == 0;
}

static bool addr_host_bits_clear(const struct lab_addr *a)
{
	size_t n = addr_len(a->family);

	for (size_t i = 0; i < n; i++) {
		unsigned keep = a->prefixlen >= 8 * (i + 1) ? 8 :
				a->prefixlen <= 8 * i	    ? 0 :
							      a->prefixlen - 8 * i;
		uint8_t mask = (uint8_t)(0xff00 >> keep);

		if (a->bytes[i] & (uint8_t)~mask)
			return false;
	}
	return true;
}

static bool addr_is_link_local6(const struct lab_addr *a)
{
	return a->family == AF_INET6 && a->bytes[0] == 0xfe &&
	       (a->bytes[1] & 0xc0) == 0x80;
}

static const char *family_name(int family)
{
	return family == AF_INET6 ? "inet6" : "inet";
}

/* ---- node names ---------------------------------------------------------------- */

static void parse_node_names(struct tctx *c, json_t *nodes)
{
	struct lab_spec *s = &c->t->spec;
	char p[JCHECK_PATH_MAX];
	const char *name;
	json_t *v;

	if (json_object_size(nodes) > LAB_MAX_NODES)
		jcheck_bad(&c->jc, "nodes", "too many nodes, expected at most %d, got %zu",
			   LAB_MAX_NODES, json_object_size(nodes));
	json_object_foreach (nodes, name, v) {
		jcheck_path_key(p, "nodes", name);
		if (!lab_name_valid(name)) {
			char show[JCHECK_SHOW_MAX];

			jcheck_bad(&c->jc, p,
				   "invalid node name, expected 1-16 characters of a-z, 0-9, '_' and '-' starting with a letter or digit, got '%s'",
				   jcheck_shown_str(name, show));
			continue;
		}
		if (s->n_nodes < LAB_MAX_NODES)
			strcpy(s->nodes[s->n_nodes++], name);
	}
}

/* ---- links ------------------------------------------------------------------- */

/* Where an address is already used: "links[1].b", or false. */
static bool addr_used(const struct lab_spec *s, unsigned upto_link,
		      const struct lab_iface_spec *self, unsigned self_n,
		      const struct lab_addr *a, char *where, size_t size)
{
	for (unsigned l = 0; l <= upto_link && l < s->n_links; l++)
		for (unsigned e = 0; e < 2; e++) {
			const struct lab_iface_spec *i = &s->links[l].end[e];
			unsigned n = i == self ? self_n : i->n_addrs;

			for (unsigned k = 0; k < n; k++)
				if (topology_addr_same(&i->addrs[k], a)) {
					snprintf(where, size, "links[%u].%c", l,
						 e ? 'b' : 'a');
					return true;
				}
		}
	return false;
}

static void parse_end(struct tctx *c, const char *path, json_t *obj,
		      unsigned link, unsigned end)
{
	static const char *const keys[] = { "node", "ifname", "addresses", NULL };
	struct lab_spec *s = &c->t->spec;
	struct lab_iface_spec *ifs = &s->links[link].end[end];
	char p[JCHECK_PATH_MAX], ap[JCHECK_PATH_MAX], show[JCHECK_SHOW_MAX];
	char ifname[LAB_IFNAMSIZ] = "";
	json_t *v, *a;
	const char *str;
	size_t i;

	if (!jcheck_object(&c->jc, path, obj))
		return;
	jcheck_keys(&c->jc, path, obj, keys);
	if ((v = jcheck_required(&c->jc, path, obj, "node")))
		ref_node(c, jcheck_path_key(p, path, "node"), v, ifs->node);
	if ((v = jcheck_required(&c->jc, path, obj, "ifname")) &&
	    (str = jcheck_string(&c->jc, jcheck_path_key(p, path, "ifname"), v))) {
		if (strlen(str) >= LAB_IFNAMSIZ)
			jcheck_bad(&c->jc, p, "too long, expected at most %d bytes, got '%s' (%zu bytes)",
				   LAB_IFNAMSIZ - 1, jcheck_shown(v, show), strlen(str));
		else if (!lab_ifname_valid(str))
			jcheck_bad(&c->jc, p,
				   "invalid interface name, expected 1-15 bytes without '/', ':' or whitespace, got '%s'",
				   jcheck_shown(v, show));
		else if (!strcmp(str, "lo"))
			jcheck_bad(&c->jc, p, "reserved for the loopback device, got 'lo'");
		else
			strcpy(ifname, str);
	}
	if (ifname[0] && ifs->node[0]) {
		if (topology_find_iface(s, ifs->node, ifname))
			jcheck_bad(&c->jc, p, "duplicate interface on node '%s', got '%s'",
				   ifs->node, ifname);
		else
			strcpy(ifs->ifname, ifname);
	}
	if ((v = json_object_get(obj, "addresses")) &&
	    jcheck_array(&c->jc, jcheck_path_key(p, path, "addresses"), v)) {
		if (json_array_size(v) > LAB_MAX_ADDRS)
			jcheck_bad(&c->jc, p, "too many addresses, expected at most %d, got %zu",
				   LAB_MAX_ADDRS, json_array_size(v));
		json_array_foreach (v, i, a) {
			struct lab_addr addr;
			char where[32];

			if (i >= LAB_MAX_ADDRS)
				break;
			jcheck_path_idx(ap, p, i);
			if (!(str = jcheck_string(&c->jc, ap, a)))
				continue;
			if (lab_addr_parse(str, &addr) < 0 ||
			    (addr.family != AF_INET && addr.family != AF_INET6)) {
				jcheck_bad(&c->jc, ap, "bad address, expected an address with a prefix length such as '10.0.1.1/24' or 'fd00:1::1/64', got '%s'",
					   jcheck_shown(a, show));
				continue;
			}
			if (!strchr(str, '/')) {
				jcheck_bad(&c->jc, ap, "missing prefix length, expected e.g. '%s/%d', got '%s'",
					   str, addr.family == AF_INET ? 24 : 64,
					   jcheck_shown(a, show));
				continue;
			}
			if (addr_used(s, link, ifs, ifs->n_addrs, &addr, where,
				      sizeof(where))) {
				jcheck_bad(&c->jc, ap, "duplicate address, already used by %s, got '%s'",
					   where, jcheck_shown(a, show));
				continue;
			}
			ifs->addrs[ifs->n_addrs++] = addr;
		}
	}
}

static bool link_has_family(const struct lab_link_spec *l, int family)
{
	for (unsigned e = 0; e < 2; e++)
		for (unsigned k = 0; k < l->end[e].n_addrs; k++)
			if (l->end[e].addrs[k].family == family)
				return true;
	return false;
}

static void parse_links(struct tctx *c, json_t *links)
{
	static const char *const keys[] = { "name", "a", "b", "mtu", NULL };
	struct lab_spec *s = &c->t->spec;
	char p[JCHECK_PATH_MAX], kp[JCHECK_PATH_MAX], show[JCHECK_SHOW_MAX];
	json_t *l, *v;
	size_t i;

	if (!jcheck_array(&c->jc, "links", links))
		return;
	if (json_array_size(links) == 0)
		jcheck_bad(&c->jc, "links", "empty, expected at least one link");
	if (json_array_size(links) > LAB_MAX_LINKS)
		jcheck_bad(&c->jc, "links", "too many links, expected at most %d, got %zu",
			   LAB_MAX_LINKS, json_array_size(links));
	json_array_foreach (links, i, l) {
		struct lab_link_spec *ls;
		uint64_t u;

		if (i >= LAB_MAX_LINKS)
			break;
		jcheck_path_idx(p, "links", i);
		ls = &s->links[s->n_links++];
		memset(ls, 0, sizeof(*ls));
		if (!jcheck_object(&c->jc, p, l))
			continue;
		jcheck_keys(&c->jc, p, l, keys);
		if ((v = jcheck_required(&c->jc, p, l, "name")) &&
		    jcheck_string_into(&c->jc, jcheck_path_key(kp, p, "name"), v, ls->name,
				       sizeof(ls->name))) {
			if (!lab_name_valid(ls->name)) {
				jcheck_bad(&c->jc, kp,
					   "invalid link name, expected 1-16 characters of a-z, 0-9, '_' and '-' starting with a letter or digit, got '%s'",
					   jcheck_shown(v, show));
				ls->name[0] = '\0';
			}
			for (size_t k = 0; ls->name[0] && k + 1 < s->n_links; k++)
				if (!strcmp(s->links[k].name, ls->name)) {
					jcheck_bad(&c->jc, kp, "duplicate link name, already used by links[%zu], got '%s'",
						   k, ls->name);
					ls->name[0] = '\0';
					break;
				}
		}
		if ((v = jcheck_required(&c->jc, p, l, "a")))
			parse_end(c, jcheck_path_key(kp, p, "a"), v, s->n_links - 1, 0);
		if ((v = jcheck_required(&c->jc, p, l, "b")))
			parse_end(c, jcheck_path_key(kp, p, "b"), v, s->n_links - 1, 1);
		if (ls->end[0].node[0] && !strcmp(ls->end[0].node, ls->end[1].node))
			jcheck_bad(&c->jc, jcheck_path(kp, "%s.b.node", p),
				   "both ends on the same node, expected a node other than '%s', got '%s'",
				   ls->end[0].node, ls->end[1].node);
		if ((v = json_object_get(l, "mtu")) &&
		    jcheck_uint(&c->jc, jcheck_path_key(kp, p, "mtu"), v, 68, 65535, &u)) {
			ls->mtu = (uint32_t)u;
			if (u < 1280 && (link_has_family(ls, AF_INET6)))
				jcheck_bad(&c->jc, kp, "too small for IPv6 addresses, expected at least 1280, got '%llu'",
					   (unsigned long long)u);
		}
	}
}

/* ---- routes ------------------------------------------------------------------ */

static void parse_route(struct tctx *c, const char *path, const char *node,
			json_t *obj)
{
	static const char *const keys[] = { "to", "via", "dev", "family", "metric",
					    NULL };
	struct lab_spec *s = &c->t->spec;
	struct lab_route_spec *r;
	char p[JCHECK_PATH_MAX], show[JCHECK_SHOW_MAX], list[256];
	json_t *v;
	const char *str;
	bool is_default = false, to_ok = false, via_ok = false, dev_ok = false;
	int family = 0;
	uint64_t u;

	if (!jcheck_object(&c->jc, path, obj))
		return;
	jcheck_keys(&c->jc, path, obj, keys);
	if (s->n_routes >= LAB_MAX_ROUTES) {
		jcheck_bad(&c->jc, path, "too many routes, expected at most %d in the whole topology",
			   LAB_MAX_ROUTES);
		return;
	}
	r = &s->routes[s->n_routes];
	memset(r, 0, sizeof(*r));
	strcpy(r->node, node);

	if ((v = json_object_get(obj, "family")) &&
	    (str = jcheck_string(&c->jc, jcheck_path_key(p, path, "family"), v))) {
		if (!strcmp(str, "inet"))
			family = AF_INET;
		else if (!strcmp(str, "inet6"))
			family = AF_INET6;
		else
			jcheck_bad(&c->jc, p, "unknown family, expected 'inet' or 'inet6', got '%s'",
				   jcheck_shown(v, show));
	}
	if ((v = jcheck_required(&c->jc, path, obj, "to")) &&
	    (str = jcheck_string(&c->jc, jcheck_path_key(p, path, "to"), v))) {
		if (!strcmp(str, "default")) {
			is_default = true;
			to_ok = true;
		} else if (lab_addr_parse(str, &r->dst) < 0 ||
			   (r->dst.family != AF_INET && r->dst.family != AF_INET6)) {
			jcheck_bad(&c->jc, p, "bad destination, expected 'default' or a prefix such as '10.0.2.0/24', got '%s'",
				   jcheck_shown(v, show));
		} else if (!addr_host_bits_clear(&r->dst)) {
			jcheck_bad(&c->jc, p, "host bits set in the prefix, expected the network address of /%u, got '%s'",
				   r->dst.prefixlen, jcheck_shown(v, show));
		} else if (family && family != r->dst.family) {
			jcheck_bad(&c->jc, p, "is not of family '%s', got '%s'",
				   family_name(family), jcheck_shown(v, show));
		} else {
			to_ok = true;
		}
	}
	if ((v = json_object_get(obj, "via")) &&
	    (str = jcheck_string(&c->jc, jcheck_path_key(p, path, "via"), v))) {
		if (strchr(str, '/') || lab_addr_parse(str, &r->via) < 0 ||
		    (r->via.family != AF_INET && r->via.family != AF_INET6)) {
			jcheck_bad(&c->jc, p, "bad gateway, expected a plain address, got '%s'",
				   jcheck_shown(v, show));
			r->via.family = 0;
		} else if (to_ok && !is_default && r->via.family != r->dst.family) {
			jcheck_bad(&c->jc, p, "gateway of another family than 'to', expected an %s address, got '%s'",
				   r->dst.family == AF_INET ? "IPv4" : "IPv6",
				   jcheck_shown(v, show));
		} else if (family && family != r->via.family) {
			jcheck_bad(&c->jc, p, "is not of family '%s', got '%s'",
				   family_name(family), jcheck_shown(v, show));
		} else {
			via_ok = true;
		}
	}
	if ((v = json_object_get(obj, "dev")) &&
	    jcheck_string_into(&c->jc, jcheck_path_key(p, path, "dev"), v, r->dev, sizeof(r->dev))) {
		if (!topology_find_iface(s, node, r->dev))
			jcheck_bad(&c->jc, p, "unknown interface, expected one of node '%s': %s, got '%s'",
				   node, topology_iface_list(s, node, list, sizeof(list)),
				   jcheck_shown(v, show));
		else
			dev_ok = true;
	}
	if (!json_object_get(obj, "via") && !json_object_get(obj, "dev"))
		jcheck_bad(&c->jc, path, "no next hop, expected 'via', 'dev' or both, got neither");
	if (is_default) {
		r->dst.family = via_ok ? r->via.family : family;
		r->dst.prefixlen = 0;
		if (!r->dst.family && !json_object_get(obj, "via"))
			jcheck_bad(&c->jc, path,
				   "cannot tell the family of a default route without 'via', expected \"family\": \"inet\" or \"inet6\"");
	}
	/* The gateway must sit on a subnet of this node (of dev, if given),
	 * or the kernel refuses the route with "Nexthop has invalid gateway". */
	if (via_ok && !addr_is_link_local6(&r->via)) {
		bool reachable = false;

		for (unsigned l = 0; l < s->n_links && !reachable; l++)
			for (unsigned e = 0; e < 2; e++) {
				const struct lab_iface_spec *i = &s->links[l].end[e];

				if (strcmp(i->node, node) ||
				    (dev_ok && strcmp(i->ifname, r->dev)))
					continue;
				for (unsigned k = 0; k < i->n_addrs; k++)
					if (addr_in_prefix(&r->via, &i->addrs[k]) &&
					    !topology_addr_same(&r->via, &i->addrs[k]))
						reachable = true;
			}
		if (!reachable) {
			char a[64];

			jcheck_path_key(p, path, "via");
			jcheck_bad(&c->jc, p,
				   "gateway not on a subnet of node '%s'%s%s, expected a neighbour's address, got '%s'",
				   node, dev_ok ? " interface " : "", dev_ok ? r->dev : "",
				   lab_addr_format(&r->via, false, a, sizeof(a)));
		}
	}
	if ((v = json_object_get(obj, "metric")) &&
	    jcheck_uint(&c->jc, jcheck_path_key(p, path, "metric"), v, 0, UINT32_MAX, &u))
		r->metric = (uint32_t)u;
	if (to_ok && r->dst.family) {
		for (unsigned k = 0; k < s->n_routes; k++) {
			const struct lab_route_spec *o = &s->routes[k];

			if (!strcmp(o->node, node) && o->dst.family == r->dst.family &&
			    o->dst.prefixlen == r->dst.prefixlen &&
			    topology_addr_same(&o->dst, &r->dst) && o->metric == r->metric) {
				char a[64];

				jcheck_bad(&c->jc, path, "duplicate route on node '%s' to '%s' with metric %u",
					   node,
					   is_default ? "default" :
					   lab_addr_format(&r->dst, true, a, sizeof(a)),
					   r->metric);
				break;
			}
		}
	}
	s->n_routes++;
}

static void parse_routes(struct tctx *c, json_t *routes)
{
	char p[JCHECK_PATH_MAX], rp[JCHECK_PATH_MAX], list[256], show[JCHECK_SHOW_MAX];
	const char *node;
	json_t *r;
	json_t *v;
	size_t i;

	if (!jcheck_object(&c->jc, "routes", routes))
		return;
	json_object_foreach (routes, node, v) {
		jcheck_path_key(p, "routes", node);
		if (topology_node_index(&c->t->spec, node) < 0) {
			jcheck_bad(&c->jc, p, "unknown node, expected one of: %s, got '%s'",
				   node_list(&c->t->spec, list, sizeof(list)),
				   jcheck_shown_str(node, show));
			continue;
		}
		if (!jcheck_array(&c->jc, p, v))
			continue;
		json_array_foreach (v, i, r)
			parse_route(c, jcheck_path_idx(rp, p, i), node, r);
	}
}

/* ---- paths and shaping ------------------------------------------------------- */

static const struct lab_link_spec *find_link(const struct lab_spec *s,
					     const char *name)
{
	for (unsigned i = 0; i < s->n_links; i++)
		if (s->links[i].name[0] && !strcmp(s->links[i].name, name))
			return &s->links[i];
	return NULL;
}

/* Does the ordered list of links lead from the client to the server? */
static void check_chain(struct tctx *c, const char *path,
			const struct lab_path_spec *ps)
{
	const struct lab_spec *s = &c->t->spec;
	const char *cur = c->t->client;
	const char *visited[TOPO_MAX_PATH_LINKS + 1];
	char p[JCHECK_PATH_MAX], lp[JCHECK_PATH_MAX];
	unsigned n_visited = 0;

	jcheck_path_key(lp, path, "links");
	visited[n_visited++] = cur;
	for (unsigned i = 0; i < ps->n_links; i++) {
		const struct lab_link_spec *l = find_link(s, ps->links[i]);
		const char *next;

		if (!l || !l->end[0].node[0] || !l->end[1].node[0])
			return; /* reported with the link already */
		if (!strcmp(l->end[0].node, cur))
			next = l->end[1].node;
		else if (!strcmp(l->end[1].node, cur))
			next = l->end[0].node;
		else {
			jcheck_bad(&c->jc, jcheck_path_idx(p, lp, i),
				   "not a chain from client to server, expected a link of %s node '%s', got '%s' (between '%s' and '%s')",
				   i ? "the previous link's" : "the client", cur, l->name,
				   l->end[0].node, l->end[1].node);
			return;
		}
		for (unsigned k = 0; k < n_visited; k++)
			if (!strcmp(visited[k], next)) {
				jcheck_bad(&c->jc, jcheck_path_idx(p, lp, i),
					   "not a chain from client to server, comes back to node '%s', got '%s'",
					   next, l->name);
				return;
			}
		visited[n_visited++] = next;
		cur = next;
	}
	if (strcmp(cur, c->t->server))
		jcheck_bad(&c->jc, lp,
			   "not a chain from client to server, expected the last link to reach the server node '%s', got a chain ending at '%s'",
			   c->t->server, cur);
}

static void parse_path(struct tctx *c, const char *path, const char *name,
		       json_t *obj)
{
	static const char *const keys[] = { "links", "shaping", NULL };
	struct lab_spec *s = &c->t->spec;
	struct lab_path_spec *ps = &s->paths[s->n_paths++];
	char p[JCHECK_PATH_MAX], ep[JCHECK_PATH_MAX], show[JCHECK_SHOW_MAX];
	json_t *v, *l;
	bool links_ok = true;
	size_t i;

	memset(ps, 0, sizeof(*ps));
	strcpy(ps->name, name);
	if (!jcheck_object(&c->jc, path, obj))
		return;
	jcheck_keys(&c->jc, path, obj, keys);
	if ((v = jcheck_required(&c->jc, path, obj, "links")) &&
	    jcheck_array(&c->jc, jcheck_path_key(p, path, "links"), v)) {
		size_t n = json_array_size(v);

		if (n == 0 || n > TOPO_MAX_PATH_LINKS) {
			jcheck_bad(&c->jc, p, "expected 1 to %d links, got %zu", TOPO_MAX_PATH_LINKS, n);
			links_ok = false;
		}
		json_array_foreach (v, i, l) {
			const char *str;

			if (i >= TOPO_MAX_PATH_LINKS)
				break;
			jcheck_path_idx(ep, p, i);
			if (!(str = jcheck_string(&c->jc, ep, l))) {
				links_ok = false;
				continue;
			}
			if (!find_link(s, str)) {
				jcheck_bad(&c->jc, ep, "unknown link, expected the name of one of 'links', got '%s'",
					   jcheck_shown(l, show));
				links_ok = false;
				continue;
			}
			/* A link in two paths would get two shapings. */
			for (unsigned k = 0; k + 1 < s->n_paths; k++)
				for (unsigned m = 0; m < s->paths[k].n_links; m++)
					if (!strcmp(s->paths[k].links[m], str))
						jcheck_bad(&c->jc, ep, "link already in path '%s', expected each link in at most one path, got '%s'",
							   s->paths[k].name, str);
			strcpy(ps->links[ps->n_links++], str);
		}
	} else {
		links_ok = false;
	}
	if (links_ok && c->client_ok && c->server_ok)
		check_chain(c, path, ps);
	/* ps->up and ps->down are zero: the shaping is the object's own. */
	if ((v = json_object_get(obj, "shaping")))
		jcheck_shaping(&c->jc, jcheck_path_key(p, path, "shaping"), v, &ps->up, &ps->down);
}

static void parse_paths(struct tctx *c, json_t *paths)
{
	char p[JCHECK_PATH_MAX], show[JCHECK_SHOW_MAX];
	struct lab_spec *s = &c->t->spec;
	const char *name;
	json_t *v;

	if (!jcheck_object(&c->jc, "paths", paths))
		return;
	if (json_object_size(paths) == 0)
		jcheck_bad(&c->jc, "paths", "empty, expected at least one path");
	if (json_object_size(paths) > LAB_MAX_PATHS)
		jcheck_bad(&c->jc, "paths", "too many paths, expected at most %d, got %zu",
			   LAB_MAX_PATHS, json_object_size(paths));
	json_object_foreach (paths, name, v) {
		jcheck_path_key(p, "paths", name);
		if (!lab_name_valid(name)) {
			jcheck_bad(&c->jc, p,
				   "invalid path name, expected 1-16 characters of a-z, 0-9, '_' and '-' starting with a letter or digit, got '%s'",
				   jcheck_shown_str(name, show));
			continue;
		}
		if (s->n_paths >= LAB_MAX_PATHS)
			break;
		parse_path(c, p, name, v);
	}
}

static void parse_role(struct tctx *c, json_t *root, const char *key,
		       char out[LAB_NAME_MAX], bool *ok)
{
	json_t *v = jcheck_required(&c->jc, "", root, key);

	*ok = v && ref_node(c, key, v, out);
}

static void parse_root(struct tctx *c, json_t *root)
{
	static const char *const keys[] = { "name",  "description", "client", "server",
					    "nodes", "links",	    "routes", "paths",
					    NULL };
	struct topology *t = c->t;
	json_t *v, *nodes;

	if (!json_is_object(root)) {
		jcheck_bad_type(&c->jc, "top level", root, "an object");
		return;
	}
	jcheck_keys(&c->jc, "", root, keys);
	if ((v = jcheck_required(&c->jc, "", root, "name")))
		jcheck_name_into(&c->jc, "name", v, t->name, sizeof(t->name));
	if ((v = json_object_get(root, "description")))
		jcheck_string_into(&c->jc, "description", v, t->description,
				   sizeof(t->description));

	nodes = jcheck_required(&c->jc, "", root, "nodes");
	if (nodes && jcheck_object(&c->jc, "nodes", nodes)) {
		parse_node_names(c, nodes);
		if (json_object_size(nodes) == 0)
			jcheck_bad(&c->jc, "nodes", "empty, expected at least the client and the server");
	} else {
		nodes = NULL;
	}
	parse_role(c, root, "client", t->client, &c->client_ok);
	parse_role(c, root, "server", t->server, &c->server_ok);
	if (c->client_ok && c->server_ok && !strcmp(t->client, t->server)) {
		jcheck_bad(&c->jc, "server", "same node as the client, expected another node than '%s', got '%s'",
			   t->client, t->server);
		c->server_ok = false;
	}
	/* lab/ needs the roles too: it places shaping relative to them. */
	if (c->client_ok)
		strcpy(t->spec.client, t->client);
	if (c->server_ok)
		strcpy(t->spec.server, t->server);
	if ((v = jcheck_required(&c->jc, "", root, "links")))
		parse_links(c, v);
	if (nodes)
		topology_parse_node_options(c, nodes);
	if ((v = json_object_get(root, "routes")))
		parse_routes(c, v);
	if ((v = jcheck_required(&c->jc, "", root, "paths")))
		parse_paths(c, v);
}
/* ---- entry points ------------------------------------------------------------ */

int topology_load_buffer(const char *origin, const char *buf, size_t len,
			 const char *const *sets, size_t n_sets,
			 struct topology *t, struct diag_list *errs)
{
	struct tctx c = { .jc = { .origin = origin, .errs = errs }, .t = t };
	json_t *root;

	memset(t, 0, sizeof(*t));
	root = jcheck_parse(&c.jc, buf, len, sets, n_sets);
	if (!root)
		return -EINVAL;
	parse_root(&c, root);
	json_decref(root);
	if (c.jc.n_errors) {
		memset(t, 0, sizeof(*t));
		return -EINVAL;
	}
	return 0;
}

int topology_load_file(const char *path, const char *const *sets, size_t n_sets,
		       struct topology *t, struct diag_list *errs)
{
	char *buf = NULL;
	size_t len = 0;
	int r;

	memset(t, 0, sizeof(*t));
	r = jcheck_read_file(path, &buf, &len, errs);
	if (r == 0)
		r = topology_load_buffer(path, buf, len, sets, n_sets, t, errs);
	free(buf);
	return r;
}
