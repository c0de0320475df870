/*
 * cmd_topo.c: `mptcp-lab topo up|down|list|show`.
 *
 * `up` parses the topology (all errors at once, exit 65, nothing created),
 * builds the lab under a run-scoped name and either leaves it up (kept
 * until `topo down NAME`) or, with --hold, keeps it while the command runs
 * and tears it down on SIGINT/SIGTERM. Any failure or signal during the
 * build unwinds through lab_down().
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "commands.h"
#include "exitcodes.h"
#include "lab.h"
#include "topology.h"
#include "units.h"

#define FAULT_ENV "MPTCP_LAB_FAULT_STEP"
/* Test hook: links in every new namespace before the lab's (lab_opts). */
#define FALLBACK_ENV "MPTCP_LAB_TEST_FALLBACK_LINKS"

static void print_errors(const struct diag_list *e)
{
	for (size_t i = 0; i < e->n; i++)
		fprintf(stderr, "%s\n", e->msgs[i]);
	if (e->n > 1)
		fprintf(stderr, "mptcp-lab: %zu errors, nothing was created\n", e->n);
	else if (e->n)
		fprintf(stderr, "mptcp-lab: nothing was created\n");
}

static void wait_for_signal(void)
{
	sigset_t block, old;

	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigprocmask(SIG_BLOCK, &block, &old);
	while (!mpl_interrupted)
		sigsuspend(&old);
	sigprocmask(SIG_SETMASK, &old, NULL);
}

static int topo_up(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "set", required_argument, NULL, 's' },
		{ "hold", no_argument, NULL, 'H' },
		{},
	};
	const char **sets = NULL;
	size_t n_sets = 0;
	struct diag_list errs = DIAG_LIST_INIT;
	struct topology *t = NULL;
	struct lab_opts lo = { .cancel = &mpl_interrupted };
	struct lab *lab = NULL;
	struct diag d = DIAG_INIT, dd = DIAG_INIT;
	char name[LAB_NAME_MAX] = "";
	bool hold = false;
	const char *fault = getenv(FAULT_ENV), *fallback = getenv(FALLBACK_ENV);
	int c, r, ret;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			if (!lab_name_valid(optarg)) {
				say_error("invalid lab name '%s': 1-16 characters of a-z 0-9 _ -, starting with a letter or digit",
					  optarg);
				ret = EXIT_USAGE;
				goto out;
			}
			snprintf(name, sizeof(name), "%s", optarg);
			break;
		case 's': {
			const char **g = realloc(sets, (n_sets + 1) * sizeof(*g));

			if (!g) {
				ret = EXIT_SOFTWARE;
				goto out;
			}
			sets = g;
			sets[n_sets++] = optarg;
			break;
		}
		case 'H':
			hold = true;
			break;
		default:
			ret = usage_of("topo");
			goto out;
		}
	}
	if (optind != argc - 1) {
		say_error("'topo up' needs exactly one topology file");
		ret = usage_of("topo");
		goto out;
	}
	if (fault) {
		char *end;
		unsigned long v = strtoul(fault, &end, 10);

		if (*end || !*fault) {
			say_error("%s must be a step number, got '%s'", FAULT_ENV, fault);
			ret = EXIT_USAGE;
			goto out;
		}
		lo.fail_at_step = (unsigned)v;
	}
	if (fallback) {
		char *end;
		unsigned long v = strtoul(fallback, &end, 10);

		if (*end || !*fallback || v > 8) {
			say_error("%s must be 0-8, got '%s'", FALLBACK_ENV, fallback);
			ret = EXIT_USAGE;
			goto out;
		}
		lo.test_fallback_links = (unsigned)v;
	}
	t = calloc(1, sizeof(*t));
	if (!t) {
		ret = EXIT_SOFTWARE;
		goto out;
	}
	r = topology_load_file(argv[optind], sets, n_sets, t, &errs);
	if (r < 0) {
		print_errors(&errs);
		ret = EXIT_DATAERR;
		goto out;
	}
	if (!name[0] && lab_random_name("", name, sizeof(name)) < 0) {
		say_error("cannot draw a random lab name: %m");
		ret = EXIT_SOFTWARE;
		goto out;
	}
	snprintf(t->spec.name, sizeof(t->spec.name), "%s", name);
	snprintf(t->spec.client, sizeof(t->spec.client), "%s", t->client);
	snprintf(t->spec.server, sizeof(t->spec.server), "%s", t->server);

	r = lab_spec_validate(&t->spec, &d);
	if (r < 0) {
		say_error("%s: %s", argv[optind], diag_str(&d));
		ret = EXIT_DATAERR;
		goto out;
	}
	r = lab_up(&t->spec, &lo, &lab, &d);
	if (r < 0) {
		say_error("%s", diag_str(&d));
		if (lab_down(lab, &dd) < 0)
			say_error("while tearing down: %s", diag_str(&dd));
		else if (lab)
			fprintf(stderr, "mptcp-lab: lab '%s' was torn down\n", name);
		/* The file was valid: a refusal now is the kernel's or the
		 * host's (70), a missing feature (69), a taken name (64). */
		ret = r == -EINTR ? 128 + SIGINT : r == -EOPNOTSUPP ? EXIT_UNAVAILABLE :
		      r == -EEXIST ? EXIT_USAGE : EXIT_SOFTWARE;
		goto out;
	}
	printf("lab %s is up (%u namespaces: 'ip netns exec mpl-%s-<node> ...')\n", name,
	       t->spec.n_nodes, name);
	fflush(stdout);
	if (!hold) {
		lab_detach(lab);
		ret = EXIT_OK;
		goto out;
	}
	wait_for_signal();
	r = lab_down(lab, &dd);
	if (r < 0) {
		say_error("cannot tear down lab '%s': %s", name, diag_str(&dd));
		ret = EXIT_SOFTWARE;
		goto out;
	}
	printf("lab %s is down\n", name);
	ret = EXIT_OK;
out:
	free(t);
	free(sets);
	diag_list_release(&errs);
	return ret;
}

static int topo_down(int argc, char **argv)
{
	struct diag d = DIAG_INIT;
	int ret = EXIT_OK;

	if (argc < 2) {
		say_error("'topo down' needs the name of a lab (see 'mptcp-lab topo list')");
		return usage_of("topo");
	}
	for (int i = 1; i < argc; i++) {
		int r = lab_destroy(argv[i], &d);

		if (r < 0) {
			say_error("%s", diag_str(&d));
			diag_clear(&d);
			ret = r == -ENOENT ? EXIT_FAIL : EXIT_SOFTWARE;
			continue;
		}
		printf("lab %s is down\n", argv[i]);
	}
	return ret;
}

static bool want_json(int argc, char **argv, int *first_arg)
{
	bool json = false;

	*first_arg = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = true;
		else if (!*first_arg)
			*first_arg = i;
	}
	return json;
}

static int print_json(json_t *j)
{
	int r = json_dumpf(j, stdout, JSON_INDENT(2)) < 0 ? EXIT_SOFTWARE : EXIT_OK;

	putchar('\n');
	json_decref(j);
	return r;
}

static void print_labs(const struct lab_info *labs, unsigned n)
{
	if (!n)
		printf("no labs\n");
	else
		printf("%-17s %-10s %-8s %s\n", "LAB", "STATE", "OWNER", "NODES");
	for (unsigned i = 0; i < n; i++) {
		const struct lab_info *l = &labs[i];
		const char *state = l->persistent ? "kept" : l->owner_alive ? "in use" :
				    l->owner ? "stale" : "orphan";

		printf("%-17s %-10s %-8d", l->name, state, (int)l->owner);
		for (unsigned k = 0; k < l->n_nodes; k++)
			printf(" %s", l->nodes[k]);
		putchar('\n');
	}
}

static json_t *labs_json(const struct lab_info *labs, unsigned n)
{
	json_t *arr = json_array();

	for (unsigned i = 0; i < n; i++) {
		const struct lab_info *l = &labs[i];
		json_t *nodes = json_array();

		for (unsigned k = 0; k < l->n_nodes; k++)
			json_array_append_new(nodes, json_string(l->nodes[k]));
		json_array_append_new(arr, json_pack("{s:s, s:i, s:b, s:b, s:o}", "name", l->name,
						     "owner", (int)l->owner, "owner_alive",
						     l->owner_alive, "persistent", l->persistent,
						     "nodes", nodes));
	}
	return arr;
}

/* Each of list and show fetches from lab/ once, then renders what it got
 * as text or, with --json, as one JSON document. */
static int topo_list(int argc, char **argv)
{
	struct lab_info *labs = NULL;
	struct diag d = DIAG_INIT;
	unsigned n = 0;
	int first, ret = EXIT_OK;

	if (lab_list(&labs, &n, &d) < 0) {
		say_error("%s", diag_str(&d));
		return EXIT_SOFTWARE;
	}
	if (want_json(argc, argv, &first))
		ret = print_json(labs_json(labs, n));
	else
		print_labs(labs, n);
	free(labs);
	return ret;
}

static json_t *addr_json(const struct lab_addr *a, bool prefix)
{
	char buf[64];

	return json_string(lab_addr_format(a, prefix, buf, sizeof(buf)));
}

static json_t *node_json(const struct lab_show_node *s)
{
	json_t *ifaces = json_array(), *routes = json_array(), *eps = json_array();
	char buf[64];

	for (unsigned i = 0; i < s->n_ifaces; i++) {
		const struct lab_show_iface *f = &s->ifaces[i];
		json_t *addrs = json_array(), *qd = json_array();

		for (unsigned k = 0; k < f->n_addrs; k++)
			json_array_append_new(addrs, addr_json(&f->addrs[k], true));
		for (unsigned k = 0; k < f->n_qdiscs; k++) {
			const struct lab_show_qdisc *q = &f->qdiscs[k];

			json_array_append_new(qd, json_pack("{s:s, s:s, s:s, s:I, s:I, s:f, s:i}",
				"kind", q->kind,
				"handle", (snprintf(buf, sizeof(buf), "%x:", q->handle >> 16), buf),
				"parent", q->parent == 0xffffffffu ? "root" : q->parent == 0xfffffff1u ? "ingress" : "child",
				"rate_bps", (json_int_t)q->rate_bps, "delay_us", (json_int_t)q->delay_us,
				"loss_pct", q->loss_pct, "limit", (int)q->limit));
		}
		json_array_append_new(ifaces, json_pack("{s:s, s:s, s:i, s:b, s:i, s:o, s:o}",
			"ifname", f->ifname, "kind", f->kind, "ifindex", f->ifindex, "up", f->up,
			"mtu", (int)f->mtu, "addresses", addrs, "qdiscs", qd));
	}
	for (unsigned i = 0; i < s->n_routes; i++) {
		const struct lab_show_route *r = &s->routes[i];

		json_array_append_new(routes, json_pack("{s:o, s:o, s:s, s:i}",
			"to", addr_json(&r->dst, true),
			"via", r->via.family ? addr_json(&r->via, false) : json_null(),
			"dev", r->dev, "metric", (int)r->metric));
	}
	for (unsigned i = 0; i < s->n_endpoints; i++) {
		const struct lab_show_endpoint *e = &s->endpoints[i];

		json_array_append_new(eps, json_pack("{s:i, s:o, s:s, s:s}", "id", e->id,
			"address", addr_json(&e->addr, false), "dev", e->dev,
			"flags", lab_pm_flags_format(e->flags, buf, sizeof(buf))));
	}
	return json_pack("{s:s, s:s, s:o, s:o, s:o, s:o, s:i}", "node", s->node, "netns", s->netns,
			 "interfaces", ifaces, "routes", routes, "mptcp_endpoints", eps,
			 "mptcp_limits", s->has_limits ?
			 json_pack("{s:i, s:i}", "subflows", (int)s->limit_subflows,
				   "add_addr_accepted", (int)s->limit_add_addr_accepted) : json_null(),
			 "processes", (int)s->n_pids);
}

static void print_node(const struct lab_show_node *s)
{
	char buf[64], buf2[64];

	printf("%s (netns %s, %u processes)\n", s->node, s->netns, s->n_pids);
	for (unsigned i = 0; i < s->n_ifaces; i++) {
		const struct lab_show_iface *f = &s->ifaces[i];

		printf("  %-15s %-8s %-4s mtu %u", f->ifname, f->kind, f->up ? "up" : "down", f->mtu);
		for (unsigned k = 0; k < f->n_addrs; k++)
			printf(" %s", lab_addr_format(&f->addrs[k], true, buf, sizeof(buf)));
		putchar('\n');
		for (unsigned k = 0; k < f->n_qdiscs; k++) {
			const struct lab_show_qdisc *q = &f->qdiscs[k];

			printf("    qdisc %-7s %x:", q->kind, q->handle >> 16);
			if (q->rate_bps)
				printf(" rate %s", units_format_rate(q->rate_bps, buf, sizeof(buf)));
			if (q->delay_us)
				printf(" delay %s", units_format_time(q->delay_us, buf, sizeof(buf)));
			if (q->loss_pct > 0)
				printf(" loss %.3g%%", q->loss_pct);
			if (q->limit)
				printf(" limit %u", q->limit);
			putchar('\n');
		}
	}
	for (unsigned i = 0; i < s->n_routes; i++) {
		const struct lab_show_route *r = &s->routes[i];

		printf("  route %s", lab_addr_format(&r->dst, true, buf, sizeof(buf)));
		if (r->via.family)
			printf(" via %s", lab_addr_format(&r->via, false, buf2, sizeof(buf2)));
		if (r->dev[0])
			printf(" dev %s", r->dev);
		if (r->metric)
			printf(" metric %u", r->metric);
		putchar('\n');
	}
	if (s->has_limits)
		printf("  mptcp limits subflows %u add_addr_accepted %u\n", s->limit_subflows,
		       s->limit_add_addr_accepted);
	for (unsigned i = 0; i < s->n_endpoints; i++) {
		const struct lab_show_endpoint *e = &s->endpoints[i];

		printf("  mptcp endpoint %s id %u %s%s%s\n",
		       lab_addr_format(&e->addr, false, buf, sizeof(buf)), e->id,
		       lab_pm_flags_format(e->flags, buf2, sizeof(buf2)), e->dev[0] ? " dev " : "",
		       e->dev);
	}
}

static json_t *show_json(const char *lab, const struct lab_show_node *nodes, unsigned n)
{
	json_t *arr = json_array();

	for (unsigned i = 0; i < n; i++)
		json_array_append_new(arr, node_json(&nodes[i]));
	return json_pack("{s:s, s:o}", "lab", lab, "nodes", arr);
}

static int topo_show(int argc, char **argv)
{
	struct lab_show_node *nodes = NULL;
	struct diag d = DIAG_INIT;
	unsigned n = 0;
	int first, ret = EXIT_OK;
	bool json = want_json(argc, argv, &first);

	if (!first) {
		say_error("'topo show' needs the name of a lab (see 'mptcp-lab topo list')");
		return usage_of("topo");
	}
	if (lab_show(argv[first], &nodes, &n, &d) < 0) {
		say_error("%s", diag_str(&d));
		return d.err == -ENOENT ? EXIT_FAIL : EXIT_SOFTWARE;
	}
	if (json) {
		ret = print_json(show_json(argv[first], nodes, n));
	} else {
		printf("lab %s\n", argv[first]);
		for (unsigned i = 0; i < n; i++)
			print_node(&nodes[i]);
	}
	free(nodes);
	return ret;
}

int cmd_topo(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} sub[] = {
		{ "up", topo_up }, { "down", topo_down }, { "list", topo_list }, { "show", topo_show },
	};

	if (argc < 2) {
		say_error("'topo' needs a subcommand: up, down, list or show");
		return usage_of("topo");
	}
	for (size_t i = 0; i < sizeof(sub) / sizeof(sub[0]); i++)
		if (!strcmp(argv[1], sub[i].name))
			return sub[i].fn(argc - 1, argv + 1);
	say_error("'topo %s' is not a subcommand: up, down, list or show", argv[1]);
	return usage_of("topo");
}
