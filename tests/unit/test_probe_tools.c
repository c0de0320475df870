/*
 * test_probe_tools: what `run` probes before its first run and what it
 * leaves for when a scenario needs it (runner/measure/probe_tools.h).
 * probe_tools_for_runs() probes iperf3, its MPTCP method and bpftool, and
 * lists gnuplot, qemu and kvm as deferred; probe_tools_resolve() then
 * probes one of them and finds what the full probe of `check`
 * (probe_tools()) finds, whether the program is installed or not. kvm is
 * not resolved here: its probe runs a guest for up to 5 s.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "probe_tools.h"

static struct lab_cap *find(struct lab_cap *caps, unsigned n, const char *name)
{
	for (unsigned i = 0; i < n; i++)
		if (!strcmp(caps[i].name, name))
			return &caps[i];
	check_failf(name, "not in the list");
}

int main(void)
{
	static const char *const deferred[] = { "tool.gnuplot", "tool.qemu", "kvm" };
	static const char *const probed[] = { "tool.iperf3", "iperf3.mptcp", "tool.bpftool" };
	static const char *const resolved[] = { "tool.gnuplot", "tool.qemu" };
	struct lab_cap *runs = NULL, *all = NULL;
	unsigned n_runs = 0, n_all = 0;
	struct diag d = DIAG_INIT;

	check(probe_tools_for_runs(&runs, &n_runs, &d) == 0, "probe_tools_for_runs", "%s",
	      diag_str(&d));
	check(probe_tools(&all, &n_all, &d) == 0, "probe_tools", "%s", diag_str(&d));
	check(n_runs == n_all, "both list the same capabilities", "%u vs %u", n_runs, n_all);
	for (size_t i = 0; i < ARRAY_SIZE(deferred); i++) {
		struct lab_cap *c = find(runs, n_runs, deferred[i]);

		checkf(!c->available && !strcmp(c->detail, PROBE_TOOLS_DEFERRED),
		       "%s is deferred (%s)", c->name, c->detail);
	}
	for (size_t i = 0; i < ARRAY_SIZE(probed); i++) {
		struct lab_cap *c = find(runs, n_runs, probed[i]), *w = find(all, n_all, probed[i]);

		checkf(strcmp(c->detail, PROBE_TOOLS_DEFERRED) && c->available == w->available,
		       "%s is probed before the first run (%s)", c->name, c->detail);
	}
	for (size_t i = 0; i < ARRAY_SIZE(resolved); i++) {
		struct lab_cap *c = find(runs, n_runs, resolved[i]), *w = find(all, n_all, resolved[i]);

		probe_tools_resolve(c);
		checkf(c->available == w->available && !strcmp(c->detail, w->detail),
		       "%s resolved on demand as check finds it (%s: %s)", c->name,
		       c->available ? "yes" : "no", c->detail);
		probe_tools_resolve(c);
		checkf(!strcmp(c->detail, w->detail), "%s: a second resolve changes nothing", c->name);
	}
	free(runs);
	free(all);
	printf("%u checks passed\n", check_count);
	return 0;
}
