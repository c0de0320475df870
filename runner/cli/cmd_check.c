/*
 * cmd_check.c: `mptcp-lab check [--json] [--strict]`. Reports what this
 * host can do for the lab: the kernel capabilities lab_probe() finds in a
 * scratch namespace and the programs probe_tools() runs.
 *
 * Output: an aligned table, or with --json an array with one object per
 * capability, {"name", "available", "detail", "required"} (a stable
 * contract: scripts and CI read it). "required" marks what the shipped
 * scenarios need.
 *
 * Exit: 0 whatever is missing (check reports); with --strict 69 when a
 * required capability is missing, named on stderr; 70 when probing
 * itself failed (no namespace could be created, ...).
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "exitcodes.h"
#include "lab_probe.h"
#include "probe_tools.h"

/* What the shipped scenarios and topologies need. They run the native
 * engine (this binary), so iperf3 is probed and shown but not required:
 * a scenario that asks for "engine": "iperf3" needs it. */
static const char *const check_required[] = {
	"mptcp",      "mptcp.pm_genl", "sockopt.mptcp_info", "link.veth",	 "link.ifb",
	"qdisc.tbf",  "qdisc.htb",     "qdisc.netem",	     "qdisc.ingress", "filter.u32",
	"action.mirred", "tool.gnuplot",
};

static bool check_is_required(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(check_required); i++)
		if (!strcmp(check_required[i], name))
			return true;
	return false;
}

static int check_print_json(const struct lab_cap *caps, unsigned n)
{
	json_t *arr = json_array();
	int r;

	if (!arr)
		return -1;
	for (unsigned i = 0; i < n; i++) {
		json_t *o = json_pack("{s:s, s:b, s:s, s:b}", "name", caps[i].name, "available",
				      caps[i].available, "detail", caps[i].detail, "required",
				      check_is_required(caps[i].name));

		if (!o || json_array_append_new(arr, o) < 0) {
			json_decref(arr);
			return -1;
		}
	}
	r = json_dumpf(arr, stdout, JSON_INDENT(2));
	json_decref(arr);
	if (r < 0)
		return -1;
	putchar('\n');
	return 0;
}

static void check_print_table(const struct lab_cap *caps, unsigned n)
{
	int width = (int)strlen("capability");

	for (unsigned i = 0; i < n; i++)
		if ((int)strlen(caps[i].name) > width)
			width = (int)strlen(caps[i].name);
	printf("%-*s  %-9s  %s\n", width, "capability", "available", "detail");
	for (unsigned i = 0; i < n; i++)
		printf("%-*s  %-9s  %s\n", width, caps[i].name,
		       caps[i].available ? "yes" : check_is_required(caps[i].name) ? "NO (req)" : "no",
		       caps[i].detail);
}

/* "a, b, c" of the required capabilities that are missing (also those no
 * probe reported, which would be a bug worth seeing), or "" if none. */
static void check_missing(const struct lab_cap *caps, unsigned n, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(check_required); i++) {
		const struct lab_cap *c = lab_cap_find(caps, n, check_required[i]);

		if (c && c->available)
			continue;
		len += (size_t)snprintf(buf + len, len < size ? size - len : 0, "%s%s",
					len ? ", " : "", check_required[i]);
	}
}

int cmd_check(int argc, char **argv)
{
	struct lab_cap *kcaps = NULL, *tcaps = NULL, *all = NULL;
	unsigned nk = 0, nt = 0, n;
	bool json = false, strict = false;
	struct diag d = DIAG_INIT;
	char missing[512];
	int ret = EXIT_SOFTWARE;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = true;
		else if (!strcmp(argv[i], "--strict"))
			strict = true;
		else
			return usage_of("check");
	}

	if (lab_probe(&kcaps, &nk, &d) < 0 || probe_tools(&tcaps, &nt, &d) < 0) {
		say_error("%s", diag_str(&d));
		goto out;
	}
	n = nk + nt;
	all = calloc(n, sizeof(*all));
	if (!all) {
		say_error("out of memory");
		goto out;
	}
	memcpy(all, kcaps, nk * sizeof(*all));
	memcpy(all + nk, tcaps, nt * sizeof(*all));

	check_missing(all, n, missing, sizeof(missing));
	if (json) {
		if (check_print_json(all, n) < 0) {
			say_error("cannot write the JSON report");
			goto out;
		}
	} else {
		check_print_table(all, n);
		if (missing[0])
			printf("\nmissing for the shipped scenarios: %s\n", missing);
	}
	if (fflush(stdout) == EOF) {
		say_error("cannot write the report");
		goto out;
	}
	ret = EXIT_OK;
	if (strict && missing[0]) {
		say_error("required capabilities missing: %s", missing);
		ret = EXIT_UNAVAILABLE;
	}
out:
	free(kcaps);
	free(tcaps);
	free(all);
	return ret;
}
