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
 * that a cross reference can be checked against what exists.
 *
 * This file does not build anything and does not know how lab/ places the
 * shaping; lab_spec_validate() checks what only lab/ knows. The format is
 * documented in topologies/README.md.
 */
#include "topology.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <jansson.h>

#include "jsonset.h"
#include "units.h"

#define TOPO_FILE_MAX_BYTES (4u << 20)
#define TOPO_PATH_MAX 192
#define TOPO_SHOW_MAX 64
#define TOPO_MAX_PATH_LINKS 4
#define TOPO_DELAY_MAX_US (10ull * 1000 * 1000)
#define TOPO_LIMITS_MAX 8

struct tctx {
	const char *origin;
	struct errlist *errs;
	unsigned n_errors;
	struct topology *t;
	bool client_ok, server_ok;
};

/* ---- messages --------------------------------------------------------------- */

static void bad(struct tctx *c, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void bad(struct tctx *c, const char *path, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	errlist_add(c->errs, "%s: %s: %s", c->origin, path, msg);
	c->n_errors++;
}

static bool plain_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       (ch >= '0' && ch <= '9') || ch == '_' || ch == '-';
}

static bool key_is_plain(const char *k)
{
	if (!*k)
		return false;
	for (const char *p = k; *p; p++)
		if (!plain_char(*p))
			return false;
	return true;
}

/* Paths longer than the buffer end in "..." (messages only). */
static const char *jp_printf(char *buf, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static const char *jp_printf(char *buf, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, TOPO_PATH_MAX, fmt, ap);
	va_end(ap);
	if (n >= TOPO_PATH_MAX)
		memcpy(buf + TOPO_PATH_MAX - 4, "...", 4);
	return buf;
}

/* "parent.key", or parent["key"] when the key has dots or odd bytes, in
 * the syntax --set accepts. */
static const char *jp_key(char *buf, const char *parent, const char *key)
{
	json_t *s;
	char *q;

	if (key_is_plain(key))
		return jp_printf(buf, "%s%s%s", parent, *parent ? "." : "", key);
	s = json_string(key);
	q = s ? json_dumps(s, JSON_ENCODE_ANY | JSON_ENSURE_ASCII) : NULL;
	jp_printf(buf, "%s[%s]", parent, q ? q : "\"?\"");
	free(q);
	json_decref(s);
	return buf;
}

static const char *jp_idx(char *buf, const char *parent, size_t i)
{
	return jp_printf(buf, "%s[%zu]", parent, i);
}

/* A found value as it should appear between quotes in a message: strings
 * without their JSON quotes, everything else as compact JSON; control
 * bytes replaced and long values cut. */
static const char *shown(json_t *v, char *buf)
{
	const size_t max = TOPO_SHOW_MAX;
	char *dump = NULL;
	const char *src;
	size_t n = 0;

	if (json_is_string(v)) {
		src = json_string_value(v);
	} else {
		dump = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT |
					     JSON_ENSURE_ASCII);
		src = dump ? dump : "?";
	}
	for (; *src && n < max - 4; src++)
		buf[n++] = ((unsigned char)*src < ' ' || *src == 0x7f) ? '?' : *src;
	if (*src) {
		memcpy(buf + n, "...", 3);
		n += 3;
	}
	buf[n] = '\0';
	free(dump);
	return buf;
}

static const char *kind_of(json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "string";
	case JSON_INTEGER:
		return "integer";
	case JSON_REAL:
		return "number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "boolean";
	case JSON_NULL:
		return "null";
	}
	return "value";
}

static void bad_type(struct tctx *c, const char *path, json_t *v,
		     const char *expected)
{
	char show[TOPO_SHOW_MAX];

	if (json_is_object(v) || json_is_array(v) || json_is_null(v))
		bad(c, path, "wrong type, expected %s, got %s", expected,
		    kind_of(v));
	else
		bad(c, path, "wrong type, expected %s, got %s '%s'", expected,
		    kind_of(v), shown(v, show));
}

/* ---- generic accessors -------------------------------------------------------- */

/* Report every key of obj that is not in allowed (NULL-terminated). */
static void check_keys(struct tctx *c, const char *path, json_t *obj,
		       const char *const *allowed)
{
	char list[256], kp[TOPO_PATH_MAX];
	const char *key;
	json_t *v;
	size_t len = 0;

	list[0] = '\0';
	for (size_t i = 0; allowed[i] && len < sizeof(list); i++)
		len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s",
					i ? ", " : "", allowed[i]);
	json_object_foreach (obj, key, v) {
		bool known = false;

		for (size_t i = 0; allowed[i]; i++)
			if (!strcmp(key, allowed[i]))
				known = true;
		if (!known)
			bad(c, jp_key(kp, path, key),
			    "unknown key (expected one of: %s)", list);
	}
}

static bool want_object(struct tctx *c, const char *path, json_t *v)
{
	if (json_is_object(v))
		return true;
	bad_type(c, path, v, "an object");
	return false;
}

static bool want_array(struct tctx *c, const char *path, json_t *v)
{
	if (json_is_array(v))
		return true;
	bad_type(c, path, v, "an array");
	return false;
}

static json_t *required(struct tctx *c, const char *path,
			      json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	if (!v)
		bad(c, *path ? path : "top level", "missing required key '%s'",
		    key);
	return v;
}

static const char *want_string(struct tctx *c, const char *path, json_t *v)
{
	if (json_is_string(v))
		return json_string_value(v);
	bad_type(c, path, v, "a string");
	return NULL;
}

/* A string copied into a fixed buffer; too long is an error, never cut. */
static bool string_into(struct tctx *c, const char *path, json_t *v,
			char *out, size_t size)
{
	char show[TOPO_SHOW_MAX];
	const char *s = want_string(c, path, v);

	if (!s)
		return false;
	if (strlen(s) >= size) {
		bad(c, path, "too long, expected at most %zu bytes, got '%s' (%zu bytes)",
		    size - 1, shown(v, show), strlen(s));
		return false;
	}
	strcpy(out, s);
	return true;
}

static bool want_uint(struct tctx *c, const char *path, json_t *v,
		      uint64_t min, uint64_t max, uint64_t *out)
{
	char show[TOPO_SHOW_MAX];
	json_int_t i;

	if (!json_is_integer(v)) {
		char expected[96];

		snprintf(expected, sizeof(expected), "an integer from %llu to %llu",
			 (unsigned long long)min, (unsigned long long)max);
		bad_type(c, path, v, expected);
		return false;
	}
	i = json_integer_value(v);
	if (i < 0 || (uint64_t)i < min || (uint64_t)i > max) {
		bad(c, path, "out of range, expected %llu to %llu, got '%s'",
		    (unsigned long long)min, (unsigned long long)max,
		    shown(v, show));
		return false;
	}
	*out = (uint64_t)i;
	return true;
}

/* ---- the spec's tables -------------------------------------------------------- */

static int node_index(const struct lab_spec *s, const char *name)
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
	char list[256], show[TOPO_SHOW_MAX];
	const char *s = want_string(c, path, v);

	out[0] = '\0';
	if (!s)
		return false;
	if (node_index(&c->t->spec, s) < 0) {
		bad(c, path, "unknown node, expected one of: %s, got '%s'",
		    node_list(&c->t->spec, list, sizeof(list)), shown(v, show));
		return false;
	}
	strcpy(out, s);
	return true;
}

static const struct lab_iface_spec *find_iface(const struct lab_spec *s,
					       const char *node, const char *ifname)
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

static const char *iface_list(const struct lab_spec *s, const char *node,
			      char *buf, size_t size)
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

static bool addr_same(const struct lab_addr *a, const struct lab_addr *b)
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

/* ---- top level and nodes ------------------------------------------------------ */

static void parse_node_names(struct tctx *c, json_t *nodes)
{
	struct lab_spec *s = &c->t->spec;
	char p[TOPO_PATH_MAX];
	const char *name;
	json_t *v;

	if (json_object_size(nodes) > LAB_MAX_NODES)
		bad(c, "nodes", "too many nodes, expected at most %d, got %zu",
		    LAB_MAX_NODES, json_object_size(nodes));
	json_object_foreach (nodes, name, v) {
		jp_key(p, "nodes", name);
		if (!lab_name_valid(name)) {
			json_t *k = json_string(name);
			char show[TOPO_SHOW_MAX];

			bad(c, p,
			    "invalid node name, expected 1-16 characters of a-z, 0-9, '_' and '-' starting with a letter or digit, got '%s'",
			    k ? shown(k, show) : "?");
			json_decref(k);
			continue;
		}
		if (s->n_nodes < LAB_MAX_NODES)
			strcpy(s->nodes[s->n_nodes++], name);
	}
}

static void add_sysctl(struct tctx *c, const char *path, const char *node,
		       const char *key, const char *value)
{
	struct lab_spec *s = &c->t->spec;
	struct lab_sysctl_spec *y;

	if (s->n_sysctls >= LAB_MAX_SYSCTLS) {
		bad(c, path, "too many sysctls, expected at most %d in the whole topology",
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
	char p[TOPO_PATH_MAX], show[TOPO_SHOW_MAX], value[LAB_SYSCTL_VAL_MAX];
	const char *key;
	json_t *v;

	if (!want_object(c, path, obj))
		return;
	json_object_foreach (obj, key, v) {
		jp_key(p, path, key);
		if (!sysctl_key_valid(key)) {
			json_t *k = json_string(key);

			bad(c, p,
			    "not a network sysctl, expected a key under 'net.' of at most %d bytes of a-z, 0-9, '_', '-', '.', got '%s'",
			    LAB_SYSCTL_KEY_MAX - 1, k ? shown(k, show) : "?");
			json_decref(k);
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
				bad(c, p,
				    "bad value, expected at most %zu printable bytes, got '%s'",
				    sizeof(value) - 1, shown(v, show));
				continue;
			}
			strcpy(value, sv);
		} else {
			bad_type(c, p, v, "a string or an integer");
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
	char p[TOPO_PATH_MAX], sp[TOPO_PATH_MAX];

	if (!json_is_boolean(v)) {
		bad_type(c, path, v, "true or false");
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
			bad(c, jp_key(p, sp, keys[i]),
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
	char p[TOPO_PATH_MAX];
	json_t *v;
	uint64_t u;

	if (!want_object(c, path, obj))
		return;
	check_keys(c, path, obj, keys);
	if (s->n_limits >= LAB_MAX_NODES)
		return;
	l = &s->limits[s->n_limits++];
	strcpy(l->node, node);
	/* The kernel's defaults for a new namespace. */
	l->subflows = 2;
	l->add_addr_accepted = 0;
	if ((v = json_object_get(obj, "subflows")) &&
	    want_uint(c, jp_key(p, path, "subflows"), v, 0, TOPO_LIMITS_MAX, &u))
		l->subflows = (uint32_t)u;
	if ((v = json_object_get(obj, "add_addr_accepted")) &&
	    want_uint(c, jp_key(p, path, "add_addr_accepted"), v, 0,
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
				if (addr_same(&i->addrs[k], a))
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
	char p[TOPO_PATH_MAX], show[TOPO_SHOW_MAX], list[256];
	const struct lab_iface_spec *on = NULL, *dev = NULL;
	json_t *v;
	const char *str;
	bool addr_ok = false;
	uint64_t u;

	if (!want_object(c, path, obj))
		return;
	check_keys(c, path, obj, keys);
	if (s->n_endpoints >= LAB_MAX_ENDPOINTS) {
		bad(c, path, "too many endpoints, expected at most %d in the whole topology",
		    LAB_MAX_ENDPOINTS);
		return;
	}
	e = &s->endpoints[s->n_endpoints];
	memset(e, 0, sizeof(*e));
	strcpy(e->node, node);

	if ((v = required(c, path, obj, "address")) &&
	    (str = want_string(c, jp_key(p, path, "address"), v))) {
		if (strchr(str, '/') || lab_addr_parse(str, &e->addr) < 0 ||
		    (e->addr.family != AF_INET && e->addr.family != AF_INET6)) {
			bad(c, p, "bad address, expected a plain IPv4 or IPv6 address, got '%s'",
			    shown(v, show));
		} else if (!(on = iface_with_addr(s, node, &e->addr))) {
			bad(c, p,
			    "not an address of node '%s', expected one of its interface addresses, got '%s'",
			    node, shown(v, show));
		} else {
			addr_ok = true;
		}
	}
	if ((v = json_object_get(obj, "dev")) &&
	    string_into(c, jp_key(p, path, "dev"), v, e->dev, sizeof(e->dev))) {
		dev = find_iface(s, node, e->dev);
		if (!dev)
			bad(c, p, "unknown interface, expected one of node '%s': %s, got '%s'",
			    node, iface_list(s, node, list, sizeof(list)),
			    shown(v, show));
		else if (on && on != dev)
			bad(c, p,
			    "address is on '%s', not on this interface, expected '%s', got '%s'",
			    on->ifname, on->ifname, shown(v, show));
	}
	if ((v = json_object_get(obj, "flags")) &&
	    want_array(c, jp_key(p, path, "flags"), v)) {
		char fp[TOPO_PATH_MAX];
		json_t *f;
		size_t i;

		json_array_foreach (v, i, f) {
			uint32_t flag;

			jp_idx(fp, p, i);
			if (!(str = want_string(c, fp, f)))
				continue;
			if (lab_pm_flags_parse(str, &flag) < 0)
				bad(c, fp,
				    "unknown flag, expected one of: signal, subflow, backup, fullmesh, got '%s'",
				    shown(f, show));
			else
				e->flags |= flag;
		}
		if ((e->flags & LAB_PM_FLAG_SIGNAL) && (e->flags & LAB_PM_FLAG_FULLMESH))
			bad(c, p,
			    "signal and fullmesh cannot be combined (the kernel refuses it), got '%s'",
			    shown(v, show));
	}
	if ((v = json_object_get(obj, "id")) &&
	    want_uint(c, jp_key(p, path, "id"), v, 1, 255, &u)) {
		e->id = (uint8_t)u;
		for (unsigned k = first_of_node; k < s->n_endpoints; k++)
			if (s->endpoints[k].id == e->id)
				bad(c, p, "duplicate endpoint id on node '%s', got '%llu'",
				    node, (unsigned long long)u);
	}
	if ((v = json_object_get(obj, "port")) &&
	    want_uint(c, jp_key(p, path, "port"), v, 1, 65535, &u)) {
		e->port = (uint16_t)u;
		if (!(e->flags & LAB_PM_FLAG_SIGNAL))
			bad(c, p,
			    "a port needs the signal flag (the kernel refuses it), got '%llu' without signal",
			    (unsigned long long)u);
	}
	if (addr_ok) {
		for (unsigned k = first_of_node; k < s->n_endpoints; k++)
			if (addr_same(&s->endpoints[k].addr, &e->addr) &&
			    s->endpoints[k].port == e->port) {
				char a[64];

				jp_key(p, path, "address");
				bad(c, p, "duplicate endpoint on node '%s', got '%s'",
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
	char p[TOPO_PATH_MAX], ep[TOPO_PATH_MAX];
	json_t *v, *e;
	size_t i;

	if (!want_object(c, path, obj))
		return;
	check_keys(c, path, obj, keys);
	if ((v = json_object_get(obj, "limits")))
		parse_limits(c, jp_key(p, path, "limits"), node, v);
	if ((v = json_object_get(obj, "endpoints")) &&
	    want_array(c, jp_key(p, path, "endpoints"), v)) {
		unsigned first = s->n_endpoints;

		json_array_foreach (v, i, e)
			parse_endpoint(c, jp_idx(ep, p, i), node, e, first);
	}
}

static void parse_node_options(struct tctx *c, json_t *nodes)
{
	static const char *const keys[] = { "sysctls", "forwarding", "mptcp", NULL };
	char p[TOPO_PATH_MAX], kp[TOPO_PATH_MAX];
	const char *name;
	json_t *o;
	json_t *v;

	json_object_foreach (nodes, name, v) {
		if (node_index(&c->t->spec, name) < 0)
			continue;
		jp_key(p, "nodes", name);
		if (!want_object(c, p, v))
			continue;
		check_keys(c, p, v, keys);
		/* Explicit sysctls first, so "forwarding" can see conflicts. */
		if ((o = json_object_get(v, "sysctls")))
			parse_sysctls(c, jp_key(kp, p, "sysctls"), name, o);
		if ((o = json_object_get(v, "forwarding")))
			parse_forwarding(c, jp_key(kp, p, "forwarding"), name, o);
		if ((o = json_object_get(v, "mptcp")))
			parse_mptcp(c, jp_key(kp, p, "mptcp"), name, o);
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
				if (addr_same(&i->addrs[k], a)) {
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
	char p[TOPO_PATH_MAX], ap[TOPO_PATH_MAX], show[TOPO_SHOW_MAX];
	char ifname[LAB_IFNAMSIZ] = "";
	json_t *v, *a;
	const char *str;
	size_t i;

	if (!want_object(c, path, obj))
		return;
	check_keys(c, path, obj, keys);
	if ((v = required(c, path, obj, "node")))
		ref_node(c, jp_key(p, path, "node"), v, ifs->node);
	if ((v = required(c, path, obj, "ifname")) &&
	    (str = want_string(c, jp_key(p, path, "ifname"), v))) {
		if (strlen(str) >= LAB_IFNAMSIZ)
			bad(c, p, "too long, expected at most %d bytes, got '%s' (%zu bytes)",
			    LAB_IFNAMSIZ - 1, shown(v, show), strlen(str));
		else if (!lab_ifname_valid(str))
			bad(c, p,
			    "invalid interface name, expected 1-15 bytes without '/', ':' or whitespace, got '%s'",
			    shown(v, show));
		else if (!strcmp(str, "lo"))
			bad(c, p, "reserved for the loopback device, got 'lo'");
		else
			strcpy(ifname, str);
	}
	if (ifname[0] && ifs->node[0]) {
		if (find_iface(s, ifs->node, ifname))
			bad(c, p, "duplicate interface on node '%s', got '%s'",
			    ifs->node, ifname);
		else
			strcpy(ifs->ifname, ifname);
	}
	if ((v = json_object_get(obj, "addresses")) &&
	    want_array(c, jp_key(p, path, "addresses"), v)) {
		if (json_array_size(v) > LAB_MAX_ADDRS)
			bad(c, p, "too many addresses, expected at most %d, got %zu",
			    LAB_MAX_ADDRS, json_array_size(v));
		json_array_foreach (v, i, a) {
			struct lab_addr addr;
			char where[32];

			if (i >= LAB_MAX_ADDRS)
				break;
			jp_idx(ap, p, i);
			if (!(str = want_string(c, ap, a)))
				continue;
			if (lab_addr_parse(str, &addr) < 0 ||
			    (addr.family != AF_INET && addr.family != AF_INET6)) {
				bad(c, ap, "bad address, expected an address with a prefix length such as '10.0.1.1/24' or 'fd00:1::1/64', got '%s'",
				    shown(a, show));
				continue;
			}
			if (!strchr(str, '/')) {
				bad(c, ap, "missing prefix length, expected e.g. '%s/%d', got '%s'",
				    str, addr.family == AF_INET ? 24 : 64,
				    shown(a, show));
				continue;
			}
			if (addr_used(s, link, ifs, ifs->n_addrs, &addr, where,
				      sizeof(where))) {
				bad(c, ap, "duplicate address, already used by %s, got '%s'",
				    where, shown(a, show));
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
	char p[TOPO_PATH_MAX], kp[TOPO_PATH_MAX], show[TOPO_SHOW_MAX];
	json_t *l, *v;
	size_t i;

	if (!want_array(c, "links", links))
		return;
	if (json_array_size(links) == 0)
		bad(c, "links", "empty, expected at least one link");
	if (json_array_size(links) > LAB_MAX_LINKS)
		bad(c, "links", "too many links, expected at most %d, got %zu",
		    LAB_MAX_LINKS, json_array_size(links));
	json_array_foreach (links, i, l) {
		struct lab_link_spec *ls;
		uint64_t u;

		if (i >= LAB_MAX_LINKS)
			break;
		jp_idx(p, "links", i);
		ls = &s->links[s->n_links++];
		memset(ls, 0, sizeof(*ls));
		if (!want_object(c, p, l))
			continue;
		check_keys(c, p, l, keys);
		if ((v = required(c, p, l, "name")) &&
		    string_into(c, jp_key(kp, p, "name"), v, ls->name,
				sizeof(ls->name))) {
			if (!lab_name_valid(ls->name)) {
				bad(c, kp,
				    "invalid link name, expected 1-16 characters of a-z, 0-9, '_' and '-' starting with a letter or digit, got '%s'",
				    shown(v, show));
				ls->name[0] = '\0';
			}
			for (size_t k = 0; ls->name[0] && k + 1 < s->n_links; k++)
				if (!strcmp(s->links[k].name, ls->name)) {
					bad(c, kp, "duplicate link name, already used by links[%zu], got '%s'",
					    k, ls->name);
					ls->name[0] = '\0';
					break;
				}
		}
		if ((v = required(c, p, l, "a")))
			parse_end(c, jp_key(kp, p, "a"), v, s->n_links - 1, 0);
		if ((v = required(c, p, l, "b")))
			parse_end(c, jp_key(kp, p, "b"), v, s->n_links - 1, 1);
		if (ls->end[0].node[0] && !strcmp(ls->end[0].node, ls->end[1].node))
			bad(c, jp_printf(kp, "%s.b.node", p),
			    "both ends on the same node, expected a node other than '%s', got '%s'",
			    ls->end[0].node, ls->end[1].node);
		if ((v = json_object_get(l, "mtu")) &&
		    want_uint(c, jp_key(kp, p, "mtu"), v, 68, 65535, &u)) {
			ls->mtu = (uint32_t)u;
			if (u < 1280 && (link_has_family(ls, AF_INET6)))
				bad(c, kp, "too small for IPv6 addresses, expected at least 1280, got '%llu'",
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
	char p[TOPO_PATH_MAX], show[TOPO_SHOW_MAX], list[256];
	json_t *v;
	const char *str;
	bool is_default = false, to_ok = false, via_ok = false, dev_ok = false;
	int family = 0;
	uint64_t u;

	if (!want_object(c, path, obj))
		return;
	check_keys(c, path, obj, keys);
	if (s->n_routes >= LAB_MAX_ROUTES) {
		bad(c, path, "too many routes, expected at most %d in the whole topology",
		    LAB_MAX_ROUTES);
		return;
	}
	r = &s->routes[s->n_routes];
	memset(r, 0, sizeof(*r));
	strcpy(r->node, node);

	if ((v = json_object_get(obj, "family")) &&
	    (str = want_string(c, jp_key(p, path, "family"), v))) {
		if (!strcmp(str, "inet"))
			family = AF_INET;
		else if (!strcmp(str, "inet6"))
			family = AF_INET6;
		else
			bad(c, p, "unknown family, expected 'inet' or 'inet6', got '%s'",
			    shown(v, show));
	}
	if ((v = required(c, path, obj, "to")) &&
	    (str = want_string(c, jp_key(p, path, "to"), v))) {
		if (!strcmp(str, "default")) {
			is_default = true;
			to_ok = true;
		} else if (lab_addr_parse(str, &r->dst) < 0 ||
			   (r->dst.family != AF_INET && r->dst.family != AF_INET6)) {
			bad(c, p, "bad destination, expected 'default' or a prefix such as '10.0.2.0/24', got '%s'",
			    shown(v, show));
		} else if (!addr_host_bits_clear(&r->dst)) {
			bad(c, p, "host bits set in the prefix, expected the network address of /%u, got '%s'",
			    r->dst.prefixlen, shown(v, show));
		} else if (family && family != r->dst.family) {
			bad(c, p, "is not of family '%s', got '%s'",
			    family_name(family), shown(v, show));
		} else {
			to_ok = true;
		}
	}
	if ((v = json_object_get(obj, "via")) &&
	    (str = want_string(c, jp_key(p, path, "via"), v))) {
		if (strchr(str, '/') || lab_addr_parse(str, &r->via) < 0 ||
		    (r->via.family != AF_INET && r->via.family != AF_INET6)) {
			bad(c, p, "bad gateway, expected a plain address, got '%s'",
			    shown(v, show));
			r->via.family = 0;
		} else if (to_ok && !is_default && r->via.family != r->dst.family) {
			bad(c, p, "gateway of another family than 'to', expected an %s address, got '%s'",
			    r->dst.family == AF_INET ? "IPv4" : "IPv6",
			    shown(v, show));
		} else if (family && family != r->via.family) {
			bad(c, p, "is not of family '%s', got '%s'",
			    family_name(family), shown(v, show));
		} else {
			via_ok = true;
		}
	}
	if ((v = json_object_get(obj, "dev")) &&
	    string_into(c, jp_key(p, path, "dev"), v, r->dev, sizeof(r->dev))) {
		if (!find_iface(s, node, r->dev))
			bad(c, p, "unknown interface, expected one of node '%s': %s, got '%s'",
			    node, iface_list(s, node, list, sizeof(list)),
			    shown(v, show));
		else
			dev_ok = true;
	}
	if (!json_object_get(obj, "via") && !json_object_get(obj, "dev"))
		bad(c, path, "no next hop, expected 'via', 'dev' or both, got neither");
	if (is_default) {
		r->dst.family = via_ok ? r->via.family : family;
		r->dst.prefixlen = 0;
		if (!r->dst.family && !json_object_get(obj, "via"))
			bad(c, path,
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
					    !addr_same(&r->via, &i->addrs[k]))
						reachable = true;
			}
		if (!reachable) {
			char a[64];

			jp_key(p, path, "via");
			bad(c, p,
			    "gateway not on a subnet of node '%s'%s%s, expected a neighbour's address, got '%s'",
			    node, dev_ok ? " interface " : "", dev_ok ? r->dev : "",
			    lab_addr_format(&r->via, false, a, sizeof(a)));
		}
	}
	if ((v = json_object_get(obj, "metric")) &&
	    want_uint(c, jp_key(p, path, "metric"), v, 0, UINT32_MAX, &u))
		r->metric = (uint32_t)u;
	if (to_ok && r->dst.family) {
		for (unsigned k = 0; k < s->n_routes; k++) {
			const struct lab_route_spec *o = &s->routes[k];

			if (!strcmp(o->node, node) && o->dst.family == r->dst.family &&
			    o->dst.prefixlen == r->dst.prefixlen &&
			    addr_same(&o->dst, &r->dst) && o->metric == r->metric) {
				char a[64];

				bad(c, path, "duplicate route on node '%s' to '%s' with metric %u",
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
	char p[TOPO_PATH_MAX], rp[TOPO_PATH_MAX], list[256], show[TOPO_SHOW_MAX];
	const char *node;
	json_t *r;
	json_t *v;
	size_t i;

	if (!want_object(c, "routes", routes))
		return;
	json_object_foreach (routes, node, v) {
		jp_key(p, "routes", node);
		if (node_index(&c->t->spec, node) < 0) {
			json_t *k = json_string(node);

			bad(c, p, "unknown node, expected one of: %s, got '%s'",
			    node_list(&c->t->spec, list, sizeof(list)),
			    k ? shown(k, show) : "?");
			json_decref(k);
			continue;
		}
		if (!want_array(c, p, v))
			continue;
		json_array_foreach (v, i, r)
			parse_route(c, jp_idx(rp, p, i), node, r);
	}
}

/* ---- paths and shaping ------------------------------------------------------- */

enum {
	SH_RATE = 1 << 0,
	SH_DELAY = 1 << 1,
	SH_JITTER = 1 << 2,
	SH_LOSS = 1 << 3,
	SH_REORDER = 1 << 4,
	SH_LIMIT = 1 << 5,
	SH_QUEUE = 1 << 6,
	SH_QDISC = 1 << 7,
};

struct shaping_in {
	struct lab_shaping v;
	unsigned set; /* SH_* given in this object */
};

static bool parse_rate(struct tctx *c, const char *path, json_t *v,
		       uint64_t *bps)
{
	char show[TOPO_SHOW_MAX];
	int r = 0;

	if (json_is_string(v)) {
		r = units_parse_rate_bps(json_string_value(v), bps);
	} else if (json_is_integer(v)) {
		if (json_integer_value(v) < 0)
			r = -ERANGE;
		else
			*bps = (uint64_t)json_integer_value(v);
	} else if (json_is_real(v)) {
		double d = json_real_value(v);

		if (!(d >= 0 && d < 1.8e19))
			r = -ERANGE;
		else
			*bps = (uint64_t)llround(d);
	} else {
		bad_type(c, path, v, "a rate such as '50mbit' or a number of bit/s");
		return false;
	}
	if (r < 0 || *bps == 0) {
		bad(c, path, "bad rate, expected a positive rate such as '50mbit' or a number of bit/s, got '%s'",
		    shown(v, show));
		return false;
	}
	return true;
}

static bool parse_time(struct tctx *c, const char *path, json_t *v,
		       uint64_t *us)
{
	char show[TOPO_SHOW_MAX], maxs[32];

	if (!json_is_string(v)) {
		bad_type(c, path, v, "a time with its unit such as '10ms'");
		return false;
	}
	if (units_parse_time_us(json_string_value(v), us) < 0) {
		bad(c, path, "bad time, expected a time with its unit such as '10ms' or '250us', got '%s'",
		    shown(v, show));
		return false;
	}
	if (*us > TOPO_DELAY_MAX_US) {
		bad(c, path, "too large, expected at most %s, got '%s'",
		    units_format_time(TOPO_DELAY_MAX_US, maxs, sizeof(maxs)),
		    shown(v, show));
		return false;
	}
	return true;
}

static bool parse_percent(struct tctx *c, const char *path, json_t *v,
			  double *pct)
{
	char show[TOPO_SHOW_MAX];
	int r = 0;

	if (json_is_string(v)) {
		r = units_parse_percent(json_string_value(v), pct);
	} else if (json_is_number(v)) {
		*pct = json_number_value(v);
		if (!(*pct >= 0 && *pct <= 100))
			r = -ERANGE;
	} else {
		bad_type(c, path, v, "a percentage such as 1.5 or '1.5%'");
		return false;
	}
	if (r == -ERANGE) {
		bad(c, path, "out of range, expected 0 to 100 percent, got '%s'",
		    shown(v, show));
		return false;
	}
	if (r < 0) {
		bad(c, path, "bad percentage, expected a number from 0 to 100 or a string such as '1.5%%', got '%s'",
		    shown(v, show));
		return false;
	}
	return true;
}

static bool parse_size(struct tctx *c, const char *path, json_t *v,
		       uint64_t *bytes)
{
	char show[TOPO_SHOW_MAX];
	int r = 0;

	if (json_is_string(v)) {
		r = units_parse_size_bytes(json_string_value(v), bytes);
	} else if (json_is_integer(v)) {
		if (json_integer_value(v) < 0)
			r = -ERANGE;
		else
			*bytes = (uint64_t)json_integer_value(v);
	} else {
		bad_type(c, path, v, "a size such as '64kb' or a number of bytes");
		return false;
	}
	if (r < 0 || *bytes == 0 || *bytes > UINT32_MAX) {
		bad(c, path, "bad size, expected 1 byte to 4gib such as '64kb' or a number of bytes, got '%s'",
		    shown(v, show));
		return false;
	}
	return true;
}

/* One shaping object: the base one (with "up"/"down") or a direction. */
static void parse_shaping_obj(struct tctx *c, const char *path, json_t *obj,
			      struct shaping_in *in, bool base)
{
	static const char *const base_keys[] = { "rate",  "delay", "jitter", "loss",
						 "reorder", "limit", "queue", "qdisc",
						 "up",	  "down",  NULL };
	char p[TOPO_PATH_MAX], show[TOPO_SHOW_MAX];
	struct lab_shaping *sh = &in->v;
	json_t *v;
	const char *str;
	uint64_t u;

	memset(in, 0, sizeof(*in));
	if (!want_object(c, path, obj))
		return;
	/* A direction takes every key but up/down: cut the list short. */
	if (base) {
		check_keys(c, path, obj, base_keys);
	} else {
		static const char *const dir_keys[] = { "rate",	   "delay", "jitter",
							"loss",	   "reorder", "limit",
							"queue",   "qdisc", NULL };

		check_keys(c, path, obj, dir_keys);
	}
	if ((v = json_object_get(obj, "rate")) &&
	    parse_rate(c, jp_key(p, path, "rate"), v, &sh->rate_bps))
		in->set |= SH_RATE;
	if ((v = json_object_get(obj, "delay")) &&
	    parse_time(c, jp_key(p, path, "delay"), v, &sh->delay_us))
		in->set |= SH_DELAY;
	if ((v = json_object_get(obj, "jitter")) &&
	    parse_time(c, jp_key(p, path, "jitter"), v, &sh->jitter_us))
		in->set |= SH_JITTER;
	if ((v = json_object_get(obj, "loss")) &&
	    parse_percent(c, jp_key(p, path, "loss"), v, &sh->loss_pct))
		in->set |= SH_LOSS;
	if ((v = json_object_get(obj, "reorder")) &&
	    parse_percent(c, jp_key(p, path, "reorder"), v, &sh->reorder_pct))
		in->set |= SH_REORDER;
	if ((v = json_object_get(obj, "limit")) &&
	    want_uint(c, jp_key(p, path, "limit"), v, 1, UINT32_MAX, &u)) {
		sh->limit_pkts = (uint32_t)u;
		in->set |= SH_LIMIT;
	}
	if ((v = json_object_get(obj, "queue")) &&
	    parse_size(c, jp_key(p, path, "queue"), v, &sh->queue_bytes))
		in->set |= SH_QUEUE;
	if ((v = json_object_get(obj, "qdisc")) &&
	    (str = want_string(c, jp_key(p, path, "qdisc"), v))) {
		if (!strcmp(str, "tbf")) {
			sh->rate_qdisc = LAB_RATE_TBF;
			in->set |= SH_QDISC;
		} else if (!strcmp(str, "htb")) {
			sh->rate_qdisc = LAB_RATE_HTB;
			in->set |= SH_QDISC;
		} else {
			bad(c, p, "unknown rate qdisc, expected 'tbf' or 'htb', got '%s'",
			    shown(v, show));
		}
	}
}

static void overlay(struct lab_shaping *dst, const struct shaping_in *in)
{
	const struct lab_shaping *s = &in->v;

	if (in->set & SH_RATE)
		dst->rate_bps = s->rate_bps;
	if (in->set & SH_DELAY)
		dst->delay_us = s->delay_us;
	if (in->set & SH_JITTER)
		dst->jitter_us = s->jitter_us;
	if (in->set & SH_LOSS)
		dst->loss_pct = s->loss_pct;
	if (in->set & SH_REORDER)
		dst->reorder_pct = s->reorder_pct;
	if (in->set & SH_LIMIT)
		dst->limit_pkts = s->limit_pkts;
	if (in->set & SH_QUEUE)
		dst->queue_bytes = s->queue_bytes;
	if (in->set & SH_QDISC)
		dst->rate_qdisc = s->rate_qdisc;
}

/* Jitter and reorder are netem options relative to a delay: without a
 * delay in the same direction netem ignores them, so say so. */
static void check_needs_delay(struct tctx *c, const char *path,
			      const struct shaping_in *dir, const char *dname,
			      const struct lab_shaping *final, unsigned *reported)
{
	char p[TOPO_PATH_MAX], dp[TOPO_PATH_MAX], found[2][32];
	const struct {
		unsigned bit;
		const char *key;
		bool used;
	} needs[] = {
		{ SH_JITTER, "jitter", final->jitter_us > 0 },
		{ SH_REORDER, "reorder", final->reorder_pct > 0 },
	};

	if (final->delay_us)
		return;
	units_format_time(final->jitter_us, found[0], sizeof(found[0]));
	snprintf(found[1], sizeof(found[1]), "%g%%", final->reorder_pct);
	for (size_t i = 0; i < ARRAY_SIZE(needs); i++) {
		if (!needs[i].used)
			continue;
		if (dir->set & needs[i].bit) {
			bad(c, jp_key(p, jp_key(dp, path, dname), needs[i].key),
			    "needs a delay in the same direction, expected 'delay' in '%s' or in the shaping, got %s '%s' without delay",
			    dname, needs[i].key, found[i]);
		} else if (!(*reported & needs[i].bit)) {
			/* Inherited from the base object: said once, not
			 * once per direction. */
			*reported |= needs[i].bit;
			bad(c, jp_key(p, path, needs[i].key),
			    "needs a delay, expected 'delay' in the shaping or in '%s', got %s '%s' without delay in '%s'",
			    dname, needs[i].key, found[i], dname);
		}
	}
}

static void parse_shaping(struct tctx *c, const char *path, json_t *obj,
			  struct lab_path_spec *ps)
{
	struct shaping_in base, up = { .set = 0 }, down = { .set = 0 };
	char p[TOPO_PATH_MAX];
	unsigned reported = 0;
	json_t *v;

	parse_shaping_obj(c, path, obj, &base, true);
	if (!json_is_object(obj))
		return;
	if ((v = json_object_get(obj, "up")))
		parse_shaping_obj(c, jp_key(p, path, "up"), v, &up, false);
	if ((v = json_object_get(obj, "down")))
		parse_shaping_obj(c, jp_key(p, path, "down"), v, &down, false);
	memset(&ps->up, 0, sizeof(ps->up));
	memset(&ps->down, 0, sizeof(ps->down));
	overlay(&ps->up, &base);
	overlay(&ps->up, &up);
	overlay(&ps->down, &base);
	overlay(&ps->down, &down);
	check_needs_delay(c, path, &up, "up", &ps->up, &reported);
	check_needs_delay(c, path, &down, "down", &ps->down, &reported);
}

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
	char p[TOPO_PATH_MAX], lp[TOPO_PATH_MAX];
	unsigned n_visited = 0;

	jp_key(lp, path, "links");
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
			bad(c, jp_idx(p, lp, i),
			    "not a chain from client to server, expected a link of %s node '%s', got '%s' (between '%s' and '%s')",
			    i ? "the previous link's" : "the client", cur, l->name,
			    l->end[0].node, l->end[1].node);
			return;
		}
		for (unsigned k = 0; k < n_visited; k++)
			if (!strcmp(visited[k], next)) {
				bad(c, jp_idx(p, lp, i),
				    "not a chain from client to server, comes back to node '%s', got '%s'",
				    next, l->name);
				return;
			}
		visited[n_visited++] = next;
		cur = next;
	}
	if (strcmp(cur, c->t->server))
		bad(c, lp,
		    "not a chain from client to server, expected the last link to reach the server node '%s', got a chain ending at '%s'",
		    c->t->server, cur);
}

static void parse_path(struct tctx *c, const char *path, const char *name,
		       json_t *obj)
{
	static const char *const keys[] = { "links", "shaping", NULL };
	struct lab_spec *s = &c->t->spec;
	struct lab_path_spec *ps = &s->paths[s->n_paths++];
	char p[TOPO_PATH_MAX], ep[TOPO_PATH_MAX], show[TOPO_SHOW_MAX];
	json_t *v, *l;
	bool links_ok = true;
	size_t i;

	memset(ps, 0, sizeof(*ps));
	strcpy(ps->name, name);
	if (!want_object(c, path, obj))
		return;
	check_keys(c, path, obj, keys);
	if ((v = required(c, path, obj, "links")) &&
	    want_array(c, jp_key(p, path, "links"), v)) {
		size_t n = json_array_size(v);

		if (n == 0 || n > TOPO_MAX_PATH_LINKS) {
			bad(c, p, "expected 1 to %d links, got %zu", TOPO_MAX_PATH_LINKS, n);
			links_ok = false;
		}
		json_array_foreach (v, i, l) {
			const char *str;

			if (i >= TOPO_MAX_PATH_LINKS)
				break;
			jp_idx(ep, p, i);
			if (!(str = want_string(c, ep, l))) {
				links_ok = false;
				continue;
			}
			if (!find_link(s, str)) {
				bad(c, ep, "unknown link, expected the name of one of 'links', got '%s'",
				    shown(l, show));
				links_ok = false;
				continue;
			}
			/* A link in two paths would get two shapings. */
			for (unsigned k = 0; k + 1 < s->n_paths; k++)
				for (unsigned m = 0; m < s->paths[k].n_links; m++)
					if (!strcmp(s->paths[k].links[m], str))
						bad(c, ep, "link already in path '%s', expected each link in at most one path, got '%s'",
						    s->paths[k].name, str);
			strcpy(ps->links[ps->n_links++], str);
		}
	} else {
		links_ok = false;
	}
	if (links_ok && c->client_ok && c->server_ok)
		check_chain(c, path, ps);
	if ((v = json_object_get(obj, "shaping")))
		parse_shaping(c, jp_key(p, path, "shaping"), v, ps);
}

static void parse_paths(struct tctx *c, json_t *paths)
{
	char p[TOPO_PATH_MAX], show[TOPO_SHOW_MAX];
	struct lab_spec *s = &c->t->spec;
	const char *name;
	json_t *v;

	if (!want_object(c, "paths", paths))
		return;
	if (json_object_size(paths) == 0)
		bad(c, "paths", "empty, expected at least one path");
	if (json_object_size(paths) > LAB_MAX_PATHS)
		bad(c, "paths", "too many paths, expected at most %d, got %zu",
		    LAB_MAX_PATHS, json_object_size(paths));
	json_object_foreach (paths, name, v) {
		jp_key(p, "paths", name);
		if (!lab_name_valid(name)) {
			json_t *k = json_string(name);

			bad(c, p,
			    "invalid path name, expected 1-16 characters of a-z, 0-9, '_' and '-' starting with a letter or digit, got '%s'",
			    k ? shown(k, show) : "?");
			json_decref(k);
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
	json_t *v = required(c, "", root, key);

	*ok = v && ref_node(c, key, v, out);
}

static void parse_root(struct tctx *c, json_t *root)
{
	static const char *const keys[] = { "name",  "description", "client", "server",
					    "nodes", "links",	    "routes", "paths",
					    NULL };
	struct topology *t = c->t;
	char show[TOPO_SHOW_MAX];
	json_t *v, *nodes;

	if (!json_is_object(root)) {
		bad_type(c, "top level", root, "an object");
		return;
	}
	check_keys(c, "", root, keys);
	if ((v = required(c, "", root, "name")) &&
	    string_into(c, "name", v, t->name, sizeof(t->name))) {
		bool ok = t->name[0] != '\0';

		for (const char *q = t->name; *q; q++)
			if (!plain_char(*q) && *q != '.')
				ok = false;
		if (!ok)
			bad(c, "name", "invalid name, expected 1-63 letters, digits, '_', '-' and '.', got '%s'",
			    shown(v, show));
	}
	if ((v = json_object_get(root, "description")))
		string_into(c, "description", v, t->description,
			    sizeof(t->description));

	nodes = required(c, "", root, "nodes");
	if (nodes && want_object(c, "nodes", nodes)) {
		parse_node_names(c, nodes);
		if (json_object_size(nodes) == 0)
			bad(c, "nodes", "empty, expected at least the client and the server");
	} else {
		nodes = NULL;
	}
	parse_role(c, root, "client", t->client, &c->client_ok);
	parse_role(c, root, "server", t->server, &c->server_ok);
	if (c->client_ok && c->server_ok && !strcmp(t->client, t->server)) {
		bad(c, "server", "same node as the client, expected another node than '%s', got '%s'",
		    t->client, t->server);
		c->server_ok = false;
	}
	/* lab/ needs the roles too: it places shaping relative to them. */
	if (c->client_ok)
		strcpy(t->spec.client, t->client);
	if (c->server_ok)
		strcpy(t->spec.server, t->server);
	if ((v = required(c, "", root, "links")))
		parse_links(c, v);
	if (nodes)
		parse_node_options(c, nodes);
	if ((v = json_object_get(root, "routes")))
		parse_routes(c, v);
	if ((v = required(c, "", root, "paths")))
		parse_paths(c, v);
}

/* ---- entry points ------------------------------------------------------------ */

int topology_load_buffer(const char *origin, const char *buf, size_t len,
			 const char *const *sets, size_t n_sets,
			 struct topology *t, struct errlist *errs)
{
	struct tctx c = { .origin = origin, .errs = errs, .t = t };
	json_error_t jerr;
	json_t *root;
	char err[512];

	memset(t, 0, sizeof(*t));
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		errlist_add(errs, "%s:%d:%d: %s", origin, jerr.line, jerr.column,
			    jerr.text);
		return -EINVAL;
	}
	for (size_t i = 0; i < n_sets; i++) {
		int r = json_set_path(root, sets[i], err, sizeof(err));

		if (r == -ENOMEM) {
			errlist_add(errs, "%s: --set '%s': out of memory", origin,
				    sets[i]);
			c.n_errors++;
		} else if (r < 0) {
			errlist_add(errs, "%s: --set '%s': %s", origin, sets[i], err);
			c.n_errors++;
		}
	}
	parse_root(&c, root);
	json_decref(root);
	if (c.n_errors) {
		memset(t, 0, sizeof(*t));
		return -EINVAL;
	}
	return 0;
}

int topology_load_file(const char *path, const char *const *sets, size_t n_sets,
		       struct topology *t, struct errlist *errs)
{
	FILE *f = NULL;
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int r = 0;

	memset(t, 0, sizeof(*t));
	f = fopen(path, "re");
	if (!f) {
		r = -errno;
		errlist_add(errs, "%s: cannot open: %s", path, strerror(-r));
		goto out;
	}
	for (;;) {
		size_t got;

		if (len == cap) {
			char *grown;

			if (cap >= TOPO_FILE_MAX_BYTES) {
				errlist_add(errs, "%s: too large, expected at most %u bytes",
					    path, TOPO_FILE_MAX_BYTES);
				r = -EFBIG;
				goto out;
			}
			cap = cap ? cap * 2 : 16384;
			grown = realloc(buf, cap);
			if (!grown) {
				r = -ENOMEM;
				errlist_add(errs, "%s: cannot read: %s", path,
					    strerror(-r));
				goto out;
			}
			buf = grown;
		}
		got = fread(buf + len, 1, cap - len, f);
		len += got;
		if (got == 0) {
			if (ferror(f)) {
				r = -EIO;
				errlist_add(errs, "%s: cannot read: %s", path,
					    strerror(EIO));
				goto out;
			}
			break;
		}
	}
	r = topology_load_buffer(path, buf, len, sets, n_sets, t, errs);
out:
	if (f)
		fclose(f);
	free(buf);
	return r;
}
