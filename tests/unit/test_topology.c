/*
 * test_topology: the topology parser and --set overrides (no privileges).
 *
 * Every shipped topology must parse and pass lab_spec_validate(); every
 * broken input must give a message that says where (file:line:col for
 * syntax, the JSON path for meaning) and what was found; several errors in
 * one file must all be reported. Prints one line per case and exits 1 on
 * the first failure.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <jansson.h>

#include "jsonset.h"
#include "topology.h"
#include "check.h"


/* A small valid topology the broken cases are derived from. */
static const char mini[] =
	"{\n"
	"  \"name\": \"mini\",\n"
	"  \"client\": \"client\", \"server\": \"server\",\n"
	"  \"nodes\": {\n"
	"    \"client\": {\"sysctls\": {\"net.ipv4.conf.all.rp_filter\": \"0\"},\n"
	"               \"mptcp\": {\"limits\": {\"subflows\": 1},\n"
	"                         \"endpoints\": [{\"address\": \"10.2.1.1\", \"dev\": \"eth2\", \"flags\": [\"subflow\"], \"id\": 2}]}},\n"
	"    \"r1\": {\"forwarding\": true},\n"
	"    \"server\": {\"mptcp\": {\"endpoints\": [{\"address\": \"10.2.1.2\", \"dev\": \"eth2\", \"flags\": [\"signal\"], \"id\": 2}]}}\n"
	"  },\n"
	"  \"links\": [\n"
	"    {\"name\": \"c-r1\", \"a\": {\"node\": \"client\", \"ifname\": \"eth1\", \"addresses\": [\"10.1.1.1/24\"]},\n"
	"                   \"b\": {\"node\": \"r1\", \"ifname\": \"c\", \"addresses\": [\"10.1.1.2/24\"]}},\n"
	"    {\"name\": \"r1-s\", \"a\": {\"node\": \"r1\", \"ifname\": \"s\", \"addresses\": [\"10.1.2.1/24\"]},\n"
	"                   \"b\": {\"node\": \"server\", \"ifname\": \"eth1\", \"addresses\": [\"10.1.2.2/24\"]}},\n"
	"    {\"name\": \"direct\", \"a\": {\"node\": \"client\", \"ifname\": \"eth2\", \"addresses\": [\"10.2.1.1/24\"]},\n"
	"                     \"b\": {\"node\": \"server\", \"ifname\": \"eth2\", \"addresses\": [\"10.2.1.2/24\"]}}\n"
	"  ],\n"
	"  \"routes\": {\"client\": [{\"to\": \"default\", \"via\": \"10.1.1.2\", \"dev\": \"eth1\", \"metric\": 100}],\n"
	"             \"server\": [{\"to\": \"10.1.1.0/24\", \"via\": \"10.1.2.1\"}]},\n"
	"  \"paths\": {\n"
	"    \"path1\": {\"links\": [\"c-r1\", \"r1-s\"], \"shaping\": {\"rate\": \"50mbit\", \"loss\": 1}},\n"
	"    \"path2\": {\"links\": [\"direct\"], \"shaping\": {\"rate\": \"30mbit\", \"up\": {\"rate\": \"10mbit\"}}}\n"
	"  }\n"
	"}\n";

/* Load doc and require failure with one message holding every substring
 * of want (NULL-terminated). Returns the number of messages. */
static size_t expect_error(const char *name, const char *doc,
			   const char *const *sets, size_t n_sets,
			   const char *const *want)
{
	static struct topology t;
	struct diag_list e = DIAG_LIST_INIT;
	size_t n;
	int r;

	r = topology_load_buffer("bad.json", doc, strlen(doc), sets, n_sets, &t, &e);
	check_errs_want(name, r, &e, want);
	for (size_t i = 0; i < e.n; i++)
		if (strncmp(e.msgs[i], "bad.json", 8))
			check_failf(name, "message does not start with the file name: %s",
			     e.msgs[i]);
	printf("       > %s\n", e.msgs[0]);
	n = e.n;
	diag_list_release(&e);
	check_pass(name);
	return n;
}

static const struct check_bad_case bad_cases[] = {
	{ "syntax error is located",
	  { "\"r1\": {\"forwarding\": true},", "\"r1\": {\"forwarding\": true}" },
	  { "bad.json:9:12:", "'}' expected" } },
	{ "duplicate key is located",
	  { "\"name\": \"mini\",", "\"name\": \"mini\", \"name\": \"again\"," },
	  { "bad.json:2:24:", "duplicate object key" } },
	{ "ifname of 16 bytes",
	  { "\"ifname\": \"c\"", "\"ifname\": \"averyveryverylon\"" },
	  { "bad.json: links[0].b.ifname: ", "'averyveryverylon'", "(16 bytes)" } },
	{ "bad rate",
	  { "\"rate\": \"50mbit\"", "\"rate\": \"fast\"" },
	  { "bad.json: paths.path1.shaping.rate: ", "got 'fast'" } },
	{ "rate zero",
	  { "\"rate\": \"10mbit\"", "\"rate\": 0" },
	  { "bad.json: paths.path2.shaping.up.rate: ", "got '0'" } },
	{ "loss above 100",
	  { "\"loss\": 1", "\"loss\": 120" },
	  { "bad.json: paths.path1.shaping.loss: ", "0 to 100", "got '120'" } },
	{ "unknown key",
	  { "\"sysctls\": {\"net.ipv4", "\"sysctl\": {\"net.ipv4" },
	  { "bad.json: nodes.client.sysctl: unknown key (expected one of: sysctls, forwarding, mptcp)" } },
	{ "unknown node reference",
	  { "\"node\": \"r1\", \"ifname\": \"c\"", "\"node\": \"r9\", \"ifname\": \"c\"" },
	  { "bad.json: links[0].b.node: unknown node", "client, r1, server", "got 'r9'" } },
	{ "duplicate address",
	  { "\"10.1.2.1/24\"", "\"10.1.1.1/24\"" },
	  { "bad.json: links[1].a.addresses[0]: duplicate address", "links[0].a", "got '10.1.1.1/24'" } },
	{ "signal with fullmesh",
	  { "\"flags\": [\"signal\"]", "\"flags\": [\"signal\", \"fullmesh\"]" },
	  { "bad.json: nodes.server.mptcp.endpoints[0].flags: signal and fullmesh",
	    "[\"signal\",\"fullmesh\"]" } },
	{ "path not a chain",
	  { "[\"c-r1\", \"r1-s\"]", "[\"c-r1\", \"direct\"]" },
	  { "bad.json: paths.path1.links[1]: not a chain", "'r1'", "got 'direct'" } },
	{ "path not reaching the server",
	  { "[\"c-r1\", \"r1-s\"]", "[\"c-r1\"]" },
	  { "bad.json: paths.path1.links: not a chain", "server node 'server'", "ending at 'r1'" } },
	{ "wrong type",
	  { "\"forwarding\": true", "\"forwarding\": \"yes\"" },
	  { "bad.json: nodes.r1.forwarding: wrong type, expected true or false, got string 'yes'" } },
	{ "endpoint address not on the node",
	  { "\"address\": \"10.2.1.1\"", "\"address\": \"10.2.1.9\"" },
	  { "bad.json: nodes.client.mptcp.endpoints[0].address: not an address of node 'client'",
	    "got '10.2.1.9'" } },
	{ "endpoint dev not on the node",
	  { "\"dev\": \"eth2\", \"flags\": [\"subflow\"]", "\"dev\": \"eth7\", \"flags\": [\"subflow\"]" },
	  { "bad.json: nodes.client.mptcp.endpoints[0].dev: unknown interface", "eth1, eth2",
	    "got 'eth7'" } },
	{ "limits out of range",
	  { "\"subflows\": 1", "\"subflows\": 9" },
	  { "bad.json: nodes.client.mptcp.limits.subflows: out of range, expected 0 to 8, got '9'" } },
	{ "address without prefix",
	  { "\"10.1.1.2/24\"", "\"10.1.1.2\"" },
	  { "bad.json: links[0].b.addresses[0]: missing prefix length", "got '10.1.1.2'" } },
	{ "link on one node",
	  { "\"node\": \"r1\", \"ifname\": \"c\"", "\"node\": \"client\", \"ifname\": \"c\"" },
	  { "bad.json: links[0].b.node: both ends on the same node", "got 'client'" } },
	{ "mtu out of range",
	  { "\"name\": \"direct\",", "\"name\": \"direct\", \"mtu\": 70000," },
	  { "bad.json: links[2].mtu: out of range, expected 68 to 65535, got '70000'" } },
	{ "route gateway of the wrong family",
	  { "\"via\": \"10.1.2.1\"", "\"via\": \"fd00::1\"" },
	  { "bad.json: routes.server[0].via: gateway of another family", "got 'fd00::1'" } },
	{ "route dev not on the node",
	  { "\"dev\": \"eth1\", \"metric\"", "\"dev\": \"s\", \"metric\"" },
	  { "bad.json: routes.client[0].dev: unknown interface", "got 's'" } },
	{ "route prefix with host bits",
	  { "\"10.1.1.0/24\"", "\"10.1.1.7/24\"" },
	  { "bad.json: routes.server[0].to: host bits set", "got '10.1.1.7/24'" } },
	{ "client not a node",
	  { "\"client\": \"client\",", "\"client\": \"laptop\"," },
	  { "bad.json: client: unknown node", "got 'laptop'" } },
	{ "reorder without delay",
	  { "\"loss\": 1", "\"loss\": 1, \"reorder\": \"5%\"" },
	  { "bad.json: paths.path1.shaping.reorder: needs a delay", "got reorder '5%'" } },
	{ "time without unit",
	  { "\"loss\": 1", "\"loss\": 1, \"delay\": \"10\"" },
	  { "bad.json: paths.path1.shaping.delay: bad time", "got '10'" } },
	{ "unknown qdisc",
	  { "\"loss\": 1", "\"loss\": 1, \"qdisc\": \"fq\"" },
	  { "bad.json: paths.path1.shaping.qdisc: unknown rate qdisc", "got 'fq'" } },
	{ "sysctl outside net",
	  { "\"net.ipv4.conf.all.rp_filter\"", "\"kernel.panic\"" },
	  { "bad.json: nodes.client.sysctls[\"kernel.panic\"]: not a network sysctl", "got 'kernel.panic'" } },
	{ "invalid node name",
	  { "\"r1\": {\"forwarding\"", "\"R 1\": {\"forwarding\"" },
	  { "bad.json: nodes[\"R 1\"]: invalid node name", "got 'R 1'" } },
	{ "duplicate endpoint id",
	  { "\"id\": 2}]}},", "\"id\": 2}, {\"address\": \"10.1.1.1\", \"id\": 2}]}}," },
	  { "bad.json: nodes.client.mptcp.endpoints[1].id: duplicate endpoint id", "got '2'" } },
	{ "duplicate interface",
	  { "\"ifname\": \"eth2\", \"addresses\": [\"10.2.1.1/24\"]", "\"ifname\": \"eth1\", \"addresses\": [\"10.2.1.1/24\"]" },
	  { "bad.json: links[2].a.ifname: duplicate interface on node 'client'", "got 'eth1'" } },
};

static void test_bad_inputs(void)
{
	static const char *const not_object[] = {
		"bad.json: top level: wrong type, expected an object, got an array", NULL
	};

	expect_error("not an object", "[1, 2]", NULL, 0, not_object);
	check_bad_cases(mini, bad_cases, ARRAY_SIZE(bad_cases), expect_error);
}

static void test_base_parses(void)
{
	static struct topology t;
	struct diag_list e = DIAG_LIST_INIT;
	struct diag d = DIAG_INIT;
	const char *name = "base document parses";
	int r;

	r = topology_load_buffer("mini.json", mini, strlen(mini), NULL, 0, &t, &e);
	if (r) {
		check_errs_dump(&e);
		check_failf(name, "got %d", r);
	}
	if (t.spec.n_nodes != 3 || t.spec.n_links != 3 || t.spec.n_paths != 2 ||
	    t.spec.n_endpoints != 2 || t.spec.n_routes != 2 || t.spec.n_limits != 1)
		check_failf(name, "wrong counts: nodes %u links %u paths %u endpoints %u routes %u limits %u",
		     t.spec.n_nodes, t.spec.n_links, t.spec.n_paths,
		     t.spec.n_endpoints, t.spec.n_routes, t.spec.n_limits);
	/* forwarding: true became two sysctls, after the explicit one. */
	if (t.spec.n_sysctls != 3 || strcmp(t.spec.sysctls[1].key, "net.ipv4.ip_forward") ||
	    strcmp(t.spec.sysctls[1].node, "r1") || strcmp(t.spec.sysctls[1].value, "1") ||
	    strcmp(t.spec.sysctls[2].key, "net.ipv6.conf.all.forwarding"))
		check_failf(name, "forwarding sysctls not derived (%u sysctls)", t.spec.n_sysctls);
	/* Limits not given keep the kernel's defaults. */
	if (t.spec.limits[0].subflows != 1 || t.spec.limits[0].add_addr_accepted != 0)
		check_failf(name, "limits %u/%u", t.spec.limits[0].subflows,
		     t.spec.limits[0].add_addr_accepted);
	if (t.spec.paths[0].up.rate_bps != 50000000 ||
	    t.spec.paths[0].down.rate_bps != 50000000 ||
	    t.spec.paths[0].up.loss_pct != 1.0 || t.spec.paths[0].down.loss_pct != 1.0)
		check_failf(name, "path1 shaping wrong");
	if (t.spec.paths[1].up.rate_bps != 10000000 ||
	    t.spec.paths[1].down.rate_bps != 30000000)
		check_failf(name, "path2 up/down override wrong: up %llu down %llu",
		     (unsigned long long)t.spec.paths[1].up.rate_bps,
		     (unsigned long long)t.spec.paths[1].down.rate_bps);
	if (t.spec.routes[0].dst.family != AF_INET || t.spec.routes[0].dst.prefixlen != 0 ||
	    t.spec.routes[0].metric != 100 || strcmp(t.spec.routes[0].dev, "eth1"))
		check_failf(name, "default route wrong");
	if (t.spec.endpoints[0].flags != LAB_PM_FLAG_SUBFLOW || t.spec.endpoints[0].id != 2 ||
	    t.spec.endpoints[1].flags != LAB_PM_FLAG_SIGNAL)
		check_failf(name, "endpoints wrong");
	if (strcmp(t.client, "client") || strcmp(t.spec.server, "server"))
		check_failf(name, "roles wrong");
	snprintf(t.spec.name, sizeof(t.spec.name), "unit");
	if (lab_spec_validate(&t.spec, &d))
		check_failf(name, "lab_spec_validate: %s", diag_str(&d));
	check_pass(name);
}

static void test_many_errors(void)
{
	static const char *const edits[] = {
		"\"ifname\": \"c\"", "\"ifname\": \"averyveryverylon\"",
		"\"rate\": \"50mbit\"", "\"rate\": \"fast\"",
		"\"loss\": 1", "\"loss\": 120",
		"\"forwarding\": true", "\"forwarding\": true, \"color\": \"red\"",
		"\"flags\": [\"signal\"]", "\"flags\": [\"signal\", \"fullmesh\"]",
	};
	static struct topology t;
	struct diag_list e = DIAG_LIST_INIT;
	const char *name = "five errors in one file, all reported";
	char *doc = check_edited(name, mini, edits, ARRAY_SIZE(edits));
	int r;

	r = topology_load_buffer("bad.json", doc, strlen(doc), NULL, 0, &t, &e);
	free(doc);
	check_errs_dump(&e);
	if (r != -EINVAL || e.n != 5)
		check_failf(name, "expected -EINVAL and 5 messages, got %d and %zu", r, e.n);
	if (t.spec.n_nodes || t.spec.n_links)
		check_failf(name, "topology not cleared after failure");
	diag_list_release(&e);
	check_pass(name);
}

static void test_sets(void)
{
	static struct topology t;
	struct diag_list e = DIAG_LIST_INIT;
	const char *name = "--set overrides change the spec";
	const char *sets[] = {
		"paths.path1.shaping.rate=20mbit",
		"links[2].mtu=9000",
		"links.0.b.ifname=r1c",
		"nodes.client.sysctls[\"net.ipv4.tcp_rmem\"]=4096 131072 6291456",
		"paths.path2.shaping.down={\"rate\": 25000000, \"queue\": \"64kb\"}",
		"nodes.server.mptcp.limits.add_addr_accepted=2",
	};
	int r;

	r = topology_load_buffer("mini.json", mini, strlen(mini), sets,
				 ARRAY_SIZE(sets), &t, &e);
	if (r) {
		check_errs_dump(&e);
		check_failf(name, "got %d", r);
	}
	if (t.spec.paths[0].up.rate_bps != 20000000 ||
	    t.spec.paths[0].down.rate_bps != 20000000)
		check_failf(name, "rate not overridden");
	if (t.spec.links[2].mtu != 9000 || strcmp(t.spec.links[0].end[1].ifname, "r1c"))
		check_failf(name, "links not overridden");
	if (t.spec.n_sysctls != 4 || strcmp(t.spec.sysctls[1].key, "net.ipv4.tcp_rmem") ||
	    strcmp(t.spec.sysctls[1].value, "4096 131072 6291456"))
		check_failf(name, "quoted sysctl key not set");
	if (t.spec.paths[1].down.rate_bps != 25000000 ||
	    t.spec.paths[1].down.queue_bytes != 64000 ||
	    t.spec.paths[1].up.rate_bps != 10000000)
		check_failf(name, "object value not set");
	if (t.spec.n_limits != 2 || t.spec.limits[1].add_addr_accepted != 2 ||
	    t.spec.limits[1].subflows != 2)
		check_failf(name, "limits not created");
	diag_list_release(&e);
	check_pass(name);

	{
		const char *s1[] = { "paths.path1.shaping.rate" };
		const char *w1[] = { "bad.json: --set 'paths.path1.shaping.rate': missing '='", NULL };
		const char *s2[] = { "links[7].mtu=1500" };
		const char *w2[] = { "bad.json: --set 'links[7].mtu=1500': links[7]: index out of range", NULL };
		const char *s3[] = { "paths.path1.shaping.rate=0" };
		const char *w3[] = { "bad.json: paths.path1.shaping.rate: bad rate", "got '0'", NULL };
		const char *s4[] = { "name.x=1" };
		const char *w4[] = { "bad.json: --set 'name.x=1': name: cannot set 'x' in a string", NULL };

		expect_error("--set without '='", mini, s1, 1, w1);
		expect_error("--set index out of range", mini, s2, 1, w2);
		expect_error("--set value checked like the file", mini, s3, 1, w3);
		expect_error("--set through a string", mini, s4, 1, w4);
	}
}

static void test_jsonset(void)
{
	static const struct {
		const char *set;
		const char *after; /* compact dump, or NULL if it must fail */
		const char *err;
	} cases[] = {
		{ "a.b=1", "{\"l\":[1,{\"x\":true}],\"s\":\"str\",\"a\":{\"b\":1}}", NULL },
		{ "a.b.c=20mbit", "{\"l\":[1,{\"x\":true}],\"s\":\"str\",\"a\":{\"b\":{\"c\":\"20mbit\"}}}", NULL },
		{ "l[1].x=false", "{\"l\":[1,{\"x\":false}],\"s\":\"str\"}", NULL },
		{ "l.1.y=null", "{\"l\":[1,{\"x\":true,\"y\":null}],\"s\":\"str\"}", NULL },
		{ "l[2]=\"three\"", "{\"l\":[1,{\"x\":true},\"three\"],\"s\":\"str\"}", NULL },
		{ "[\"a.b\"]=1.5", "{\"l\":[1,{\"x\":true}],\"s\":\"str\",\"a.b\":1.5}", NULL },
		{ "s=", "{\"l\":[1,{\"x\":true}],\"s\":\"\"}", NULL },
		{ "s=a=b", "{\"l\":[1,{\"x\":true}],\"s\":\"a=b\"}", NULL },
		{ "l[3]=1", NULL, "l[3]: index out of range, array has 2 elements" },
		{ "new.list[0]=1", NULL, "new: does not exist, and --set creates objects, not arrays" },
		{ "s.x.y=1", NULL, "s: cannot descend into a string with 'x'" },
		{ "l.x=1", NULL, "l: cannot set 'x' in an array" },
		{ "a..b=1", NULL, "empty key" },
		{ "=1", NULL, "empty path" },
		{ "l[x]=1", NULL, "bad index" },
		{ "nothing", NULL, "missing '='" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const char *base = "{\"l\":[1,{\"x\":true}],\"s\":\"str\"}";
		json_t *root = json_loads(base, 0, NULL);
		struct diag d = DIAG_INIT;
		char name[128], *dump;
		int r;

		snprintf(name, sizeof(name), "jsonset_apply '%s'", cases[i].set);
		r = jsonset_apply(root, cases[i].set, &d);
		dump = json_dumps(root, JSON_COMPACT);
		if (cases[i].after) {
			if (r)
				check_failf(name, "failed: %s", diag_str(&d));
			/* jansson keeps insertion order: new keys come last. */
			if (strcmp(dump, cases[i].after))
				check_failf(name, "got %s, expected %s", dump, cases[i].after);
		} else {
			if (r != -EINVAL)
				check_failf(name, "expected -EINVAL, got %d", r);
			if (!strstr(d.msg, cases[i].err))
				check_failf(name, "message '%s' lacks '%s'", d.msg, cases[i].err);
			if (strcmp(dump, base))
				check_failf(name, "document changed by a failing --set: %s", dump);
			printf("       > %s\n", d.msg);
		}
		free(dump);
		json_decref(root);
		check_pass(name);
	}
}

static void test_shipped(void)
{
	const char *src = getenv("MPL_SOURCE_DIR");
	char dir[4096], path[4400];
	unsigned n_files = 0;
	struct dirent *de;
	DIR *dh;

	if (!src)
		check_skip("MPL_SOURCE_DIR is not set: cannot find topologies/");
	snprintf(dir, sizeof(dir), "%s/topologies", src);
	dh = opendir(dir);
	if (!dh)
		check_failf("shipped topologies", "cannot open '%s': %s", dir, strerror(errno));
	while ((de = readdir(dh))) {
		static struct topology t;
		struct diag_list e = DIAG_LIST_INIT;
		struct diag d = DIAG_INIT;
		size_t len = strlen(de->d_name);
		int r;

		if (len < 6 || strcmp(de->d_name + len - 5, ".json"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		r = topology_load_file(path, NULL, 0, &t, &e);
		if (r) {
			check_errs_dump(&e);
			check_failf(de->d_name, "does not parse: %d", r);
		}
		if (strncmp(de->d_name, t.name, strlen(t.name)) || de->d_name[strlen(t.name)] != '.')
			check_failf(de->d_name, "\"name\" '%s' does not match the file name", t.name);
		snprintf(t.spec.name, sizeof(t.spec.name), "unit");
		if (lab_spec_validate(&t.spec, &d))
			check_failf(de->d_name, "lab_spec_validate: %s", diag_str(&d));
		/* Shipped files must run without netem: rate only. */
		for (unsigned i = 0; i < t.spec.n_paths; i++)
			if (lab_shaping_needs_netem(&t.spec.paths[i].up) ||
			    lab_shaping_needs_netem(&t.spec.paths[i].down) ||
			    !t.spec.paths[i].up.rate_bps || !t.spec.paths[i].down.rate_bps)
				check_failf(de->d_name, "path '%s' is not rate-only shaping",
				     t.spec.paths[i].name);
		/* Every link carries both families. */
		for (unsigned i = 0; i < t.spec.n_links; i++)
			for (unsigned k = 0; k < 2; k++) {
				const struct lab_iface_spec *f = &t.spec.links[i].end[k];
				bool v4 = false, v6 = false;

				for (unsigned a = 0; a < f->n_addrs; a++) {
					v4 |= f->addrs[a].family == AF_INET;
					v6 |= f->addrs[a].family == AF_INET6;
				}
				if (!v4 || !v6)
					check_failf(de->d_name, "link '%s' end %u lacks IPv4 or IPv6",
					     t.spec.links[i].name, k);
			}
		/* One extra subflow per extra path, for each family. */
		for (unsigned i = 0; i < t.spec.n_limits; i++)
			if (t.spec.limits[i].subflows != t.spec.n_paths - 1)
				check_failf(de->d_name, "limits of '%s': %u subflows for %u paths",
				     t.spec.limits[i].node, t.spec.limits[i].subflows,
				     t.spec.n_paths);
		printf("       > %s: %u nodes, %u links, %u paths, %u routes, %u endpoints\n",
		       de->d_name, t.spec.n_nodes, t.spec.n_links, t.spec.n_paths,
		       t.spec.n_routes, t.spec.n_endpoints);
		n_files++;
		check_pass(de->d_name);
	}
	closedir(dh);
	if (n_files < 3)
		check_failf("shipped topologies", "found %u files in '%s', expected at least 3",
		     n_files, dir);

	/* Figures the README promises. */
	{
		static struct topology t;
		struct diag_list e = DIAG_LIST_INIT;

		snprintf(path, sizeof(path), "%s/asymmetric.json", dir);
		if (topology_load_file(path, NULL, 0, &t, &e))
			check_failf("asymmetric.json figures", "does not parse");
		for (unsigned i = 0; i < t.spec.n_paths; i++)
			if (!strcmp(t.spec.paths[i].name, "lte") &&
			    (t.spec.paths[i].up.rate_bps != 5000000 ||
			     t.spec.paths[i].down.rate_bps != 20000000 ||
			     t.spec.paths[i].n_links != 1))
				check_failf("asymmetric.json figures", "lte is not 5/20 Mbit/s direct");
		check_pass("asymmetric.json figures");
	}
}

static void test_unreadable(void)
{
	static struct topology t;
	struct diag_list e = DIAG_LIST_INIT;
	const char *name = "missing file";
	int r = topology_load_file("/nonexistent/x.json", NULL, 0, &t, &e);

	if (r != -ENOENT || e.n != 1 || !strstr(e.msgs[0], "/nonexistent/x.json: cannot open"))
		check_failf(name, "got %d, %zu messages", r, e.n);
	printf("       > %s\n", e.msgs[0]);
	diag_list_release(&e);
	check_pass(name);
}

int main(void)
{
	test_base_parses();
	test_bad_inputs();
	test_many_errors();
	test_sets();
	test_jsonset();
	test_unreadable();
	test_shipped();
	printf("%u cases passed\n", check_count);
	return 0;
}
