/*
 * topology_nodes.c: the settings a topology gives each node, under
 * "nodes": {"NAME": {"sysctls": {...}, "forwarding": true, "mptcp":
 * {"limits": {...}, "endpoints": [...]}}}.
 *
 * Sysctls are network ones (under "net."), "forwarding" adds the two
 * forwarding sysctls and must not contradict explicit ones, MPTCP limits
 * start from the kernel's defaults of a new namespace, and an endpoint
 * must be an address of one of the node's own interfaces (the kernel
 * would accept others and never use them). Checked after the links, whose
 * interfaces and addresses the endpoints refer to.
 *
 * Part of the walk of topology.c (struct tctx, topology_int.h). This file
 * does not create anything: lab/ sets the sysctls and endpoints.
 */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <jansson.h>

#include "jcheck.h"
#include "topology_int.h"

#define TOPO_LIMITS_MAX 8

static void add_sysctl(struct tctx *c, const char *path, const char *node,
		       const char *key, const char *value)
{
	struct lab_spec *s = &c->t->spec;
	struct lab_sysctl_spec *y;

	if (s->n_sysctls >= LAB_MAX_SYSCTLS) {
		jcheck_bad(&c->jc, path, "too many sysctls, expected at most %d in the whole topology",
			   LAB_MAX_SYSCTLS);
		return;
	}
	y = &s->sysctls[s->n_sysctls++];
	snprintf(y->node, sizeof(y->node), "%s", node);
	snprintf(y->key, sizeof(y->key), "%s", key);
	snprintf(y->value, sizeof(y->value), "%s", value);
}

static struct lab_sysctl_spec *find_sysctl(struct lab_spec *s, const char *node,
					   const char *key)
{
	for (unsigned i = 0; i < s->n_sysctls; i++)
		if (!strcmp(s->sysctls[i].node, node) &&
		    !strcmp(s->sysctls[i].key, key))
			return &s->sysctls[i];
	return NULL;
}

static bool sysctl_key_valid(const char *k)
{
	size_t n = strlen(k);

	if (strncmp(k, "net.", 4) || n <= 4 || n >= LAB_SYSCTL_KEY_MAX ||
	    k[n - 1] == '.' || strstr(k, ".."))
		return false;
	for (const char *p = k; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '_' || *p == '-' ||
		      *p == '.'))
			return false;
	return true;
}

static void parse_sysctls(struct tctx *c, const char *path, const char *node,
			  json_t *obj)
{
	char p[JCHECK_PATH_MAX], show[JCHECK_SHOW_MAX], value[LAB_SYSCTL_VAL_MAX];
	const char *key;
	json_t *v;

	if (!jcheck_object(&c->jc, path, obj))
		return;
	json_object_foreach (obj, key, v) {
		jcheck_path_key(p, path, key);
		if (!sysctl_key_valid(key)) {
			jcheck_bad(&c->jc, p,
				   "not a network sysctl, expected a key under 'net.' of at most %d bytes of a-z, 0-9, '_', '-', '.', got '%s'",
				   LAB_SYSCTL_KEY_MAX - 1, jcheck_shown_str(key, show));
			continue;
		}
		if (json_is_integer(v)) {
			snprintf(value, sizeof(value), "%lld",
				 (long long)json_integer_value(v));
		} else if (json_is_string(v)) {
			const char *sv = json_string_value(v);
			bool printable = true;

			for (const char *q = sv; *q; q++)
				if ((unsigned char)*q < ' ')
					printable = false;
			if (!printable || strlen(sv) >= sizeof(value)) {
				jcheck_bad(&c->jc, p,
					   "bad value, expected at most %zu printable bytes, got '%s'",
					   sizeof(value) - 1, jcheck_shown(v, show));
				continue;
			}
			strcpy(value, sv);
		} else {
			jcheck_bad_type(&c->jc, p, v, "a string or an integer");
			continue;
		}
		add_sysctl(c, p, node, key, value);
	}
}

static void parse_forwarding(struct tctx *c, const char *path, const char *node,
			     json_t *v)
{
	static const char *const keys[] = { "net.ipv4.ip_forward",
					    "net.ipv6.conf.all.forwarding" };
	char p[JCHECK_PATH_MAX], sp[JCHECK_PATH_MAX];

	if (!json_is_boolean(v)) {
		jcheck_bad_type(&c->jc, path, v, "true or false");
		return;
	}
	if (!json_is_true(v))
		return;
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		struct lab_sysctl_spec *y = find_sysctl(&c->t->spec, node, keys[i]);

		if (!y) {
			add_sysctl(c, path, node, keys[i], "1");
		} else if (strcmp(y->value, "1")) {
			snprintf(sp, sizeof(sp), "nodes.%s.sysctls", node);
			jcheck_bad(&c->jc, jcheck_path_key(p, sp, keys[i]),
				   "conflicts with \"forwarding\": true, expected '1', got '%s'",
				   y->value);
		}
	}
}

static void parse_limits(struct tctx *c, const char *path, const char *node,
			 json_t *obj)
{
	static const char *const keys[] = { "subflows", "add_addr_accepted", NULL };
	struct lab_spec *s = &c->t->spec;
	struct lab_limits_spec *l;
	char p[JCHECK_PATH_MAX];
	json_t *v;
	uint64_t u;

	if (!jcheck_object(&c->jc, path, obj))
		return;
	jcheck_keys(&c->jc, path, obj, keys);
	if (s->n_limits >= LAB_MAX_NODES)
		return;
	l = &s->limits[s->n_limits++];
	strcpy(l->node, node);
	/* The kernel's defaults for a new namespace. */
	l->subflows = 2;
	l->add_addr_accepted = 0;
	if ((v = json_object_get(obj, "subflows")) &&
	    jcheck_uint(&c->jc, jcheck_path_key(p, path, "subflows"), v, 0, TOPO_LIMITS_MAX, &u))
		l->subflows = (uint32_t)u;
	if ((v = json_object_get(obj, "add_addr_accepted")) &&
	    jcheck_uint(&c->jc, jcheck_path_key(p, path, "add_addr_accepted"), v, 0,
			TOPO_LIMITS_MAX, &u))
		l->add_addr_accepted = (uint32_t)u;
}

/* Where on this node an address lives (any interface), or NULL. */
static const struct lab_iface_spec *iface_with_addr(const struct lab_spec *s,
						    const char *node,
						    const struct lab_addr *a)
{
	for (unsigned l = 0; l < s->n_links; l++)
		for (unsigned e = 0; e < 2; e++) {
			const struct lab_iface_spec *i = &s->links[l].end[e];

			if (strcmp(i->node, node))
				continue;
			for (unsigned k = 0; k < i->n_addrs; k++)
				if (topology_addr_same(&i->addrs[k], a))
					return i;
		}
	return NULL;
}

static void parse_endpoint(struct tctx *c, const char *path, const char *node,
			   json_t *obj, unsigned first_of_node)
{
	static const char *const keys[] = { "address", "dev", "flags", "id", "port",
					    NULL };
	struct lab_spec *s = &c->t->spec;
	struct lab_endpoint_spec *e;
	char p[JCHECK_PATH_MAX], show[JCHECK_SHOW_MAX], list[256];
	const struct lab_iface_spec *on = NULL, *dev = NULL;
	json_t *v;
	const char *str;
	bool addr_ok = false;
	uint64_t u;

	if (!jcheck_object(&c->jc, path, obj))
		return;
	jcheck_keys(&c->jc, path, obj, keys);
	if (s->n_endpoints >= LAB_MAX_ENDPOINTS) {
		jcheck_bad(&c->jc, path, "too many endpoints, expected at most %d in the whole topology",
			   LAB_MAX_ENDPOINTS);
		return;
	}
	e = &s->endpoints[s->n_endpoints];
	memset(e, 0, sizeof(*e));
	strcpy(e->node, node);

	if ((v = jcheck_required(&c->jc, path, obj, "address")) &&
	    (str = jcheck_string(&c->jc, jcheck_path_key(p, path, "address"), v))) {
		if (strchr(str, '/') || lab_addr_parse(str, &e->addr) < 0 ||
		    (e->addr.family != AF_INET && e->addr.family != AF_INET6)) {
			jcheck_bad(&c->jc, p, "bad address, expected a plain IPv4 or IPv6 address, got '%s'",
				   jcheck_shown(v, show));
		} else if (!(on = iface_with_addr(s, node, &e->addr))) {
			jcheck_bad(&c->jc, p,
				   "not an address of node '%s', expected one of its interface addresses, got '%s'",
				   node, jcheck_shown(v, show));
		} else {
			addr_ok = true;
		}
	}
	if ((v = json_object_get(obj, "dev")) &&
	    jcheck_string_into(&c->jc, jcheck_path_key(p, path, "dev"), v, e->dev, sizeof(e->dev))) {
		dev = topology_find_iface(s, node, e->dev);
		if (!dev)
			jcheck_bad(&c->jc, p, "unknown interface, expected one of node '%s': %s, got '%s'",
				   node, topology_iface_list(s, node, list, sizeof(list)),
				   jcheck_shown(v, show));
		else if (on && on != dev)
			jcheck_bad(&c->jc, p,
				   "address is on '%s', not on this interface, expected '%s', got '%s'",
				   on->ifname, on->ifname, jcheck_shown(v, show));
	}
	if ((v = json_object_get(obj, "flags")) &&
	    jcheck_array(&c->jc, jcheck_path_key(p, path, "flags"), v)) {
		char fp[JCHECK_PATH_MAX];
		json_t *f;
		size_t i;

		json_array_foreach (v, i, f) {
			uint32_t flag;

			jcheck_path_idx(fp, p, i);
			if (!(str = jcheck_string(&c->jc, fp, f)))
				continue;
			if (lab_pm_flags_parse(str, &flag) < 0)
				jcheck_bad(&c->jc, fp,
					   "unknown flag, expected one of: signal, subflow, backup, fullmesh, got '%s'",
					   jcheck_shown(f, show));
			else
				e->flags |= flag;
		}
		if ((e->flags & LAB_PM_FLAG_SIGNAL) && (e->flags & LAB_PM_FLAG_FULLMESH))
			jcheck_bad(&c->jc, p,
				   "signal and fullmesh cannot be combined (the kernel refuses it), got '%s'",
				   jcheck_shown(v, show));
	}
	if ((v = json_object_get(obj, "id")) &&
	    jcheck_uint(&c->jc, jcheck_path_key(p, path, "id"), v, 1, 255, &u)) {
		e->id = (uint8_t)u;
		for (unsigned k = first_of_node; k < s->n_endpoints; k++)
			if (s->endpoints[k].id == e->id)
				jcheck_bad(&c->jc, p, "duplicate endpoint id on node '%s', got '%llu'",
					   node, (unsigned long long)u);
	}
	if ((v = json_object_get(obj, "port")) &&
	    jcheck_uint(&c->jc, jcheck_path_key(p, path, "port"), v, 1, 65535, &u)) {
		e->port = (uint16_t)u;
		if (!(e->flags & LAB_PM_FLAG_SIGNAL))
			jcheck_bad(&c->jc, p,
				   "a port needs the signal flag (the kernel refuses it), got '%llu' without signal",
				   (unsigned long long)u);
	}
	if (addr_ok) {
		for (unsigned k = first_of_node; k < s->n_endpoints; k++)
			if (topology_addr_same(&s->endpoints[k].addr, &e->addr) &&
			    s->endpoints[k].port == e->port) {
				char a[64];

				jcheck_path_key(p, path, "address");
				jcheck_bad(&c->jc, p, "duplicate endpoint on node '%s', got '%s'",
					   node,
					   lab_addr_format(&e->addr, false, a, sizeof(a)));
				break;
			}
	}
	s->n_endpoints++;
}

static void parse_mptcp(struct tctx *c, const char *path, const char *node,
			json_t *obj)
{
	static const char *const keys[] = { "limits", "endpoints", NULL };
	struct lab_spec *s = &c->t->spec;
	char p[JCHECK_PATH_MAX], ep[JCHECK_PATH_MAX];
	json_t *v, *e;
	size_t i;

	if (!jcheck_object(&c->jc, path, obj))
		return;
	jcheck_keys(&c->jc, path, obj, keys);
	if ((v = json_object_get(obj, "limits")))
		parse_limits(c, jcheck_path_key(p, path, "limits"), node, v);
	if ((v = json_object_get(obj, "endpoints")) &&
	    jcheck_array(&c->jc, jcheck_path_key(p, path, "endpoints"), v)) {
		unsigned first = s->n_endpoints;

		json_array_foreach (v, i, e)
			parse_endpoint(c, jcheck_path_idx(ep, p, i), node, e, first);
	}
}

void topology_parse_node_options(struct tctx *c, json_t *nodes)
{
	static const char *const keys[] = { "sysctls", "forwarding", "mptcp", NULL };
	char p[JCHECK_PATH_MAX], kp[JCHECK_PATH_MAX];
	const char *name;
	json_t *o;
	json_t *v;

	json_object_foreach (nodes, name, v) {
		if (topology_node_index(&c->t->spec, name) < 0)
			continue;
		jcheck_path_key(p, "nodes", name);
		if (!jcheck_object(&c->jc, p, v))
			continue;
		jcheck_keys(&c->jc, p, v, keys);
		/* Explicit sysctls first, so "forwarding" can see conflicts. */
		if ((o = json_object_get(v, "sysctls")))
			parse_sysctls(c, jcheck_path_key(kp, p, "sysctls"), name, o);
		if ((o = json_object_get(v, "forwarding")))
			parse_forwarding(c, jcheck_path_key(kp, p, "forwarding"), name, o);
		if ((o = json_object_get(v, "mptcp")))
			parse_mptcp(c, jcheck_path_key(kp, p, "mptcp"), name, o);
	}
}
